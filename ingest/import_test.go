package ingest

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
	"github.com/daiyun/daiyun/warehouse/warehousetest"
)

// dumpAll returns every fact table of the tenant.
func dumpAll(t *testing.T, wh warehouse.Warehouse, tenant int64) map[string][][]string {
	out := map[string][][]string{}
	for _, tb := range warehouse.Tables {
		out[tb.Name] = warehousetest.Dump(t, wh, tenants(t, tenant), tb.Name)
	}
	return out
}

// TestReplay imports every sample three times, on DuckDB and PostgreSQL:
// the first import inserts, the next two change nothing, and the warehouse
// is identical after each.
func TestReplay(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			wh := e.open(t)
			for _, s := range samples {
				shop := s.shop()
				for _, b := range s.before {
					if _, err := Import(ctx, wh, &MemorySink{}, request(t, shop, b, readTestdata(t, b))); err != nil {
						t.Fatal(err)
					}
				}
				data := readTestdata(t, s.file)
				var first map[string][][]string
				var firstRep Report
				for i := 0; i < 3; i++ {
					req := request(t, shop, s.file, data)
					req.Locale = s.locale
					rep, err := Import(ctx, wh, &MemorySink{}, req)
					if err != nil {
						t.Fatalf("%s import %d: %v", s.file, i+1, err)
					}
					dump := dumpAll(t, wh, shop.ClientID)
					if i == 0 {
						first, firstRep = dump, rep
						continue
					}
					for table, r := range rep.Tables {
						if r.Inserted != 0 || r.Updated != 0 {
							t.Errorf("%s import %d: %s %+v, want all unchanged", s.file, i+1, table, r)
						}
					}
					if rep.Unchanged != firstRep.Inserted+firstRep.Updated+firstRep.Unchanged || rep.Quarantined != firstRep.Quarantined {
						t.Errorf("%s import %d: report %+v after %+v", s.file, i+1, rep, firstRep)
					}
					if !reflect.DeepEqual(dump, first) {
						t.Errorf("%s import %d changed the warehouse", s.file, i+1)
					}
				}
			}
		})
	}
}

// TestEnginesAgree imports all samples into both engines and compares.
func TestEnginesAgree(t *testing.T) {
	ctx := context.Background()
	var dumps []map[string][][]string
	for _, e := range engines {
		wh := e.open(t)
		for _, s := range samples {
			for _, f := range append(append([]string{}, s.before...), s.file) {
				req := request(t, s.shop(), f, readTestdata(t, f))
				req.Locale = s.locale
				if _, err := Import(ctx, wh, &MemorySink{}, req); err != nil {
					t.Fatalf("%s %s: %v", e.name, f, err)
				}
			}
		}
		dumps = append(dumps, dumpAll(t, wh, 7))
	}
	for table := range dumps[0] {
		if !reflect.DeepEqual(dumps[0][table], dumps[1][table]) {
			t.Errorf("%s differs between DuckDB and PostgreSQL:\n%v\n%v", table, dumps[0][table], dumps[1][table])
		}
	}
}

// TestNewerOrderVersionWins re-imports an order with a later status.
func TestNewerOrderVersionWins(t *testing.T) {
	ctx := context.Background()
	wh := openDuck(t)
	shop := shopCN()
	head := "order_no,status,created_at,paid_at,completed_at,total_minor,line_no,sku_id,quantity,amount_minor\n"
	v1 := head + "N-1,paid,2024-03-01 10:00:00,2024-03-01 10:01:00,,1000,1,S,1,1000\n"
	v2 := head + "N-1,completed,2024-03-01 10:00:00,2024-03-01 10:01:00,2024-03-05 10:00:00,1000,1,S,1,1000\n"
	for _, data := range []string{v1, v2, v1} {
		if _, err := Import(ctx, wh, &MemorySink{}, request(t, shop, "o.csv", []byte(data))); err != nil {
			t.Fatal(err)
		}
	}
	rows := warehousetest.Result(t, wh, tenants(t, 7), "SELECT status FROM orders WHERE {{tenants}}")
	if len(rows) != 1 || rows[0][0] != "completed" {
		t.Fatalf("status %v, want completed (the older export replayed must not win)", rows)
	}
	h := warehousetest.Result(t, wh, tenants(t, 7), `SELECT status FROM order_status_history WHERE {{tenants}} ORDER BY "at", status`)
	if len(h) != 3 {
		t.Errorf("history %v, want pending, paid, completed", h)
	}
}

// TestIsolation refuses an import whose tenants do not include the shop's
// client, and never writes a row for another tenant.
func TestIsolation(t *testing.T) {
	ctx := context.Background()
	wh := openDuck(t)
	req := request(t, shopCN(), "jd_orders.csv", readTestdata(t, "jd_orders.csv"))
	req.Tenants = tenants(t, 8) // the actor may see client 8, the shop is client 7's
	_, err := Import(ctx, wh, &MemorySink{}, req)
	if daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
		t.Fatalf("err %v, want not_found", err)
	}
	if n := len(warehousetest.Dump(t, wh, tenants(t, 7), "orders")); n != 0 {
		t.Fatalf("%d orders written", n)
	}
	// A client user of client 8 cannot even make Tenants for client 7.
	actx := daiyun.WithActor(ctx, daiyun.Actor{Role: daiyun.RoleClientManager, ClientID: 8})
	if _, err := daiyun.TenantsFor(actx, 7); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
		t.Fatalf("TenantsFor: %v", err)
	}
	// A file claiming another tenant in its tenant_id column is quarantined.
	data := "tenant_id,shop_id,day,source,visitors\n8,70,2024-03-01,search,10\n7,70,2024-03-01,live,5\n"
	rep, err := Import(ctx, wh, &MemorySink{}, request(t, shopCN(), "t.csv", []byte(data)))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Quarantined != 1 || rep.Inserted != 1 {
		t.Fatalf("report %+v, want 1 quarantined (tenant 8) and 1 inserted", rep)
	}
	if n := len(warehousetest.Dump(t, wh, tenants(t, 8), "traffic_daily")); n != 0 {
		t.Fatalf("tenant 8 has %d rows", n)
	}
}

// TestMissingRequiredColumn names the missing column when a format is
// forced.
func TestMissingRequiredColumn(t *testing.T) {
	req := request(t, shopCN(), "x.csv", []byte("订单编号,订单状态\n1,交易成功\n"))
	req.Format = "taobao_orders"
	_, err := Import(context.Background(), openDuck(t), &MemorySink{}, req)
	if err == nil || !strings.Contains(err.Error(), "总金额") || !strings.Contains(err.Error(), "订单创建时间") {
		t.Fatalf("err %v, want it to name 总金额 and 订单创建时间", err)
	}
	req = request(t, shopCN(), "x.csv", []byte("a,b\n1,2\n"))
	_, err = Import(context.Background(), openDuck(t), &MemorySink{}, req)
	if daiyun.ErrorCode(err) != daiyun.EINVALID {
		t.Fatalf("unknown header: %v", err)
	}
}

// TestNothingRead reports ErrNothingRead when every row is quarantined.
func TestNothingRead(t *testing.T) {
	data := "day,source,visitors\nnot-a-day,search,1\n"
	rep, err := Import(context.Background(), openDuck(t), &MemorySink{}, request(t, shopCN(), "t.csv", []byte(data)))
	if !errors.Is(err, ErrNothingRead) || rep.Quarantined != 1 {
		t.Fatalf("err %v report %+v", err, rep)
	}
}

// TestQuarantineRoundTrip downloads the rejects, fixes them and imports
// them again: they leave quarantine.
func TestQuarantineRoundTrip(t *testing.T) {
	ctx := context.Background()
	wh := openDuck(t)
	sink := &MemorySink{}
	rep, err := Import(ctx, wh, sink, request(t, shopCN(), "sycm_traffic.csv", readTestdata(t, "sycm_traffic.csv")))
	if err != nil || rep.Quarantined != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	var buf bytes.Buffer
	if err := WriteRejectsCSV(&buf, sink.Header("imp_test"), sink.Rejects("imp_test")); err != nil {
		t.Fatal(err)
	}
	fixed := strings.Replace(buf.String(), "\t-5", "5", 1)
	req := request(t, shopCN(), "fixed.csv", []byte(fixed))
	req.ImportID = "imp_fix"
	rep, err = Import(ctx, wh, sink, req)
	if err != nil || rep.Inserted != 1 || rep.Quarantined != 0 {
		t.Fatalf("replay of the fixed rows: %v %+v\n%s", err, rep, fixed)
	}
}

// TestFormulaStaysText checks values starting with = + - @ are stored as
// the text they are and written back defused.
func TestFormulaStaysText(t *testing.T) {
	ctx := context.Background()
	wh := openDuck(t)
	data := "review_id,rating,body,created_at\nR1,5,=1+1,2024-03-01 10:00:00\nR2,4,@SUM(A1),2024-03-01 10:00:00\nR3,3,+cmd,2024-03-01 10:00:00\n"
	if _, err := Import(ctx, wh, &MemorySink{}, request(t, shopCN(), "r.csv", []byte(data))); err != nil {
		t.Fatal(err)
	}
	rows := warehousetest.Result(t, wh, tenants(t, 7), "SELECT body FROM reviews WHERE {{tenants}} ORDER BY review_id")
	want := [][]string{{"=1+1"}, {"@SUM(A1)"}, {"+cmd"}}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("bodies %v, want %v", rows, want)
	}
	var buf bytes.Buffer
	WriteRejectsCSV(&buf, []string{"body"}, []Reject{{Raw: []string{"=1+1"}}})
	if !strings.Contains(buf.String(), "\t=1+1") {
		t.Fatalf("download not defused: %q", buf.String())
	}
}

// TestBatchesKeepOrdersWhole imports with a tiny batch size: orders are not
// split and the result equals one big batch.
func TestBatchesKeepOrdersWhole(t *testing.T) {
	ctx := context.Background()
	var dumps []map[string][][]string
	for _, size := range []int{1, 2, 1000} {
		wh := openDuck(t)
		for _, f := range []string{"shopify_orders.csv"} {
			req := request(t, shopUS(), f, readTestdata(t, f))
			req.BatchSize = size
			rep, err := Import(ctx, wh, &MemorySink{}, req)
			if err != nil {
				t.Fatal(err)
			}
			if size == 1 && rep.Batches < 4 {
				t.Errorf("batch size 1 wrote %d batches", rep.Batches)
			}
		}
		dumps = append(dumps, dumpAll(t, wh, 7))
	}
	if !reflect.DeepEqual(dumps[0], dumps[2]) || !reflect.DeepEqual(dumps[1], dumps[2]) {
		t.Fatal("batch size changed the result")
	}
}

// TestMapping imports an unknown layout through a YAML mapping.
func TestMapping(t *testing.T) {
	y := "name: my-erp\ntable: orders\ncolumns:\n  单号: order_no\n  下单: created_at\n  应付: total_minor\n  状态: status\n  商品: sku_id\n  件数: quantity\n  金额: amount_minor\n"
	m, err := LoadMapping(strings.NewReader(y))
	if err != nil {
		t.Fatal(err)
	}
	data := "单号,下单,应付,状态,商品,件数,金额\nM1,2024-03-01 10:00,¥12.50,交易成功,S1,1,12.50\n"
	req := request(t, shopCN(), "erp.csv", []byte(data))
	req.Mappings = []Mapping{m}
	rep, err := Import(context.Background(), openDuck(t), &MemorySink{}, req)
	if err != nil || rep.Format != "my-erp" || rep.Inserted != 1 || rep.ReconciliationFailures != 0 {
		t.Fatalf("%v %+v", err, rep)
	}
	for _, bad := range []string{
		`{"name":"x","table":"nope","columns":{"a":"order_no"}}`,
		`{"name":"x","table":"orders","columns":{"a":"not_a_field","b":"created_at","c":"order_no","d":"total_minor"}}`,
		`{"name":"x","table":"orders","columns":{"a":"order_no"}}`,
		`{"name":"x","table":"traffic_daily","columns":{"a":"day","b":"visitors"}}`,
		`{"table":"orders","columns":{"a":"order_no"}}`,
		`{"name":"x","table":"orders","colums":{}}`,
	} {
		if _, err := LoadMapping(strings.NewReader(bad)); daiyun.ErrorCode(err) != daiyun.EINVALID {
			t.Errorf("mapping %s: err %v, want invalid", bad, err)
		}
	}
}

// TestBuiltinProfilesValid checks every profile against the schema.
func TestBuiltinProfilesValid(t *testing.T) {
	names := map[string]bool{}
	for _, p := range Profiles() {
		if err := p.validate(); err != nil {
			t.Error(err)
		}
		if names[p.Name] {
			t.Errorf("profile %s twice", p.Name)
		}
		names[p.Name] = true
	}
}

// TestDuplicateRows: the same key twice in a file keeps the later row and
// counts a duplicate, for lines and for facts.
func TestDuplicateRows(t *testing.T) {
	ctx := context.Background()
	wh := openDuck(t)
	data := "order_no,created_at,total_minor,line_no,sku_id,quantity,amount_minor\nD1,2024-03-01 10:00,500,1,A,1,100\nD1,2024-03-01 10:00,500,1,A,5,500\n"
	rep, err := Import(ctx, wh, &MemorySink{}, request(t, shopCN(), "d.csv", []byte(data)))
	if err != nil || rep.Read != 2 || rep.Inserted != 1 || rep.Duplicates != 1 || rep.ReconciliationFailures != 0 {
		t.Fatalf("%v %+v", err, rep)
	}
	if q := warehousetest.Result(t, wh, tenants(t, 7), "SELECT quantity FROM order_lines WHERE {{tenants}}"); q[0][0] != "5" {
		t.Errorf("quantity %v, want the later row's 5", q)
	}
	data = "day,source,visitors\n2024-03-01,search,1\n2024-03-01,search,2\n"
	rep, err = Import(ctx, wh, &MemorySink{}, request(t, shopCN(), "t.csv", []byte(data)))
	if err != nil || rep.Inserted != 1 || rep.Duplicates != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
}

// TestRaggedRows quarantines rows whose fields do not line up with the
// header.
func TestRaggedRows(t *testing.T) {
	data := "day,source,visitors,page_views\n2024-03-01,search,1,2\n2024-03-01,live,1\n2024-03-01,direct,1,2,3\n2024-03-02,search,1,2,\n"
	rep, err := Import(context.Background(), openDuck(t), &MemorySink{}, request(t, shopCN(), "t.csv", []byte(data)))
	if err != nil || rep.Inserted != 2 || rep.Quarantined != 2 {
		t.Fatalf("%v %+v", err, rep)
	}
}

// failing is a warehouse whose writes fail.
type failing struct{ warehouse.Warehouse }

func (failing) Upsert(context.Context, daiyun.Tenants, string, []string, [][]any) (warehouse.UpsertResult, error) {
	return warehouse.UpsertResult{}, errors.New("disk full")
}

// TestWriteErrorStopsImport returns the warehouse's error.
func TestWriteErrorStopsImport(t *testing.T) {
	req := request(t, shopCN(), "jd_orders.csv", readTestdata(t, "jd_orders.csv"))
	req.BatchSize = 1
	_, err := Import(context.Background(), failing{openDuck(t)}, &MemorySink{}, req)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err %v", err)
	}
}

// TestRefusedRowHoldsOrderBack: one bad line of an order quarantines the
// whole order, whatever the column order of the mapping.
func TestRefusedRowHoldsOrderBack(t *testing.T) {
	m := Mapping{Name: "m", Table: "orders", Columns: map[string]string{
		"a_qty": "quantity", "b_amount": "amount_minor", "z_no": "order_no", "c_created": "created_at", "d_total": "total_minor"}}
	data := "z_no,c_created,d_total,a_qty,b_amount\nX1,2024-03-01 10:00,30,1,10\nX1,2024-03-01 10:00,30,-2,20\nX2,2024-03-01 11:00,5,1,5\n"
	req := request(t, shopCN(), "m.csv", []byte(data))
	req.Mapping = &m
	wh := openDuck(t)
	rep, err := Import(context.Background(), wh, &MemorySink{}, req)
	if err != nil || rep.Quarantined != 2 || rep.Inserted != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	if n := len(warehousetest.Dump(t, wh, tenants(t, 7), "orders")); n != 1 {
		t.Fatalf("%d orders stored, want only X2", n)
	}
}
