package notify

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/alerting"
)

// smtpSettings is the optional part of a Store that keeps the agency's
// SMTP settings (the catalog does).
type smtpSettings interface {
	SMTPSettings(ctx context.Context) (alerting.SMTPSettings, bool, error)
}

// MailServer is the SMTP server mail goes through: the settings stored in
// the catalog (set on the channels page or API) when there are any,
// otherwise d.SMTP (the environment's DAIYUN_SMTP_*).
func (d *Dispatcher) MailServer(ctx context.Context) (SMTP, error) {
	st, ok := d.Store.(smtpSettings)
	if !ok {
		return d.SMTP, nil
	}
	set, found, err := st.SMTPSettings(daiyun.WithActor(ctx, daiyun.SystemActor))
	if err != nil || !found {
		return d.SMTP, err
	}
	return SMTP{Addr: set.Addr, From: set.From, Username: set.Username, Password: set.Password}, nil
}

var testWords = map[string][2]string{
	"zh-CN": {"Daiyun 测试通知", "这是一条测试消息：此通知渠道已接通。无需处理。"},
	"en":    {"Daiyun test notification", "This is a test message: this notification channel works. Nothing to do."},
}

// TestMessage is the message a "send test" sends, in lang, with its own
// idempotency key.
func TestMessage(base, lang, key string) Message {
	w := testWords[normLang(lang)]
	url := base
	if url == "" {
		url = "/"
	}
	v := view{Title: w[0], Lead: w[1], URL: url, Open: "Daiyun"}
	m := Message{Key: key, Subject: v.Title, URL: url, Event: "test"}
	var h, t bytes.Buffer
	htmlTmpl.Execute(&h, v)
	textTmpl.Execute(&t, v)
	m.HTML, m.Text = h.String(), t.String()
	return m
}

// TestKey is the idempotency key of a test send.
func TestKey(what string, id int64, now time.Time) string {
	return fmt.Sprintf("test/%s/%d/%d", what, id, now.UnixNano())
}

// SendTest posts a test message to a channel once, through the real
// sender, and returns the delivery (status sent or failed, with the error)
// for the log.
func (d *Dispatcher) SendTest(ctx context.Context, ch alerting.Channel) alerting.Delivery {
	d.defaults()
	now := d.Now()
	key := TestKey("channel", ch.ID, now)
	rec := alerting.Delivery{ClientID: ch.ClientID, Key: key, Channel: ch.Kind, Target: ch.Name, Attempt: 1, Status: "sent", At: now}
	if err := PostWebhook(ctx, d.HTTP, ch, TestMessage(d.BaseURL, ch.Lang, key), now); err != nil {
		rec.Status, rec.Error = "failed", truncate(err.Error(), 500)
	}
	return rec
}

// SendTestMail e-mails a test message to one address through the mail
// server (MailServer) once and returns the delivery.
func (d *Dispatcher) SendTestMail(ctx context.Context, to, lang string) alerting.Delivery {
	d.defaults()
	now := d.Now()
	key := TestKey("email", 0, now)
	rec := alerting.Delivery{Key: key, Channel: alerting.ChannelEmail, Target: to, Attempt: 1, Status: "sent", At: now}
	smtp, err := d.MailServer(ctx)
	if err == nil {
		err = smtp.SendMail(ctx, to, TestMessage(d.BaseURL, lang, key))
	}
	if err != nil {
		rec.Status, rec.Error = "failed", truncate(err.Error(), 500)
	}
	return rec
}
