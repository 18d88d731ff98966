package catalog

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/daiyun/daiyun"
)

// CreateContract records a contract for a client and sets c.ID.
func (s *Store) CreateContract(ctx context.Context, c *daiyun.Contract) error {
	if err := mustManage(ctx); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if _, err := s.Client(ctx, c.ClientID); err != nil {
		return err
	}
	if c.Payments == nil {
		c.Payments = []daiyun.PaymentStage{}
	}
	if c.CommittedKPIs == nil {
		c.CommittedKPIs = []daiyun.CommittedKPI{}
	}
	pay, _ := json.Marshal(c.Payments)
	kpis, _ := json.Marshal(c.CommittedKPIs)
	c.CreatedAt = s.now()
	err := s.db.QueryRowContext(ctx, `INSERT INTO contracts (client_id, package, currency, start_date, end_date,
		base_fee_minor, commission_bp, deposit_minor, auto_renew, renewal_notice_days, marketing_budget_minor,
		payments, committed_kpis, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) RETURNING id`,
		c.ClientID, string(c.Package), c.Currency, c.StartDate.String(), c.EndDate.String(),
		c.BaseFeeMinor, c.CommissionBP, c.DepositMinor, c.AutoRenew, c.RenewalNotice, c.MarketingBudget,
		string(pay), string(kpis), c.CreatedAt).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("catalog: create contract: %w", err)
	}
	return s.audit(ctx, c.ClientID, "contract.create", fmt.Sprint(c.ID))
}

const contractCols = `id, client_id, package, currency, start_date, end_date, base_fee_minor, commission_bp,
	deposit_minor, auto_renew, renewal_notice_days, marketing_budget_minor, payments, committed_kpis, created_at`

func scanContract(row interface{ Scan(...any) error }) (daiyun.Contract, error) {
	var c daiyun.Contract
	var pkg, start, end, pay, kpis string
	err := row.Scan(&c.ID, &c.ClientID, &pkg, &c.Currency, &start, &end, &c.BaseFeeMinor, &c.CommissionBP,
		&c.DepositMinor, &c.AutoRenew, &c.RenewalNotice, &c.MarketingBudget, &pay, &kpis, &c.CreatedAt)
	if err != nil {
		return c, err
	}
	c.Package = daiyun.Package(pkg)
	c.StartDate, _ = daiyun.ParseDate(start)
	c.EndDate, _ = daiyun.ParseDate(end)
	json.Unmarshal([]byte(pay), &c.Payments)
	json.Unmarshal([]byte(kpis), &c.CommittedKPIs)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, nil
}

// Contracts lists the contracts of the clients the actor may see; clientID
// 0 lists all of them.
func (s *Store) Contracts(ctx context.Context, clientID int64) ([]daiyun.Contract, error) {
	q := `SELECT ` + contractCols + ` FROM contracts WHERE ` + clientScope(ctx, "client_id")
	args := []any{}
	if clientID != 0 {
		q += ` AND client_id=$1`
		args = append(args, clientID)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY client_id, start_date`, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: list contracts: %w", err)
	}
	defer rows.Close()
	var out []daiyun.Contract
	for rows.Next() {
		c, err := scanContract(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Contract returns one contract the actor may see.
func (s *Store) Contract(ctx context.Context, id int64) (daiyun.Contract, error) {
	c, err := scanContract(s.db.QueryRowContext(ctx, `SELECT `+contractCols+` FROM contracts WHERE id=$1 AND `+clientScope(ctx, "client_id"), id))
	if isNoRows(err) {
		return c, notFound("contract", id)
	}
	return c, err
}

// DeleteContract removes a contract.
func (s *Store) DeleteContract(ctx context.Context, id int64) error {
	if err := mustManage(ctx); err != nil {
		return err
	}
	c, err := s.Contract(ctx, id)
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM contracts WHERE id=$1`, id); err != nil {
		return fmt.Errorf("catalog: delete contract: %w", err)
	}
	return s.audit(ctx, c.ClientID, "contract.delete", fmt.Sprint(id))
}
