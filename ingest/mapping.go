package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/daiyun/daiyun"
	"go.yaml.in/yaml/v3"
)

// Mapping maps an unknown layout once: which source column feeds which
// canonical column of which table. It is written by the operator (UI or
// --mapping FILE, JSON or YAML) and saved per shop by a MappingStore.
//
//	name: my-erp-orders
//	table: orders
//	columns:
//	  单号: order_no
//	  下单时间: created_at
//	  应付: total_minor
//	  状态: status
//
// For table orders and order_lines the targets are the order fields of
// docs/import.md (order_no, buyer, status, created_at, total_minor, sku_id,
// quantity …); for the other tables, the table's column names (and buyer
// where it has customer_id). Money columns hold decimal amounts
// ("¥1,234.50") unless MinorUnits is set.
type Mapping struct {
	Name       string            `json:"name" yaml:"name"`
	Table      string            `json:"table" yaml:"table"`
	Columns    map[string]string `json:"columns" yaml:"columns"` // source column → canonical column
	Constants  map[string]string `json:"constants,omitempty" yaml:"constants,omitempty"`
	MinorUnits bool              `json:"minor_units,omitempty" yaml:"minor_units,omitempty"`
}

// LoadMapping reads a mapping written as JSON or YAML and validates it.
func LoadMapping(r io.Reader) (Mapping, error) {
	b, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return Mapping{}, fmt.Errorf("ingest: read mapping: %w", err)
	}
	var m Mapping
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(t))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			return Mapping{}, daiyun.Errorf(daiyun.EINVALID, "the mapping is not valid JSON: %v", err)
		}
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&m); err != nil {
			return Mapping{}, daiyun.Errorf(daiyun.EINVALID, "the mapping is not valid YAML: %v", err)
		}
	}
	return m, m.Validate()
}

// Validate checks the mapping names a table, maps each source column to a
// real canonical column once, and covers what the table needs.
func (m Mapping) Validate() error {
	_, err := m.Profile()
	return err
}

// Profile turns the mapping into a profile that recognises a header having
// every mapped source column.
func (m Mapping) Profile() (*Profile, error) {
	if strings.TrimSpace(m.Name) == "" {
		return nil, daiyun.Errorf(daiyun.EINVALID, "the mapping needs a name")
	}
	if len(m.Columns) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "mapping %s maps no column", m.Name)
	}
	p := &Profile{Name: m.Name, Title: "mapping " + m.Name, Table: m.Table, MinorUnits: m.MinorUnits,
		Constants: m.Constants, Doc: "a saved column mapping"}
	srcs := make([]string, 0, len(m.Columns))
	for s := range m.Columns {
		srcs = append(srcs, s)
	}
	sort.Strings(srcs)
	for _, s := range srcs {
		if strings.TrimSpace(s) == "" {
			return nil, daiyun.Errorf(daiyun.EINVALID, "mapping %s has an empty source column", m.Name)
		}
		p.Fields = append(p.Fields, Field{Name: strings.TrimSpace(m.Columns[s]), Aliases: []string{s}, Required: true})
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// MappingStore saves mappings per shop (the catalog implements it).
type MappingStore interface {
	// Mappings returns the mappings saved for a shop.
	Mappings(ctx context.Context, tenants daiyun.Tenants, shopID int64) ([]Mapping, error)
	// SaveMapping stores a validated mapping for a shop, replacing one of
	// the same name.
	SaveMapping(ctx context.Context, tenants daiyun.Tenants, shopID int64, m Mapping) error
}
