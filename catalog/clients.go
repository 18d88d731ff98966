package catalog

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/daiyun/daiyun"
)

// CreateClient adds a client with a fresh pseudonymisation key and sets c.ID.
func (s *Store) CreateClient(ctx context.Context, c *daiyun.Client) error {
	if err := mustManage(ctx); err != nil {
		return err
	}
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		return daiyun.Errorf(daiyun.EINVALID, "client name is required")
	}
	if c.Package == "" {
		c.Package = daiyun.PackageBasic
	}
	if !c.Package.Valid() {
		return daiyun.Errorf(daiyun.EINVALID, "package %q is not one of basic, advanced, full", c.Package)
	}
	for _, a := range c.Addons {
		if !validAddon(a) {
			return daiyun.Errorf(daiyun.EINVALID, "add-on %q is not one of %v", a, daiyun.Addons)
		}
	}
	if c.Addons == nil {
		c.Addons = []string{}
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("catalog: client key: %w", err)
	}
	addons, _ := json.Marshal(c.Addons)
	c.CreatedAt = s.now()
	err := s.db.QueryRowContext(ctx, `INSERT INTO clients (name, package, addons, note, pseudonym_key, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		c.Name, string(c.Package), string(addons), c.Note, key, c.CreatedAt).Scan(&c.ID)
	if isUnique(err) {
		return daiyun.Errorf(daiyun.ECONFLICT, "a client named %q already exists", c.Name)
	}
	if err != nil {
		return fmt.Errorf("catalog: create client: %w", err)
	}
	return s.audit(ctx, c.ID, "client.create", c.Name)
}

func validAddon(a string) bool {
	for _, x := range daiyun.Addons {
		if a == x {
			return true
		}
	}
	return false
}

// UpdateClient changes a client's name, package, add-ons and note.
func (s *Store) UpdateClient(ctx context.Context, c *daiyun.Client) error {
	if err := mustManage(ctx); err != nil {
		return err
	}
	if !c.Package.Valid() {
		return daiyun.Errorf(daiyun.EINVALID, "package %q is not one of basic, advanced, full", c.Package)
	}
	for _, a := range c.Addons {
		if !validAddon(a) {
			return daiyun.Errorf(daiyun.EINVALID, "add-on %q is not one of %v", a, daiyun.Addons)
		}
	}
	addons, _ := json.Marshal(c.Addons)
	res, err := s.db.ExecContext(ctx, `UPDATE clients SET name=$1, package=$2, addons=$3, note=$4 WHERE id=$5`,
		strings.TrimSpace(c.Name), string(c.Package), string(addons), c.Note, c.ID)
	if isUnique(err) {
		return daiyun.Errorf(daiyun.ECONFLICT, "a client named %q already exists", c.Name)
	}
	if err != nil {
		return fmt.Errorf("catalog: update client: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("client", c.ID)
	}
	return s.audit(ctx, c.ID, "client.update", c.Name)
}

// DeleteClient removes a client and everything the catalog holds for it
// (shops, contracts, client users, assignments, keys). The warehouse facts
// are erased separately (off-boarding erases both).
func (s *Store) DeleteClient(ctx context.Context, id int64) error {
	if err := mustManage(ctx); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM clients WHERE id=$1`, id)
	if err != nil {
		return fmt.Errorf("catalog: delete client: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("client", id)
	}
	return s.audit(ctx, id, "client.delete", strconv.FormatInt(id, 10))
}

const clientCols = `id, name, package, addons, note, created_at`

func scanClient(row interface{ Scan(...any) error }) (daiyun.Client, error) {
	var c daiyun.Client
	var pkg, addons string
	err := row.Scan(&c.ID, &c.Name, &pkg, &addons, &c.Note, &c.CreatedAt)
	c.Package = daiyun.Package(pkg)
	json.Unmarshal([]byte(addons), &c.Addons)
	if c.Addons == nil {
		c.Addons = []string{}
	}
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

// Clients lists the clients the actor may see, by name.
func (s *Store) Clients(ctx context.Context) ([]daiyun.Client, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+clientCols+` FROM clients WHERE `+clientScope(ctx, "id")+` ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("catalog: list clients: %w", err)
	}
	defer rows.Close()
	var out []daiyun.Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Client returns one client the actor may see.
func (s *Store) Client(ctx context.Context, id int64) (daiyun.Client, error) {
	c, err := scanClient(s.db.QueryRowContext(ctx, `SELECT `+clientCols+` FROM clients WHERE id=$1 AND `+clientScope(ctx, "id"), id))
	if isNoRows(err) {
		return c, notFound("client", id)
	}
	return c, err
}

// FindClient resolves a client by numeric id or exact name, among those the
// actor may see (the CLI's NAME_OR_ID arguments).
func (s *Store) FindClient(ctx context.Context, nameOrID string) (daiyun.Client, error) {
	if id, err := strconv.ParseInt(nameOrID, 10, 64); err == nil {
		return s.Client(ctx, id)
	}
	c, err := scanClient(s.db.QueryRowContext(ctx, `SELECT `+clientCols+` FROM clients WHERE name=$1 AND `+clientScope(ctx, "id"), strings.TrimSpace(nameOrID)))
	if isNoRows(err) {
		return c, notFound("client", strconv.Quote(nameOrID))
	}
	return c, err
}

// ClientKey returns the client's pseudonymisation key (PRODUCT.md B6).
func (s *Store) ClientKey(ctx context.Context, clientID int64) ([]byte, error) {
	if err := mustSee(ctx, clientID); err != nil {
		return nil, err
	}
	var key []byte
	err := s.db.QueryRowContext(ctx, `SELECT pseudonym_key FROM clients WHERE id=$1`, clientID).Scan(&key)
	if err == sql.ErrNoRows {
		return nil, notFound("client", clientID)
	}
	return key, err
}

// RotateClientKey gives the client a new pseudonymisation key. Buyer ids
// written before keep their old values; re-import to re-key history.
func (s *Store) RotateClientKey(ctx context.Context, clientID int64) error {
	if err := mustManage(ctx); err != nil {
		return err
	}
	key := make([]byte, 32)
	rand.Read(key)
	res, err := s.db.ExecContext(ctx, `UPDATE clients SET pseudonym_key=$1 WHERE id=$2`, key, clientID)
	if err != nil {
		return fmt.Errorf("catalog: rotate key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("client", clientID)
	}
	return s.audit(ctx, clientID, "client.rotate_key", "")
}
