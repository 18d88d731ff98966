package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
)

// The secret key seals the catalog's secrets (AES-256-GCM,
// catalog/secrets.go): connector credentials, alert channels' webhook URLs
// and signing secrets, the agency SMTP password. It comes from secret_key / DAIYUN_SECRET_KEY or,
// when none is configured, from the key file DATA/secret.key, generated
// once with mode 0600. docs/operations.md says how to back it up and
// rotate it.

// secretKeyPath is the generated key file of the data directory.
func secretKeyPath(c Config) string { return filepath.Join(c.DataDir, "secret.key") }

const secretKeySetting = "secret_key (DAIYUN_SECRET_KEY)"

// unlockCredentials gives the catalog its secret key and brings every
// stored secret under it (connector credentials, then the alert channels'
// URLs and secrets and the SMTP password): plaintext values from before
// encryption are encrypted, values sealed with secret_key_previous are
// re-sealed. It refuses, naming the setting, when sealed secrets exist and
// the key is missing or another one.
func (m *Main) unlockCredentials(ctx context.Context, s *catalog.Store) error {
	sealed, err := s.SealedKeyFingerprints(ctx)
	if err != nil {
		return err
	}
	key, from, err := m.secretKey(sealed)
	if err != nil {
		return err
	}
	var prev []*catalog.SecretKey
	if m.Config.SecretKeyPrevious != "" {
		k, err := catalog.ParseSecretKey(m.Config.SecretKeyPrevious)
		if err != nil {
			return daiyun.Errorf(daiyun.EINVALID, "secret_key_previous (DAIYUN_SECRET_KEY_PREVIOUS): %s", daiyun.ErrorMessage(err))
		}
		prev = append(prev, k)
	}
	s.SetSecretKey(key, prev...)
	rep, err := s.SealCredentials(ctx)
	if err == nil {
		var alerts catalog.SealReport
		alerts, err = s.SealAlertSecrets(ctx)
		rep = rep.Add(alerts)
	}
	var km *catalog.KeyMismatchError
	if errors.As(err, &km) {
		return daiyun.Errorf(daiyun.EINVALID, "%s; the key in use comes from %s. Set %s to the key they were encrypted with, "+
			"or, to rotate, give that key as secret_key_previous (DAIYUN_SECRET_KEY_PREVIOUS) beside the new %s", km.Error(), from, secretKeySetting, secretKeySetting)
	}
	if err != nil {
		return fmt.Errorf("stored secrets (key %s from %s): %w", key.Fingerprint(), from, err)
	}
	if m.Logger != nil && rep.Sealed+rep.Resealed > 0 {
		m.Logger.Info("stored secrets encrypted", "plaintext_encrypted", rep.Sealed, "re_encrypted", rep.Resealed,
			"key", key.Fingerprint(), "key_from", from)
	}
	return nil
}

// secretKey returns the configured key, or the key file's, generating the
// file when there is none and no secret is sealed yet. from says where
// the key came from, for messages.
func (m *Main) secretKey(sealed []string) (key *catalog.SecretKey, from string, err error) {
	if m.Config.SecretKey != "" {
		k, err := catalog.ParseSecretKey(m.Config.SecretKey)
		if err != nil {
			return nil, "", daiyun.Errorf(daiyun.EINVALID, "%s: %s", secretKeySetting, daiyun.ErrorMessage(err))
		}
		return k, secretKeySetting, nil
	}
	path := secretKeyPath(m.Config)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		k, err := catalog.ParseSecretKey(string(b))
		if err != nil {
			return nil, "", daiyun.Errorf(daiyun.EINVALID, "key file %s: %s; restore it from its backup or set %s", path, daiyun.ErrorMessage(err), secretKeySetting)
		}
		return k, "the key file " + path, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, "", fmt.Errorf("key file %s: %w", path, err)
	case len(sealed) > 0:
		return nil, "", daiyun.Errorf(daiyun.EINVALID, "the catalog holds secrets (connector credentials, alert channels, SMTP password) encrypted with key %s, but no secret key is configured "+
			"and the key file %s does not exist: set %s, or restore the key file from its backup", strings.Join(sealed, ", "), path, secretKeySetting)
	}
	if err := os.MkdirAll(m.Config.DataDir, 0o700); err != nil {
		return nil, "", fmt.Errorf("key file %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Another process made it between our read and now: use theirs.
		return m.secretKey(sealed)
	}
	if err != nil {
		return nil, "", fmt.Errorf("key file %s: %w", path, err)
	}
	_, werr := f.WriteString(catalog.GenerateSecretKey() + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(path)
		return nil, "", fmt.Errorf("key file %s: %w", path, werr)
	}
	if m.Logger != nil {
		m.Logger.Info("generated the secret key for the catalog's secrets; back it up with the catalog", "file", path)
	}
	return m.secretKey(sealed)
}
