package metrics

import (
	"sort"
	"strconv"
)

// Table lays a result out as rows for CSV, XLSX and terminal tables: the
// period and dimensions, then each KPI and, per comparison kind, its
// attainment or percentile, or else its baseline. A missing value is an
// empty cell, never 0.
func (res *Result) Table() (header []string, rows [][]string) {
	header = append([]string{}, res.Dimensions...)
	kinds := map[string]bool{}
	for _, r := range res.Rows {
		for _, v := range r.Values {
			for k := range v.Comparisons {
				kinds[k] = true
			}
		}
	}
	var comps []string
	for k := range kinds {
		comps = append(comps, k)
	}
	sort.Strings(comps)
	for _, k := range res.Request.KPIs {
		header = append(header, k)
		for _, c := range comps {
			header = append(header, k+":"+c)
		}
	}
	for _, r := range res.Rows {
		var row []string
		for _, d := range res.Dimensions {
			if d == DimPeriod {
				row = append(row, r.Period)
			} else {
				row = append(row, r.Dims[d])
			}
		}
		for _, k := range res.Request.KPIs {
			v := r.Values[k]
			row = append(row, floatText(v.Value))
			for _, c := range comps {
				cmp, ok := v.Comparisons[c]
				switch {
				case !ok:
					row = append(row, "")
				case cmp.Ratio != nil:
					row = append(row, floatText(cmp.Ratio))
				case cmp.Percentile != nil:
					row = append(row, floatText(cmp.Percentile))
				default:
					row = append(row, floatText(cmp.Baseline))
				}
			}
		}
		rows = append(rows, row)
	}
	return header, rows
}

func floatText(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}
