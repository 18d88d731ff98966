package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/ingest/connectors/stub"
)

func TestConnectAndSyncThroughTheCLI(t *testing.T) {
	s := stub.NewShopify("shpat_cli", stub.ShopifyOrders(7, time.Now().UTC().Add(-72*time.Hour), "USD"), stub.ShopifyVariants(3, "USD"))
	defer s.Close()
	env := map[string]string{"DAIYUN_DATA": t.TempDir()}
	mustRun(t, env, "client", "add", "--name", "Brand")
	mustRun(t, env, "shop", "add", "--client", "Brand", "--name", "US", "--platform", "shopify", "--category", "apparel",
		"--currency", "USD", "--timezone", "America/New_York")
	out := mustRun(t, env, "connect", "add", "--client", "Brand", "--shop", "US", "--kind", "shopify", "--base-url", s.URL,
		"--cred", "shop=brand.myshopify.com", "--cred", "access_token=shpat_cli", "--cred", "api_secret=very-secret", "--format", "json")
	if strings.Contains(out, "shpat_cli") || strings.Contains(out, "very-secret") {
		t.Fatalf("connect add printed a credential: %s", out)
	}
	var c catalog.Connection
	if err := json.Unmarshal([]byte(out), &c); err != nil || c.ID == 0 || c.Kind != "shopify" {
		t.Fatalf("connect add printed %q (%v)", out, err)
	}
	var runs []catalog.ConnectionRun
	if err := json.Unmarshal([]byte(mustRun(t, env, "sync", "--all", "--format", "json")), &runs); err != nil || len(runs) != 1 ||
		runs[0].Status != catalog.RunOK || runs[0].Inserted == 0 {
		t.Fatalf("sync: %+v (%v)", runs, err)
	}
	st := mustRun(t, env, "connect", "status", "1", "--format", "json")
	if !strings.Contains(st, `"status": "ok"`) || !strings.Contains(st, `"interval": "15m0s"`) || strings.Contains(st, "shpat_cli") {
		t.Fatalf("status: %s", st)
	}
	if _, err := run(t, env, "sync"); err == nil {
		t.Fatal("sync without ids or --all succeeded")
	}
}
