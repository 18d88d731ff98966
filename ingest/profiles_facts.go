package ingest

import (
	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

// trafficSources maps 生意参谋 source names to the canonical traffic sources
// of warehouse/schema.go; a source not listed is kept as written.
var trafficSources = map[string]string{
	"手淘搜索": "search", "淘宝搜索": "search", "天猫搜索": "search", "搜索": "search",
	"手淘推荐": "recommendation", "猜你喜欢": "recommendation", "首页推荐": "recommendation", "推荐": "recommendation",
	"直通车": "ads_ztc", "万相台": "ads_wxt", "万相台无界版": "ads_wxt", "引力魔方": "ads_ylmf", "淘宝客": "ads_affiliate",
	"淘宝直播": "live", "直播": "live", "逛逛": "content", "淘内免费其他": "other_free",
	"我的淘宝": "direct", "购物车": "direct", "直接访问": "direct", "自主访问": "direct", "收藏": "direct",
	"站外": "external", "外部流量": "external", "私域": "private", "会员": "private",
}

var yesNo = map[string]string{"是": "true", "否": "false", "已解决": "true", "未解决": "false", "y": "true", "n": "false", "yes": "true", "no": "false"}

// factProfiles are the platforms' non-order exports.
func factProfiles() []*Profile {
	return []*Profile{
		{
			Name: "sycm_traffic", Title: "生意参谋 流量来源 (Business Advisor traffic by source)", Table: "traffic_daily",
			Doc:    "One row per day and source. Source names are mapped to canonical sources (手淘搜索 → search, 手淘推荐 → recommendation, 直通车 → ads_ztc …); others are kept as written. Rates (跳失率, 支付转化率) and averages are derived, not stored. A 合计 row is skipped.",
			Values: map[string]map[string]string{"source": trafficSources},
			Fields: []Field{
				req("day", "统计日期", "日期"),
				req("source", "流量来源", "来源名称", "来源"),
				req("visitors", "访客数"),
				f("page_views", "浏览量"),
				f("product_visitors", "商品访客数"),
				f("cart_visitors", "加购人数"),
				f("order_buyers", "下单买家数"),
				f("pay_buyers", "支付买家数"),
				f("pay_minor", "支付金额"),
			},
		},
		adProfile("ztc_report", "直通车 报表 (Tmall keyword ads report)", "ztc", nil),
		adProfile("wxt_report", "万相台 报表 (Tmall all-site ads report)", "wxt", []Field{req("_scene", "场景名称")}),
		{
			Name: "qianchuan_report", Title: "巨量千川 报表 (Douyin e-commerce ads report)", Table: "ad_spend", Platform: daiyun.PlatformDouyin,
			Constants: map[string]string{"ad_platform": "qianchuan"},
			Fields: []Field{
				req("day", "日期", "时间"),
				req("campaign", "计划名称", "计划"),
				req("impressions", "展示次数", "展示数"),
				req("clicks", "点击次数", "点击数"),
				req("spend_minor", "消耗", "整体消耗"),
				f("attributed_orders", "直接成交订单数", "成交订单数"),
				f("attributed_gmv_minor", "直接成交金额", "成交金额"),
			},
		},
		{
			Name: "google_ads", Title: "Google Ads campaign report", Table: "ad_spend",
			Constants: map[string]string{"ad_platform": "google"},
			Doc:       "Conversions may be fractional; they are rounded half away from zero. Currency code must be the shop's currency.",
			Fields: []Field{
				req("day", "Day", "Date"),
				req("campaign", "Campaign"),
				req("impressions", "Impr.", "Impressions"),
				req("clicks", "Clicks"),
				req("spend_minor", "Cost"),
				f("attributed_orders", "Conversions"),
				f("attributed_gmv_minor", "Conv. value", "Conversion value"),
				f("_currency", "Currency code", "Currency"),
			},
		},
		{
			Name: "meta_ads", Title: "Meta Ads Manager report", Table: "ad_spend",
			Constants: map[string]string{"ad_platform": "meta"},
			Doc:       "Export with a daily breakdown (Day). Amount spent (XXX) is read in the shop's currency.",
			Fields: []Field{
				req("day", "Day", "Reporting starts"),
				req("campaign", "Campaign name"),
				req("impressions", "Impressions"),
				f("clicks", "Link clicks", "Clicks (all)"),
				req("spend_minor", "Amount spent"),
				f("attributed_orders", "Purchases"),
				f("attributed_gmv_minor", "Purchases conversion value"),
				f("_currency", "Currency"),
			},
		},
		{
			Name: "jst_inventory", Title: "聚水潭-style ERP 库存导出 (inventory export)", Table: "inventory_snapshots",
			Doc: "One row per SKU. The snapshot day is the 日期 column when present, else the import's as-of day (default: today in the shop's timezone).",
			Fields: []Field{
				req("sku_id", "商品编码", "SKU编码"),
				req("on_hand", "实际库存数", "主仓实际库存", "库存数"),
				f("reserved", "订单占有数", "占用数"),
				f("in_transit", "采购在途数", "在途数"),
				f("day", "日期", "库存日期"),
			},
		},
		{
			Name: "cs_sessions_export", Title: "客服接待 会话导出 (customer-service sessions)", Table: "cs_sessions",
			Doc: "The buyer's nickname is pseudonymised; the message text is not read.",
			Values: map[string]map[string]string{
				"satisfaction":    {"非常满意": "5", "很满意": "5", "满意": "4", "一般": "3", "不满意": "2", "非常不满意": "1", "很不满意": "1", "未评价": ""},
				"resolved":        yesNo,
				"complaint":       yesNo,
				"complaint_class": {"商品": "product", "产品": "product", "服务": "service", "策略": "strategy", "活动": "strategy"},
			},
			Fields: []Field{
				req("session_id", "会话ID", "会话编号"),
				f("buyer", "买家昵称", "顾客", "买家"),
				req("started_at", "会话开始时间", "接入时间", "开始时间"),
				f("agent", "客服昵称", "接待客服", "客服"),
				f("first_response_s", "首次响应时长", "首响时长"),
				f("resolved", "是否解决"),
				f("satisfaction", "满意度评价", "满意度"),
				f("complaint", "是否投诉"),
				f("complaint_class", "投诉类型"),
			},
		},
		{
			Name: "reviews_export", Title: "评价导出 (reviews export)", Table: "reviews",
			Doc: "评价类型 好评/中评/差评 is read as rating 5/3/1 when there is no 评分 column. The buyer's nickname is pseudonymised.",
			Values: map[string]map[string]string{
				"rating": {"好评": "5", "中评": "3", "差评": "1"},
			},
			Fields: []Field{
				req("review_id", "评价ID", "评价编号"),
				f("order_no", "订单编号", "订单号"),
				f("sku_id", "商家编码", "SKU编码", "商品编码"),
				f("buyer", "买家昵称", "买家会员名"),
				req("rating", "评分", "评价等级", "评价类型"),
				f("body", "评价内容"),
				req("created_at", "评价时间"),
			},
		},
	}
}

func adProfile(name, title, platform string, extra []Field) *Profile {
	return &Profile{
		Name: name, Title: title, Table: "ad_spend", Platform: daiyun.PlatformTmall,
		Constants: map[string]string{"ad_platform": platform},
		Fields: append([]Field{
			req("day", "日期"),
			req("campaign", "计划名称", "推广计划名称"),
			req("impressions", "展现量"),
			req("clicks", "点击量"),
			req("spend_minor", "花费"),
			f("attributed_orders", "总成交笔数", "成交笔数"),
			f("attributed_gmv_minor", "总成交金额", "成交金额"),
		}, extra...),
	}
}

// canonicalProfiles are the generic templates: a header that is the table's
// own column names, money in integer minor units.
func canonicalProfiles() []*Profile {
	var ps []*Profile
	orders := &Profile{
		Name: "canonical_orders", Title: "Daiyun template: orders (with lines)", Table: "orders", MinorUnits: true,
		Doc: "The orders table's columns, optionally with line columns (line_no, sku_id, quantity, unit_price_minor, " +
			"amount_minor, …) making it one row per line with the order repeated. buyer may replace customer_id: it is pseudonymised.",
	}
	for fl := fOrderNo; fl < nFields; fl++ {
		fd := f(fl.String(), fl.String())
		switch fl {
		case fOrderNo, fCreatedAt, fTotal:
			fd.Required = true
		}
		orders.Fields = append(orders.Fields, fd)
	}
	ps = append(ps, orders)
	ps = append(ps, &Profile{
		Name: "canonical_order_lines", Title: "Daiyun template: order lines", Table: "order_lines", MinorUnits: true,
		Doc: "The order_lines table's columns; the orders must already be in the warehouse or earlier in the same import.",
		Fields: []Field{
			req("order_no", "order_no"), req("line_no", "line_no"), req("sku_id", "sku_id"), f("spu_id", "spu_id"),
			f("title", "title"), req("quantity", "quantity"), f("unit_price_minor", "unit_price_minor"),
			req("amount_minor", "amount_minor"), f("line_refund_minor", "refund_minor", "line_refund_minor"),
			f("refund_qty", "refund_qty"), f("tenant_id", "tenant_id"), f("shop_id", "shop_id"),
		},
	})
	for _, t := range warehouse.Tables {
		switch t.Name {
		case "orders", "order_lines", "order_status_history", "customers":
			continue
		}
		p := &Profile{Name: "canonical_" + t.Name, Title: "Daiyun template: " + t.Name, Table: t.Name, MinorUnits: true}
		seen := map[string]bool{}
		for _, c := range t.Columns {
			seen[c.Name] = true
		}
		for _, c := range t.Columns {
			fd := f(c.Name, c.Name)
			if c.NotNull && c.Name != "tenant_id" && c.Name != "shop_id" && !factDefault(t, c, seen) {
				fd.Required = true
			}
			p.Fields = append(p.Fields, fd)
		}
		if _, ok := t.Column("customer_id"); ok {
			p.Fields = append(p.Fields, f("buyer", "buyer"))
		}
		ps = append(ps, p)
	}
	return ps
}

// factDefault reports whether a NOT NULL column may be left out of a fact
// file: counts and money default to 0, flags to false, a day to the day of
// the row's timestamp (or the import's as-of day for inventory).
func factDefault(t warehouse.Table, c warehouse.Column, bound map[string]bool) bool {
	switch c.Type {
	case warehouse.BigInt, warehouse.Int, warehouse.Bool:
		return !isKey(t, c.Name)
	case warehouse.DateT:
		if t.Name == "inventory_snapshots" {
			return true
		}
		return dayFrom(t) != "" && bound[dayFrom(t)]
	}
	return false
}

func isKey(t warehouse.Table, name string) bool {
	for _, k := range t.Key {
		if k == name {
			return true
		}
	}
	return false
}

// dayFrom names the timestamp column a table's day column is cut from.
func dayFrom(t warehouse.Table) string {
	if _, ok := t.Column("day"); !ok {
		return ""
	}
	for _, c := range t.Columns {
		if c.Type == warehouse.Timestamp {
			return c.Name
		}
	}
	return ""
}
