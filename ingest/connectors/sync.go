package connectors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/ingest"
	"github.com/daiyun/daiyun/warehouse"
)

// Runner runs syncs: it loads a connection from the catalog, lets its
// connector read page by page, writes each page into the warehouse and
// saves the page's cursor only after the write succeeded. A sync that fails
// half-way therefore resumes at the first page not written; a page written
// but whose cursor was not saved is read again, which the warehouse's
// idempotent upserts make harmless.
type Runner struct {
	Catalog    *catalog.Store
	Warehouse  warehouse.Warehouse
	Connectors map[string]Connector
	Logger     *slog.Logger

	mu      sync.Mutex
	running map[int64]bool
}

// NewRunner returns a runner over the stores with the given connectors.
func NewRunner(cat *catalog.Store, wh warehouse.Warehouse, logger *slog.Logger, cs ...Connector) *Runner {
	r := &Runner{Catalog: cat, Warehouse: wh, Logger: logger, Connectors: map[string]Connector{}}
	for _, c := range cs {
		r.Connectors[c.Kind()] = c
	}
	return r
}

// ErrBusy is returned when the connection is already syncing in this
// process.
var ErrBusy = daiyun.Errorf(daiyun.ECONFLICT, "the connection is already syncing")

// Sync runs one sync of the connection as the actor in ctx and returns the
// run as logged. origin says who asked: cli, schedule, webhook.
func (r *Runner) Sync(ctx context.Context, connID int64, origin string) (catalog.ConnectionRun, error) {
	if !r.claim(connID) {
		return catalog.ConnectionRun{}, ErrBusy
	}
	defer r.release(connID)
	c, err := r.Catalog.Connection(ctx, connID)
	if err != nil {
		return catalog.ConnectionRun{}, err
	}
	conn, tenants, err := r.Prepare(ctx, c)
	if err != nil {
		return catalog.ConnectionRun{}, err
	}
	connector, ok := r.Connectors[c.Kind]
	if !ok {
		return catalog.ConnectionRun{}, daiyun.Errorf(daiyun.EINVALID, "no connector for kind %q", c.Kind)
	}
	run, err := r.Catalog.StartConnectionRun(ctx, connID, origin)
	if err != nil {
		return run, err
	}
	var retries atomic.Int64
	sctx := WithRetryCounter(ctx, &retries)
	run.CursorTo = c.Cursor
	err = connector.Sync(sctx, conn, Cursor(c.Cursor), func(ctx context.Context, p Page) error {
		res, err := WritePage(ctx, r.Warehouse, tenants, conn, p)
		if err != nil {
			return err
		}
		if err := r.Catalog.SaveConnectionCursor(ctx, connID, string(p.Cursor)); err != nil {
			return err
		}
		run.Pages++
		run.CursorTo = string(p.Cursor)
		for _, x := range res {
			run.Inserted += int64(x.Inserted)
			run.Updated += int64(x.Updated)
			run.Unchanged += int64(x.Unchanged)
		}
		return nil
	})
	run.Retries = int(retries.Load())
	run.Status = catalog.RunOK
	if err != nil {
		run.Status, run.Error = catalog.RunFailed, daiyun.ErrorMessageOrText(err)
	}
	// The run is logged even when the caller's context was cancelled.
	if ferr := r.Catalog.FinishConnectionRun(context.WithoutCancel(ctx), run); ferr != nil && err == nil {
		err = ferr
	}
	if r.Logger != nil {
		r.Logger.Info("connector sync", "connection", connID, "kind", c.Kind, "shop", c.ShopID, "origin", origin,
			"status", run.Status, "pages", run.Pages, "inserted", run.Inserted, "updated", run.Updated, "retries", run.Retries, "error", run.Error)
	}
	if err != nil {
		return run, fmt.Errorf("connectors: sync connection %d: %w", connID, err)
	}
	return run, nil
}

// Prepare resolves what a connector needs for a catalog connection: its
// shop, the client's pseudonymisation key, and the tenants it may write —
// exactly its own client.
func (r *Runner) Prepare(ctx context.Context, c catalog.Connection) (Connection, daiyun.Tenants, error) {
	shop, err := r.Catalog.Shop(ctx, c.ShopID)
	if err != nil {
		return Connection{}, daiyun.Tenants{}, err
	}
	if shop.ClientID != c.ClientID {
		// The catalog makes a connection's client its shop's client; a
		// mismatch means the shop moved and nothing may be written.
		return Connection{}, daiyun.Tenants{}, daiyun.Errorf(daiyun.ECONFLICT, "connection %d belongs to client %d but its shop %d to client %d", c.ID, c.ClientID, shop.ID, shop.ClientID)
	}
	key, err := r.Catalog.ClientKey(ctx, c.ClientID)
	if err != nil {
		return Connection{}, daiyun.Tenants{}, err
	}
	tenants, err := daiyun.TenantsFor(ctx, c.ClientID)
	if err != nil {
		return Connection{}, daiyun.Tenants{}, err
	}
	return Connection{ID: c.ID, Kind: c.Kind, Shop: shop, ClientKey: key, BaseURL: c.BaseURL, Credentials: c.Credentials}, tenants, nil
}

// WritePage writes one page into the warehouse: in one transaction when
// the warehouse can write several tables at once (ingest.MultiUpserter),
// otherwise table by table in dependency order. Every row carries the
// connection's client as tenant_id and tenants holds only that client, so
// the warehouse refuses a row of any other client.
func WritePage(ctx context.Context, wh warehouse.Warehouse, tenants daiyun.Tenants, conn Connection, p Page) ([]warehouse.UpsertResult, error) {
	var batch []ingest.TableRows
	if len(p.Orders) > 0 {
		rows, err := OrderRows(ctx, wh, tenants, conn.Shop, conn.ClientKey, Source(conn.Kind), p.Orders)
		if err != nil {
			return nil, err
		}
		batch = append(batch, rows...)
	}
	var nonEmpty []ingest.TableRows
	for _, t := range append(batch, p.Tables...) {
		if len(t.Rows) > 0 {
			nonEmpty = append(nonEmpty, t)
		}
	}
	if len(nonEmpty) == 0 {
		return nil, nil
	}
	if mu, ok := wh.(ingest.MultiUpserter); ok {
		res, err := mu.UpsertMany(ctx, tenants, nonEmpty)
		if err != nil {
			return nil, fmt.Errorf("connectors: write page: %w", err)
		}
		return res, nil
	}
	out := make([]warehouse.UpsertResult, 0, len(nonEmpty))
	for _, t := range nonEmpty {
		res, err := wh.Upsert(ctx, tenants, t.Table, t.Columns, t.Rows)
		if err != nil {
			return out, fmt.Errorf("connectors: write page into %s: %w", t.Table, err)
		}
		out = append(out, res)
	}
	return out, nil
}

func (r *Runner) claim(id int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running == nil {
		r.running = map[int64]bool{}
	}
	if r.running[id] {
		return false
	}
	r.running[id] = true
	return true
}

func (r *Runner) release(id int64) {
	r.mu.Lock()
	delete(r.running, id)
	r.mu.Unlock()
}

// IsBusy reports whether err says the connection was already syncing.
func IsBusy(err error) bool { return errors.Is(err, ErrBusy) }
