package ingest

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/internal/pgtest"
	"github.com/daiyun/daiyun/warehouse"
	"github.com/daiyun/daiyun/warehouse/duckdb"
	"github.com/daiyun/daiyun/warehouse/postgres"
	"github.com/daiyun/daiyun/warehouse/warehousetest"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

var update = flag.Bool("update", false, "rewrite the golden files (and testdata/jst_inventory.xlsx)")

var (
	testKey = []byte("client-7-test-key")
	testNow = time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)
)

func shopCN() daiyun.Shop {
	return daiyun.Shop{ID: 70, ClientID: 7, Name: "示例旗舰店", Platform: daiyun.PlatformTmall, Category: "beauty", Currency: "CNY", Timezone: "Asia/Shanghai"}
}

func shopUS() daiyun.Shop {
	return daiyun.Shop{ID: 71, ClientID: 7, Name: "Demo US", Platform: daiyun.PlatformShopify, Category: "apparel", Currency: "USD", Timezone: "America/New_York"}
}

func shopEU() daiyun.Shop {
	return daiyun.Shop{ID: 72, ClientID: 7, Name: "Demo DE", Platform: daiyun.PlatformOther, Category: "apparel", Currency: "EUR", Timezone: "Europe/Berlin"}
}

func openDuck(tb testing.TB) warehouse.Warehouse {
	tb.Helper()
	db, err := duckdb.Open(filepath.Join(tb.TempDir(), "warehouse.duckdb"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}

func openPG(tb testing.TB) warehouse.Warehouse {
	tb.Helper()
	url := pgtest.New(tb)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}

var engines = []struct {
	name string
	open func(testing.TB) warehouse.Warehouse
}{{"duckdb", openDuck}, {"postgres", openPG}}

func tenants(tb testing.TB, ids ...int64) daiyun.Tenants {
	return warehousetest.Tenants(tb, ids...)
}

// request builds a request for a testdata file.
func request(tb testing.TB, shop daiyun.Shop, name string, data []byte) Request {
	return Request{
		ImportID: "imp_test", Tenants: tenants(tb, shop.ClientID), Shop: shop, ClientKey: testKey,
		FileName: name, Reader: bytes.NewReader(data), Now: testNow,
	}
}

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	if name == "jst_inventory.xlsx" {
		return inventoryXLSX(tb)
	}
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// toGBK encodes UTF-8 text as GBK (through GB18030's encoder, which writes
// GBK for every character GBK has).
func toGBK(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// inventoryXLSX builds the 聚水潭-style inventory workbook; with -update it is
// also written to testdata for people to look at.
func inventoryXLSX(tb testing.TB) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sheet := "库存"
	f.SetSheetName("Sheet1", sheet)
	rows := [][]any{
		{"商品编码", "款式编码", "商品名称", "颜色及规格", "实际库存数", "订单占有数", "可用数", "采购在途数"},
		{"PF-50", "PF", "香水礼盒", "50ml", 1200, 35, 1165, 500},
		{"HC-30", "HC", "护手霜", "30g", "3,400", 12, 3388, 0},
		{"MM-10", "MM", "面膜", "10片", 0, 0, 0, 2000},
		{"LS-01", "LS", "口红", "#01", -3, 0, -3, 0},
		{"=SUM(1,2)", "LS", "口红", "#02", 10, 0, 10, 0},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			tb.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		tb.Fatal(err)
	}
	if *update {
		os.WriteFile(filepath.Join("testdata", "jst_inventory.xlsx"), buf.Bytes(), 0o644)
	}
	return buf.Bytes()
}
