package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/internal/pgtest"
)

// run executes the binary's command tree in-process on a data directory and
// returns stdout; a failure returns the error as the binary would print it.
func run(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	m := NewMain()
	var out, errb bytes.Buffer
	m.Stdout, m.Stderr = &out, &errb
	m.Getenv = func(k string) string { return env[k] }
	err := m.Run(context.Background(), args)
	m.Close()
	return out.String(), err
}

func mustRun(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	out, err := run(t, env, args...)
	if err != nil {
		t.Fatalf("daiyun %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func TestAgencyThroughTheCLI(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"DAIYUN_DATA": data}
	out := mustRun(t, env, "client", "add", "--name", "示例美妆", "--package", "full", "--addons", "live_streaming,kol", "--format", "json")
	var c daiyun.Client
	if err := json.Unmarshal([]byte(out), &c); err != nil || c.ID == 0 || c.Package != daiyun.PackageFull || len(c.Addons) != 2 {
		t.Fatalf("client add printed %q (%v)", out, err)
	}
	mustRun(t, env, "shop", "add", "--client", "示例美妆", "--name", "旗舰店", "--platform", "tmall", "--category", "beauty",
		"--currency", "CNY", "--timezone", "Asia/Shanghai")
	mustRun(t, env, "shop", "add", "--client", "1", "--name", "US store", "--platform", "shopify", "--category", "beauty",
		"--currency", "USD", "--timezone", "America/New_York")
	var shops []daiyun.Shop
	json.Unmarshal([]byte(mustRun(t, env, "shop", "list", "--client", "示例美妆", "--format", "json")), &shops)
	if len(shops) != 2 || shops[0].Name != "US store" || shops[0].Timezone != "America/New_York" {
		t.Fatalf("shops: %+v", shops)
	}
	csv := mustRun(t, env, "shop", "list", "--format", "csv")
	if !strings.HasPrefix(csv, "id,client_id,name,platform,category,currency,timezone\n") || strings.Count(csv, "\n") != 3 {
		t.Fatalf("csv: %q", csv)
	}
	mustRun(t, env, "contract", "add", "--client", "示例美妆", "--start", "2026-01-01", "--end", "2026-12-31",
		"--base-fee", "30000", "--commission-bp", "300", "--deposit", "50000", "--marketing-budget", "120000.50",
		"--kpis", `[{"kpi":"gmv","op":">=","target":0.3,"change":true,"period":"month"}]`)
	var shown struct {
		Contracts []daiyun.Contract `json:"contracts"`
	}
	json.Unmarshal([]byte(mustRun(t, env, "client", "show", "示例美妆", "--format", "json")), &shown)
	if len(shown.Contracts) != 1 || shown.Contracts[0].MarketingBudget != 12000050 || shown.Contracts[0].BaseFeeMinor != 3000000 {
		t.Fatalf("contract: %+v", shown.Contracts)
	}
	mustRun(t, env, "user", "add", "--email", "ops@agency.test", "--role", "specialist", "--password", "long-password")
	mustRun(t, env, "assign", "add", "--user", "ops@agency.test", "--client", "示例美妆", "--function", "specialist")
	mustRun(t, env, "user", "add", "--email", "brand@client.test", "--role", "client_manager", "--client", "示例美妆", "--password", "long-password")
	var key daiyun.APIKey
	json.Unmarshal([]byte(mustRun(t, env, "apikey", "create", "--client", "示例美妆", "--format", "json")), &key)
	if !strings.HasPrefix(key.Secret, "dyk_") {
		t.Fatalf("api key: %+v", key)
	}
	if out := mustRun(t, env, "package", "list", "--format", "json"); !strings.Contains(out, `"full"`) {
		t.Fatalf("packages: %s", out)
	}
}

func TestBadInputNamesFieldAndValue(t *testing.T) {
	env := map[string]string{"DAIYUN_DATA": t.TempDir()}
	mustRun(t, env, "client", "add", "--name", "A")
	mustRun(t, env, "shop", "add", "--client", "A", "--name", "S", "--platform", "jd", "--category", "beauty")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"client", "add", "--name", "A"}, `client named "A" already exists`},
		{[]string{"shop", "add", "--client", "A", "--name", "S", "--platform", "jd", "--category", "beauty"}, `already has a shop named "S"`},
		{[]string{"shop", "add", "--client", "A", "--name", "T", "--platform", "jd", "--category", "beauty", "--currency", "RMB"}, `currency "RMB"`},
		{[]string{"shop", "add", "--client", "A", "--name", "T", "--platform", "jd", "--category", "beauty", "--timezone", "Asia/Beijing"}, `timezone "Asia/Beijing" does not exist`},
		{[]string{"shop", "add", "--client", "Nobody", "--name", "T", "--platform", "jd", "--category", "beauty"}, `client "Nobody" not found`},
		{[]string{"contract", "add", "--client", "A", "--start", "2026-06-01", "--end", "2026-01-01"}, `end_date 2026-01-01 is not after start_date 2026-06-01`},
		{[]string{"contract", "add", "--client", "A", "--start", "2026-13-01", "--end", "2027-01-01"}, `--start "2026-13-01"`},
		{[]string{"contract", "add", "--client", "A", "--start", "2026-01-01", "--end", "2027-01-01", "--base-fee", "12.345"}, `--base-fee "12.345"`},
		{[]string{"user", "add", "--email", "x@y.test", "--role", "boss", "--password", "long-password"}, `role "boss"`},
		{[]string{"client", "list", "--format", "xml"}, `--format "xml"`},
	}
	for _, tc := range cases {
		_, err := run(t, env, tc.args...)
		if err == nil || !strings.Contains(daiyun.ErrorMessageOrText(err), tc.want) {
			t.Errorf("daiyun %s: got %v, want a message containing %s", strings.Join(tc.args, " "), err, tc.want)
		}
	}
	var shops []daiyun.Shop
	json.Unmarshal([]byte(mustRun(t, env, "shop", "list", "--format", "json")), &shops)
	if len(shops) != 1 {
		t.Fatalf("a refused shop was written: %+v", shops)
	}
}

func TestConfigLayers(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "daiyun.yaml")
	os.WriteFile(file, []byte("data: /from/file\naddr: 127.0.0.1:9000\nlog_level: warn\n"), 0o600)
	m := NewMain()
	root := m.Root()
	root.ParseFlags([]string{"--data", "/from/flag"})
	cfg, err := resolve(root.Flags(), m.flagCfg, file, func(k string) string {
		return map[string]string{"DAIYUN_DATA": "/from/env", "DAIYUN_LOG_LEVEL": "debug"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "/from/flag" || cfg.LogLevel != "debug" || cfg.Addr != "127.0.0.1:9000" {
		t.Fatalf("layers: %+v", cfg)
	}
	bad := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"DAIYUN_CATALOG_URL": "mysql://x"}, `--catalog-url "mysql://x" is not a postgres:// URL`},
		{map[string]string{"DAIYUN_LOG_FORMAT": "xml"}, `--log-format "xml"`},
		{map[string]string{"DAIYUN_SECURE_COOKIES": "maybe"}, `DAIYUN_SECURE_COOKIES="maybe"`},
		{map[string]string{"DAIYUN_CONFIG": filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
	}
	for _, tc := range bad {
		if _, err := run(t, tc.env, "client", "list"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("env %v: got %v, want %s", tc.env, err, tc.want)
		}
	}
	os.WriteFile(file, []byte("data: x\nunknown_key: 1\n"), 0o600)
	if _, err := run(t, map[string]string{"DAIYUN_CONFIG": file}, "client", "list"); err == nil || !strings.Contains(err.Error(), "unknown_key") {
		t.Errorf("unknown config key: %v", err)
	}
}

func TestUnreachableDatabaseIsAClearError(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err := run(t, map[string]string{"DAIYUN_CATALOG_URL": "postgres://postgres@" + addr + "/x?connect_timeout=2"}, "client", "list")
	if err == nil || !strings.Contains(err.Error(), "catalog: cannot reach postgres://postgres@"+addr) {
		t.Fatalf("got %v", err)
	}
}

func TestServerModeOnPostgreSQL(t *testing.T) {
	url := pgtest.New(t)
	// The data directory still holds the generated secret key file.
	env := map[string]string{"DAIYUN_CATALOG_URL": url, "DAIYUN_WAREHOUSE_URL": url, "DAIYUN_DATA": t.TempDir()}
	if _, err := run(t, env, "client", "list"); err == nil || !strings.Contains(err.Error(), "run `daiyun migrate`") {
		t.Fatalf("unmigrated server database: %v", err)
	}
	mustRun(t, env, "migrate")
	// The demo generates straight into PostgreSQL, and the overview's
	// numbers come back from it.
	mustRun(t, env, "demo", "--shops", "3", "--order-lines", "3000", "--years", "1", "--end", "2026-11-01")
	out := mustRun(t, env, "metrics", "query", "--kpis", "gmv,orders", "--from", "2026-10-01", "--to", "2026-10-31", "--format", "json")
	if !strings.Contains(out, `"gmv"`) || strings.Contains(out, `"value": null`) {
		t.Fatalf("metrics on the PostgreSQL demo: %s", out)
	}
	mustRun(t, env, "client", "add", "--name", "PG client")
	if out := mustRun(t, env, "client", "list", "--format", "json"); !strings.Contains(out, "PG client") {
		t.Fatalf("list: %s", out)
	}
}

func TestServeAnswersHealthAndReadiness(t *testing.T) {
	data := t.TempDir()
	m := NewMain()
	m.Stdout, m.Stderr = &bytes.Buffer{}, &bytes.Buffer{}
	m.Getenv = func(string) string { return "" }
	m.Config.DataDir = data
	m.Logger = newLogger(m.Stderr, m.Config)
	defer m.Close()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := m.Server(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx, srv, ln, &bytes.Buffer{}) }()
	base := "http://" + ln.Addr().String()
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"} {
		var resp *http.Response
		for i := 0; i < 50; i++ {
			if resp, err = http.Get(base + path); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", path, resp, err)
		}
		resp.Body.Close()
	}
	resp, _ := http.Get(base + "/metrics")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"daiyun_http_requests_total", "daiyun_http_request_duration_seconds", "daiyun_warehouse_seconds"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if b, err := os.ReadFile(filepath.Join(data, "daiyun.lock")); err != nil || !strings.Contains(string(b), ln.Addr().String()) {
		t.Fatalf("lock file: %s %v", b, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(data, "daiyun.lock")); !os.IsNotExist(err) {
		t.Fatal("lock file left behind")
	}
}
