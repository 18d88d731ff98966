package alerting

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/metrics"
)

// Alert states (PRODUCT.md E5).
const (
	StateOpen         = "open"
	StateAcknowledged = "acknowledged"
	StateResolved     = "resolved"
)

// Alert is one rule firing on one scope, from the first firing until it is
// resolved. A re-fire updates Value, Threshold and LastSeen; there is at
// most one unresolved alert per rule and scope.
type Alert struct {
	ID       int64       `json:"id"`
	RuleID   int64       `json:"rule_id"`
	Rule     string      `json:"rule"`
	ClientID int64       `json:"client_id"`
	ShopID   int64       `json:"shop_id,omitempty"`
	Scope    string      `json:"scope"`
	Dim      string      `json:"dim,omitempty"`
	KPI      string      `json:"kpi,omitempty"`
	Detector string      `json:"detector,omitempty"`
	Level    int         `json:"level,omitempty"`
	Colour   string      `json:"colour,omitempty"`
	State    string      `json:"state"`
	Op       string      `json:"op"`
	Value    float64     `json:"value"`
	Thresh   float64     `json:"threshold"`
	Baseline *float64    `json:"baseline,omitempty"`
	Currency string      `json:"currency,omitempty"`
	Periods  int         `json:"periods"`
	From     daiyun.Date `json:"from"`
	To       daiyun.Date `json:"to"`
	// FirstSeen and LastSeen are the evaluation days it fired first and last.
	FirstSeen daiyun.Date `json:"first_seen"`
	LastSeen  daiyun.Date `json:"last_seen"`
	OpenedAt  time.Time   `json:"opened_at"`
	UpdatedAt time.Time   `json:"updated_at"`
	// Deadline is when an unacknowledged level-2 or level-3 alert escalates.
	Deadline     *time.Time `json:"deadline,omitempty"`
	Escalation   int        `json:"escalation"` // escalation steps taken
	AssigneeID   int64      `json:"assignee_id,omitempty"`
	AckedAt      *time.Time `json:"acked_at,omitempty"`
	AckedBy      int64      `json:"acked_by,omitempty"`
	ResolvedAt   *time.Time `json:"resolved_at,omitempty"`
	ResolvedBy   int64      `json:"resolved_by,omitempty"`
	AutoResolved bool       `json:"auto_resolved"`
	PostMortem   PostMortem `json:"post_mortem"`
	// Recurrence counts the earlier alerts of the same rule for the client.
	Recurrence int `json:"recurrence"`
}

// PostMortem is the 复盘 written when an alert is resolved.
type PostMortem struct {
	Cause       string `json:"cause,omitempty"`
	Actions     string `json:"actions,omitempty"`
	Preventable *bool  `json:"preventable,omitempty"`
}

// Severity is "L1".."L3" or the colour.
func (a Alert) Severity() string {
	if a.Colour != "" {
		return a.Colour
	}
	return fmt.Sprintf("L%d", a.Level)
}

// Comment is a note on an alert.
type Comment struct {
	ID        int64     `json:"id"`
	AlertID   int64     `json:"alert_id"`
	UserID    int64     `json:"user_id,omitempty"`
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// Event kinds: the transitions notifications are sent for.
const (
	EventOpened    = "opened"
	EventEscalated = "escalated"
	EventResolved  = "resolved"
)

// Event is one transition of an alert. Its Key is the idempotency key of
// every message sent for it: "alert/12/opened/0", "alert/12/escalated/1".
type Event struct {
	ID         int64      `json:"id"`
	AlertID    int64      `json:"alert_id"`
	ClientID   int64      `json:"client_id"`
	Kind       string     `json:"kind"`
	Step       int        `json:"step"`
	Key        string     `json:"key"`
	CreatedAt  time.Time  `json:"created_at"`
	NotifiedAt *time.Time `json:"notified_at,omitempty"`
}

// EventKey is the idempotency key of an alert transition.
func EventKey(alertID int64, kind string, step int) string {
	return fmt.Sprintf("alert/%d/%s/%d", alertID, kind, step)
}

// Delivery is one attempt to send one message to one target.
type Delivery struct {
	ID       int64     `json:"id"`
	AlertID  int64     `json:"alert_id,omitempty"`
	Key      string    `json:"key"`
	Channel  string    `json:"channel"` // email, webhook, wecom, dingtalk, feishu, slack
	Target   string    `json:"target"`  // an address, or the webhook's name
	Attempt  int       `json:"attempt"`
	Status   string    `json:"status"` // sent, failed
	Error    string    `json:"error,omitempty"`
	At       time.Time `json:"at"`
	ClientID int64     `json:"client_id,omitempty"`
}

// SyncResult counts what an evaluation changed in the alert store.
type SyncResult struct {
	Opened   int `json:"opened"`
	Updated  int `json:"updated"`
	Resolved int `json:"resolved"`
}

// Channel kinds: where notifications go besides the in-app inbox.
const (
	ChannelEmail    = "email"
	ChannelWebhook  = "webhook" // generic JSON
	ChannelWeCom    = "wecom"
	ChannelDingTalk = "dingtalk"
	ChannelFeishu   = "feishu"
	ChannelSlack    = "slack"
)

// ChannelKinds lists the webhook kinds.
var ChannelKinds = []string{ChannelWebhook, ChannelWeCom, ChannelDingTalk, ChannelFeishu, ChannelSlack}

// Channel is a webhook alerts are posted to: a client's (only that
// client's alerts) or the agency's (ClientID 0: every alert).
//
// The URL (robot URLs carry their access token) and the secret are
// write-only: they never leave the server in JSON; View shows a redacted
// URL and fingerprints instead.
type Channel struct {
	ID       int64  `json:"id"`
	ClientID int64  `json:"client_id,omitempty"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	URL      string `json:"-"`
	// Secret signs DingTalk robot calls (the "加签" variant).
	Secret   string `json:"-"`
	MinLevel int    `json:"min_level"`
	Lang     string `json:"lang"`
	// Disabled channels are kept but get nothing.
	Disabled bool `json:"disabled"`
}

// ChannelView is a channel as people see it: the URL's scheme and host
// only, and fingerprints of the URL and the secret (the first 8 bytes of
// their SHA-256, hex) to tell which one is set without showing it.
type ChannelView struct {
	Channel
	Host              string `json:"host"`
	URLFingerprint    string `json:"url_fingerprint"`
	SecretFingerprint string `json:"secret_fingerprint,omitempty"`
}

// View returns the channel without its URL and secret.
func (c Channel) View() ChannelView {
	v := ChannelView{Channel: c, URLFingerprint: Fingerprint(c.URL), SecretFingerprint: Fingerprint(c.Secret)}
	if u, err := url.Parse(c.URL); err == nil {
		v.Host = u.Scheme + "://" + u.Host
	}
	return v
}

// Fingerprint is "sha256:" and the first 8 bytes of the SHA-256 of a
// secret in hex; empty for an empty secret.
func Fingerprint(secret string) string {
	if secret == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(secret))
	return "sha256:" + hex.EncodeToString(sum[:8])
}

// SMTPSettings is the agency's mail server for alert e-mail (the
// environment's DAIYUN_SMTP_* when none is stored). The password is
// write-only: PasswordFingerprint stands for it.
type SMTPSettings struct {
	Addr                string    `json:"addr"`
	From                string    `json:"from"`
	Username            string    `json:"username,omitempty"`
	Password            string    `json:"-"`
	PasswordFingerprint string    `json:"password_fingerprint,omitempty"`
	UpdatedAt           time.Time `json:"updated_at,omitzero"`
	// Source says where the settings come from: "catalog", "environment"
	// or "" (none: no e-mail is sent).
	Source string `json:"source"`
}

// Recipient is a user a message goes to, with the actor they read as (so
// nothing of a client they may not see reaches them).
type Recipient struct {
	User  daiyun.User
	Actor daiyun.Actor
}

// BudgetColours gives each client of the firings its budget-monitor colour
// (red over yellow); clients listed in all without a colour are green.
func BudgetColours(fs []Firing, all []int64) map[string]string {
	out := map[string]string{}
	for _, id := range all {
		out[fmt.Sprint(id)] = Green
	}
	for _, f := range fs {
		k := fmt.Sprint(f.ClientID)
		switch {
		case f.Colour == Red:
			out[k] = Red
		case f.Colour == Yellow && out[k] != Red:
			out[k] = Yellow
		case f.Colour == "" && out[k] == "":
			out[k] = Green
		}
	}
	return out
}

// LineageCell is the metrics cell behind an alert's value (the rows behind
// the KPI, PRODUCT.md C5): the KPI over the alert's last period for its shop
// or client, broken down as the rule was. ok is false for detectors.
func LineageCell(a Alert) (metrics.Cell, bool) {
	if a.KPI == "" {
		return metrics.Cell{}, false
	}
	req := metrics.Request{KPIs: []string{a.KPI}, From: a.From, To: a.To, Currency: a.Currency}
	dims := map[string]string{}
	if a.ShopID != 0 {
		req.Dimensions = []string{metrics.DimShop}
		req.Filters.ShopIDs = []int64{a.ShopID}
		dims[metrics.DimShop] = fmt.Sprint(a.ShopID)
	} else {
		req.Dimensions = []string{metrics.DimClient}
		dims[metrics.DimClient] = fmt.Sprint(a.ClientID)
	}
	req.Filters.ClientIDs = []int64{a.ClientID}
	if by, v, ok := strings.Cut(scopeDim(a.Scope), ":"); ok {
		req.Dimensions = append(req.Dimensions, by)
		dims[by] = v
	}
	return metrics.Cell{Request: req, KPI: a.KPI, Dims: dims}, true
}

// scopeDim returns the "dim:value" part of a scope key, if any.
func scopeDim(scope string) string {
	_, d, _ := strings.Cut(scope, "/")
	return d
}

// LineagePath is the UI path of an alert's lineage page.
func LineagePath(a Alert) string {
	cell, ok := LineageCell(a)
	if !ok {
		return ""
	}
	b, _ := json.Marshal(cell)
	return fmt.Sprintf("/clients/%d/lineage?cell=%s", a.ClientID, url.QueryEscape(string(b)))
}
