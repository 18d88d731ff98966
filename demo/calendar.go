package demo

import (
	"time"

	"github.com/daiyun/daiyun"
)

// springFestival holds the first day of the lunar new year (春节) for the
// years a demo can cover.
var springFestival = map[int]string{
	2015: "2015-02-19", 2016: "2016-02-08", 2017: "2017-01-28", 2018: "2018-02-16",
	2019: "2019-02-05", 2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01",
	2023: "2023-01-22", 2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17",
	2027: "2027-02-06", 2028: "2028-01-26", 2029: "2029-02-13", 2030: "2030-02-03",
	2031: "2031-01-23", 2032: "2032-02-11", 2033: "2033-01-31", 2034: "2034-02-19",
	2035: "2035-02-08", 2036: "2036-01-28",
}

// springFestivalDay returns the new-year day of year y, or false when the
// table does not cover it.
func springFestivalDay(y int) (time.Time, bool) {
	s, ok := springFestival[y]
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

// dayOf is the number of days from a to b (civil dates at midnight UTC).
func dayOf(a, b time.Time) int { return int(b.Sub(a).Hours() / 24) }

// promo returns the demand factor of a promotion or holiday on day for a
// shop, and the conversion boost that comes with it (≥ 1: promotions
// convert better, slumps do not convert worse).
func promo(pl daiyun.Platform, category string, day time.Time) (demand, conv float64) {
	if pl == daiyun.PlatformShopify {
		demand = promoUS(day)
	} else {
		demand = promoCN(pl, category, day)
	}
	conv = 1
	if demand > 1 {
		conv = min(1+0.35*(demand-1), 1.6)
	}
	return demand, conv
}

func promoCN(pl daiyun.Platform, category string, day time.Time) float64 {
	y, m, d := day.Date()
	f := 1.0
	switch {
	// 618: opening night on June 1, the peak on the 18th (JD's own festival).
	case m == 6 && d == 1:
		f = 1.4
	case m == 6 && d >= 2 && d <= 15:
		f = 1.15
	case m == 6 && (d == 16 || d == 17):
		f = 1.3
	case m == 6 && d == 18:
		f = 1.9
		if pl == daiyun.PlatformJD {
			f = 2.2
		}
	case m == 6 && (d == 19 || d == 20):
		f = 1.05
	// Double 11: pre-sale from Oct 20, first wave from Oct 31, the peak on Nov 11.
	case m == 10 && d >= 20 && d <= 30:
		f = 1.08
	case m == 10 && d == 31:
		f = 1.5
	case m == 11 && d >= 1 && d <= 3:
		f = 1.3
	case m == 11 && d >= 4 && d <= 9:
		f = 1.12
	case m == 11 && d == 10:
		f = 1.3
	case m == 11 && d == 11:
		f = 2.2
	case m == 11 && (d == 12 || d == 13):
		f = 1.1
	// Double 12.
	case m == 12 && (d == 10 || d == 11):
		f = 1.1
	case m == 12 && d == 12:
		f = 1.5
	// 3.8 女王节 for beauty and apparel; 9.9 for Taobao/Tmall.
	case m == 3 && d == 8 && (category == "beauty" || category == "apparel"):
		f = 1.3
	case m == 9 && d == 9 && (pl == daiyun.PlatformTmall || pl == daiyun.PlatformTaobao):
		f = 1.2
	}
	// Spring Festival: logistics stop and buyers go home; gift categories
	// sell more in the weeks before (年货节).
	if sf, ok := springFestivalDay(y); ok {
		f *= springFactor(category, dayOf(sf, day))
	}
	if sf, ok := springFestivalDay(y + 1); ok && m == 12 {
		f *= springFactor(category, dayOf(sf, day))
	}
	return f
}

// springFactor is the Spring Festival effect k days after new year's day.
func springFactor(category string, k int) float64 {
	gift := category == "food_fresh" || category == "other"
	switch {
	case k >= -25 && k <= -11 && gift:
		return 1.3
	case k >= -10 && k <= -3:
		if gift {
			return 1.1
		}
		return 0.85
	case k >= -2 && k <= 6:
		return 0.45
	case k >= 7 && k <= 14:
		return 0.8
	}
	return 1
}

func promoUS(day time.Time) float64 {
	y, m, d := day.Date()
	// Black Friday is the day after the fourth Thursday of November.
	nov1 := time.Date(y, 11, 1, 0, 0, 0, 0, time.UTC)
	thanks := nov1.AddDate(0, 0, (int(time.Thursday)-int(nov1.Weekday())+7)%7+21)
	switch k := dayOf(thanks, day); {
	case k >= -7 && k <= -1:
		return 1.15
	case k == 0:
		return 1.3
	case k == 1:
		return 2.6
	case k == 2 || k == 3:
		return 1.6
	case k == 4:
		return 2.1
	case k >= 5 && k <= 7:
		return 1.1
	}
	switch {
	case m == 12 && d <= 17:
		return 1.2
	case m == 12 && (d == 24 || d == 25):
		return 0.6
	case m == 1 && d == 1:
		return 0.7
	case m == 7 && d >= 8 && d <= 11:
		return 1.1
	}
	return 1
}

// weekly is the weekday rhythm: Chinese buyers shop more at the weekend,
// Shopify buyers on Sunday and Monday.
func weekly(pl daiyun.Platform, wd time.Weekday) float64 {
	if pl == daiyun.PlatformShopify {
		return [7]float64{1.05, 1.05, 1.02, 1.0, 0.98, 0.95, 0.95}[wd]
	}
	return [7]float64{1.10, 1.0, 0.98, 0.97, 0.97, 0.95, 1.05}[wd]
}

// monthly is each category's yearly shape, by month; it is interpolated
// between mid-months so there are no jumps at month boundaries.
var monthly = map[string][12]float64{
	"apparel":    {0.9, 0.8, 1.0, 1.05, 1.0, 0.95, 0.85, 0.85, 1.05, 1.15, 1.2, 1.1},
	"outdoor":    {0.7, 0.7, 1.0, 1.2, 1.2, 1.1, 1.1, 1.0, 1.1, 1.15, 0.9, 0.75},
	"food_fresh": {1.2, 0.9, 0.9, 0.9, 0.9, 0.95, 0.9, 0.95, 1.1, 1.0, 1.05, 1.15},
	"appliances": {0.95, 0.85, 0.95, 1.0, 1.0, 1.1, 1.15, 1.05, 0.95, 0.95, 1.0, 1.0},
	"beauty":     {1.0, 0.9, 1.05, 1.0, 1.0, 1.0, 0.95, 0.95, 1.0, 1.05, 1.05, 1.05},
	"other":      {1.1, 0.9, 0.95, 0.95, 0.95, 0.95, 0.9, 0.95, 1.15, 1.0, 1.0, 1.1},
}

func yearly(category string, day time.Time) float64 {
	tab, ok := monthly[category]
	if !ok {
		return 1
	}
	// Position in months from mid-January.
	pos := float64(day.YearDay()-15) / (365.0 / 12)
	if pos < 0 {
		pos += 12
	}
	i := int(pos) % 12
	frac := pos - float64(int(pos))
	return tab[i]*(1-frac) + tab[(i+1)%12]*frac
}
