package connectors_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/ingest"
	"github.com/daiyun/daiyun/ingest/connectors"
	"github.com/daiyun/daiyun/ingest/connectors/connectorstest"
)

// rogue is a connector that tries to write another client's facts.
type rogue struct{ victim int64 }

func (rogue) Kind() string { return "shopify" }

func (r rogue) Sync(ctx context.Context, conn connectors.Connection, _ connectors.Cursor, emit connectors.Emit) error {
	return emit(ctx, connectors.Page{Tables: []ingest.TableRows{{Table: "skus",
		Columns: []string{"tenant_id", "shop_id", "sku_id", "price_minor", "cost_minor", "active"},
		Rows:    [][]any{{r.victim, conn.Shop.ID, "X", int64(1), int64(1), true}}}}, Cursor: "after"})
}

func TestConnectionCannotWriteAnotherClient(t *testing.T) {
	env := connectorstest.New(t, daiyun.PlatformShopify, "USD", "UTC")
	conn := env.Connect(t, env.ShopA, "shopify", "http://127.0.0.1:1", nil)
	r := connectors.NewRunner(env.Catalog, env.Warehouse, nil, rogue{victim: env.ClientB.ID})
	run, err := r.Sync(env.Ctx, conn.ID, "test")
	if err == nil || daiyun.ErrorCode(err) != daiyun.EINVALID {
		t.Fatalf("rogue write: err = %v, want invalid", err)
	}
	if run.Status != "failed" || run.Pages != 0 {
		t.Fatalf("run = %+v", run)
	}
	if d := env.Dump(t, env.ClientB.ID); len(d["skus"]) != 0 {
		t.Fatal("client B's skus were written by client A's connection")
	}
	c, _ := env.Catalog.Connection(env.Ctx, conn.ID)
	if c.Cursor != "" {
		t.Fatalf("cursor moved past a page that was not written: %q", c.Cursor)
	}
}

// counting counts its syncs.
type counting struct{ n *int }

func (counting) Kind() string { return "taobao" }
func (c counting) Sync(ctx context.Context, _ connectors.Connection, _ connectors.Cursor, emit connectors.Emit) error {
	*c.n++
	return emit(ctx, connectors.Page{Cursor: "x"})
}

func TestRunDueHonoursIntervalAndEnabled(t *testing.T) {
	env := connectorstest.New(t, daiyun.PlatformTaobao, "CNY", "Asia/Shanghai")
	a := env.Connect(t, env.ShopA, "taobao", "", nil)
	b := env.Connect(t, env.ShopB, "taobao", "", nil)
	if err := env.Catalog.SetConnectionEnabled(env.Ctx, b.ID, false); err != nil {
		t.Fatal(err)
	}
	n := 0
	r := connectors.NewRunner(env.Catalog, env.Warehouse, nil, counting{&n})
	if got := connectors.RunDue(env.Ctx, r, time.Now()); got != 1 || n != 1 {
		t.Fatalf("first round ran %d (%d syncs), want 1", got, n)
	}
	// Within the interval (15 min default) nothing is due.
	if got := connectors.RunDue(env.Ctx, r, time.Now().Add(time.Minute)); got != 0 {
		t.Fatalf("second round ran %d", got)
	}
	if got := connectors.RunDue(env.Ctx, r, time.Now().Add(16*time.Minute)); got != 1 || n != 2 {
		t.Fatalf("after the interval ran %d", got)
	}
	runs, err := env.Catalog.ConnectionRuns(env.Ctx, a.ID, 10)
	if err != nil || len(runs) != 2 || runs[0].Origin != "schedule" || runs[0].Status != "ok" {
		t.Fatalf("runs = %+v, %v", runs, err)
	}
}

func TestBackoff(t *testing.T) {
	r := connectors.Retry{Base: time.Second, Max: 10 * time.Second, Rand: func() float64 { return 0 }}
	for n, want := range map[int]time.Duration{1: 500 * time.Millisecond, 2: time.Second, 3: 2 * time.Second, 4: 4 * time.Second, 5: 5 * time.Second, 9: 5 * time.Second} {
		if got := r.Backoff(n, 0); got != want {
			t.Errorf("Backoff(%d) = %s, want %s", n, got, want)
		}
	}
	r.Rand = func() float64 { return 0.999999 }
	if got := r.Backoff(3, 0); got <= 3*time.Second || got > 4*time.Second {
		t.Errorf("jittered Backoff(3) = %s, want in (3s, 4s]", got)
	}
	if got := r.Backoff(1, 7*time.Second); got != 7*time.Second {
		t.Errorf("the platform's wait is not honoured: %s", got)
	}
	if got := r.Backoff(1, time.Hour); got != 10*time.Second {
		t.Errorf("the platform's wait is not capped: %s", got)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{"2.0": 2 * time.Second, "3": 3 * time.Second, "": 0, "soon": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second} {
		if got := connectors.RetryAfter(v, now); got != want {
			t.Errorf("RetryAfter(%q) = %s, want %s", v, got, want)
		}
	}
}
