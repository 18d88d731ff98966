package catalog_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/daiyun/daiyun/alerting"
	"github.com/daiyun/daiyun/catalog"
)

const (
	hookURL    = "https://oapi.dingtalk.com/robot/send?access_token=robot-token-123"
	hookSecret = "SECdingtalk-sign-456"
	smtpPass   = "smtp-pass-789"
)

// storedChannel reads a channel's url and secret columns as stored.
func storedChannel(t *testing.T, s *catalog.Store, id int64) (url, secret string) {
	t.Helper()
	if err := s.DB().QueryRow(`SELECT url, secret FROM alert_channels WHERE id=$1`, id).Scan(&url, &secret); err != nil {
		t.Fatal(err)
	}
	return url, secret
}

// storedSMTPPassword reads the SMTP password column as stored.
func storedSMTPPassword(t *testing.T, s *catalog.Store) string {
	t.Helper()
	var v string
	if err := s.DB().QueryRow(`SELECT password FROM alert_smtp WHERE id=1`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func sealedWithout(t *testing.T, what, stored, plain string) {
	t.Helper()
	if !strings.HasPrefix(stored, "dyenc:v1:") || strings.Contains(stored, plain) {
		t.Fatalf("%s is not sealed: %q", what, stored)
	}
}

func TestAlertSecretsSealedAtRest(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *catalog.Store) {
		a := mustClient(t, s, "A")
		ch := alerting.Channel{ClientID: a.ID, Name: "ding", Kind: alerting.ChannelDingTalk, URL: hookURL, Secret: hookSecret}
		if err := s.PutAlertChannel(sys, &ch); !errors.Is(err, catalog.ErrNoSecretKey) {
			t.Fatalf("a channel was stored without a key: %v", err)
		}
		key := mustKey(t)
		s.SetSecretKey(key)
		if err := s.PutAlertChannel(sys, &ch); err != nil {
			t.Fatal(err)
		}
		plainHook := alerting.Channel{Name: "plain", Kind: alerting.ChannelWebhook, URL: "https://hooks.example.com/x?token=abc"}
		if err := s.PutAlertChannel(sys, &plainHook); err != nil {
			t.Fatal(err)
		}
		url, secret := storedChannel(t, s, ch.ID)
		sealedWithout(t, "channel url", url, "robot-token-123")
		sealedWithout(t, "channel secret", secret, hookSecret)
		if _, secret := storedChannel(t, s, plainHook.ID); secret != "" {
			t.Fatalf("an empty secret is stored as %q", secret)
		}
		got, err := s.AlertChannel(sys, ch.ID)
		if err != nil || got.URL != hookURL || got.Secret != hookSecret {
			t.Fatalf("channel = %+v, %v", got, err)
		}
		if v := got.View(); v.Host != "https://oapi.dingtalk.com" || v.URLFingerprint != alerting.Fingerprint(hookURL) {
			t.Fatalf("view = %+v", v)
		}
		st, err := s.PutSMTPSettings(sys, alerting.SMTPSettings{Addr: "smtp.example.com:587", From: "alerts@example.com", Username: "alerts", Password: smtpPass}, false)
		if err != nil || st.Password != smtpPass || st.PasswordFingerprint != alerting.Fingerprint(smtpPass) {
			t.Fatalf("smtp = %+v, %v", st, err)
		}
		sealedWithout(t, "smtp password", storedSMTPPassword(t, s), smtpPass)
		// Changing the address keeps the password, sealed for the new address.
		if st, err = s.PutSMTPSettings(sys, alerting.SMTPSettings{Addr: "mail.example.com:465", From: "alerts@example.com", Username: "alerts"}, false); err != nil || st.Password != smtpPass {
			t.Fatalf("smtp after address change = %+v, %v", st, err)
		}
		if rep, err := s.SealAlertSecrets(sys); err != nil || rep != (catalog.SealReport{Verified: 4}) {
			t.Fatalf("verify: %+v, %v", rep, err)
		}

		// A sealed value copied onto another row, or into the other column,
		// does not open; nor does the password once its server is changed.
		if _, err := s.DB().Exec(`UPDATE alert_channels SET url=$1 WHERE id=$2`, url, plainHook.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AlertChannel(sys, plainHook.ID); err == nil || !strings.Contains(err.Error(), "does not open") {
			t.Fatalf("a url moved to another channel opened: %v", err)
		}
		if _, err := s.SealAlertSecrets(sys); err == nil {
			t.Fatal("SealAlertSecrets accepted a value that does not open")
		}
		if _, err := s.DB().Exec(`DELETE FROM alert_channels WHERE id=$1`, plainHook.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`UPDATE alert_channels SET url=$1, secret=$2 WHERE id=$3`, secret, url, ch.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AlertChannel(sys, ch.ID); err == nil || !strings.Contains(err.Error(), "does not open") {
			t.Fatalf("swapped url and secret opened: %v", err)
		}
		if _, err := s.DB().Exec(`UPDATE alert_channels SET url=$1, secret=$2 WHERE id=$3`, url, secret, ch.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`UPDATE alert_smtp SET addr='evil.example.net:25'`); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SMTPSettings(sys); err == nil || !strings.Contains(err.Error(), "does not open") {
			t.Fatalf("the password opened for another server: %v", err)
		}
		if _, err := s.DB().Exec(`UPDATE alert_smtp SET addr='mail.example.com:465'`); err != nil {
			t.Fatal(err)
		}

		// Another key: reads and the start-up pass refuse, naming both keys,
		// and the sealed values are counted.
		other := mustKey(t)
		s.SetSecretKey(other)
		var km *catalog.KeyMismatchError
		if _, err := s.AlertChannels(sys, 0); !errors.As(err, &km) || km.Sealed != key.Fingerprint() || km.Configured != other.Fingerprint() {
			t.Fatalf("channels with the wrong key: %v", err)
		}
		if _, _, err := s.SMTPSettings(sys); !errors.As(err, &km) {
			t.Fatalf("smtp with the wrong key: %v", err)
		}
		if _, err := s.SealAlertSecrets(sys); !errors.As(err, &km) {
			t.Fatalf("SealAlertSecrets with the wrong key: %v", err)
		}
		if fps, err := s.SealedKeyFingerprints(sys); err != nil || len(fps) != 1 || fps[0] != key.Fingerprint() {
			t.Fatalf("sealed fingerprints = %v, %v", fps, err)
		}

		// Rotation: the old key given as previous is re-sealed under the new one.
		s.SetSecretKey(other, key)
		if rep, err := s.SealAlertSecrets(sys); err != nil || rep.Resealed != 3 {
			t.Fatalf("rotate: %+v, %v", rep, err)
		}
		s.SetSecretKey(other)
		if got, err := s.AlertChannel(sys, ch.ID); err != nil || got.URL != hookURL || got.Secret != hookSecret {
			t.Fatalf("after rotation: %+v, %v", got, err)
		}
		if st, _, err := s.SMTPSettings(sys); err != nil || st.Password != smtpPass {
			t.Fatalf("smtp after rotation: %+v, %v", st, err)
		}
		if fps, _ := s.SealedKeyFingerprints(sys); len(fps) != 1 || fps[0] != other.Fingerprint() {
			t.Fatalf("after rotation sealed with %v", fps)
		}
	})
}

func TestPlaintextAlertSecretsMigrated(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *catalog.Store) {
		a := mustClient(t, s, "A")
		// Rows as a version before encryption wrote them.
		if _, err := s.DB().Exec(`INSERT INTO alert_channels (client_id, name, kind, url, secret, min_level, lang, created_at)
			VALUES ($1, 'ding', 'dingtalk', $2, $3, 1, 'zh-CN', $4)`, a.ID, hookURL, hookSecret, "2026-01-02T03:04:05Z"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`INSERT INTO alert_smtp (id, addr, from_addr, username, password, updated_at)
			VALUES (1, 'smtp.example.com:587', 'alerts@example.com', 'alerts', $1, $2)`, smtpPass, "2026-01-02T03:04:05Z"); err != nil {
			t.Fatal(err)
		}
		if fps, err := s.SealedKeyFingerprints(sys); err != nil || len(fps) != 0 {
			t.Fatalf("plaintext counted as sealed: %v, %v", fps, err)
		}
		// Readable as they are until the start-up pass runs.
		if cs, err := s.AlertChannels(sys, 0); err != nil || len(cs) != 1 || cs[0].URL != hookURL {
			t.Fatalf("plaintext channels: %+v, %v", cs, err)
		}
		key := mustKey(t)
		s.SetSecretKey(key)
		rep, err := s.SealAlertSecrets(sys)
		if err != nil || rep != (catalog.SealReport{Sealed: 3}) {
			t.Fatalf("migrate: %+v, %v", rep, err)
		}
		cs, err := s.AlertChannels(sys, 0)
		if err != nil || len(cs) != 1 || cs[0].URL != hookURL || cs[0].Secret != hookSecret {
			t.Fatalf("after migration: %+v, %v", cs, err)
		}
		url, secret := storedChannel(t, s, cs[0].ID)
		sealedWithout(t, "channel url", url, "robot-token-123")
		sealedWithout(t, "channel secret", secret, hookSecret)
		sealedWithout(t, "smtp password", storedSMTPPassword(t, s), smtpPass)
		if st, _, err := s.SMTPSettings(sys); err != nil || st.Password != smtpPass {
			t.Fatalf("smtp after migration: %+v, %v", st, err)
		}
		if fps, err := s.SealedKeyFingerprints(sys); err != nil || len(fps) != 1 || fps[0] != key.Fingerprint() {
			t.Fatalf("sealed fingerprints = %v, %v", fps, err)
		}
		// A second start finds everything sealed and verifies it.
		if rep, err := s.SealAlertSecrets(sys); err != nil || rep != (catalog.SealReport{Verified: 3}) {
			t.Fatalf("second start: %+v, %v", rep, err)
		}
	})
}
