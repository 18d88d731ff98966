package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
)

// The catalog's FX adapter lists the days a rate may change within a
// range, from both directions of the pair, and only those.
func TestCatalogRateChanges(t *testing.T) {
	ctx := daiyun.WithActor(context.Background(), daiyun.SystemActor)
	cat, err := catalog.Open(ctx, filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	if err := cat.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	day := func(s string) daiyun.Date {
		d, err := daiyun.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, r := range []catalog.FXRate{
		{Base: "USD", Quote: "CNY", Day: day("2026-01-01"), Rate: "7.2"},
		{Base: "USD", Quote: "CNY", Day: day("2026-03-10"), Rate: "7.1"},
		{Base: "CNY", Quote: "USD", Day: day("2026-03-20"), Rate: "0.14"},
		{Base: "EUR", Quote: "CNY", Day: day("2026-03-15"), Rate: "7.8"},
	} {
		if err := cat.SetFXRate(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := catalogRefs{cat}.RateChanges(ctx, "USD", "CNY", day("2026-01-01"), day("2026-03-31"))
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, d := range got {
		s = append(s, d.String())
	}
	if strings.Join(s, ",") != "2026-03-10,2026-03-20" {
		t.Errorf("USD→CNY changes in Q1: %v", s)
	}
}
