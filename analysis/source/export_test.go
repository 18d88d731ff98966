package source

import (
	"context"
	"fmt"
	"time"

	"github.com/daiyun/daiyun/analysis/cohort"
	"github.com/daiyun/daiyun/analysis/rfm"
)

// ComputeInGo runs a cohort or rfm request the way the file door does:
// every purchase of the scope loaded into Go (Loader.purchases), then
// cohort.Compute or rfm.Compute. The warehouse door must give the same.
func (l *Loader) ComputeInGo(ctx context.Context, req Request) (any, error) {
	sc, err := l.resolve(ctx, req)
	if err != nil {
		return nil, err
	}
	ps, err := l.purchases(ctx, sc)
	if err != nil {
		return nil, err
	}
	switch req.Kind {
	case "cohort":
		in := make([]cohort.Purchase, len(ps))
		for i, p := range ps {
			in[i] = cohort.Purchase{Customer: p.Customer, Time: p.Time, Amount: p.Amount}
		}
		return cohort.Compute(in, cohort.Options{To: sc.end.Add(-1), Loc: sc.loc})
	case "rfm":
		in := make([]rfm.Purchase, len(ps))
		for i, p := range ps {
			in[i] = rfm.Purchase{Customer: p.Customer, Time: p.Time, Amount: p.Amount}
		}
		y, m, d := req.To.Date()
		return rfm.Compute(in, rfm.Options{AsOf: time.Date(y, m, d, 0, 0, 0, 0, sc.loc), VIPThreshold: req.Options.VIPThreshold, Loc: sc.loc})
	}
	return nil, fmt.Errorf("ComputeInGo: kind %q", req.Kind)
}
