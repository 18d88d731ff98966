package forecast

import (
	"math"
	"time"

	"github.com/daiyun/daiyun"
	"gonum.org/v1/gonum/stat/distuv"
)

// StockInput describes the inventory of the forecast item.
type StockInput struct {
	// OnHand is the units in stock at the end of the last observed day.
	OnHand float64
	// LeadTimeDays is the number of days from ordering to receiving.
	LeadTimeDays int
	// ServiceLevel is the wanted probability of not running out during the
	// lead time (default 0.95); the safety factor is its normal quantile z.
	ServiceLevel float64
	// CoverDays is how many days of demand an order should cover after it
	// arrives (default 30).
	CoverDays int
}

// Stock is the inventory plan derived from a daily demand forecast.
type Stock struct {
	OnHand       float64 `json:"on_hand"`
	LeadTimeDays int     `json:"lead_time_days"`
	ServiceLevel float64 `json:"service_level"`
	CoverDays    int     `json:"cover_days"`
	// DaysOfCover is the number of days the stock lasts at the expected
	// demand (fractional), and RunOutDate the day it runs out; both are
	// null when the stock outlasts the forecast horizon.
	DaysOfCover *float64 `json:"days_of_cover"`
	RunOutDate  *string  `json:"run_out_date"`
	// LeadTimeDemand is the expected demand over the next LeadTimeDays,
	// SafetyStock z·sqrt(Σ daily forecast variances over the lead time),
	// ReorderPoint their sum.
	LeadTimeDemand float64 `json:"lead_time_demand"`
	SafetyStock    float64 `json:"safety_stock"`
	ReorderPoint   float64 `json:"reorder_point"`
	// ReorderDate is the first day on which the projected stock is at or
	// below the reorder point for the lead time that follows (the last
	// observed day when already below); null when not within the horizon.
	ReorderDate *string `json:"reorder_date"`
	// ReorderQuantity is the order placed on ReorderDate that brings the
	// projected stock to the demand of the lead time plus CoverDays plus
	// safety stock.
	ReorderQuantity float64 `json:"reorder_quantity"`
}

// PlanStock computes the stock plan from a per-day demand forecast starting
// the day after last: demand[i] is the expected demand of day i+1 and sd[i]
// its standard deviation. Days past the forecast repeat its last day.
// Negative expected demand counts as zero.
func PlanStock(last time.Time, demand, sd []float64, in StockInput) (*Stock, error) {
	if in.OnHand < 0 || math.IsNaN(in.OnHand) {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--on-hand %g must be zero or more", in.OnHand)
	}
	if in.LeadTimeDays < 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--lead-time %d must be zero or more days", in.LeadTimeDays)
	}
	if in.ServiceLevel == 0 {
		in.ServiceLevel = 0.95
	}
	if !(in.ServiceLevel > 0.5 && in.ServiceLevel < 1) {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--service-level %g must be in (0.5, 1)", in.ServiceLevel)
	}
	if in.CoverDays == 0 {
		in.CoverDays = 30
	}
	if len(demand) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "forecast: no forecast days to plan stock from")
	}
	z := distuv.UnitNormal.Quantile(in.ServiceLevel)
	day := func(i int) (float64, float64) { // 1-based day
		j := min(i-1, len(demand)-1)
		return math.Max(demand[j], 0), sd[j]
	}
	st := &Stock{OnHand: in.OnHand, LeadTimeDays: in.LeadTimeDays, ServiceLevel: in.ServiceLevel, CoverDays: in.CoverDays}
	// window returns expected demand and safety stock of days from+1..from+k.
	window := func(from, k int) (float64, float64) {
		var d, v float64
		for i := from + 1; i <= from+k; i++ {
			m, s := day(i)
			d += m
			v += s * s
		}
		return d, z * math.Sqrt(v)
	}
	st.LeadTimeDemand, st.SafetyStock = window(0, in.LeadTimeDays)
	st.ReorderPoint = st.LeadTimeDemand + st.SafetyStock
	h := len(demand)
	left := in.OnHand
	for i := 1; i <= h; i++ {
		m, _ := day(i)
		if m > 0 && left < m {
			cover := float64(i-1) + left/m
			date := last.AddDate(0, 0, i).Format(time.DateOnly)
			st.DaysOfCover, st.RunOutDate = &cover, &date
			break
		}
		left -= m
	}
	projected := in.OnHand
	for k := 0; k <= h; k++ {
		if k > 0 {
			m, _ := day(k)
			projected -= m
		}
		d, ss := window(k, in.LeadTimeDays)
		if projected <= d+ss {
			date := last.AddDate(0, 0, k).Format(time.DateOnly)
			st.ReorderDate = &date
			need, ssAll := window(k, in.LeadTimeDays+in.CoverDays)
			st.ReorderQuantity = math.Max(0, need+ssAll-projected)
			break
		}
	}
	return st, nil
}
