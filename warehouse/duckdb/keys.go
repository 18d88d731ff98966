package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/daiyun/daiyun/warehouse"
)

// Key sets: how an upsert knows its keys are new without reading the table.
//
// DuckDB tables carry no key index here (see createTable), so before this an
// upsert asked the table whether any of its keys was stored: a scan of every
// stored key of the shop, once per table per batch. An import's later
// batches and a busy shop's API pushes paid more the more the shop held.
//
// Instead the process keeps, per table and partition (a client's shop, or
// the client for tables keyed by client only), a hash set of the 64-bit
// hashes of the keys stored there. It is loaded from the table on first use, then kept
// up to date by every write, which all go through this DB under the table's
// write lock. A batch none of whose hashes is in the set is new; any hit,
// true or a hash collision, sends the batch to the exact SQL check as
// before. The sets only ever err towards "maybe stored":
//
//   - a write that rolls back leaves its keys in the set (a later false hit);
//   - deleted rows leave theirs (DeleteTenant drops the sets anyway);
//   - the Appender writes without taking the lock while it appends, so it
//     commits under the lock and drops the table's sets then: no upsert's
//     transaction spans its commit, and the next one reloads.
//
// Memory is 11 to 21 bytes a key, within keySetBudget keys for the whole
// process; the least recently used partitions are dropped past it and
// reloaded on their next write.

// keySetBudget bounds the hashes kept, over every table and partition:
// 16 M keys, at most 256 MB.
const keySetBudget = 16 << 20

type partition struct {
	table        string
	tenant, shop int64
}

// keySet is the hashes of one partition's stored keys, in an open-
// addressing table (linear probing, at most 3/4 full; 0 marks an empty slot
// and a hash of 0 is stored as 1, which only adds a false hit). It is read
// and written only under its table's write lock.
type keySet struct {
	slots []uint64     // len is a power of two
	n     atomic.Int64 // hashes stored, for trim's totals
	used  uint64       // keySets.clock at last use, under keySets.mu
}

func newKeySet(capacity int) *keySet {
	size := 1024
	for size*3/4 < capacity {
		size *= 2
	}
	return &keySet{slots: make([]uint64, size)}
}

func (s *keySet) has(h uint64) bool {
	h = max(h, 1)
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return true
		case 0:
			return false
		}
	}
}

func (s *keySet) add(h uint64) {
	h = max(h, 1)
	if int(s.n.Load()+1) > len(s.slots)*3/4 {
		old := s.slots
		s.slots = make([]uint64, 2*len(old))
		s.n.Store(0)
		for _, v := range old {
			if v != 0 {
				s.insert(v)
			}
		}
	}
	s.insert(h)
}

func (s *keySet) insert(h uint64) {
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return
		case 0:
			s.slots[i] = h
			s.n.Add(1)
			return
		}
	}
}

// keySets is the process's key sets, over all tables.
type keySets struct {
	mu    sync.Mutex
	sets  map[partition]*keySet
	clock uint64
}

func newKeySets() *keySets { return &keySets{sets: map[partition]*keySet{}} }

// fresh reports whether no key of b is stored, as far as the sets can tell
// without reading the table: true only when every partition's set is loaded
// and none holds any of b's keys. The caller holds b's table write lock, in
// the transaction b is written in. An error loading a set is returned.
func (k *keySets) fresh(ctx context.Context, conn *sql.Conn, b *warehouse.UpsertBatch) (bool, error) {
	fresh := true
	err := eachKey(b, func(p partition) (*keySet, error) { return k.load(ctx, conn, b.Table, p) },
		func(set *keySet, h uint64) bool {
			fresh = set != nil && !set.has(h)
			return fresh
		})
	return fresh && err == nil, err
}

// added records b's keys as stored, once b is written in the caller's
// transaction (a rollback afterwards only leaves false hits).
func (k *keySets) added(b *warehouse.UpsertBatch) {
	kept := func(p partition) (*keySet, error) {
		k.mu.Lock()
		defer k.mu.Unlock()
		return k.sets[p], nil
	}
	eachKey(b, kept, func(set *keySet, h uint64) bool {
		if set != nil {
			set.add(h)
		}
		return true
	})
	k.trim()
}

// eachKey calls fn with the hash of every row of b that won its key and
// the set of the row's partition (found by setOf when the partition
// changes: a batch is mostly one shop), until fn returns false.
func eachKey(b *warehouse.UpsertBatch, setOf func(partition) (*keySet, error), fn func(set *keySet, h uint64) bool) error {
	var last partition
	var set *keySet
	started := false
	for i := range b.Rows {
		if !b.Winner(i) {
			continue
		}
		tenant, shop := b.Partition(i)
		if p := (partition{b.Table.Name, tenant, shop}); !started || p != last {
			var err error
			if set, err = setOf(p); err != nil {
				return err
			}
			last, started = p, true
		}
		if !fn(set, b.KeyHash(i)) {
			return nil
		}
	}
	return nil
}

// load returns the partition's set, reading it from the table when it is
// not kept; nil (and no error) when the partition alone exceeds the budget.
func (k *keySets) load(ctx context.Context, conn *sql.Conn, t warehouse.Table, p partition) (*keySet, error) {
	k.mu.Lock()
	k.clock++
	if s := k.sets[p]; s != nil {
		s.used = k.clock
		k.mu.Unlock()
		return s, nil
	}
	k.mu.Unlock()
	where := "tenant_id = $1"
	args := []any{p.tenant}
	if slices.Contains(t.Key, "shop_id") {
		where += " AND shop_id = $2"
		args = append(args, p.shop)
	}
	var n int
	if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s", t.Name, where), args...).Scan(&n); err != nil {
		return nil, fmt.Errorf("duckdb: key set of %s: %w", t.Name, err)
	}
	if n > keySetBudget/2 {
		return nil, nil
	}
	cols := make([]string, len(t.Key))
	for i, c := range t.Key {
		cols[i] = warehouse.Quote(c)
	}
	rows, err := conn.QueryContext(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE %s", strings.Join(cols, ", "), t.Name, where), args...)
	if err != nil {
		return nil, fmt.Errorf("duckdb: key set of %s: %w", t.Name, err)
	}
	defer rows.Close()
	s := newKeySet(n)
	key := make([]any, len(t.Key))
	ptrs := make([]any, len(t.Key))
	for i := range key {
		ptrs[i] = &key[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("duckdb: key set of %s: %w", t.Name, err)
		}
		s.add(warehouse.KeyHash(t, key))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("duckdb: key set of %s: %w", t.Name, err)
	}
	k.mu.Lock()
	k.clock++
	s.used = k.clock
	k.sets[p] = s
	k.mu.Unlock()
	k.trim()
	return s, nil
}

// trim drops the least recently used sets while the total is over budget.
func (k *keySets) trim() {
	k.mu.Lock()
	defer k.mu.Unlock()
	var total int64
	for _, s := range k.sets {
		total += s.n.Load()
	}
	for total > keySetBudget && len(k.sets) > 0 {
		var oldest partition
		var min uint64 = ^uint64(0)
		for p, s := range k.sets {
			if s.used < min {
				oldest, min = p, s.used
			}
		}
		total -= k.sets[oldest].n.Load()
		delete(k.sets, oldest)
	}
}

// drop forgets the sets of a table ("" for all) or of some tenants.
func (k *keySets) drop(table string, tenants []int64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for p := range k.sets {
		if (table == "" || p.table == table) && (tenants == nil || slices.Contains(tenants, p.tenant)) {
			delete(k.sets, p)
		}
	}
}
