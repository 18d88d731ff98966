package experiment

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

const tsLayout = "2006-01-02 15:04:05"

// countSQL counts, per arm, the persons exposed in the window and those
// who converted. A person belongs to the arm of their first exposure (the
// earliest exposure event whose arm column holds one of the arms' values;
// ties broken by event id), so a person who saw two arms is counted once;
// a conversion counts when the conversion event happens at or after that
// first exposure and before the window ends. %[1]s is the arm column
// (from ArmColumns, never user text) and %[2]s the arm value placeholders.
const countSQL = `WITH exposures AS (
  SELECT tenant_id, person_id, %[1]s AS arm, "at",
    ROW_NUMBER() OVER (PARTITION BY person_id ORDER BY "at", event_id) AS rn
  FROM events
  WHERE {{tenants}} AND shop_id = $1 AND event = $2 AND %[1]s IN (%[2]s)
    AND "at" >= CAST($4 AS TIMESTAMP) AND "at" < CAST($5 AS TIMESTAMP)
), firsts AS (
  SELECT tenant_id, person_id, arm, "at" FROM exposures WHERE rn = 1
), converters AS (
  SELECT DISTINCT f.person_id
  FROM firsts f JOIN events c ON c.tenant_id = f.tenant_id AND c.person_id = f.person_id
  WHERE {{tenants:c}} AND c.shop_id = $1 AND c.event = $3
    AND c."at" >= f."at" AND c."at" < CAST($5 AS TIMESTAMP)
)
SELECT f.arm, COUNT(*), COUNT(v.person_id)
FROM firsts f LEFT JOIN converters v ON v.person_id = f.person_id
GROUP BY f.arm`

// CountArms reads each arm's exposed and converted persons from the events
// table of the experiment's shop over the window [from, to) (UTC), in the
// experiment's arm order. tenants must come from daiyun.TenantsFor for the
// experiment's client: the query runs through the warehouse's tenant
// check.
func CountArms(ctx context.Context, wh warehouse.Warehouse, tenants daiyun.Tenants, e Experiment, from, to time.Time) ([]Count, error) {
	if !slices.Contains(ArmColumns, e.ArmColumn) {
		return nil, daiyun.Errorf(daiyun.EINVALID, "arm_column %q is not one of %s", e.ArmColumn, strings.Join(ArmColumns, ", "))
	}
	args := []any{e.ShopID, e.ExposureEvent, e.ConversionEvent, from.UTC().Format(tsLayout), to.UTC().Format(tsLayout)}
	ph := make([]string, len(e.Arms))
	byValue := map[string]int{}
	for i, a := range e.Arms {
		args = append(args, a.Value)
		ph[i] = "$" + strconv.Itoa(len(args))
		byValue[a.Value] = i
	}
	out := make([]Count, len(e.Arms))
	for i, a := range e.Arms {
		out[i].Label = a.Label
	}
	rows, err := wh.Query(ctx, tenants, fmt.Sprintf(countSQL, e.ArmColumn, strings.Join(ph, ", ")), args...)
	if err != nil {
		return nil, fmt.Errorf("experiment %d: count arms: %w", e.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var value string
		var exposed, converted int64
		if err := rows.Scan(&value, &exposed, &converted); err != nil {
			return nil, fmt.Errorf("experiment %d: count arms: %w", e.ID, err)
		}
		i, ok := byValue[value]
		if !ok {
			return nil, fmt.Errorf("experiment %d: count arms: unexpected arm value %q", e.ID, value)
		}
		out[i].Exposed, out[i].Converted = exposed, converted
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("experiment %d: count arms: %w", e.ID, err)
	}
	return out, nil
}
