package finance

import (
	"context"
	"math"
	"math/big"
	"testing"

	"github.com/daiyun/daiyun"
)

func date(s string) daiyun.Date { d, _ := daiyun.ParseDate(s); return d }

type fixedFX struct{ rate *big.Rat }

func (f fixedFX) Rate(context.Context, string, string, daiyun.Date) (*big.Rat, error) {
	return f.rate, nil
}

func TestFeeRevenue(t *testing.T) {
	gmv := 200000.0
	k := daiyun.Contract{Currency: "CNY", StartDate: date("2026-11-11"), EndDate: date("2027-11-10"), BaseFeeMinor: 3000000, CommissionBP: 300}
	// November 1–30: the contract covers the 11th to the 30th (20 days).
	// Base: 30,000.00 CNY × 20/30 = 20,000.00. Commission: 3% of GMV × 20/30
	// of the period = 200,000 × 2/3 × 0.03 = 4,000.00.
	got, err := FeeRevenue(context.Background(), nil, []daiyun.Contract{k}, date("2026-11-01"), date("2026-11-30"), &gmv, "CNY")
	if err != nil || got == nil || math.Abs(*got-24000) > 1e-6 {
		t.Fatalf("fee revenue %v %v, want 24000", deref(got), err)
	}
	// A USD contract converts at the FX rate: 1,000.00 USD for all of
	// November at 7.1 = 7,100 CNY, no commission.
	usd := daiyun.Contract{Currency: "USD", StartDate: date("2026-01-01"), EndDate: date("2026-12-31"), BaseFeeMinor: 100000}
	got, err = FeeRevenue(context.Background(), fixedFX{big.NewRat(71, 10)}, []daiyun.Contract{usd}, date("2026-11-01"), date("2026-11-30"), nil, "CNY")
	if err != nil || math.Abs(*got-7100) > 1e-6 {
		t.Fatalf("USD fee revenue %v %v, want 7100", deref(got), err)
	}
	if _, err := FeeRevenue(context.Background(), nil, []daiyun.Contract{usd}, date("2026-11-01"), date("2026-11-30"), nil, "CNY"); err == nil {
		t.Fatal("a missing FX table gave no error")
	}
	if got, _ := FeeRevenue(context.Background(), nil, []daiyun.Contract{k}, date("2026-01-01"), date("2026-01-31"), &gmv, "CNY"); got != nil {
		t.Fatalf("no contract in the period gave %v", *got)
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}
