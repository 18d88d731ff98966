package ingest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// TestXLSXDateCells reads date cells (numbers with a date format) as the
// dates they show, whichever built-in or custom format they have.
func TestXLSXDateCells(t *testing.T) {
	f := excelize.NewFile()
	s := "Sheet1"
	f.SetSheetRow(s, "A1", &[]any{"会话ID", "会话开始时间", "客服"})
	f.SetSheetRow(s, "A2", &[]any{"S1", time.Date(2024, 3, 1, 10, 20, 0, 0, time.UTC), "小美"})
	f.SetSheetRow(s, "A3", &[]any{"S2", time.Date(2024, 3, 2, 9, 0, 0, 0, time.UTC), "小帅"})
	custom, _ := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy/m/d h:mm")})
	f.SetCellStyle(s, "B3", "B3", custom)
	var buf bytes.Buffer
	f.Write(&buf)
	wh := openDuck(t)
	rep, err := Import(context.Background(), wh, &MemorySink{}, request(t, shopCN(), "cs.xlsx", buf.Bytes()))
	if err != nil || rep.Inserted != 2 {
		t.Fatalf("%v %+v", err, rep)
	}
	rows := dumpAll(t, wh, 7)["cs_sessions"]
	if rows[0][4] != "2024-03-01T02:20:00Z" || rows[1][4] != "2024-03-02T01:00:00Z" {
		t.Fatalf("started_at %q %q (wall times in Asia/Shanghai)", rows[0][4], rows[1][4])
	}
}

func ptr[T any](v T) *T { return &v }
