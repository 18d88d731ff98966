package bench

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/imports"
)

// Import is what `daiyun bench import` needs: a fresh catalog and
// warehouse, the import service and the server's handler over them.
type Import struct {
	Engine  string
	Dir     string
	DB      *sql.DB
	Catalog *catalog.Store
	Imports *imports.Service
	Handler http.Handler
	Token   string
	Runs    int
	// Lines is the file's size; APILines the lines sent through the API by
	// Clients concurrent clients.
	Lines, APILines, Clients int
}

// canonicalHeader is the canonical_orders template (docs/import.md).
var canonicalHeader = []string{"order_no", "customer_id", "status", "created_at", "paid_at", "shipped_at", "completed_at",
	"goods_minor", "discount_minor", "shipping_minor", "total_minor", "paid_minor", "refund_minor", "province", "city",
	"channel", "campaign", "line_no", "sku_id", "spu_id", "title", "quantity", "unit_price_minor", "amount_minor", "refund_qty"}

// order is one generated order; its lines follow.
type order struct {
	no, customer, status, created, paid, shipped, province, city, channel string
	goods, discount, shipping, refund                                     int64
	lines                                                                 []orderLine
}

type orderLine struct {
	sku   string
	qty   int64
	price int64
}

// orderGen makes a deterministic stream of plausible orders of 1–4 lines.
type orderGen struct {
	prefix string
	seq    int
	start  time.Time
}

var (
	genStatuses  = []string{"completed", "completed", "completed", "shipped", "paid", "refunded", "closed", "pending"}
	genPlaces    = [][2]string{{"浙江省", "杭州市"}, {"广东省", "深圳市"}, {"上海", "上海市"}, {"北京", "北京市"}, {"江苏省", "南京市"}, {"四川省", "成都市"}}
	genChannels  = []string{"search", "recommendation", "ads_ztc", "live", "social"}
	tsLayoutBase = "2006-01-02 15:04:05"
)

func (g *orderGen) next() order {
	i := g.seq
	g.seq++
	h := uint64(i)*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
	h ^= h >> 29
	created := g.start.Add(time.Duration(i) * 11 * time.Second)
	o := order{no: g.prefix + strconv.Itoa(i), customer: "buyer-" + strconv.FormatUint(h%400_000, 10),
		status: genStatuses[h%uint64(len(genStatuses))], created: created.Format(tsLayoutBase),
		province: genPlaces[(h>>8)%uint64(len(genPlaces))][0], city: genPlaces[(h>>8)%uint64(len(genPlaces))][1],
		channel: genChannels[(h>>16)%uint64(len(genChannels))]}
	n := 1 + int((h>>24)%4)
	for l := range n {
		price := int64(500 + (h>>(32+l*4))%200*100)
		qty := int64(1 + (h>>(40+l))%3)
		o.lines = append(o.lines, orderLine{sku: "SKU-" + strconv.FormatUint((h>>20+uint64(l)*7919)%5000, 10), qty: qty, price: price})
		o.goods += price * qty
	}
	if h%5 == 0 {
		o.discount = o.goods / 10
	}
	if o.goods < 9900 {
		o.shipping = 800
	}
	if o.status != "pending" && o.status != "closed" {
		o.paid = created.Add(2 * time.Minute).Format(tsLayoutBase)
	}
	if o.status == "shipped" || o.status == "completed" || o.status == "refunded" {
		o.shipped = created.Add(20 * time.Hour).Format(tsLayoutBase)
	}
	if o.status == "refunded" {
		o.refund = o.goods - o.discount + o.shipping
	}
	return o
}

// rows returns the order's lines as canonical CSV records.
func (o order) rows() [][]string {
	total := o.goods - o.discount + o.shipping
	paid := int64(0)
	if o.paid != "" {
		paid = total
	}
	out := make([][]string, len(o.lines))
	for i, l := range o.lines {
		refundQty := int64(0)
		if o.refund > 0 {
			refundQty = l.qty
		}
		out[i] = []string{o.no, o.customer, o.status, o.created, o.paid, o.shipped, "",
			itoa(o.goods), itoa(o.discount), itoa(o.shipping), itoa(total), itoa(paid), itoa(o.refund), o.province, o.city,
			o.channel, "", strconv.Itoa(i + 1), l.sku, "", "", itoa(l.qty), itoa(l.price), itoa(l.qty * l.price), itoa(refundQty)}
	}
	return out
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// writeCanonical writes a header and at least n lines (whole orders) and
// returns the number of lines.
func writeCanonical(w io.Writer, g *orderGen, n int) (int, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(strings.Join(canonicalHeader, ",") + "\n")
	lines := 0
	for lines < n {
		for _, r := range g.next().rows() {
			bw.WriteString(strings.Join(r, ","))
			bw.WriteByte('\n')
			lines++
		}
	}
	return lines, bw.Flush()
}

// RunImport times the file import against the raw COPY, then API ingest.
func (b *Import) RunImport(ctx context.Context, rep *Report) error {
	client := &daiyun.Client{Name: "Bench client", Package: daiyun.PackageBasic}
	if err := b.Catalog.CreateClient(ctx, client); err != nil {
		return fmt.Errorf("bench: client: %w", err)
	}
	newShop := func(name string) (int64, error) {
		sh := &daiyun.Shop{ClientID: client.ID, Name: name, Platform: daiyun.PlatformTmall, Category: "beauty", Currency: "CNY", Timezone: "Asia/Shanghai"}
		if err := b.Catalog.CreateShop(ctx, sh); err != nil {
			return 0, fmt.Errorf("bench: shop: %w", err)
		}
		return sh.ID, nil
	}
	path := filepath.Join(b.Dir, "orders.csv")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	t0 := time.Now()
	lines, err := writeCanonical(f, &orderGen{prefix: "F", start: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}, b.Lines)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("bench: write %s: %w", path, err)
	}
	st, _ := os.Stat(path)
	gen := time.Since(t0)
	// One run per shop, so every run inserts every line (the import of the
	// same file into the same shop again would only find it unchanged).
	run := 0
	product := func(ctx context.Context) error {
		run++
		shop, err := newShop("Bench shop " + strconv.Itoa(run))
		if err != nil {
			return err
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := b.Imports.ImportFile(ctx, imports.FileRequest{ShopID: shop, FileName: "orders.csv", Reader: in, Profile: "canonical_orders"})
		if err != nil {
			return err
		}
		if out.Report.Read != lines || out.Report.Quarantined != 0 {
			return fmt.Errorf("import read %d of %d lines, quarantined %d", out.Report.Read, lines, out.Report.Quarantined)
		}
		return b.checkpoint(ctx)
	}
	copyRaw := func(ctx context.Context) error {
		if _, err := b.DB.ExecContext(ctx, `DROP TABLE IF EXISTS bench_raw_lines`); err != nil {
			return err
		}
		if _, err := b.DB.ExecContext(ctx, fmt.Sprintf(`CREATE TABLE bench_raw_lines AS SELECT * FROM read_csv('%s', header = true) LIMIT 0`, path)); err != nil {
			return err
		}
		if _, err := b.DB.ExecContext(ctx, fmt.Sprintf(`COPY bench_raw_lines FROM '%s' (HEADER)`, path)); err != nil {
			return err
		}
		var n int
		if err := b.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM bench_raw_lines`).Scan(&n); err != nil {
			return err
		}
		if n != lines {
			return fmt.Errorf("COPY loaded %d of %d lines", n, lines)
		}
		return b.checkpoint(ctx)
	}
	if b.Engine != "duckdb" {
		copyRaw = nil
	}
	// A 5 M-line import takes minutes: no untimed warm-up, runs alternate
	// from the first.
	var p, raw []time.Duration
	for i := range b.Runs {
		fns := []func(context.Context) error{product, copyRaw}
		into := []*[]time.Duration{&p, &raw}
		if i%2 == 1 {
			fns[0], fns[1], into[0], into[1] = fns[1], fns[0], into[1], into[0]
		}
		for j, fn := range fns {
			if fn == nil {
				continue
			}
			t0 := time.Now()
			if err := fn(ctx); err != nil {
				return fmt.Errorf("bench: import: %w", err)
			}
			*into[j] = append(*into[j], time.Since(t0))
		}
	}
	rep.Checks = append(rep.Checks, fmt.Sprintf("import: every run read %d lines with none quarantined; COPY loaded the same %d lines", lines, lines))
	fig := Compared(Figure{Name: "file import, end to end", Path: "imports.Service.ImportFile (canonical_orders: parse, validate, dedup, upsert), then CHECKPOINT",
		Baseline: "DuckDB COPY of the same file into a plain table, then CHECKPOINT", Size: fmt.Sprintf("%d lines, %.0f MB CSV (generated in %.1f s)", lines, float64(st.Size())/(1<<20), gen.Seconds()),
		Target: "≥ 1,000,000 lines/s"}, p, raw)
	fig.Rate = float64(lines) / (fig.MedianMS / 1000)
	if fig.BaseMedianMS > 0 {
		fig.BaseRate = float64(lines) / (fig.BaseMedianMS / 1000)
	}
	fig.SetMeets(fig.Rate >= 1_000_000)
	rep.Figures = append(rep.Figures, fig)
	if b.APILines > 0 {
		return b.runAPI(ctx, rep, newShop)
	}
	return nil
}

// checkpoint ends a timed DuckDB load with a CHECKPOINT, so both sides are
// timed until their rows are compressed into the database file: DuckDB
// defers part of that work for small commits (an import's batches) to its
// next checkpoint, but not for one big COPY.
func (b *Import) checkpoint(ctx context.Context) error {
	if b.Engine != "duckdb" {
		return nil
	}
	if _, err := b.DB.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// runAPI sends NDJSON batches of about 1,000 lines (whole orders) from
// concurrent clients, each into its own shop, to the server on loopback.
func (b *Import) runAPI(ctx context.Context, rep *Report, newShop func(string) (int64, error)) error {
	url, stop, err := (&Metrics{Handler: b.Handler}).serve()
	if err != nil {
		return err
	}
	defer stop()
	// The batches are encoded before the clock starts: the clients'
	// JSON encoding is not the server's work.
	type batch struct {
		shop int64
		body []byte
	}
	per := make([][]batch, b.Clients)
	total := 0
	for c := range b.Clients {
		shop, err := newShop("API shop " + strconv.Itoa(c+1))
		if err != nil {
			return err
		}
		g := &orderGen{prefix: "A" + strconv.Itoa(c) + "-", start: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}
		want := b.APILines / b.Clients
		for sent := 0; sent < want; {
			var buf bytes.Buffer
			n := 0
			for n < 1000-4 && sent+n < want {
				for _, r := range g.next().rows() {
					obj := make(map[string]string, len(r))
					for i, v := range r {
						if v != "" {
							obj[canonicalHeader[i]] = v
						}
					}
					line, _ := json.Marshal(obj)
					buf.Write(line)
					buf.WriteByte('\n')
					n++
				}
			}
			per[c] = append(per[c], batch{shop, buf.Bytes()})
			sent += n
		}
		total += want
	}
	hc := &http.Client{Timeout: 10 * time.Minute}
	// A failed batch is a result, not the end of the bench: it is
	// counted and the first failure is reported with the figure.
	var mu sync.Mutex
	var firstErr error
	failed := 0
	accepted := 0
	var wg sync.WaitGroup
	var latencies []time.Duration
	t0 := time.Now()
	for c := range b.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, bt := range per[c] {
				t1 := time.Now()
				n, err := b.postBatch(ctx, hc, url, bt.shop, bt.body)
				d := time.Since(t1)
				mu.Lock()
				latencies = append(latencies, d)
				accepted += n
				if err != nil {
					failed++
					if firstErr == nil {
						firstErr = err
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	nb := 0
	for _, p := range per {
		nb += len(p)
	}
	if accepted == 0 {
		return fmt.Errorf("bench: API ingest: no batch accepted: %w", firstErr)
	}
	check := fmt.Sprintf("API ingest: %d of %d lines accepted in %d batches", accepted, total, nb-failed)
	if failed > 0 {
		check += fmt.Sprintf("; %d batches FAILED, the first with: %v", failed, firstErr)
	}
	rep.Checks = append(rep.Checks, check)
	fig := Figure{Name: "API ingest, NDJSON batches of ~1,000", Path: "POST /api/v1/ingest/orders on loopback (imports.Service.IngestBatch)",
		Size: fmt.Sprintf("%d lines, %d batches, %d concurrent clients (one shop each)", accepted, nb, b.Clients), Runs: 1,
		MedianMS: msOf(Median(latencies)), P90MS: msOf(P90(latencies)), Rate: float64(accepted) / elapsed.Seconds(),
		Target: "≥ 100,000 lines/s", Note: fmt.Sprintf("median and p90 are per batch; the rate is lines over the wall time (%.1f s)", elapsed.Seconds())}
	if failed > 0 {
		fig.Note += fmt.Sprintf("; %d of %d batches failed (see checks)", failed, nb)
	}
	fig.SetMeets(fig.Rate >= 100_000 && failed == 0)
	rep.Figures = append(rep.Figures, fig)
	return nil
}

// postBatch sends one batch and returns the lines the server accepted.
func (b *Import) postBatch(ctx context.Context, hc *http.Client, url string, shop int64, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s/api/v1/ingest/orders?shop_id=%d", url, shop), bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+b.Token)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, out)
	}
	var res imports.BatchResult
	if err := json.Unmarshal(out, &res); err != nil {
		return 0, err
	}
	if res.Quarantined > 0 {
		return 0, fmt.Errorf("%d rows quarantined", res.Quarantined)
	}
	return res.Read, nil
}
