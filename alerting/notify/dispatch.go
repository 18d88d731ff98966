package notify

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/alerting"
)

// Store is what the dispatcher needs from the catalog. It is called with
// the system actor; what each recipient may see is checked here with the
// recipient's own actor.
type Store interface {
	PendingAlertEvents(ctx context.Context, limit int) ([]alerting.Event, error)
	MarkAlertEventNotified(ctx context.Context, id int64) error
	Alert(ctx context.Context, id int64) (alerting.Alert, error)
	Client(ctx context.Context, id int64) (daiyun.Client, error)
	DeliverySent(ctx context.Context, key, channel, target string) (bool, error)
	RecordDelivery(ctx context.Context, d alerting.Delivery) error
	DueEscalations(ctx context.Context, now time.Time) ([]alerting.Alert, error)
	EscalateAlert(ctx context.Context, id int64, step int, next *time.Time) error
	AlertTeam(ctx context.Context, clientID int64) (team, directors []alerting.Recipient, err error)
	ClientUsers(ctx context.Context, clientID int64) ([]alerting.Recipient, error)
	DigestRecipients(ctx context.Context) ([]alerting.Recipient, error)
	AlertChannels(ctx context.Context, clientID int64) ([]alerting.Channel, error)
	// OpenAlertsFor lists the open alerts the actor in ctx may see.
	OpenAlertsFor(ctx context.Context) ([]alerting.Alert, error)
}

// Dispatcher sends what the outbox holds. Run it after every evaluation
// and on a schedule; it is safe to run again after a crash (idempotency
// keys and the delivery log keep each message to one successful send per
// target, retrying the ones that failed).
type Dispatcher struct {
	Store   Store
	SMTP    SMTP
	HTTP    *http.Client
	BaseURL string
	Logger  *slog.Logger
	// Attempts per message and the first backoff (doubled each retry).
	Attempts int
	Backoff  time.Duration
	// EscalateAfter is the deadline of each further escalation step
	// (default 2 h).
	EscalateAfter time.Duration
	// DigestHour is the UTC hour from which the daily digest goes; 0 means
	// 1 (09:00 in China).
	DigestHour int
	Now        func() time.Time
}

// DispatchStats counts what a run did.
type DispatchStats struct {
	Escalated int `json:"escalated"`
	Events    int `json:"events"`
	Sent      int `json:"sent"`
	Skipped   int `json:"skipped"` // already sent (idempotency key)
	Failed    int `json:"failed"`
	Digests   int `json:"digests"`
}

func (d *Dispatcher) defaults() {
	if d.HTTP == nil {
		d.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	if d.Attempts <= 0 {
		d.Attempts = 4
	}
	if d.Backoff <= 0 {
		d.Backoff = time.Second
	}
	if d.EscalateAfter <= 0 {
		d.EscalateAfter = 2 * time.Hour
	}
	if d.DigestHour == 0 {
		d.DigestHour = 1
	}
	if d.Now == nil {
		d.Now = func() time.Time { return time.Now().UTC() }
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
}

// Run escalates overdue alerts, sends every pending transition and, once
// a day, the digest.
func (d *Dispatcher) Run(ctx context.Context) (DispatchStats, error) {
	d.defaults()
	ctx = daiyun.WithActor(ctx, daiyun.SystemActor)
	var st DispatchStats
	smtp, err := d.MailServer(ctx)
	if err != nil {
		return st, err
	}
	d.SMTP = smtp
	if err := d.escalate(ctx, &st); err != nil {
		return st, err
	}
	events, err := d.Store.PendingAlertEvents(ctx, 500)
	if err != nil {
		return st, err
	}
	for _, ev := range events {
		ok, err := d.send(ctx, ev, &st)
		if err != nil {
			return st, err
		}
		st.Events++
		if ok {
			if err := d.Store.MarkAlertEventNotified(ctx, ev.ID); err != nil {
				return st, err
			}
		}
	}
	if now := d.Now(); now.Hour() >= d.DigestHour {
		if err := d.Digest(ctx, daiyun.Date{Time: now.Truncate(24 * time.Hour)}, &st); err != nil {
			return st, err
		}
	}
	return st, nil
}

// escalate moves overdue unacknowledged level-2/3 alerts one step: the
// next person of the client's team, then the directors, then no further.
func (d *Dispatcher) escalate(ctx context.Context, st *DispatchStats) error {
	due, err := d.Store.DueEscalations(ctx, d.Now())
	if err != nil {
		return err
	}
	for _, a := range due {
		team, _, err := d.Store.AlertTeam(ctx, a.ClientID)
		if err != nil {
			return err
		}
		step := a.Escalation + 1
		var next *time.Time
		if step < len(team) { // one more step follows (the directors last)
			t := d.Now().Add(d.EscalateAfter)
			next = &t
		}
		if err := d.Store.EscalateAlert(ctx, a.ID, step, next); err != nil {
			return err
		}
		st.Escalated++
	}
	return nil
}

// recipients decides who is told of a transition.
func (d *Dispatcher) recipients(ctx context.Context, ev alerting.Event, a alerting.Alert) ([]alerting.Recipient, error) {
	team, directors, err := d.Store.AlertTeam(ctx, a.ClientID)
	if err != nil {
		return nil, err
	}
	var out []alerting.Recipient
	switch ev.Kind {
	case alerting.EventEscalated:
		// Step k goes to the k-th person after the first of the team, then
		// to the directors.
		if ev.Step < len(team) {
			out = append(out, team[ev.Step])
		} else {
			out = append(out, directors...)
		}
	default:
		out = append(out, team...)
		if a.Level == 3 {
			out = append(out, directors...)
		}
		if a.Level == 3 || a.Colour != "" {
			users, err := d.Store.ClientUsers(ctx, a.ClientID)
			if err != nil {
				return nil, err
			}
			out = append(out, users...)
		}
	}
	// Nobody hears of a client they may not see, and client users only of
	// what their portal shows.
	seen := map[int64]bool{}
	var allowed []alerting.Recipient
	for _, r := range out {
		if seen[r.User.ID] || !r.Actor.CanSeeClient(a.ClientID) {
			continue
		}
		if !r.Actor.IsStaff() && a.Level != 3 && a.Colour == "" {
			continue
		}
		seen[r.User.ID] = true
		allowed = append(allowed, r)
	}
	return allowed, nil
}

// send delivers one transition to its recipients and channels; it reports
// whether everything went.
func (d *Dispatcher) send(ctx context.Context, ev alerting.Event, st *DispatchStats) (bool, error) {
	a, err := d.Store.Alert(ctx, ev.AlertID)
	if daiyun.ErrorCode(err) == daiyun.ENOTFOUND {
		return true, nil // deleted with its rule or client
	}
	if err != nil {
		return false, err
	}
	c, err := d.Store.Client(ctx, a.ClientID)
	if err != nil {
		return false, err
	}
	all := true
	if d.SMTP.Addr != "" {
		rs, err := d.recipients(ctx, ev, a)
		if err != nil {
			return false, err
		}
		for _, r := range rs {
			msg := Render(d.BaseURL, r.User.Lang, ev.Kind, ev.Key, a, c.Name)
			ok, err := d.deliver(ctx, a, ev.Key, alerting.ChannelEmail, r.User.Email, st, func() error {
				return d.SMTP.SendMail(ctx, r.User.Email, msg)
			})
			if err != nil {
				return false, err
			}
			all = all && ok
		}
	}
	chans, err := d.Store.AlertChannels(ctx, a.ClientID)
	if err != nil {
		return false, err
	}
	level := a.Level
	if a.Colour != "" {
		level = 3 // budget colours go to every channel
	}
	for _, ch := range chans {
		if ch.Disabled || (ch.ClientID != 0 && ch.ClientID != a.ClientID) || level < ch.MinLevel {
			continue
		}
		msg := Render(d.BaseURL, ch.Lang, ev.Kind, ev.Key, a, c.Name)
		ok, err := d.deliver(ctx, a, ev.Key, ch.Kind, ch.Name, st, func() error {
			return PostWebhook(ctx, d.HTTP, ch, msg, d.Now())
		})
		if err != nil {
			return false, err
		}
		all = all && ok
	}
	return all, nil
}

// deliver sends once per key and target: it skips a target the log says
// already got the message, retries with backoff and logs each attempt. It
// returns false when every attempt failed (the event stays pending).
func (d *Dispatcher) deliver(ctx context.Context, a alerting.Alert, key, channel, target string, st *DispatchStats, send func() error) (bool, error) {
	sent, err := d.Store.DeliverySent(ctx, key, channel, target)
	if err != nil {
		return false, err
	}
	if sent {
		st.Skipped++
		return true, nil
	}
	wait := d.Backoff
	for attempt := 1; attempt <= d.Attempts; attempt++ {
		err := send()
		rec := alerting.Delivery{AlertID: a.ID, ClientID: a.ClientID, Key: key, Channel: channel, Target: target, Attempt: attempt, Status: "sent"}
		if err != nil {
			rec.Status, rec.Error = "failed", truncate(err.Error(), 500)
		}
		if rerr := d.Store.RecordDelivery(ctx, rec); rerr != nil {
			return false, rerr
		}
		if err == nil {
			st.Sent++
			return true, nil
		}
		d.Logger.Warn("alert notification failed", "key", key, "channel", channel, "attempt", attempt, "err", err)
		if attempt == d.Attempts {
			break
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return false, ctx.Err()
		}
		wait *= 2
	}
	st.Failed++
	return false, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Digest e-mails every user the open alerts they may see, once per day
// (the key "digest/DAY/USER" keeps it to one).
func (d *Dispatcher) Digest(ctx context.Context, day daiyun.Date, st *DispatchStats) error {
	d.defaults()
	if d.SMTP.Addr == "" {
		return nil
	}
	rs, err := d.Store.DigestRecipients(ctx)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, r := range rs {
		key := fmt.Sprintf("digest/%s/%d", day, r.User.ID)
		as, err := d.Store.OpenAlertsFor(daiyun.WithActor(ctx, r.Actor))
		if err != nil {
			return err
		}
		if len(as) == 0 {
			continue
		}
		for _, a := range as {
			if _, ok := names[a.ClientID]; !ok {
				if c, err := d.Store.Client(ctx, a.ClientID); err == nil {
					names[a.ClientID] = c.Name
				}
			}
		}
		msg := RenderDigest(d.BaseURL, r.User.Lang, day.String(), key, as, names)
		ok, err := d.deliver(ctx, alerting.Alert{}, key, alerting.ChannelEmail, r.User.Email, st, func() error {
			return d.SMTP.SendMail(ctx, r.User.Email, msg)
		})
		if err != nil {
			return err
		}
		if ok {
			st.Digests++
		}
	}
	return nil
}
