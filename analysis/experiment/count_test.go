package experiment_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/experiment"
	"github.com/daiyun/daiyun/internal/pgtest"
	"github.com/daiyun/daiyun/warehouse"
	"github.com/daiyun/daiyun/warehouse/duckdb"
	"github.com/daiyun/daiyun/warehouse/postgres"
	"github.com/daiyun/daiyun/warehouse/warehousetest"
)

var sys = daiyun.WithActor(context.Background(), daiyun.SystemActor)

// engines opens a fresh, migrated warehouse on each engine.
var engines = map[string]func(t *testing.T) warehouse.Warehouse{
	"duckdb": func(t *testing.T) warehouse.Warehouse {
		w, err := duckdb.Open(filepath.Join(t.TempDir(), "w.duckdb"))
		if err != nil {
			t.Fatal(err)
		}
		return w
	},
	"postgres": func(t *testing.T) warehouse.Warehouse {
		w, err := postgres.Open(t.Context(), pgtest.New(t))
		if err != nil {
			t.Fatal(err)
		}
		return w
	},
}

// fixtureEvents is a hand-made events table for shop 10 of tenant 1 (and
// distractors). The window is 2026-03-01..2026-03-02 in Asia/Shanghai,
// i.e. [2026-02-28 16:00, 2026-03-02 16:00) UTC. By hand:
//
//	arm A (campaign detail-A): exposed p1, p2, p5, p11 = 4; converted p1, p5 = 2
//	arm B (campaign detail-B): exposed p3, p4, p10 = 3; converted p3, p10 = 2
func fixtureEvents() [][]any {
	at := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, time.UTC) }
	var rows [][]any
	n := 0
	ev := func(tenant, shop int64, person, event, campaign string, t time.Time) {
		n++
		rows = append(rows, warehousetest.Row("events", map[string]any{"tenant_id": tenant, "shop_id": shop,
			"event_id": "e" + string(rune('a'+n/26)) + string(rune('a'+n%26)), "person_id": person, "event": event, "at": t, "campaign": campaign}))
	}
	ev(1, 10, "p1", "product_view", "detail-A", at(1, 2, 0))
	ev(1, 10, "p1", "pay", "", at(1, 3, 0)) // converts
	ev(1, 10, "p2", "pay", "", at(1, 4, 0)) // before the exposure: not a conversion
	ev(1, 10, "p2", "product_view", "detail-A", at(1, 5, 0))
	ev(1, 10, "p3", "product_view", "detail-B", at(1, 6, 0))
	ev(1, 10, "p3", "pay", "", at(2, 15, 59)) // last minute of the window
	ev(1, 10, "p4", "product_view", "detail-B", at(1, 7, 0))
	ev(1, 10, "p4", "pay", "", at(2, 16, 0)) // the window's end is exclusive
	ev(1, 10, "p5", "product_view", "detail-A", at(1, 8, 0))
	ev(1, 10, "p5", "product_view", "detail-B", at(1, 9, 0)) // stays in A, its first arm
	ev(1, 10, "p5", "pay", "", at(1, 10, 0))
	ev(1, 10, "p6", "product_view", "detail-B", time.Date(2026, 2, 28, 15, 59, 0, 0, time.UTC)) // 23:59 in Shanghai, the day before
	ev(1, 10, "p6", "pay", "", at(1, 1, 0))
	ev(1, 10, "p7", "product_view", "detail-C", at(1, 9, 0)) // not an arm
	ev(1, 10, "p7", "pay", "", at(1, 9, 30))
	ev(1, 11, "p8", "product_view", "detail-A", at(1, 10, 0)) // another shop
	ev(1, 10, "p8", "pay", "", at(1, 11, 0))
	ev(2, 10, "p9", "product_view", "detail-B", at(1, 10, 0)) // another tenant
	ev(2, 10, "p9", "pay", "", at(1, 11, 0))
	ev(1, 10, "p10", "product_view", "detail-B", at(1, 11, 0))
	ev(1, 10, "p10", "pay", "", at(1, 12, 0))
	ev(1, 10, "p10", "pay", "", at(1, 13, 0)) // counted once
	ev(1, 10, "p11", "product_view", "detail-A", at(1, 12, 0))
	ev(1, 10, "p11", "product_view", "detail-A", at(1, 13, 0))
	ev(1, 10, "p12", "add_to_cart", "detail-A", at(1, 12, 0)) // not the exposure event
	ev(1, 10, "p12", "pay", "", at(1, 12, 30))
	return rows
}

func fixtureExperiment(t *testing.T) experiment.Experiment {
	e := experiment.Experiment{ID: 1, ClientID: 1, ShopID: 10, Name: "detail page", ArmColumn: "campaign",
		Arms:          []experiment.Arm{{Label: "A", Value: "detail-A"}, {Label: "B", Value: "detail-B"}},
		ExposureEvent: "product_view", ConversionEvent: "pay", ShopTimezone: "Asia/Shanghai",
		Plan: experiment.Plan{Baseline: 0.3, MDE: 0.5, MDERelative: true}}
	e.StartDate, _ = daiyun.ParseDate("2026-03-01")
	e.EndDate, _ = daiyun.ParseDate("2026-03-02")
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestCountArmsOnBothEngines(t *testing.T) {
	for name, open := range engines {
		t.Run(name, func(t *testing.T) {
			wh := open(t)
			defer wh.Close()
			if err := wh.Migrate(sys); err != nil {
				t.Fatal(err)
			}
			if _, err := wh.Upsert(sys, warehousetest.Tenants(t, 1, 2), "events", warehousetest.Columns("events"), fixtureEvents()); err != nil {
				t.Fatal(err)
			}
			e := fixtureExperiment(t)
			loc, _ := time.LoadLocation("Asia/Shanghai")
			from, to, ok := e.Window(loc, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
			if !ok || !from.Equal(time.Date(2026, 2, 28, 16, 0, 0, 0, time.UTC)) || !to.Equal(time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC)) {
				t.Fatalf("window %v – %v (%v)", from, to, ok)
			}
			got, err := experiment.CountArms(sys, wh, warehousetest.Tenants(t, 1), e, from, to)
			if err != nil {
				t.Fatal(err)
			}
			want := []experiment.Count{{Label: "A", Exposed: 4, Converted: 2}, {Label: "B", Exposed: 3, Converted: 2}}
			if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
				t.Fatalf("counts %+v, want %+v", got, want)
			}
			// Tenant 2 alone sees its own p9 only.
			got, err = experiment.CountArms(sys, wh, warehousetest.Tenants(t, 2), e, from, to)
			if err != nil || got[0].Exposed != 0 || got[1] != (experiment.Count{Label: "B", Exposed: 1, Converted: 1}) {
				t.Fatalf("tenant 2: %+v %v", got, err)
			}
			// While the window is still open, it ends now: at 2026-03-01
			// 09:30 UTC, A has p1, p2, p5 (only p1 has paid yet), B p3, p4.
			now := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
			_, to, _ = e.Window(loc, now)
			got, err = experiment.CountArms(sys, wh, warehousetest.Tenants(t, 1), e, from, to)
			if err != nil || got[0] != (experiment.Count{Label: "A", Exposed: 3, Converted: 1}) || got[1] != (experiment.Count{Label: "B", Exposed: 2}) {
				t.Fatalf("open window: %+v %v", got, err)
			}
		})
	}
}

func TestCountArmsRefusesAnUnknownColumn(t *testing.T) {
	e := fixtureExperiment(t)
	e.ArmColumn = "person_id; DROP TABLE events"
	if _, err := experiment.CountArms(sys, nil, daiyun.Tenants{}, e, time.Now(), time.Now()); daiyun.ErrorCode(err) != daiyun.EINVALID {
		t.Fatalf("bad column: %v", err)
	}
}
