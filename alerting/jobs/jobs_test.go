package jobs_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/alerting/jobs"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/internal/pgtest"
)

// TestJobsOnTheSQLiteCatalog runs the periodic evaluation once at start and
// an enqueued evaluation of a given day, through River on the catalog.
func TestJobsOnTheSQLiteCatalog(t *testing.T) {
	ctx := daiyun.WithActor(context.Background(), daiyun.SystemActor)
	cat, err := catalog.Open(ctx, filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	if err := cat.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var days []string
	ran := make(chan struct{}, 10)
	run := func(ctx context.Context, day daiyun.Date) error {
		if !daiyun.ActorFrom(ctx).System {
			t.Error("job runs without the system actor")
		}
		mu.Lock()
		days = append(days, day.String())
		mu.Unlock()
		ran <- struct{}{}
		return nil
	}
	q, err := jobs.StartSQLite(ctx, cat.DB(), run, time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background())
	wait := func() {
		select {
		case <-ran:
		case <-time.After(30 * time.Second):
			t.Fatal("no job ran")
		}
	}
	wait() // the periodic job runs on start
	day, _ := daiyun.ParseDate("2026-11-24")
	if err := q.Enqueue(ctx, day); err != nil {
		t.Fatal(err)
	}
	wait()
	mu.Lock()
	defer mu.Unlock()
	yesterday := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1).Format(time.DateOnly)
	if len(days) != 2 || days[0] != yesterday || days[1] != "2026-11-24" {
		t.Fatalf("jobs ran for %v", days)
	}
}

// TestJobsOnPostgreSQL runs an enqueued evaluation through riverpgxv5.
func TestJobsOnPostgreSQL(t *testing.T) {
	ctx := daiyun.WithActor(context.Background(), daiyun.SystemActor)
	url := pgtest.New(t)
	ran := make(chan string, 10)
	q, err := jobs.StartPostgres(ctx, url, func(ctx context.Context, day daiyun.Date) error {
		ran <- day.String()
		return nil
	}, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background())
	day, _ := daiyun.ParseDate("2026-11-20")
	if err := q.Enqueue(ctx, day); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-ran:
		if got != "2026-11-20" {
			t.Fatalf("ran for %s", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no job ran")
	}
}
