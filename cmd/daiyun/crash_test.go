package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/warehouse/duckdb"
)

// TestMain lets a test run this test binary as the daiyun command, so the
// crash test can kill a real import process.
func TestMain(m *testing.M) {
	if os.Getenv("DAIYUN_TEST_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// writeOrders writes a canonical order file of n orders with two lines each.
func writeOrders(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "order_no,customer_id,status,created_at,paid_at,goods_minor,discount_minor,shipping_minor,total_minor,paid_minor,refund_minor,line_no,sku_id,quantity,unit_price_minor,amount_minor")
	for i := 0; i < n; i++ {
		day := time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC).Add(time.Duration(i%300) * 24 * time.Hour).Format("2006-01-02 15:04:05")
		for l := 1; l <= 2; l++ {
			fmt.Fprintf(w, "K%07d,buyer-%d,completed,%s,%s,3000,0,0,3000,3000,0,%d,SKU-%d,1,1500,1500\n", i, i%5000, day, day, l, l)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// A kill -9 during an import leaves whole batches only: no order without
// its lines and no line without its order; the run reads as interrupted
// (still "running"), and importing the file again completes it.
func TestImportKilledMidwayIsAllOrNothingPerBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	data := t.TempDir()
	env := map[string]string{"DAIYUN_DATA": data}
	mustRun(t, env, "client", "add", "--name", "Crash")
	mustRun(t, env, "shop", "add", "--client", "Crash", "--name", "S", "--platform", "tmall", "--category", "beauty")
	file := filepath.Join(t.TempDir(), "orders.csv")
	const orders = 150_000
	writeOrders(t, file, orders)

	cmd := exec.Command(os.Args[0], "import", "--data", data, "--client", "Crash", "--shop", "S", file, "--format", "json")
	cmd.Env = append(os.Environ(), "DAIYUN_TEST_RUN_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill once the first batches are in: the write-ahead log has grown.
	wal := filepath.Join(data, "warehouse.duckdb.wal")
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if fi, err := os.Stat(wal); err == nil && fi.Size() > 2<<20 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	err := cmd.Wait()
	killed := err != nil
	if !killed {
		t.Log("the import finished before the kill; the checks below still hold")
	}

	// What the warehouse holds after the crash.
	ctx := system(t.Context())
	counts := func() (ords, lines, orphans int64) {
		wh, err := duckdb.Open(filepath.Join(data, "warehouse.duckdb"))
		if err != nil {
			t.Fatal(err)
		}
		defer wh.Close()
		tenants, _ := daiyun.TenantsFor(ctx, 1)
		q := `SELECT (SELECT COUNT(*) FROM orders WHERE {{tenants}}),
			(SELECT COUNT(*) FROM order_lines WHERE {{tenants}}),
			(SELECT COUNT(*) FROM orders o WHERE {{tenants:o}} AND NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.tenant_id = o.tenant_id AND l.shop_id = o.shop_id AND l.order_no = o.order_no))
			+ (SELECT COUNT(*) FROM order_lines l WHERE {{tenants:l}} AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.tenant_id = l.tenant_id AND o.shop_id = l.shop_id AND o.order_no = l.order_no))`
		rows, err := wh.Query(ctx, tenants, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		rows.Next()
		if err := rows.Scan(&ords, &lines, &orphans); err != nil {
			t.Fatal(err)
		}
		return
	}
	ords, lines, orphans := counts()
	t.Logf("after the kill: %d orders, %d lines, %d orphans", ords, lines, orphans)
	if orphans != 0 || lines != 2*ords {
		t.Fatalf("a batch was half written: %d orders, %d lines, %d orders or lines without their other half", ords, lines, orphans)
	}
	if killed {
		cat, err := catalog.Open(ctx, filepath.Join(data, "catalog.db"))
		if err != nil {
			t.Fatal(err)
		}
		runs, err := cat.Imports(ctx, 0, 10)
		cat.Close()
		if err != nil || len(runs) != 1 || runs[0].Status != catalog.ImportRunning {
			t.Fatalf("the killed run should read as interrupted (running): %+v %v", runs, err)
		}
	}

	// Importing the file again completes it.
	out := mustRun(t, env, "import", "--client", "Crash", "--shop", "S", file, "--format", "json")
	var rep struct {
		Read, Inserted, Unchanged, Quarantined int
		Status                                 string
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Status != catalog.ImportCommitted || rep.Quarantined != 0 {
		t.Fatalf("re-import: %s %v", out, err)
	}
	if ords, lines, orphans := counts(); ords != orders || lines != 2*orders || orphans != 0 {
		t.Fatalf("after the re-import: %d orders, %d lines, %d orphans", ords, lines, orphans)
	}
}
