// Package shopify is the Shopify connector: orders (with line items and
// refunds), product variants and inventory levels read from the Admin
// GraphQL API, and the orders/create, orders/updated and refunds/create
// webhooks verified with HMAC-SHA256.
package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/ingest"
	"github.com/daiyun/daiyun/ingest/connectors"
)

// APIVersion is the Admin API version the connector speaks.
const APIVersion = "2025-01"

// Credential keys of a Shopify connection.
const (
	CredShop        = "shop"         // the shop's domain, e.g. acme.myshopify.com
	CredAccessToken = "access_token" // Admin API access token (shpat_…)
	CredAPISecret   = "api_secret"   // the app's client secret: signs webhooks
)

// Connector reads one Shopify shop per connection.
type Connector struct {
	Env connectors.Env
	// PageSize is the number of orders or variants per GraphQL page
	// (default 50; Shopify allows up to 250).
	PageSize int
}

// New returns a Shopify connector.
func New(env connectors.Env) *Connector { return &Connector{Env: env.WithDefaults(), PageSize: 50} }

// Kind is "shopify".
func (c *Connector) Kind() string { return "shopify" }

// endpoint is the GraphQL URL of the connection.
func endpoint(conn connectors.Connection) (string, error) {
	base := strings.TrimRight(conn.BaseURL, "/")
	if base == "" {
		shop := conn.Credentials[CredShop]
		if shop == "" {
			return "", daiyun.Errorf(daiyun.EINVALID, "shopify connection %d has no %q credential", conn.ID, CredShop)
		}
		base = "https://" + shop
	}
	return base + "/admin/api/" + APIVersion + "/graphql.json", nil
}

type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

type gqlResponse struct {
	Data       json.RawMessage `json:"data"`
	Errors     []gqlError      `json:"errors"`
	Extensions struct {
		Cost struct {
			RequestedQueryCost float64 `json:"requestedQueryCost"`
			ThrottleStatus     struct {
				MaximumAvailable   float64 `json:"maximumAvailable"`
				CurrentlyAvailable float64 `json:"currentlyAvailable"`
				RestoreRate        float64 `json:"restoreRate"`
			} `json:"throttleStatus"`
		} `json:"cost"`
	} `json:"extensions"`
}

// query runs one GraphQL query with retries and decodes its data into out.
func (c *Connector) query(ctx context.Context, conn connectors.Connection, q string, vars map[string]any, out any) error {
	url, err := endpoint(conn)
	if err != nil {
		return err
	}
	body, err := json.Marshal(map[string]any{"query": q, "variables": vars})
	if err != nil {
		return err
	}
	return c.Env.Retry.Do(ctx, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Shopify-Access-Token", conn.Credentials[CredAccessToken])
		resp, err := c.Env.HTTP.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return connectors.Temporary("shopify unreachable", 0, err)
		}
		defer resp.Body.Close()
		if err := connectors.CheckHTTP(resp, c.Env.Now()); err != nil {
			return fmt.Errorf("shopify: %w", err)
		}
		var r gqlResponse
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			return connectors.Temporary("shopify: unreadable answer", 0, err)
		}
		if len(r.Errors) > 0 {
			return c.gqlErr(r)
		}
		if err := json.Unmarshal(r.Data, out); err != nil {
			return fmt.Errorf("shopify: decode data: %w", err)
		}
		return nil
	})
}

// gqlErr classifies GraphQL errors: THROTTLED waits until the bucket holds
// the query's cost again, (requested − available) / restoreRate seconds;
// INTERNAL_SERVER_ERROR is transient; the rest are permanent.
func (c *Connector) gqlErr(r gqlResponse) error {
	msgs := make([]string, len(r.Errors))
	for i, e := range r.Errors {
		msgs[i] = e.Message
	}
	err := fmt.Errorf("shopify: %s", strings.Join(msgs, "; "))
	for _, e := range r.Errors {
		switch {
		case e.Extensions.Code == "THROTTLED" || strings.EqualFold(e.Message, "throttled"):
			cost := r.Extensions.Cost
			var wait time.Duration
			if rate := cost.ThrottleStatus.RestoreRate; rate > 0 {
				need := cost.RequestedQueryCost - cost.ThrottleStatus.CurrentlyAvailable
				wait = time.Duration(math.Max(need, 0) / rate * float64(time.Second))
			}
			return connectors.Temporary("shopify throttled", wait, err)
		case e.Extensions.Code == "INTERNAL_SERVER_ERROR":
			return connectors.Temporary("shopify internal error", 0, err)
		}
	}
	return err
}

// money is a MoneyBag's shop-currency amount.
type money struct {
	ShopMoney struct {
		Amount       string `json:"amount"`
		CurrencyCode string `json:"currencyCode"`
	} `json:"shopMoney"`
}

// minor reads the amount in minor units of the shop's currency; an amount
// in another currency is refused (the shop's currency is set wrong).
func (m *money) minor(shop daiyun.Shop) (int64, error) {
	if m == nil || m.ShopMoney.Amount == "" {
		return 0, nil
	}
	if cc := m.ShopMoney.CurrencyCode; cc != "" && cc != shop.Currency {
		return 0, fmt.Errorf("shopify: amount in %s but shop %d is in %s", cc, shop.ID, shop.Currency)
	}
	return decimal(m.ShopMoney.Amount, shop)
}

func decimal(s string, shop daiyun.Shop) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, _, err := ingest.ParseMoney(s, daiyun.MinorUnits(shop.Currency), ingest.LocaleDot)
	if err != nil {
		return 0, fmt.Errorf("shopify: amount %q: %w", s, err)
	}
	return n, nil
}

// legacyID is the numeric tail of a global id: gid://shopify/Order/123 → 123.
func legacyID(gid string) string {
	if i := strings.LastIndexByte(gid, '/'); i >= 0 {
		return gid[i+1:]
	}
	return gid
}
