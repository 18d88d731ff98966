package web_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/imports"
)

// An NDJSON batch through POST /api/v1/ingest/orders with a client's API
// key: per-row outcomes (a bad row quarantined with its reason), the same
// Idempotency-Key answering the first response without writing, a reused
// key with another body refused, a replay without the key unchanged, and
// another client's key unable to write to the shop.
func TestIngestBatchOverHTTP(t *testing.T) {
	e := newEnv(t)
	keyA, err := e.cat.CreateAPIKey(sys, e.a.ID, "pipeline")
	if err != nil {
		t.Fatal(err)
	}
	keyB, err := e.cat.CreateAPIKey(sys, e.b.ID, "pipeline")
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Join([]string{
		`{"order_no":"T1","customer_id":"c1","status":"paid","created_at":"2026-05-01 10:00:00","paid_at":"2026-05-01 10:01:00","line_no":1,"sku_id":"S1","quantity":2,"unit_price_minor":500,"amount_minor":1000,"total_minor":1000}`,
		`{"order_no":"T2","customer_id":"c2","status":"paid","created_at":"2026-05-01 11:00:00","line_no":1,"sku_id":"S2","quantity":-1,"unit_price_minor":500,"amount_minor":500,"total_minor":500}`,
		`{"order_no":"T3","customer_id":"c1","status":"completed","created_at":"2026-05-02 09:00:00","line_no":1,"sku_id":"S1","quantity":1,"unit_price_minor":500,"amount_minor":500,"total_minor":500}`,
	}, "\n") + "\n"
	post := func(key, idem, shopBody string, shop int64) (int, string) {
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/ingest/orders?shop_id=%d", e.srv.URL, shop), strings.NewReader(shopBody))
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set("Authorization", "Bearer "+key)
		if idem != "" {
			req.Header.Set("Idempotency-Key", idem)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode == 200 && ct != "application/json" {
			t.Errorf("answer's Content-Type: %q", ct)
		}
		return resp.StatusCode, string(b)
	}
	code, first := post(keyA.Secret, "batch-1", body, e.shopA.ID)
	var res imports.BatchResult
	if err := json.Unmarshal([]byte(first), &res); code != 200 || err != nil {
		t.Fatalf("first batch: %d %s", code, first)
	}
	// The answer is written as bytes, not through huma's encoder: it must
	// still be what json.Marshal makes of the result, ended by a newline.
	if want, _ := json.Marshal(res); first != string(want)+"\n" {
		t.Fatalf("first batch's answer:\n got %q\nwant %q", first, want)
	}
	if res.Read != 3 || res.Inserted != 2 || res.Quarantined != 1 || len(res.Rows) != 3 ||
		res.Rows[0].Status != "accepted" || res.Rows[1].Status != "quarantined" || res.Rows[2].Status != "accepted" ||
		len(res.Rows[1].Errors) == 0 || !strings.Contains(res.Rows[1].Errors[0].Reason, "negative") {
		t.Fatalf("first batch: %+v", res)
	}
	if q, err := e.cat.Quarantine(sys, catalog.QuarantineFilter{ImportID: res.ImportID}); err != nil || len(q) != 1 || q[0].Row != 3 {
		t.Fatalf("quarantine in the catalog: %+v, %v", q, err)
	}
	if code, again := post(keyA.Secret, "batch-1", body, e.shopA.ID); code != 200 || again != first {
		t.Fatalf("replay with the same key: %d %s", code, again)
	}
	if code, _ := post(keyA.Secret, "batch-1", strings.Replace(body, "T3", "T4", 1), e.shopA.ID); code != 409 {
		t.Fatalf("reused key with another body: %d", code)
	}
	code, plain := post(keyA.Secret, "", body, e.shopA.ID)
	json.Unmarshal([]byte(plain), &res)
	if code != 200 || res.Unchanged != 2 || res.Inserted != 0 || res.Quarantined != 1 {
		t.Fatalf("replay without a key: %d %+v", code, res)
	}
	if code, out := post(keyB.Secret, "", body, e.shopA.ID); code != 404 || strings.Contains(out, "Alpha") {
		t.Fatalf("client B's key on client A's shop: %d %s", code, out)
	}
	var n int
	if err := e.wh.(interface{ SQL() *sql.DB }).SQL().QueryRow(`SELECT count(*) FROM order_lines WHERE shop_id = ?`, e.shopA.ID).Scan(&n); err != nil || n != 2 {
		t.Fatalf("order lines of shop A: %d, %v", n, err)
	}
}
