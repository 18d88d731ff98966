package ingest

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

// Profile describes one recognised export format: which source columns feed
// which canonical field, and how. Profiles are data; docs/import.md is
// written from the same tables (see TestDocsListEveryProfile).
type Profile struct {
	// Name identifies the format (--format NAME), e.g. taobao_orders.
	Name string
	// Title is the operator-facing name.
	Title string
	// Platform is the platform the export comes from ("" for any).
	Platform daiyun.Platform
	// Table is what the rows become: "orders" (orders, with their lines when
	// line columns are present, plus status history and customers),
	// "order_lines" (lines of orders already imported) or a fact table.
	Table string
	// Fields bind canonical fields to source columns.
	Fields []Field
	// MinorUnits says money columns hold integer minor units (the canonical
	// templates) rather than decimal amounts.
	MinorUnits bool
	// SumRows says each row carries its own share of the order's money (a
	// sub-order, as Douyin writes) to be summed per order; otherwise the
	// order's money is taken from its first row that has it.
	SumRows bool
	// Constants fill table columns the export does not have
	// (ad_platform = ztc).
	Constants map[string]string
	// Values rewrite source values of a field before parsing (好评 → 5).
	Values map[string]map[string]string
	// Doc is a note for docs/import.md.
	Doc string
}

// Field binds one canonical field to the source columns that may carry it;
// the first alias the header has wins.
type Field struct {
	Name     string
	Aliases  []string
	Required bool
}

// binding is a field found in a header.
type binding struct {
	name string
	col  int
}

// bind matches a profile against a normalised header. It returns the
// bindings and the required fields that are missing.
func (p *Profile) bind(norm []string) (bs []binding, missing []Field) {
	for _, f := range p.Fields {
		col := -1
		for _, a := range f.Aliases {
			if col = headerIndex(norm, normHeader(a)); col >= 0 {
				break
			}
		}
		if col < 0 {
			if f.Required {
				missing = append(missing, f)
			}
			continue
		}
		bs = append(bs, binding{f.Name, col})
	}
	return bs, missing
}

func headerIndex(norm []string, want string) int {
	for i, h := range norm {
		if h == want {
			return i
		}
	}
	for i, h := range norm {
		if stripParen(h) == want && h != "" {
			return i
		}
	}
	return -1
}

func normalizeHeader(rec []string) []string {
	out := make([]string, len(rec))
	for i, h := range rec {
		out[i] = normHeader(h)
	}
	return out
}

// Profiles returns every built-in profile: platform exports first, then the
// canonical templates.
func Profiles() []*Profile {
	return slices.Clone(builtins)
}

// ProfileByName returns the built-in profile with that name.
func ProfileByName(name string) (*Profile, bool) {
	for _, p := range builtins {
		if p.Name == name {
			return p, true
		}
	}
	return nil, false
}

var builtins = append(append(orderProfiles(), factProfiles()...), canonicalProfiles()...)

// match is a profile recognised in a header row.
type match struct {
	p     *Profile
	binds []binding
}

// detect finds the profile whose required columns the header has, preferring
// the one that binds the most columns (the earliest on a tie, mappings
// first).
func detect(cands []*Profile, header []string) (match, bool) {
	norm := normalizeHeader(header)
	var best match
	bestScore := -1
	for _, p := range cands {
		bs, missing := p.bind(norm)
		if len(missing) > 0 || len(bs) == 0 {
			continue
		}
		if len(bs) > bestScore {
			best, bestScore = match{p: p, binds: bs}, len(bs)
		}
	}
	return best, bestScore >= 0
}

// missingError names the required columns of p a header lacks.
func missingError(p *Profile, header []string) error {
	_, missing := p.bind(normalizeHeader(header))
	if len(missing) == 0 {
		return nil
	}
	names := make([]string, len(missing))
	for i, f := range missing {
		names[i] = fmt.Sprintf("%s (%s)", f.Aliases[0], f.Name)
	}
	return daiyun.Errorf(daiyun.EINVALID, "the file has no column %s required by format %s", strings.Join(names, ", "), p.Name)
}

// closest describes the candidate that came nearest to matching, for the
// error when nothing matched.
func closest(cands []*Profile, header []string) error {
	norm := normalizeHeader(header)
	type near struct {
		p       *Profile
		found   int
		missing []Field
	}
	var ns []near
	for _, p := range cands {
		bs, missing := p.bind(norm)
		if len(bs) > 0 {
			ns = append(ns, near{p, len(bs), missing})
		}
	}
	if len(ns) == 0 {
		return daiyun.Errorf(daiyun.EINVALID, "the file's header matches no known format; give --format or a column mapping")
	}
	sort.SliceStable(ns, func(i, j int) bool { return ns[i].found > ns[j].found })
	n := ns[0]
	names := make([]string, len(n.missing))
	for i, f := range n.missing {
		names[i] = f.Aliases[0]
	}
	return daiyun.Errorf(daiyun.EINVALID, "the file's header matches no known format; nearest is %s, which needs column %s", n.p.Name, strings.Join(names, ", "))
}

// validate checks a profile's own consistency (used for mappings and in
// tests for the built-ins).
func (p *Profile) validate() error {
	if p.Name == "" {
		return fmt.Errorf("profile without name")
	}
	isOrders := p.Table == "orders" || p.Table == "order_lines"
	t, ok := warehouse.TableByName(p.Table)
	if !ok {
		return daiyun.Errorf(daiyun.EINVALID, "profile %s: table %q is not a fact table", p.Name, p.Table)
	}
	seen := map[string]bool{}
	for _, f := range p.Fields {
		if seen[f.Name] {
			return daiyun.Errorf(daiyun.EINVALID, "profile %s: field %s is mapped twice", p.Name, f.Name)
		}
		seen[f.Name] = true
		if len(f.Aliases) == 0 {
			return daiyun.Errorf(daiyun.EINVALID, "profile %s: field %s has no source column", p.Name, f.Name)
		}
		if isOrders {
			if fieldByName(f.Name) == fNone {
				return daiyun.Errorf(daiyun.EINVALID, "profile %s: %q is not an order field (see docs/import.md)", p.Name, f.Name)
			}
			continue
		}
		if _, ok := t.Column(f.Name); !ok && f.Name != "buyer" && !strings.HasPrefix(f.Name, "_") {
			return daiyun.Errorf(daiyun.EINVALID, "profile %s: %q is not a column of %s", p.Name, f.Name, p.Table)
		}
	}
	for c := range p.Constants {
		if _, ok := t.Column(c); !ok {
			return daiyun.Errorf(daiyun.EINVALID, "profile %s: constant %q is not a column of %s", p.Name, c, p.Table)
		}
	}
	switch p.Table {
	case "orders":
		for _, need := range []string{"order_no", "created_at"} {
			if !seen[need] {
				return daiyun.Errorf(daiyun.EINVALID, "profile %s: orders need a %s column", p.Name, need)
			}
		}
		if !seen["total_minor"] && !seen["goods_minor"] && !seen["subtotal_minor"] && !seen["quantity"] {
			return daiyun.Errorf(daiyun.EINVALID, "profile %s: orders need total_minor, goods_minor or line columns", p.Name)
		}
	case "order_lines":
		for _, need := range []string{"order_no", "quantity"} {
			if !seen[need] {
				return daiyun.Errorf(daiyun.EINVALID, "profile %s: order lines need a %s column", p.Name, need)
			}
		}
	default:
		for _, c := range t.Columns {
			if !c.NotNull || c.Name == "tenant_id" || c.Name == "shop_id" || seen[c.Name] || p.Constants[c.Name] != "" {
				continue
			}
			if factDefault(t, c, seen) {
				continue
			}
			return daiyun.Errorf(daiyun.EINVALID, "profile %s: %s.%s has no source column", p.Name, p.Table, c.Name)
		}
	}
	return nil
}
