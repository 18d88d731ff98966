package alerting

import (
	"context"

	"github.com/daiyun/daiyun"
)

// Store keeps rules and alerts (the catalog implements it).
type Store interface {
	AlertRules(ctx context.Context) ([]Rule, error)
	SyncAlerts(ctx context.Context, o *Outcome, rules []Rule) (SyncResult, error)
}

// Service evaluates the stored rules and records the outcome in the alert
// lifecycle.
type Service struct {
	Store     Store
	Evaluator *Evaluator
}

// Evaluate computes every enabled rule at asOf for the clients the actor in
// ctx may see and syncs the alerts: a firing opens or updates the one open
// alert of its rule and scope, a cleared scope resolves it. Evaluating
// twice on the same data changes nothing the second time.
func (s *Service) Evaluate(ctx context.Context, asOf daiyun.Date) (*Outcome, SyncResult, error) {
	rules, err := s.Store.AlertRules(ctx)
	if err != nil {
		return nil, SyncResult{}, err
	}
	o, err := s.Evaluator.Evaluate(ctx, rules, asOf)
	if err != nil {
		return nil, SyncResult{}, err
	}
	res, err := s.Store.SyncAlerts(ctx, o, rules)
	return o, res, err
}
