package shopify_test

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/ingest/connectors"
	"github.com/daiyun/daiyun/ingest/connectors/connectorstest"
	"github.com/daiyun/daiyun/ingest/connectors/shopify"
	"github.com/daiyun/daiyun/ingest/connectors/stub"
	"github.com/daiyun/daiyun/warehouse/warehousetest"
)

var (
	now   = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	start = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
)

const (
	token  = "shpat_test"
	secret = "app-secret"
)

type fixture struct {
	env    *connectorstest.Env
	stub   *stub.Shopify
	conn   catalog.Connection
	runner *connectors.Runner
	sc     *shopify.Connector
}

func setup(t *testing.T, orders, variants int) *fixture {
	t.Helper()
	return setupOn(t, connectorstest.New, orders, variants)
}

func setupOn(t *testing.T, open func(*testing.T, daiyun.Platform, string, string) *connectorstest.Env, orders, variants int) *fixture {
	t.Helper()
	env := open(t, daiyun.PlatformShopify, "USD", "America/New_York")
	s := stub.NewShopify(token, stub.ShopifyOrders(orders, start, "USD"), stub.ShopifyVariants(variants, "USD"))
	t.Cleanup(s.Close)
	sc := shopify.New(connectors.Env{Now: func() time.Time { return now }, Retry: env.Retry()})
	sc.PageSize = 5
	conn := env.Connect(t, env.ShopA, "shopify", s.URL, map[string]string{shopify.CredShop: "a.myshopify.com", shopify.CredAccessToken: token, shopify.CredAPISecret: secret})
	return &fixture{env: env, stub: s, conn: conn, runner: connectors.NewRunner(env.Catalog, env.Warehouse, nil, sc), sc: sc}
}

func (f *fixture) sync(t *testing.T) (catalog.ConnectionRun, error) {
	t.Helper()
	return f.runner.Sync(f.env.Ctx, f.conn.ID, "test")
}

func query(t *testing.T, f *fixture, q string, args ...any) [][]string {
	t.Helper()
	tenants, _ := daiyun.TenantsFor(f.env.Ctx, f.env.ClientA.ID)
	return warehousetest.Result(t, f.env.Warehouse, tenants, q, args...)
}

func TestSyncMapsOrdersVariantsAndStock(t *testing.T) {
	f := setup(t, 23, 7)
	run, err := f.sync(t)
	if err != nil {
		t.Fatal(err)
	}
	// 23 orders at 5 a page = 5 pages, 7 variants at 5 a page = 2 pages.
	if run.Status != catalog.RunOK || run.Pages != 7 {
		t.Fatalf("run = %+v, want ok with 7 pages", run)
	}
	if got := query(t, f, `SELECT count(*) FROM orders WHERE {{tenants}}`); got[0][0] != "23" {
		t.Fatalf("orders = %s, want 23", got[0][0])
	}
	// #1004: partially refunded, 2 lines (2 × 23.99 and 1 × 23.99), line 2 refunded;
	// created 04:00 UTC = midnight in New York.
	got := query(t, f, `SELECT status, goods_minor, discount_minor, shipping_minor, total_minor, paid_minor, refund_minor, province, city, source,
		CAST(created_day AS VARCHAR) FROM orders WHERE {{tenants}} AND order_no = '#1004'`)
	want := []string{"paid", "7197", "0", "500", "7697", "7697", "2399", "California", "San Francisco", "connector:shopify", "2024-05-01"}
	if !reflect.DeepEqual(got[0], want) {
		t.Fatalf("#1004 = %v, want %v", got[0], want)
	}
	lines := query(t, f, `SELECT line_no, sku_id, quantity, unit_price_minor, amount_minor, refund_minor, refund_qty FROM order_lines
		WHERE {{tenants}} AND order_no = '#1004' ORDER BY line_no`)
	if fmt.Sprint(lines) != "[[1 SKU-A0 2 2399 4798 0 0] [2 SKU-B0 1 2399 2399 2399 1]]" {
		t.Fatalf("#1004 lines = %v", lines)
	}
	for no, st := range map[string]string{"#1007": "closed", "#1003": "shipped", "#1006": "completed", "#1001": "paid"} {
		if got := query(t, f, `SELECT status FROM orders WHERE {{tenants}} AND order_no = $1`, no); got[0][0] != st {
			t.Errorf("%s status = %s, want %s", no, got[0][0], st)
		}
	}
	// Buyers are pseudonyms; 6 distinct e-mails.
	cust := query(t, f, `SELECT count(*), min(customer_id) FROM customers WHERE {{tenants}}`)
	if cust[0][0] != "6" || !strings.HasPrefix(cust[0][1], "c_") {
		t.Fatalf("customers = %v", cust)
	}
	stock := query(t, f, `SELECT sku_id, CAST(day AS VARCHAR), on_hand, reserved, in_transit FROM inventory_snapshots WHERE {{tenants}} AND sku_id = 'SKU-V2'`)
	if fmt.Sprint(stock) != "[[SKU-V2 2024-06-01 41 4 5]]" {
		t.Fatalf("stock = %v", stock)
	}
	sku := query(t, f, `SELECT title, category, price_minor, cost_minor, active FROM skus WHERE {{tenants}} AND sku_id = 'SKU-V2'`)
	if fmt.Sprint(sku) != "[[Hoodie - Size 2 apparel 2700 902 true]]" {
		t.Fatalf("sku = %v", sku)
	}
	assertNoPersonalData(t, f.env.Dump(t, f.env.ClientA.ID))
}

func assertNoPersonalData(t *testing.T, dump map[string][][]string) {
	t.Helper()
	all := fmt.Sprint(dump)
	for _, pii := range []string{"example.com", "Jane Roe", "Secret Lane", "+1 555", "94105"} {
		if strings.Contains(all, pii) {
			t.Errorf("the warehouse holds personal data %q", pii)
		}
	}
}

func TestSyncTwiceChangesNothing(t *testing.T) {
	f := setup(t, 12, 3)
	if _, err := f.sync(t); err != nil {
		t.Fatal(err)
	}
	before := f.env.Dump(t, f.env.ClientA.ID)
	run, err := f.sync(t)
	if err != nil {
		t.Fatal(err)
	}
	if run.Inserted != 0 || run.Updated != 0 {
		t.Fatalf("second sync wrote: %+v", run)
	}
	if after := f.env.Dump(t, f.env.ClientA.ID); !reflect.DeepEqual(before, after) {
		t.Fatal("the second sync changed the warehouse")
	}
	// The second sync asked only for orders updated since the newest one seen.
	qs := f.stub.Queries()
	if last := qs[len(qs)-1]; last != "updated_at:>='2024-05-01T12:30:00Z'" {
		t.Fatalf("incremental query = %q", last)
	}
}

func TestThrottlingIsRetriedWithTheAskedWait(t *testing.T) {
	f := setup(t, 3, 1)
	// Call 1: GraphQL THROTTLED (needs 752, has 552, restores 100/s → 2 s);
	// call 2: HTTP 429 with Retry-After: 3; call 3: a 502.
	throttled := 0
	f.stub.SetFault(func(call int, _ string, w http.ResponseWriter) bool {
		switch call {
		case 1:
			stub.Throttled(w)
		case 2:
			stub.Status429(w, 3)
		case 4:
			http.Error(w, "bad gateway", http.StatusBadGateway)
		default:
			return false
		}
		throttled++
		return true
	})
	run, err := f.sync(t)
	if err != nil {
		t.Fatal(err)
	}
	if run.Retries != 3 || throttled != 3 {
		t.Fatalf("retries = %d (faults %d), want 3", run.Retries, throttled)
	}
	waits := f.env.Sleeps.All()
	// Backoff with Rand=0.5 is 0.75·step; the platform's wait wins when longer.
	want := []time.Duration{2 * time.Second, 3 * time.Second, 750 * time.Millisecond}
	if !reflect.DeepEqual(waits, want) {
		t.Fatalf("waits = %v, want %v", waits, want)
	}
}

func TestRetriesAreBounded(t *testing.T) {
	f := setup(t, 3, 1)
	f.stub.SetFault(stub.FailCalls(stub.Status500, 1, 2, 3, 4))
	_, err := f.sync(t)
	if !errors.Is(err, connectors.ErrRetriesExhausted) {
		t.Fatalf("err = %v, want retries exhausted", err)
	}
	if got := f.stub.Calls(); got != 3 {
		t.Fatalf("calls = %d, want 3 attempts", got)
	}
	if w := f.env.Sleeps.All(); !reflect.DeepEqual(w, []time.Duration{750 * time.Millisecond, 1500 * time.Millisecond}) {
		t.Fatalf("backoff waits = %v", w)
	}
}

func TestFailureMidSyncResumesFromCursor(t *testing.T) {
	clean := setup(t, 23, 7)
	if _, err := clean.sync(t); err != nil {
		t.Fatal(err)
	}
	f := setup(t, 23, 7)
	// Page 3 of the orders fails on every attempt.
	f.stub.SetFault(stub.FailCalls(stub.Status500, 3, 4, 5))
	run, err := f.sync(t)
	if err == nil || run.Status != catalog.RunFailed || run.Pages != 2 {
		t.Fatalf("run = %+v, err = %v; want failed after 2 pages", run, err)
	}
	if got := query(t, f, `SELECT count(*) FROM orders WHERE {{tenants}}`); got[0][0] != "10" {
		t.Fatalf("orders after the failure = %s, want the 10 of pages 1–2", got[0][0])
	}
	c, _ := f.env.Catalog.Connection(f.env.Ctx, f.conn.ID)
	if !strings.Contains(c.Cursor, `"after"`) || c.LastStatus != catalog.RunFailed {
		t.Fatalf("connection after failure = %+v", c)
	}
	f.stub.SetFault(nil)
	run, err = f.sync(t)
	if err != nil {
		t.Fatal(err)
	}
	if run.Pages != 5 { // orders pages 3–5, variants 1–2
		t.Fatalf("resumed run read %d pages, want 5", run.Pages)
	}
	if !reflect.DeepEqual(f.env.Normalized(t, f.env.ClientA.ID), clean.env.Normalized(t, clean.env.ClientA.ID)) {
		t.Fatal("the resumed warehouse differs from a clean run's")
	}
}

func TestIsolation(t *testing.T) {
	f := setup(t, 5, 2)
	if _, err := f.sync(t); err != nil {
		t.Fatal(err)
	}
	for tb, rows := range f.env.Dump(t, f.env.ClientB.ID) {
		if len(rows) > 0 {
			t.Errorf("client B's %s has %d rows from client A's connection", tb, len(rows))
		}
	}
	// A connection cannot be made for another client's shop.
	bad := catalog.Connection{ClientID: f.env.ClientB.ID, ShopID: f.env.ShopA.ID, Kind: "shopify"}
	if err := f.env.Catalog.CreateConnection(f.env.Ctx, &bad); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
		t.Fatalf("connection of client B on client A's shop: err = %v", err)
	}
	// A client A user can neither see nor sync B's connections.
	connB := f.env.Connect(t, f.env.ShopB, "shopify", f.stub.URL, map[string]string{shopify.CredAccessToken: token, shopify.CredAPISecret: "b-secret"})
	ctxA := daiyun.WithActor(f.env.Ctx, daiyun.Actor{UserID: 9, Role: daiyun.RoleClientManager, ClientID: f.env.ClientA.ID})
	if _, err := f.runner.Sync(ctxA, connB.ID, "test"); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
		t.Fatalf("client A syncing B's connection: err = %v", err)
	}
	if cs, _ := f.env.Catalog.Connections(ctxA, catalog.ConnectionFilter{}); len(cs) != 1 || cs[0].ID != f.conn.ID {
		t.Fatalf("client A sees connections %+v", cs)
	}
}

func TestSignMatchesKnownVector(t *testing.T) {
	// HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog") =
	// f7bc83f4…2d1a3cd8, in base64:
	if got := shopify.Sign("key", []byte("The quick brown fox jumps over the lazy dog")); got != "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg=" {
		t.Fatalf("Sign = %s", got)
	}
}

func TestWebhook(t *testing.T) {
	f := setup(t, 3, 1)
	body := []byte(`{"id":5000002,"admin_graphql_api_id":"gid://shopify/Order/5000002","name":"#1002","email":"buyer2@example.com"}`)
	h := func(sig, id, topic string) http.Header {
		return http.Header{shopify.HeaderHmac: {sig}, shopify.HeaderWebhookID: {id}, shopify.HeaderTopic: {topic}}
	}
	ctx := t.Context() // no actor: webhooks are anonymous
	res, err := f.sc.HandleWebhook(ctx, f.runner, f.env.ShopA.ID, h(shopify.Sign(secret, body), "wh-1", "orders/create"), body)
	if err != nil || res.Order != "#1002" || res.Duplicate {
		t.Fatalf("first delivery: %+v, %v", res, err)
	}
	if got := query(t, f, `SELECT count(*) FROM orders WHERE {{tenants}} AND order_no = '#1002'`); got[0][0] != "1" {
		t.Fatalf("webhook order not written: %v", got)
	}
	// Redelivery of the same webhook id is skipped.
	res, err = f.sc.HandleWebhook(ctx, f.runner, f.env.ShopA.ID, h(shopify.Sign(secret, body), "wh-1", "orders/create"), body)
	if err != nil || !res.Duplicate {
		t.Fatalf("redelivery: %+v, %v", res, err)
	}
	// A refund names its order by order_id.
	refund := []byte(`{"id":880,"order_id":5000003,"created_at":"2024-05-01T03:40:00Z","refund_line_items":[]}`)
	res, err = f.sc.HandleWebhook(ctx, f.runner, f.env.ShopA.ID, h(shopify.Sign(secret, refund), "wh-2", "refunds/create"), refund)
	if err != nil || res.Order != "#1003" {
		t.Fatalf("refund delivery: %+v, %v", res, err)
	}
	tampered := append([]byte(nil), body...)
	tampered = []byte(strings.Replace(string(tampered), "5000002", "5000001", 1))
	for name, c := range map[string]struct {
		shop int64
		sig  string
		body []byte
	}{
		"tampered body":                      {f.env.ShopA.ID, shopify.Sign(secret, body), tampered},
		"wrong secret":                       {f.env.ShopA.ID, shopify.Sign("other", body), body},
		"no signature":                       {f.env.ShopA.ID, "", body},
		"not base64":                         {f.env.ShopA.ID, "%%%", body},
		"shop without connection (client B)": {f.env.ShopB.ID, shopify.Sign(secret, body), body},
	} {
		_, err := f.sc.HandleWebhook(ctx, f.runner, c.shop, h(c.sig, "wh-x-"+name, "orders/updated"), c.body)
		if daiyun.ErrorCode(err) != daiyun.EUNAUTHORIZED {
			t.Errorf("%s: err = %v, want unauthorized", name, err)
		}
	}
	if got := query(t, f, `SELECT count(*) FROM orders WHERE {{tenants}}`); got[0][0] != "2" {
		t.Fatalf("orders after rejected webhooks = %v, want 2", got)
	}
	if !slices.Contains(shopify.Topics, "refunds/create") {
		t.Fatal("refunds/create is not taken")
	}
}

// TestPostgreSQLAgreesWithDuckDB runs the failing-then-resumed sync with the
// catalog and warehouse on PostgreSQL and compares the result with a clean
// run on the embedded engines.
func TestPostgreSQLAgreesWithDuckDB(t *testing.T) {
	clean := setup(t, 12, 6)
	if _, err := clean.sync(t); err != nil {
		t.Fatal(err)
	}
	f := setupOn(t, connectorstest.NewPostgres, 12, 6)
	f.stub.SetFault(stub.FailCalls(stub.Status500, 2, 3, 4))
	if _, err := f.sync(t); err == nil {
		t.Fatal("the sync did not fail")
	}
	f.stub.SetFault(nil)
	if _, err := f.sync(t); err != nil {
		t.Fatal(err)
	}
	run, err := f.sync(t)
	if err != nil || run.Inserted != 0 || run.Updated != 0 {
		t.Fatalf("third sync: %+v, %v", run, err)
	}
	got, want := f.env.Normalized(t, f.env.ClientA.ID), clean.env.Normalized(t, clean.env.ClientA.ID)
	for _, tb := range connectorstest.Tables {
		if !reflect.DeepEqual(got[tb], want[tb]) {
			t.Errorf("%s differs:\npostgres %v\nduckdb   %v", tb, got[tb], want[tb])
		}
	}
}
