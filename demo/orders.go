package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

// orderInfo is what the day's behaviour events need of an order.
type orderInfo struct {
	no, customer, device, campaign string
	src                            int
	created, paid                  time.Time // paid is zero when not paid before the cut-off
	skus                           []*sku
	ring                           bool
}

// line is one order line being built.
type line struct {
	k              *sku
	qty            int64
	amount, refund int64
	refundQty      int64
	unitPrice      int64
}

// step is one status an order passed through.
type step struct {
	status string
	at     time.Time
}

// Hour-of-day weights of order placement.
var (
	cnHours = []float64{3.0, 1.8, 0.9, 0.5, 0.3, 0.3, 0.5, 1.2, 2.2, 3.2, 4.0, 4.3, 4.0, 4.2, 4.4, 4.3, 4.2, 4.0, 4.0, 4.8, 5.6, 6.2, 6.0, 4.6}
	usHours = []float64{1.2, 0.8, 0.5, 0.4, 0.4, 0.6, 1.2, 2.0, 2.8, 3.4, 3.8, 4.0, 4.2, 4.1, 4.0, 4.0, 4.1, 4.3, 4.6, 5.0, 5.2, 4.8, 3.6, 2.2}
	// On peak days Chinese buyers pay at midnight, when the sale opens.
	cnPeakHours = func() []float64 { h := append([]float64(nil), cnHours...); h[0] = 30; h[1] = 8; return h }()
)

// timeInDay draws a moment of the civil day [start, next) with the hourly
// weights; days of 23 or 25 hours (DST) are stretched to fit.
func timeInDay(r *rand.Rand, start, next time.Time, hours []float64) time.Time {
	var sum float64
	for _, w := range hours {
		sum += w
	}
	u := r.Float64() * sum
	h := 0
	for ; h < 23; h++ {
		if u < hours[h] {
			break
		}
		u -= hours[h]
	}
	frac := (float64(h) + r.Float64()) / 24
	return start.Add(time.Duration(frac * float64(next.Sub(start)))).Truncate(time.Second).UTC()
}

// orderLineCount draws the number of lines: mean linesPerOrder.
func orderLineCount(r *rand.Rand) int {
	switch u := r.Float64(); {
	case u < 0.70:
		return 1
	case u < 0.90:
		return 2
	case u < 0.97:
		return 3
	}
	return 4
}

// orderNo writes the platform's order number format; seq makes it unique in
// the shop.
func (s *shopGen) orderNo(day time.Time) string {
	s.seq++
	ymd := day.Format("060102")
	switch s.tpl.platform {
	case daiyun.PlatformJD:
		return strconv.FormatInt(280_000_000_000+s.seq*7+int64(s.idx%7), 10)
	case daiyun.PlatformDouyin:
		return fmt.Sprintf("69%s%011d", ymd, s.seq)
	case daiyun.PlatformPDD:
		return fmt.Sprintf("%s-%015d", ymd, s.seq)
	case daiyun.PlatformShopify:
		return "#" + strconv.FormatInt(1000+s.seq, 10)
	}
	return fmt.Sprintf("4%s%012d", ymd, s.seq)
}

// pickSKU draws a SKU on sale by its popularity today.
func (s *shopGen) pickSKU(r *rand.Rand) *sku {
	u := r.Float64() * s.cum[len(s.cum)-1]
	for i, c := range s.cum {
		if u < c {
			return s.live[i]
		}
	}
	return s.live[len(s.live)-1]
}

// pickSource draws an order's traffic source by its share of orders.
func (s *shopGen) pickSource(r *rand.Rand) int {
	u := r.Float64() * s.srcCum[len(s.srcCum)-1]
	for i, c := range s.srcCum {
		if u < c {
			return i
		}
	}
	return len(s.srcCum) - 1
}

// campaignFor names the campaign an order from source src is attributed to.
func (s *shopGen) campaignFor(r *rand.Rand, src int) string {
	name := s.sources[src].name
	var cands []string
	for _, cp := range s.campaigns {
		if cp.source == name {
			cands = append(cands, cp.name)
		}
	}
	if len(cands) == 0 {
		if name == "live" {
			return "直播间日常场"
		}
		return ""
	}
	return pick(r, cands)
}

// order generates one ordinary order with its lines, status history,
// customer, service session, review and NPS answer.
//
// budget is what is left of the day's expected GMV: an order that would
// overshoot it by more than an average order keeps only its first unit, so
// one large basket does not empty the following days (small shops would
// otherwise swing week on week on a single order).
func (s *shopGen) order(sk *sink, day, start, next time.Time, demand, budget float64) (int64, error) {
	r := s.rng
	hours := cnHours
	switch {
	case s.us:
		hours = usHours
	case demand >= 2:
		hours = cnPeakHours
	}
	created := timeInDay(r, start, next, hours)
	src := s.pickSource(r)
	pool := s.cl.pool
	k, isNew := pool.choose(r)
	cid := pool.id(k)
	prov, city := pool.place(k)
	variant := 0
	if r.IntN(8) == 0 {
		variant = 1
	}
	device, addr := pool.device(k, variant), pool.address(k)
	campaign := s.campaignFor(r, src)

	// Lines: distinct SKUs, promotion discounts on promotion days.
	n := min(orderLineCount(r), len(s.live))
	lines := make([]line, 0, n)
	for len(lines) < n {
		k := s.pickSKU(r)
		dup := false
		for _, l := range lines {
			dup = dup || l.k == k
		}
		if dup {
			if r.IntN(4) == 0 {
				n--
			}
			continue
		}
		qty := int64(1)
		if u := r.Float64(); u > 0.95 {
			qty = 3
		} else if u > 0.82 {
			qty = 2
		}
		off := 0.0
		if demand >= 1.2 {
			off = 0.05 + 0.15*r.Float64()
		} else if r.Float64() < 0.15 {
			off = 0.03 + 0.07*r.Float64()
		}
		amount := int64(math.Round(float64(qty*k.price) * (1 - off)))
		lines = append(lines, line{k: k, qty: qty, unitPrice: k.price, amount: amount})
	}
	var goods int64
	for _, l := range lines {
		goods += l.amount
	}
	if float64(goods) > budget+s.aov && (len(lines) > 1 || lines[0].qty > 1) {
		l := &lines[0]
		l.amount = l.amount / l.qty
		l.qty = 1
		lines, goods = lines[:1], l.amount
	}
	discount, shipping := s.orderDiscount(r, goods, demand)
	total := goods - discount + shipping

	s.lineN += int64(len(lines))
	t := s.timeline(r, created, false)
	err := s.writeOrder(sk, r, orderRow{
		no: s.orderNo(day), customer: cid, isNew: isNew, src: src, campaign: campaign,
		device: device, address: addr, province: prov, city: city,
		goods: goods, discount: discount, shipping: shipping, total: total, lines: lines, t: t,
	})
	return total, err
}

// orderDiscount returns the order-level discount (满减 on promotion days,
// coupons otherwise) and the shipping fee charged.
func (s *shopGen) orderDiscount(r *rand.Rand, goods int64, demand float64) (discount, shipping int64) {
	switch {
	case s.us:
		if r.Float64() < 0.15 {
			discount = goods / 10
		}
		if goods-discount < 5000 {
			shipping = 599
		}
	default:
		if demand >= 1.2 {
			discount = min(goods/30000*5000, goods*3/10)
		} else if c := []int64{500, 1000, 2000}[r.IntN(3)]; r.Float64() < 0.2 && goods >= 4*c {
			discount = c
		}
		if (s.tpl.platform == daiyun.PlatformTaobao || s.tpl.platform == daiyun.PlatformPDD || s.tpl.platform == daiyun.PlatformDouyin) &&
			goods < 3900 && r.Float64() < 0.3 {
			shipping = 600
		}
	}
	return discount, shipping
}

// timeline is the life of an order: every moment it may reach, before the
// cut-off is applied.
type timeline struct {
	created, paid, shipped, completed time.Time
	closed                            time.Time // unpaid and closed
	refundReq, refundDone             time.Time
	full, partial                     bool
}

// timeline draws payment, shipping, confirmation and refunds.
func (s *shopGen) timeline(r *rand.Rand, created time.Time, ring bool) timeline {
	t := timeline{created: created}
	unpaid := 0.04
	if s.tpl.platform == daiyun.PlatformPDD {
		unpaid = 0.06
	}
	if !ring && r.Float64() < unpaid {
		t.closed = created.Add(24 * time.Hour)
		return t
	}
	t.paid = created.Add(time.Duration(math.Min(1800, 45*math.Exp(r.NormFloat64())) * float64(time.Second))).Truncate(time.Second)
	shipH := math.Min(16*math.Exp(0.6*r.NormFloat64()), 30+10*r.Float64())
	switch {
	case ring:
		shipH = 6 + 14*r.Float64()
	case r.Float64() < 0.02: // late shipment
		shipH = 50 + 46*r.Float64()
	}
	shipped := t.paid.Add(time.Duration(shipH * float64(time.Hour))).Truncate(time.Second)
	confirmDays := 3 + 7*r.Float64()
	if ring {
		confirmDays = 1 + 2*r.Float64()
	}
	completed := shipped.Add(time.Duration(confirmDays * 24 * float64(time.Hour))).Truncate(time.Second)

	pRefund := map[string]float64{"apparel": 0.15, "beauty": 0.07, "3c": 0.06, "appliances": 0.05}[s.category]
	if pRefund == 0 {
		pRefund = 0.05
	}
	if ring {
		pRefund = 0.25
	}
	if r.Float64() >= pRefund {
		t.shipped, t.completed = shipped, completed
		return t
	}
	t.full = ring || r.Float64() < 0.55
	hour := float64(time.Hour)
	switch {
	case t.full && !ring && r.Float64() < 0.25: // refunded before shipping
		t.refundReq = t.paid.Add(time.Duration((0.2 + math.Min(shipH-0.3, 12)*r.Float64()) * hour)).Truncate(time.Second)
		t.refundDone = t.refundReq.Add(time.Duration((1 + 23*r.Float64()) * hour)).Truncate(time.Second)
	case t.full:
		t.shipped = shipped
		t.refundReq = shipped.Add(time.Duration((24 + 120*r.Float64()) * hour)).Truncate(time.Second)
		t.refundDone = t.refundReq.Add(time.Duration((24 + 96*r.Float64()) * hour)).Truncate(time.Second)
	default:
		t.partial = true
		t.shipped = shipped
		t.refundReq = shipped.Add(time.Duration((48 + 144*r.Float64()) * hour)).Truncate(time.Second)
		t.refundDone = t.refundReq.Add(time.Duration((24 + 48*r.Float64()) * hour)).Truncate(time.Second)
		t.completed = completed
		if !t.completed.After(t.refundDone) {
			t.completed = t.refundDone.Add(time.Hour)
		}
	}
	return t
}

// steps lists the statuses reached before cut.
func (t timeline) steps(cut time.Time) []step {
	all := []step{{warehouse.StatusPending, t.created}}
	if !t.closed.IsZero() {
		all = append(all, step{warehouse.StatusClosed, t.closed})
	}
	if !t.paid.IsZero() {
		all = append(all, step{warehouse.StatusPaid, t.paid})
	}
	if !t.shipped.IsZero() {
		all = append(all, step{warehouse.StatusShipped, t.shipped})
	}
	if t.full {
		all = append(all, step{warehouse.StatusRefunding, t.refundReq}, step{warehouse.StatusRefunded, t.refundDone})
	}
	if !t.completed.IsZero() {
		all = append(all, step{warehouse.StatusCompleted, t.completed})
	}
	n := 0
	for _, st := range all {
		if st.at.Before(cut) {
			all[n] = st
			n++
		}
	}
	return all[:n]
}

// before returns t when it is before cut, or nil (a NULL timestamp).
func before(t, cut time.Time) any {
	if t.IsZero() || !t.Before(cut) {
		return nil
	}
	return t
}

// orderRow is a generated order ready to write.
type orderRow struct {
	no, customer, campaign, device, address, province, city string
	isNew, ring                                             bool
	src                                                     int
	goods, discount, shipping, total                        int64
	lines                                                   []line
	t                                                       timeline
}

// writeOrder applies the cut-off, allocates refunds to lines and writes the
// order, its lines, its history and what follows from it.
func (s *shopGen) writeOrder(sk *sink, r *rand.Rand, o orderRow) error {
	cut := s.cutoff
	t := o.t
	steps := t.steps(cut)
	status := steps[len(steps)-1].status
	version := steps[len(steps)-1].at
	paid := !t.paid.IsZero() && t.paid.Before(cut)
	var paidMinor, refund int64
	if paid {
		paidMinor = o.total
	}
	refunded := !t.refundDone.IsZero() && t.refundDone.Before(cut)
	if refunded {
		if t.partial {
			s.partialRefund(r, o.lines, o.total)
		} else {
			allocate(o.lines, o.total)
		}
		for _, l := range o.lines {
			refund += l.refund
		}
		if t.refundDone.After(version) {
			version = t.refundDone
		}
	}
	tenant, shopID := s.cl.c.ID, s.shop.ID
	createdDay := civil(t.created.In(s.loc))
	var paidDay any
	if paid {
		paidDay = civil(t.paid.In(s.loc))
	}
	srcName := s.sources[o.src].name
	if err := sk.add(tOrders, tenant, shopID, o.no, o.customer, status, t.created, before(t.paid, cut),
		before(t.shipped, cut), before(t.completed, cut), createdDay, paidDay, s.shop.Currency,
		o.goods, o.discount, o.shipping, o.total, paidMinor, refund, o.province, o.city, srcName,
		nullable(o.campaign), o.device, o.address, version.UnixMicro(), "demo"); err != nil {
		return err
	}
	for _, st := range steps {
		if err := sk.add(tStatusHistory, tenant, shopID, o.no, st.status, st.at); err != nil {
			return err
		}
	}
	skus := make([]*sku, len(o.lines))
	for i, l := range o.lines {
		skus[i] = l.k
		if err := sk.add(tOrderLines, tenant, shopID, o.no, int32(i+1), l.k.id, l.k.spu, l.k.title, int32(l.qty),
			l.unitPrice, l.amount, l.refund, int32(l.refundQty), createdDay, version.UnixMicro()); err != nil {
			return err
		}
		if !t.paid.IsZero() {
			l.k.soldToday += l.qty
		}
	}
	if o.isNew {
		if err := sk.add(tCustomers, tenant, o.customer, t.created, o.province, o.city, srcName); err != nil {
			return err
		}
	}
	tl := &s.tally[o.src]
	tl.orders++
	if paid {
		tl.paid++
		tl.paidMinor += paidMinor
	}
	var paidAt time.Time
	if paid {
		paidAt = t.paid
	}
	s.today = append(s.today, orderInfo{no: o.no, customer: o.customer, device: o.device, campaign: o.campaign,
		src: o.src, created: t.created, paid: paidAt, skus: skus, ring: o.ring})
	return s.afterOrder(sk, r, o, refunded)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// allocate spreads a full refund over the lines in proportion to their
// amounts; the last line takes the remainder so the lines sum exactly.
func allocate(lines []line, total int64) {
	var goods int64
	for _, l := range lines {
		goods += l.amount
	}
	left := total
	for i := range lines {
		if i == len(lines)-1 || goods == 0 {
			lines[i].refund = left
		} else {
			lines[i].refund = total * lines[i].amount / goods
		}
		left -= lines[i].refund
		lines[i].refundQty = lines[i].qty
	}
}

// partialRefund refunds one unit of one line, or part of the price of a
// single-unit order (仅退款).
func (s *shopGen) partialRefund(r *rand.Rand, lines []line, total int64) {
	i := r.IntN(len(lines))
	l := &lines[i]
	switch {
	case l.qty >= 2:
		l.refund, l.refundQty = l.amount/l.qty, 1
	case len(lines) > 1:
		l.refund, l.refundQty = l.amount, 1
	default:
		l.refund = int64(float64(l.amount) * (0.1 + 0.2*r.Float64()))
	}
	l.refund = min(l.refund, total*9/10)
}
