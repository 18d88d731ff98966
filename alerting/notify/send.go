package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun/alerting"
)

// SMTP is the mail server messages go through (net/smtp; STARTTLS is used
// when the server offers it).
type SMTP struct {
	Addr     string // host:port
	From     string
	Username string
	Password string
}

// SendMail sends msg to one address as multipart/alternative (text and
// HTML). The Message-ID is derived from the idempotency key, so a
// receiving system can drop a duplicate of a retried send.
func (s SMTP) SendMail(ctx context.Context, to string, msg Message) error {
	if s.Addr == "" {
		return fmt.Errorf("no SMTP server configured")
	}
	boundary := randomHex(12)
	var b bytes.Buffer
	host, _, _ := strings.Cut(s.Addr, ":")
	sum := sha256.Sum256([]byte(msg.Key + "|" + to))
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\n", s.From, to, mime.BEncoding.Encode("UTF-8", msg.Subject))
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\nX-Daiyun-Idempotency-Key: %s\r\nDate: %s\r\n", hex.EncodeToString(sum[:16]), host, msg.Key, time.Now().UTC().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=%q\r\n\r\n", boundary)
	for _, part := range []struct{ ctype, body string }{{"text/plain", msg.Text}, {"text/html", msg.HTML}} {
		fmt.Fprintf(&b, "--%s\r\nContent-Type: %s; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n", boundary, part.ctype)
		enc := base64.StdEncoding.EncodeToString([]byte(part.body))
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	var auth smtp.Auth
	if s.Username != "" {
		auth = smtp.PlainAuth("", s.Username, s.Password, host)
	}
	done := make(chan error, 1)
	go func() { done <- smtp.SendMail(s.Addr, auth, s.From, []string{to}, b.Bytes()) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Payload builds the webhook body for a channel kind.
func Payload(kind string, msg Message) ([]byte, error) {
	text := msg.Text
	var v any
	switch kind {
	case alerting.ChannelWebhook:
		a := msg.Alert
		v = map[string]any{"event": msg.Event, "idempotency_key": msg.Key, "url": msg.URL, "subject": msg.Subject, "text": text,
			"alert": map[string]any{"id": a.ID, "rule": a.Rule, "client_id": a.ClientID, "shop_id": a.ShopID, "scope": a.Scope,
				"level": a.Level, "colour": a.Colour, "state": a.State, "value": a.Value, "threshold": a.Thresh, "op": a.Op,
				"periods": a.Periods, "from": a.From, "to": a.To}}
	case alerting.ChannelWeCom:
		v = map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": markdown(msg)}}
	case alerting.ChannelDingTalk:
		v = map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": msg.Subject, "text": markdown(msg)}}
	case alerting.ChannelFeishu:
		v = map[string]any{"msg_type": "text", "content": map[string]string{"text": text}}
	case alerting.ChannelSlack:
		v = map[string]any{"text": fmt.Sprintf("*%s*\n%s", msg.Subject, strings.TrimSpace(strings.Replace(text, msg.Subject+"\n", "", 1)))}
	default:
		return nil, fmt.Errorf("unknown channel kind %q", kind)
	}
	return json.Marshal(v)
}

func markdown(msg Message) string {
	lines := strings.Split(strings.TrimSpace(msg.Text), "\n")
	var b strings.Builder
	b.WriteString("### " + msg.Subject + "\n")
	for _, l := range lines[1:] {
		if strings.HasSuffix(l, msg.URL) {
			continue
		}
		b.WriteString("> " + l + "\n")
	}
	fmt.Fprintf(&b, "\n[%s](%s)", msg.URL, msg.URL)
	return b.String()
}

// DingTalkSign returns the URL of a DingTalk robot with the signed-secret
// parameters: timestamp (ms) and sign = url-encoded base64 of
// HMAC-SHA256(secret, timestamp + "\n" + secret).
func DingTalkSign(raw, secret string, now time.Time) (string, error) {
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "\n" + secret))
	sign := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("timestamp", ts)
	q.Set("sign", sign)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// PostWebhook posts msg to a channel; a non-2xx answer, or a robot's
// non-zero errcode, is an error.
func PostWebhook(ctx context.Context, client *http.Client, ch alerting.Channel, msg Message, now time.Time) error {
	body, err := Payload(ch.Kind, msg)
	if err != nil {
		return err
	}
	target := ch.URL
	if ch.Kind == alerting.ChannelDingTalk && ch.Secret != "" {
		if target, err = DingTalkSign(ch.URL, ch.Secret, now); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", msg.Key)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	var robot struct {
		ErrCode *int   `json:"errcode"`
		Code    *int   `json:"code"`
		ErrMsg  string `json:"errmsg"`
		Msg     string `json:"msg"`
	}
	if json.Unmarshal(answer, &robot) == nil {
		if robot.ErrCode != nil && *robot.ErrCode != 0 {
			return fmt.Errorf("robot errcode %d: %s", *robot.ErrCode, robot.ErrMsg)
		}
		if robot.Code != nil && *robot.Code != 0 {
			return fmt.Errorf("robot code %d: %s", *robot.Code, robot.Msg)
		}
	}
	return nil
}
