package clv

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
)

// Columns names the columns ReadCSV reads.
type Columns struct {
	Customer, Date, Amount string
}

// DefaultColumns are the column names of the file layout
// customer_id,date,amount[,order_id].
var DefaultColumns = Columns{Customer: "customer_id", Date: "date", Amount: "amount"}

// ReadCSV reads transactions from CSV with a header; path names the input
// in errors. Rows may carry more columns (order_id among them); only the
// three named are read, since purchases of one day merge anyway. Every
// error names the line, column and value.
func ReadCSV(rd io.Reader, path string, cols Columns) ([]Transaction, error) {
	customerCol, dateCol, amountCol := cols.Customer, cols.Date, cols.Amount
	r := csv.NewReader(rd)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return nil, daiyun.Errorf(daiyun.EINVALID, "%s: cannot read the header: %v", path, err)
	}
	index := map[string]int{}
	for i, h := range header {
		index[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	find := func(name, flag string) (int, error) {
		if i, ok := index[name]; ok {
			return i, nil
		}
		return 0, daiyun.Errorf(daiyun.EINVALID, "%s: no column %q in the header (%s); rename it with %s", path, name, strings.Join(header, ", "), flag)
	}
	ci, err := find(customerCol, "--customer-id-col")
	if err != nil {
		return nil, err
	}
	di, err := find(dateCol, "--date-col")
	if err != nil {
		return nil, err
	}
	ai, err := find(amountCol, "--amount-col")
	if err != nil {
		return nil, err
	}
	var txs []Transaction
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, daiyun.Errorf(daiyun.EINVALID, "%s: line %d: %v", path, line, err)
		}
		field := func(i int, name string) (string, error) {
			if i >= len(rec) {
				return "", daiyun.Errorf(daiyun.EINVALID, "%s: line %d: column %s is missing", path, line, name)
			}
			return strings.TrimSpace(rec[i]), nil
		}
		id, err := field(ci, customerCol)
		if err != nil {
			return nil, err
		}
		if id == "" {
			return nil, daiyun.Errorf(daiyun.EINVALID, "%s: line %d, column %s: the value is empty", path, line, customerCol)
		}
		ds, err := field(di, dateCol)
		if err != nil {
			return nil, err
		}
		d, ok := parseDate(ds)
		if !ok {
			return nil, daiyun.Errorf(daiyun.EINVALID, "%s: line %d, column %s: %q is not a date (want YYYY-MM-DD, YYYYMMDD or RFC 3339)", path, line, dateCol, ds)
		}
		as, err := field(ai, amountCol)
		if err != nil {
			return nil, err
		}
		a, perr := strconv.ParseFloat(as, 64)
		if perr != nil || a != a || a > 1e300 || a < -1e300 {
			return nil, daiyun.Errorf(daiyun.EINVALID, "%s: line %d, column %s: %q is not a number", path, line, amountCol, as)
		}
		if a < 0 {
			return nil, daiyun.Errorf(daiyun.EINVALID, "%s: line %d, column %s: amount %q is negative; net refunds into their purchase first", path, line, amountCol, as)
		}
		txs = append(txs, Transaction{CustomerID: strings.Clone(id), Date: d, Amount: a})
	}
	if len(txs) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "%s: no rows after the header", path)
	}
	return txs, nil
}

// parseDate accepts a calendar date in the common export layouts; only
// the date part of a timestamp is kept.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.DateOnly, "20060102", "2006/01/02", time.RFC3339, time.DateTime, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			y, m, d := t.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), true
		}
	}
	return time.Time{}, false
}
