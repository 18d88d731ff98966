// Package warehouse owns the fact schema (PRODUCT.md B1), the loaders that
// write facts and the OLAP interface that reads them. Engines live in
// sub-packages (duckdb, postgres); this package names no driver.
//
// Every fact table has tenant_id (the client id) first in its primary key,
// money is integer minor units of the shop's currency, and every timestamp
// is UTC. Days (the *_day / day columns) are already cut in the shop's
// timezone by whoever writes them.
package warehouse

import (
	"fmt"
	"strings"
)

// Type is a portable column type; each dialect spells it.
type Type string

// Column types. TIMESTAMP holds UTC without a zone.
const (
	BigInt    Type = "BIGINT"
	Int       Type = "INTEGER"
	Text      Type = "TEXT"
	Timestamp Type = "TIMESTAMP"
	DateT     Type = "DATE"
	Bool      Type = "BOOLEAN"
	Double    Type = "DOUBLE"
)

// Column is one column of a fact table.
type Column struct {
	Name    string
	Type    Type
	NotNull bool
	Doc     string
}

// Table is one fact table. Key lists the natural key, tenant_id first.
// Version names the column whose larger value wins when the same key is
// written twice (empty: last write wins).
type Table struct {
	Name    string
	Doc     string
	Columns []Column
	Key     []string
	Version string
}

// ColumnNames returns the table's column names in order.
func (t Table) ColumnNames() []string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return names
}

// Column returns the named column and whether it exists.
func (t Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// DDL writes CREATE TABLE IF NOT EXISTS for the table; the types are spelled
// the same in DuckDB and PostgreSQL except DOUBLE.
func (t Table) DDL(doubleName string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (\n", t.Name)
	for _, c := range t.Columns {
		typ := string(c.Type)
		if c.Type == Double {
			typ = doubleName
		}
		fmt.Fprintf(&b, "  %s %s", c.Name, typ)
		if c.NotNull {
			b.WriteString(" NOT NULL")
		}
		b.WriteString(",\n")
	}
	fmt.Fprintf(&b, "  PRIMARY KEY (%s)\n)", strings.Join(t.Key, ", "))
	return b.String()
}

func col(name string, t Type, doc string) Column { return Column{Name: name, Type: t, Doc: doc} }
func key(name string, t Type, doc string) Column {
	return Column{Name: name, Type: t, NotNull: true, Doc: doc}
}

// Order statuses, canonical across platforms (GLOSSARY.md "Order statuses").
const (
	StatusPending   = "pending"   // 等待买家付款: created, not paid
	StatusPaid      = "paid"      // 买家已付款，等待卖家发货
	StatusShipped   = "shipped"   // 卖家已发货，等待买家确认
	StatusCompleted = "completed" // 交易成功
	StatusClosed    = "closed"    // 交易关闭: cancelled before payment, or fully refunded
	StatusRefunding = "refunding" // 退款中
	StatusRefunded  = "refunded"  // 退款成功 (full refund after payment)
)

// Tables is the whole fact schema, in dependency order.
var Tables = []Table{
	{
		Name: "orders", Doc: "One row per platform order; a newer version replaces an older one.",
		Key: []string{"tenant_id", "shop_id", "order_no"}, Version: "version",
		Columns: []Column{
			key("tenant_id", BigInt, "client id"),
			key("shop_id", BigInt, "shop id"),
			key("order_no", Text, "the platform's order number"),
			col("customer_id", Text, "pseudonymous buyer id: keyed hash per client (B6)"),
			key("status", Text, "canonical status: pending, paid, shipped, completed, closed, refunding, refunded"),
			key("created_at", Timestamp, "order placed, UTC"),
			col("paid_at", Timestamp, "payment time, UTC; null if never paid"),
			col("shipped_at", Timestamp, "shipment time, UTC"),
			col("completed_at", Timestamp, "buyer confirmed, UTC"),
			key("created_day", DateT, "created_at cut in the shop's timezone"),
			col("paid_day", DateT, "paid_at cut in the shop's timezone"),
			key("currency", Text, "ISO 4217"),
			key("goods_minor", BigInt, "sum of line amounts before order-level discount (商品总价)"),
			key("discount_minor", BigInt, "order-level discounts"),
			key("shipping_minor", BigInt, "shipping fee charged"),
			key("total_minor", BigInt, "order total = goods - discount + shipping (GMV basis, 总金额)"),
			key("paid_minor", BigInt, "amount actually paid (实付款); 0 if unpaid"),
			key("refund_minor", BigInt, "amount refunded so far"),
			col("province", Text, "buyer province"),
			col("city", Text, "buyer city"),
			col("channel", Text, "traffic source / channel the order is attributed to"),
			col("campaign", Text, "campaign the order is attributed to"),
			col("device_hash", Text, "keyed hash of the buyer device, for fake-order detection"),
			col("address_hash", Text, "keyed hash of the delivery address, for fake-order detection"),
			key("version", BigInt, "platform update time in unix microseconds, or an import sequence"),
			key("source", Text, "where the row came from: demo, import:<format>, api, connector:<name>"),
		},
	},
	{
		Name: "order_status_history", Doc: "Every status an order has been seen in.",
		Key: []string{"tenant_id", "shop_id", "order_no", "status", "at"},
		Columns: []Column{
			key("tenant_id", BigInt, "client id"),
			key("shop_id", BigInt, "shop id"),
			key("order_no", Text, "order number"),
			key("status", Text, "canonical status"),
			key("at", Timestamp, "when the order entered the status, UTC"),
		},
	},
	{
		Name: "order_lines", Doc: "One row per order line (SKU in an order).",
		Key: []string{"tenant_id", "shop_id", "order_no", "line_no"}, Version: "version",
		Columns: []Column{
			key("tenant_id", BigInt, "client id"),
			key("shop_id", BigInt, "shop id"),
			key("order_no", Text, "order number"),
			key("line_no", Int, "1-based line number within the order"),
			key("sku_id", Text, "the shop's SKU code"),
			col("spu_id", Text, "product (SPU) code"),
			col("title", Text, "product title as sold"),
			key("quantity", Int, "units"),
			key("unit_price_minor", BigInt, "list price per unit"),
			key("amount_minor", BigInt, "line amount after line discounts"),
			key("refund_minor", BigInt, "refunded on this line"),
			key("refund_qty", Int, "units refunded"),
			key("created_day", DateT, "the order's created_day (denormalised for scans)"),
			key("version", BigInt, "same as the order's version"),
		},
	},
	{
		Name: "customers", Doc: "Pseudonymous buyers; no names, phones or street addresses (B6).",
		Key: []string{"tenant_id", "customer_id"},
		Columns: []Column{
			key("tenant_id", BigInt, "client id"),
			key("customer_id", Text, "keyed hash per client"),
			col("first_order_at", Timestamp, "first order seen, UTC"),
			col("province", Text, "province"),
			col("city", Text, "city"),
			col("acquisition_channel", Text, "channel of the first order"),
		},
	},
	{
		Name: "skus", Doc: "SKUs with their SPU, price and unit cost.",
		Key: []string{"tenant_id", "shop_id", "sku_id"},
		Columns: []Column{
			key("tenant_id", BigInt, "client id"),
			key("shop_id", BigInt, "shop id"),
			key("sku_id", Text, "SKU code"),
			col("spu_id", Text, "SPU code"),
			col("title", Text, "title"),
			col("category", Text, "leaf category"),
			key("price_minor", BigInt, "list price"),
			key("cost_minor", BigInt, "unit cost of goods"),
			key("active", Bool, "on sale (上架)"),
			col("launched_on", DateT, "first day on sale"),
			col("hero", Bool, "core / hero SKU (核心款)"),
		},
	},
	{
		Name: "inventory_snapshots", Doc: "Stock per SKU per day, as an ERP export gives it.",
		Key: []string{"tenant_id", "shop_id", "sku_id", "day"},
		Columns: []Column{
			key("tenant_id", BigInt, "client id"),
			key("shop_id", BigInt, "shop id"),
			key("sku_id", Text, "SKU code"),
			key("day", DateT, "snapshot day (shop timezone)"),
			key("on_hand", BigInt, "units in stock"),
			key("reserved", BigInt, "units reserved for orders"),
			key("in_transit", BigInt, "units inbound"),
		},
	},
	{
		Name: "traffic_daily", Doc: "Visitors by traffic source per day (生意参谋 flow report shape).",
		Key: []string{"tenant_id", "shop_id", "day", "source"},
		Columns: []Column{
			key("tenant_id", BigInt, "client id"),
			key("shop_id", BigInt, "shop id"),
			key("day", DateT, "day (shop timezone)"),
			key("source", Text, "traffic source, e.g. search, recommendation, ads_ztc, live, private, direct"),
			key("visitors", BigInt, "unique visitors (UV)"),
			key("page_views", BigInt, "page views (PV)"),
			key("product_visitors", BigInt, "visitors who viewed a product page"),
			key("cart_visitors", BigInt, "visitors who added to cart"),
			key("order_buyers", BigInt, "visitors who placed an order"),
			key("pay_buyers", BigInt, "visitors who paid"),
			key("pay_minor", BigInt, "amount paid by these visitors"),
			key("impressions", BigInt, "impressions where the source reports them"),
			key("clicks", BigInt, "clicks where the source reports them"),
		},
	},
	{
		Name: "events", Doc: "Raw behaviour events where a shop has them.",
		Key: []string{"tenant_id", "shop_id", "event_id"},
		Columns: []Column{
			key("tenant_id", BigInt, "client id"),
			key("shop_id", BigInt, "shop id"),
			key("event_id", Text, "unique event id"),
			key("person_id", Text, "pseudonymous visitor or customer id"),
			key("event", Text, "visit, search, product_view, add_to_cart, checkout, order, pay"),
			key("at", Timestamp, "UTC"),
			col("source", Text, "traffic source"),
			col("medium", Text, "medium"),
			col("campaign", Text, "campaign"),
			col("sku_id", Text, "SKU viewed or bought"),
			col("order_no", Text, "order, for order and pay events"),
			col("device_hash", Text, "keyed device hash"),
		},
	},
	{
		Name: "ad_spend", Doc: "Ad spend per platform, campaign and day.",
		Key: []string{"tenant_id", "shop_id", "day", "ad_platform", "campaign"},
		Columns: []Column{
			key("tenant_id", BigInt, "client id"),
			key("shop_id", BigInt, "shop id"),
			key("day", DateT, "day (shop timezone)"),
			key("ad_platform", Text, "ztc (直通车), wxt (万相台), ylmf (引力魔方), qianchuan (巨量千川), google, meta, other"),
			key("campaign", Text, "campaign name"),
			key("impressions", BigInt, "impressions"),
			key("clicks", BigInt, "clicks"),
			key("spend_minor", BigInt, "spend"),
			key("attributed_orders", BigInt, "orders the platform attributes"),
			key("attributed_gmv_minor", BigInt, "GMV the platform attributes"),
		},
	},
	{
		Name: "kol_deals", Doc: "KOL / live-stream deals (达人 / 直播带货).",
		Key: []string{"tenant_id", "shop_id", "deal_id"},
		Columns: []Column{
			key("tenant_id", BigInt, "client id"),
			key("shop_id", BigInt, "shop id"),
			key("deal_id", Text, "deal id"),
			key("kol", Text, "influencer name"),
			col("kol_platform", Text, "douyin, kuaishou, xiaohongshu, taobao_live, …"),
			key("live_day", DateT, "day of the stream or post"),
			key("fee_minor", BigInt, "fixed fee (坑位费)"),
			key("commission_bp", BigInt, "commission in basis points of GMV"),
			key("orders", BigInt, "orders from the deal"),
			key("gmv_minor", BigInt, "GMV from the deal"),
		},
	},
	{
		Name: "cs_sessions", Doc: "Customer-service sessions.",
		Key: []string{"tenant_id", "shop_id", "session_id"},
		Columns: []Column{
			key("tenant_id", BigInt, "client id"),
			key("shop_id", BigInt, "shop id"),
			key("session_id", Text, "session id"),
			col("customer_id", Text, "keyed hash"),
			key("started_at", Timestamp, "UTC"),
			key("day", DateT, "started_at cut in the shop's timezone"),
			col("agent", Text, "CS agent"),
			col("first_response_s", Int, "seconds to the first human reply; null if none"),
			key("resolved", Bool, "resolved in the session"),
			col("satisfaction", Int, "1–5, null if not rated"),
			key("complaint", Bool, "the session is a complaint"),
			col("complaint_class", Text, "product, service, strategy"),
		},
	},
	{
		Name: "reviews", Doc: "Product reviews.",
		Key: []string{"tenant_id", "shop_id", "review_id"},
		Columns: []Column{
			key("tenant_id", BigInt, "client id"),
			key("shop_id", BigInt, "shop id"),
			key("review_id", Text, "review id"),
			col("order_no", Text, "order reviewed"),
			col("sku_id", Text, "SKU reviewed"),
			col("customer_id", Text, "keyed hash"),
			key("rating", Int, "1–5"),
			col("body", Text, "review text"),
			col("lang", Text, "zh or en"),
			key("created_at", Timestamp, "UTC"),
			key("day", DateT, "created_at cut in the shop's timezone"),
		},
	},
	{
		Name: "nps_answers", Doc: "NPS survey answers.",
		Key: []string{"tenant_id", "shop_id", "answer_id"},
		Columns: []Column{
			key("tenant_id", BigInt, "client id"),
			key("shop_id", BigInt, "shop id"),
			key("answer_id", Text, "answer id"),
			col("customer_id", Text, "keyed hash"),
			key("score", Int, "0–10"),
			col("comment", Text, "free text"),
			key("answered_at", Timestamp, "UTC"),
			key("day", DateT, "answered_at cut in the shop's timezone"),
		},
	},
	{
		Name: "competitor_prices", Doc: "Observed prices of tracked competitor SKUs.",
		Key: []string{"tenant_id", "shop_id", "competitor_sku", "observed_at"},
		Columns: []Column{
			key("tenant_id", BigInt, "client id"),
			key("shop_id", BigInt, "our shop the observation is for"),
			key("competitor", Text, "competitor shop or brand"),
			key("competitor_sku", Text, "competitor SKU id or URL"),
			col("our_sku_id", Text, "our SKU it competes with"),
			key("observed_at", Timestamp, "UTC"),
			key("day", DateT, "observed_at cut in the shop's timezone"),
			key("price_minor", BigInt, "observed price"),
			col("promo", Text, "promotion text seen"),
		},
	},
	{
		Name: "labour_logs", Doc: "Agency labour time and cost per client.",
		Key: []string{"tenant_id", "day", "staff", "activity"},
		Columns: []Column{
			key("tenant_id", BigInt, "client id"),
			key("day", DateT, "day worked"),
			key("staff", Text, "staff member (name or user id)"),
			col("role", Text, "specialist, analyst, expert, designer, cs"),
			key("activity", Text, "what the time was spent on"),
			key("minutes", BigInt, "minutes worked"),
			key("cost_minor", BigInt, "cost of that time in CNY minor units"),
		},
	},
}

// TableByName returns the named fact table.
func TableByName(name string) (Table, bool) {
	for _, t := range Tables {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}
