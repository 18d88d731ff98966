package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/alerting"
)

// newPlaybook stores a one-step playbook and returns its name.
func (e *env) newPlaybook(name string) string {
	e.t.Helper()
	p := alerting.Playbook{Name: name, Steps: []alerting.Step{{Title: "Look", Owner: alerting.OwnerSpecialist, Due: alerting.Offset{D: 3600e9}}}}
	must(e, e.cat.PutPlaybook(sys, &p))
	return name
}

var emergencySeq atomic.Int64

// newEmergency opens a level-3 alert of client A whose rule starts the
// gmv_drop playbook and returns the run it started.
func (e *env) newEmergency() alerting.PlaybookRun {
	e.t.Helper()
	if _, err := e.cat.SeedPlaybooks(sys, alerting.DefaultPlaybooks()); err != nil {
		e.t.Fatal(err)
	}
	r := alerting.Rule{Name: fmt.Sprintf("probe_emergency_%d", emergencySeq.Add(1)), KPI: "gmv",
		Scope:     alerting.Scope{Kind: alerting.ScopeShop, ShopID: e.shopA.ID},
		Condition: alerting.Condition{Kind: alerting.CondPrevious, Op: "<", Value: -0.3}, Grain: "week", Level: 3, Enabled: true,
		Playbook: alerting.PlaybookGMVDrop}
	must(e, e.cat.PutAlertRule(sys, &r))
	day, _ := daiyun.ParseDate("2026-11-24")
	f := alerting.Firing{Rule: r.Name, RuleID: r.ID, Scope: fmt.Sprintf("shop:%d", e.shopA.ID), ClientID: e.a.ID, ShopID: e.shopA.ID, KPI: "gmv",
		Level: 3, Op: "<", Value: 100, Thresh: 200, Periods: 1, AsOf: day, From: daiyun.Date{Time: day.AddDate(0, 0, -6)}, To: day}
	_, err := e.cat.SyncAlerts(sys, &alerting.Outcome{AsOf: day, Firing: []alerting.Firing{f}}, []alerting.Rule{r})
	must(e, err)
	as, err := e.cat.Alerts(sys, catalogFilterRule(r.ID))
	must(e, err)
	run, err := e.cat.PlaybookRunForAlert(sys, as[0].ID)
	must(e, err)
	return run
}

// newChannel adds a webhook channel of a client pointing at the test
// server's health endpoint.
func (e *env) newChannel(clientID int64, name string) alerting.Channel {
	e.t.Helper()
	c := alerting.Channel{ClientID: clientID, Name: name, Kind: alerting.ChannelWebhook, URL: e.srv.URL + "/healthz"}
	must(e, e.cat.PutAlertChannel(sys, &c))
	return c
}

// TestEmergencyPlaybookOnTheAlertPage: a level-3 alert shows its run with
// progress, assignees and overdue steps; a step is ticked from the page;
// the client's manager sees the progress without the agency's
// instructions; another client's manager gets not found.
func TestEmergencyPlaybookOnTheAlertPage(t *testing.T) {
	e := newEnv(t)
	run := e.newEmergency()
	path := fmt.Sprintf("/alerts/%d", run.AlertID)
	page := readAll(e.do(e.byName["specialist"], "GET", path, ""))
	for _, want := range []string{`id="playbook"`, `data-done="0"`, "Check data freshness", "Open the data-health page", "analyst"} {
		if !strings.Contains(page, want) {
			t.Errorf("alert page lacks %q", want)
		}
	}
	resp := e.do(e.byName["specialist"], "POST", path+"/step", fmt.Sprintf("step=%d", run.Steps[0].ID))
	if resp.StatusCode != 303 {
		t.Fatalf("tick: %d", resp.StatusCode)
	}
	mgr := readAll(e.do(e.byName["manager_a"], "GET", path, ""))
	if !strings.Contains(mgr, `data-done="1"`) || !strings.Contains(mgr, "✓ specialist") || strings.Contains(mgr, "Open the data-health page") {
		t.Errorf("manager_a's view of the run is wrong")
	}
	if resp := e.do(e.byName["manager_b"], "GET", fmt.Sprintf("/api/v1/alerts/%d/playbook", run.AlertID), ""); resp.StatusCode != 404 {
		t.Errorf("manager_b reads A's run: %d", resp.StatusCode)
	}
	api := readAll(e.do(e.byName["analyst"], "GET", fmt.Sprintf("/api/v1/alerts/%d", run.AlertID), ""))
	if !strings.Contains(api, `"playbook":{`) || !strings.Contains(api, `"done":1`) {
		t.Errorf("alert API lacks the run: %s", firstLine(api))
	}
	list := readAll(e.do(e.byName["director"], "GET", "/playbooks", ""))
	if !strings.Contains(list, fmt.Sprintf(`data-run="%d"`, run.ID)) || !strings.Contains(list, `data-playbook="gmv_drop"`) {
		t.Errorf("playbooks page lacks the run or the default playbook")
	}
	must(e, e.cat.SetLang(sys, e.users["specialist"].ID, "zh-CN"))
	zh := readAll(e.do(e.byName["specialist"], "GET", path, ""))
	for _, raw := range []string{">pb_", " pb_", ">ch_"} {
		if i := strings.Index(zh, raw); i >= 0 {
			t.Errorf("untranslated message near %q", zh[max(0, i-40):min(len(zh), i+40)])
		}
	}
}

// TestChannelsAPI: a channel's URL and secret never come back (host and
// fingerprints do); "send test" goes through the real sender to a
// loopback receiver and returns the delivery-log entry; a disabled
// channel is marked; SMTP settings keep the password write-only.
func TestChannelsAPI(t *testing.T) {
	e := newEnv(t)
	var got atomic.Value
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.Store(r.URL.RawQuery + " " + string(b))
		io.WriteString(w, `{"errcode":0}`)
	}))
	defer recv.Close()
	body := fmt.Sprintf(`{"client_id":%d,"name":"ding","kind":"dingtalk","url":"%s/robot/send?access_token=tok-123","secret":"SEC-very-secret"}`, e.a.ID, recv.URL)
	resp := e.do(e.byName["specialist"], "POST", "/api/v1/alert-channels", body)
	text := readAll(resp)
	if resp.StatusCode != 200 || strings.Contains(text, "tok-123") || strings.Contains(text, "SEC-very-secret") || !strings.Contains(text, `"secret_fingerprint":"sha256:`) {
		t.Fatalf("add: %d %s", resp.StatusCode, text)
	}
	if list := decode[[]alerting.ChannelView](t, e.do(e.byName["expert"], "GET", "/api/v1/alert-channels", "")); len(list) != 0 {
		t.Errorf("expert (client B) sees A's channels: %+v", list)
	}
	cs, err := e.cat.AlertChannels(sys, e.a.ID)
	must(e, err)
	var id int64
	for _, c := range cs {
		if c.Name == "ding" {
			id = c.ID
		}
	}
	out := readAll(e.do(e.byName["specialist"], "POST", fmt.Sprintf("/api/v1/alert-channels/%d/test", id), ""))
	if !strings.Contains(out, `"status":"sent"`) || !strings.Contains(out, `"key":"test/channel/`) {
		t.Fatalf("test send: %s", out)
	}
	if s, _ := got.Load().(string); !strings.Contains(s, "sign=") || !strings.Contains(s, `"msgtype":"markdown"`) {
		t.Errorf("receiver got %q", s)
	}
	page := readAll(e.do(e.byName["specialist"], "GET", "/alerts/channels", ""))
	if !strings.Contains(page, `data-channel="ding"`) || strings.Contains(page, "tok-123") || !strings.Contains(page, "sent") {
		t.Errorf("channels page wrong or leaks the URL")
	}
	if resp := e.do(e.byName["specialist"], "POST", fmt.Sprintf("/api/v1/alert-channels/%d/disable", id), `{"disabled":true}`); resp.StatusCode != 200 ||
		!strings.Contains(readAll(resp), `"disabled":true`) {
		t.Errorf("disable: %d", resp.StatusCode)
	}
	smtp := readAll(e.do(e.byName["director"], "PUT", "/api/v1/alert-smtp", `{"addr":"127.0.0.1:1","from":"alerts@test.local","password":"pw-secret-1"}`))
	if strings.Contains(smtp, "pw-secret-1") || !strings.Contains(smtp, `"password_fingerprint":"sha256:`) || !strings.Contains(smtp, `"source":"catalog"`) {
		t.Errorf("smtp settings: %s", smtp)
	}
	mail := readAll(e.do(e.byName["director"], "POST", "/api/v1/alert-smtp/test", `{"to":"someone@test.local"}`))
	if !strings.Contains(mail, `"status":"failed"`) || !strings.Contains(mail, `"channel":"email"`) {
		t.Errorf("smtp test to a closed port: %s", mail)
	}
}
