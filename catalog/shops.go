package catalog

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/daiyun/daiyun"
)

// CreateShop adds a shop to a client and sets s.ID.
func (s *Store) CreateShop(ctx context.Context, sh *daiyun.Shop) error {
	if err := mustManage(ctx); err != nil {
		return err
	}
	sh.Name = strings.TrimSpace(sh.Name)
	sh.Currency = strings.ToUpper(strings.TrimSpace(sh.Currency))
	if err := sh.Validate(); err != nil {
		return err
	}
	if _, err := s.Client(ctx, sh.ClientID); err != nil {
		return err
	}
	sh.CreatedAt = s.now()
	err := s.db.QueryRowContext(ctx, `INSERT INTO shops (client_id, name, platform, category, currency, timezone, external_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		sh.ClientID, sh.Name, string(sh.Platform), sh.Category, sh.Currency, sh.Timezone, sh.ExternalID, sh.CreatedAt).Scan(&sh.ID)
	if isUnique(err) {
		return daiyun.Errorf(daiyun.ECONFLICT, "client %d already has a shop named %q", sh.ClientID, sh.Name)
	}
	if err != nil {
		return fmt.Errorf("catalog: create shop: %w", err)
	}
	return s.audit(ctx, sh.ClientID, "shop.create", sh.Name)
}

// UpdateShop changes a shop's name, platform, category, currency, timezone
// and external id.
func (s *Store) UpdateShop(ctx context.Context, sh *daiyun.Shop) error {
	if err := mustManage(ctx); err != nil {
		return err
	}
	old, err := s.Shop(ctx, sh.ID)
	if err != nil {
		return err
	}
	sh.ClientID = old.ClientID
	sh.CreatedAt = old.CreatedAt
	sh.Currency = strings.ToUpper(strings.TrimSpace(sh.Currency))
	if err := sh.Validate(); err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `UPDATE shops SET name=$1, platform=$2, category=$3, currency=$4, timezone=$5, external_id=$6 WHERE id=$7`,
		sh.Name, string(sh.Platform), sh.Category, sh.Currency, sh.Timezone, sh.ExternalID, sh.ID)
	if isUnique(err) {
		return daiyun.Errorf(daiyun.ECONFLICT, "client %d already has a shop named %q", sh.ClientID, sh.Name)
	}
	if err != nil {
		return fmt.Errorf("catalog: update shop: %w", err)
	}
	return s.audit(ctx, sh.ClientID, "shop.update", sh.Name)
}

// DeleteShop removes a shop from the catalog.
func (s *Store) DeleteShop(ctx context.Context, id int64) error {
	if err := mustManage(ctx); err != nil {
		return err
	}
	sh, err := s.Shop(ctx, id)
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM shops WHERE id=$1`, id); err != nil {
		return fmt.Errorf("catalog: delete shop: %w", err)
	}
	return s.audit(ctx, sh.ClientID, "shop.delete", sh.Name)
}

const shopCols = `id, client_id, name, platform, category, currency, timezone, external_id, created_at`

func scanShop(row interface{ Scan(...any) error }) (daiyun.Shop, error) {
	var sh daiyun.Shop
	var platform string
	err := row.Scan(&sh.ID, &sh.ClientID, &sh.Name, &platform, &sh.Category, &sh.Currency, &sh.Timezone, &sh.ExternalID, &sh.CreatedAt)
	sh.Platform = daiyun.Platform(platform)
	sh.CreatedAt = sh.CreatedAt.UTC()
	return sh, err
}

// ShopFilter narrows a shop listing; zero fields match everything.
type ShopFilter struct {
	ClientID int64
	Platform daiyun.Platform
	Category string
}

// Shops lists the shops the actor may see, by client then name.
func (s *Store) Shops(ctx context.Context, f ShopFilter) ([]daiyun.Shop, error) {
	where, args := []string{clientScope(ctx, "client_id")}, []any{}
	if f.ClientID != 0 {
		args = append(args, f.ClientID)
		where = append(where, "client_id=$"+strconv.Itoa(len(args)))
	}
	if f.Platform != "" {
		args = append(args, string(f.Platform))
		where = append(where, "platform=$"+strconv.Itoa(len(args)))
	}
	if f.Category != "" {
		args = append(args, f.Category)
		where = append(where, "category=$"+strconv.Itoa(len(args)))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+shopCols+` FROM shops WHERE `+strings.Join(where, " AND ")+` ORDER BY client_id, name`, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: list shops: %w", err)
	}
	defer rows.Close()
	var out []daiyun.Shop
	for rows.Next() {
		sh, err := scanShop(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sh)
	}
	return out, rows.Err()
}

// Shop returns one shop the actor may see.
func (s *Store) Shop(ctx context.Context, id int64) (daiyun.Shop, error) {
	sh, err := scanShop(s.db.QueryRowContext(ctx, `SELECT `+shopCols+` FROM shops WHERE id=$1 AND `+clientScope(ctx, "client_id"), id))
	if isNoRows(err) {
		return sh, notFound("shop", id)
	}
	return sh, err
}

// FindShop resolves a shop of a client by numeric id or exact name.
func (s *Store) FindShop(ctx context.Context, clientID int64, nameOrID string) (daiyun.Shop, error) {
	if id, err := strconv.ParseInt(nameOrID, 10, 64); err == nil {
		sh, err := s.Shop(ctx, id)
		if err == nil && clientID != 0 && sh.ClientID != clientID {
			return daiyun.Shop{}, notFound("shop", id)
		}
		return sh, err
	}
	sh, err := scanShop(s.db.QueryRowContext(ctx, `SELECT `+shopCols+` FROM shops WHERE client_id=$1 AND name=$2 AND `+clientScope(ctx, "client_id"),
		clientID, strings.TrimSpace(nameOrID)))
	if isNoRows(err) {
		return sh, notFound("shop", strconv.Quote(nameOrID))
	}
	return sh, err
}
