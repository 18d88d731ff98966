package source

import (
	"strconv"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/csvin"
)

// AnalysisOptions tune an analysis; each kind reads its own and ignores the rest.
// Zero values mean the documented defaults (docs/analysis.md, "On
// warehouse data").
type AnalysisOptions struct {
	// funnel
	Steps  []string `json:"steps,omitempty" doc:"funnel: event names in order (default visit, product_view, add_to_cart, order, pay)"`
	Window string   `json:"window,omitempty" doc:"funnel: conversion window, e.g. 14d (default 14d)"`
	// Exclude voids attempts, each EVENT:FROM-TO as the file door's --exclude.
	Exclude []string `json:"exclude,omitempty" doc:"funnel: exclusions EVENT:FROM-TO, steps numbered from 0"`

	// retention
	StartEvent  string `json:"start_event,omitempty" doc:"retention: event that places a person in a cohort (default pay)"`
	ReturnEvent string `json:"return_event,omitempty" doc:"retention: event that counts as a return (default the start event)"`
	Period      string `json:"period,omitempty" doc:"retention: day, week or month (default week); clv: day, week or month (default week)"`
	Intervals   int    `json:"intervals,omitempty" doc:"retention: number of cohorts (default 8)"`
	Type        string `json:"type,omitempty" doc:"retention: recurring or first-time (default recurring)"`

	// rfm
	VIPThreshold float64 `json:"vip_threshold,omitempty" doc:"rfm: 12-month spend above which a customer is VIP, in major units (default 100000)"`

	// clv
	CalibrationEnd string  `json:"calibration_end,omitempty" doc:"clv: last day of the calibration period (default the range's end)"`
	Model          string  `json:"model,omitempty" doc:"clv: bgnbd or pnbd (default bgnbd)"`
	Horizon        float64 `json:"horizon,omitempty" doc:"clv: periods predicted (default 52); forecast: days forecast (default 30)"`
	Discount       float64 `json:"discount,omitempty" doc:"clv: discount rate per period (default 0)"`
	Margin         float64 `json:"margin,omitempty" doc:"clv: margin applied to revenue (default 1)"`

	// attribution
	Touch       string   `json:"touch,omitempty" doc:"attribution: what a touch is, source or campaign (default source)"`
	HalfLife    float64  `json:"half_life,omitempty" doc:"attribution: time-decay half-life in touches (default 1)"`
	ROIModel    string   `json:"roi_model,omitempty" doc:"attribution: model whose credited value gives ROI (default markov)"`
	ROIFloor    *float64 `json:"roi_floor,omitempty" doc:"attribution: channels and campaigns with ROI under it are flagged (default 1)"`
	KOLROIFloor *float64 `json:"kol_roi_floor,omitempty" doc:"attribution: KOLs with ROI under it are flagged (default 1.1)"`

	// paths
	ConversionEvent string `json:"conversion_event,omitempty" doc:"paths: event that converts (default pay)"`
	SessionGap      string `json:"session_gap,omitempty" doc:"paths: gap that starts a new session (default 30m)"`
	MaxSteps        int    `json:"max_steps,omitempty" doc:"paths: longest path shown (default 10)"`
	Top             int    `json:"top,omitempty" doc:"paths: paths in each list (default 10)"`
	CollapseRepeats bool   `json:"collapse_repeats,omitempty" doc:"paths: merge consecutive repeats of a step"`

	// forecast
	Measure      string  `json:"measure,omitempty" doc:"forecast: gmv or units (default gmv)"`
	SKU          string  `json:"sku,omitempty" doc:"forecast: one SKU (units, and the stock plan)"`
	Season       int     `json:"season,omitempty" doc:"forecast: season length (default 7)"`
	Seasonal     string  `json:"seasonal,omitempty" doc:"forecast: auto, additive, multiplicative or none (default auto)"`
	NoPromotions bool    `json:"no_promotions,omitempty" doc:"forecast: do not adjust for promotion days"`
	LeadTimeDays int     `json:"lead_time_days,omitempty" doc:"forecast: supplier lead time for the stock plan (default 14)"`
	ServiceLevel float64 `json:"service_level,omitempty" doc:"forecast: stock plan service level (default 0.95)"`
	CoverDays    int     `json:"cover_days,omitempty" doc:"forecast: days an order should cover (default 30)"`
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// duration reads a duration option such as 14d or 30m.
func duration(name, s, def string) (time.Duration, error) {
	d, err := csvin.ParseDuration(orDefault(s, def))
	if err != nil {
		return 0, daiyun.Errorf(daiyun.EINVALID, "options.%s: %s", name, daiyun.ErrorMessageOrText(err))
	}
	return d, nil
}

// date reads an optional YYYY-MM-DD option as midnight in loc.
func date(name, s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	d, err := daiyun.ParseDate(s)
	if err != nil {
		return time.Time{}, daiyun.Errorf(daiyun.EINVALID, "options.%s: %s", name, daiyun.ErrorMessage(err))
	}
	y, m, dd := d.Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, loc), nil
}

// Number formatting of export tables: full precision, no exponent for the
// usual magnitudes, empty for a missing value.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func nump(v *float64) string {
	if v == nil {
		return ""
	}
	return num(*v)
}

func itoa(n int) string { return strconv.Itoa(n) }
