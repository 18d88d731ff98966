package forecast

import (
	"fmt"
	"sort"
	"time"
)

// Calendar labels days with a promotion event: the label names the event and
// the day's offset inside it (e.g. "double11", "spring_festival-3"), so each
// labelled day of the year gets its own uplift.
type Calendar map[string]string // YYYY-MM-DD → label

// springFestival is the first day of the lunar new year (Gregorian date).
var springFestival = map[int]string{
	2015: "2015-02-19", 2016: "2016-02-08", 2017: "2017-01-28", 2018: "2018-02-16",
	2019: "2019-02-05", 2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01",
	2023: "2023-01-22", 2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17",
	2027: "2027-02-06", 2028: "2028-01-26", 2029: "2029-02-13", 2030: "2030-02-03",
	2031: "2031-01-23", 2032: "2032-02-11", 2033: "2033-01-31", 2034: "2034-02-19",
	2035: "2035-02-08",
}

// SpringFestivalWindow is the number of days labelled on each side of the
// lunar new year: logistics and shopping slow down for about two weeks.
const SpringFestivalWindow = 7

// DefaultCalendar returns the promotion days of PRODUCT.md D8 for the years
// from..to: 618 (June 18), Double 11 (November 11), Double 12 (December 12)
// and Spring Festival (lunar new year ± SpringFestivalWindow days, one label
// per offset; the years 2015–2035 are tabulated).
func DefaultCalendar(from, to int) Calendar {
	c := Calendar{}
	for y := from; y <= to; y++ {
		c[fmt.Sprintf("%04d-06-18", y)] = "618"
		c[fmt.Sprintf("%04d-11-11", y)] = "double11"
		c[fmt.Sprintf("%04d-12-12", y)] = "double12"
		if d, ok := springFestival[y]; ok {
			ny, _ := time.Parse(time.DateOnly, d)
			for k := -SpringFestivalWindow; k <= SpringFestivalWindow; k++ {
				label := "spring_festival"
				if k != 0 {
					label = fmt.Sprintf("spring_festival%+d", k)
				}
				c[ny.AddDate(0, 0, k).Format(time.DateOnly)] = label
			}
		}
	}
	return c
}

// Uplift is the estimated effect of one promotion label.
type Uplift struct {
	Label string `json:"label"`
	// Factor is the mean ratio of the actual value to the baseline on the
	// label's past days.
	Factor float64 `json:"factor"`
	// Occurrences is the number of past days it was estimated from.
	Occurrences int `json:"occurrences"`
}

// deseasonPromotions replaces the values of promotion days by a baseline,
// the mean of the non-promotion values 7, 14, 21 and 28 days before and
// after (same weekday), and returns the cleaned series and the uplift of
// each label seen in the history: mean(actual / baseline).
func deseasonPromotions(dates []time.Time, y []float64, cal Calendar) ([]float64, map[string]Uplift) {
	n := len(y)
	promo := make([]string, n)
	for i, d := range dates {
		promo[i] = cal[d.Format(time.DateOnly)]
	}
	clean := append([]float64(nil), y...)
	sums := map[string]float64{}
	counts := map[string]int{}
	for i := range y {
		if promo[i] == "" {
			continue
		}
		var s float64
		var c int
		for k := 1; k <= 4; k++ {
			for _, j := range []int{i - 7*k, i + 7*k} {
				if j >= 0 && j < n && promo[j] == "" {
					s += y[j]
					c++
				}
			}
		}
		if c == 0 {
			continue
		}
		base := s / float64(c)
		clean[i] = base
		if base > 0 && y[i] >= 0 {
			sums[promo[i]] += y[i] / base
			counts[promo[i]]++
		}
	}
	ups := map[string]Uplift{}
	for l, s := range sums {
		ups[l] = Uplift{Label: l, Factor: s / float64(counts[l]), Occurrences: counts[l]}
	}
	return clean, ups
}

func sortedUplifts(m map[string]Uplift) []Uplift {
	out := make([]Uplift, 0, len(m))
	for _, u := range m {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}
