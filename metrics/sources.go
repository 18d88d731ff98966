package metrics

// A source is one fact source a measure aggregates over: a FROM clause with
// the alias f for the main table, the day column that places a row in time,
// the row filter that says which rows count, and the SQL expression of each
// dimension it supports. Sources are data; the compiler assembles them.
type source struct {
	id    string
	facts []string // warehouse tables read, for the catalogue
	from  string   // FROM body; may contain {{tenants…}} and {{shops…}} placeholders
	// scope is the tenant and shop filter of the main alias, applied in the
	// outer WHERE: "{{tenants:f}} AND {{shops:f}}".
	scope string
	day   string // day expression; "" for a static source (no time)
	where string // fixed row filter ("" for none)
	// prune is an extra, redundant filter that lets the engine skip data:
	// it receives the range end as $to.
	prune string
	// floor, when set, is a statement answering a lower bound of the column
	// floorCol over the rows that count ($1 and $2 the range); the source's
	// statement runs after it with floorCol >= that bound, so the engine
	// can skip the older data a range alone cannot rule out.
	floor    string
	floorCol string
	dims     map[string]dimSpec
	joins    map[string]string // named optional joins a dimension or measure asks for
	// perCustomer sources aggregate twice: first per cell and buyer
	// (inner, grouped by customer), then per cell over the buyers.
	perCustomer bool
	customer    string // customer key columns for the inner grouping
	inner       string // inner aggregate columns (aliased), read by the measures as c.<name>
	innerJoins  []string
	// rows lists the fact rows behind a cell for Explain.
	rowsSelect string
	rowsOrder  string
	note       string
}

// dimSpec is the SQL expression of a dimension on a source and the optional
// join it needs.
type dimSpec struct {
	expr string
	join string
}

// Dimension names (PRODUCT.md C2). The time grain is not a dimension name:
// it is Request.Grain and the result column "period".
const (
	DimClient    = "client"
	DimShop      = "shop"
	DimPlatform  = "platform"
	DimCategory  = "category"
	DimChannel   = "channel"
	DimCampaign  = "campaign"
	DimProvince  = "province"
	DimSKU       = "sku"
	DimSPU       = "spu"
	DimBuyerType = "buyer_type"
	DimPeriod    = "period"
)

// Dimensions lists every dimension a request may group or filter by, in
// display order.
var Dimensions = []string{DimClient, DimShop, DimPlatform, DimCategory, DimChannel, DimCampaign,
	DimProvince, DimSKU, DimSPU, DimBuyerType}

// shopDims are resolved from the catalog (ShopInfo), not from fact columns:
// the compiler writes them as CASE expressions over shop_id.
var shopDims = map[string]bool{DimShop: true, DimClient: true, DimPlatform: true, DimCategory: true}

const firstPaidJoin = `LEFT JOIN (SELECT tenant_id, customer_id, MIN(paid_at) AS first_paid_at FROM orders ` +
	`WHERE {{tenants}} AND paid_at IS NOT NULL AND customer_id IS NOT NULL GROUP BY tenant_id, customer_id) fp ` +
	`ON fp.tenant_id = f.tenant_id AND fp.customer_id = f.customer_id`

const skuJoinLines = `LEFT JOIN skus s ON s.tenant_id = l.tenant_id AND s.shop_id = l.shop_id AND s.sku_id = l.sku_id`

func orderDims() map[string]dimSpec {
	return map[string]dimSpec{
		DimChannel:  {expr: "COALESCE(f.channel, '')"},
		DimCampaign: {expr: "COALESCE(f.campaign, '')"},
		DimProvince: {expr: "COALESCE(f.province, '')"},
	}
}

const orderRows = "f.shop_id, f.order_no, f.status, f.customer_id, f.created_at, f.paid_at, f.created_day, f.paid_day, f.currency, f.total_minor, f.paid_minor, f.refund_minor, f.channel, f.campaign, f.province, f.source"

var sources = map[string]*source{
	"orders_placed": {
		id: "orders_placed", facts: []string{"orders"},
		from: "orders f", scope: "{{tenants:f}} AND {{shops:f}}",
		day: "f.created_day", where: "NOT (f.status = 'closed' AND f.paid_at IS NULL)",
		dims:       orderDims(),
		rowsSelect: orderRows, rowsOrder: "f.created_at, f.shop_id, f.order_no",
		note: "orders by the day they were placed (created_day), excluding orders closed before payment",
	},
	"paid_orders": {
		id: "paid_orders", facts: []string{"orders"},
		from: "orders f", scope: "{{tenants:f}} AND {{shops:f}}",
		day: "f.paid_day", where: "f.paid_at IS NOT NULL",
		dims: func() map[string]dimSpec {
			d := orderDims()
			d[DimBuyerType] = dimSpec{expr: "CASE WHEN fp.first_paid_at IS NULL THEN 'unknown' WHEN f.paid_at = fp.first_paid_at THEN 'new' ELSE 'returning' END", join: "fp"}
			return d
		}(),
		joins:      map[string]string{"fp": firstPaidJoin},
		rowsSelect: orderRows, rowsOrder: "f.paid_at, f.shop_id, f.order_no",
		note: "orders by the day they were paid (paid_day); every order with a payment counts, whatever happened after",
	},
	"buyer_orders": {
		id: "buyer_orders", facts: []string{"orders"},
		from: "orders f", scope: "{{tenants:f}} AND {{shops:f}}",
		day: "f.paid_day", where: "f.paid_at IS NOT NULL AND f.customer_id IS NOT NULL",
		dims:        orderDims(),
		joins:       map[string]string{"fp": firstPaidJoin},
		perCustomer: true, customer: "f.tenant_id, f.customer_id",
		inner:      "COUNT(*) AS n, MIN(f.paid_at) AS cell_first, MIN(fp.first_paid_at) AS life_first",
		innerJoins: []string{"fp"},
		rowsSelect: orderRows, rowsOrder: "f.customer_id, f.paid_at, f.order_no",
		note: "paid orders grouped per buyer (tenant, customer_id) within the cell; a buyer is new when their first paid order with the client (any shop) lies in the cell",
	},
	"paid_lines": {
		id: "paid_lines", facts: []string{"order_lines", "orders"},
		from:  "order_lines l JOIN orders f ON f.tenant_id = l.tenant_id AND f.shop_id = l.shop_id AND f.order_no = l.order_no",
		scope: "{{tenants:l}} AND {{tenants:f}} AND {{shops:l}}",
		day:   "f.paid_day", where: "f.paid_at IS NOT NULL",
		prune: "l.created_day <= $to",
		// A line's created_day is its order's; an order paid in the range
		// was created on or after the earliest created_day of those orders.
		floor: "SELECT MIN(f.created_day) FROM orders f WHERE {{tenants:f}} AND {{shops:f}} AND f.paid_day >= CAST($1 AS DATE) " +
			"AND f.paid_day <= CAST($2 AS DATE) AND f.paid_at IS NOT NULL",
		floorCol: "l.created_day",
		dims: func() map[string]dimSpec {
			d := orderDims()
			d[DimSKU] = dimSpec{expr: "l.sku_id"}
			d[DimSPU] = dimSpec{expr: "COALESCE(l.spu_id, '')"}
			return d
		}(),
		joins:      map[string]string{"s": skuJoinLines},
		rowsSelect: "l.shop_id, l.order_no, l.line_no, l.sku_id, l.spu_id, l.title, l.quantity, l.unit_price_minor, l.amount_minor, l.refund_minor, l.refund_qty, f.status, f.paid_day",
		rowsOrder:  "f.paid_day, l.shop_id, l.order_no, l.line_no",
		note:       "order lines of paid orders, by the order's paid_day; unit cost and hero flag from skus",
	},
	"first_purchases": {
		id: "first_purchases", facts: []string{"orders"},
		from: "(SELECT o.tenant_id, o.shop_id, o.order_no, o.customer_id, o.paid_at, o.paid_day, o.channel, o.campaign, o.province, " +
			"ROW_NUMBER() OVER (PARTITION BY o.tenant_id, o.shop_id, o.customer_id ORDER BY o.paid_at, o.order_no) AS rn, " +
			"SUM(o.paid_minor - o.refund_minor) OVER (PARTITION BY o.tenant_id, o.shop_id, o.customer_id) AS ltv_minor " +
			"FROM orders o WHERE {{tenants:o}} AND {{shops:o}} AND o.paid_at IS NOT NULL AND o.customer_id IS NOT NULL) f",
		scope: "{{tenants:f}} AND {{shops:f}}",
		day:   "f.paid_day", where: "f.rn = 1",
		dims:       orderDims(),
		rowsSelect: "f.shop_id, f.order_no, f.customer_id, f.paid_at, f.paid_day, f.ltv_minor",
		rowsOrder:  "f.paid_at, f.shop_id, f.order_no",
		note:       "each buyer's first paid order in a shop, with the buyer's lifetime net sales in that shop to date",
	},
	"traffic": {
		id: "traffic", facts: []string{"traffic_daily"},
		from: "traffic_daily f", scope: "{{tenants:f}} AND {{shops:f}}", day: "f.day",
		dims:       map[string]dimSpec{DimChannel: {expr: "f.source"}},
		rowsSelect: "f.shop_id, f.day, f.source, f.visitors, f.page_views, f.product_visitors, f.cart_visitors, f.order_buyers, f.pay_buyers, f.pay_minor",
		rowsOrder:  "f.day, f.shop_id, f.source",
		note:       "daily traffic per source (生意参谋 flow report); visitors are summed over days and sources as the platform reports them",
	},
	"ads": {
		id: "ads", facts: []string{"ad_spend"},
		from: "ad_spend f", scope: "{{tenants:f}} AND {{shops:f}}", day: "f.day",
		dims:       map[string]dimSpec{DimChannel: {expr: "f.ad_platform"}, DimCampaign: {expr: "f.campaign"}},
		rowsSelect: "f.shop_id, f.day, f.ad_platform, f.campaign, f.impressions, f.clicks, f.spend_minor, f.attributed_orders, f.attributed_gmv_minor",
		rowsOrder:  "f.day, f.shop_id, f.ad_platform, f.campaign",
		note:       "ad spend per platform, campaign and day; the channel dimension is the ad platform",
	},
	"cs": {
		id: "cs", facts: []string{"cs_sessions"},
		from: "cs_sessions f", scope: "{{tenants:f}} AND {{shops:f}}", day: "f.day",
		dims:       map[string]dimSpec{},
		rowsSelect: "f.shop_id, f.session_id, f.started_at, f.day, f.agent, f.first_response_s, f.resolved, f.satisfaction, f.complaint, f.complaint_class",
		rowsOrder:  "f.started_at, f.shop_id, f.session_id",
		note:       "customer-service sessions by the day they started",
	},
	"nps": {
		id: "nps", facts: []string{"nps_answers"},
		from: "nps_answers f", scope: "{{tenants:f}} AND {{shops:f}}", day: "f.day",
		dims:       map[string]dimSpec{},
		rowsSelect: "f.shop_id, f.answer_id, f.answered_at, f.day, f.score",
		rowsOrder:  "f.answered_at, f.shop_id, f.answer_id",
		note:       "NPS answers by the day they were given",
	},
	"skus": {
		id: "skus", facts: []string{"skus"},
		from: "skus f", scope: "{{tenants:f}} AND {{shops:f}}", day: "",
		dims:       map[string]dimSpec{DimSKU: {expr: "f.sku_id"}, DimSPU: {expr: "COALESCE(f.spu_id, '')"}},
		rowsSelect: "f.shop_id, f.sku_id, f.spu_id, f.title, f.price_minor, f.cost_minor, f.active, f.hero, f.launched_on",
		rowsOrder:  "f.shop_id, f.sku_id",
		note:       "the SKU list as it is now (no history): the same count applies to every period",
	},
	"inventory": {
		id: "inventory", facts: []string{"inventory_snapshots"},
		from: "inventory_snapshots f", scope: "{{tenants:f}} AND {{shops:f}}", day: "f.day",
		dims:       map[string]dimSpec{DimSKU: {expr: "f.sku_id"}, DimSPU: {expr: "COALESCE(s.spu_id, '')", join: "s"}},
		joins:      map[string]string{"s": `LEFT JOIN skus s ON s.tenant_id = f.tenant_id AND s.shop_id = f.shop_id AND s.sku_id = f.sku_id`},
		rowsSelect: "f.shop_id, f.sku_id, f.day, f.on_hand, f.reserved, f.in_transit",
		rowsOrder:  "f.day, f.shop_id, f.sku_id",
		note:       "daily stock snapshots per SKU; stock is valued at the SKU's unit cost",
	},
}

// Measure is a named aggregate over one fact source: the numerator or the
// denominator of a KPI.
type Measure struct {
	ID     string `json:"id"`
	Source string `json:"source"`
	// Expr is the aggregate in SQL over the source's aliases. {{cust}} and
	// {{sku}} stand for the buyer and SKU keys, which the compiler widens
	// when a cell spans several clients or shops.
	Expr  string `json:"sql"`
	Money bool   `json:"money"` // a sum of minor units in the shop's currency
	Words string `json:"words"`
	joins []string
}

var measures = map[string]*Measure{}

func m(id, src, expr string, money bool, words string, joins ...string) {
	measures[id] = &Measure{ID: id, Source: src, Expr: expr, Money: money, Words: words, joins: joins}
}

// registerMeasures fills measures; the catalogue's init calls it first so
// the order of files does not matter.
func registerMeasures() {
	m("placed_total", "orders_placed", "SUM(f.total_minor)", true, "sum of order totals (goods − discounts + shipping) of orders placed, excluding orders closed before payment")
	m("placed_orders", "orders_placed", "COUNT(*)", false, "orders placed, excluding orders closed before payment")

	m("paid_sum", "paid_orders", "SUM(f.paid_minor)", true, "amount actually paid on orders paid in the period")
	m("net_sum", "paid_orders", "SUM(f.paid_minor - f.refund_minor)", true, "amount paid minus amount refunded, on orders paid in the period")
	m("paid_count", "paid_orders", "COUNT(*)", false, "orders paid in the period")
	m("refunded_count", "paid_orders", "SUM(CASE WHEN f.refund_minor > 0 THEN 1 ELSE 0 END)", false, "paid orders with any refund")
	m("paying_buyers", "paid_orders", "COUNT(DISTINCT {{cust}})", false, "distinct buyers with a paid order")
	m("shipped_count", "paid_orders", "SUM(CASE WHEN f.shipped_at IS NOT NULL AND f.shipped_at >= f.paid_at THEN 1 ELSE 0 END)", false, "paid orders that have shipped")
	m("ship_seconds", "paid_orders", "SUM(CASE WHEN f.shipped_at IS NOT NULL AND f.shipped_at >= f.paid_at THEN {{secs:f.paid_at,f.shipped_at}} ELSE 0 END)", false, "seconds from payment to shipment, summed over shipped orders")

	m("cell_buyers", "buyer_orders", "COUNT(*)", false, "distinct buyers with a paid order")
	m("repeat_buyers", "buyer_orders", "SUM(CASE WHEN c.n >= 2 THEN 1 ELSE 0 END)", false, "buyers with two or more paid orders")
	m("new_buyers", "buyer_orders", "SUM(CASE WHEN c.cell_first = c.life_first THEN 1 ELSE 0 END)", false, "buyers whose first paid order with the client lies in the period")
	m("returning_buyers", "buyer_orders", "SUM(CASE WHEN c.cell_first > c.life_first THEN 1 ELSE 0 END)", false, "buyers who had paid the client before the period")

	m("units", "paid_lines", "SUM(l.quantity)", false, "units on lines of paid orders")
	m("returned_units", "paid_lines", "SUM(l.refund_qty)", false, "units refunded on lines of paid orders")
	m("line_sales", "paid_lines", "SUM(l.amount_minor)", true, "line amounts of paid orders")
	m("line_net", "paid_lines", "SUM(l.amount_minor - l.refund_minor)", true, "line amounts minus line refunds, paid orders")
	m("cogs", "paid_lines", "SUM((l.quantity - l.refund_qty) * COALESCE(s.cost_minor, 0))", true, "unit cost × units kept (sold − refunded)", "s")
	m("gross_profit", "paid_lines", "SUM(l.amount_minor - l.refund_minor - (l.quantity - l.refund_qty) * COALESCE(s.cost_minor, 0))", true, "net line sales minus cost of the units kept", "s")
	m("hero_sales", "paid_lines", "SUM(CASE WHEN s.hero THEN l.amount_minor ELSE 0 END)", true, "line amounts of hero (core) SKUs", "s")
	m("sold_active_skus", "paid_lines", "COUNT(DISTINCT CASE WHEN s.active THEN {{sku}} END)", false, "active SKUs with at least one paid line", "s")

	m("acquired", "first_purchases", "COUNT(*)", false, "buyers whose first paid order in the shop lies in the period")
	m("ltv", "first_purchases", "SUM(f.ltv_minor)", true, "lifetime net sales in the shop of those buyers, to date")

	m("visitors", "traffic", "SUM(f.visitors)", false, "unique visitors, summed over days and sources")
	m("page_views", "traffic", "SUM(f.page_views)", false, "page views")
	m("cart_visitors", "traffic", "SUM(f.cart_visitors)", false, "visitors who added to cart")
	m("traffic_pay_buyers", "traffic", "SUM(f.pay_buyers)", false, "visitors who paid (traffic report)")

	m("ad_spend", "ads", "SUM(f.spend_minor)", true, "ad spend")
	m("ad_gmv", "ads", "SUM(f.attributed_gmv_minor)", true, "GMV the ad platforms attribute to the ads")
	m("ad_impressions", "ads", "SUM(f.impressions)", false, "ad impressions")
	m("ad_clicks", "ads", "SUM(f.clicks)", false, "ad clicks")

	m("cs_sessions", "cs", "COUNT(*)", false, "customer-service sessions")
	m("cs_resolved", "cs", "SUM(CASE WHEN f.resolved THEN 1 ELSE 0 END)", false, "sessions resolved")
	m("cs_frt_sum", "cs", "SUM(f.first_response_s)", false, "first-response seconds, summed over sessions with a human reply")
	m("cs_frt_count", "cs", "COUNT(f.first_response_s)", false, "sessions with a human reply")
	m("cs_rated", "cs", "COUNT(f.satisfaction)", false, "sessions rated")
	m("cs_satisfied", "cs", "SUM(CASE WHEN f.satisfaction >= 4 THEN 1 ELSE 0 END)", false, "sessions rated 4 or 5")
	m("cs_complaints", "cs", "SUM(CASE WHEN f.complaint THEN 1 ELSE 0 END)", false, "sessions that are complaints")

	m("nps_answers", "nps", "COUNT(*)", false, "NPS answers")
	m("nps_points", "nps", "SUM(CASE WHEN f.score >= 9 THEN 1 WHEN f.score <= 6 THEN -1 ELSE 0 END)", false, "promoters (9–10) minus detractors (0–6)")

	m("sku_count", "skus", "COUNT(*)", false, "SKUs listed")
	m("active_skus", "skus", "SUM(CASE WHEN f.active THEN 1 ELSE 0 END)", false, "SKUs on sale (上架)")

	m("sku_days", "inventory", "COUNT(*)", false, "SKU-days with a stock snapshot")
	m("stockout_days", "inventory", "SUM(CASE WHEN f.on_hand - f.reserved <= 0 THEN 1 ELSE 0 END)", false, "SKU-days with no available stock (on hand − reserved ≤ 0)")
	m("stock_value", "inventory", "SUM(f.on_hand * COALESCE(s.cost_minor, 0))", true, "stock on hand at unit cost, summed over snapshot days", "s")
}
