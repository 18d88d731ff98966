package ingest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun/warehouse"
)

// factCol says where one table column's value comes from.
type factCol struct {
	c        warehouse.Column
	src      int    // source column, -1 when none
	constant string // a profile constant
	money    bool
	pseudo   bool // a person id: pseudonymised
	dayOf    int  // for a day column without source: the table column index of its timestamp, -1 none
}

// factConv converts the exports of the other fact tables, one row per row.
type factConv struct {
	imp      *importer
	t        warehouse.Table
	cols     []factCol
	buyer    int // source column of the buyer identity, -1 none
	currency int // source column of a currency code, -1 none
	keyIdx   []int
	rows     TableRows
	index    map[string]int
}

func newFactConv(imp *importer, bs []binding) (*factConv, error) {
	t, _ := warehouse.TableByName(imp.prof.Table)
	c := &factConv{imp: imp, t: t, buyer: -1, currency: -1, index: map[string]int{},
		rows: TableRows{Table: t.Name, Columns: t.ColumnNames()}}
	src := map[string]int{}
	for _, b := range bs {
		src[b.name] = b.col
	}
	if i, ok := src["buyer"]; ok {
		c.buyer = i
	}
	if i, ok := src["_currency"]; ok {
		c.currency = i
	}
	tsIdx := -1
	for i, col := range t.Columns {
		if col.Type == warehouse.Timestamp && tsIdx < 0 {
			tsIdx = i
		}
	}
	for _, col := range t.Columns {
		fc := factCol{c: col, src: -1, dayOf: -1, constant: imp.prof.Constants[col.Name],
			money:  strings.HasSuffix(col.Name, "_minor"),
			pseudo: col.Name == "customer_id" || col.Name == "person_id"}
		if i, ok := src[col.Name]; ok {
			fc.src = i
		}
		if col.Name == "day" && fc.src < 0 {
			fc.dayOf = tsIdx
		}
		c.cols = append(c.cols, fc)
	}
	for _, k := range t.Key {
		for i, col := range t.Columns {
			if col.Name == k {
				c.keyIdx = append(c.keyIdx, i)
			}
		}
	}
	return c, nil
}

func (c *factConv) add(ctx context.Context, rec []string, row int) error {
	imp := c.imp
	vals := make([]any, len(c.cols))
	get := func(i int) string {
		if i < 0 || i >= len(rec) {
			return ""
		}
		return rec[i]
	}
	if c.currency >= 0 {
		if v := get(c.currency); v != "" {
			if err := imp.checkCurrency(v); err != nil {
				imp.reject(row, rec, imp.columnName(c.currency), v, imp.columnName(c.currency)+" "+err.Error())
				return nil
			}
		}
	}
	for i, fc := range c.cols {
		name := fc.c.Name
		switch {
		case name == "tenant_id":
			vals[i] = imp.req.Shop.ClientID
			if v := get(fc.src); v != "" && v != strconv.FormatInt(imp.req.Shop.ClientID, 10) {
				imp.reject(row, rec, imp.columnName(fc.src), v, fmt.Sprintf("tenant_id is not this shop's client %d", imp.req.Shop.ClientID))
				return nil
			}
			continue
		case name == "shop_id":
			vals[i] = imp.req.Shop.ID
			if v := get(fc.src); v != "" && v != strconv.FormatInt(imp.req.Shop.ID, 10) {
				imp.reject(row, rec, imp.columnName(fc.src), v, fmt.Sprintf("shop_id is not this shop %d", imp.req.Shop.ID))
				return nil
			}
			continue
		}
		raw := fc.constant
		if fc.src >= 0 {
			raw = get(fc.src)
			if m := imp.prof.Values[name]; m != nil {
				if v, ok := m[raw]; ok {
					raw = v
				} else if v, ok := m[normWord(raw)]; ok {
					raw = v
				}
			}
		}
		if fc.pseudo && raw == "" && c.buyer >= 0 {
			raw = get(c.buyer)
		}
		v, err := c.value(fc, raw)
		if err != nil {
			col := imp.columnName(fc.src)
			if col == "" {
				col = name
			}
			imp.reject(row, rec, col, raw, col+" "+err.Error())
			return nil
		}
		vals[i] = v
	}
	// Days cut from the row's timestamp, or the as-of day.
	for i, fc := range c.cols {
		if vals[i] != nil || fc.c.Type != warehouse.DateT {
			continue
		}
		switch {
		case fc.dayOf >= 0 && vals[fc.dayOf] != nil:
			vals[i] = DayOf(vals[fc.dayOf].(time.Time), imp.loc)
		case c.t.Name == "inventory_snapshots":
			vals[i] = imp.asOfDay
		}
	}
	for i, fc := range c.cols {
		if vals[i] == nil && fc.c.NotNull {
			col := imp.columnName(fc.src)
			if col == "" {
				col = fc.c.Name
			}
			imp.reject(row, rec, col, "", col+" is empty")
			return nil
		}
	}
	if reason, col, val := c.check(vals); reason != "" {
		imp.reject(row, rec, col, val, reason)
		return nil
	}
	key := c.key(vals)
	if j, dup := c.index[key]; dup {
		// The same key twice in one batch: the later row wins.
		imp.rep.Duplicates++
		c.rows.Rows[j] = vals
		return nil
	}
	c.index[key] = len(c.rows.Rows)
	c.rows.Rows = append(c.rows.Rows, vals)
	if len(c.rows.Rows) >= imp.batchSize {
		return c.flush(ctx)
	}
	return nil
}

// value parses one column's raw text; nil for an empty nullable value.
func (c *factConv) value(fc factCol, raw string) (any, error) {
	imp := c.imp
	if raw == "" {
		if fc.c.NotNull && (fc.c.Type == warehouse.BigInt || fc.c.Type == warehouse.Int) && !isKey(c.t, fc.c.Name) {
			return int64(0), nil
		}
		if fc.c.NotNull && fc.c.Type == warehouse.Bool {
			return false, nil
		}
		return nil, nil
	}
	switch fc.c.Type {
	case warehouse.BigInt, warehouse.Int:
		var n int64
		var err error
		if fc.money {
			n, err = imp.parseMoney(raw)
		} else {
			n, err = ParseCount(raw, imp.req.Locale)
		}
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, fmt.Errorf("is negative")
		}
		if fc.c.Type == warehouse.Int && n > 1<<31-1 {
			return nil, errOverflow
		}
		return n, nil
	case warehouse.Timestamp:
		t, err := imp.parseTime(raw)
		if err != nil {
			return nil, err
		}
		if t.IsZero() {
			return nil, nil
		}
		if imp.future(t) {
			return nil, fmt.Errorf("is in the future")
		}
		return t, nil
	case warehouse.DateT:
		d, err := imp.parseDay(raw)
		if err != nil {
			return nil, err
		}
		if d.IsZero() {
			return nil, nil
		}
		if d.After(imp.limit) {
			return nil, fmt.Errorf("is in the future")
		}
		return d, nil
	case warehouse.Bool:
		switch strings.ToLower(trimSpace(raw)) {
		case "true", "1", "t", "yes", "y", "是":
			return true, nil
		case "false", "0", "f", "no", "n", "否":
			return false, nil
		}
		return nil, fmt.Errorf("is not yes or no")
	case warehouse.Double:
		return nil, fmt.Errorf("cannot be imported from a file")
	}
	if fc.pseudo && !isPseudonym(raw) {
		return imp.pseudonym(raw), nil
	}
	return raw, nil
}

// check applies the ranges of rated columns.
func (c *factConv) check(vals []any) (reason, col, val string) {
	for i, fc := range c.cols {
		n, ok := vals[i].(int64)
		if !ok {
			continue
		}
		lo, hi := int64(0), int64(-1)
		switch fc.c.Name {
		case "rating", "satisfaction":
			lo, hi = 1, 5
		case "score":
			lo, hi = 0, 10
		}
		if hi >= 0 && (n < lo || n > hi) {
			name := c.imp.columnName(fc.src)
			return fmt.Sprintf("%s %d is not between %d and %d", name, n, lo, hi), name, strconv.FormatInt(n, 10)
		}
	}
	return "", "", ""
}

func (c *factConv) key(vals []any) string {
	var b strings.Builder
	for _, i := range c.keyIdx {
		switch v := vals[i].(type) {
		case time.Time:
			b.WriteString(v.Format(time.RFC3339Nano))
		default:
			fmt.Fprint(&b, v)
		}
		b.WriteByte(0)
	}
	return b.String()
}

func (c *factConv) flush(ctx context.Context) error {
	batch := c.rows
	c.rows = TableRows{Table: batch.Table, Columns: batch.Columns}
	clear(c.index)
	return c.imp.write(ctx, []TableRows{batch})
}
