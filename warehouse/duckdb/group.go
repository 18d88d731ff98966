package duckdb

import (
	"context"
	"strings"
	"sync"

	"github.com/daiyun/daiyun/warehouse"
)

// Group commit.
//
// Writers of the same tables queue on the tables' write locks anyway (one
// writer per table, see DB.locks), and each commit costs a fixed price —
// the transaction, a synced write-ahead log, the key checks — that a small
// batch (an API push of 1,000 lines) pays in full. So calls that arrive
// while a write of the same tables is running wait in a queue, and the
// next writer takes the whole queue into one transaction. Each call keeps
// its own batches and counts; if the shared transaction fails, each call
// is written again alone, so one bad batch never fails another's and every
// call stays all or nothing.

// write is one UpsertMany call.
type write struct {
	ctx     context.Context
	batches []*warehouse.UpsertBatch
	out     []warehouse.UpsertResult
	err     error
	done    chan struct{} // closed when out or err is set
	lead    chan struct{} // receives when this call is to write the queue
}

// groups queues writes by the set of tables they write.
type groups struct {
	mu     sync.Mutex
	queues map[string]*queue
}

type queue struct {
	waiting []*write
	busy    bool // a writer is writing this queue's tables
}

// run writes w, alone or with the writes queued with it, and returns when
// w is done.
func (g *groups) run(db *DB, w *write) {
	key := tableSet(w.batches)
	g.mu.Lock()
	if g.queues == nil {
		g.queues = map[string]*queue{}
	}
	q := g.queues[key]
	if q == nil {
		q = &queue{}
		g.queues[key] = q
	}
	q.waiting = append(q.waiting, w)
	lead := !q.busy
	q.busy = true
	g.mu.Unlock()
	if !lead {
		select {
		case <-w.done:
			return
		case <-w.lead:
		}
	}
	// Lead: take the queue (w is in it), write it, then hand the lead to
	// the first write that queued meanwhile.
	g.mu.Lock()
	ws := q.waiting
	q.waiting = nil
	g.mu.Unlock()
	db.writeAll(ws)
	g.mu.Lock()
	if len(q.waiting) > 0 {
		q.waiting[0].lead <- struct{}{}
	} else {
		q.busy = false
	}
	g.mu.Unlock()
}

// writeAll commits the writes together, or each alone when that fails, and
// tells each its outcome.
func (db *DB) writeAll(ws []*write) {
	live := ws[:0:0]
	for _, w := range ws {
		if err := w.ctx.Err(); err != nil {
			w.err = err
			close(w.done)
			continue
		}
		live = append(live, w)
	}
	if len(live) == 0 {
		return
	}
	err := db.commit(live)
	if err != nil && len(live) > 1 {
		for _, w := range live {
			w.err = db.commit([]*write{w})
			close(w.done)
		}
		return
	}
	for _, w := range live {
		w.err = err
		close(w.done)
	}
}

// tableSet names the tables a write touches, in schema order.
func tableSet(bs []*warehouse.UpsertBatch) string {
	var names []string
	for _, t := range warehouse.Tables {
		for _, b := range bs {
			if b.Table.Name == t.Name {
				names = append(names, t.Name)
				break
			}
		}
	}
	return strings.Join(names, ",")
}
