package taobao_test

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/ingest/connectors"
	"github.com/daiyun/daiyun/ingest/connectors/connectorstest"
	"github.com/daiyun/daiyun/ingest/connectors/stub"
	"github.com/daiyun/daiyun/ingest/connectors/taobao"
	"github.com/daiyun/daiyun/warehouse"
	"github.com/daiyun/daiyun/warehouse/warehousetest"
)

func TestSignHandComputed(t *testing.T) {
	p := map[string]string{"method": "taobao.trade.fullinfo.get", "app_key": "12345678", "session": "test",
		"timestamp": "2016-01-01 12:00:00", "format": "json", "v": "2.0", "sign_method": "md5",
		"fields": "tid,type,status,payment,orders", "tid": "11223344", "sign": "ignored", "empty": ""}
	// Sorted by name, name+value, no sign and no empty value, wrapped in the secret:
	joined := "app_key12345678fieldstid,type,status,payment,ordersformatjsonmethodtaobao.trade.fullinfo.get" +
		"sessiontestsign_methodmd5tid11223344timestamp2016-01-01 12:00:00v2.0"
	sum := md5.Sum([]byte("helloworld" + joined + "helloworld"))
	want := strings.ToUpper(hex.EncodeToString(sum[:]))
	if want != "DAE4C765B6DC29FD8996BD5492075553" {
		t.Fatalf("hand computation = %s", want)
	}
	if got := taobao.Sign(p, "helloworld", taobao.SignMD5); got != want {
		t.Fatalf("md5 sign = %s, want %s", got, want)
	}
	// HMAC variants over the same concatenation (sign_method changes with them).
	p["sign_method"] = "hmac"
	if got := taobao.Sign(p, "helloworld", taobao.SignHMAC); got != "8DD569D003AE2F960E3BE1B5EE51B222" {
		t.Fatalf("hmac sign = %s", got)
	}
	p["sign_method"] = "hmac-sha256"
	if got := taobao.Sign(p, "helloworld", taobao.SignHMACSHA256); got != "3C3A40EF0384793E43C7BB894BE05D0F37A191345F2E4723086472840785BB73" {
		t.Fatalf("hmac-sha256 sign = %s", got)
	}
}

func TestStatus(t *testing.T) {
	for _, c := range []struct {
		top  string
		paid bool
		want string
	}{
		{"WAIT_BUYER_PAY", false, warehouse.StatusPending},
		{"WAIT_SELLER_SEND_GOODS", true, warehouse.StatusPaid},
		{"WAIT_BUYER_CONFIRM_GOODS", true, warehouse.StatusShipped},
		{"TRADE_FINISHED", true, warehouse.StatusCompleted},
		{"TRADE_CLOSED", true, warehouse.StatusRefunded},
		{"TRADE_CLOSED", false, warehouse.StatusClosed},
		{"TRADE_CLOSED_BY_TAOBAO", false, warehouse.StatusClosed},
	} {
		if got, ok := taobao.Status(c.top, c.paid); !ok || got != c.want {
			t.Errorf("Status(%s, %v) = %s, want %s", c.top, c.paid, got, c.want)
		}
	}
	if _, ok := taobao.Status("SOMETHING_NEW", true); ok {
		t.Error("an unknown status was mapped")
	}
}

var (
	now   = time.Date(2024, 6, 4, 0, 0, 0, 0, time.UTC)
	start = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
)

type fixture struct {
	env    *connectorstest.Env
	stub   *stub.Taobao
	conn   catalog.Connection
	runner *connectors.Runner
}

func setup(t *testing.T, trades int, signMethod string) *fixture {
	t.Helper()
	env := connectorstest.New(t, daiyun.PlatformTmall, "CNY", "Asia/Shanghai")
	s := stub.NewTaobao("12345678", "app-secret", "session-a", stub.TaobaoTrades(trades, start))
	t.Cleanup(s.Close)
	tc := taobao.New(connectors.Env{Now: func() time.Time { return now }, Retry: env.Retry()})
	tc.PageSize, tc.Lookback = 3, 3*24*time.Hour
	conn := env.Connect(t, env.ShopA, "taobao", s.URL, map[string]string{taobao.CredAppKey: "12345678",
		taobao.CredAppSecret: "app-secret", taobao.CredSession: "session-a", taobao.CredSignMethod: signMethod})
	return &fixture{env: env, stub: s, conn: conn, runner: connectors.NewRunner(env.Catalog, env.Warehouse, nil, tc)}
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

func TestSyncWindowsPagesAndMapping(t *testing.T) {
	// 20 trades, one every 3 hours from 2024-06-01 03:20 UTC: the last at
	// 06-03 12:20, all inside the 3-day lookback ending 06-03 23:58.
	f := setup(t, 20, taobao.SignHMACSHA256)
	run, err := f.sync(t)
	if err != nil {
		t.Fatal(err)
	}
	if got := query(t, f, `SELECT count(*) FROM orders WHERE {{tenants}}`); got[0][0] != "20" {
		t.Fatalf("orders = %s, want 20", got[0][0])
	}
	windows := map[string]bool{}
	for _, r := range f.stub.Requests() {
		if r.Get("method") != "taobao.trades.sold.increment.get" {
			continue
		}
		s, _ := time.Parse("2006-01-02 15:04:05", r.Get("start_modified"))
		e, _ := time.Parse("2006-01-02 15:04:05", r.Get("end_modified"))
		if e.Sub(s) > 24*time.Hour || !e.After(s) {
			t.Errorf("window %s – %s is not within a day", s, e)
		}
		if r.Get("use_has_next") != "true" || r.Get("sign_method") != "hmac-sha256" {
			t.Errorf("request %v", r)
		}
		windows[r.Get("start_modified")] = true
	}
	if len(windows) != 3 || run.Pages < 8 {
		t.Fatalf("windows = %v, pages = %d", windows, run.Pages)
	}
	// Trade 5: TRADE_CLOSED after payment with the gift sub-order refunded.
	got := query(t, f, `SELECT status, goods_minor, discount_minor, shipping_minor, total_minor, paid_minor, refund_minor, province, city,
		CAST(created_day AS VARCHAR), customer_id LIKE 'c_%' FROM orders WHERE {{tenants}} AND order_no = '3900000000000000005'`)
	want := []string{"refunded", "20100", "200", "0", "19900", "19900", "1500", "浙江省", "杭州市", "2024-06-01", "true"}
	if !reflect.DeepEqual(got[0], want) {
		t.Fatalf("trade 5 = %v, want %v", got[0], want)
	}
	lines := query(t, f, `SELECT line_no, sku_id, spu_id, quantity, unit_price_minor, amount_minor, refund_minor, refund_qty FROM order_lines
		WHERE {{tenants}} AND order_no = '3900000000000000005' ORDER BY line_no`)
	if fmt.Sprint(lines) != "[[1 SKU-1 SPU-2 2 9300 18600 0 0] [2 SKU-GIFT SPU-GIFT 1 1500 1500 1500 1]]" {
		t.Fatalf("lines = %v", lines)
	}
	for tid, st := range map[string]string{"3": "pending", "4": "closed", "6": "paid", "7": "shipped", "8": "completed"} {
		if got := query(t, f, `SELECT status FROM orders WHERE {{tenants}} AND order_no = $1`, "390000000000000000"+tid); got[0][0] != st {
			t.Errorf("trade %s status = %s, want %s", tid, got[0][0], st)
		}
	}
	hist := query(t, f, `SELECT status FROM order_status_history WHERE {{tenants}} AND order_no = '3900000000000000008' ORDER BY "at", status`)
	if fmt.Sprint(hist) != "[[pending] [paid] [shipped] [completed]]" {
		t.Fatalf("history = %v", hist)
	}
	all := fmt.Sprint(f.env.Dump(t, f.env.ClientA.ID))
	for _, pii := range []string{"张三", "13800138000", "文三路", "OpenUid", "t**"} {
		if strings.Contains(all, pii) {
			t.Errorf("the warehouse holds personal data %q", pii)
		}
	}
	// A second sync reads nothing new and changes nothing.
	before := f.env.Dump(t, f.env.ClientA.ID)
	run, err = f.sync(t)
	if err != nil || run.Inserted != 0 || run.Updated != 0 {
		t.Fatalf("second sync: %+v, %v", run, err)
	}
	if !reflect.DeepEqual(before, f.env.Dump(t, f.env.ClientA.ID)) {
		t.Fatal("the second sync changed the warehouse")
	}
}

func TestFlowLimitIsRetried(t *testing.T) {
	f := setup(t, 4, taobao.SignMD5)
	f.stub.SetFault(func(call int, method string, w http.ResponseWriter) bool {
		switch call {
		case 1:
			stub.AppCallLimited(w, 5)
		case 3:
			stub.TOPError(w, 15, "Remote service error", "isp.top-remote-connection-timeout", "")
		case 5:
			stub.Status429(w, 2)
		default:
			return false
		}
		return true
	})
	run, err := f.sync(t)
	if err != nil {
		t.Fatal(err)
	}
	if run.Retries != 3 {
		t.Fatalf("retries = %d, want 3", run.Retries)
	}
	want := []time.Duration{5 * time.Second, 750 * time.Millisecond, 2 * time.Second}
	if got := f.env.Sleeps.All(); !reflect.DeepEqual(got, want) {
		t.Fatalf("waits = %v, want %v", got, want)
	}
	// A wrong signature is not retried: it is permanent.
	f.stub.Secret = "rotated"
	f.env.Sleeps.Reset()
	if _, err := f.env.Catalog.Connection(f.env.Ctx, f.conn.ID); err != nil {
		t.Fatal(err)
	}
	f.env.Catalog.SaveConnectionCursor(f.env.Ctx, f.conn.ID, "")
	if _, err := f.sync(t); err == nil || !strings.Contains(err.Error(), "Invalid Signature") || len(f.env.Sleeps.All()) != 0 {
		t.Fatalf("bad signature: err = %v, waits = %v", err, f.env.Sleeps.All())
	}
}

func TestFailureMidSyncResumesFromCursor(t *testing.T) {
	clean := setup(t, 20, taobao.SignMD5)
	if _, err := clean.sync(t); err != nil {
		t.Fatal(err)
	}
	f := setup(t, 20, taobao.SignMD5)
	// Each page is 1 increment call + 3 fullinfo calls; call 9 is the
	// third page's increment call, failing on every attempt.
	f.stub.SetFault(stub.FailCalls(stub.Status500, 9, 10, 11))
	run, err := f.sync(t)
	if err == nil || run.Pages != 2 {
		t.Fatalf("run = %+v, err = %v; want a failure after 2 pages", run, err)
	}
	if got := query(t, f, `SELECT count(*) FROM orders WHERE {{tenants}}`); got[0][0] != "6" {
		t.Fatalf("orders after the failure = %s, want 6", got[0][0])
	}
	c, _ := f.env.Catalog.Connection(f.env.Ctx, f.conn.ID)
	if !strings.Contains(c.Cursor, `"page":3`) {
		t.Fatalf("cursor after failure = %s", c.Cursor)
	}
	f.stub.SetFault(nil)
	if _, err := f.sync(t); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.env.Normalized(t, f.env.ClientA.ID), clean.env.Normalized(t, clean.env.ClientA.ID)) {
		t.Fatal("the resumed warehouse differs from a clean run's")
	}
	for tb, rows := range f.env.Dump(t, f.env.ClientB.ID) {
		if len(rows) > 0 {
			t.Errorf("client B's %s has rows", tb)
		}
	}
}
