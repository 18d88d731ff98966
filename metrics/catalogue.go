package metrics

import (
	"math/big"
	"slices"
	"sort"

	"github.com/daiyun/daiyun"
)

// Unit is what a KPI's value measures.
type Unit string

// Units.
const (
	UnitMoney   Unit = "money"   // major units of the result currency (yuan, dollars)
	UnitCount   Unit = "count"   // a number of things
	UnitRatio   Unit = "ratio"   // a fraction: 0.031 is 3.1%
	UnitSeconds Unit = "seconds" // seconds
	UnitHours   Unit = "hours"   // hours
	UnitDays    Unit = "days"    // days
	UnitScore   Unit = "score"   // a score on the KPI's own scale (NPS: −100…100)
)

// Direction says which way a KPI is good.
type Direction string

// Directions.
const (
	Up      Direction = "up"      // higher is better
	Down    Direction = "down"    // lower is better
	Neutral Direction = "neutral" // neither (e.g. ad spend)
)

// KPI is one catalogue entry (PRODUCT.md C1): defined once, compiled to SQL
// for every engine. Its value in a cell is Num ÷ Den × Scale, or Num − Sub,
// or Num alone.
type KPI struct {
	ID        string    `json:"id"`
	NameZH    string    `json:"name_zh"`
	NameEN    string    `json:"name_en"`
	Formula   string    `json:"formula"`
	FormulaZH string    `json:"formula_zh"`
	Unit      Unit      `json:"unit"`
	Direction Direction `json:"direction"`
	Num       string    `json:"numerator"`             // measure id
	Den       string    `json:"denominator,omitempty"` // measure id; "" for a plain sum or count
	Sub       string    `json:"subtract,omitempty"`    // measure id subtracted from Num
	Scale     string    `json:"scale,omitempty"`       // rational multiplier, e.g. "100" or "1/3600"
	Note      string    `json:"note,omitempty"`
	// Dimensions lists the dimensions the KPI can be grouped and filtered
	// by (besides the time grain), derived from its measures' sources.
	Dimensions []string `json:"dimensions"`
	// Facts lists the warehouse tables it reads.
	Facts []string `json:"facts"`
	// Measures repeats the numerator and denominator definitions, with their SQL.
	Measures []Measure `json:"measures"`
	// Static is true when no measure has a time column (the value does not
	// change with the period).
	Static  bool `json:"static,omitempty"`
	exclude []string
	// scaleN ÷ scaleD is Scale.
	scaleN, scaleD int64
}

type kpiDef = KPI

var kpis = []kpiDef{
	{ID: "gmv", NameZH: "成交额（GMV）", NameEN: "GMV", Unit: UnitMoney, Direction: Up, Num: "placed_total",
		Formula:   "sum of order totals of orders placed in the period (by created day), excluding orders closed before payment",
		FormulaZH: "下单日在期间内的订单总金额之和，不含未付款即关闭的订单",
		Note:      "counts pending (unpaid) orders, paid, shipped, completed, refunding and refunded orders; excludes 'closed' orders that were never paid"},
	{ID: "paid_amount", NameZH: "支付金额", NameEN: "Paid amount", Unit: UnitMoney, Direction: Up, Num: "paid_sum",
		Formula: "amount actually paid on orders paid in the period (by paid day)", FormulaZH: "支付日在期间内的订单实付金额之和"},
	{ID: "net_sales", NameZH: "净销售额", NameEN: "Net sales", Unit: UnitMoney, Direction: Up, Num: "net_sum",
		Formula: "paid amount minus amounts refunded on those orders (refunds to date)", FormulaZH: "支付金额减去这些订单的退款金额"},
	{ID: "orders", NameZH: "支付订单数", NameEN: "Orders", Unit: UnitCount, Direction: Up, Num: "paid_count",
		Formula: "number of orders paid in the period", FormulaZH: "支付日在期间内的订单数"},
	{ID: "units", NameZH: "支付件数", NameEN: "Units", Unit: UnitCount, Direction: Up, Num: "units",
		Formula: "units on the lines of orders paid in the period", FormulaZH: "支付订单的商品件数"},
	{ID: "buyers", NameZH: "支付买家数", NameEN: "Buyers", Unit: UnitCount, Direction: Up, Num: "paying_buyers",
		Formula: "distinct buyers with an order paid in the period", FormulaZH: "期间内有支付订单的去重买家数"},
	{ID: "new_buyers", NameZH: "新买家数", NameEN: "New buyers", Unit: UnitCount, Direction: Up, Num: "new_buyers",
		Formula:   "buyers whose first paid order with the client (any of its shops) lies in the period",
		FormulaZH: "首次在该客户（任一店铺）支付的日期落在期间内的买家数"},
	{ID: "returning_buyers", NameZH: "老买家数", NameEN: "Returning buyers", Unit: UnitCount, Direction: Up, Num: "returning_buyers",
		Formula:   "buyers with a paid order in the period who had paid the client before it; new + returning = buyers in every cell",
		FormulaZH: "期间内支付、且此前已在该客户支付过的买家数；新买家 + 老买家 = 买家数"},
	{ID: "aov", NameZH: "客单价", NameEN: "Average order value (AOV)", Unit: UnitMoney, Direction: Up, Num: "paid_sum", Den: "paying_buyers",
		Formula:   "paid amount ÷ paying buyers (the 生意参谋 definition, per buyer, not per order)",
		FormulaZH: "支付金额 ÷ 支付买家数（生意参谋口径）"},
	{ID: "visitors", NameZH: "访客数（UV）", NameEN: "Visitors (UV)", Unit: UnitCount, Direction: Up, Num: "visitors",
		Formula: "unique visitors per day and source, summed over the period", FormulaZH: "各日各来源访客数之和"},
	{ID: "page_views", NameZH: "浏览量（PV）", NameEN: "Page views (PV)", Unit: UnitCount, Direction: Up, Num: "page_views",
		Formula: "page views, summed over the period", FormulaZH: "浏览量之和"},
	{ID: "conversion_rate", NameZH: "支付转化率", NameEN: "Payment conversion rate", Unit: UnitRatio, Direction: Up, Num: "traffic_pay_buyers", Den: "visitors",
		Formula: "paying buyers ÷ visitors, both from the daily traffic report", FormulaZH: "支付买家数 ÷ 访客数（流量日报）"},
	{ID: "add_to_cart_rate", NameZH: "加购率", NameEN: "Add-to-cart rate", Unit: UnitRatio, Direction: Up, Num: "cart_visitors", Den: "visitors",
		Formula: "visitors who added to cart ÷ visitors", FormulaZH: "加购访客数 ÷ 访客数"},
	{ID: "ctr", NameZH: "点击率（CTR）", NameEN: "Click-through rate (CTR)", Unit: UnitRatio, Direction: Up, Num: "ad_clicks", Den: "ad_impressions",
		Formula: "ad clicks ÷ ad impressions", FormulaZH: "广告点击量 ÷ 广告展现量"},
	{ID: "refund_rate", NameZH: "退款率", NameEN: "Refund rate", Unit: UnitRatio, Direction: Down, Num: "refunded_count", Den: "paid_count",
		Formula: "paid orders with any refund ÷ paid orders", FormulaZH: "有退款的支付订单数 ÷ 支付订单数"},
	{ID: "return_rate", NameZH: "退货率", NameEN: "Return rate", Unit: UnitRatio, Direction: Down, Num: "returned_units", Den: "units",
		Formula: "units refunded ÷ units sold, on lines of paid orders", FormulaZH: "退货件数 ÷ 支付件数"},
	{ID: "repurchase_rate", NameZH: "复购率", NameEN: "Repurchase rate", Unit: UnitRatio, Direction: Up, Num: "repeat_buyers", Den: "cell_buyers",
		Formula: "buyers with ≥ 2 paid orders in the period ÷ buyers", FormulaZH: "期间内支付 ≥ 2 次的买家数 ÷ 支付买家数"},
	{ID: "ad_spend", NameZH: "广告花费", NameEN: "Ad spend", Unit: UnitMoney, Direction: Neutral, Num: "ad_spend",
		Formula: "ad spend on all ad platforms", FormulaZH: "各广告平台花费之和", Note: "KOL fees (kol_deals) are not included"},
	{ID: "roas", NameZH: "投产比（ROI/ROAS）", NameEN: "Return on ad spend (ROAS)", Unit: UnitRatio, Direction: Up, Num: "ad_gmv", Den: "ad_spend",
		Formula: "GMV the ad platforms attribute ÷ ad spend", FormulaZH: "广告归因成交额 ÷ 广告花费"},
	{ID: "cac", NameZH: "获客成本（CAC）", NameEN: "Customer acquisition cost (CAC)", Unit: UnitMoney, Direction: Down, Num: "ad_spend", Den: "new_buyers",
		Formula: "ad spend ÷ new buyers", FormulaZH: "广告花费 ÷ 新买家数", exclude: []string{DimChannel, DimCampaign}},
	{ID: "gross_margin", NameZH: "毛利率", NameEN: "Gross margin", Unit: UnitRatio, Direction: Up, Num: "gross_profit", Den: "line_net",
		Formula:   "(net line sales − unit cost × units kept) ÷ net line sales, paid orders",
		FormulaZH: "（商品净销售额 − 单位成本 × 未退件数）÷ 商品净销售额",
		Note:      "a SKU without a cost counts at cost 0"},
	{ID: "sell_through_rate", NameZH: "动销率", NameEN: "Sell-through rate", Unit: UnitRatio, Direction: Up, Num: "sold_active_skus", Den: "active_skus",
		Formula: "active SKUs with a paid sale in the period ÷ active SKUs", FormulaZH: "期间内有支付的在售SKU数 ÷ 在售SKU数"},
	{ID: "active_sku_ratio", NameZH: "在售SKU占比", NameEN: "Active-SKU ratio", Unit: UnitRatio, Direction: Up, Num: "active_skus", Den: "sku_count",
		Formula: "SKUs on sale ÷ SKUs listed (current SKU list)", FormulaZH: "在售SKU数 ÷ SKU总数"},
	{ID: "core_sku_gmv_share", NameZH: "核心款销售占比", NameEN: "Core-SKU GMV share", Unit: UnitRatio, Direction: Up, Num: "hero_sales", Den: "line_sales",
		Formula: "line sales of hero SKUs ÷ line sales, paid orders", FormulaZH: "核心款商品销售额 ÷ 商品销售额"},
	{ID: "inventory_turnover_days", NameZH: "库存周转天数", NameEN: "Inventory turnover days", Unit: UnitDays, Direction: Down, Num: "stock_value", Den: "cogs",
		Formula:   "average stock at cost ÷ daily cost of goods sold = Σ daily stock value ÷ cost of goods sold in the period",
		FormulaZH: "平均库存成本 ÷ 日均销售成本",
		Note:      "assumes one stock snapshot per day; missing snapshot days lower the figure"},
	{ID: "stockout_rate", NameZH: "缺货率", NameEN: "Stock-out rate", Unit: UnitRatio, Direction: Down, Num: "stockout_days", Den: "sku_days",
		Formula: "SKU-days with no available stock ÷ SKU-days snapshotted", FormulaZH: "无可用库存的SKU天数 ÷ 有快照的SKU天数"},
	{ID: "slow_moving_skus", NameZH: "滞销SKU数", NameEN: "Slow-moving SKUs", Unit: UnitCount, Direction: Down, Num: "active_skus", Sub: "sold_active_skus",
		Formula: "active SKUs with no paid sale in the period", FormulaZH: "期间内无支付的在售SKU数"},
	{ID: "order_to_ship_hours", NameZH: "发货时长", NameEN: "Order-to-ship time", Unit: UnitHours, Direction: Down, Num: "ship_seconds", Den: "shipped_count", Scale: "1/3600",
		Formula: "hours from payment to shipment, averaged over shipped orders paid in the period", FormulaZH: "支付到发货的平均小时数"},
	{ID: "cs_first_response_s", NameZH: "首响时间", NameEN: "CS first response time", Unit: UnitSeconds, Direction: Down, Num: "cs_frt_sum", Den: "cs_frt_count",
		Formula: "seconds to the first human reply, averaged over sessions that got one", FormulaZH: "客服首次响应秒数的平均值"},
	{ID: "cs_resolution_rate", NameZH: "客服解决率", NameEN: "CS resolution rate", Unit: UnitRatio, Direction: Up, Num: "cs_resolved", Den: "cs_sessions",
		Formula: "sessions resolved ÷ sessions", FormulaZH: "已解决会话数 ÷ 会话数"},
	{ID: "csat", NameZH: "客户满意度（CSAT）", NameEN: "CSAT", Unit: UnitRatio, Direction: Up, Num: "cs_satisfied", Den: "cs_rated",
		Formula: "sessions rated 4 or 5 ÷ sessions rated (1–5 scale)", FormulaZH: "评分4–5的会话数 ÷ 已评分会话数"},
	{ID: "nps", NameZH: "净推荐值（NPS）", NameEN: "Net Promoter Score (NPS)", Unit: UnitScore, Direction: Up, Num: "nps_points", Den: "nps_answers", Scale: "100",
		Formula: "(promoters 9–10 − detractors 0–6) ÷ answers × 100", FormulaZH: "（推荐者 − 贬损者）÷ 答卷数 × 100"},
	{ID: "complaint_rate", NameZH: "客诉率", NameEN: "Complaint rate", Unit: UnitRatio, Direction: Down, Num: "cs_complaints", Den: "paid_count",
		Formula: "complaint sessions ÷ paid orders", FormulaZH: "投诉会话数 ÷ 支付订单数"},
	{ID: "clv", NameZH: "客户终身价值（CLV）", NameEN: "Customer lifetime value (CLV)", Unit: UnitMoney, Direction: Up, Num: "ltv", Den: "acquired",
		Formula:   "historical: lifetime net sales in the shop ÷ buyers, for buyers whose first paid order in the shop lies in the period",
		FormulaZH: "期间内首次在店铺支付的买家，其在店铺的累计净销售额 ÷ 买家数",
		Note:      "historical LTV to date; predictive CLV (BG/NBD, Gamma-Gamma) belongs to analysis (D4)"},
}

var kpiByID = map[string]*KPI{}

func init() {
	registerMeasures()
	for i := range kpis {
		k := &kpis[i]
		ms := []string{k.Num, k.Den, k.Sub}
		var dims []string
		first := true
		facts := map[string]bool{}
		k.Static = true
		for _, id := range ms {
			if id == "" {
				continue
			}
			me, ok := measures[id]
			if !ok {
				panic("metrics: KPI " + k.ID + " names unknown measure " + id)
			}
			k.Measures = append(k.Measures, *me)
			src := sources[me.Source]
			if src.day != "" {
				k.Static = false
			}
			for _, f := range src.facts {
				facts[f] = true
			}
			if slices.Contains(me.joins, "s") {
				facts["skus"] = true
			}
			sd := sourceDims(src)
			if first {
				dims, first = sd, false
			} else {
				dims = slices.DeleteFunc(dims, func(d string) bool { return !slices.Contains(sd, d) })
			}
		}
		k.Dimensions = slices.DeleteFunc(dims, func(d string) bool { return slices.Contains(k.exclude, d) })
		for f := range facts {
			k.Facts = append(k.Facts, f)
		}
		sort.Strings(k.Facts)
		k.scaleN, k.scaleD = 1, 1
		if k.Scale != "" {
			r, ok := new(big.Rat).SetString(k.Scale)
			if !ok || !r.Num().IsInt64() || !r.Denom().IsInt64() {
				panic("metrics: KPI " + k.ID + " has a bad scale")
			}
			k.scaleN, k.scaleD = r.Num().Int64(), r.Denom().Int64()
		}
		kpiByID[k.ID] = k
	}
}

// sourceDims lists the dimensions a source supports, in display order.
func sourceDims(s *source) []string {
	var out []string
	for _, d := range Dimensions {
		if shopDims[d] {
			out = append(out, d)
		} else if _, ok := s.dims[d]; ok {
			out = append(out, d)
		}
	}
	return out
}

// Catalogue returns every KPI definition, in catalogue order.
func Catalogue() []KPI {
	out := make([]KPI, len(kpis))
	for i, k := range kpis {
		out[i] = k
		out[i].Dimensions = slices.Clone(k.Dimensions)
		out[i].Facts = slices.Clone(k.Facts)
		out[i].Measures = slices.Clone(k.Measures)
	}
	return out
}

// Lookup returns the KPI with the id.
func Lookup(id string) (KPI, bool) {
	k, ok := kpiByID[id]
	if !ok {
		return KPI{}, false
	}
	return *k, true
}

// CheckKPI refuses an id the catalogue does not define: what a target or
// a benchmark may be set for, whichever way it is entered.
func CheckKPI(id string) error {
	if _, ok := kpiByID[id]; !ok {
		return daiyun.Errorf(daiyun.EINVALID, "kpi %q is not in the KPI catalogue (daiyun metrics list)", id)
	}
	return nil
}

// Supports reports whether the KPI can be grouped or filtered by dim.
func (k KPI) Supports(dim string) bool { return slices.Contains(k.Dimensions, dim) }
