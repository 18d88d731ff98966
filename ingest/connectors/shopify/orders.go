package shopify

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/ingest/connectors"
	"github.com/daiyun/daiyun/warehouse"
)

// orderFields is what the connector reads of an order. Names, phones and
// street address lines are deliberately not asked for.
const orderFields = `
  id name email createdAt updatedAt processedAt cancelledAt closedAt sourceName
  displayFinancialStatus displayFulfillmentStatus
  shippingAddress { province city }
  totalDiscountsSet { shopMoney { amount currencyCode } }
  totalShippingPriceSet { shopMoney { amount currencyCode } }
  totalPriceSet { shopMoney { amount currencyCode } }
  totalReceivedSet { shopMoney { amount currencyCode } }
  totalRefundedSet { shopMoney { amount currencyCode } }
  fulfillments(first: 10) { createdAt }
  lineItems(first: 100) { edges { node {
    id sku name quantity
    product { id }
    originalUnitPriceSet { shopMoney { amount currencyCode } }
  } } }
  refunds(first: 20) { createdAt refundLineItems(first: 100) { edges { node {
    quantity lineItem { id } subtotalSet { shopMoney { amount currencyCode } }
  } } } }`

// OrdersQuery reads orders updated since a time, oldest update first, one
// page after a cursor.
const OrdersQuery = `query Orders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node {` + orderFields + `} }
  }
}`

// OrderQuery reads one order by id (webhooks).
const OrderQuery = `query Order($id: ID!) { order(id: $id) {` + orderFields + `} }`

type pageInfo struct {
	HasNextPage bool   `json:"hasNextPage"`
	EndCursor   string `json:"endCursor"`
}

type gqlOrder struct {
	ID                       string     `json:"id"`
	Name                     string     `json:"name"`
	Email                    string     `json:"email"`
	CreatedAt                time.Time  `json:"createdAt"`
	UpdatedAt                time.Time  `json:"updatedAt"`
	ProcessedAt              *time.Time `json:"processedAt"`
	CancelledAt              *time.Time `json:"cancelledAt"`
	ClosedAt                 *time.Time `json:"closedAt"`
	SourceName               string     `json:"sourceName"`
	DisplayFinancialStatus   string     `json:"displayFinancialStatus"`
	DisplayFulfillmentStatus string     `json:"displayFulfillmentStatus"`
	ShippingAddress          *struct {
		Province string `json:"province"`
		City     string `json:"city"`
	} `json:"shippingAddress"`
	TotalDiscountsSet     *money `json:"totalDiscountsSet"`
	TotalShippingPriceSet *money `json:"totalShippingPriceSet"`
	TotalPriceSet         *money `json:"totalPriceSet"`
	TotalReceivedSet      *money `json:"totalReceivedSet"`
	TotalRefundedSet      *money `json:"totalRefundedSet"`
	Fulfillments          []struct {
		CreatedAt time.Time `json:"createdAt"`
	} `json:"fulfillments"`
	LineItems struct {
		Edges []struct {
			Node struct {
				ID       string `json:"id"`
				SKU      string `json:"sku"`
				Name     string `json:"name"`
				Quantity int64  `json:"quantity"`
				Product  *struct {
					ID string `json:"id"`
				} `json:"product"`
				OriginalUnitPriceSet *money `json:"originalUnitPriceSet"`
			} `json:"node"`
		} `json:"edges"`
	} `json:"lineItems"`
	Refunds []struct {
		CreatedAt       time.Time `json:"createdAt"`
		RefundLineItems struct {
			Edges []struct {
				Node struct {
					Quantity int64 `json:"quantity"`
					LineItem struct {
						ID string `json:"id"`
					} `json:"lineItem"`
					SubtotalSet *money `json:"subtotalSet"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"refundLineItems"`
	} `json:"refunds"`
}

// canonical maps a Shopify order. Line amounts are the original unit price
// × quantity; every discount is order-level (totalDiscounts), so total =
// goods − discount + shipping (+ taxes, which are not stored).
func (g *gqlOrder) canonical(shop daiyun.Shop) (connectors.Order, error) {
	o := connectors.Order{No: g.Name, Buyer: g.Email, CreatedAt: g.CreatedAt.UTC(), UpdatedAt: g.UpdatedAt.UTC(), Channel: g.SourceName}
	if o.No == "" {
		o.No = legacyID(g.ID)
	}
	if g.ShippingAddress != nil {
		o.Province, o.City = g.ShippingAddress.Province, g.ShippingAddress.City
	}
	var err error
	for _, m := range []struct {
		dst *int64
		src *money
	}{{&o.Discount, g.TotalDiscountsSet}, {&o.Shipping, g.TotalShippingPriceSet}, {&o.Total, g.TotalPriceSet},
		{&o.Paid, g.TotalReceivedSet}, {&o.Refund, g.TotalRefundedSet}} {
		if *m.dst, err = m.src.minor(shop); err != nil {
			return o, fmt.Errorf("order %s: %w", o.No, err)
		}
	}
	refunds := map[string][2]int64{} // line item id → amount, quantity
	for _, r := range g.Refunds {
		for _, e := range r.RefundLineItems.Edges {
			amt, err := e.Node.SubtotalSet.minor(shop)
			if err != nil {
				return o, fmt.Errorf("order %s: %w", o.No, err)
			}
			x := refunds[e.Node.LineItem.ID]
			refunds[e.Node.LineItem.ID] = [2]int64{x[0] + amt, x[1] + e.Node.Quantity}
		}
		if o.ClosedAt.IsZero() || r.CreatedAt.After(o.ClosedAt) {
			o.ClosedAt = r.CreatedAt.UTC()
		}
	}
	items := g.LineItems.Edges
	// Lines are numbered in the order of their ids, stable across syncs.
	sort.SliceStable(items, func(i, j int) bool { return lessID(items[i].Node.ID, items[j].Node.ID) })
	for _, e := range items {
		n := e.Node
		unit, err := n.OriginalUnitPriceSet.minor(shop)
		if err != nil {
			return o, fmt.Errorf("order %s: %w", o.No, err)
		}
		l := connectors.Line{SKU: n.SKU, Title: n.Name, Quantity: n.Quantity, UnitPrice: unit, Amount: unit * n.Quantity}
		if l.SKU == "" {
			l.SKU = "shopify-line-" + legacyID(n.ID) // a custom item without SKU
		}
		if n.Product != nil {
			l.SPU = legacyID(n.Product.ID)
		}
		r := refunds[n.ID]
		l.Refund, l.RefundQty = r[0], r[1]
		o.Goods += l.Amount
		o.Lines = append(o.Lines, l)
	}
	for _, f := range g.Fulfillments {
		if o.ShippedAt.IsZero() || f.CreatedAt.Before(o.ShippedAt) {
			o.ShippedAt = f.CreatedAt.UTC()
		}
	}
	o.Status = status(g.DisplayFinancialStatus, g.DisplayFulfillmentStatus, g.CancelledAt != nil)
	switch o.Status {
	case warehouse.StatusPending, warehouse.StatusClosed:
		o.Paid = 0
	}
	if g.ProcessedAt != nil && o.Paid > 0 {
		o.PaidAt = g.ProcessedAt.UTC()
	}
	if g.CancelledAt != nil {
		o.ClosedAt = g.CancelledAt.UTC()
	}
	if o.Status == warehouse.StatusShipped && g.ClosedAt != nil {
		// Shopify closes (archives) an order once it is paid and fulfilled.
		o.Status, o.CompletedAt = warehouse.StatusCompleted, g.ClosedAt.UTC()
	}
	return o, nil
}

// status derives the canonical status from Shopify's display statuses.
func status(financial, fulfillment string, cancelled bool) string {
	switch financial {
	case "REFUNDED":
		return warehouse.StatusRefunded
	case "VOIDED", "EXPIRED":
		return warehouse.StatusClosed
	}
	if cancelled {
		return warehouse.StatusClosed
	}
	switch financial {
	case "PAID", "PARTIALLY_PAID", "PARTIALLY_REFUNDED":
		switch fulfillment {
		case "FULFILLED", "PARTIALLY_FULFILLED":
			return warehouse.StatusShipped
		}
		return warehouse.StatusPaid
	}
	return warehouse.StatusPending // PENDING, AUTHORIZED
}

func lessID(a, b string) bool {
	a, b = legacyID(a), legacyID(b)
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

type ordersData struct {
	Orders struct {
		PageInfo pageInfo `json:"pageInfo"`
		Edges    []struct {
			Node gqlOrder `json:"node"`
		} `json:"edges"`
	} `json:"orders"`
}

// Order reads one order by its id (numeric or gid://shopify/Order/…) in
// canonical form.
func (c *Connector) Order(ctx context.Context, conn connectors.Connection, id string) (connectors.Order, error) {
	var d struct {
		Order *gqlOrder `json:"order"`
	}
	if err := c.query(ctx, conn, OrderQuery, map[string]any{"id": "gid://shopify/Order/" + legacyID(id)}, &d); err != nil {
		return connectors.Order{}, err
	}
	if d.Order == nil {
		return connectors.Order{}, daiyun.Errorf(daiyun.ENOTFOUND, "shopify order %s not found", id)
	}
	return d.Order.canonical(conn.Shop)
}

// decodeCursor reads a cursor; the empty cursor starts from the beginning.
func decodeCursor(c connectors.Cursor) (cursor, error) {
	var cur cursor
	if c == "" {
		return cur, nil
	}
	if err := json.Unmarshal([]byte(c), &cur); err != nil {
		return cur, daiyun.Errorf(daiyun.EINVALID, "shopify cursor %q is not readable: %v", string(c), err)
	}
	return cur, nil
}
