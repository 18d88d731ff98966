package experiment

import (
	"context"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

// Store is what the service needs of the registry (catalog.Store): one
// experiment the actor may see (not found otherwise), and recording a
// decision (staff of the client only).
type Store interface {
	Experiment(ctx context.Context, id int64) (Experiment, error)
	ConcludeExperiment(ctx context.Context, id int64, d Decision) (Experiment, error)
}

// Service reads experiments' results from the warehouse and concludes
// them behind the guard. The API, the UI and the CLI all use it, so the
// three doors show the same numbers and refuse the same early decisions.
type Service struct {
	Store     Store
	Warehouse warehouse.Warehouse
	// Now is the clock (time.Now when nil); open windows end now.
	Now func() time.Time
}

// Report is an experiment with its result on the data so far.
type Report struct {
	Experiment Experiment `json:"experiment"`
	Result     *Result    `json:"result"`
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Report reads the experiment and computes its result. A draft without a
// start date has no window yet: its arms count zero.
func (s *Service) Report(ctx context.Context, id int64) (*Report, error) {
	e, err := s.Store.Experiment(ctx, id)
	if err != nil {
		return nil, err
	}
	res, err := s.result(ctx, e)
	if err != nil {
		return nil, err
	}
	return &Report{Experiment: e, Result: res}, nil
}

func (s *Service) result(ctx context.Context, e Experiment) (*Result, error) {
	loc, err := time.LoadLocation(e.ShopTimezone)
	if err != nil {
		return nil, daiyun.Errorf(daiyun.EINVALID, "experiment %d: shop timezone %q: %v", e.ID, e.ShopTimezone, err)
	}
	counts := make([]Count, len(e.Arms))
	for i, a := range e.Arms {
		counts[i].Label = a.Label
	}
	from, to, ok := e.Window(loc, s.now())
	if ok && to.After(from) {
		tenants, err := daiyun.TenantsFor(ctx, e.ClientID)
		if err != nil {
			return nil, err
		}
		if counts, err = CountArms(ctx, s.Warehouse, tenants, e, from, to); err != nil {
			return nil, err
		}
	}
	res, err := Evaluate(e, counts)
	if err != nil {
		return nil, err
	}
	if ok {
		res.From, res.To = from, to
	}
	return res, nil
}

// Conclude records a decision on the experiment after checking it against
// the current result (Decide): before the planned sample it is refused
// with EINVALID unless c.Force, and a forced decision is recorded as
// stopped early. Only the client's agency staff may conclude.
func (s *Service) Conclude(ctx context.Context, id int64, c Conclusion) (*Report, error) {
	e, err := s.Store.Experiment(ctx, id)
	if err != nil {
		return nil, err
	}
	if !daiyun.ActorFrom(ctx).IsStaff() {
		return nil, daiyun.Errorf(daiyun.EFORBIDDEN, "only the agency staff of the client may conclude an experiment")
	}
	res, err := s.result(ctx, e)
	if err != nil {
		return nil, err
	}
	d, err := Decide(e, res, c)
	if err != nil {
		return nil, err
	}
	if e, err = s.Store.ConcludeExperiment(ctx, id, d); err != nil {
		return nil, err
	}
	return &Report{Experiment: e, Result: res}, nil
}
