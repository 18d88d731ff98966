package taobao

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/ingest/connectors"
)

// DefaultEndpoint is TOP's production gateway.
const DefaultEndpoint = "https://eco.taobao.com/router/rest"

// Credential keys of a Taobao/Tmall connection.
const (
	CredAppKey     = "app_key"
	CredAppSecret  = "app_secret"
	CredSession    = "session"     // the seller's access token (sessionKey)
	CredSignMethod = "sign_method" // md5 (default), hmac or hmac-sha256
)

// shanghai is TOP's clock: timestamps and trade times are GMT+8.
var shanghai = time.FixedZone("GMT+8", 8*3600)

const topTime = "2006-01-02 15:04:05"

// Error is TOP's error_response.
type Error struct {
	Code    int    `json:"code"`
	Msg     string `json:"msg"`
	SubCode string `json:"sub_code"`
	SubMsg  string `json:"sub_msg"`
}

func (e *Error) Error() string {
	s := fmt.Sprintf("TOP error %d %s", e.Code, e.Msg)
	if e.SubCode != "" {
		s += " (" + e.SubCode
		if e.SubMsg != "" {
			s += ": " + e.SubMsg
		}
		s += ")"
	}
	return s
}

var banSeconds = regexp.MustCompile(`(\d+)\s*more seconds`)

// classify makes flow limits and platform-side failures temporary: codes
// 4–8 (user, session, partner and app call limits, frequency), sub codes of
// access control and *-limit, 10 (service unavailable) and isp.* sub codes
// (TOP says: retry later). The wait is the ban's remaining seconds when
// sub_msg states it ("This ban will last for 3 more seconds").
func classify(e *Error) error {
	var after time.Duration
	if m := banSeconds.FindStringSubmatch(e.SubMsg); m != nil {
		n, _ := strconv.Atoi(m[1])
		after = time.Duration(n) * time.Second
	}
	sub := strings.ToLower(e.SubCode)
	switch {
	case e.Code >= 4 && e.Code <= 8, strings.HasPrefix(sub, "accesscontrol."), strings.Contains(sub, "-limit"), strings.Contains(sub, "limited"):
		return connectors.Temporary("taobao flow limit", after, e)
	case e.Code == 10, strings.HasPrefix(sub, "isp."):
		return connectors.Temporary("taobao service error", after, e)
	}
	return e
}

// call runs one signed TOP method with retries and decodes the body of its
// <method>_response envelope into out.
func (c *Connector) call(ctx context.Context, conn connectors.Connection, method string, params map[string]string, out any) error {
	endpoint := conn.BaseURL
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	cr := conn.Credentials
	if cr[CredAppKey] == "" || cr[CredAppSecret] == "" || cr[CredSession] == "" {
		return daiyun.Errorf(daiyun.EINVALID, "taobao connection %d needs the credentials %s, %s and %s", conn.ID, CredAppKey, CredAppSecret, CredSession)
	}
	signMethod := cr[CredSignMethod]
	if signMethod == "" {
		signMethod = SignMD5
	}
	envelope := strings.ReplaceAll(strings.TrimPrefix(method, "taobao."), ".", "_") + "_response"
	return c.Env.Retry.Do(ctx, func(ctx context.Context) error {
		p := map[string]string{"method": method, "app_key": cr[CredAppKey], "session": cr[CredSession],
			"timestamp": c.Env.Now().In(shanghai).Format(topTime), "format": "json", "v": "2.0", "sign_method": signMethod}
		for k, v := range params {
			p[k] = v
		}
		p["sign"] = Sign(p, cr[CredAppSecret], signMethod)
		form := url.Values{}
		for k, v := range p {
			form.Set(k, v)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
		resp, err := c.Env.HTTP.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return connectors.Temporary("taobao unreachable", 0, err)
		}
		defer resp.Body.Close()
		if err := connectors.CheckHTTP(resp, c.Env.Now()); err != nil {
			return fmt.Errorf("taobao %s: %w", method, err)
		}
		var body map[string]json.RawMessage
		dec := json.NewDecoder(resp.Body)
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil {
			return connectors.Temporary("taobao: unreadable answer", 0, err)
		}
		if raw, ok := body["error_response"]; ok {
			var e Error
			if err := json.Unmarshal(raw, &e); err != nil {
				return fmt.Errorf("taobao %s: unreadable error: %w", method, err)
			}
			return fmt.Errorf("taobao %s: %w", method, classify(&e))
		}
		raw, ok := body[envelope]
		if !ok {
			return fmt.Errorf("taobao %s: the answer has no %s", method, envelope)
		}
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("taobao %s: decode: %w", method, err)
		}
		return nil
	})
}
