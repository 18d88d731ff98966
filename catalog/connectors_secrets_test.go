package catalog_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/daiyun/daiyun/catalog"
)

func mustKey(t *testing.T) *catalog.SecretKey {
	t.Helper()
	k, err := catalog.ParseSecretKey(catalog.GenerateSecretKey())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// storedCredentials reads a connection's credentials column as stored.
func storedCredentials(t *testing.T, s *catalog.Store, id int64) string {
	t.Helper()
	var v string
	if err := s.DB().QueryRow(`SELECT credentials FROM connections WHERE id=$1`, id).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCredentialsSealedAtRest(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *catalog.Store) {
		a := mustClient(t, s, "A")
		shopA, shopA2 := mustShop(t, s, a.ID, "a"), mustShop(t, s, a.ID, "a2")
		key := mustKey(t)
		s.SetSecretKey(key)
		c := catalog.Connection{ShopID: shopA.ID, Kind: catalog.ConnectorShopify, Credentials: map[string]string{"access_token": "shpat_secret_123", "api_secret": "whsec_456"}}
		if err := s.CreateConnection(sys, &c); err != nil {
			t.Fatal(err)
		}
		raw := storedCredentials(t, s, c.ID)
		if !strings.HasPrefix(raw, "dyenc:v1:") || strings.Contains(raw, "shpat_secret_123") || strings.Contains(raw, "whsec_456") {
			t.Fatalf("stored credentials are not sealed: %q", raw)
		}
		got, err := s.Connection(sys, c.ID)
		if err != nil || got.Credentials["access_token"] != "shpat_secret_123" || got.Credentials["api_secret"] != "whsec_456" {
			t.Fatalf("connection = %+v, %v", got.Credentials, err)
		}
		// JSON shows fingerprints only.
		b, _ := json.Marshal(got)
		if strings.Contains(string(b), "shpat_secret_123") || !strings.Contains(string(b), `"access_token":"sha256:`) {
			t.Fatalf("JSON leaks or lacks the fingerprint: %s", b)
		}
		// A sealed value moved onto another connection does not open.
		c2 := catalog.Connection{ShopID: shopA2.ID, Kind: catalog.ConnectorShopify, Credentials: map[string]string{"access_token": "other"}}
		if err := s.CreateConnection(sys, &c2); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`UPDATE connections SET credentials=$1 WHERE id=$2`, raw, c2.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Connection(sys, c2.ID); err == nil || !strings.Contains(err.Error(), "does not open") {
			t.Fatalf("a moved sealed value opened: %v", err)
		}
		if _, err := s.SealCredentials(sys); err == nil {
			t.Fatal("SealCredentials accepted a value that does not open")
		}
		if _, err := s.DB().Exec(`DELETE FROM connections WHERE id=$1`, c2.ID); err != nil {
			t.Fatal(err)
		}
		// Another key: reads and start-up checks refuse, naming both keys.
		other := mustKey(t)
		s.SetSecretKey(other)
		var km *catalog.KeyMismatchError
		if _, err := s.Connection(sys, c.ID); !errors.As(err, &km) || km.Sealed != key.Fingerprint() || km.Configured != other.Fingerprint() {
			t.Fatalf("read with the wrong key: %v", err)
		}
		if _, err := s.SealCredentials(sys); !errors.As(err, &km) {
			t.Fatalf("SealCredentials with the wrong key: %v", err)
		}
		fps, err := s.SealedKeyFingerprints(sys)
		if err != nil || len(fps) != 1 || fps[0] != key.Fingerprint() {
			t.Fatalf("sealed fingerprints = %v, %v", fps, err)
		}
		// Rotation: the old key given as previous is re-sealed under the new one.
		s.SetSecretKey(other, key)
		rep, err := s.SealCredentials(sys)
		if err != nil || rep.Resealed != 1 {
			t.Fatalf("rotate: %+v, %v", rep, err)
		}
		s.SetSecretKey(other)
		if got, err := s.Connection(sys, c.ID); err != nil || got.Credentials["access_token"] != "shpat_secret_123" {
			t.Fatalf("after rotation: %+v, %v", got.Credentials, err)
		}
		if fps, _ := s.SealedKeyFingerprints(sys); len(fps) != 1 || fps[0] != other.Fingerprint() {
			t.Fatalf("after rotation sealed with %v", fps)
		}
	})
}

func TestPlaintextCredentialsMigrated(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *catalog.Store) {
		a := mustClient(t, s, "A")
		shopA := mustShop(t, s, a.ID, "a")
		// A row as a version before encryption wrote it.
		_, err := s.DB().Exec(`INSERT INTO connections (client_id, shop_id, kind, base_url, credentials, enabled, interval_s, created_at)
			VALUES ($1, $2, 'taobao', '', $3, $4, 900, $5)`, a.ID, shopA.ID, `{"app_key":"k1","app_secret":"plain-secret"}`, true, "2026-01-02T03:04:05Z")
		if err != nil {
			t.Fatal(err)
		}
		if fps, err := s.SealedKeyFingerprints(sys); err != nil || len(fps) != 0 {
			t.Fatalf("plaintext counted as sealed: %v, %v", fps, err)
		}
		s.SetSecretKey(mustKey(t))
		rep, err := s.SealCredentials(sys)
		if err != nil || rep.Sealed != 1 || rep.Resealed != 0 {
			t.Fatalf("migrate: %+v, %v", rep, err)
		}
		cs, err := s.Connections(sys, catalog.ConnectionFilter{})
		if err != nil || len(cs) != 1 || cs[0].Credentials["app_secret"] != "plain-secret" {
			t.Fatalf("after migration: %+v, %v", cs, err)
		}
		if raw := storedCredentials(t, s, cs[0].ID); strings.Contains(raw, "plain-secret") || !strings.HasPrefix(raw, "dyenc:v1:") {
			t.Fatalf("still plaintext: %q", raw)
		}
		// A second start finds everything sealed and verifies it.
		if rep, err := s.SealCredentials(sys); err != nil || rep.Verified != 1 || rep.Sealed != 0 {
			t.Fatalf("second start: %+v, %v", rep, err)
		}
	})
}

func TestParseSecretKey(t *testing.T) {
	for _, bad := range []string{"", "not base64!!", "c2hvcnQ="} {
		if _, err := catalog.ParseSecretKey(bad); err == nil {
			t.Errorf("ParseSecretKey(%q) accepted", bad)
		} else if bad != "" && strings.Contains(err.Error(), bad) {
			t.Errorf("the error repeats the value: %v", err)
		}
	}
	k := mustKey(t)
	if !strings.HasPrefix(k.Fingerprint(), "sha256:") || len(k.Fingerprint()) != len("sha256:")+12 {
		t.Fatalf("fingerprint %q", k.Fingerprint())
	}
}
