package shopify

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/daiyun/daiyun/ingest"
	"github.com/daiyun/daiyun/ingest/connectors"
)

// cursor is where a Shopify sync has got to. Orders are read with the
// search filter updated_at:>=Since, oldest update first, page by page after
// the GraphQL cursor After; when the last page is read, Since moves to the
// newest update seen (Max) and the variants are walked (VariantsAfter).
// Reading from ">=" the newest update again costs one order per sync and
// can never miss an order updated in the same second.
type cursor struct {
	Since         time.Time `json:"since,omitzero"`
	After         string    `json:"after,omitempty"`
	Max           time.Time `json:"max,omitzero"`
	Phase         string    `json:"phase,omitempty"` // "" or "orders", then "variants"
	VariantsAfter string    `json:"variants_after,omitempty"`
}

func (c cursor) encode() connectors.Cursor {
	b, _ := json.Marshal(c)
	return connectors.Cursor(b)
}

// Sync reads orders updated since the cursor, then every product variant
// with its inventory levels.
func (c *Connector) Sync(ctx context.Context, conn connectors.Connection, from connectors.Cursor, emit connectors.Emit) error {
	cur, err := decodeCursor(from)
	if err != nil {
		return err
	}
	if cur.Phase == "" || cur.Phase == "orders" {
		if cur, err = c.syncOrders(ctx, conn, cur, emit); err != nil {
			return err
		}
	}
	if cur.Phase == "variants" {
		if _, err := c.syncVariants(ctx, conn, cur, emit); err != nil {
			return err
		}
	}
	return nil
}

func (c *Connector) syncOrders(ctx context.Context, conn connectors.Connection, cur cursor, emit connectors.Emit) (cursor, error) {
	for {
		vars := map[string]any{"first": c.pageSize(), "after": nil, "query": nil}
		if cur.After != "" {
			vars["after"] = cur.After
		}
		if !cur.Since.IsZero() {
			vars["query"] = fmt.Sprintf("updated_at:>='%s'", cur.Since.UTC().Format(time.RFC3339))
		}
		var d ordersData
		if err := c.query(ctx, conn, OrdersQuery, vars, &d); err != nil {
			return cur, err
		}
		next := cur
		page := connectors.Page{}
		for _, e := range d.Orders.Edges {
			o, err := e.Node.canonical(conn.Shop)
			if err != nil {
				return cur, err
			}
			page.Orders = append(page.Orders, o)
			if o.UpdatedAt.After(next.Max) {
				next.Max = o.UpdatedAt
			}
		}
		next.After = d.Orders.PageInfo.EndCursor
		done := !d.Orders.PageInfo.HasNextPage
		if done {
			since := next.Max
			if since.IsZero() {
				since = cur.Since
			}
			next = cursor{Since: since, Phase: "variants"}
		}
		page.Cursor = next.encode()
		if err := emit(ctx, page); err != nil {
			return cur, err
		}
		cur = next
		if done {
			return cur, nil
		}
	}
}

// VariantsQuery reads product variants with their product, cost and
// inventory quantities, one page after a cursor.
const VariantsQuery = `query Variants($first: Int!, $after: String) {
  productVariants(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id sku title price
      product { id title productType status createdAt }
      inventoryItem { unitCost { amount currencyCode }
        inventoryLevels(first: 20) { edges { node {
          quantities(names: ["on_hand", "committed", "incoming"]) { name quantity }
        } } }
      }
    } }
  }
}`

type variantsData struct {
	ProductVariants struct {
		PageInfo pageInfo `json:"pageInfo"`
		Edges    []struct {
			Node struct {
				ID      string `json:"id"`
				SKU     string `json:"sku"`
				Title   string `json:"title"`
				Price   string `json:"price"`
				Product struct {
					ID          string    `json:"id"`
					Title       string    `json:"title"`
					ProductType string    `json:"productType"`
					Status      string    `json:"status"`
					CreatedAt   time.Time `json:"createdAt"`
				} `json:"product"`
				InventoryItem *struct {
					UnitCost *struct {
						Amount       string `json:"amount"`
						CurrencyCode string `json:"currencyCode"`
					} `json:"unitCost"`
					InventoryLevels struct {
						Edges []struct {
							Node struct {
								Quantities []struct {
									Name     string `json:"name"`
									Quantity int64  `json:"quantity"`
								} `json:"quantities"`
							} `json:"node"`
						} `json:"edges"`
					} `json:"inventoryLevels"`
				} `json:"inventoryItem"`
			} `json:"node"`
		} `json:"edges"`
	} `json:"productVariants"`
}

var (
	skuCols       = []string{"tenant_id", "shop_id", "sku_id", "spu_id", "title", "category", "price_minor", "cost_minor", "active", "launched_on"}
	inventoryCols = []string{"tenant_id", "shop_id", "sku_id", "day", "on_hand", "reserved", "in_transit"}
)

func (c *Connector) syncVariants(ctx context.Context, conn connectors.Connection, cur cursor, emit connectors.Emit) (cursor, error) {
	shop := conn.Shop
	loc, err := shop.Location()
	if err != nil {
		return cur, err
	}
	today := ingest.DayOf(c.Env.Now(), loc)
	for {
		vars := map[string]any{"first": c.pageSize(), "after": nil}
		if cur.VariantsAfter != "" {
			vars["after"] = cur.VariantsAfter
		}
		var d variantsData
		if err := c.query(ctx, conn, VariantsQuery, vars, &d); err != nil {
			return cur, err
		}
		skus := ingest.TableRows{Table: "skus", Columns: skuCols}
		stock := ingest.TableRows{Table: "inventory_snapshots", Columns: inventoryCols}
		for _, e := range d.ProductVariants.Edges {
			v := e.Node
			sku := v.SKU
			if sku == "" {
				sku = "shopify-variant-" + legacyID(v.ID)
			}
			price, err := decimal(v.Price, shop)
			if err != nil {
				return cur, err
			}
			var cost int64
			if it := v.InventoryItem; it != nil && it.UnitCost != nil {
				if cost, err = (&money{ShopMoney: *it.UnitCost}).minor(shop); err != nil {
					return cur, err
				}
			}
			title := v.Product.Title
			if v.Title != "" && v.Title != "Default Title" {
				title += " - " + v.Title
			}
			var launched any
			if !v.Product.CreatedAt.IsZero() {
				launched = ingest.DayOf(v.Product.CreatedAt, loc)
			}
			skus.Rows = append(skus.Rows, []any{shop.ClientID, shop.ID, sku, legacyID(v.Product.ID), title, nullable(v.Product.ProductType),
				price, cost, strings.EqualFold(v.Product.Status, "ACTIVE"), launched})
			if v.InventoryItem != nil {
				var q [3]int64
				for _, l := range v.InventoryItem.InventoryLevels.Edges {
					for _, x := range l.Node.Quantities {
						switch x.Name {
						case "on_hand":
							q[0] += x.Quantity
						case "committed":
							q[1] += x.Quantity
						case "incoming":
							q[2] += x.Quantity
						}
					}
				}
				stock.Rows = append(stock.Rows, []any{shop.ClientID, shop.ID, sku, today, q[0], q[1], q[2]})
			}
		}
		next := cur
		next.VariantsAfter = d.ProductVariants.PageInfo.EndCursor
		done := !d.ProductVariants.PageInfo.HasNextPage
		if done {
			next = cursor{Since: cur.Since}
		}
		if err := emit(ctx, connectors.Page{Tables: []ingest.TableRows{skus, stock}, Cursor: next.encode()}); err != nil {
			return cur, err
		}
		cur = next
		if done {
			return cur, nil
		}
	}
}

func (c *Connector) pageSize() int {
	if c.PageSize <= 0 || c.PageSize > 250 {
		return 50
	}
	return c.PageSize
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
