package csvin

import (
	"io"
	"strings"
)

// JourneyColumns names the columns of a journeys file.
type JourneyColumns struct {
	Path, Conversions, Value, Null string
}

// DefaultJourneyColumns is the layout of the ChannelAttribution package:
// path;total_conversions;total_conversion_value;total_null.
var DefaultJourneyColumns = JourneyColumns{Path: "path", Conversions: "total_conversions", Value: "total_conversion_value", Null: "total_null"}

// JourneyRow is one row of a journeys file: a path of channels and the
// conversions, conversion value and non-converting journeys along it.
type JourneyRow struct {
	Channels                  []string
	Conversions, Value, Nulls float64
}

// ReadJourneys reads journeys in the ChannelAttribution layout: channels
// joined by ">" (spaces around each channel are trimmed; channel names are
// interned, so equal names share memory). The value and null columns may be
// absent when they keep their default names; they then count as 0. Counts
// must be non-negative numbers; an empty cell is 0.
func ReadJourneys(f *File, cols JourneyColumns) ([]JourneyRow, error) {
	pc, err := f.Col(cols.Path, "--path-col")
	if err != nil {
		return nil, err
	}
	cc, err := f.Col(cols.Conversions, "--conversions-col")
	if err != nil {
		return nil, err
	}
	vc, nc := f.OptionalCol(cols.Value), f.OptionalCol(cols.Null)
	if vc < 0 && cols.Value != DefaultJourneyColumns.Value {
		return nil, colErr(f, cols.Value, "--value-col")
	}
	if nc < 0 && cols.Null != DefaultJourneyColumns.Null {
		return nil, colErr(f, cols.Null, "--null-col")
	}
	names := map[string]string{} // interned channel names
	var out []JourneyRow
	for {
		rec, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		raw, err := f.String(rec, pc)
		if err != nil {
			return nil, err
		}
		p := JourneyRow{}
		for _, c := range strings.Split(raw, ">") {
			c = strings.TrimSpace(c)
			if c == "" {
				return nil, f.Errorf(pc, raw, "the path has an empty channel")
			}
			s, ok := names[c]
			if !ok {
				names[c] = c
				s = c
			}
			p.Channels = append(p.Channels, s)
		}
		if p.Conversions, err = count(f, rec, cc); err != nil {
			return nil, err
		}
		if vc >= 0 {
			if p.Value, err = count(f, rec, vc); err != nil {
				return nil, err
			}
		}
		if nc >= 0 {
			if p.Nulls, err = count(f, rec, nc); err != nil {
				return nil, err
			}
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, f.Errorf(-1, "", "the file has a header but no journeys")
	}
	return out, nil
}

func colErr(f *File, name, flag string) error {
	_, err := f.Col(name, flag)
	return err
}

// count reads a non-negative number; an empty cell is 0.
func count(f *File, rec []string, col int) (float64, error) {
	s, err := f.Field(rec, col)
	if err != nil || s == "" {
		return 0, err
	}
	v, err := f.Float(rec, col)
	if err != nil {
		return 0, err
	}
	if v < 0 {
		return 0, f.Errorf(col, s, "must not be negative")
	}
	return v, nil
}
