package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"strings"

	"github.com/daiyun/daiyun"
)

// Target is a monthly target of a client (ShopID 0) or one of its shops for
// a KPI, in the KPI's unit; money in major units of Currency (PRODUCT.md C6).
type Target struct {
	ClientID int64       `json:"client_id"`
	ShopID   int64       `json:"shop_id,omitempty"`
	KPI      string      `json:"kpi"`
	Month    daiyun.Date `json:"month"` // first day of the month
	Value    float64     `json:"value"`
	Currency string      `json:"currency,omitempty"`
}

// mustPlan fails unless the actor is agency staff who may see the client:
// targets are set by the client's team.
func mustPlan(ctx context.Context, clientID int64) error {
	a := daiyun.ActorFrom(ctx)
	if !a.CanSeeClient(clientID) {
		return notFound("client", clientID)
	}
	if !a.IsStaff() {
		return daiyun.Errorf(daiyun.EFORBIDDEN, "targets are set by the agency's staff")
	}
	return nil
}

// SetTarget creates or replaces a monthly target.
func (s *Store) SetTarget(ctx context.Context, t Target) error {
	if err := mustPlan(ctx, t.ClientID); err != nil {
		return err
	}
	if t.Month.IsZero() || t.Month.Day() != 1 {
		return daiyun.Errorf(daiyun.EINVALID, "target month %q must be the first day of a month (YYYY-MM-01)", t.Month)
	}
	if strings.TrimSpace(t.KPI) == "" {
		return daiyun.Errorf(daiyun.EINVALID, "target kpi is required")
	}
	if t.Currency != "" && !daiyun.ValidCurrency(t.Currency) {
		return daiyun.Errorf(daiyun.EINVALID, "target currency %q is not an ISO 4217 code Daiyun knows", t.Currency)
	}
	if t.ShopID != 0 {
		sh, err := s.Shop(ctx, t.ShopID)
		if err != nil {
			return err
		}
		if sh.ClientID != t.ClientID {
			return notFound("shop", t.ShopID)
		}
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO targets (client_id, shop_id, kpi, month, value, currency, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (client_id, shop_id, kpi, month)
		DO UPDATE SET value = excluded.value, currency = excluded.currency, updated_at = excluded.updated_at`,
		t.ClientID, t.ShopID, t.KPI, t.Month.String(), t.Value, t.Currency, s.now())
	if err != nil {
		return fmt.Errorf("catalog: set target: %w", err)
	}
	return s.audit(ctx, t.ClientID, "target.set", fmt.Sprintf("%s shop=%d %s = %g", t.KPI, t.ShopID, t.Month, t.Value))
}

// Targets lists the targets of the clients the actor sees (clientID 0: all
// of them), by client, shop, month and KPI.
func (s *Store) Targets(ctx context.Context, clientID int64) ([]Target, error) {
	q := `SELECT client_id, shop_id, kpi, month, value, currency FROM targets WHERE ` + clientScope(ctx, "client_id")
	args := []any{}
	if clientID != 0 {
		q += ` AND client_id = $1`
		args = append(args, clientID)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY client_id, shop_id, month, kpi`, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: targets: %w", err)
	}
	defer rows.Close()
	var out []Target
	for rows.Next() {
		var t Target
		var month string
		if err := rows.Scan(&t.ClientID, &t.ShopID, &t.KPI, &month, &t.Value, &t.Currency); err != nil {
			return nil, err
		}
		t.Month, _ = daiyun.ParseDate(month)
		out = append(out, t)
	}
	return out, rows.Err()
}

// Target returns one monthly target; ok is false when none is set.
func (s *Store) Target(ctx context.Context, clientID, shopID int64, kpi string, month daiyun.Date) (Target, bool, error) {
	t := Target{ClientID: clientID, ShopID: shopID, KPI: kpi, Month: month}
	err := s.db.QueryRowContext(ctx, `SELECT value, currency FROM targets WHERE client_id=$1 AND shop_id=$2 AND kpi=$3 AND month=$4 AND `+clientScope(ctx, "client_id"),
		clientID, shopID, kpi, month.String()).Scan(&t.Value, &t.Currency)
	if isNoRows(err) {
		return t, false, nil
	}
	return t, err == nil, err
}

// DeleteTarget removes a target.
func (s *Store) DeleteTarget(ctx context.Context, clientID, shopID int64, kpi string, month daiyun.Date) error {
	if err := mustPlan(ctx, clientID); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM targets WHERE client_id=$1 AND shop_id=$2 AND kpi=$3 AND month=$4`, clientID, shopID, kpi, month.String())
	if err != nil {
		return fmt.Errorf("catalog: delete target: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("target", kpi+" "+month.String())
	}
	return s.audit(ctx, clientID, "target.delete", kpi+" "+month.String())
}

// Benchmark is one row of the editable industry benchmark table
// (PRODUCT.md C4): the value of a KPI in a category, with where it comes from.
type Benchmark struct {
	Category string  `json:"category"`
	KPI      string  `json:"kpi"`
	Value    float64 `json:"value"`
	Currency string  `json:"currency,omitempty"`
	Source   string  `json:"source"`
	Edited   bool    `json:"edited" required:"false"` // changed by the agency since the shipped default
}

// SeedBenchmarks inserts the shipped defaults for (category, KPI) pairs the
// table does not have yet; rows the agency edited are never touched.
func (s *Store) SeedBenchmarks(ctx context.Context, defaults []Benchmark) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, b := range defaults {
			if _, err := tx.ExecContext(ctx, `INSERT INTO benchmarks (category, kpi, value, currency, source, edited, updated_at)
				VALUES ($1,$2,$3,$4,$5,FALSE,$6) ON CONFLICT (category, kpi) DO NOTHING`,
				b.Category, b.KPI, b.Value, b.Currency, b.Source, s.now()); err != nil {
				return fmt.Errorf("catalog: seed benchmarks: %w", err)
			}
		}
		return nil
	})
}

// SetBenchmark edits a benchmark (agency admin, director or expert).
func (s *Store) SetBenchmark(ctx context.Context, b Benchmark) error {
	a := daiyun.ActorFrom(ctx)
	if !(a.System || a.APIKeyID == 0 && (a.Role == daiyun.RoleAdmin || a.Role == daiyun.RoleDirector || a.Role == daiyun.RoleExpert)) {
		return daiyun.Errorf(daiyun.EFORBIDDEN, "benchmarks are edited by agency admins, directors and industry experts")
	}
	if !daiyun.ValidCategory(b.Category) {
		return daiyun.Errorf(daiyun.EINVALID, "category %q is not one of %v", b.Category, daiyun.Categories)
	}
	if strings.TrimSpace(b.Source) == "" {
		return daiyun.Errorf(daiyun.EINVALID, "benchmark source is required (say where the figure comes from)")
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO benchmarks (category, kpi, value, currency, source, edited, updated_at)
		VALUES ($1,$2,$3,$4,$5,TRUE,$6) ON CONFLICT (category, kpi)
		DO UPDATE SET value = excluded.value, currency = excluded.currency, source = excluded.source, edited = TRUE, updated_at = excluded.updated_at`,
		b.Category, b.KPI, b.Value, b.Currency, b.Source, s.now())
	if err != nil {
		return fmt.Errorf("catalog: set benchmark: %w", err)
	}
	return s.audit(ctx, 0, "benchmark.set", fmt.Sprintf("%s %s = %g (%s)", b.Category, b.KPI, b.Value, b.Source))
}

// Benchmarks lists the benchmark table (it holds no client data, so every
// logged-in user may read it).
func (s *Store) Benchmarks(ctx context.Context) ([]Benchmark, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT category, kpi, value, currency, source, edited FROM benchmarks ORDER BY category, kpi`)
	if err != nil {
		return nil, fmt.Errorf("catalog: benchmarks: %w", err)
	}
	defer rows.Close()
	var out []Benchmark
	for rows.Next() {
		var b Benchmark
		if err := rows.Scan(&b.Category, &b.KPI, &b.Value, &b.Currency, &b.Source, &b.Edited); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Benchmark returns one benchmark; ok is false when the table has none.
func (s *Store) Benchmark(ctx context.Context, category, kpi string) (Benchmark, bool, error) {
	b := Benchmark{Category: category, KPI: kpi}
	err := s.db.QueryRowContext(ctx, `SELECT value, currency, source, edited FROM benchmarks WHERE category=$1 AND kpi=$2`, category, kpi).
		Scan(&b.Value, &b.Currency, &b.Source, &b.Edited)
	if isNoRows(err) {
		return b, false, nil
	}
	return b, err == nil, err
}

// FXRate is a dated exchange rate: one unit of Base is worth Rate units of
// Quote from Day on (until a later rate). Rate is an exact decimal string.
type FXRate struct {
	Base   string      `json:"base"`
	Quote  string      `json:"quote"`
	Day    daiyun.Date `json:"day"`
	Rate   string      `json:"rate"`
	Source string      `json:"source,omitempty"`
}

// SetFXRate records a rate (agency admin or director).
func (s *Store) SetFXRate(ctx context.Context, r FXRate) error {
	a := daiyun.ActorFrom(ctx)
	if !(a.System || a.APIKeyID == 0 && (a.Role == daiyun.RoleAdmin || a.Role == daiyun.RoleDirector)) {
		return daiyun.Errorf(daiyun.EFORBIDDEN, "FX rates are edited by agency admins and directors")
	}
	r.Base, r.Quote = strings.ToUpper(r.Base), strings.ToUpper(r.Quote)
	for _, c := range []string{r.Base, r.Quote} {
		if !daiyun.ValidCurrency(c) {
			return daiyun.Errorf(daiyun.EINVALID, "currency %q is not an ISO 4217 code Daiyun knows", c)
		}
	}
	if r.Day.IsZero() {
		return daiyun.Errorf(daiyun.EINVALID, "FX rate day is required")
	}
	v, ok := new(big.Rat).SetString(strings.TrimSpace(r.Rate))
	if !ok || v.Sign() <= 0 {
		return daiyun.Errorf(daiyun.EINVALID, "FX rate %q is not a positive decimal", r.Rate)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO fx_rates (base, quote, day, rate, source, updated_at) VALUES ($1,$2,$3,$4,$5,$6)
		ON CONFLICT (base, quote, day) DO UPDATE SET rate = excluded.rate, source = excluded.source, updated_at = excluded.updated_at`,
		r.Base, r.Quote, r.Day.String(), strings.TrimSpace(r.Rate), r.Source, s.now())
	if err != nil {
		return fmt.Errorf("catalog: set fx rate: %w", err)
	}
	return s.audit(ctx, 0, "fx.set", fmt.Sprintf("%s/%s %s = %s", r.Base, r.Quote, r.Day, r.Rate))
}

// FXRates lists the rate table.
func (s *Store) FXRates(ctx context.Context) ([]FXRate, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT base, quote, day, rate, source FROM fx_rates ORDER BY base, quote, day`)
	if err != nil {
		return nil, fmt.Errorf("catalog: fx rates: %w", err)
	}
	defer rows.Close()
	var out []FXRate
	for rows.Next() {
		var r FXRate
		var day string
		if err := rows.Scan(&r.Base, &r.Quote, &day, &r.Rate, &r.Source); err != nil {
			return nil, err
		}
		r.Day, _ = daiyun.ParseDate(day)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Rate returns how many units of quote one unit of base is worth on day:
// the newest rate on or before day, or the inverse of the opposite pair. A
// missing rate is an error naming the pair and the day, never zero.
func (s *Store) Rate(ctx context.Context, base, quote string, day daiyun.Date) (*big.Rat, error) {
	if base == quote {
		return big.NewRat(1, 1), nil
	}
	for _, inverse := range []bool{false, true} {
		b, q := base, quote
		if inverse {
			b, q = quote, base
		}
		var text string
		err := s.db.QueryRowContext(ctx, `SELECT rate FROM fx_rates WHERE base=$1 AND quote=$2 AND day <= $3 ORDER BY day DESC LIMIT 1`,
			b, q, day.String()).Scan(&text)
		if isNoRows(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("catalog: fx rate: %w", err)
		}
		r, ok := new(big.Rat).SetString(text)
		if !ok || r.Sign() <= 0 {
			return nil, fmt.Errorf("catalog: fx rate %s/%s %q is not a positive decimal", b, q, text)
		}
		if inverse {
			r.Inv(r)
		}
		return r, nil
	}
	return nil, daiyun.Errorf(daiyun.EINVALID, "no FX rate from %s to %s on or before %s: add one with `daiyun fx set --base %s --quote %s --day %s --rate …`",
		base, quote, day, base, quote, day)
}
