package stub

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/daiyun/daiyun/ingest/connectors/taobao"
)

// Taobao is a stand-in for the TOP gateway (POST /router/rest, form
// encoded, signed): taobao.trades.sold.increment.get and
// taobao.trade.fullinfo.get over Trades, fullinfo-shaped trade objects.
// A request with a wrong app_key, session or sign gets TOP's error answer.
type Taobao struct {
	*httptest.Server
	AppKey, Secret, Session string

	mu       sync.Mutex
	trades   []map[string]any
	calls    int
	fault    Fault
	requests []url.Values
}

// NewTaobao starts a TOP stand-in with the given trades.
func NewTaobao(appKey, secret, session string, trades []map[string]any) *Taobao {
	s := &Taobao{AppKey: appKey, Secret: secret, Session: session, trades: trades}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// SetFault installs a fault (nil: none) and resets the call count.
func (s *Taobao) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault, s.calls = f, 0
}

// Requests returns the parameters of every request received.
func (s *Taobao) Requests() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.requests...)
}

// TOPError answers TOP's error envelope.
func TOPError(w http.ResponseWriter, code int, msg, subCode, subMsg string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	e := map[string]any{"code": code, "msg": msg, "request_id": "stub"}
	if subCode != "" {
		e["sub_code"], e["sub_msg"] = subCode, subMsg
	}
	json.NewEncoder(w).Encode(map[string]any{"error_response": e})
}

// AppCallLimited answers TOP's flow-control error (code 7) with a ban of
// the given seconds.
func AppCallLimited(w http.ResponseWriter, seconds int) {
	TOPError(w, 7, "App Call Limited", "accesscontrol.limited-by-app-access-count",
		fmt.Sprintf("This ban will last for %d more seconds", seconds))
}

var topZone = time.FixedZone("GMT+8", 8*3600)

const topLayout = "2006-01-02 15:04:05"

func (s *Taobao) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		TOPError(w, 43, "Parameter Error", "", "")
		return
	}
	p := map[string]string{}
	for k := range r.Form {
		p[k] = r.Form.Get(k)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r.Form)
	s.calls++
	if s.fault != nil && s.fault(s.calls, p["method"], w) {
		return
	}
	switch {
	case p["app_key"] != s.AppKey:
		TOPError(w, 29, "Invalid App Key", "", "")
		return
	case p["sign"] != taobao.Sign(p, s.Secret, p["sign_method"]):
		TOPError(w, 25, "Invalid Signature", "", "")
		return
	case p["session"] != s.Session:
		TOPError(w, 27, "Invalid Session", "", "")
		return
	}
	var body any
	switch p["method"] {
	case "taobao.trades.sold.increment.get":
		start, err1 := time.ParseInLocation(topLayout, p["start_modified"], topZone)
		end, err2 := time.ParseInLocation(topLayout, p["end_modified"], topZone)
		if err1 != nil || err2 != nil || end.Before(start) || end.Sub(start) > 24*time.Hour {
			TOPError(w, 15, "Remote service error", "isv.invalid-parameter:start_modified", "start_modified and end_modified must be at most one day apart")
			return
		}
		page, _ := strconv.Atoi(p["page_no"])
		size, _ := strconv.Atoi(p["page_size"])
		page, size = max(page, 1), max(size, 1)
		var sel []map[string]any
		for _, t := range s.trades {
			m, _ := time.ParseInLocation(topLayout, t["modified"].(string), topZone)
			// The window is half-open here so a trade falls in one window.
			if !m.Before(start) && m.Before(end) {
				sel = append(sel, t)
			}
		}
		sort.SliceStable(sel, func(i, j int) bool { return sel[i]["modified"].(string) < sel[j]["modified"].(string) })
		from, to := min((page-1)*size, len(sel)), min(page*size, len(sel))
		list := []any{}
		for _, t := range sel[from:to] {
			list = append(list, map[string]any{"tid": t["tid"], "tid_str": t["tid_str"], "status": t["status"], "modified": t["modified"]})
		}
		res := map[string]any{"has_next": to < len(sel), "trades": map[string]any{"trade": list}}
		if p["use_has_next"] != "true" {
			res["total_results"] = len(sel)
		}
		body = map[string]any{"trades_sold_increment_get_response": res}
	case "taobao.trade.fullinfo.get":
		var found map[string]any
		for _, t := range s.trades {
			if t["tid_str"] == p["tid"] {
				found = t
			}
		}
		if found == nil {
			TOPError(w, 15, "Remote service error", "isv.trade-not-exist", "trade "+p["tid"]+" does not exist")
			return
		}
		body = map[string]any{"trade_fullinfo_get_response": map[string]any{"trade": found}}
	default:
		TOPError(w, 22, "Invalid Method", "", "")
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	json.NewEncoder(w).Encode(body)
}

// TaobaoTrades makes n trades modified every 3 hours from start, shaped
// like taobao.trade.fullinfo.get trades, with the receiver's name, mobile
// and street address a real answer carries (which must never be stored).
// Statuses cycle through TOP's trade statuses; every fifth trade has a
// refunded sub-order.
func TaobaoTrades(n int, start time.Time) []map[string]any {
	statuses := []string{"WAIT_SELLER_SEND_GOODS", "WAIT_BUYER_CONFIRM_GOODS", "TRADE_FINISHED", "WAIT_BUYER_PAY", "TRADE_CLOSED_BY_TAOBAO", "TRADE_CLOSED"}
	var out []map[string]any
	for i := 1; i <= n; i++ {
		created := start.Add(time.Duration(3*i) * time.Hour)
		modified := created.Add(20 * time.Minute)
		st := statuses[i%len(statuses)]
		tid := int64(3900000000000000000) + int64(i)
		price := int64(8800 + 100*i)
		num := int64(i%2 + 1)
		sub1 := price * num
		sub2 := int64(1500)
		post := int64(0)
		if i%3 == 0 {
			post = 1000
		}
		payment := sub1 + sub2 + post - 200
		t := map[string]any{
			"tid": tid, "tid_str": strconv.FormatInt(tid, 10), "status": st, "type": "fixed",
			"created": created.In(topZone).Format(topLayout), "modified": modified.In(topZone).Format(topLayout),
			"buyer_nick": fmt.Sprintf("t**%d", i%5), "buyer_open_uid": fmt.Sprintf("AAH%05dOpenUid", i%5),
			"payment": yuan(payment), "total_fee": yuan(sub1 + sub2), "post_fee": yuan(post), "discount_fee": "2.00",
			"receiver_state": "浙江省", "receiver_city": "杭州市", "receiver_district": "西湖区",
			"receiver_address": "文三路 100 号 3 幢 502", "receiver_name": "张三", "receiver_mobile": "13800138000",
			"orders": map[string]any{"order": []any{
				map[string]any{"oid": tid*10 + 1, "num_iid": 600100 + i%3, "sku_id": fmt.Sprintf("50%d", i%4), "outer_iid": fmt.Sprintf("SPU-%d", i%3),
					"outer_sku_id": fmt.Sprintf("SKU-%d", i%4), "title": "精华液 30ml", "price": yuan(price), "num": num,
					"total_fee": yuan(sub1), "payment": yuan(sub1 - 200), "refund_status": "NO_REFUND", "status": st},
				map[string]any{"oid": tid*10 + 2, "num_iid": 600200, "sku_id": "", "outer_iid": "SPU-GIFT", "outer_sku_id": "SKU-GIFT",
					"title": "小样", "price": yuan(sub2), "num": 1, "total_fee": yuan(sub2), "payment": yuan(sub2),
					"refund_status": refundStatus(i), "status": st},
			}},
		}
		if st != "WAIT_BUYER_PAY" && st != "TRADE_CLOSED_BY_TAOBAO" {
			t["pay_time"] = created.Add(5 * time.Minute).In(topZone).Format(topLayout)
		}
		if st == "WAIT_BUYER_CONFIRM_GOODS" || st == "TRADE_FINISHED" {
			t["consign_time"] = created.Add(10 * time.Minute).In(topZone).Format(topLayout)
		}
		if st == "TRADE_FINISHED" || st == "TRADE_CLOSED" || st == "TRADE_CLOSED_BY_TAOBAO" {
			t["end_time"] = modified.In(topZone).Format(topLayout)
		}
		out = append(out, t)
	}
	return out
}

func refundStatus(i int) string {
	if i%5 == 0 {
		return "SUCCESS"
	}
	return "NO_REFUND"
}

func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }
