package imports_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/imports"
	"github.com/daiyun/daiyun/ingest"
	"github.com/daiyun/daiyun/warehouse/duckdb"
)

var sys = daiyun.WithActor(context.Background(), daiyun.SystemActor)

type fixture struct {
	svc        *imports.Service
	cat        *catalog.Store
	shop, shB  daiyun.Shop
	otherActor context.Context
}

func setup(t testing.TB) fixture {
	t.Helper()
	dir := t.TempDir()
	cat, err := catalog.Open(sys, filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	if err := cat.Migrate(sys); err != nil {
		t.Fatal(err)
	}
	wh, err := duckdb.Open(filepath.Join(dir, "warehouse.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	if err := wh.Migrate(sys); err != nil {
		t.Fatal(err)
	}
	f := fixture{cat: cat, svc: &imports.Service{Catalog: cat, Warehouse: wh, Now: func() time.Time { return time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC) }}}
	for i, name := range []string{"A", "B"} {
		c := daiyun.Client{Name: name}
		if err := cat.CreateClient(sys, &c); err != nil {
			t.Fatal(err)
		}
		sh := daiyun.Shop{ClientID: c.ID, Name: name + " shop", Platform: daiyun.PlatformTmall, Category: "beauty", Currency: "CNY", Timezone: "Asia/Shanghai"}
		if err := cat.CreateShop(sys, &sh); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			f.shop = sh
		} else {
			f.shB = sh
			f.otherActor = daiyun.WithActor(context.Background(), daiyun.Actor{APIKeyID: 99, ClientID: c.ID, Role: daiyun.RoleClientViewer})
		}
	}
	return f
}

func TestImportQuarantineAndFix(t *testing.T) {
	f := setup(t)
	good, err := os.ReadFile("../ingest/testdata/canonical_orders.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(good), "\n"), "\n")
	// Break one line: a negative quantity must be quarantined, not dropped.
	broken := strings.Join(lines[:2], "\n") + "\n" + strings.Replace(lines[2], ",1,5000,5000,", ",-1,5000,5000,", 1) + "\n" + strings.Join(lines[3:], "\n") + "\n"
	res, err := f.svc.ImportFile(sys, imports.FileRequest{ShopID: f.shop.ID, FileName: "orders.csv", Reader: strings.NewReader(broken)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Record.Status != catalog.ImportCommitted || res.Report.Quarantined == 0 || res.Report.Read != res.Report.Inserted+res.Report.Quarantined+res.Report.Unchanged+res.Report.Updated+res.Report.Duplicates {
		t.Fatalf("first import: %+v", res.Report)
	}
	health, err := f.svc.Health(sys, f.shop.ClientID, 90)
	if err != nil || health[0].Quarantined == 0 {
		t.Fatalf("health: %+v %v", health, err)
	}
	// Download, correct, re-import as a fix: the rows leave quarantine.
	var fix bytes.Buffer
	if err := f.svc.WriteQuarantineCSV(sys, &fix, res.Record.ID); err != nil {
		t.Fatal(err)
	}
	// A value starting with "-" is written behind a tab so a spreadsheet
	// shows it as text; the importer trims it.
	if !strings.Contains(fix.String(), "\"\t-1\"") {
		t.Fatalf("quarantine download lacks the bad row:\n%s", fix.String())
	}
	corrected := strings.ReplaceAll(fix.String(), "\"\t-1\"", "1")
	res2, err := f.svc.ImportFile(sys, imports.FileRequest{ShopID: f.shop.ID, FileName: "fixed.csv", Reader: strings.NewReader(corrected), Fixes: res.Record.ID})
	if err != nil || res2.Report.Quarantined != 0 {
		t.Fatalf("fix import: %+v %v", res2.Report, err)
	}
	open, _ := f.cat.Quarantine(sys, catalog.QuarantineFilter{ClientID: f.shop.ClientID, OnlyOpen: true})
	if len(open) != 0 {
		t.Fatalf("still quarantined after the fix: %+v", open)
	}
	// Replaying the good file changes nothing.
	res3, err := f.svc.ImportFile(sys, imports.FileRequest{ShopID: f.shop.ID, FileName: "orders.csv", Reader: bytes.NewReader(good)})
	if err != nil || res3.Report.Inserted != 0 || res3.Report.Updated != 0 {
		t.Fatalf("replay: %+v %v", res3.Report, err)
	}
}

func TestAPIBatchOutcomesAndIsolation(t *testing.T) {
	f := setup(t)
	good := `{"day":"2024-05-01","source":"search","visitors":100,"page_views":300,"product_visitors":60,"cart_visitors":10,"order_buyers":5,"pay_buyers":4,"pay_minor":40000,"impressions":0,"clicks":0}` + "\n"
	bad := `{"day":"2024-05-01","source":"live","visitors":-5,"page_views":10,"product_visitors":1,"cart_visitors":0,"order_buyers":0,"pay_buyers":0,"pay_minor":0,"impressions":0,"clicks":0}` + "\n"
	decode := func(body string) *ingest.Records {
		t.Helper()
		b, err := imports.DecodeBatch(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	res, err := f.svc.IngestBatch(sys, f.shop.ID, "traffic_daily", decode(good+bad))
	if err != nil {
		t.Fatal(err)
	}
	if res.Inserted != 1 || res.Quarantined != 1 || res.Rows[0].Status != "accepted" || res.Rows[1].Status != "quarantined" || res.Rows[1].Errors[0].Column != "visitors" {
		t.Fatalf("batch: %+v", res)
	}
	again, err := f.svc.IngestBatch(sys, f.shop.ID, "traffic_daily", decode(good))
	if err != nil || again.Unchanged != 1 {
		t.Fatalf("replayed batch: %+v %v", again, err)
	}
	// A batch whose only row is quarantined still answers its outcome.
	allBad, err := f.svc.IngestBatch(sys, f.shop.ID, "traffic_daily", decode(bad))
	if !errors.Is(err, ingest.ErrNothingRead) || len(allBad.Rows) != 1 || allBad.Rows[0].Status != "quarantined" || allBad.Quarantined != 1 {
		t.Fatalf("all-quarantined batch: %+v %v", allBad, err)
	}
	// Client B's key cannot write to client A's shop.
	if _, err := f.svc.IngestBatch(f.otherActor, f.shop.ID, "traffic_daily", decode(good)); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
		t.Fatalf("B writing A's shop: %v", err)
	}
	if _, err := imports.DecodeBatch(strings.NewReader("{\"a\":1}\nnot json\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("bad NDJSON: %v", err)
	}
}

// Quarantined rows keep no more personal data than the warehouse (B6): no
// recipient name, phone or street address, and the buyer as a pseudonym.
func TestQuarantineKeepsNoPersonalData(t *testing.T) {
	f := setup(t)
	file, err := os.Open("../ingest/testdata/taobao_orders.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	res, err := f.svc.ImportFile(sys, imports.FileRequest{ShopID: f.shop.ID, FileName: "taobao_orders.csv", Reader: file})
	if err != nil || res.Report.Quarantined == 0 {
		t.Fatalf("import: %+v %v", res.Report, err)
	}
	var dump bytes.Buffer
	rows, _ := f.cat.Quarantine(sys, catalog.QuarantineFilter{ImportID: res.Record.ID})
	for _, r := range rows {
		dump.WriteString(strings.Join(r.Raw, "|") + "|" + r.Value + "\n")
	}
	f.svc.WriteQuarantineCSV(sys, &dump, res.Record.ID)
	for _, personal := range []string{"钱七", "孙八", "135****0005", "中山路", "人民路", "tb_buyer05", "@163.com"} {
		if strings.Contains(dump.String(), personal) {
			t.Errorf("quarantine keeps %q:\n%s", personal, dump.String())
		}
	}
	if !strings.Contains(dump.String(), "江苏省 南京市") || !strings.Contains(dump.String(), "c_") {
		t.Errorf("quarantine lost the province/city or the pseudonym:\n%s", dump.String())
	}
}
