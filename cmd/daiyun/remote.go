package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/daiyun/daiyun"
)

// remote is the running server that owns the embedded stores, reached with
// the lock file's local token. Commands that write facts use it when a
// server holds the warehouse, so they work the same whether or not
// `daiyun serve` is running.
type remote struct {
	url   string
	token string
	http  *http.Client
}

// runningServer returns the server holding this data directory, if any.
func (m *Main) runningServer() (*remote, bool) {
	if m.Config.ServerMode() {
		return nil, false
	}
	l, ok := readLock(m.Config)
	if !ok || l.Token == "" {
		return nil, false
	}
	return &remote{url: l.URL, token: l.Token, http: &http.Client{Timeout: 30 * time.Minute}}, true
}

// do sends a request to the server and decodes a JSON answer into out. A
// problem answer becomes an application error with its safe message.
func (r *remote) do(method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequest(method, r.url+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return fmt.Errorf("the running server at %s did not answer: %w", r.url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		var p struct {
			Detail string `json:"detail"`
		}
		json.Unmarshal(b, &p)
		if p.Detail == "" {
			p.Detail = string(bytes.TrimSpace(b))
		}
		code := daiyun.EINTERNAL
		switch resp.StatusCode {
		case 404:
			code = daiyun.ENOTFOUND
		case 409:
			code = daiyun.ECONFLICT
		case 400, 422:
			code = daiyun.EINVALID
		}
		return daiyun.Errorf(code, "%s", p.Detail)
	}
	if raw, ok := out.(*rawBody); ok {
		*raw = b
		return nil
	}
	if out != nil && len(b) > 0 {
		return json.Unmarshal(b, out)
	}
	return nil
}

// rawBody receives an answer that is not JSON (a CSV export).
type rawBody []byte
