package catalog_test

import (
	"errors"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
)

func TestConnections(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *catalog.Store) {
		a, b := mustClient(t, s, "A"), mustClient(t, s, "B")
		shopA, shopB := mustShop(t, s, a.ID, "a"), mustShop(t, s, b.ID, "b")
		c := catalog.Connection{ShopID: shopA.ID, Kind: catalog.ConnectorShopify, Credentials: map[string]string{"access_token": "shpat_x"}}
		if err := s.CreateConnection(sys, &c); !errors.Is(err, catalog.ErrNoSecretKey) {
			t.Fatalf("a connection without a secret key: %v", err)
		}
		s.SetSecretKey(mustKey(t))
		if err := s.CreateConnection(sys, &c); err != nil {
			t.Fatal(err)
		}
		if c.ClientID != a.ID || c.Interval != 15*time.Minute || !c.Enabled {
			t.Fatalf("created %+v", c)
		}
		dup := catalog.Connection{ShopID: shopA.ID, Kind: catalog.ConnectorShopify}
		if err := s.CreateConnection(sys, &dup); daiyun.ErrorCode(err) != daiyun.ECONFLICT {
			t.Fatalf("duplicate: %v", err)
		}
		if err := s.CreateConnection(sys, &catalog.Connection{ShopID: shopA.ID, Kind: "ebay"}); daiyun.ErrorCode(err) != daiyun.EINVALID {
			t.Fatalf("unknown kind: %v", err)
		}
		if err := s.CreateConnection(sys, &catalog.Connection{ClientID: b.ID, ShopID: shopA.ID, Kind: catalog.ConnectorTaobao}); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
			t.Fatalf("client B on A's shop: %v", err)
		}
		cb := catalog.Connection{ShopID: shopB.ID, Kind: catalog.ConnectorTaobao}
		if err := s.CreateConnection(sys, &cb); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveConnectionCursor(sys, c.ID, `{"since":"x"}`); err != nil {
			t.Fatal(err)
		}
		got, err := s.Connection(sys, c.ID)
		if err != nil || got.Cursor != `{"since":"x"}` || got.CursorAt == nil || got.Credentials["access_token"] != "shpat_x" {
			t.Fatalf("connection = %+v, %v", got, err)
		}
		run, err := s.StartConnectionRun(sys, c.ID, "cli")
		if err != nil {
			t.Fatal(err)
		}
		run.Status, run.Pages, run.Inserted, run.Error = catalog.RunFailed, 2, 10, "boom"
		if err := s.FinishConnectionRun(sys, run); err != nil {
			t.Fatal(err)
		}
		runs, err := s.ConnectionRuns(sys, c.ID, 5)
		if err != nil || len(runs) != 1 || runs[0].Status != catalog.RunFailed || runs[0].Pages != 2 || runs[0].FinishedAt == nil {
			t.Fatalf("runs = %+v, %v", runs, err)
		}
		got, _ = s.Connection(sys, c.ID)
		if got.LastStatus != catalog.RunFailed || got.LastError != "boom" || got.LastRunAt == nil {
			t.Fatalf("last run not recorded: %+v", got)
		}
		fresh, err := s.RecordWebhook(sys, c.ID, "wh-1", "orders/create")
		if err != nil || !fresh {
			t.Fatalf("record webhook: %v %v", fresh, err)
		}
		if fresh, _ := s.RecordWebhook(sys, c.ID, "wh-1", "orders/create"); fresh {
			t.Fatal("a webhook was recorded twice")
		}
		if seen, _ := s.WebhookSeen(sys, c.ID, "wh-1"); !seen {
			t.Fatal("webhook not seen")
		}
		if err := s.SetConnectionEnabled(sys, cb.ID, false); err != nil {
			t.Fatal(err)
		}
		if on, _ := s.Connections(sys, catalog.ConnectionFilter{EnabledOnly: true}); len(on) != 1 || on[0].ID != c.ID {
			t.Fatalf("enabled = %+v", on)
		}
		// Client A's user sees only A's connection and cannot touch B's.
		ua := daiyun.WithActor(t.Context(), daiyun.Actor{UserID: 1, Role: daiyun.RoleClientManager, ClientID: a.ID})
		if cs, _ := s.Connections(ua, catalog.ConnectionFilter{}); len(cs) != 1 || cs[0].ID != c.ID {
			t.Fatalf("client A sees %+v", cs)
		}
		if _, err := s.Connection(ua, cb.ID); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
			t.Fatalf("client A reads B's connection: %v", err)
		}
		if err := s.SaveConnectionCursor(ua, cb.ID, "x"); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
			t.Fatalf("client A moves B's cursor: %v", err)
		}
		if err := s.DeleteConnection(sys, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Connection(sys, c.ID); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
			t.Fatalf("deleted connection: %v", err)
		}
	})
}
