// Package schedule runs connector syncs as durable River jobs on the
// catalog database (riversqlite for the embedded SQLite catalog,
// riverpgxv5 for PostgreSQL), in their own queue "connectors". A ticker in
// each serving process enqueues a sync job for every enabled connection
// whose interval has passed; jobs are unique per connection and minute, so
// several processes sharing a database enqueue one job, and the worker
// checks again that the connection is due before it syncs. A failed sync is
// retried by River (3 attempts) and again at the connection's next
// interval; each attempt resumes from the saved cursor.
//
// It uses no River periodic job on purpose: River runs periodic jobs on the
// elected leader only, and the leader may be another package's River client
// on the same database (alerting/jobs).
package schedule

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/ingest/connectors"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// QueueName is the River queue connector jobs run in.
const QueueName = "connectors"

// SyncArgs is the job: sync one connection. Scheduled jobs are skipped when
// the connection turns out not to be due (it was synced meanwhile).
type SyncArgs struct {
	ConnectionID int64 `json:"connection_id"`
	Scheduled    bool  `json:"scheduled,omitempty"`
}

// Kind names the job in River's table.
func (SyncArgs) Kind() string { return "connector_sync" }

// InsertOpts puts the job in the connectors queue with 3 attempts.
func (SyncArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueName, MaxAttempts: 3}
}

type worker struct {
	river.WorkerDefaults[SyncArgs]
	r   *connectors.Runner
	now func() time.Time
}

func (w *worker) Work(ctx context.Context, job *river.Job[SyncArgs]) error {
	ctx = daiyun.WithActor(ctx, daiyun.SystemActor)
	c, err := w.r.Catalog.Connection(ctx, job.Args.ConnectionID)
	if daiyun.ErrorCode(err) == daiyun.ENOTFOUND {
		return river.JobCancel(err) // the connection was removed
	}
	if err != nil {
		return err
	}
	if job.Args.Scheduled && (!c.Enabled || !due(c, w.now())) {
		return nil
	}
	origin := "job"
	if job.Args.Scheduled {
		origin = "schedule"
	}
	_, err = w.r.Sync(ctx, c.ID, origin)
	if connectors.IsBusy(err) {
		return nil // a sync of this connection is running in this process
	}
	return err
}

func due(c catalog.Connection, now time.Time) bool {
	return c.LastRunAt == nil || now.Sub(*c.LastRunAt) >= c.Interval
}

// Options tune the schedule.
type Options struct {
	Tick   time.Duration // how often due connections are looked for (default 1 minute)
	Now    func() time.Time
	Logger *slog.Logger
}

// Queue is a running schedule.
type Queue struct {
	insert func(ctx context.Context, args SyncArgs, opts *river.InsertOpts) error
	stop   func(ctx context.Context) error
	cancel context.CancelFunc
	done   chan struct{}
}

// StartSQLite starts the schedule on an SQLite catalog pool (catalog.Store.DB()).
func StartSQLite(ctx context.Context, db *sql.DB, r *connectors.Runner, opt Options) (*Queue, error) {
	return start(ctx, riversqlite.New(db), r, opt, nil)
}

// StartPostgres starts the schedule on a PostgreSQL catalog (its own pgx pool).
func StartPostgres(ctx context.Context, url string, r *connectors.Runner, opt Options) (*Queue, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("connectors schedule: connect: %w", err)
	}
	q, err := start[pgx.Tx](ctx, riverpgxv5.New(pool), r, opt, pool.Close)
	if err != nil {
		pool.Close()
	}
	return q, err
}

func start[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], r *connectors.Runner, opt Options, closer func()) (*Queue, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Tick <= 0 {
		opt.Tick = time.Minute
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	mig, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: opt.Logger})
	if err != nil {
		return nil, fmt.Errorf("connectors schedule: %w", err)
	}
	if _, err := mig.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("connectors schedule: migrate the job tables: %w", err)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &worker{r: r, now: opt.Now})
	client, err := river.NewClient(driver, &river.Config{
		Logger:  opt.Logger,
		Queues:  map[string]river.QueueConfig{QueueName: {MaxWorkers: 1}},
		Workers: workers,
	})
	if err != nil {
		return nil, fmt.Errorf("connectors schedule: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		return nil, fmt.Errorf("connectors schedule: start: %w", err)
	}
	tctx, cancel := context.WithCancel(daiyun.WithActor(context.WithoutCancel(ctx), daiyun.SystemActor))
	q := &Queue{
		insert: func(ctx context.Context, args SyncArgs, opts *river.InsertOpts) error {
			_, err := client.Insert(ctx, args, opts)
			return err
		},
		stop: func(ctx context.Context) error {
			err := client.Stop(ctx)
			if closer != nil {
				closer()
			}
			return err
		},
		cancel: cancel,
		done:   make(chan struct{}),
	}
	go q.tick(tctx, r, opt)
	return q, nil
}

// tick enqueues the due connections now and at every tick.
func (q *Queue) tick(ctx context.Context, r *connectors.Runner, opt Options) {
	defer close(q.done)
	t := time.NewTicker(opt.Tick)
	defer t.Stop()
	for {
		if err := q.EnqueueDue(ctx, r.Catalog, opt.Now()); err != nil && !errors.Is(err, context.Canceled) {
			opt.Logger.Warn("connectors schedule", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// EnqueueDue enqueues a scheduled sync of every enabled connection due at
// now; the same connection is enqueued once per minute however many
// processes ask.
func (q *Queue) EnqueueDue(ctx context.Context, cat *catalog.Store, now time.Time) error {
	cs, err := cat.Connections(daiyun.WithActor(ctx, daiyun.SystemActor), catalog.ConnectionFilter{EnabledOnly: true})
	if err != nil {
		return err
	}
	for _, c := range cs {
		if !due(c, now) {
			continue
		}
		opts := SyncArgs{}.InsertOpts()
		opts.UniqueOpts = river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}
		if err := q.insert(ctx, SyncArgs{ConnectionID: c.ID, Scheduled: true}, &opts); err != nil {
			return fmt.Errorf("connectors schedule: enqueue connection %d: %w", c.ID, err)
		}
	}
	return nil
}

// Enqueue asks for a sync of a connection now (a "sync now" button).
func (q *Queue) Enqueue(ctx context.Context, connID int64) error {
	return q.insert(ctx, SyncArgs{ConnectionID: connID}, nil)
}

// Stop ends the ticker, waits for a running job and stops the client.
func (q *Queue) Stop(ctx context.Context) error {
	q.cancel()
	<-q.done
	return q.stop(ctx)
}
