package demo

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/daiyun/daiyun"
)

// usdCNY converts US shops' ad spend into the CNY of their contracts when
// budgets are set (cross-border brands pay the agency in CNY).
const usdCNY = 7.2

// agency is the whole demo being generated.
type agency struct {
	opt         Options
	first, last time.Time // first and last day of data (civil, midnight UTC)
	endDay      time.Time // the day after last: the cut-off in each shop's timezone
	ndays       int
	clients     []*clientGen
	shops       []*shopGen
	logins      []Login
	planted     []Planted
	plants      []plantedShop
	staffName   map[string]string
}

// clientGen is one brand being generated.
type clientGen struct {
	idx        int
	tpl        clientTemplate
	c          daiyun.Client
	contract   daiyun.Contract
	key        []byte
	pool       *pool
	shops      []*shopGen
	rng        *rand.Rand
	team       [3]string // specialist, analyst, expert keys
	budget     int64     // monthly marketing budget, CNY minor units
	overspend  float64   // ad spend multiplier in the last 30 days; 0 when not planted
	overFrom   time.Time
	monthlyFee int64   // base fee, CNY minor units
	gmvMonth   float64 // expected GMV a month over the last year, CNY minor units
}

func newAgency(opt Options) (*agency, error) {
	endDay := civil(opt.End)
	a := &agency{
		opt:       opt,
		endDay:    endDay,
		last:      endDay.AddDate(0, 0, -1),
		first:     endDay.AddDate(-opt.Years, 0, 0),
		staffName: map[string]string{},
	}
	a.ndays = dayOf(a.first, a.last) + 1
	for _, st := range demoStaff {
		a.staffName[st.key] = st.name
	}
	shopIdx := 0
	for i, t := range planClients(opt.Shops) {
		c := &clientGen{idx: i, tpl: t, rng: rand.New(rand.NewPCG(uint64(opt.Seed), 0xc1_0000+uint64(i)))}
		c.team[0], c.team[1], c.team[2] = team(i)
		for _, st := range t.shops {
			s, err := newShopGen(a, c, shopIdx, st)
			if err != nil {
				return nil, err
			}
			c.shops = append(c.shops, s)
			a.shops = append(a.shops, s)
			shopIdx++
		}
		a.clients = append(a.clients, c)
	}
	// Shop sizes are compressed so the smallest shop still sells every day.
	size := func(s *shopGen) float64 { return 0.4 + 0.8*s.tpl.size }
	var total float64
	for _, s := range a.shops {
		total += size(s)
	}
	for _, s := range a.shops {
		s.lines = float64(opt.OrderLines) * size(s) / total
	}
	a.choosePlants()
	for _, s := range a.shops {
		s.calibrate()
	}
	for _, c := range a.clients {
		a.planBudget(c)
	}
	return a, nil
}

// createCatalog writes clients, shops, contracts, users and assignments.
func (a *agency) createCatalog(ctx context.Context, cat Catalog) error {
	for _, c := range a.clients {
		c.c = daiyun.Client{Name: c.tpl.name, Package: c.tpl.pkg, Addons: c.tpl.addons, Note: c.tpl.note,
			CreatedAt: a.first.Add(time.Duration(c.idx) * time.Hour)}
		if c.c.Addons == nil {
			c.c.Addons = []string{}
		}
		if err := cat.CreateClient(ctx, &c.c); err != nil {
			return fmt.Errorf("demo: create client %s: %w", c.c.Name, err)
		}
		key, err := cat.ClientKey(ctx, c.c.ID)
		if err != nil {
			return fmt.Errorf("demo: key of client %s: %w", c.c.Name, err)
		}
		c.key = key
		prefix := fmt.Sprintf("buyer_%d_", c.idx)
		c.pool = newPool(key, prefix, c.tpl.market == "us")
		var perDay float64
		for _, s := range c.shops {
			perDay += s.lines / linesPerOrder / float64(a.ndays)
		}
		c.pool.a0 = max(50, perDay*60)
		for _, s := range c.shops {
			s.shop.ClientID = c.c.ID
			s.salt = mix(c.pool.salt ^ uint64(s.idx+1)*0x9e3779b97f4a7c15)
			if err := cat.CreateShop(ctx, &s.shop); err != nil {
				return fmt.Errorf("demo: create shop %s: %w", s.shop.Name, err)
			}
		}
		c.contract = a.contract(c)
		if err := cat.CreateContract(ctx, &c.contract); err != nil {
			return fmt.Errorf("demo: create contract of %s: %w", c.c.Name, err)
		}
	}
	a.resolvePlants()
	return a.createUsers(ctx, cat)
}

// contract writes the client's commercial terms; the budget comes from the
// planned ad spend so the budget monitor is green except where planted.
func (a *agency) contract(c *clientGen) daiyun.Contract {
	r := c.rng
	// The base fee is a share of the client's GMV (larger packages take a
	// larger share), within what agencies charge; commission comes on top.
	var rate float64
	var bp int64
	switch c.tpl.pkg {
	case daiyun.PackageBasic:
		rate, bp = 0.05, 300+int64(r.IntN(5))*50
	case daiyun.PackageAdvanced:
		rate, bp = 0.07, 200+int64(r.IntN(5))*50
	default:
		rate, bp = 0.09, 150+int64(r.IntN(4))*50
	}
	fee := min(200_000, max(5_000, int64(c.gmvMonth*rate*(0.9+0.2*r.Float64())/100/1000)*1000)) * 100
	c.monthlyFee = fee
	start := a.first.AddDate(0, r.IntN(18), 0)
	start = time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(1, 0, -1)
	for !end.After(a.last.AddDate(0, 0, 30)) {
		end = end.AddDate(1, 0, 0)
	}
	d := func(t time.Time) daiyun.Date { return daiyun.Date{Time: t} }
	stages := []daiyun.PaymentStage{
		{Name: "保证金", DueDate: d(start), AmountMinor: fee * int64(1+r.IntN(2))},
		{Name: "首期服务费", DueDate: d(start), AmountMinor: fee * 3},
		{Name: "二期服务费", DueDate: d(start.AddDate(0, 3, 0)), AmountMinor: fee * 4},
		{Name: "三期服务费", DueDate: d(start.AddDate(0, 7, 0)), AmountMinor: fee * 5},
	}
	for i := range stages {
		stages[i].Paid = !stages[i].DueDate.After(a.last)
	}
	kpis := []daiyun.CommittedKPI{
		{KPI: "gmv", Op: ">=", Target: 0.3, Change: true, Period: "month"},
		{KPI: "conversion_rate", Op: ">=", Target: 0.05, Change: true, Period: "month"},
		{KPI: "refund_rate", Op: "<=", Target: -0.08, Change: true, Period: "quarter"},
	}
	if c.tpl.pkg != daiyun.PackageBasic {
		kpis = append(kpis, daiyun.CommittedKPI{KPI: "roas", Op: ">=", Target: 3.5, Period: "month"})
	}
	return daiyun.Contract{
		ClientID: c.c.ID, Package: c.tpl.pkg, Currency: "CNY",
		StartDate: d(start), EndDate: d(end),
		BaseFeeMinor: fee, CommissionBP: bp, DepositMinor: stages[0].AmountMinor,
		AutoRenew: c.idx%5 != 4, RenewalNotice: 30,
		Payments: stages, CommittedKPIs: kpis, MarketingBudget: c.budget,
		CreatedAt: start,
	}
}

// planBudget sets the client's monthly marketing budget 25% above its
// busiest planned month, and the overspend of a planted client.
func (a *agency) planBudget(c *clientGen) {
	months := map[int]float64{}
	var last30 float64
	from := a.last.AddDate(0, 0, -29)
	for di := range a.ndays {
		day := a.first.AddDate(0, 0, di)
		var v float64
		for _, s := range c.shops {
			x := s.plannedSpend(day, di)
			if s.us {
				x *= usdCNY
			}
			v += x
		}
		months[day.Year()*12+int(day.Month())-1] += v
		if !day.Before(from) {
			last30 += v
		}
		if di >= a.ndays-365 {
			for _, s := range c.shops {
				g := s.scale * s.season(day, di) * s.aov
				if s.us {
					g *= usdCNY
				}
				c.gmvMonth += g / 12
			}
		}
	}
	var peak float64
	firstFull := a.first.Year()*12 + int(a.first.Month()) // skip the partial first month
	lastFull := a.last.Year()*12 + int(a.last.Month()) - 2
	for m, v := range months {
		if m >= firstFull && m <= lastFull && v > peak {
			peak = v
		}
	}
	if peak == 0 {
		for _, v := range months {
			peak = max(peak, v)
		}
	}
	c.budget = int64(math.Ceil(peak*1.25/100_000)) * 100_000
	if c.overspend > 0 && last30 > 0 {
		c.overspend = 1.55 * float64(c.budget) / last30
		c.overFrom = from
	}
}

// createUsers creates one login per role and the staff teams.
func (a *agency) createUsers(ctx context.Context, cat Catalog) error {
	ids := map[string]int64{}
	for _, st := range demoStaff {
		u := daiyun.User{Email: email(st.key), Name: st.name, Role: st.role, Lang: "zh-CN", CreatedAt: a.first}
		if err := cat.CreateUser(ctx, &u, password(st.key)); err != nil {
			return fmt.Errorf("demo: create user %s: %w", u.Email, err)
		}
		ids[st.key] = u.ID
		if st.login {
			a.logins = append(a.logins, Login{Role: st.role, Email: u.Email, Password: password(st.key)})
		}
	}
	for i, c := range a.clients {
		for j, fn := range []string{"specialist", "analyst", "expert"} {
			if err := cat.Assign(ctx, daiyun.Assignment{UserID: ids[c.team[j]], ClientID: c.c.ID, Function: fn}); err != nil {
				return fmt.Errorf("demo: assign %s to %s: %w", c.team[j], c.c.Name, err)
			}
		}
		if i > 1 {
			continue
		}
		role, key := daiyun.RoleClientManager, "manager"
		if i == 1 {
			role, key = daiyun.RoleClientViewer, "viewer"
		}
		u := daiyun.User{Email: email(key), Name: c.c.Name + map[int]string{0: "品牌负责人", 1: "品牌观察员"}[i],
			Role: role, ClientID: c.c.ID, Lang: "zh-CN", CreatedAt: a.first}
		if err := cat.CreateUser(ctx, &u, password(key)); err != nil {
			return fmt.Errorf("demo: create user %s: %w", u.Email, err)
		}
		a.logins = append(a.logins, Login{Role: role, Email: u.Email, Password: password(key), Client: c.c.Name})
	}
	return nil
}

// generateFacts streams every fact, day by day over all shops, so the state
// held is bounded by the number of shops and SKUs.
func (a *agency) generateFacts(ctx context.Context, sk *sink, log io.Writer) error {
	for _, s := range a.shops {
		if err := s.writeSKUs(sk, a.last); err != nil {
			return err
		}
	}
	step := max(1, a.ndays/10)
	started := time.Now()
	for di := range a.ndays {
		if err := ctx.Err(); err != nil {
			return err
		}
		day := a.first.AddDate(0, 0, di)
		for _, s := range a.shops {
			if err := s.generateDay(sk, day, di); err != nil {
				return err
			}
		}
		for _, c := range a.clients {
			if err := c.labour(sk, a, day); err != nil {
				return err
			}
		}
		if err := sk.checkpoint(); err != nil {
			return err
		}
		if (di+1)%step == 0 || di == a.ndays-1 {
			fmt.Fprintf(log, "demo: %s done (%d%%), %d order lines, %s\n", day.Format(time.DateOnly),
				(di+1)*100/a.ndays, sk.count[tOrderLines], time.Since(started).Round(time.Millisecond))
		}
	}
	return nil
}

// labour logs the agency team's time on the client: specialists daily,
// analysts most days, the expert's weekly review, design twice a week and,
// for full hosting, CS quality checks. Promotion weeks take more time.
func (c *clientGen) labour(sk *sink, a *agency, day time.Time) error {
	wd := day.Weekday()
	pl := daiyun.PlatformTmall
	if c.tpl.market == "us" {
		pl = daiyun.PlatformShopify
	}
	busy, _ := promo(pl, c.tpl.category, day)
	if wd == time.Saturday || wd == time.Sunday {
		if busy < 1.3 {
			return nil
		}
	}
	// The team's time costs about a fifth of the base fee: labour stays under
	// the yellow threshold (35% of fees) even in promotion weeks.
	base := 7550.0 // CNY a month of the jobs below at f = 1
	if c.tpl.pkg == daiyun.PackageFull {
		base = 10260
	}
	f := 0.19 * float64(c.monthlyFee) / 100 / base
	if busy > 1.05 {
		f *= 1.3
	}
	r := c.rng
	type job struct {
		staff, role, activity string
		minutes               float64
		rate                  int64 // CNY per hour
	}
	jobs := []job{
		{a.staffName[c.team[0]], "specialist", "日常运营", 80 + 40*r.Float64(), 80},
		{a.staffName[c.team[1]], "analyst", "数据分析", 25 + 30*r.Float64(), 120},
	}
	if wd == time.Monday {
		jobs = append(jobs, job{a.staffName[c.team[2]], "expert", "策略复盘", 60 + 60*r.Float64(), 250})
	}
	if wd == time.Tuesday || wd == time.Thursday {
		jobs = append(jobs, job{"设计-林晓", "designer", "主图与详情页设计", 60 + 60*r.Float64(), 100})
	}
	if c.tpl.pkg == daiyun.PackageFull {
		jobs = append(jobs, job{"客服主管-何静", "cs", "客服质检", 120 + 60*r.Float64(), 50})
	}
	for _, j := range jobs {
		m := max(5, int64(math.Round(j.minutes*f)))
		if err := sk.add(tLabour, c.c.ID, day, j.staff, j.role, j.activity, m, m*j.rate*100/60); err != nil {
			return err
		}
	}
	return nil
}
