// Package daiyun holds the domain types and service contracts shared by every
// capability of Daiyun, the operating system of an e-commerce operations
// agency: clients (brands), their shops, contracts, users and roles.
//
// It imports no storage, HTTP or engine package. Capability packages
// (catalog, warehouse, ingest, metrics, analysis, alerting, workflow, report,
// web) depend on it; it depends on none of them.
package daiyun

import (
	"fmt"
	"strings"
	"time"
)

// Platform is the marketplace a shop sells on.
type Platform string

// Platforms Daiyun knows (PRODUCT.md A1).
const (
	PlatformTmall       Platform = "tmall"
	PlatformTaobao      Platform = "taobao"
	PlatformJD          Platform = "jd"
	PlatformDouyin      Platform = "douyin"
	PlatformPDD         Platform = "pdd"
	PlatformXiaohongshu Platform = "xiaohongshu"
	PlatformKuaishou    Platform = "kuaishou"
	PlatformShopify     Platform = "shopify"
	PlatformOther       Platform = "other"
)

// Platforms lists every valid platform in display order.
var Platforms = []Platform{PlatformTmall, PlatformTaobao, PlatformJD, PlatformDouyin,
	PlatformPDD, PlatformXiaohongshu, PlatformKuaishou, PlatformShopify, PlatformOther}

// Valid reports whether p is a known platform.
func (p Platform) Valid() bool {
	for _, q := range Platforms {
		if p == q {
			return true
		}
	}
	return false
}

// Categories are the shop categories of PRODUCT.md A1. Benchmarks are kept
// per category.
var Categories = []string{"beauty", "apparel", "mother_baby", "food_fresh", "home",
	"appliances", "pets", "outdoor", "auto_accessories", "kitchenware", "3c", "other"}

// ValidCategory reports whether c is a known category.
func ValidCategory(c string) bool {
	for _, k := range Categories {
		if c == k {
			return true
		}
	}
	return false
}

// Client is a brand the agency serves. In the warehouse a client is a tenant:
// its id is the tenant_id that leads every fact table's key.
type Client struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Package   Package   `json:"package"`
	Addons    []string  `json:"addons"`
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Package is a service package (PRODUCT.md A2); it decides which modules a
// client gets.
type Package string

// Service packages.
const (
	PackageBasic    Package = "basic"    // 基础运营包
	PackageAdvanced Package = "advanced" // 进阶运营包
	PackageFull     Package = "full"     // 全托管运营包
)

// Packages lists the service packages with the modules each includes.
var Packages = map[Package][]string{
	PackageBasic:    {"dashboard", "diagnosis", "alerts", "reports"},
	PackageAdvanced: {"dashboard", "diagnosis", "alerts", "reports", "analyses", "campaigns", "sop"},
	PackageFull:     {"dashboard", "diagnosis", "alerts", "reports", "analyses", "campaigns", "sop", "inventory", "customer_service", "finance", "portal_approvals"},
}

// Addons are optional modules sold on top of any package.
var Addons = []string{"live_streaming", "kol", "private_traffic", "content_design", "competitor_watch"}

// Valid reports whether p is a known package.
func (p Package) Valid() bool { _, ok := Packages[p]; return ok }

// Shop is one shop on one platform, owned by a client. Days are cut in the
// shop's timezone and money is in the shop's currency.
type Shop struct {
	ID         int64     `json:"id"`
	ClientID   int64     `json:"client_id"`
	Name       string    `json:"name"`
	Platform   Platform  `json:"platform"`
	Category   string    `json:"category"`
	Currency   string    `json:"currency"`
	Timezone   string    `json:"timezone"`
	ExternalID string    `json:"external_id,omitempty"` // the platform's own shop id
	CreatedAt  time.Time `json:"created_at"`
}

// Location loads the shop's timezone.
func (s Shop) Location() (*time.Location, error) { return time.LoadLocation(s.Timezone) }

// Validate checks a shop's fields and names the first wrong one.
func (s Shop) Validate() error {
	if strings.TrimSpace(s.Name) == "" {
		return Errorf(EINVALID, "shop name is required")
	}
	if s.ClientID == 0 {
		return Errorf(EINVALID, "shop client is required")
	}
	if !s.Platform.Valid() {
		return Errorf(EINVALID, "platform %q is not one of %v", s.Platform, Platforms)
	}
	if !ValidCategory(s.Category) {
		return Errorf(EINVALID, "category %q is not one of %v", s.Category, Categories)
	}
	if !ValidCurrency(s.Currency) {
		return Errorf(EINVALID, "currency %q is not an ISO 4217 code Daiyun knows", s.Currency)
	}
	if s.Timezone == "" {
		return Errorf(EINVALID, "timezone is required")
	}
	if _, err := time.LoadLocation(s.Timezone); err != nil || s.Timezone == "Local" {
		return Errorf(EINVALID, "timezone %q does not exist (use an IANA name such as Asia/Shanghai)", s.Timezone)
	}
	return nil
}

// Contract is the commercial agreement with a client (PRODUCT.md A3). Money
// is in minor units of Currency.
type Contract struct {
	ID              int64          `json:"id"`
	ClientID        int64          `json:"client_id"`
	Package         Package        `json:"package"`
	Currency        string         `json:"currency"`
	StartDate       Date           `json:"start_date"`
	EndDate         Date           `json:"end_date"`
	BaseFeeMinor    int64          `json:"base_fee_minor"` // per month
	CommissionBP    int64          `json:"commission_bp"`  // basis points of GMV
	DepositMinor    int64          `json:"deposit_minor"`  // 保证金
	AutoRenew       bool           `json:"auto_renew"`     // renewal
	RenewalNotice   int            `json:"renewal_notice_days"`
	Payments        []PaymentStage `json:"payments"`
	CommittedKPIs   []CommittedKPI `json:"committed_kpis"`
	MarketingBudget int64          `json:"marketing_budget_minor"` // per month, for the budget monitor
	CreatedAt       time.Time      `json:"created_at"`
}

// PaymentStage is one staged payment of a contract.
type PaymentStage struct {
	Name        string `json:"name"`
	DueDate     Date   `json:"due_date"`
	AmountMinor int64  `json:"amount_minor"`
	Paid        bool   `json:"paid"`
}

// CommittedKPI is a KPI the agency commits to, e.g. GMV growth ≥ 30% a month.
type CommittedKPI struct {
	KPI    string  `json:"kpi"`    // a KPI id from the catalogue
	Op     string  `json:"op"`     // ">=", "<=", ">" or "<"
	Target float64 `json:"target"` // in the KPI's unit, or a relative change when Change is set
	Change bool    `json:"change"` // Target is a relative change (0.3 = +30%) against the period before
	Period string  `json:"period"` // month or quarter
}

// Validate checks a contract's fields.
func (c Contract) Validate() error {
	if c.ClientID == 0 {
		return Errorf(EINVALID, "contract client is required")
	}
	if !c.Package.Valid() {
		return Errorf(EINVALID, "package %q is not one of basic, advanced, full", c.Package)
	}
	if !ValidCurrency(c.Currency) {
		return Errorf(EINVALID, "currency %q is not an ISO 4217 code Daiyun knows", c.Currency)
	}
	if c.StartDate.IsZero() || c.EndDate.IsZero() {
		return Errorf(EINVALID, "contract start_date and end_date are required")
	}
	if !c.EndDate.After(c.StartDate.Time) {
		return Errorf(EINVALID, "contract end_date %s is not after start_date %s", c.EndDate, c.StartDate)
	}
	for _, v := range []struct {
		name string
		n    int64
	}{{"base_fee_minor", c.BaseFeeMinor}, {"commission_bp", c.CommissionBP}, {"deposit_minor", c.DepositMinor}, {"marketing_budget_minor", c.MarketingBudget}} {
		if v.n < 0 {
			return Errorf(EINVALID, "contract %s %d is negative", v.name, v.n)
		}
	}
	if c.CommissionBP > 10000 {
		return Errorf(EINVALID, "contract commission_bp %d is over 100%%", c.CommissionBP)
	}
	for i, k := range c.CommittedKPIs {
		switch k.Op {
		case ">=", "<=", ">", "<":
		default:
			return Errorf(EINVALID, "committed_kpis[%d].op %q is not one of >=, <=, >, <", i, k.Op)
		}
	}
	return nil
}

// Date is a calendar day without a timezone, written YYYY-MM-DD.
type Date struct{ time.Time }

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Date{}, Errorf(EINVALID, "date %q is not YYYY-MM-DD", s)
	}
	return Date{t}, nil
}

// String writes YYYY-MM-DD.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(time.DateOnly)
}

// MarshalJSON writes "YYYY-MM-DD".
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + d.String() + `"`), nil
}

// UnmarshalJSON reads "YYYY-MM-DD".
func (d *Date) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Money formats minor units as a decimal string with two places.
func Money(minor int64) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d", sign, minor/100, minor%100)
}
