// Package connectors pulls orders, SKUs and stock from platform APIs
// (Shopify, Taobao/Tmall TOP) into the warehouse: incremental syncs that
// resume from a saved cursor, retries with backoff on throttling and
// transient failures, a periodic scheduler, and the canonical order rows
// every connector shares. Platform adapters live in sub-packages
// (connectors/shopify, connectors/taobao); connectors/stub replays the
// platforms' documented payloads for tests.
//
// It owns the connection tables of the catalog (catalog/connectors.go) and
// writes facts only through warehouse.Warehouse.Upsert with the connection's
// own client as the only tenant: a connection can never write another
// client's facts. It must not read files (that is package ingest) or speak
// HTTP to Daiyun's users (that is package web).
package connectors

import (
	"context"
	"net/http"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/ingest"
)

// Cursor is where a sync has got to, as the connector that wrote it
// understands it (each connector keeps a small JSON document). The empty
// cursor means "from the beginning".
type Cursor string

// Connection is what a connector needs to pull one shop.
type Connection struct {
	ID          int64
	Kind        string
	Shop        daiyun.Shop
	ClientKey   []byte // the client's pseudonymisation key (PRODUCT.md B6)
	BaseURL     string // API endpoint; empty: the platform's production endpoint
	Credentials map[string]string
}

// Page is one page of a sync: canonical orders (turned into orders,
// order_lines, order_status_history and customers rows when written), rows
// of other tables (skus, inventory_snapshots), and the cursor to resume
// from once the page is written.
type Page struct {
	Orders []Order
	Tables []ingest.TableRows
	Cursor Cursor
}

// Emit writes one page and saves its cursor; a connector calls it for each
// page, in order, and stops at the first error it returns.
type Emit func(ctx context.Context, p Page) error

// Connector pulls one platform's data.
type Connector interface {
	// Kind names the connector: shopify, taobao (catalog.ConnectorKinds).
	Kind() string
	// Sync reads what changed since cursor, page by page, handing each page
	// to emit. It returns when nothing is left (the last page's cursor is
	// where the next sync starts) or at the first error.
	Sync(ctx context.Context, conn Connection, cursor Cursor, emit Emit) error
}

// Env is what connectors share: the HTTP client, the clock and the retry
// policy. Tests inject a fake clock and sleep.
type Env struct {
	HTTP  *http.Client
	Now   func() time.Time
	Retry Retry
}

// WithDefaults fills the zero fields.
func (e Env) WithDefaults() Env {
	if e.HTTP == nil {
		e.HTTP = &http.Client{Timeout: 60 * time.Second}
	}
	if e.Now == nil {
		e.Now = func() time.Time { return time.Now().UTC() }
	}
	e.Retry = e.Retry.withDefaults()
	return e
}

// Source is the orders.source tag of a connector's rows.
func Source(kind string) string { return "connector:" + kind }
