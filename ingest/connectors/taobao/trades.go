package taobao

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/ingest"
	"github.com/daiyun/daiyun/ingest/connectors"
	"github.com/daiyun/daiyun/warehouse"
)

// Connector reads one Taobao or Tmall shop per connection.
type Connector struct {
	Env connectors.Env
	// PageSize is trades per increment page (default 100, TOP's maximum).
	PageSize int
	// Lookback is how far back the first sync starts (default 30 days).
	Lookback time.Duration
	// Lag keeps the newest window this far behind now, so a window is
	// closed before it is read (default 2 minutes).
	Lag time.Duration
}

// New returns a Taobao/Tmall connector.
func New(env connectors.Env) *Connector {
	return &Connector{Env: env.WithDefaults(), PageSize: 100, Lookback: 30 * 24 * time.Hour, Lag: 2 * time.Minute}
}

// Kind is "taobao" (Tmall shops use it too).
func (c *Connector) Kind() string { return "taobao" }

// Window is the longest modification-time window one increment query may
// span (TOP: start_modified and end_modified on the same day or at most 24
// hours apart).
const Window = 24 * time.Hour

// cursor is where a Taobao sync has got to: the start of the current
// window, its end while a window is read page by page (so a resumed sync
// pages through exactly the same window), and the next page.
type cursor struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end,omitzero"`
	Page  int       `json:"page,omitempty"`
}

func (c cursor) encode() connectors.Cursor {
	b, _ := json.Marshal(c)
	return connectors.Cursor(b)
}

// Sync reads the trades modified since the cursor, window by window (each
// at most 24 hours), page by page within a window, fetching each trade's
// detail with taobao.trade.fullinfo.get.
func (c *Connector) Sync(ctx context.Context, conn connectors.Connection, from connectors.Cursor, emit connectors.Emit) error {
	now := c.Env.Now().UTC()
	horizon := now.Add(-c.Lag).Truncate(time.Second)
	cur := cursor{Start: now.Add(-c.Lookback).Truncate(time.Second), Page: 1}
	if from != "" {
		if err := json.Unmarshal([]byte(from), &cur); err != nil {
			return daiyun.Errorf(daiyun.EINVALID, "taobao cursor %q is not readable: %v", string(from), err)
		}
	}
	for cur.Start.Before(horizon) {
		if cur.Page < 1 {
			cur.Page = 1
		}
		if cur.End.IsZero() || cur.Page == 1 {
			cur.End = minTime(cur.Start.Add(Window), horizon)
		}
		tids, hasNext, err := c.increment(ctx, conn, cur)
		if err != nil {
			return err
		}
		page := connectors.Page{}
		for _, tid := range tids {
			o, err := c.trade(ctx, conn, tid)
			if err != nil {
				return err
			}
			page.Orders = append(page.Orders, o)
		}
		next := cursor{Start: cur.Start, End: cur.End, Page: cur.Page + 1}
		if !hasNext {
			next = cursor{Start: cur.End, Page: 1}
		}
		page.Cursor = next.encode()
		if err := emit(ctx, page); err != nil {
			return err
		}
		cur = next
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// increment lists the trade ids of one page of one window.
func (c *Connector) increment(ctx context.Context, conn connectors.Connection, cur cursor) ([]string, bool, error) {
	size := c.PageSize
	if size <= 0 || size > 100 {
		size = 100
	}
	var r struct {
		TotalResults int  `json:"total_results"`
		HasNext      bool `json:"has_next"`
		Trades       struct {
			Trade []struct {
				Tid    json.Number `json:"tid"`
				TidStr string      `json:"tid_str"`
			} `json:"trade"`
		} `json:"trades"`
	}
	err := c.call(ctx, conn, "taobao.trades.sold.increment.get", map[string]string{
		"fields":         "tid,tid_str,status,modified",
		"start_modified": cur.Start.In(shanghai).Format(topTime),
		"end_modified":   cur.End.In(shanghai).Format(topTime),
		"page_no":        strconv.Itoa(cur.Page),
		"page_size":      strconv.Itoa(size),
		"use_has_next":   "true",
	}, &r)
	if err != nil {
		return nil, false, err
	}
	ids := make([]string, 0, len(r.Trades.Trade))
	for _, t := range r.Trades.Trade {
		id := t.TidStr
		if id == "" {
			id = t.Tid.String()
		}
		ids = append(ids, id)
	}
	return ids, r.HasNext, nil
}

// tradeFields are the fields asked of a trade: no receiver name, phone,
// mobile or street address — Daiyun never stores them (B6).
const tradeFields = "tid,tid_str,status,created,pay_time,consign_time,end_time,modified,buyer_nick,buyer_open_uid," +
	"payment,total_fee,post_fee,discount_fee,receiver_state,receiver_city," +
	"orders.oid,orders.num_iid,orders.sku_id,orders.outer_iid,orders.outer_sku_id,orders.title,orders.price," +
	"orders.num,orders.total_fee,orders.payment,orders.refund_status,orders.status"

// topTrade is a trade as taobao.trade.fullinfo.get returns it.
type topTrade struct {
	Tid           json.Number `json:"tid"`
	TidStr        string      `json:"tid_str"`
	Status        string      `json:"status"`
	Created       string      `json:"created"`
	PayTime       string      `json:"pay_time"`
	ConsignTime   string      `json:"consign_time"`
	EndTime       string      `json:"end_time"`
	Modified      string      `json:"modified"`
	BuyerNick     string      `json:"buyer_nick"`
	BuyerOpenUID  string      `json:"buyer_open_uid"`
	Payment       string      `json:"payment"`
	TotalFee      string      `json:"total_fee"`
	PostFee       string      `json:"post_fee"`
	DiscountFee   string      `json:"discount_fee"`
	ReceiverState string      `json:"receiver_state"`
	ReceiverCity  string      `json:"receiver_city"`
	Orders        struct {
		Order []topOrder `json:"order"`
	} `json:"orders"`
}

type topOrder struct {
	Oid          json.Number `json:"oid"`
	NumIid       json.Number `json:"num_iid"`
	SkuID        string      `json:"sku_id"`
	OuterIid     string      `json:"outer_iid"`
	OuterSkuID   string      `json:"outer_sku_id"`
	Title        string      `json:"title"`
	Price        string      `json:"price"`
	Num          int64       `json:"num"`
	TotalFee     string      `json:"total_fee"`
	Payment      string      `json:"payment"`
	RefundStatus string      `json:"refund_status"`
}

// trade reads one trade's detail in canonical form.
func (c *Connector) trade(ctx context.Context, conn connectors.Connection, tid string) (connectors.Order, error) {
	var r struct {
		Trade *topTrade `json:"trade"`
	}
	if err := c.call(ctx, conn, "taobao.trade.fullinfo.get", map[string]string{"fields": tradeFields, "tid": tid}, &r); err != nil {
		return connectors.Order{}, err
	}
	if r.Trade == nil {
		return connectors.Order{}, fmt.Errorf("taobao: trade %s: empty answer", tid)
	}
	o, err := r.Trade.canonical(conn.Shop)
	if err != nil {
		return o, fmt.Errorf("taobao: trade %s: %w", tid, err)
	}
	return o, nil
}

// Status maps a TOP trade status to a canonical one; paid says the trade
// was paid (a TRADE_CLOSED after payment is a full refund). ok is false for
// a status Daiyun does not know.
func Status(s string, paid bool) (string, bool) {
	switch s {
	case "TRADE_NO_CREATE_PAY", "WAIT_BUYER_PAY", "PAY_PENDING", "WAIT_PRE_AUTH_CONFIRM":
		return warehouse.StatusPending, true
	case "WAIT_SELLER_SEND_GOODS", "PAID_FORBID_CONSIGN":
		return warehouse.StatusPaid, true
	case "SELLER_CONSIGNED_PART", "WAIT_BUYER_CONFIRM_GOODS":
		return warehouse.StatusShipped, true
	case "TRADE_BUYER_SIGNED", "TRADE_FINISHED":
		return warehouse.StatusCompleted, true
	case "TRADE_CLOSED":
		if paid {
			return warehouse.StatusRefunded, true
		}
		return warehouse.StatusClosed, true
	case "TRADE_CLOSED_BY_TAOBAO":
		return warehouse.StatusClosed, true
	}
	return "", false
}

// refundOpen are sub-order refund states of a refund in progress.
var refundOpen = map[string]bool{"WAIT_SELLER_AGREE": true, "WAIT_BUYER_RETURN_GOODS": true, "WAIT_SELLER_CONFIRM_GOODS": true, "SELLER_REFUSE_BUYER": true}

// canonical maps a trade. Lines: unit price = price, amount = the
// sub-order's total_fee (after its own discounts); goods = Σ amounts;
// shipping = post_fee; total = payment (what the buyer pays); discount =
// goods + shipping − total, so the order reconciles. A sub-order refunded
// (refund_status SUCCESS) counts its payment and quantity as refunded.
func (t *topTrade) canonical(shop daiyun.Shop) (connectors.Order, error) {
	o := connectors.Order{No: t.TidStr, Buyer: t.BuyerOpenUID, Province: t.ReceiverState, City: t.ReceiverCity}
	if o.No == "" {
		o.No = t.Tid.String()
	}
	if o.Buyer == "" {
		o.Buyer = t.BuyerNick
	}
	var err error
	for _, x := range []struct {
		dst *time.Time
		src string
	}{{&o.CreatedAt, t.Created}, {&o.PaidAt, t.PayTime}, {&o.ShippedAt, t.ConsignTime}, {&o.UpdatedAt, t.Modified}} {
		if *x.dst, err = parseTime(x.src); err != nil {
			return o, err
		}
	}
	end, err := parseTime(t.EndTime)
	if err != nil {
		return o, err
	}
	st, ok := Status(t.Status, !o.PaidAt.IsZero())
	if !ok {
		return o, fmt.Errorf("status %q is not a TOP trade status Daiyun knows", t.Status)
	}
	o.Status = st
	switch st {
	case warehouse.StatusCompleted:
		o.CompletedAt = end
	case warehouse.StatusClosed, warehouse.StatusRefunded:
		o.ClosedAt = end
	}
	m := func(s string) (int64, error) {
		if strings.TrimSpace(s) == "" {
			return 0, nil
		}
		n, _, err := ingest.ParseMoney(s, daiyun.MinorUnits(shop.Currency), ingest.LocaleDot)
		if err != nil {
			return 0, fmt.Errorf("amount %q: %w", s, err)
		}
		return n, nil
	}
	subs := t.Orders.Order
	sort.SliceStable(subs, func(i, j int) bool {
		a, b := subs[i].Oid.String(), subs[j].Oid.String()
		if len(a) != len(b) {
			return len(a) < len(b)
		}
		return a < b
	})
	refunding := false
	for _, s := range subs {
		l := connectors.Line{SKU: firstOf(s.OuterSkuID, s.SkuID, s.NumIid.String()), SPU: firstOf(s.OuterIid, s.NumIid.String()), Title: s.Title, Quantity: s.Num}
		if l.UnitPrice, err = m(s.Price); err != nil {
			return o, err
		}
		if l.Amount, err = m(s.TotalFee); err != nil {
			return o, err
		}
		if s.TotalFee == "" {
			l.Amount = l.UnitPrice * l.Quantity
		}
		switch {
		case s.RefundStatus == "SUCCESS":
			pay, err := m(s.Payment)
			if err != nil {
				return o, err
			}
			l.Refund, l.RefundQty = pay, l.Quantity
		case refundOpen[s.RefundStatus]:
			refunding = true
		}
		o.Goods += l.Amount
		o.Refund += l.Refund
		o.Lines = append(o.Lines, l)
	}
	if o.Shipping, err = m(t.PostFee); err != nil {
		return o, err
	}
	if o.Total, err = m(t.Payment); err != nil {
		return o, err
	}
	o.Discount = max(o.Goods+o.Shipping-o.Total, 0)
	if !o.PaidAt.IsZero() {
		o.Paid = o.Total
	}
	if st == warehouse.StatusRefunded && o.Refund == 0 {
		o.Refund = o.Paid
	}
	if refunding && (st == warehouse.StatusPaid || st == warehouse.StatusShipped) {
		o.Status = warehouse.StatusRefunding
		o.ClosedAt = o.UpdatedAt
	}
	return o, nil
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// parseTime reads a TOP time (GMT+8); empty is the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(topTime, s, shanghai)
	if err != nil {
		return t, fmt.Errorf("time %q is not yyyy-MM-dd HH:mm:ss", s)
	}
	return t.UTC(), nil
}
