package warehousetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

// Run runs the conformance suite. open must return a fresh, empty,
// not yet migrated warehouse and arrange for it to be closed when the test
// ends.
func Run(t *testing.T, open func(t *testing.T) warehouse.Warehouse) {
	migrated := func(t *testing.T) warehouse.Warehouse {
		t.Helper()
		w := open(t)
		if err := w.Migrate(context.Background()); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		return w
	}
	t.Run("MigrateTwice", func(t *testing.T) { testMigrateTwice(t, open(t)) })
	t.Run("NewerSchemaRefused", func(t *testing.T) { testNewerSchema(t, migrated(t)) })
	t.Run("QueryNeedsTenants", func(t *testing.T) { testQueryNeedsTenants(t, migrated(t)) })
	t.Run("TenantIsolation", func(t *testing.T) { testIsolation(t, migrated(t)) })
	t.Run("UpsertCounts", func(t *testing.T) { testUpsertCounts(t, migrated(t)) })
	t.Run("UpsertWithoutVersion", func(t *testing.T) { testUpsertWithoutVersion(t, migrated(t)) })
	t.Run("UpsertKeepsOmittedColumns", func(t *testing.T) { testOmittedColumns(t, migrated(t)) })
	t.Run("ReplayIsIdempotent", func(t *testing.T) { testReplay(t, migrated(t)) })
	t.Run("AllOrNothing", func(t *testing.T) { testAllOrNothing(t, migrated(t)) })
	t.Run("UpsertManyAllOrNothing", func(t *testing.T) { testUpsertMany(t, migrated(t)) })
	t.Run("BadRequests", func(t *testing.T) { testBadRequests(t, migrated(t)) })
	t.Run("TimesAndNulls", func(t *testing.T) { testTimesAndNulls(t, migrated(t)) })
	t.Run("Appender", func(t *testing.T) { testAppender(t, migrated(t)) })
	t.Run("ConcurrentUpserts", func(t *testing.T) { testConcurrent(t, migrated(t)) })
	t.Run("DeleteTenant", func(t *testing.T) { testDeleteTenant(t, migrated(t)) })
}

var ctx = context.Background()

func order(tenant, shop int64, no string, version int64, status string, total int64) []any {
	at := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
	return Row("orders", map[string]any{
		"tenant_id": tenant, "shop_id": shop, "order_no": no, "customer_id": "c-" + no,
		"status": status, "created_at": at, "created_day": Day(2026, 1, 2), "currency": "CNY",
		"goods_minor": total, "discount_minor": 0, "shipping_minor": 0, "total_minor": total,
		"paid_minor": total, "refund_minor": 0, "version": version, "source": "test",
	})
}

func line(tenant, shop int64, no string, lineNo int, version int64, amount int64) []any {
	return Row("order_lines", map[string]any{
		"tenant_id": tenant, "shop_id": shop, "order_no": no, "line_no": lineNo, "sku_id": "S1",
		"quantity": int32(1), "unit_price_minor": amount, "amount_minor": amount, "refund_minor": 0,
		"refund_qty": 0, "created_day": Day(2026, 1, 2), "version": version,
	})
}

func upsert(t *testing.T, w warehouse.Warehouse, tenants daiyun.Tenants, table string, rows ...[]any) warehouse.UpsertResult {
	t.Helper()
	res, err := w.Upsert(ctx, tenants, table, Columns(table), rows)
	if err != nil {
		t.Fatalf("upsert %s: %v", table, err)
	}
	return res
}

func wantResult(t *testing.T, got warehouse.UpsertResult, ins, upd, unch int) {
	t.Helper()
	if want := (warehouse.UpsertResult{Inserted: ins, Updated: upd, Unchanged: unch}); got != want {
		t.Errorf("upsert result %+v, want %+v", got, want)
	}
}

func count(t *testing.T, w warehouse.Warehouse, tenants daiyun.Tenants, table string) int {
	t.Helper()
	r := Result(t, w, tenants, "SELECT count(*) FROM "+table+" WHERE {{tenants}}")
	n, _ := strconv.Atoi(r[0][0])
	return n
}

func testMigrateTwice(t *testing.T, w warehouse.Warehouse) {
	for i := range 2 {
		if err := w.Migrate(ctx); err != nil {
			t.Fatalf("migrate #%d: %v", i+1, err)
		}
	}
	if err := w.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if s, ok := w.(SQLer); ok {
		v, err := warehouse.StoredSchemaVersion(ctx, s.SQL())
		if err != nil || v != warehouse.SchemaVersion {
			t.Fatalf("stored version %d (%v), want %d", v, err, warehouse.SchemaVersion)
		}
		var rows int
		s.SQL().QueryRowContext(ctx, "SELECT count(*) FROM "+warehouse.VersionTable).Scan(&rows)
		if rows != 1 {
			t.Errorf("%s has %d rows, want 1", warehouse.VersionTable, rows)
		}
	}
	for _, table := range warehouse.Tables {
		if n := count(t, w, Tenants(t, 1), table.Name); n != 0 {
			t.Errorf("%s has %d rows after migrate", table.Name, n)
		}
	}
}

func testNewerSchema(t *testing.T, w warehouse.Warehouse) {
	s, ok := w.(SQLer)
	if !ok {
		t.Skip("engine does not expose SQL()")
	}
	newer := warehouse.SchemaVersion + 1
	if _, err := s.SQL().ExecContext(ctx, fmt.Sprintf("UPDATE %s SET version = %d", warehouse.VersionTable, newer)); err != nil {
		t.Fatal(err)
	}
	err := w.Migrate(ctx)
	if !errors.Is(err, warehouse.ErrSchemaTooNew) {
		t.Fatalf("migrate on a newer schema: %v, want ErrSchemaTooNew", err)
	}
	for _, v := range []int{newer, warehouse.SchemaVersion} {
		if !strings.Contains(err.Error(), strconv.Itoa(v)) {
			t.Errorf("error %q does not name version %d", err, v)
		}
	}
}

func testQueryNeedsTenants(t *testing.T, w warehouse.Warehouse) {
	for _, q := range []string{
		"SELECT count(*) FROM orders",
		"SELECT count(*) FROM orders WHERE {{tenant}}",
		"SELECT count(*) FROM orders o WHERE {{tenants:o.x}}",
		"SELECT count(*) FROM orders WHERE {{tenants",
	} {
		if rows, err := w.Query(ctx, Tenants(t, 1), q); err == nil {
			rows.Close()
			t.Errorf("query %q ran without a tenant filter", q)
		}
	}
	if rows, err := w.Query(ctx, daiyun.Tenants{}, "SELECT 1 FROM orders WHERE {{tenants}}"); err == nil {
		rows.Close()
		t.Error("query with no tenants ran")
	}
}

func testIsolation(t *testing.T, w warehouse.Warehouse) {
	both := Tenants(t, 1, 2)
	// Tenant 2 uses the very same shop ids and order numbers as tenant 1.
	upsert(t, w, both, "orders", order(1, 7, "A", 1, "paid", 100), order(2, 7, "A", 1, "paid", 999), order(2, 7, "B", 1, "paid", 999))
	upsert(t, w, both, "order_lines", line(1, 7, "A", 1, 1, 100), line(2, 7, "A", 1, 1, 999), line(2, 7, "B", 1, 1, 999))
	one := Tenants(t, 1)
	for _, q := range []string{
		"SELECT tenant_id, order_no, total_minor FROM orders WHERE {{tenants}} ORDER BY order_no",
		`SELECT o.tenant_id, o.order_no, l.amount_minor FROM orders o
		 JOIN order_lines l ON l.tenant_id = o.tenant_id AND l.shop_id = o.shop_id AND l.order_no = o.order_no
		 WHERE {{tenants:o}} AND {{tenants:l}} ORDER BY 2`,
		// A careless join on the order number alone still cannot reach
		// tenant 2's rows when every table read is filtered.
		`SELECT o.tenant_id, o.order_no, l.amount_minor FROM orders o JOIN order_lines l ON l.order_no = o.order_no
		 WHERE {{tenants:o}} AND {{tenants:l}} ORDER BY 2`,
		`SELECT tenant_id, order_no, total_minor FROM orders WHERE {{tenants}} AND order_no IN
		 (SELECT order_no FROM order_lines WHERE {{tenants}}) ORDER BY 2`,
	} {
		got := Result(t, w, one, q)
		if len(got) != 1 || got[0][0] != "1" || got[0][1] != "A" || got[0][2] != "100" {
			t.Errorf("tenant 1 sees %v for %s", got, firstLine(q))
		}
	}
	if n := count(t, w, Tenants(t, 2), "orders"); n != 2 {
		t.Errorf("tenant 2 has %d orders, want 2", n)
	}
	// Writing as tenant 1 a row of tenant 2 is refused and writes nothing.
	_, err := w.Upsert(ctx, one, "orders", Columns("orders"), [][]any{order(1, 7, "C", 1, "paid", 1), order(2, 7, "C", 1, "paid", 1)})
	if daiyun.ErrorCode(err) != daiyun.EINVALID || !strings.Contains(err.Error(), "row 1") || !strings.Contains(err.Error(), "2") {
		t.Errorf("foreign tenant row: %v, want EINVALID naming row 1 and tenant 2", err)
	}
	if n := count(t, w, both, "orders"); n != 3 {
		t.Errorf("%d orders after a refused batch, want 3", n)
	}
}

func testUpsertCounts(t *testing.T, w warehouse.Warehouse) {
	ten := Tenants(t, 1)
	wantResult(t, upsert(t, w, ten, "orders", order(1, 1, "A", 5, "paid", 100), order(1, 1, "B", 5, "paid", 200), order(1, 1, "C", 5, "paid", 300)), 3, 0, 0)
	wantResult(t, upsert(t, w, ten, "orders", order(1, 1, "A", 5, "paid", 100), order(1, 1, "B", 5, "paid", 200), order(1, 1, "C", 5, "paid", 300)), 0, 0, 3)
	// A: newer version → replaced; B: older and different → kept;
	// C: same version, different content → replaced; D: new.
	wantResult(t, upsert(t, w, ten, "orders",
		order(1, 1, "A", 6, "shipped", 100), order(1, 1, "B", 4, "closed", 1), order(1, 1, "C", 5, "paid", 333), order(1, 1, "D", 1, "paid", 1)), 1, 2, 1)
	want := [][]string{{"A", "shipped", "100", "6"}, {"B", "paid", "200", "5"}, {"C", "paid", "333", "5"}, {"D", "paid", "1", "1"}}
	got := Result(t, w, ten, "SELECT order_no, status, total_minor, version FROM orders WHERE {{tenants}} ORDER BY order_no")
	if !equalRows(got, want) {
		t.Errorf("orders %v, want %v", got, want)
	}
	// Newer version identical otherwise is still an update (version moved).
	wantResult(t, upsert(t, w, ten, "orders", order(1, 1, "D", 2, "paid", 1)), 0, 1, 0)

	// Duplicates inside a batch: the highest version wins, then the last;
	// each key is counted once.
	wantResult(t, upsert(t, w, ten, "orders",
		order(1, 1, "E", 5, "paid", 5), order(1, 1, "E", 7, "completed", 7), order(1, 1, "E", 6, "shipped", 6),
		order(1, 1, "F", 1, "paid", 1), order(1, 1, "F", 1, "paid", 2)), 2, 0, 0)
	got = Result(t, w, ten, "SELECT order_no, status, total_minor, version FROM orders WHERE {{tenants}} AND order_no IN ('E', 'F') ORDER BY order_no")
	want = [][]string{{"E", "completed", "7", "7"}, {"F", "paid", "2", "1"}}
	if !equalRows(got, want) {
		t.Errorf("in-batch duplicates stored %v, want %v", got, want)
	}
	wantResult(t, upsert(t, w, ten, "orders", order(1, 1, "A", 6, "shipped", 100), order(1, 1, "A", 9, "completed", 100), order(1, 1, "A", 8, "x", 1)), 0, 1, 0)
	if n := count(t, w, ten, "orders"); n != 6 {
		t.Errorf("%d orders, want 6", n)
	}
}

func testUpsertWithoutVersion(t *testing.T, w warehouse.Warehouse) {
	ten := Tenants(t, 3)
	sku := func(id string, price int64, hero any) []any {
		return Row("skus", map[string]any{"tenant_id": int64(3), "shop_id": 1, "sku_id": id, "price_minor": price,
			"cost_minor": int32(10), "active": true, "hero": hero})
	}
	wantResult(t, upsert(t, w, ten, "skus", sku("a", 1, nil), sku("b", 2, true)), 2, 0, 0)
	wantResult(t, upsert(t, w, ten, "skus", sku("a", 1, nil), sku("b", 2, false)), 0, 1, 1)
	// In-batch duplicates without a version: the last wins.
	wantResult(t, upsert(t, w, ten, "skus", sku("a", 5, nil), sku("a", 1, nil), sku("c", 1, nil)), 1, 0, 1)
	got := Result(t, w, ten, "SELECT sku_id, price_minor, hero FROM skus WHERE {{tenants}} ORDER BY sku_id")
	want := [][]string{{"a", "1", "NULL"}, {"b", "2", "false"}, {"c", "1", "NULL"}}
	if !equalRows(got, want) {
		t.Errorf("skus %v, want %v", got, want)
	}
	// A table whose columns are all key columns.
	h := func(status string) []any {
		return Row("order_status_history", map[string]any{"tenant_id": 3, "shop_id": 1, "order_no": "A", "status": status, "at": Day(2026, 1, 1)})
	}
	wantResult(t, upsert(t, w, ten, "order_status_history", h("paid"), h("paid"), h("shipped")), 2, 0, 0)
	wantResult(t, upsert(t, w, ten, "order_status_history", h("paid"), h("completed")), 1, 0, 1)
}

func testOmittedColumns(t *testing.T, w warehouse.Warehouse) {
	ten := Tenants(t, 1)
	o := order(1, 1, "A", 1, "paid", 100)
	tbl, _ := warehouse.TableByName("orders")
	for i, c := range tbl.Columns {
		if c.Name == "province" {
			o[i] = "浙江"
		}
	}
	upsert(t, w, ten, "orders", o)
	// A later source without a province column updates the order and
	// leaves the province it does not know about alone.
	var cols []string
	var row []any
	for i, c := range tbl.Columns {
		if c.Name != "province" && c.Name != "city" {
			cols = append(cols, c.Name)
			row = append(row, order(1, 1, "A", 2, "shipped", 100)[i])
		}
	}
	res, err := w.Upsert(ctx, ten, "orders", cols, [][]any{row})
	if err != nil {
		t.Fatal(err)
	}
	wantResult(t, res, 0, 1, 0)
	got := Result(t, w, ten, "SELECT status, province, city FROM orders WHERE {{tenants}}")
	if want := [][]string{{"shipped", "浙江", "NULL"}}; !equalRows(got, want) {
		t.Errorf("after partial upsert %v, want %v", got, want)
	}
}

// replayBatch is a mixed batch of order lines with in-batch duplicates,
// versions going both ways and NULLs.
func replayBatch() [][]any {
	var rows [][]any
	for i := range 600 {
		no := fmt.Sprintf("R%03d", i%250)
		l := line(1, 1+int64(i%3), no, 1+i%2, int64(i%5), int64(100+i))
		if i%7 == 0 {
			l[5] = "SPU" + strconv.Itoa(i) // spu_id
		}
		rows = append(rows, l)
	}
	return rows
}

func testReplay(t *testing.T, w warehouse.Warehouse) {
	ten := Tenants(t, 1)
	batch := replayBatch()
	first := upsert(t, w, ten, "order_lines", batch...)
	if first.Inserted == 0 || first.Inserted+first.Updated+first.Unchanged > len(batch) {
		t.Fatalf("first load %+v", first)
	}
	dump := Dump(t, w, ten, "order_lines")
	if len(dump) != first.Inserted {
		t.Fatalf("%d rows stored, %d inserted", len(dump), first.Inserted)
	}
	for i := 2; i <= 3; i++ {
		res := upsert(t, w, ten, "order_lines", batch...)
		wantResult(t, res, 0, 0, first.Inserted)
		if again := Dump(t, w, ten, "order_lines"); !equalRows(again, dump) {
			t.Fatalf("replay #%d changed the table", i)
		}
	}
}

func testAllOrNothing(t *testing.T, w warehouse.Warehouse) {
	ten := Tenants(t, 1)
	upsert(t, w, ten, "orders", order(1, 1, "KEEP", 1, "paid", 1))
	before := Dump(t, w, ten, "orders")
	tbl, _ := warehouse.TableByName("orders")
	statusCol := 0
	for i, c := range tbl.Columns {
		if c.Name == "status" {
			statusCol = i
		}
	}
	for name, bad := range map[string]func([]any){
		"null in NOT NULL": func(r []any) { r[statusCol] = nil },
		"wrong type":       func(r []any) { r[statusCol] = 42 },
		"tenant outside":   func(r []any) { r[0] = int64(9) },
		"int for time":     func(r []any) { r[5] = 17 },
	} {
		var rows [][]any
		for i := range 50 {
			rows = append(rows, order(1, 1, fmt.Sprintf("N%d", i), 1, "paid", 1))
		}
		rows = append(rows, order(1, 1, "KEEP", 2, "completed", 2))
		bad(rows[37])
		_, err := w.Upsert(ctx, ten, "orders", Columns("orders"), rows)
		if daiyun.ErrorCode(err) != daiyun.EINVALID || !strings.Contains(err.Error(), "row 37") {
			t.Errorf("%s: %v, want EINVALID naming row 37", name, err)
		}
		if after := Dump(t, w, ten, "orders"); !equalRows(after, before) {
			t.Errorf("%s: a refused batch changed orders", name)
		}
	}
}

func testBadRequests(t *testing.T, w warehouse.Warehouse) {
	ten := Tenants(t, 1)
	o := order(1, 1, "A", 1, "paid", 1)
	cols := Columns("orders")
	for name, call := range map[string]func() error{
		"unknown table": func() error { _, err := w.Upsert(ctx, ten, "nope", cols, [][]any{o}); return err },
		"unknown column": func() error {
			_, err := w.Upsert(ctx, ten, "orders", append(cols[:len(cols):len(cols)], "x"), [][]any{append(o, 1)})
			return err
		},
		"missing key": func() error { _, err := w.Upsert(ctx, ten, "orders", cols[1:], [][]any{o[1:]}); return err },
		"missing not null": func() error {
			_, err := w.Upsert(ctx, ten, "orders", cols[:len(cols)-1], [][]any{o[:len(o)-1]})
			return err
		},
		"short row":        func() error { _, err := w.Upsert(ctx, ten, "orders", cols, [][]any{o[:3]}); return err },
		"no tenants":       func() error { _, err := w.Upsert(ctx, daiyun.Tenants{}, "orders", cols, [][]any{o}); return err },
		"appender unknown": func() error { _, err := w.Appender(ctx, "nope"); return err },
	} {
		if err := call(); daiyun.ErrorCode(err) != daiyun.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
	if n := count(t, w, ten, "orders"); n != 0 {
		t.Errorf("bad requests wrote %d orders", n)
	}
	if res, err := w.Upsert(ctx, ten, "orders", cols, nil); err != nil || res != (warehouse.UpsertResult{}) {
		t.Errorf("empty batch: %+v, %v", res, err)
	}
}

func testTimesAndNulls(t *testing.T, w warehouse.Warehouse) {
	ten := Tenants(t, 1)
	shanghai := time.FixedZone("CST", 8*3600)
	created := time.Date(2026, 3, 1, 7, 30, 15, 123456000, shanghai) // 2026-02-28 23:30:15.123456 UTC
	o := Row("orders", map[string]any{
		"tenant_id": 1, "shop_id": int32(1), "order_no": "T", "status": "paid", "created_at": created,
		"paid_at": nil, "created_day": time.Date(2026, 3, 1, 0, 0, 0, 0, shanghai), "currency": "CNY",
		"goods_minor": 1, "discount_minor": int32(0), "shipping_minor": int64(0), "total_minor": uint16(1),
		"paid_minor": 0, "refund_minor": 0, "version": 1, "source": "test",
	})
	upsert(t, w, ten, "orders", o)
	got := Result(t, w, ten, "SELECT created_at, created_day, paid_at, paid_day, customer_id, province, shop_id FROM orders WHERE {{tenants}}")
	want := [][]string{{"2026-02-28T23:30:15.123456Z", "2026-03-01T00:00:00Z", "NULL", "NULL", "NULL", "NULL", "1"}}
	if !equalRows(got, want) {
		t.Errorf("round trip %v, want %v", got, want)
	}
	// Parameters compare against the stored UTC values.
	rows, err := w.Query(ctx, ten, "SELECT count(*) FROM orders WHERE {{tenants}} AND created_at = $1 AND created_day = $2 AND paid_at IS NULL",
		created.UTC(), Day(2026, 3, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if got := scanAll(t, rows); got[0][0] != "1" {
		t.Errorf("parameter match %v, want 1", got)
	}
	// Scanning into Go types gives UTC times.
	var at, day time.Time
	r, err := w.Query(ctx, ten, "SELECT created_at, created_day FROM orders WHERE {{tenants}}")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.Next()
	if err := r.Scan(&at, &day); err != nil {
		t.Fatal(err)
	}
	if !at.Equal(created) || at.Location() != time.UTC || !day.Equal(Day(2026, 3, 1)) {
		t.Errorf("scanned %v %v", at, day)
	}
}

func testAppender(t *testing.T, w warehouse.Warehouse) {
	ten := Tenants(t, 1)
	a, err := w.Appender(ctx, "order_lines")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5000 {
		l := line(1, 1, fmt.Sprintf("AP%d", i/3), 1+i%3, int64(i), int64(i))
		l[3] = []any{1 + i%3, int32(1 + i%3), int64(1 + i%3)}[i%3]
		if err := a.AppendRow(l...); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.AppendRow(1, 2); daiyun.ErrorCode(err) != daiyun.EINVALID {
		t.Errorf("short row: %v", err)
	}
	if n := count(t, w, ten, "order_lines"); n != 0 {
		t.Errorf("%d rows visible before Close", n)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	got := Result(t, w, ten, "SELECT count(*), CAST(sum(line_no) AS BIGINT), min(created_day) FROM order_lines WHERE {{tenants}}")
	if want := [][]string{{"5000", "9999", "2026-01-02T00:00:00Z"}}; !equalRows(got, want) {
		t.Errorf("appended %v, want %v", got, want)
	}
	// Upsert recognises appended rows.
	wantResult(t, upsert(t, w, ten, "order_lines", line(1, 1, "AP0", 1, 0, 0), line(1, 1, "AP0", 2, 9, 1)), 0, 1, 1)
}

func testDeleteTenant(t *testing.T, w warehouse.Warehouse) {
	Load(t, w, Dataset())
	two := Tenants(t, 2)
	before := map[string][][]string{}
	for _, table := range []string{"orders", "order_lines", "skus", "traffic_daily"} {
		before[table] = Dump(t, w, two, table)
		if len(before[table]) == 0 || count(t, w, Tenants(t, 1), table) == 0 {
			t.Fatalf("dataset has no %s for both tenants", table)
		}
	}
	if err := w.DeleteTenant(ctx, Tenants(t, 1)); err != nil {
		t.Fatal(err)
	}
	for _, table := range warehouse.Tables {
		if n := count(t, w, Tenants(t, 1), table.Name); n != 0 {
			t.Errorf("%d %s rows of tenant 1 left", n, table.Name)
		}
	}
	for table, rows := range before {
		if after := Dump(t, w, two, table); !equalRows(after, rows) {
			t.Errorf("DeleteTenant(1) changed tenant 2's %s", table)
		}
	}
}

// testConcurrent has four writers upsert the same keys with different
// versions at once: afterwards every key is stored once, at its highest
// version.
func testConcurrent(t *testing.T, w warehouse.Warehouse) {
	ten := Tenants(t, 1)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for round := range 3 {
				var rows [][]any
				for k := range 300 {
					rows = append(rows, line(1, 1, fmt.Sprintf("C%03d", k), 1, int64(round*10+g), int64(g)))
				}
				if _, err := w.Upsert(ctx, ten, "order_lines", Columns("order_lines"), rows); err != nil {
					t.Errorf("writer %d: %v", g, err)
					return
				}
			}
		})
	}
	wg.Wait()
	got := Result(t, w, ten, "SELECT count(*), count(DISTINCT order_no), min(version), max(version), min(amount_minor) FROM order_lines WHERE {{tenants}}")
	if want := [][]string{{"300", "300", "23", "23", "3"}}; !equalRows(got, want) {
		t.Errorf("after concurrent upserts %v, want %v", got, want)
	}
}

// testUpsertMany writes orders and their lines in one transaction: a bad
// line leaves the orders unwritten too, and a good batch counts each table.
func testUpsertMany(t *testing.T, w warehouse.Warehouse) {
	mu, ok := w.(warehouse.MultiUpserter)
	if !ok {
		t.Fatal("the engine does not implement warehouse.MultiUpserter")
	}
	ten := Tenants(t, 1)
	good := []warehouse.TableRows{
		{Table: "orders", Columns: Columns("orders"), Rows: [][]any{order(1, 1, "M1", 1, "paid", 300), order(1, 1, "M2", 1, "paid", 100)}},
		{Table: "order_lines", Columns: Columns("order_lines"), Rows: [][]any{line(1, 1, "M1", 1, 1, 100), line(1, 1, "M1", 2, 1, 200), line(1, 1, "M2", 1, 1, 100)}},
	}
	bad := []warehouse.TableRows{good[0], {Table: "order_lines", Columns: Columns("order_lines"),
		Rows: [][]any{line(1, 1, "M1", 1, 1, 100), line(9, 1, "M2", 1, 1, 100)}}} // a line of another tenant
	if _, err := mu.UpsertMany(ctx, ten, bad); err == nil {
		t.Fatal("a batch with a line of another tenant was written")
	}
	if rows := Dump(t, w, ten, "orders"); len(rows) != 0 {
		t.Fatalf("orders written although their lines failed: %v", rows)
	}
	res, err := mu.UpsertMany(ctx, ten, good)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Inserted != 2 || res[1].Inserted != 3 {
		t.Fatalf("counts %+v", res)
	}
	res, err = mu.UpsertMany(ctx, ten, good)
	if err != nil || res[0].Unchanged != 2 || res[1].Unchanged != 3 {
		t.Fatalf("replay %+v %v", res, err)
	}
}
