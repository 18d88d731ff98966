package csvin

import (
	"io"
	"math"
	"time"
)

// EventColumns names the columns of a behaviour-event file.
type EventColumns struct {
	Person, Event, Timestamp string
}

// DefaultEventColumns are person_id,event,timestamp.
var DefaultEventColumns = EventColumns{Person: "person_id", Event: "event", Timestamp: "timestamp"}

// EventRow is one row of an event file.
type EventRow struct {
	Person, Name string
	Time         time.Time
}

// ReadEvents reads every row of an event file, in file order. Empty person
// or event values and unparseable timestamps are errors naming the line.
func ReadEvents(f *File, c EventColumns) ([]EventRow, error) {
	pc, err := f.Col(c.Person, "--person-id-col")
	if err != nil {
		return nil, err
	}
	ec, err := f.Col(c.Event, "--event-col")
	if err != nil {
		return nil, err
	}
	tc, err := f.Col(c.Timestamp, "--timestamp-col")
	if err != nil {
		return nil, err
	}
	var out []EventRow
	for {
		rec, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		var r EventRow
		if r.Person, err = f.String(rec, pc); err != nil {
			return nil, err
		}
		if r.Name, err = f.String(rec, ec); err != nil {
			return nil, err
		}
		if r.Time, err = f.Time(rec, tc); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, f.Errorf(-1, "", "the file has a header but no events")
	}
	return out, nil
}

// PurchaseColumns names the columns of a purchase file; Order may be
// empty, and is optional when it keeps its default name.
type PurchaseColumns struct {
	Customer, Date, Amount, Order string
}

// DefaultPurchaseColumns are customer_id,date,amount[,order_id].
var DefaultPurchaseColumns = PurchaseColumns{Customer: "customer_id", Date: "date", Amount: "amount", Order: "order_id"}

// PurchaseRow is one row of a purchase file.
type PurchaseRow struct {
	Customer string
	Time     time.Time
	Amount   float64
	Order    string
}

// ReadPurchases reads every row of a purchase file, in file order. A
// negative amount is an error: refunds must be netted into their order
// before the analysis.
func ReadPurchases(f *File, c PurchaseColumns) ([]PurchaseRow, error) {
	cc, err := f.Col(c.Customer, "--customer-id-col")
	if err != nil {
		return nil, err
	}
	dc, err := f.Col(c.Date, "--date-col")
	if err != nil {
		return nil, err
	}
	ac, err := f.Col(c.Amount, "--amount-col")
	if err != nil {
		return nil, err
	}
	oc := f.OptionalCol(c.Order)
	if oc < 0 && c.Order != "" && c.Order != DefaultPurchaseColumns.Order {
		if _, err := f.Col(c.Order, "--order-id-col"); err != nil {
			return nil, err
		}
	}
	var out []PurchaseRow
	for {
		rec, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		var r PurchaseRow
		if r.Customer, err = f.String(rec, cc); err != nil {
			return nil, err
		}
		if r.Time, err = f.Time(rec, dc); err != nil {
			return nil, err
		}
		if r.Amount, err = f.Float(rec, ac); err != nil {
			return nil, err
		}
		if r.Amount < 0 || math.IsInf(r.Amount, 0) {
			return nil, f.Errorf(ac, rec[ac], "a purchase amount must not be negative (net refunds into their order first)")
		}
		if oc >= 0 {
			if r.Order, err = f.Field(rec, oc); err != nil {
				return nil, err
			}
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, f.Errorf(-1, "", "the file has a header but no purchases")
	}
	return out, nil
}
