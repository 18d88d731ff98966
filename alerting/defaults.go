package alerting

import "time"

// Default rule names.
const (
	RuleConversionBelowBenchmark = "conversion_below_benchmark"
	RuleAbnormalTrafficSource    = "abnormal_traffic_source"
	RuleFakeOrders               = "suspected_fake_orders"
	RuleGMVDropWeekOnWeek        = "gmv_down_30pct_week_on_week"
	RuleBudgetRed                = "budget_red_marketing_overspend"
	RuleBudgetYellow             = "budget_yellow_labour_over_35pct_fee"
	RuleCSFirstResponse          = "cs_first_response_over_30s"
	RuleUnshipped48h             = "orders_not_shipped_48h"
	RuleDataStale                = "shop_data_stale_24h"
)

// Defaults are the rules an agency starts with (issue 6 item 2), written
// from the agency's own standards. They are agency-wide, so they watch
// every client and shop from the day it is added; edit them with `daiyun
// alerts export` / `apply`. Green in the budget monitor is the absence of
// both budget colours.
func Defaults() []Rule {
	agency := Scope{Kind: ScopeAgency}
	perClient := Scope{Kind: ScopeAgency, Each: "client"}
	rules := []Rule{
		{Name: RuleConversionBelowBenchmark, Description: "Payment conversion below the category benchmark 3 days running (level 1 notice).",
			KPI: "conversion_rate", Scope: agency, Condition: Condition{Kind: CondBenchmark, Op: "<", Value: 1},
			Grain: "day", Periods: 3, Level: 1},
		{Name: RuleAbnormalTrafficSource, Description: "A traffic source's daily visitors outside the 95% band of their forecast and at least 3× (or, for a source forecast at 30 or more a day, at most ⅓ of) the forecast two days running: abnormal traffic, an operator checks it within 24 h.",
			KPI: "visitors", By: "channel", Scope: agency, Condition: Condition{Kind: CondForecastBand, Op: "outside", Value: 2},
			Grain: "day", Periods: 2, ClearPeriods: 2, Level: 2, Deadline: Duration{24 * time.Hour}},
		{Name: RuleFakeOrders, Description: "More than 20 orders in 14 days from devices that each placed 5 or more: suspected fake orders (刷单).",
			Scope: agency, Condition: Condition{Kind: CondDetector, Detector: DetectFakeOrders, Op: ">", Value: 20},
			Grain: "day", WindowDays: 14, Periods: 1, Level: 2, Deadline: Duration{24 * time.Hour}},
		{Name: RuleGMVDropWeekOnWeek, Description: "GMV of the last 7 days more than 30% below the 7 days before, for shops with at least 20 orders in each week, weeks touching a big promotion day left out: emergency, the client is told.",
			KPI: "gmv", Scope: agency, Condition: Condition{Kind: CondPrevious, Op: "<", Value: -0.3},
			Grain: "week", MinOrders: 20, SkipPromotions: true, Periods: 1, Level: 3, Deadline: Duration{2 * time.Hour}, Playbook: "gmv_drop"},
		{Name: RuleBudgetRed, Description: "Ad spend of the last 30 days more than 20% over the monthly marketing budget of the contract.",
			KPI: "ad_spend", Scope: perClient, Condition: Condition{Kind: CondBudget, Op: ">", Value: 0.2},
			Grain: "day", WindowDays: 30, Periods: 1, Colour: Red},
		{Name: RuleBudgetYellow, Description: "Agency labour cost above 35% of the client's fee two weeks running.",
			Scope: perClient, Condition: Condition{Kind: CondDetector, Detector: DetectLabourShare, Op: ">", Value: 0.35},
			Grain: "week", Periods: 2, Colour: Yellow},
		{Name: RuleCSFirstResponse, Description: "More than 20% of customer-service sessions of the last 7 days waited over 30 s for the first reply.",
			Scope: agency, Condition: Condition{Kind: CondDetector, Detector: DetectCSSlowReplies, Op: ">", Value: 0.2},
			Grain: "day", WindowDays: 7, Periods: 1, Level: 1},
		{Name: RuleUnshipped48h, Description: "More than 10% of the orders paid in the last 7 days not shipped within 48 h.",
			Scope: agency, Condition: Condition{Kind: CondDetector, Detector: DetectUnshipped48h, Op: ">", Value: 0.1},
			Grain: "day", WindowDays: 7, Periods: 1, Level: 2, Deadline: Duration{24 * time.Hour}},
		{Name: RuleDataStale, Description: "No orders or traffic for a shop for more than 24 h: its figures and alerts are blind.",
			Scope: agency, Condition: Condition{Kind: CondDetector, Detector: DetectDataStale, Op: ">", Value: 24},
			Grain: "day", Periods: 1, Level: 2, Deadline: Duration{24 * time.Hour}},
	}
	for i := range rules {
		rules[i].Enabled = true
		if err := rules[i].Validate(); err != nil {
			panic("alerting: default rule: " + err.Error())
		}
	}
	return rules
}
