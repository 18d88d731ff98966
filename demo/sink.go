package demo

import (
	"context"
	"fmt"
	"sync"

	"github.com/daiyun/daiyun/warehouse"
)

// Table indexes into the sink, in warehouse.Tables order.
const (
	tOrders = iota
	tStatusHistory
	tOrderLines
	tCustomers
	tSKUs
	tInventory
	tTraffic
	tEvents
	tAdSpend
	tKOL
	tCS
	tReviews
	tNPS
	tCompetitor
	tLabour
	nTables
)

var tableNames = [nTables]string{
	"orders", "order_status_history", "order_lines", "customers", "skus",
	"inventory_snapshots", "traffic_daily", "events", "ad_spend", "kol_deals",
	"cs_sessions", "reviews", "nps_answers", "competitor_prices", "labour_logs",
}

// commitEvery is how many rows the sink appends before it commits and
// reopens its appenders, so an engine's uncommitted state stays bounded on
// large demos (the default demo is one commit).
const commitEvery = 4_000_000

// batchRows is how many rows the generator hands a table's writer at once.
const batchRows = 1024

// sink holds one appender per fact table, each fed by its own goroutine so
// the engine appends while the generator works; rows reach each table in
// the order they were generated. It counts what it appends.
type sink struct {
	ctx     context.Context
	wh      warehouse.Warehouse
	w       [nTables]*tableWriter
	count   [nTables]int64
	width   [nTables]int
	pending int64 // rows appended since the last commit

	mu  sync.Mutex
	err error // the first append failure
}

// tableWriter appends one table's batches on its own goroutine.
type tableWriter struct {
	app   warehouse.Appender
	batch [][]any
	ch    chan [][]any
	done  chan struct{}
}

func openSink(ctx context.Context, wh warehouse.Warehouse) (*sink, error) {
	s := &sink{ctx: ctx, wh: wh}
	for i, name := range tableNames {
		t, ok := warehouse.TableByName(name)
		if !ok {
			return nil, fmt.Errorf("demo: warehouse schema has no table %s", name)
		}
		s.width[i] = len(t.Columns)
	}
	if err := s.open(); err != nil {
		s.abort()
		return nil, err
	}
	return s, nil
}

func (s *sink) open() error {
	for i, name := range tableNames {
		a, err := s.wh.Appender(s.ctx, name)
		if err != nil {
			return fmt.Errorf("demo: appender for %s: %w", name, err)
		}
		w := &tableWriter{app: a, ch: make(chan [][]any, 4), done: make(chan struct{})}
		s.w[i] = w
		go s.run(i, w)
	}
	return nil
}

// run appends the batches of table t until its channel closes. After a
// failure it drains the channel so the generator never blocks.
func (s *sink) run(t int, w *tableWriter) {
	defer close(w.done)
	failed := false
	for b := range w.ch {
		for _, row := range b {
			if failed {
				break
			}
			if err := w.app.AppendRow(row...); err != nil {
				s.fail(fmt.Errorf("demo: append to %s: %w", tableNames[t], err))
				failed = true
			}
		}
	}
}

func (s *sink) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
}

func (s *sink) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// add appends one row; the values are in the table's column order and
// must not be changed afterwards.
func (s *sink) add(t int, values ...any) error {
	if len(values) != s.width[t] {
		return fmt.Errorf("demo: %s row has %d values, the table has %d columns", tableNames[t], len(values), s.width[t])
	}
	w := s.w[t]
	w.batch = append(w.batch, values)
	s.count[t]++
	s.pending++
	if len(w.batch) == batchRows {
		if err := s.failed(); err != nil {
			return err
		}
		w.ch <- w.batch
		w.batch = make([][]any, 0, batchRows)
	}
	return nil
}

// checkpoint commits and reopens the appenders once enough rows are
// pending; the generator calls it between days.
func (s *sink) checkpoint() error {
	if s.pending < commitEvery {
		return s.failed()
	}
	if err := s.close(); err != nil {
		return err
	}
	s.pending = 0
	return s.open()
}

// close hands over the last batches, waits for the writers and closes the
// appenders (which commits them).
func (s *sink) close() error {
	for _, w := range s.w {
		if w == nil {
			continue
		}
		if len(w.batch) > 0 {
			w.ch <- w.batch
			w.batch = nil
		}
		close(w.ch)
	}
	var first error
	for i, w := range s.w {
		if w == nil {
			continue
		}
		<-w.done
		if err := w.app.Close(); err != nil && first == nil {
			first = fmt.Errorf("demo: close %s: %w", tableNames[i], err)
		}
		s.w[i] = nil
	}
	if err := s.failed(); err != nil {
		return err
	}
	return first
}

// abort releases the appenders after a failure. The Appender contract has no
// rollback, so what was flushed stays; the caller discards the data.
func (s *sink) abort() { _ = s.close() }

func (s *sink) rows() map[string]int64 {
	m := make(map[string]int64, nTables)
	for i, n := range s.count {
		m[tableNames[i]] = n
	}
	return m
}
