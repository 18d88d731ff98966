package stub

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Shopify is a stand-in for one shop's Admin GraphQL API
// (POST /admin/api/{version}/graphql.json with X-Shopify-Access-Token).
// Orders and Variants are GraphQL nodes as the API returns them.
type Shopify struct {
	*httptest.Server
	Token string

	mu       sync.Mutex
	orders   []map[string]any
	variants []map[string]any
	calls    int
	fault    Fault
	queries  []string
}

// NewShopify starts a Shopify stand-in with the given data.
func NewShopify(token string, orders, variants []map[string]any) *Shopify {
	s := &Shopify{Token: token, orders: orders, variants: variants}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// SetFault installs a fault (nil: none) and resets the call count.
func (s *Shopify) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault, s.calls = f, 0
}

// Calls returns the number of calls answered since the last SetFault.
func (s *Shopify) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// Queries returns the search queries (orders' query argument) received.
func (s *Shopify) Queries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.queries...)
}

// SetOrder replaces or adds an order node (by id).
func (s *Shopify) SetOrder(o map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.orders {
		if x["id"] == o["id"] {
			s.orders[i] = o
			return
		}
	}
	s.orders = append(s.orders, o)
}

// cost is the extensions.cost block of every answer.
func cost(requested, available float64) map[string]any {
	return map[string]any{"cost": map[string]any{
		"requestedQueryCost": requested, "actualQueryCost": requested,
		"throttleStatus": map[string]any{"maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": 100.0},
	}}
}

// Throttled answers the GraphQL THROTTLED error: HTTP 200, no data, the
// bucket short of the query's cost.
func Throttled(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"errors":     []any{map[string]any{"message": "Throttled", "extensions": map[string]any{"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}},
		"extensions": map[string]any{"cost": map[string]any{"requestedQueryCost": 752.0, "actualQueryCost": nil, "throttleStatus": map[string]any{"maximumAvailable": 2000.0, "currentlyAvailable": 552.0, "restoreRate": 100.0}}},
	})
}

var (
	rootField = regexp.MustCompile(`\{\s*(\w+)\s*\(`)
	sinceRe   = regexp.MustCompile(`updated_at:>='?([^' ]+)'?`)
)

func (s *Shopify) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/graphql.json") {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("X-Shopify-Access-Token") != s.Token {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}`))
		return
	}
	var req struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"errors":"bad JSON"}`, http.StatusBadRequest)
		return
	}
	op := ""
	if m := rootField.FindStringSubmatch(req.Query[strings.Index(req.Query, "{"):]); m != nil {
		op = m[1]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.fault != nil && s.fault(s.calls, op, w) {
		return
	}
	var data any
	switch op {
	case "orders":
		q, _ := req.Variables["query"].(string)
		s.queries = append(s.queries, q)
		var since time.Time
		if m := sinceRe.FindStringSubmatch(q); m != nil {
			since, _ = time.Parse(time.RFC3339, m[1])
		}
		var sel []map[string]any
		for _, o := range s.orders {
			u, _ := time.Parse(time.RFC3339, o["updatedAt"].(string))
			if !u.Before(since) {
				sel = append(sel, o)
			}
		}
		sort.SliceStable(sel, func(i, j int) bool {
			a, b := sel[i]["updatedAt"].(string), sel[j]["updatedAt"].(string)
			if a != b {
				return a < b
			}
			return sel[i]["id"].(string) < sel[j]["id"].(string)
		})
		data = map[string]any{"orders": connection(sel, req.Variables)}
	case "order":
		var found any
		for _, o := range s.orders {
			if o["id"] == req.Variables["id"] {
				found = o
			}
		}
		data = map[string]any{"order": found}
	case "productVariants":
		data = map[string]any{"productVariants": connection(s.variants, req.Variables)}
	default:
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{"message": "Field '" + op + "' doesn't exist on type 'QueryRoot'"}}})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"data": data, "extensions": cost(52, 1948)})
}

// connection pages nodes Relay-style: first, after → edges with cursors
// and pageInfo. A cursor is an opaque base64 position, like Shopify's.
func connection(nodes []map[string]any, vars map[string]any) map[string]any {
	first := 50
	if f, ok := vars["first"].(float64); ok && f > 0 {
		first = int(f)
	}
	start := 0
	if a, ok := vars["after"].(string); ok && a != "" {
		b, _ := base64.StdEncoding.DecodeString(a)
		n, err := strconv.Atoi(strings.TrimPrefix(string(b), "pos:"))
		if err == nil {
			start = n
		}
	}
	end := min(start+first, len(nodes))
	start = min(start, end)
	edges := []any{}
	for i := start; i < end; i++ {
		edges = append(edges, map[string]any{"cursor": posCursor(i + 1), "node": nodes[i]})
	}
	var endCursor any
	if end > start {
		endCursor = posCursor(end)
	}
	return map[string]any{"edges": edges, "pageInfo": map[string]any{"hasNextPage": end < len(nodes), "hasPreviousPage": start > 0, "endCursor": endCursor}}
}

func posCursor(n int) string { return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "pos:%d", n)) }

func shopMoney(amount, currency string) map[string]any {
	return map[string]any{"shopMoney": map[string]any{"amount": amount, "currencyCode": currency},
		"presentmentMoney": map[string]any{"amount": amount, "currencyCode": currency}}
}

// ShopifyOrders makes n orders updated one hour apart from start, shaped
// like Admin GraphQL Order nodes (with the personal fields a real answer
// can carry — names, phone, street — which the connector must drop). Every
// fourth order is refunded in part, every seventh cancelled, every third
// fulfilled.
func ShopifyOrders(n int, start time.Time, currency string) []map[string]any {
	var out []map[string]any
	for i := 1; i <= n; i++ {
		created := start.Add(time.Duration(i) * time.Hour)
		updated := created.Add(30 * time.Minute)
		qty := int64(i%3 + 1)
		price := int64(1999 + i*100)
		lineTotal := price * qty
		shipping := int64(500)
		discount := int64(0)
		if i%5 == 0 {
			discount = 300
		}
		total := lineTotal + price - discount + shipping
		fin, ful := "PAID", "UNFULFILLED"
		var cancelled, closed any
		var refunds []any
		refunded := int64(0)
		switch {
		case i%7 == 0:
			fin, cancelled = "VOIDED", updated.Format(time.RFC3339)
		case i%4 == 0:
			fin = "PARTIALLY_REFUNDED"
			refunded = price
			refunds = append(refunds, map[string]any{"createdAt": updated.Format(time.RFC3339), "refundLineItems": map[string]any{"edges": []any{
				map[string]any{"node": map[string]any{"quantity": 1, "lineItem": map[string]any{"id": fmt.Sprintf("gid://shopify/LineItem/%d2", i)},
					"subtotalSet": shopMoney(minorStr(price), currency)}}}}})
		}
		var fulfillments []any
		if i%3 == 0 && fin == "PAID" {
			ful = "FULFILLED"
			fulfillments = append(fulfillments, map[string]any{"createdAt": created.Add(10 * time.Minute).Format(time.RFC3339)})
			if i%6 == 0 {
				closed = updated.Format(time.RFC3339)
			}
		}
		out = append(out, map[string]any{
			"id": fmt.Sprintf("gid://shopify/Order/%d", 5000000+i), "name": fmt.Sprintf("#%d", 1000+i),
			"email":     fmt.Sprintf("buyer%d@example.com", i%6),
			"phone":     "+1 555 0100",
			"createdAt": created.Format(time.RFC3339), "updatedAt": updated.Format(time.RFC3339),
			"processedAt": created.Format(time.RFC3339), "cancelledAt": cancelled, "closedAt": closed,
			"sourceName": "web", "displayFinancialStatus": fin, "displayFulfillmentStatus": ful,
			"shippingAddress": map[string]any{"name": "Jane Roe", "address1": "1 Secret Lane", "phone": "+1 555 0199",
				"province": "California", "city": "San Francisco", "zip": "94105"},
			"totalDiscountsSet":     shopMoney(minorStr(discount), currency),
			"totalShippingPriceSet": shopMoney(minorStr(shipping), currency),
			"totalPriceSet":         shopMoney(minorStr(total), currency),
			"totalReceivedSet":      shopMoney(minorStr(total), currency),
			"totalRefundedSet":      shopMoney(minorStr(refunded), currency),
			"fulfillments":          orEmpty(fulfillments),
			"refunds":               orEmpty(refunds),
			"lineItems": map[string]any{"edges": []any{
				lineItem(i, 1, "SKU-A"+strconv.Itoa(i%4), "Tee", qty, price, currency),
				lineItem(i, 2, "SKU-B"+strconv.Itoa(i%2), "Socks", 1, price, currency),
			}},
		})
	}
	return out
}

func orEmpty(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

func lineItem(order, n int, sku, name string, qty, price int64, currency string) map[string]any {
	return map[string]any{"node": map[string]any{
		"id": fmt.Sprintf("gid://shopify/LineItem/%d%d", order, n), "sku": sku, "name": name, "quantity": qty,
		"product":              map[string]any{"id": "gid://shopify/Product/" + strings.TrimPrefix(sku, "SKU-")[:1] + "00"},
		"originalUnitPriceSet": shopMoney(minorStr(price), currency),
	}}
}

func minorStr(n int64) string { return fmt.Sprintf("%d.%02d", n/100, n%100) }

// ShopifyVariants makes n product variants with cost and inventory levels
// at two locations, shaped like ProductVariant nodes.
func ShopifyVariants(n int, currency string) []map[string]any {
	var out []map[string]any
	for i := 1; i <= n; i++ {
		levels := []any{}
		for loc := 0; loc < 2; loc++ {
			levels = append(levels, map[string]any{"node": map[string]any{"quantities": []any{
				map[string]any{"name": "on_hand", "quantity": 10*i + loc},
				map[string]any{"name": "committed", "quantity": i % 3},
				map[string]any{"name": "incoming", "quantity": 5 * loc},
			}}})
		}
		out = append(out, map[string]any{
			"id": fmt.Sprintf("gid://shopify/ProductVariant/%d", 700+i), "sku": fmt.Sprintf("SKU-V%d", i), "title": "Size " + strconv.Itoa(i),
			"price": minorStr(int64(2500 + 100*i)),
			"product": map[string]any{"id": fmt.Sprintf("gid://shopify/Product/%d", 90+i/2), "title": "Hoodie", "productType": "apparel",
				"status": "ACTIVE", "createdAt": "2024-01-05T08:00:00Z"},
			"inventoryItem": map[string]any{"unitCost": map[string]any{"amount": minorStr(int64(900 + i)), "currencyCode": currency},
				"inventoryLevels": map[string]any{"edges": levels}},
		})
	}
	return out
}
