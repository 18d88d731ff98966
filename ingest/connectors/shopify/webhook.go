package shopify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/ingest/connectors"
)

// Webhook headers Shopify sends with every delivery.
const (
	HeaderHmac      = "X-Shopify-Hmac-Sha256"
	HeaderTopic     = "X-Shopify-Topic"
	HeaderWebhookID = "X-Shopify-Webhook-Id"
	HeaderShop      = "X-Shopify-Shop-Domain"
)

// Topics the connector takes.
var Topics = []string{"orders/create", "orders/updated", "refunds/create"}

// Sign returns the X-Shopify-Hmac-Sha256 value of body: the base64 HMAC-SHA256
// of the raw body under the app's client secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// VerifyWebhook reports whether sig is body's signature under secret,
// comparing in constant time. An empty secret verifies nothing.
func VerifyWebhook(secret string, body []byte, sig string) bool {
	if secret == "" || sig == "" {
		return false
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// WebhookResult says what a delivery did.
type WebhookResult struct {
	Topic     string `json:"topic"`
	Order     string `json:"order,omitempty"`
	Duplicate bool   `json:"duplicate,omitempty"`
	Ignored   bool   `json:"ignored,omitempty"`
}

// errUnsigned is the one answer for a delivery that cannot be verified —
// unknown shop, no secret, bad signature — so a caller learns nothing about
// which shops are connected.
var errUnsigned = daiyun.Errorf(daiyun.EUNAUTHORIZED, "webhook signature is not valid")

// HandleWebhook takes one delivery for a shop: it verifies the HMAC of the
// raw body with the shop's Shopify connection secret, skips a delivery
// whose X-Shopify-Webhook-Id was already taken, reads the order the
// delivery is about through the Admin API (so a webhook and a sync map an
// order the same way, and a late delivery cannot regress it: the newer
// version wins in the warehouse), writes it and remembers the delivery id.
// The context needs no actor: the signature is the authentication, and the
// write is scoped to the connection's own client.
func (c *Connector) HandleWebhook(ctx context.Context, r *connectors.Runner, shopID int64, h http.Header, body []byte) (WebhookResult, error) {
	sys := daiyun.WithActor(ctx, daiyun.SystemActor)
	res := WebhookResult{Topic: h.Get(HeaderTopic)}
	conns, err := r.Catalog.Connections(sys, catalog.ConnectionFilter{ShopID: shopID, Kind: c.Kind()})
	if err != nil {
		return res, err
	}
	if len(conns) != 1 || !VerifyWebhook(conns[0].Credentials[CredAPISecret], body, h.Get(HeaderHmac)) {
		return res, errUnsigned
	}
	cc := conns[0]
	known := false
	for _, t := range Topics {
		known = known || t == res.Topic
	}
	if !known {
		res.Ignored = true
		return res, nil
	}
	id := h.Get(HeaderWebhookID)
	if id == "" {
		return res, daiyun.Errorf(daiyun.EINVALID, "the %s header is missing", HeaderWebhookID)
	}
	if seen, err := r.Catalog.WebhookSeen(sys, cc.ID, id); err != nil || seen {
		res.Duplicate = seen
		return res, err
	}
	var p struct {
		ID      json.Number `json:"id"`
		OrderID json.Number `json:"order_id"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return res, daiyun.Errorf(daiyun.EINVALID, "webhook body is not JSON: %v", err)
	}
	orderID := p.ID.String()
	if res.Topic == "refunds/create" {
		orderID = p.OrderID.String()
	}
	if _, err := strconv.ParseInt(orderID, 10, 64); err != nil {
		return res, daiyun.Errorf(daiyun.EINVALID, "webhook %s names no order id", res.Topic)
	}
	conn, tenants, err := r.Prepare(sys, cc)
	if err != nil {
		return res, err
	}
	o, err := c.Order(ctx, conn, orderID)
	if err != nil {
		return res, fmt.Errorf("shopify webhook %s: %w", id, err)
	}
	res.Order = o.No
	if _, err := connectors.WritePage(ctx, r.Warehouse, tenants, conn, connectors.Page{Orders: []connectors.Order{o}}); err != nil {
		return res, err
	}
	_, err = r.Catalog.RecordWebhook(sys, cc.ID, id, res.Topic)
	return res, err
}
