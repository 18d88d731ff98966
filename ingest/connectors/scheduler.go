package connectors

import (
	"context"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
)

// SchedulerOptions tune RunScheduler.
type SchedulerOptions struct {
	// Tick is how often due connections are looked for (default 1 minute).
	Tick time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// RunScheduler syncs every enabled connection whose interval has passed
// since its last run, one at a time, until ctx ends. It is the in-process
// schedule `daiyun serve` runs; it acts as the system (connections of every
// client) but each sync writes only its own client's facts. A failed sync
// is logged in the run log and tried again at its next interval.
func RunScheduler(ctx context.Context, r *Runner, opt SchedulerOptions) error {
	if opt.Tick <= 0 {
		opt.Tick = time.Minute
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	ctx = daiyun.WithActor(ctx, daiyun.SystemActor)
	t := time.NewTicker(opt.Tick)
	defer t.Stop()
	for {
		RunDue(ctx, r, opt.Now())
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RunDue syncs the enabled connections that are due at now and returns how
// many it ran.
func RunDue(ctx context.Context, r *Runner, now time.Time) int {
	conns, err := r.Catalog.Connections(ctx, catalog.ConnectionFilter{EnabledOnly: true})
	if err != nil {
		if r.Logger != nil {
			r.Logger.Error("connector schedule: list connections", "error", err)
		}
		return 0
	}
	n := 0
	for _, c := range conns {
		if ctx.Err() != nil {
			return n
		}
		if c.LastRunAt != nil && now.Sub(*c.LastRunAt) < c.Interval {
			continue
		}
		n++
		if _, err := r.Sync(ctx, c.ID, "schedule"); err != nil && r.Logger != nil {
			r.Logger.Warn("connector schedule: sync failed", "connection", c.ID, "error", err)
		}
	}
	return n
}
