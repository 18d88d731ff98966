package schedule_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/ingest/connectors"
	"github.com/daiyun/daiyun/ingest/connectors/connectorstest"
	"github.com/daiyun/daiyun/ingest/connectors/schedule"
)

type counting struct{ n *atomic.Int64 }

func (counting) Kind() string { return "taobao" }
func (c counting) Sync(ctx context.Context, _ connectors.Connection, _ connectors.Cursor, emit connectors.Emit) error {
	c.n.Add(1)
	return emit(ctx, connectors.Page{Cursor: "done"})
}

// TestScheduleOnTheSQLiteCatalog: the due connection is synced through a
// River job on start, the disabled one is not, and a scheduled job for a
// connection that is no longer due does nothing; "sync now" runs at once.
func TestScheduleOnTheSQLiteCatalog(t *testing.T) {
	env := connectorstest.New(t, daiyun.PlatformTaobao, "CNY", "Asia/Shanghai")
	a := env.Connect(t, env.ShopA, "taobao", "", nil)
	b := env.Connect(t, env.ShopB, "taobao", "", nil)
	if err := env.Catalog.SetConnectionEnabled(env.Ctx, b.ID, false); err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	r := connectors.NewRunner(env.Catalog, env.Warehouse, nil, counting{&n})
	q, err := schedule.StartSQLite(env.Ctx, env.Catalog.DB(), r, schedule.Options{Tick: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background())
	waitRuns := func(id int64, want int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			runs, err := env.Catalog.ConnectionRuns(env.Ctx, id, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) >= want && runs[0].Status != "running" {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("connection %d: fewer than %d runs", id, want)
	}
	waitRuns(a.ID, 1)
	// Enqueuing the schedule again right away finds nothing due.
	if err := q.EnqueueDue(env.Ctx, env.Catalog, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := q.Enqueue(env.Ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	waitRuns(a.ID, 2)
	time.Sleep(300 * time.Millisecond)
	if got := n.Load(); got != 2 {
		t.Fatalf("syncs = %d, want 2", got)
	}
	if runs, _ := env.Catalog.ConnectionRuns(env.Ctx, b.ID, 10); len(runs) != 0 {
		t.Fatalf("the disabled connection ran: %+v", runs)
	}
	runs, _ := env.Catalog.ConnectionRuns(env.Ctx, a.ID, 10)
	if runs[0].Origin != "job" || runs[1].Origin != "schedule" {
		t.Fatalf("origins = %s, %s", runs[0].Origin, runs[1].Origin)
	}
}
