package catalog

import (
	"context"
	"fmt"

	"github.com/daiyun/daiyun/alerting"
)

// The alerting channels' webhook URLs (which carry robot tokens) and
// DingTalk signing secrets, and the agency SMTP password, are stored sealed
// under the Store's secret key (secrets.go); callers get them in plain
// text. An empty value (no secret, no password) is stored empty.

// channelWhat names one secret column of a channel in errors.
func channelWhat(id int64, column string) string {
	return fmt.Sprintf("alert channel %d's %s", id, column)
}

// channelAAD binds a channel's sealed URL or secret to its row and column.
func channelAAD(id, clientID int64, kind, column string) []byte {
	return fmt.Appendf(nil, "daiyun alert channel\x00%d\x00%d\x00%s\x00%s", id, clientID, kind, column)
}

// smtpWhat names the SMTP password in errors.
const smtpWhat = "the SMTP password"

// smtpAAD binds the sealed SMTP password to the server and user it logs in
// to, so a stored address changed behind the product's back does not get
// the password.
func smtpAAD(addr, username string) []byte {
	return fmt.Appendf(nil, "daiyun smtp password\x00%s\x00%s", addr, username)
}

// sealText seals a non-empty secret; an empty one stays empty.
func (s *Store) sealText(what, plain string, aad []byte) (string, error) {
	if plain == "" {
		return "", nil
	}
	return s.secrets.seal(what, []byte(plain), aad)
}

// openText opens a stored secret (plaintext from an older version is read
// as it is).
func (s *Store) openText(what, stored string, aad []byte) (string, error) {
	plain, err := s.secrets.open(what, stored, aad)
	return string(plain), err
}

// sealChannel returns a channel's URL and secret sealed for storage; c.ID
// must be set.
func (s *Store) sealChannel(c alerting.Channel) (url, secret string, err error) {
	if url, err = s.sealText(channelWhat(c.ID, "url"), c.URL, channelAAD(c.ID, c.ClientID, c.Kind, "url")); err != nil {
		return "", "", err
	}
	secret, err = s.sealText(channelWhat(c.ID, "secret"), c.Secret, channelAAD(c.ID, c.ClientID, c.Kind, "secret"))
	return url, secret, err
}

// openChannel opens the stored URL and secret into c (ID, ClientID and Kind
// set).
func (s *Store) openChannel(c *alerting.Channel, url, secret string) error {
	var err error
	if c.URL, err = s.openText(channelWhat(c.ID, "url"), url, channelAAD(c.ID, c.ClientID, c.Kind, "url")); err != nil {
		return err
	}
	c.Secret, err = s.openText(channelWhat(c.ID, "secret"), secret, channelAAD(c.ID, c.ClientID, c.Kind, "secret"))
	return err
}

// SealAlertSecrets brings the channels' URLs and secrets and the SMTP
// password under the current key, in one transaction, as SealCredentials
// does for connector credentials: plaintext values are encrypted, values
// sealed with a previous key are re-sealed, values already sealed are
// checked to open. It fails with a *KeyMismatchError on a value sealed with
// a key the Store does not have, and changes nothing then. It runs at
// start-up, below the actor checks.
func (s *Store) SealAlertSecrets(ctx context.Context) (SealReport, error) {
	return s.sealPass(ctx, func(ctx context.Context, q queryer, rep *SealReport) ([]sealUpdate, error) {
		updates, err := s.resealChannels(ctx, q, rep)
		if err != nil {
			return nil, err
		}
		var addr, username, password string
		err = q.QueryRowContext(ctx, `SELECT addr, username, password FROM alert_smtp WHERE id=1`).Scan(&addr, &username, &password)
		switch {
		case isNoRows(err):
		case err != nil:
			return nil, fmt.Errorf("catalog: seal %s: %w", smtpWhat, err)
		case password != "":
			val, changed, err := s.secrets.reseal(rep, smtpWhat, password, smtpAAD(addr, username), nil)
			if err != nil {
				return nil, err
			}
			if changed {
				updates = append(updates, sealUpdate{smtpWhat, `UPDATE alert_smtp SET password=$1 WHERE id=1`, []any{val}})
			}
		}
		return updates, nil
	})
}

// resealChannels is SealAlertSecrets' pass over the channels.
func (s *Store) resealChannels(ctx context.Context, q queryer, rep *SealReport) ([]sealUpdate, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, COALESCE(client_id, 0), kind, url, secret FROM alert_channels ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("catalog: seal alert channels: %w", err)
	}
	defer rows.Close()
	var updates []sealUpdate
	for rows.Next() {
		var c alerting.Channel
		var url, secret string
		if err := rows.Scan(&c.ID, &c.ClientID, &c.Kind, &url, &secret); err != nil {
			return nil, fmt.Errorf("catalog: seal alert channels: %w", err)
		}
		for _, col := range []struct{ name, stored string }{{"url", url}, {"secret", secret}} {
			if col.stored == "" {
				continue
			}
			what := channelWhat(c.ID, col.name)
			val, changed, err := s.secrets.reseal(rep, what, col.stored, channelAAD(c.ID, c.ClientID, c.Kind, col.name), nil)
			if err != nil {
				return nil, err
			}
			if changed {
				// col.name is one of two literal column names.
				updates = append(updates, sealUpdate{what, `UPDATE alert_channels SET ` + col.name + `=$1 WHERE id=$2`, []any{val, c.ID}})
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("catalog: seal alert channels: %w", err)
	}
	return updates, nil
}
