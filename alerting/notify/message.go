// Package notify sends alert notifications (PRODUCT.md E6): e-mail over
// SMTP (HTML and text, in the recipient's language), webhooks in generic
// JSON and the robot formats of WeCom, DingTalk (with the signed-secret
// variant), Feishu and Slack, with retries, a delivery log per alert and an
// idempotency key per alert transition; escalation of unacknowledged
// level-2 and level-3 alerts; and a daily digest.
//
// Every message links to the alert (BaseURL + /alerts/{id}). A message
// about a client goes only to people whose actor may see that client, and
// to client users only for what their portal shows (level 3 and budget
// colours); a client's webhook gets only that client's alerts. The package
// reads and writes through the Store interface and does not touch HTTP
// routing or the warehouse.
package notify

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	texttemplate "text/template"

	"github.com/daiyun/daiyun/alerting"
)

// Message is one notification, rendered in one language.
type Message struct {
	Key     string // idempotency key of the transition
	Subject string
	Text    string
	HTML    string
	URL     string
	Alert   alerting.Alert
	Event   string
}

var words = map[string]map[string]string{
	"zh-CN": {
		"opened": "新预警", "escalated": "预警升级（未及时确认）", "resolved": "预警已解除",
		"L1": "一级预警", "L2": "二级预警", "L3": "三级预警", "red": "红色预算预警", "yellow": "黄色预算预警",
		"rule": "规则", "scope": "范围", "value": "当前值", "threshold": "阈值", "period": "期间", "periods": "连续周期",
		"open": "查看预警", "deadline": "确认期限", "digest": "每日预警摘要", "none": "没有未处理的预警。",
		"lineage": "数据来源", "client": "客户",
	},
	"en": {
		"opened": "New alert", "escalated": "Alert escalated (not acknowledged in time)", "resolved": "Alert resolved",
		"L1": "Level 1 notice", "L2": "Level 2 warning", "L3": "Level 3 emergency", "red": "Budget red", "yellow": "Budget yellow",
		"rule": "Rule", "scope": "Scope", "value": "Value", "threshold": "Threshold", "period": "Period", "periods": "Periods running",
		"open": "Open the alert", "deadline": "Check by", "digest": "Daily alert digest", "none": "No open alerts.",
		"lineage": "Lineage", "client": "Client",
	},
}

func w(lang, k string) string {
	if m, ok := words[lang]; ok {
		return m[k]
	}
	return words["zh-CN"][k]
}

func normLang(lang string) string {
	if lang == "en" {
		return "en"
	}
	return "zh-CN"
}

// AlertURL is the link to an alert.
func AlertURL(base string, id int64) string {
	return strings.TrimRight(base, "/") + fmt.Sprintf("/alerts/%d", id)
}

// lineageURL links to the KPI explanation (the rows behind the value).
func lineageURL(base string, a alerting.Alert) string {
	p := alerting.LineagePath(a)
	if p == "" {
		return ""
	}
	return strings.TrimRight(base, "/") + p
}

type view struct {
	Title, Lead, URL, Lineage string
	Rows                      [][2]string
	Open, LineageLabel        string
}

var htmlTmpl = template.Must(template.New("mail").Parse(`<!doctype html><html><body style="font-family:sans-serif">
<h2>{{.Title}}</h2><p>{{.Lead}}</p>
<table cellpadding="4">{{range .Rows}}<tr><th align="left">{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</table>
<p><a href="{{.URL}}">{{.Open}}</a>{{if .Lineage}} · <a href="{{.Lineage}}">{{.LineageLabel}}</a>{{end}}</p>
</body></html>`))

var textTmpl = texttemplate.Must(texttemplate.New("text").Parse(`{{.Title}}
{{.Lead}}
{{range .Rows}}{{index . 0}}: {{index . 1}}
{{end}}{{.Open}}: {{.URL}}
{{if .Lineage}}{{.LineageLabel}}: {{.Lineage}}
{{end}}`))

// Render builds the message about a transition of an alert in lang.
func Render(base, lang, event, key string, a alerting.Alert, clientName string) Message {
	lang = normLang(lang)
	v := view{URL: AlertURL(base, a.ID), Lineage: lineageURL(base, a), Open: w(lang, "open"), LineageLabel: w(lang, "lineage")}
	v.Title = fmt.Sprintf("[%s] %s · %s", w(lang, a.Severity()), w(lang, event), a.Rule)
	v.Lead = fmt.Sprintf("%s %s %s", clientName, a.Scope, a.Dim)
	v.Rows = [][2]string{
		{w(lang, "client"), clientName},
		{w(lang, "rule"), a.Rule},
		{w(lang, "scope"), a.Scope},
		{w(lang, "value"), fmt.Sprintf("%.6g %s", a.Value, a.Currency)},
		{w(lang, "threshold"), fmt.Sprintf("%s %.6g", a.Op, a.Thresh)},
		{w(lang, "period"), a.From.String() + " … " + a.To.String()},
		{w(lang, "periods"), fmt.Sprint(a.Periods)},
	}
	if a.Deadline != nil && a.State == alerting.StateOpen {
		v.Rows = append(v.Rows, [2]string{w(lang, "deadline"), a.Deadline.Format("2006-01-02 15:04 MST")})
	}
	var h, t bytes.Buffer
	htmlTmpl.Execute(&h, v)
	textTmpl.Execute(&t, v)
	return Message{Key: key, Subject: v.Title, Text: t.String(), HTML: h.String(), URL: v.URL, Alert: a, Event: event}
}

// RenderDigest builds a daily digest of open alerts in lang.
func RenderDigest(base, lang, day, key string, as []alerting.Alert, clientNames map[int64]string) Message {
	lang = normLang(lang)
	v := view{Title: fmt.Sprintf("%s · %s", w(lang, "digest"), day), Open: w(lang, "open"), URL: strings.TrimRight(base, "/") + "/alerts"}
	if len(as) == 0 {
		v.Lead = w(lang, "none")
	}
	for _, a := range as {
		v.Rows = append(v.Rows, [2]string{w(lang, a.Severity()), fmt.Sprintf("%s · %s · %s · %.6g (%s %.6g) %s",
			clientNames[a.ClientID], a.Rule, a.Scope, a.Value, a.Op, a.Thresh, AlertURL(base, a.ID))})
	}
	var h, t bytes.Buffer
	htmlTmpl.Execute(&h, v)
	textTmpl.Execute(&t, v)
	return Message{Key: key, Subject: v.Title, Text: t.String(), HTML: h.String(), URL: v.URL, Event: "digest"}
}
