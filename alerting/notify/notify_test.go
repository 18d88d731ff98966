package notify_test

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/alerting"
	"github.com/daiyun/daiyun/alerting/notify"
	"github.com/daiyun/daiyun/catalog"
)

var sys = daiyun.WithActor(context.Background(), daiyun.SystemActor)

// smtpServer is a minimal SMTP server on loopback that keeps every mail.
type smtpServer struct {
	ln   net.Listener
	mu   sync.Mutex
	mail []received
}

type received struct {
	to   string
	msg  *mail.Message
	text string
	html string
}

func newSMTP(t *testing.T) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(t, c)
		}
	}()
	return s
}

func (s *smtpServer) serve(t *testing.T, c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { io.WriteString(c, line+"\r\n") }
	say("220 test ESMTP")
	var to string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-test")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL FROM"):
			say("250 OK")
		case strings.HasPrefix(cmd, "RCPT TO"):
			to = strings.Trim(strings.TrimSpace(line)[len("RCPT TO:"):], "<>")
			say("250 OK")
		case cmd == "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			s.keep(t, to, b.String())
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 OK")
		}
	}
}

func (s *smtpServer) keep(t *testing.T, to, data string) {
	m, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Errorf("mail to %s does not parse: %v", to, err)
		return
	}
	rec := received{to: to, msg: m}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Errorf("content type: %v", err)
		return
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, p))
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
			rec.html = string(b)
		} else {
			rec.text = string(b)
		}
	}
	s.mu.Lock()
	s.mail = append(s.mail, rec)
	s.mu.Unlock()
}

func (s *smtpServer) to(addr string) []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []received
	for _, m := range s.mail {
		if m.to == addr {
			out = append(out, m)
		}
	}
	return out
}

// hook is a webhook receiver on loopback that checks and keeps payloads.
type hook struct {
	mu       sync.Mutex
	bodies   []map[string]any
	keys     []string
	queries  []string
	failNext int
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var v map[string]any
	if err := json.NewDecoder(r.Body).Decode(&v); err != nil || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad", 400)
		return
	}
	h.keys = append(h.keys, r.Header.Get("Idempotency-Key"))
	h.queries = append(h.queries, r.URL.RawQuery)
	if h.failNext > 0 {
		h.failNext--
		http.Error(w, "busy", 503)
		return
	}
	h.bodies = append(h.bodies, v)
	io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
}

type fixture struct {
	cat          *catalog.Store
	a, b         daiyun.Client
	users        map[string]daiyun.User
	rule, ruleL1 alerting.Rule
}

func newFixture(t *testing.T) *fixture {
	cat, err := catalog.Open(sys, filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	if err := cat.Migrate(sys); err != nil {
		t.Fatal(err)
	}
	key, err := catalog.ParseSecretKey(catalog.GenerateSecretKey())
	if err != nil {
		t.Fatal(err)
	}
	cat.SetSecretKey(key) // channel URLs and the SMTP password are sealed
	f := &fixture{cat: cat, users: map[string]daiyun.User{}}
	f.a = daiyun.Client{Name: "Alpha Beauty", Package: daiyun.PackageFull}
	f.b = daiyun.Client{Name: "Bravo Pets", Package: daiyun.PackageBasic}
	for _, c := range []*daiyun.Client{&f.a, &f.b} {
		if err := cat.CreateClient(sys, c); err != nil {
			t.Fatal(err)
		}
	}
	mk := func(name string, role daiyun.Role, client, assign int64, function, lang string) {
		u := daiyun.User{Email: name + "@test.local", Name: name, Role: role, ClientID: client, Lang: lang}
		if err := cat.CreateUser(sys, &u, "password-123"); err != nil {
			t.Fatal(err)
		}
		if assign != 0 {
			if err := cat.Assign(sys, daiyun.Assignment{UserID: u.ID, ClientID: assign, Function: function}); err != nil {
				t.Fatal(err)
			}
		}
		f.users[name] = u
	}
	mk("lead_a", daiyun.RoleSpecialist, 0, f.a.ID, "lead", "zh-CN")
	mk("analyst_a", daiyun.RoleAnalyst, 0, f.a.ID, "analyst", "en")
	mk("expert_b", daiyun.RoleExpert, 0, f.b.ID, "expert", "en")
	mk("director", daiyun.RoleDirector, 0, 0, "", "zh-CN")
	mk("manager_a", daiyun.RoleClientManager, f.a.ID, 0, "", "en")
	mk("manager_b", daiyun.RoleClientManager, f.b.ID, 0, "", "en")
	f.rule = alerting.Rule{Name: "gmv_drop", KPI: "gmv", Scope: alerting.Scope{Kind: alerting.ScopeAgency},
		Condition: alerting.Condition{Kind: alerting.CondPrevious, Op: "<", Value: -0.3}, Grain: "week", Level: 3, Enabled: true}
	f.ruleL1 = alerting.Rule{Name: "conv_low", KPI: "conversion_rate", Scope: alerting.Scope{Kind: alerting.ScopeAgency},
		Condition: alerting.Condition{Kind: alerting.CondBenchmark, Op: "<", Value: 1}, Periods: 3, Level: 1, Enabled: true}
	for _, r := range []*alerting.Rule{&f.rule, &f.ruleL1} {
		if err := cat.PutAlertRule(sys, r); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// fire records firings as an evaluation would.
func (f *fixture) fire(t *testing.T, fs ...alerting.Firing) {
	day, _ := daiyun.ParseDate("2026-11-24")
	for i := range fs {
		fs[i].AsOf, fs[i].From, fs[i].To = day, daiyun.Date{Time: day.AddDate(0, 0, -6)}, day
	}
	if _, err := f.cat.SyncAlerts(sys, &alerting.Outcome{AsOf: day, Firing: fs}, []alerting.Rule{f.rule, f.ruleL1}); err != nil {
		t.Fatal(err)
	}
}

func TestEmailAndWebhooks(t *testing.T) {
	f := newFixture(t)
	smtpd := newSMTP(t)
	hooks := map[string]*hook{}
	for _, kind := range alerting.ChannelKinds {
		h := &hook{}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		hooks[kind] = h
		ch := alerting.Channel{Name: "agency-" + kind, Kind: kind, URL: srv.URL + "/robot/send?access_token=x"}
		if kind == alerting.ChannelDingTalk {
			ch.Secret = "SEC-test-secret"
		}
		if err := f.cat.PutAlertChannel(sys, &ch); err != nil {
			t.Fatal(err)
		}
	}
	hb := &hook{}
	srvB := httptest.NewServer(hb)
	t.Cleanup(srvB.Close)
	chB := alerting.Channel{ClientID: f.b.ID, Name: "bravo-wecom", Kind: alerting.ChannelWeCom, URL: srvB.URL}
	if err := f.cat.PutAlertChannel(sys, &chB); err != nil {
		t.Fatal(err)
	}
	hooks[alerting.ChannelWebhook].failNext = 2 // retried with backoff

	f.fire(t,
		alerting.Firing{Rule: f.rule.Name, RuleID: f.rule.ID, Scope: "shop:1", ClientID: f.a.ID, ShopID: 0, KPI: "gmv", Level: 3, Op: "<", Value: 4180, Thresh: 6000, Periods: 1, Currency: "CNY"},
		alerting.Firing{Rule: f.ruleL1.Name, RuleID: f.ruleL1.ID, Scope: "shop:2", ClientID: f.b.ID, KPI: "conversion_rate", Level: 1, Op: "<", Value: 0.01, Thresh: 0.03, Periods: 3})
	now := time.Date(2026, 11, 25, 0, 30, 0, 0, time.UTC) // before the digest hour
	d := &notify.Dispatcher{Store: f.cat, SMTP: notify.SMTP{Addr: smtpd.ln.Addr().String(), From: "alerts@agency.test"},
		BaseURL: "https://daiyun.example", Backoff: time.Millisecond, Now: func() time.Time { return now }}
	st, err := d.Run(sys)
	if err != nil {
		t.Fatal(err)
	}
	if st.Failed != 0 || st.Events != 2 {
		t.Fatalf("stats %+v", st)
	}
	alerts, _ := f.cat.Alerts(sys, catalog.AlertFilter{})
	var l3 alerting.Alert
	for _, a := range alerts {
		if a.Level == 3 {
			l3 = a
		}
	}
	link := "https://daiyun.example/alerts/" + strconv.FormatInt(l3.ID, 10)

	// E-mail: the level 3 of A goes to A's team, the director and A's
	// manager, each in their language, text and HTML, with the link; B's
	// people hear nothing of A.
	for _, who := range []string{"lead_a", "analyst_a", "director", "manager_a"} {
		got := smtpd.to(who + "@test.local")
		if len(got) != 1 {
			t.Fatalf("%s got %d mails", who, len(got))
		}
		m := got[0]
		subject, _ := new(mime.WordDecoder).DecodeHeader(m.msg.Header.Get("Subject"))
		wantWord := "三级预警"
		if f.users[who].Lang == "en" {
			wantWord = "Level 3 emergency"
		}
		if !strings.Contains(subject, wantWord) || !strings.Contains(m.text, link) || !strings.Contains(m.html, `href="`+link+`"`) {
			t.Errorf("%s: subject %q, text %q", who, subject, m.text)
		}
		if m.msg.Header.Get("X-Daiyun-Idempotency-Key") != alerting.EventKey(l3.ID, alerting.EventOpened, 0) {
			t.Errorf("%s: key %q", who, m.msg.Header.Get("X-Daiyun-Idempotency-Key"))
		}
	}
	for _, who := range []string{"manager_b"} {
		for _, m := range smtpd.to(who + "@test.local") {
			if strings.Contains(m.text, "Alpha") {
				t.Errorf("%s got a mail about client A", who)
			}
		}
	}
	if got := smtpd.to("manager_b@test.local"); len(got) != 0 {
		t.Errorf("client B's manager was told of a level-1 alert: %d mails", len(got))
	}
	if got := smtpd.to("expert_b@test.local"); len(got) != 1 {
		t.Errorf("B's expert got %d mails, want the level-1 of B", len(got))
	}

	// Webhooks: each robot format, the DingTalk signature, retries.
	for kind, h := range hooks {
		if len(h.bodies) != 2 {
			t.Errorf("%s received %d messages", kind, len(h.bodies))
			continue
		}
		b := h.bodies[0]
		switch kind {
		case alerting.ChannelWebhook:
			al := b["alert"].(map[string]any)
			if b["url"] == "" || b["idempotency_key"] == "" || al["level"] == nil {
				t.Errorf("generic: %v", b)
			}
			if len(h.keys) != 4 || h.keys[0] != h.keys[2] {
				t.Errorf("generic retries: keys %v", h.keys)
			}
		case alerting.ChannelWeCom:
			if b["msgtype"] != "markdown" || !strings.Contains(b["markdown"].(map[string]any)["content"].(string), "/alerts/") {
				t.Errorf("wecom: %v", b)
			}
		case alerting.ChannelDingTalk:
			md := b["markdown"].(map[string]any)
			if b["msgtype"] != "markdown" || md["title"] == "" || !strings.Contains(md["text"].(string), "/alerts/") {
				t.Errorf("dingtalk: %v", b)
			}
			q, _ := parseQuery(h.queries[0])
			mac := hmac.New(sha256.New, []byte("SEC-test-secret"))
			mac.Write([]byte(q["timestamp"] + "\n" + "SEC-test-secret"))
			if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); q["sign"] != want || q["access_token"] != "x" {
				t.Errorf("dingtalk sign %q, want %q (query %s)", q["sign"], want, h.queries[0])
			}
		case alerting.ChannelFeishu:
			if b["msg_type"] != "text" || !strings.Contains(b["content"].(map[string]any)["text"].(string), "/alerts/") {
				t.Errorf("feishu: %v", b)
			}
		case alerting.ChannelSlack:
			if !strings.Contains(b["text"].(string), "/alerts/") {
				t.Errorf("slack: %v", b)
			}
		}
	}
	// B's own channel gets only B's alert.
	if len(hb.bodies) != 1 || strings.Contains(hb.bodies[0]["markdown"].(map[string]any)["content"].(string), "Alpha") {
		t.Errorf("client B's channel: %v", hb.bodies)
	}
	ds, err := f.cat.AlertDeliveries(sys, l3.ID)
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, x := range ds {
		if x.Status == "failed" {
			failed++
		}
	}
	if failed != 2 {
		t.Errorf("delivery log has %d failed attempts, want 2", failed)
	}

	// Running again sends nothing: the transitions are done.
	n := len(smtpd.mail)
	st, err = d.Run(sys)
	if err != nil || st.Sent != 0 || len(smtpd.mail) != n {
		t.Fatalf("second run: %+v, %v, %d mails", st, err, len(smtpd.mail)-n)
	}
}

func parseQuery(q string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(kv, "=")
		uv, err := urlUnescape(v)
		if err != nil {
			return nil, err
		}
		out[k] = uv
	}
	return out, nil
}

// TestEscalationAndDigest escalates an unacknowledged level-3 alert to the
// next person of the team, then the director, and sends each user a digest
// of only what they may see.
func TestEscalationAndDigest(t *testing.T) {
	f := newFixture(t)
	smtpd := newSMTP(t)
	f.fire(t,
		alerting.Firing{Rule: f.rule.Name, RuleID: f.rule.ID, Scope: "shop:1", ClientID: f.a.ID, KPI: "gmv", Level: 3, Op: "<", Value: 1, Thresh: 2, Periods: 1},
		alerting.Firing{Rule: f.ruleL1.Name, RuleID: f.ruleL1.ID, Scope: "shop:2", ClientID: f.b.ID, KPI: "conversion_rate", Level: 1, Op: "<", Value: 0.01, Thresh: 0.03, Periods: 3})
	now := time.Now().UTC().Add(3 * time.Hour) // past the 2 h deadline
	d := &notify.Dispatcher{Store: f.cat, SMTP: notify.SMTP{Addr: smtpd.ln.Addr().String(), From: "alerts@agency.test"},
		BaseURL: "http://x", Backoff: time.Millisecond, DigestHour: 25, Now: func() time.Time { return now }}
	if _, err := d.Run(sys); err != nil {
		t.Fatal(err)
	}
	// Step 1 went to the analyst (the next after the lead).
	esc := func(who string) int {
		n := 0
		for _, m := range smtpd.to(who + "@test.local") {
			if strings.Contains(m.msg.Header.Get("X-Daiyun-Idempotency-Key"), "/escalated/") {
				n++
			}
		}
		return n
	}
	if esc("analyst_a") != 1 || esc("lead_a") != 0 || esc("director") != 0 {
		t.Fatalf("step 1: analyst %d lead %d director %d", esc("analyst_a"), esc("lead_a"), esc("director"))
	}
	now = now.Add(3 * time.Hour)
	if _, err := d.Run(sys); err != nil {
		t.Fatal(err)
	}
	if esc("director") != 1 {
		t.Fatalf("step 2 did not reach the director")
	}
	now = now.Add(3 * time.Hour)
	if st, err := d.Run(sys); err != nil || st.Escalated != 0 {
		t.Fatalf("escalated past the director: %+v %v", st, err)
	}

	// Digest: each user once a day, only their clients.
	day := daiyun.Date{Time: now.Truncate(24 * time.Hour)}
	var st notify.DispatchStats
	for range 2 {
		if err := d.Digest(sys, day, &st); err != nil {
			t.Fatal(err)
		}
	}
	digests := func(who string) []received {
		var out []received
		for _, m := range smtpd.to(who + "@test.local") {
			if strings.HasPrefix(m.msg.Header.Get("X-Daiyun-Idempotency-Key"), "digest/") {
				out = append(out, m)
			}
		}
		return out
	}
	for who, want := range map[string]string{"lead_a": "gmv_drop", "expert_b": "conv_low", "director": "gmv_drop", "manager_a": "gmv_drop"} {
		got := digests(who)
		if len(got) != 1 || !strings.Contains(got[0].text, want) {
			t.Errorf("%s: %d digests", who, len(got))
			continue
		}
		for _, other := range []string{"Alpha", "Bravo"} {
			client := map[string]string{"lead_a": "Alpha", "expert_b": "Bravo", "manager_a": "Alpha"}[who]
			if client != "" && other != client && strings.Contains(got[0].text, other) {
				t.Errorf("%s's digest names %s", who, other)
			}
		}
	}
	if got := digests("manager_b"); len(got) != 0 {
		t.Errorf("client B's manager got a digest of a level-1 alert: %q", got[0].text)
	}
}

func urlUnescape(s string) (string, error) { return url.QueryUnescape(s) }
