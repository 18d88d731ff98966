// Package jobs runs alert evaluation as durable River jobs on the catalog
// database (riversqlite for the embedded SQLite catalog, riverpgxv5 for
// PostgreSQL): a periodic job evaluates the rules at yesterday and sends
// the notifications, and an import enqueues an evaluation of its last day.
// Jobs survive a restart (they are rows in the catalog) and are retried
// with River's backoff when they fail; evaluation is idempotent, so a job
// that runs twice changes nothing.
//
// The package knows River and the two drivers; what a job does is the
// Runner its caller passes (cmd/daiyun wires alerting.Service and the
// notifier). It does not touch HTTP.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// Runner evaluates the rules at a day and sends what that raises.
type Runner func(ctx context.Context, day daiyun.Date) error

// EvaluateArgs is the job: evaluate at AsOf (empty: yesterday, UTC).
type EvaluateArgs struct {
	AsOf string `json:"as_of,omitempty"`
}

// Kind names the job in River's table.
func (EvaluateArgs) Kind() string { return "alerting_evaluate" }

type worker struct {
	river.WorkerDefaults[EvaluateArgs]
	run Runner
}

func (w *worker) Work(ctx context.Context, job *river.Job[EvaluateArgs]) error {
	day := daiyun.Date{Time: time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)}
	if job.Args.AsOf != "" {
		d, err := daiyun.ParseDate(job.Args.AsOf)
		if err != nil {
			return river.JobCancel(err) // a bad day never gets better
		}
		day = d
	}
	return w.run(daiyun.WithActor(ctx, daiyun.SystemActor), day)
}

// Queue is a running River client.
type Queue struct {
	insert func(ctx context.Context, args EvaluateArgs) error
	stop   func(ctx context.Context) error
}

// StartSQLite starts the jobs on an SQLite catalog pool.
func StartSQLite(ctx context.Context, db *sql.DB, run Runner, every time.Duration, log *slog.Logger) (*Queue, error) {
	return start(ctx, riversqlite.New(db), run, every, log, nil)
}

// StartPostgres starts the jobs on a PostgreSQL catalog (its own pgx pool).
func StartPostgres(ctx context.Context, url string, run Runner, every time.Duration, log *slog.Logger) (*Queue, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("jobs: connect: %w", err)
	}
	q, err := start[pgx.Tx](ctx, riverpgxv5.New(pool), run, every, log, pool.Close)
	if err != nil {
		pool.Close()
	}
	return q, err
}

func start[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], run Runner, every time.Duration, log *slog.Logger, closer func()) (*Queue, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mig, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if _, err := mig.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("jobs: migrate the job tables: %w", err)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &worker{run: run})
	cfg := &river.Config{
		Logger:  log,
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 1}},
		Workers: workers,
	}
	if every > 0 {
		cfg.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(every),
			func() (river.JobArgs, *river.InsertOpts) { return EvaluateArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})}
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		return nil, fmt.Errorf("jobs: start: %w", err)
	}
	return &Queue{
		insert: func(ctx context.Context, args EvaluateArgs) error {
			_, err := client.Insert(ctx, args, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}})
			return err
		},
		stop: func(ctx context.Context) error {
			err := client.Stop(ctx)
			if closer != nil {
				closer()
			}
			return err
		},
	}, nil
}

// Enqueue asks for an evaluation at day (after an import of data up to
// that day). The same day asked twice within a minute is one job.
func (q *Queue) Enqueue(ctx context.Context, day daiyun.Date) error {
	return q.insert(ctx, EvaluateArgs{AsOf: day.String()})
}

// Stop waits for a running job and stops the client.
func (q *Queue) Stop(ctx context.Context) error { return q.stop(ctx) }
