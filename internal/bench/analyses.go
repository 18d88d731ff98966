package bench

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/attribution"
	"github.com/daiyun/daiyun/analysis/clv"
	"github.com/daiyun/daiyun/analysis/cohort"
	"github.com/daiyun/daiyun/analysis/source"
)

// Analyses is what `daiyun bench analyses` needs: the analyses' warehouse
// door (analysis/source) and the raw handle of the same warehouse.
type Analyses struct {
	Engine string
	DB     *sql.DB
	Loader *source.Loader
	// Shops are every shop of the agency (the baseline's minor-unit
	// scales); the analyses run by shop, each shop on its own (a client's
	// shops may sell in different currencies).
	Shops []daiyun.Shop
	Runs  int
	// Customers and Journeys size the generated CLV and attribution inputs.
	Customers, Journeys int
}

// purchasesWhere is the analyses' definition of a purchase (a paid order
// in source.PaidStatuses with a buyer), written by hand. $1 from, $2 to.
const purchasesWhere = `customer_id IS NOT NULL AND paid_at IS NOT NULL AND status IN ('paid', 'shipped', 'completed', 'refunding')
  AND paid_day BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)`

// rawCohorts is anchor query d over the warehouse, per shop: customers of
// each monthly cohort buying again k months later, and their share.
const rawCohorts = `WITH cm AS (SELECT DISTINCT shop_id, customer_id, date_trunc('month', paid_day) AS m FROM orders WHERE ` + purchasesWhere + `),
f AS (SELECT shop_id, customer_id, MIN(m) AS cohort FROM cm GROUP BY shop_id, customer_id),
r AS (SELECT f.shop_id, f.cohort,
        CAST((EXTRACT(YEAR FROM cm.m) - EXTRACT(YEAR FROM f.cohort)) * 12 + EXTRACT(MONTH FROM cm.m) - EXTRACT(MONTH FROM f.cohort) AS INTEGER) AS k,
        COUNT(*) AS customers
      FROM cm JOIN f ON cm.shop_id = f.shop_id AND cm.customer_id = f.customer_id GROUP BY 1, 2, 3)
SELECT shop_id, cohort, k, customers, customers * 1.0 / FIRST_VALUE(customers) OVER (PARTITION BY shop_id, cohort ORDER BY k) AS retention
FROM r ORDER BY shop_id, cohort, k`

// rawRFM is anchor query e over the warehouse, per shop, with the rfm
// package's quintile (⌈5·rank/n⌉, ties by customer id) instead of NTILE so
// the figures are the same.
const rawRFM = `WITH c AS (SELECT shop_id, customer_id, MAX(paid_day) AS last_day, COUNT(*) AS frequency,
    SUM(GREATEST(paid_minor - refund_minor, 0)) AS monetary
  FROM orders WHERE ` + purchasesWhere + ` GROUP BY shop_id, customer_id),
s AS (SELECT shop_id, monetary, COUNT(*) OVER (PARTITION BY shop_id) AS n,
  ROW_NUMBER() OVER (PARTITION BY shop_id ORDER BY last_day, customer_id) AS rr,
  ROW_NUMBER() OVER (PARTITION BY shop_id ORDER BY frequency, customer_id) AS fr,
  ROW_NUMBER() OVER (PARTITION BY shop_id ORDER BY monetary, customer_id) AS mr FROM c)
SELECT shop_id, CAST(FLOOR((5 * rr + n - 1) * 1.0 / n) AS INTEGER) AS r, CAST(FLOOR((5 * fr + n - 1) * 1.0 / n) AS INTEGER) AS f,
  CAST(FLOOR((5 * mr + n - 1) * 1.0 / n) AS INTEGER) AS m, COUNT(*) AS customers, CAST(SUM(monetary) AS DOUBLE PRECISION) AS monetary
FROM s GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`

// RunAnalyses times cohorts and RFM of every shop through
// source.Loader.RunByShop against the raw SQL, then the CLV fit and Markov attribution on
// generated inputs.
func (a *Analyses) RunAnalyses(ctx context.Context, rep *Report) error {
	var first, last time.Time
	if err := a.DB.QueryRowContext(ctx, `SELECT MIN(paid_day), MAX(paid_day) FROM orders`).Scan(&first, &last); err != nil {
		return fmt.Errorf("bench: date range: %w", err)
	}
	from, to := daiyun.Date{Time: first}, daiyun.Date{Time: last}
	var purchases int64
	if err := a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders WHERE `+purchasesWhere, from.String(), to.String()).Scan(&purchases); err != nil {
		return fmt.Errorf("bench: purchases: %w", err)
	}
	size := fmt.Sprintf("%d shops, %d paid orders, %s..%s", len(a.Shops), purchases, from, to)
	for _, kind := range []string{"cohort", "rfm"} {
		if err := a.timeKind(ctx, rep, kind, from, to, size); err != nil {
			return err
		}
	}
	if a.Customers > 0 {
		if err := a.timeCLV(ctx, rep); err != nil {
			return err
		}
	}
	if a.Journeys > 0 {
		if err := a.timeMarkov(ctx, rep); err != nil {
			return err
		}
	}
	return nil
}

// product runs one analysis of every shop through the by-shop door
// (source.Loader.RunByShop: one warehouse read for all the shops, each
// shop in its own timezone and currency, as POST
// /api/v1/analyses/{kind}/by-shop) and returns its figures in the raw
// SQL's shape.
func (a *Analyses) product(ctx context.Context, kind string, from, to daiyun.Date) (map[string]float64, error) {
	res, err := a.Loader.RunByShop(ctx, source.ShopsRequest{Kind: kind, From: from, To: to})
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, sh := range res.Shops {
		switch r := sh.Result.(type) {
		case nil:
			// a shop without purchases has no table
		case *cohort.Result:
			for _, c := range r.Cohorts {
				for _, mo := range c.Months {
					if mo.Customers > 0 {
						k := fmt.Sprintf("%d/%s/%d", sh.ShopID, c.Month, mo.Offset)
						out[k+"/customers"] = float64(mo.Customers)
						out[k+"/share"] = *mo.Share
					}
				}
			}
		case source.RFMSummary:
			for _, c := range r.Cells {
				k := fmt.Sprintf("%d/%d%d%d", sh.ShopID, c.R, c.F, c.M)
				out[k+"/customers"] += float64(c.Customers)
				out[k+"/monetary"] += c.Monetary
			}
		default:
			return nil, fmt.Errorf("shop %d: unexpected %s result %T", sh.ShopID, kind, sh.Result)
		}
	}
	return out, nil
}

// raw runs the hand-written SQL for the kind.
func (a *Analyses) raw(ctx context.Context, kind string, from, to daiyun.Date) (map[string]float64, error) {
	scale := map[int64]float64{}
	for _, sh := range a.Shops {
		scale[sh.ID] = math.Pow10(daiyun.MinorUnits(sh.Currency))
	}
	out := map[string]float64{}
	args := []any{from.String(), to.String()}
	if kind == "cohort" {
		err := rawRows(ctx, a.DB, rawCohorts, args, func(r *sql.Rows) error {
			var shop, k, customers int64
			var month time.Time
			var share float64
			if err := r.Scan(&shop, &month, &k, &customers, &share); err != nil {
				return err
			}
			key := fmt.Sprintf("%d/%s/%d", shop, month.Format("2006-01"), k)
			out[key+"/customers"], out[key+"/share"] = float64(customers), share
			return nil
		})
		return out, err
	}
	err := rawRows(ctx, a.DB, rawRFM, args, func(r *sql.Rows) error {
		var shop, rr, f, m, customers int64
		var monetary float64
		if err := r.Scan(&shop, &rr, &f, &m, &customers, &monetary); err != nil {
			return err
		}
		key := fmt.Sprintf("%d/%d%d%d", shop, rr, f, m)
		out[key+"/customers"], out[key+"/monetary"] = float64(customers), monetary/scale[shop]
		return nil
	})
	return out, err
}

func (a *Analyses) timeKind(ctx context.Context, rep *Report, kind string, from, to daiyun.Date, size string) error {
	got, err := a.product(ctx, kind, from, to)
	if err != nil {
		return fmt.Errorf("bench: %s: %w", kind, err)
	}
	want, err := a.raw(ctx, kind, from, to)
	if err != nil {
		return fmt.Errorf("bench: %s raw SQL: %w", kind, err)
	}
	if d := diffFigures(got, want); d != "" {
		return fmt.Errorf("bench: %s: the analysis and the raw SQL disagree: %s", kind, d)
	}
	rep.Checks = append(rep.Checks, fmt.Sprintf("%s: analysis and raw SQL agree on %d figures", kind, len(want)))
	samples, err := Alternate(ctx, a.Runs,
		func(ctx context.Context) error { _, err := a.product(ctx, kind, from, to); return err },
		func(ctx context.Context) error { _, err := a.raw(ctx, kind, from, to); return err })
	if err != nil {
		return fmt.Errorf("bench: %s: %w", kind, err)
	}
	name := map[string]string{"cohort": "monthly cohorts, every shop", "rfm": "RFM quintiles, every shop"}[kind]
	base := map[string]string{"cohort": "anchor query d adapted to the warehouse", "rfm": "anchor query e adapted to the warehouse"}[kind]
	f := Compared(Figure{Name: name, Path: "source.Loader.RunByShop(" + kind + "): one warehouse read for every shop + analysis/" + kind,
		Baseline: base + " (" + a.Engine + ")", Size: size, Target: "≤ 1.2× raw " + a.Engine}, samples[0], samples[1])
	f.SetMeets(f.Ratio <= 1.2)
	rep.Figures = append(rep.Figures, f)
	return nil
}

// diffFigures names the first figure that differs, or returns "".
func diffFigures(got, want map[string]float64) string {
	bad := 0
	first := ""
	for k, w := range want {
		g, ok := got[k]
		if !ok || math.Abs(g-w) > 1e-6*math.Max(1, math.Abs(w)) {
			bad++
			if first == "" {
				first = fmt.Sprintf("%s: analysis %v, raw %v", k, g, w)
			}
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			bad++
			if first == "" {
				first = fmt.Sprintf("%s: analysis %v, raw has none", k, got[k])
			}
		}
	}
	if bad == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d figures, first %s", bad, len(want), first)
}

// timeCLV fits BG/NBD and Gamma-Gamma on generated customers and predicts
// each of them (clv.Summarize + clv.Analyze).
func (a *Analyses) timeCLV(ctx context.Context, rep *Report) error {
	txs, calEnd := clvTransactions(a.Customers, 7)
	var samples []time.Duration
	for range min(a.Runs, 3) {
		t0 := time.Now()
		prep, err := clv.Summarize(txs, calEnd, clv.Week, 52)
		if err != nil {
			return fmt.Errorf("bench: clv: %w", err)
		}
		if _, err := clv.Analyze(prep, clv.Options{Horizon: 52}); err != nil {
			return fmt.Errorf("bench: clv: %w", err)
		}
		samples = append(samples, time.Since(t0))
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	f := Compared(Figure{Name: "CLV: BG/NBD + Gamma-Gamma fit and predict", Path: "clv.Summarize + clv.Analyze (weeks, 52-week horizon)",
		Size: fmt.Sprintf("%d generated customers, %d transactions", a.Customers, len(txs)), Note: "no raw-engine equivalent; at most 3 runs"}, samples, nil)
	rep.Figures = append(rep.Figures, f)
	return nil
}

// clvTransactions draws customers who buy at a gamma-distributed rate and
// may lapse after each purchase, over two years of days.
func clvTransactions(n int, seed uint64) ([]clv.Transaction, time.Time) {
	rng := rand.New(rand.NewPCG(seed, 2))
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const days = 730
	txs := make([]clv.Transaction, 0, n*3)
	for i := range n {
		id := "c" + strconv.Itoa(i)
		// A rate of about one purchase every 3 months, very unequal.
		rate := rng.ExpFloat64() * rng.ExpFloat64() / 90
		lapse := 0.1 + 0.5*rng.Float64()
		day := rng.IntN(days)
		for day < days {
			amount := math.Round((20+rng.ExpFloat64()*80)*100) / 100
			txs = append(txs, clv.Transaction{CustomerID: id, Date: start.AddDate(0, 0, day), Amount: amount})
			if rng.Float64() < lapse || rate == 0 {
				break
			}
			day += 1 + int(rng.ExpFloat64()/rate)
		}
	}
	return txs, start.AddDate(0, 0, days-1)
}

// timeMarkov generates journeys, groups them into distinct paths and runs
// every attribution model including the Markov chain's removal effects.
func (a *Analyses) timeMarkov(ctx context.Context, rep *Report) error {
	journeys := markovJourneys(a.Journeys, 11)
	var samples []time.Duration
	var distinct int
	for range min(a.Runs, 3) {
		t0 := time.Now()
		paths := groupPaths(journeys)
		if _, err := attribution.Compute(paths, attribution.Options{}); err != nil {
			return fmt.Errorf("bench: attribution: %w", err)
		}
		samples = append(samples, time.Since(t0))
		distinct = len(paths)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	f := Compared(Figure{Name: "Markov attribution (with the heuristic models)", Path: "group journeys into paths + attribution.Compute",
		Size: fmt.Sprintf("%d generated journeys, %d distinct paths, 8 channels", a.Journeys, distinct), Note: "no raw-engine equivalent; at most 3 runs"}, samples, nil)
	rep.Figures = append(rep.Figures, f)
	return nil
}

// journey is one generated customer journey.
type journey struct {
	channels  []string
	converted bool
	value     float64
}

var benchChannels = []string{"search", "recommendation", "ads_ztc", "live", "social", "email", "affiliate", "direct"}

func markovJourneys(n int, seed uint64) []journey {
	rng := rand.New(rand.NewPCG(seed, 3))
	out := make([]journey, n)
	for i := range out {
		k := 1 + int(rng.ExpFloat64()*1.5)
		k = min(k, 12)
		j := journey{channels: make([]string, k)}
		p := 0.02
		for t := range j.channels {
			c := int(math.Min(7, rng.ExpFloat64()*2.5))
			j.channels[t] = benchChannels[c]
			p += 0.01 * float64(8-c) / 8
		}
		if rng.Float64() < p {
			j.converted, j.value = true, math.Round((30+rng.ExpFloat64()*120)*100)/100
		}
		out[i] = j
	}
	return out
}

func groupPaths(js []journey) []attribution.Path {
	idx := map[string]int{}
	var paths []attribution.Path
	for _, j := range js {
		key := strings.Join(j.channels, ">")
		i, ok := idx[key]
		if !ok {
			i = len(paths)
			idx[key] = i
			paths = append(paths, attribution.Path{Channels: j.channels})
		}
		if j.converted {
			paths[i].Conversions++
			paths[i].Value += j.value
		} else {
			paths[i].Nulls++
		}
	}
	return paths
}
