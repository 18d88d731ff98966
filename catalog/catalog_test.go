package catalog_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/internal/pgtest"
)

// engines opens a fresh, migrated catalog on each engine.
var engines = map[string]func(t *testing.T) *catalog.Store{
	"sqlite": func(t *testing.T) *catalog.Store {
		return open(t, filepath.Join(t.TempDir(), "catalog.db"))
	},
	"postgres": func(t *testing.T) *catalog.Store {
		return open(t, pgtest.New(t))
	},
}

func open(t *testing.T, url string) *catalog.Store {
	t.Helper()
	s, err := catalog.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func forEachEngine(t *testing.T, fn func(t *testing.T, s *catalog.Store)) {
	for name, openFn := range engines {
		t.Run(name, func(t *testing.T) { fn(t, openFn(t)) })
	}
}

var sys = daiyun.WithActor(context.Background(), daiyun.SystemActor)

func mustClient(t *testing.T, s *catalog.Store, name string) daiyun.Client {
	t.Helper()
	c := daiyun.Client{Name: name, Package: daiyun.PackageFull}
	if err := s.CreateClient(sys, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func mustShop(t *testing.T, s *catalog.Store, clientID int64, name string) daiyun.Shop {
	t.Helper()
	sh := daiyun.Shop{ClientID: clientID, Name: name, Platform: daiyun.PlatformTmall, Category: "beauty", Currency: "CNY", Timezone: "Asia/Shanghai"}
	if err := s.CreateShop(sys, &sh); err != nil {
		t.Fatal(err)
	}
	return sh
}

func TestMigrateIsIdempotent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *catalog.Store) {
		if err := s.Migrate(sys); err != nil {
			t.Fatal(err)
		}
		if err := s.CheckSchema(sys); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSchemaNewerThanBinaryIsRefused(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *catalog.Store) {
		if _, err := s.DB().Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 'x')`); err != nil {
			t.Fatal(err)
		}
		for _, err := range []error{s.Migrate(sys), s.CheckSchema(sys)} {
			if daiyun.ErrorCode(err) != daiyun.EINVALID {
				t.Fatalf("got %v, want a refusal", err)
			}
		}
	})
}

func TestClientsAndShops(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *catalog.Store) {
		c := mustClient(t, s, "示例美妆")
		if err := s.CreateClient(sys, &daiyun.Client{Name: "示例美妆"}); daiyun.ErrorCode(err) != daiyun.ECONFLICT {
			t.Fatalf("duplicate client: got %v", err)
		}
		sh := mustShop(t, s, c.ID, "旗舰店")
		dup := sh
		if err := s.CreateShop(sys, &dup); daiyun.ErrorCode(err) != daiyun.ECONFLICT {
			t.Fatalf("duplicate shop: got %v", err)
		}
		got, err := s.FindShop(sys, c.ID, "旗舰店")
		if err != nil || got.ID != sh.ID || got.Timezone != "Asia/Shanghai" {
			t.Fatalf("find shop: %+v %v", got, err)
		}
		found, err := s.FindClient(sys, "示例美妆")
		if err != nil || found.ID != c.ID || found.Package != daiyun.PackageFull {
			t.Fatalf("find client: %+v %v", found, err)
		}
		key, err := s.ClientKey(sys, c.ID)
		if err != nil || len(key) != 32 {
			t.Fatalf("client key: %d %v", len(key), err)
		}
	})
}

func TestBadShopInputNamesFieldAndValue(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *catalog.Store) {
		c := mustClient(t, s, "A")
		cases := []struct {
			shop daiyun.Shop
			want string
		}{
			{daiyun.Shop{ClientID: c.ID, Name: "x", Platform: "ebay", Category: "beauty", Currency: "CNY", Timezone: "UTC"}, `platform "ebay"`},
			{daiyun.Shop{ClientID: c.ID, Name: "x", Platform: "jd", Category: "beauty", Currency: "XYZ", Timezone: "UTC"}, `currency "XYZ"`},
			{daiyun.Shop{ClientID: c.ID, Name: "x", Platform: "jd", Category: "beauty", Currency: "CNY", Timezone: "Mars/Olympus"}, `timezone "Mars/Olympus"`},
			{daiyun.Shop{ClientID: c.ID, Name: "x", Platform: "jd", Category: "cars", Currency: "CNY", Timezone: "UTC"}, `category "cars"`},
		}
		for _, tc := range cases {
			err := s.CreateShop(sys, &tc.shop)
			if daiyun.ErrorCode(err) != daiyun.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an invalid error naming %s", err, tc.want)
			}
		}
		if shops, _ := s.Shops(sys, catalog.ShopFilter{}); len(shops) != 0 {
			t.Fatalf("a rejected shop was written: %+v", shops)
		}
	})
}

func TestContractDatesReversedRefused(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *catalog.Store) {
		c := mustClient(t, s, "A")
		start, _ := daiyun.ParseDate("2026-06-01")
		end, _ := daiyun.ParseDate("2026-01-01")
		k := daiyun.Contract{ClientID: c.ID, Package: daiyun.PackageBasic, Currency: "CNY", StartDate: start, EndDate: end}
		if err := s.CreateContract(sys, &k); daiyun.ErrorCode(err) != daiyun.EINVALID || !strings.Contains(err.Error(), "end_date 2026-01-01") {
			t.Fatalf("got %v", err)
		}
		k.StartDate, k.EndDate = end, start
		k.BaseFeeMinor, k.CommissionBP = 3000000, 300
		k.Payments = []daiyun.PaymentStage{{Name: "first", DueDate: end, AmountMinor: 1000000}}
		k.CommittedKPIs = []daiyun.CommittedKPI{{KPI: "gmv", Op: ">=", Target: 0.3, Change: true, Period: "month"}}
		if err := s.CreateContract(sys, &k); err != nil {
			t.Fatal(err)
		}
		got, err := s.Contract(sys, k.ID)
		if err != nil || got.BaseFeeMinor != 3000000 || len(got.Payments) != 1 || got.CommittedKPIs[0].Target != 0.3 || got.EndDate.String() != "2026-06-01" {
			t.Fatalf("round trip: %+v %v", got, err)
		}
	})
}

func TestIsolation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *catalog.Store) {
		a, b := mustClient(t, s, "A"), mustClient(t, s, "B")
		shA, shB := mustShop(t, s, a.ID, "a-shop"), mustShop(t, s, b.ID, "b-shop")
		spec := daiyun.User{Email: "spec@x.test", Role: daiyun.RoleSpecialist}
		if err := s.CreateUser(sys, &spec, "password1"); err != nil {
			t.Fatal(err)
		}
		if err := s.Assign(sys, daiyun.Assignment{UserID: spec.ID, ClientID: a.ID}); err != nil {
			t.Fatal(err)
		}
		mgrB := daiyun.User{Email: "mgr@b.test", Role: daiyun.RoleClientManager, ClientID: b.ID}
		if err := s.CreateUser(sys, &mgrB, "password1"); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			user          daiyun.User
			sees, notSees daiyun.Shop
		}{{spec, shA, shB}, {mgrB, shB, shA}} {
			actor, _, err := s.ActorFor(sys, tc.user.ID)
			if err != nil {
				t.Fatal(err)
			}
			ctx := daiyun.WithActor(context.Background(), actor)
			shops, err := s.Shops(ctx, catalog.ShopFilter{})
			if err != nil || len(shops) != 1 || shops[0].ID != tc.sees.ID {
				t.Fatalf("%s sees %+v (%v)", tc.user.Email, shops, err)
			}
			if _, err := s.Shop(ctx, tc.notSees.ID); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
				t.Fatalf("%s reading another client's shop: %v", tc.user.Email, err)
			}
			if _, err := s.ClientKey(ctx, tc.notSees.ClientID); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
				t.Fatalf("%s reading another client's key: %v", tc.user.Email, err)
			}
			if err := s.CreateShop(ctx, &daiyun.Shop{ClientID: tc.sees.ClientID, Name: "new"}); daiyun.ErrorCode(err) != daiyun.EFORBIDDEN {
				t.Fatalf("%s creating a shop: %v", tc.user.Email, err)
			}
			if _, err := daiyun.TenantsFor(ctx, tc.notSees.ClientID); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
				t.Fatalf("%s tenants of another client: %v", tc.user.Email, err)
			}
		}
		// No actor at all sees nothing.
		if shops, _ := s.Shops(context.Background(), catalog.ShopFilter{}); len(shops) != 0 {
			t.Fatalf("anonymous context sees %d shops", len(shops))
		}
	})
}

func TestAuthenticateAndAPIKeys(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *catalog.Store) {
		c := mustClient(t, s, "A")
		u := daiyun.User{Email: "Admin@X.test", Role: daiyun.RoleAdmin}
		if err := s.CreateUser(sys, &u, "short"); daiyun.ErrorCode(err) != daiyun.EINVALID {
			t.Fatalf("short password: %v", err)
		}
		if err := s.CreateUser(sys, &u, "correct horse"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(sys, "admin@x.test", "correct horse"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(sys, "admin@x.test", "wrong horse"); daiyun.ErrorCode(err) != daiyun.EUNAUTHORIZED {
			t.Fatalf("wrong password: %v", err)
		}
		k, err := s.CreateAPIKey(sys, c.ID, "erp")
		if err != nil || k.Secret == "" {
			t.Fatal(err)
		}
		a, err := s.ActorForAPIKey(sys, k.Secret)
		if err != nil || a.ClientID != c.ID || a.APIKeyID != k.ID || a.AllClients() {
			t.Fatalf("api key actor: %+v %v", a, err)
		}
		if _, err := s.ActorForAPIKey(sys, k.Secret+"x"); err == nil {
			t.Fatal("tampered key accepted")
		}
		if err := s.RevokeAPIKey(sys, k.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ActorForAPIKey(sys, k.Secret); err == nil {
			t.Fatal("revoked key accepted")
		}
	})
}

func TestReferenceData(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *catalog.Store) {
		c := mustClient(t, s, "A")
		sh := mustShop(t, s, c.ID, "S")
		nov, _ := daiyun.ParseDate("2026-11-01")
		if err := s.SetTarget(sys, catalog.Target{ClientID: c.ID, ShopID: sh.ID, KPI: "gmv", Month: nov, Value: 500000, Currency: "CNY"}); err != nil {
			t.Fatal(err)
		}
		mid, _ := daiyun.ParseDate("2026-11-15")
		if err := s.SetTarget(sys, catalog.Target{ClientID: c.ID, KPI: "gmv", Month: mid, Value: 1}); daiyun.ErrorCode(err) != daiyun.EINVALID {
			t.Fatalf("mid-month target: %v", err)
		}
		got, ok, err := s.Target(sys, c.ID, sh.ID, "gmv", nov)
		if err != nil || !ok || got.Value != 500000 {
			t.Fatalf("target: %+v %v %v", got, ok, err)
		}
		if err := s.SeedBenchmarks(sys, []catalog.Benchmark{{Category: "beauty", KPI: "conversion_rate", Value: 3, Source: "assumption"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetBenchmark(sys, catalog.Benchmark{Category: "beauty", KPI: "conversion_rate", Value: 3.5, Source: "agency survey 2026"}); err != nil {
			t.Fatal(err)
		}
		// Seeding again keeps the agency's edit.
		s.SeedBenchmarks(sys, []catalog.Benchmark{{Category: "beauty", KPI: "conversion_rate", Value: 3, Source: "assumption"}})
		b, ok, _ := s.Benchmark(sys, "beauty", "conversion_rate")
		if !ok || b.Value != 3.5 || !b.Edited {
			t.Fatalf("benchmark: %+v", b)
		}
		d1, _ := daiyun.ParseDate("2026-01-01")
		if err := s.SetFXRate(sys, catalog.FXRate{Base: "USD", Quote: "CNY", Day: d1, Rate: "7.1234"}); err != nil {
			t.Fatal(err)
		}
		r, err := s.Rate(sys, "USD", "CNY", nov)
		if err != nil || r.FloatString(4) != "7.1234" {
			t.Fatalf("rate: %v %v", r, err)
		}
		r, err = s.Rate(sys, "CNY", "USD", nov)
		if err != nil || r.FloatString(6) != "0.140382" {
			t.Fatalf("inverse rate: %v %v", r, err)
		}
		before, _ := daiyun.ParseDate("2025-12-31")
		if _, err := s.Rate(sys, "USD", "CNY", before); err == nil || !strings.Contains(err.Error(), "no FX rate from USD to CNY on or before 2025-12-31") {
			t.Fatalf("missing rate: %v", err)
		}
		if err := s.SetFXRate(sys, catalog.FXRate{Base: "USD", Quote: "CNY", Day: d1, Rate: "0"}); daiyun.ErrorCode(err) != daiyun.EINVALID {
			t.Fatalf("zero rate: %v", err)
		}
	})
}

// A binary may bring a migration numbered below one already applied (each
// capability has its own range); Migrate applies it and CheckSchema
// notices until it has.
func TestMigrationBelowTheNewestIsApplied(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *catalog.Store) {
		for _, q := range []string{`DROP TABLE targets`, `DROP TABLE benchmarks`, `DROP TABLE fx_rates`, `DELETE FROM schema_migrations WHERE version = 2`} {
			if _, err := s.DB().Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CheckSchema(sys); err == nil || !strings.Contains(err.Error(), "0002_references.sql") {
			t.Fatalf("check with a gap: %v", err)
		}
		if err := s.Migrate(sys); err != nil {
			t.Fatal(err)
		}
		if err := s.CheckSchema(sys); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Benchmarks(sys); err != nil {
			t.Fatalf("re-applied table: %v", err)
		}
	})
}

// Concurrent import runs (API batches from several clients at once) must
// not fail on the catalog's write lock.
func TestConcurrentImportRuns(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *catalog.Store) {
		c := mustClient(t, s, "A")
		sh := mustShop(t, s, c.ID, "S")
		const workers, each = 16, 16
		errs := make(chan error, workers*each)
		for w := range workers {
			go func() {
				for i := range each {
					id := fmt.Sprintf("imp_%d_%d", w, i)
					rec := catalog.ImportRecord{ID: id, ClientID: c.ID, ShopID: sh.ID, File: "x.csv", Source: "api"}
					err := s.StartImport(sys, &rec)
					if err == nil {
						err = s.SaveQuarantine(sys, []catalog.QuarantineRow{{ImportID: id, ClientID: c.ID, ShopID: sh.ID, File: "x.csv", Row: 2, Reason: "bad"}})
					}
					if err == nil {
						err = s.FinishImport(sys, id, catalog.ImportCommitted, map[string]int{"read": 1})
					}
					errs <- err
				}
			}()
		}
		for range workers * each {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		runs, err := s.Imports(sys, c.ID, 500)
		if err != nil || len(runs) != workers*each {
			t.Fatalf("%d runs, %v", len(runs), err)
		}
	})
}
