package web

import (
	"context"
	"net/http"

	"github.com/daiyun/daiyun/ingest/connectors"
	"github.com/daiyun/daiyun/ingest/connectors/shopify"
	"github.com/danielgtaylor/huma/v2"
)

// registerConnectors adds the platform webhook receivers. They are not
// behind a session or API key: each delivery is authenticated by the HMAC
// of its raw body under the shop's connection secret, and a delivery that
// cannot be verified — unknown shop, no connection, bad signature — gets
// the same 401.
func (s *Server) registerConnectors() {
	sc := shopify.New(connectors.Env{})
	runner := connectors.NewRunner(s.Catalog, s.Warehouse, s.Logger, sc)
	type webhookIn struct {
		ShopID    int64  `path:"shop_id" doc:"Daiyun shop id the webhook was registered for"`
		Hmac      string `header:"X-Shopify-Hmac-Sha256" doc:"base64 HMAC-SHA256 of the raw body with the app secret"`
		Topic     string `header:"X-Shopify-Topic" doc:"orders/create, orders/updated or refunds/create"`
		WebhookID string `header:"X-Shopify-Webhook-Id" doc:"delivery id; a repeated id is taken once"`
		RawBody   []byte `contentType:"application/json"`
	}
	huma.Register(s.api, huma.Operation{OperationID: "shopify-webhook", Method: http.MethodPost, Path: "/api/v1/webhooks/shopify/{shop_id}",
		Summary: "Receive a Shopify webhook (orders/create, orders/updated, refunds/create), verified by HMAC", Tags: []string{"connectors"},
		MaxBodyBytes: 2 << 20, SkipValidateBody: true},
		func(ctx context.Context, in *webhookIn) (*body[shopify.WebhookResult], error) {
			h := http.Header{}
			h.Set(shopify.HeaderHmac, in.Hmac)
			h.Set(shopify.HeaderTopic, in.Topic)
			h.Set(shopify.HeaderWebhookID, in.WebhookID)
			res, err := sc.HandleWebhook(ctx, runner, in.ShopID, h, in.RawBody)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[shopify.WebhookResult]{res}, nil
		})
}
