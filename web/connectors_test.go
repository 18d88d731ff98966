package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/ingest/connectors/shopify"
	"github.com/daiyun/daiyun/ingest/connectors/stub"
)

// A signed Shopify webhook for client A's shop is taken once; a tampered
// one and one sent to client B's shop with A's signature are refused.
func TestShopifyWebhookOverHTTP(t *testing.T) {
	e := newEnv(t)
	s := stub.NewShopify("tok", stub.ShopifyOrders(2, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), e.shopA.Currency), nil)
	defer s.Close()
	c := catalog.Connection{ShopID: e.shopA.ID, Kind: "shopify", BaseURL: s.URL, Credentials: map[string]string{"access_token": "tok", "api_secret": "sec"}}
	key, err := catalog.ParseSecretKey(catalog.GenerateSecretKey())
	if err != nil {
		t.Fatal(err)
	}
	e.cat.SetSecretKey(key)
	if err := e.cat.CreateConnection(sys, &c); err != nil {
		t.Fatal(err)
	}
	body := `{"id":5000001,"name":"#1001"}`
	post := func(shopID int64, sig, id, payload string) (int, string) {
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/webhooks/shopify/%d", e.srv.URL, shopID), strings.NewReader(payload))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Shopify-Hmac-Sha256", sig)
		req.Header.Set("X-Shopify-Topic", "orders/updated")
		req.Header.Set("X-Shopify-Webhook-Id", id)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, readAll(resp)
	}
	if code, text := post(e.shopA.ID, shopify.Sign("sec", []byte(body)), "d-1", body); code != 200 || !strings.Contains(text, `"#1001"`) {
		t.Fatalf("signed delivery: %d %s", code, text)
	}
	if code, text := post(e.shopA.ID, shopify.Sign("sec", []byte(body)), "d-1", body); code != 200 || !strings.Contains(text, `"duplicate":true`) {
		t.Fatalf("redelivery: %d %s", code, text)
	}
	tampered := strings.Replace(body, "5000001", "5000002", 1)
	if code, _ := post(e.shopA.ID, shopify.Sign("sec", []byte(body)), "d-2", tampered); code != 401 {
		t.Fatalf("tampered body: %d", code)
	}
	if code, _ := post(e.shopB.ID, shopify.Sign("sec", []byte(body)), "d-3", body); code != 401 {
		t.Fatalf("A's signature on B's shop: %d", code)
	}
}
