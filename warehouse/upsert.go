package warehouse

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
)

// This file holds what both engines share to carry out Upsert: checking the
// request, normalising values, deduplicating the batch's keys, and the
// set-based SQL that classifies each staged row against the stored one and
// applies it.
//
// The engines only differ in how a batch reaches the staging table (DuckDB:
// its appender; PostgreSQL: COPY) and in how the classified rows are written
// (DuckDB: DELETE + INSERT; PostgreSQL: INSERT … ON CONFLICT).

// Upsert actions, as stored in the classification table's ActionColumn.
const (
	ActionUnchanged = 0
	ActionInsert    = 1
	ActionUpdate    = 2
)

// ActionColumn is the classification table's extra column.
const ActionColumn = "_action"

// UpsertBatch is a checked Upsert request. Its rows are not copied or
// normalised up front: Dedup reads only the key columns, and engines call
// Row while streaming rows into their staging table, so a big batch costs
// no second copy of itself.
type UpsertBatch struct {
	Table   Table
	Columns []Column // the given columns, in the caller's order
	Omitted []Column // the table's columns that were not given
	Rows    [][]any
	tenants []int64
	tenant  int    // index of tenant_id in Columns
	losers  []bool // rows that lose to a later duplicate of their key; nil: none
	hashes  []uint64
}

// keySeed seeds every key hash of this process, so that the hashes Dedup
// computes can be compared with KeyHash's over stored rows (an engine's
// in-memory key set). Hashes never leave the process.
var keySeed = maphash.MakeSeed()

// PrepareUpsert checks table and columns (known, no duplicates, every key
// and NOT NULL column present) and each row's width. Row values are checked
// by Row.
func PrepareUpsert(tenants daiyun.Tenants, table string, columns []string, rows [][]any) (*UpsertBatch, error) {
	t, ok := TableByName(table)
	if !ok {
		return nil, daiyun.Errorf(daiyun.EINVALID, "unknown warehouse table %q", table)
	}
	b := &UpsertBatch{Table: t, Rows: rows, tenants: tenants.IDs(), tenant: -1}
	if len(b.tenants) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "upsert into %s without tenants", table)
	}
	seen := map[string]bool{}
	for i, name := range columns {
		c, ok := t.Column(name)
		if !ok {
			return nil, daiyun.Errorf(daiyun.EINVALID, "%s has no column %q", table, name)
		}
		if seen[name] {
			return nil, daiyun.Errorf(daiyun.EINVALID, "column %q given twice", name)
		}
		seen[name] = true
		if name == "tenant_id" {
			b.tenant = i
		}
		b.Columns = append(b.Columns, c)
	}
	for _, c := range t.Columns {
		if seen[c.Name] {
			continue
		}
		if c.NotNull || slices.Contains(t.Key, c.Name) {
			return nil, daiyun.Errorf(daiyun.EINVALID, "%s: required column %q is missing", table, c.Name)
		}
		b.Omitted = append(b.Omitted, c)
	}
	for i, r := range rows {
		if len(r) != len(columns) {
			return nil, daiyun.Errorf(daiyun.EINVALID, "row %d has %d values for %d columns", i, len(r), len(columns))
		}
	}
	return b, nil
}

// Dedup finds, for every key that occurs more than once in the batch, the
// row that wins: the highest version, then the last one. Engines call it
// before staging, then pass every row through Row (which checks it) and
// stage only the rows for which Winner is true.
func (b *UpsertBatch) Dedup() {
	idx := make([]int, 0, len(b.Table.Key))
	for _, k := range b.Table.Key {
		idx = append(idx, slices.IndexFunc(b.Columns, func(c Column) bool { return c.Name == k }))
	}
	ver := -1
	if b.Table.Version != "" {
		ver = slices.IndexFunc(b.Columns, func(c Column) bool { return c.Name == b.Table.Version })
	}
	version := func(i int) int64 {
		if ver < 0 {
			return 0
		}
		n, _ := toInt64(b.Rows[i][ver])
		return n
	}
	// Keys are hashed rather than kept as strings: a 100k-row batch would
	// otherwise allocate 100k map keys. A hash hit is confirmed against the
	// earlier row's key; the rare true collision goes to overflow.
	seen := make(map[uint64]int32, len(b.Rows))
	b.hashes = make([]uint64, len(b.Rows))
	var overflow map[string]int32
	b.losers = nil
	var buf, prevBuf []byte
	// Values are checked by Row, which every row goes through before
	// anything is committed; here only dates need normalising, as the same
	// day may arrive in different locations.
	keyOf := func(i int, buf []byte) []byte {
		buf = buf[:0]
		for _, j := range idx {
			v := b.Rows[i][j]
			if b.Columns[j].Type == DateT {
				v, _ = NormalizeValue(b.Columns[j], v)
			}
			buf = appendKey(buf, v)
		}
		return buf
	}
	lose := func(prev, i int) int32 {
		if b.losers == nil {
			b.losers = make([]bool, len(b.Rows))
		}
		if version(i) >= version(prev) {
			b.losers[prev] = true
			return int32(i)
		}
		b.losers[i] = true
		return int32(prev)
	}
	for i := range b.Rows {
		buf = keyOf(i, buf)
		h := maphash.Bytes(keySeed, buf)
		b.hashes[i] = h
		prev, hit := seen[h]
		if !hit {
			seen[h] = int32(i)
			continue
		}
		prevBuf = keyOf(int(prev), prevBuf)
		if bytes.Equal(buf, prevBuf) {
			seen[h] = lose(int(prev), i)
			continue
		}
		if overflow == nil {
			overflow = map[string]int32{}
		}
		if p, ok := overflow[string(buf)]; ok {
			overflow[string(buf)] = lose(int(p), i)
		} else {
			overflow[string(buf)] = int32(i)
		}
	}
}

// Winner reports whether row i is the one kept for its key (after Dedup).
func (b *UpsertBatch) Winner(i int) bool { return b.losers == nil || !b.losers[i] }

// KeyHash is the hash of row i's whole key (after Dedup): equal to KeyHash
// of the same key read back from the table.
func (b *UpsertBatch) KeyHash(i int) uint64 { return b.hashes[i] }

// KeyHash hashes one stored key, its values given in the order of t.Key as
// an engine scans them, the same way Dedup hashes a batch's keys.
func KeyHash(t Table, key []any) uint64 {
	var buf []byte
	for i, name := range t.Key {
		v := key[i]
		if c, _ := t.Column(name); c.Type == DateT {
			v, _ = NormalizeValue(c, v)
		}
		buf = appendKey(buf, v)
	}
	return maphash.Bytes(keySeed, buf)
}

// Partition returns the tenant and, when the table's key has one, the shop
// of row i (0 otherwise): the unit an engine keeps its key sets by.
func (b *UpsertBatch) Partition(i int) (tenant, shop int64) {
	tenant, _ = toInt64(b.Rows[i][b.tenant])
	if j := b.shopColumn(); j >= 0 {
		shop, _ = toInt64(b.Rows[i][j])
	}
	return tenant, shop
}

// shopColumn is the index of shop_id in Columns when it is part of the
// table's key, else -1.
func (b *UpsertBatch) shopColumn() int {
	if !slices.Contains(b.Table.Key, "shop_id") {
		return -1
	}
	return slices.IndexFunc(b.Columns, func(c Column) bool { return c.Name == "shop_id" })
}

// appendKey appends a normalised key value to buf, unambiguously.
func appendKey(buf []byte, v any) []byte {
	if n, ok := toInt64(v); ok {
		return binary.LittleEndian.AppendUint64(buf, uint64(n))
	}
	switch x := v.(type) {
	case string:
		buf = binary.AppendUvarint(buf, uint64(len(x)))
		return append(buf, x...)
	case []byte:
		buf = binary.AppendUvarint(buf, uint64(len(x)))
		return append(buf, x...)
	case time.Time:
		return binary.LittleEndian.AppendUint64(buf, uint64(x.UnixMicro()))
	case bool:
		if x {
			return append(buf, 1)
		}
		return append(buf, 0)
	}
	return fmt.Appendf(buf, "%v\x00", v)
}

// Row writes row i's normalised values into dst (len(Columns)); it fails
// with EINVALID naming the row, column and value when a value has the wrong
// type, a NOT NULL column is null or the tenant is not one of the batch's.
func (b *UpsertBatch) Row(i int, dst []any) error {
	r := b.Rows[i]
	for j, c := range b.Columns {
		v, err := NormalizeValue(c, r[j])
		if err != nil {
			return daiyun.Errorf(daiyun.EINVALID, "row %d: %v", i, err)
		}
		dst[j] = v
	}
	id, _ := toInt64(dst[b.tenant])
	if !slices.Contains(b.tenants, id) {
		return daiyun.Errorf(daiyun.EINVALID, "row %d: tenant_id %d is not a client of this batch", i, id)
	}
	return nil
}

// NormalizeValue checks v against the column and returns it in a form both
// engines store the same way: any Go integer type (range-checked), string
// ([]byte becomes string), timestamps in UTC, dates as midnight UTC of the
// date v shows in its own location, bool, float64, nil for NULL. A value
// already in that form is returned as it is, so a big batch is not boxed
// again value by value. An error names the column and value.
func NormalizeValue(c Column, v any) (any, error) {
	if v == nil {
		if c.NotNull {
			return nil, fmt.Errorf("column %s must not be empty", c.Name)
		}
		return nil, nil
	}
	bad := func() (any, error) {
		return nil, fmt.Errorf("column %s: value %s is not a %s", c.Name, shortValue(v), strings.ToLower(string(c.Type)))
	}
	switch c.Type {
	case BigInt, Int:
		n, ok := toInt64(v)
		if !ok || c.Type == Int && (n < math.MinInt32 || n > math.MaxInt32) {
			return bad()
		}
		return v, nil
	case Text:
		switch s := v.(type) {
		case string:
			return v, nil
		case []byte:
			return string(s), nil
		}
	case Timestamp:
		if t, ok := v.(time.Time); ok {
			if t.Location() == time.UTC {
				return v, nil
			}
			return t.UTC(), nil
		}
	case DateT:
		if t, ok := v.(time.Time); ok {
			y, m, d := t.Date()
			day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
			if t.Equal(day) && t.Location() == time.UTC {
				return v, nil
			}
			return day, nil
		}
	case Bool:
		if _, ok := v.(bool); ok {
			return v, nil
		}
	case Double:
		switch x := v.(type) {
		case float64:
			return v, nil
		case float32:
			return float64(x), nil
		}
		if n, ok := toInt64(v); ok {
			return float64(n), nil
		}
	}
	return bad()
}

func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int16:
		return int64(n), true
	case int8:
		return int64(n), true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		if n > math.MaxInt64 {
			return 0, false
		}
		return int64(n), true
	case uint:
		if uint64(n) > math.MaxInt64 {
			return 0, false
		}
		return int64(n), true
	}
	return 0, false
}

func shortValue(v any) string {
	s := fmt.Sprintf("%v", v)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

// Quote quotes an identifier for both dialects.
func Quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// StageColumnsSQL spells the staging table's columns: the given columns
// without constraints.
func (b *UpsertBatch) StageColumnsSQL(d Dialect) string {
	var s []string
	for _, c := range b.Columns {
		typ := string(c.Type)
		if c.Type == Double {
			typ = d.DoubleName()
		}
		s = append(s, Quote(c.Name)+" "+typ)
	}
	return strings.Join(s, ", ")
}

// StageColumnNames returns the staging table's column names.
func (b *UpsertBatch) StageColumnNames() []string {
	names := make([]string, 0, len(b.Columns)+1)
	for _, c := range b.Columns {
		names = append(names, c.Name)
	}
	return names
}

// ClassifySQL returns a SELECT over the staging table (one row per key, see
// Dedup) that joins the stored row and adds ActionColumn: ActionInsert when the key is new, ActionUpdate
// when the row must replace the stored one, ActionUnchanged otherwise. The
// omitted columns carry the stored row's values so a replacement keeps them.
func (b *UpsertBatch) ClassifySQL(stage string) string {
	t := b.Table
	on := make([]string, len(t.Key))
	for i, k := range t.Key {
		on[i] = "t." + Quote(k) + " = s." + Quote(k)
	}
	var sel, same []string
	for _, c := range b.Columns {
		sel = append(sel, "s."+Quote(c.Name))
		if !slices.Contains(t.Key, c.Name) {
			same = append(same, "s."+Quote(c.Name)+" IS NOT DISTINCT FROM t."+Quote(c.Name))
		}
	}
	for _, c := range b.Omitted {
		sel = append(sel, "t."+Quote(c.Name))
	}
	var action strings.Builder
	fmt.Fprintf(&action, "CASE WHEN t.%s IS NULL THEN %d", Quote(t.Key[0]), ActionInsert)
	if v := t.Version; v != "" {
		fmt.Fprintf(&action, " WHEN s.%[1]s > t.%[1]s THEN %[2]d WHEN s.%[1]s < t.%[1]s THEN %[3]d", Quote(v), ActionUpdate, ActionUnchanged)
	}
	if len(same) > 0 {
		fmt.Fprintf(&action, " WHEN %s THEN %d ELSE %d END", strings.Join(same, " AND "), ActionUnchanged, ActionUpdate)
	} else {
		fmt.Fprintf(&action, " ELSE %d END", ActionUnchanged)
	}
	sel = append(sel, action.String()+" AS "+ActionColumn)

	return fmt.Sprintf("SELECT %s\nFROM %s s\nLEFT JOIN %s t ON %s AND t.%s",
		strings.Join(sel, ", "), stage, Quote(t.Name), strings.Join(on, " AND "), b.tenantFilter())
}

func (b *UpsertBatch) tenantFilter() string {
	list := make([]string, len(b.tenants))
	for i, id := range b.tenants {
		list[i] = strconv.FormatInt(id, 10)
	}
	return "tenant_id IN (" + strings.Join(list, ",") + ")"
}

// MatchCountSQL counts the staged rows whose key is stored already. When it
// is zero (fresh data, the common case of an import) an engine can insert
// the staging table as it is and skip classification.
func (b *UpsertBatch) MatchCountSQL(stage string) string {
	on := make([]string, len(b.Table.Key))
	for i, k := range b.Table.Key {
		on[i] = "t." + Quote(k) + " = s." + Quote(k)
	}
	return fmt.Sprintf("SELECT count(*) FROM %s s JOIN %s t ON %s AND t.%s",
		stage, Quote(b.Table.Name), strings.Join(on, " AND "), b.tenantFilter())
}

// InsertStageSQL inserts the whole staging table (no key of it is stored).
func (b *UpsertBatch) InsertStageSQL(stage string) string {
	names := make([]string, len(b.Columns))
	for i, c := range b.Columns {
		names[i] = Quote(c.Name)
	}
	list := strings.Join(names, ", ")
	return fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s", Quote(b.Table.Name), list, list, stage)
}

// Staged returns how many rows Dedup keeps.
func (b *UpsertBatch) Staged() int {
	if b.losers == nil {
		return len(b.Rows)
	}
	n := 0
	for _, l := range b.losers {
		if !l {
			n++
		}
	}
	return n
}

// CountSQL counts the classified rows per action.
func CountSQL(cls string) string {
	return fmt.Sprintf("SELECT %[1]s, count(*) FROM %[2]s GROUP BY %[1]s", ActionColumn, cls)
}

// Count adds n rows of an action to r.
func (r *UpsertResult) Count(action, n int) {
	switch action {
	case ActionInsert:
		r.Inserted += n
	case ActionUpdate:
		r.Updated += n
	default:
		r.Unchanged += n
	}
}

// DeleteReplacedSQL deletes the stored rows the classification replaces.
func (b *UpsertBatch) DeleteReplacedSQL(cls string) string {
	on := make([]string, len(b.Table.Key))
	for i, k := range b.Table.Key {
		on[i] = Quote(b.Table.Name) + "." + Quote(k) + " = c." + Quote(k)
	}
	return fmt.Sprintf("DELETE FROM %s USING %s c WHERE c.%s = %d AND %s",
		Quote(b.Table.Name), cls, ActionColumn, ActionUpdate, strings.Join(on, " AND "))
}

// InsertAllSQL inserts every new and replacing row with all of the table's
// columns (the omitted ones carried from the stored row).
func (b *UpsertBatch) InsertAllSQL(cls string) string {
	var names []string
	for _, c := range b.Columns {
		names = append(names, Quote(c.Name))
	}
	for _, c := range b.Omitted {
		names = append(names, Quote(c.Name))
	}
	list := strings.Join(names, ", ")
	return fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s WHERE %s <> %d",
		Quote(b.Table.Name), list, list, cls, ActionColumn, ActionUnchanged)
}

// InsertOnConflictSQL inserts rows of from (given columns only) and, on a
// key that exists, sets the given columns. from is either the
// classification table (only its new and replacing rows are taken) or the
// staging table (all rows). With a version column a concurrent writer's
// newer row is never overwritten, and rows go in key order so that two
// batches writing the same keys lock them in the same order.
func (b *UpsertBatch) InsertOnConflictSQL(from string, classified bool) string {
	t := b.Table
	var names, set []string
	for _, c := range b.Columns {
		names = append(names, Quote(c.Name))
		if !slices.Contains(t.Key, c.Name) {
			set = append(set, Quote(c.Name)+" = EXCLUDED."+Quote(c.Name))
		}
	}
	keys := make([]string, len(t.Key))
	for i, k := range t.Key {
		keys[i] = Quote(k)
	}
	list := strings.Join(names, ", ")
	where := ""
	if classified {
		where = fmt.Sprintf(" WHERE %s <> %d", ActionColumn, ActionUnchanged)
	}
	q := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s%s ORDER BY %s ON CONFLICT (%s) ",
		Quote(t.Name), list, list, from, where, strings.Join(keys, ", "), strings.Join(keys, ", "))
	if len(set) == 0 {
		return q + "DO NOTHING"
	}
	q += "DO UPDATE SET " + strings.Join(set, ", ")
	if t.Version != "" {
		q += fmt.Sprintf(" WHERE %s.%s <= EXCLUDED.%s", Quote(t.Name), Quote(t.Version), Quote(t.Version))
	}
	return q
}

// FreshCheckSQL returns a query and its arguments that count (up to one)
// the stored rows that may share a key with the batch. When it finds none,
// every staged row is new and an engine may append the batch straight into
// the table, with no staging table and no classification. The check may
// say "maybe" where a precise one would say "no" — key columns after the
// first one that varies within the batch are not compared — but never
// "no" for a stored key. Key columns that hold one value across the batch
// are compared as literals, so an engine prunes by them; the varying
// column's values travel as one text parameter joined by the unit
// separator (one cheap statement, whatever the batch size). ok is false
// when the values cannot travel that way (a text key holding the
// separator); the caller then classifies.
func (b *UpsertBatch) FreshCheckSQL(d Dialect) (query string, args []any, ok bool) {
	var where []string
	where = append(where, "t."+b.tenantFilter())
	for _, k := range b.Table.Key {
		j := slices.IndexFunc(b.Columns, func(c Column) bool { return c.Name == k })
		col := b.Columns[j]
		if lit, constant := b.constant(j); constant {
			where = append(where, "t."+Quote(k)+" = "+lit)
			continue
		}
		var list strings.Builder
		for i := range b.Rows {
			if !b.Winner(i) {
				continue
			}
			v, err := NormalizeValue(col, b.Rows[i][j])
			if err != nil {
				return "", nil, false
			}
			s, ok := keyText(col.Type, v)
			if !ok || strings.Contains(s, "\x1f") {
				return "", nil, false
			}
			if list.Len() > 0 {
				list.WriteByte(0x1f)
			}
			list.WriteString(s)
		}
		split := "unnest(string_split($1, chr(31)))"
		if d == Postgres {
			split = "unnest(string_to_array($1, chr(31)))"
		}
		typ := string(col.Type)
		if col.Type == Double {
			typ = d.DoubleName()
		}
		where = append(where, fmt.Sprintf("t.%s IN (SELECT CAST(%s AS %s))", Quote(k), split, typ))
		args = append(args, list.String())
		break
	}
	return fmt.Sprintf("SELECT count(*) FROM (SELECT 1 FROM %s t WHERE %s LIMIT 1) x", Quote(b.Table.Name), strings.Join(where, " AND ")), args, true
}

// constant reports whether column j holds one integer value in every row,
// and that value as an SQL literal ("" when it is not an integer column).
func (b *UpsertBatch) constant(j int) (string, bool) {
	if t := b.Columns[j].Type; t != BigInt && t != Int {
		return "", false
	}
	var first int64
	for i, r := range b.Rows {
		n, ok := toInt64(r[j])
		if !ok {
			return "", false
		}
		if i == 0 {
			first = n
		} else if n != first {
			return "", false
		}
	}
	return strconv.FormatInt(first, 10), len(b.Rows) > 0
}

// keyText writes a normalised key value as text an engine casts back to
// the column's type.
func keyText(t Type, v any) (string, bool) {
	if n, ok := toInt64(v); ok {
		return strconv.FormatInt(n, 10), true
	}
	switch x := v.(type) {
	case string:
		return x, true
	case time.Time:
		if t == DateT {
			return x.Format("2006-01-02"), true
		}
		return x.UTC().Format("2006-01-02 15:04:05.999999"), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}
