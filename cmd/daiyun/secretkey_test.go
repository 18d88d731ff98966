package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/daiyun/daiyun/catalog"
)

// rawCredentials reads every connection's credentials column as stored.
func rawCredentials(t *testing.T, data string) []string {
	t.Helper()
	s, err := catalog.Open(context.Background(), filepath.Join(data, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.DB().Query(`SELECT credentials FROM connections ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		rows.Scan(&v)
		out = append(out, v)
	}
	return out
}

// Credentials are sealed under a generated key file (0600); a missing or
// other key stops the binary with a message naming the setting; the right
// key given by environment works; a rotation re-seals; plaintext rows of an
// older version are sealed on the next start.
func TestSecretKeyAtStartup(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"DAIYUN_DATA": data}
	mustRun(t, env, "client", "add", "--name", "Brand")
	mustRun(t, env, "shop", "add", "--client", "Brand", "--name", "US", "--platform", "shopify", "--category", "apparel",
		"--currency", "USD", "--timezone", "America/New_York")
	mustRun(t, env, "connect", "add", "--client", "Brand", "--shop", "US", "--kind", "shopify",
		"--cred", "shop=brand.myshopify.com", "--cred", "access_token=shpat_topsecret")
	keyFile := filepath.Join(data, "secret.key")
	st, err := os.Stat(keyFile)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", st, err)
	}
	raw := rawCredentials(t, data)
	if len(raw) != 1 || !strings.HasPrefix(raw[0], "dyenc:v1:") || strings.Contains(raw[0], "shpat_topsecret") {
		t.Fatalf("stored credentials: %q", raw)
	}
	list := mustRun(t, env, "connect", "list", "--format", "table")
	if strings.Contains(list, "shpat_topsecret") || !strings.Contains(list, "access_token=sha256:") {
		t.Fatalf("connect list: %s", list)
	}

	orig, _ := os.ReadFile(keyFile)
	os.Rename(keyFile, keyFile+".bak")
	if _, err := run(t, env, "connect", "list"); err == nil || !strings.Contains(err.Error(), "secret_key (DAIYUN_SECRET_KEY)") ||
		!strings.Contains(err.Error(), "encrypted with key sha256:") {
		t.Fatalf("without the key: %v", err)
	}
	if _, err := os.Stat(keyFile); err == nil {
		t.Fatal("a new key file was generated although credentials are sealed")
	}
	other := catalog.GenerateSecretKey()
	wrong := map[string]string{"DAIYUN_DATA": data, "DAIYUN_SECRET_KEY": other}
	if _, err := run(t, wrong, "connect", "list"); err == nil || !strings.Contains(err.Error(), "secret_key (DAIYUN_SECRET_KEY)") ||
		strings.Contains(err.Error(), other) {
		t.Fatalf("with another key: %v", err)
	}
	if _, err := run(t, map[string]string{"DAIYUN_DATA": data, "DAIYUN_SECRET_KEY": "short"}, "connect", "list"); err == nil ||
		!strings.Contains(err.Error(), "secret_key (DAIYUN_SECRET_KEY)") {
		t.Fatalf("with a malformed key: %v", err)
	}
	byEnv := map[string]string{"DAIYUN_DATA": data, "DAIYUN_SECRET_KEY": strings.TrimSpace(string(orig))}
	mustRun(t, byEnv, "connect", "list")

	// Rotation: the new key with the old one as previous re-seals.
	rotate := map[string]string{"DAIYUN_DATA": data, "DAIYUN_SECRET_KEY": other, "DAIYUN_SECRET_KEY_PREVIOUS": strings.TrimSpace(string(orig))}
	mustRun(t, rotate, "connect", "list")
	if out := mustRun(t, wrong, "connect", "status", "1", "--format", "json"); strings.Contains(out, "shpat_topsecret") {
		t.Fatalf("status printed a secret: %s", out)
	}
	if _, err := run(t, byEnv, "connect", "list"); err == nil {
		t.Fatal("the old key still opens rotated credentials")
	}

	// A plaintext row as an older version wrote it is sealed on start.
	s, err := catalog.Open(context.Background(), filepath.Join(data, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`UPDATE connections SET credentials='{"access_token":"plain_tok"}'`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	mustRun(t, wrong, "connect", "list")
	if raw := rawCredentials(t, data); strings.Contains(raw[0], "plain_tok") || !strings.HasPrefix(raw[0], "dyenc:v1:") {
		t.Fatalf("plaintext not sealed on start: %q", raw)
	}
}

// Alert channel URLs and secrets are sealed under the same key: stored
// sealed by `alerts channel-add`, a missing key refuses the start naming
// the setting, and a plaintext channel of an older version is sealed on
// the next start.
func TestSecretKeySealsAlertChannels(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"DAIYUN_DATA": data}
	mustRun(t, env, "alerts", "channel-add", "--name", "ding", "--kind", "dingtalk",
		"--url", "https://oapi.dingtalk.com/robot/send?access_token=robot_tok", "--secret", "SECsign")
	raw := func() (url, secret string) {
		s, err := catalog.Open(context.Background(), filepath.Join(data, "catalog.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.DB().QueryRow(`SELECT url, secret FROM alert_channels ORDER BY id LIMIT 1`).Scan(&url, &secret); err != nil {
			t.Fatal(err)
		}
		return url, secret
	}
	if url, secret := raw(); !strings.HasPrefix(url, "dyenc:v1:") || strings.Contains(url, "robot_tok") || !strings.HasPrefix(secret, "dyenc:v1:") {
		t.Fatalf("stored channel: %q %q", url, secret)
	}
	keyFile := filepath.Join(data, "secret.key")
	orig, _ := os.ReadFile(keyFile)
	os.Rename(keyFile, keyFile+".bak")
	if _, err := run(t, env, "client", "list"); err == nil || !strings.Contains(err.Error(), "secret_key (DAIYUN_SECRET_KEY)") ||
		!strings.Contains(err.Error(), "encrypted with key sha256:") {
		t.Fatalf("without the key: %v", err)
	}
	wrong := map[string]string{"DAIYUN_DATA": data, "DAIYUN_SECRET_KEY": catalog.GenerateSecretKey()}
	if _, err := run(t, wrong, "client", "list"); err == nil || !strings.Contains(err.Error(), "alert channel 1's url") {
		t.Fatalf("with another key: %v", err)
	}
	os.Rename(keyFile+".bak", keyFile)

	// A plaintext channel as an older version wrote it is sealed on start.
	s, err := catalog.Open(context.Background(), filepath.Join(data, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`UPDATE alert_channels SET url='https://hooks.example.com/plain_tok', secret=''`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	byEnv := map[string]string{"DAIYUN_DATA": data, "DAIYUN_SECRET_KEY": strings.TrimSpace(string(orig))}
	mustRun(t, byEnv, "client", "list")
	if url, secret := raw(); strings.Contains(url, "plain_tok") || !strings.HasPrefix(url, "dyenc:v1:") || secret != "" {
		t.Fatalf("plaintext not sealed on start: %q %q", url, secret)
	}
}
