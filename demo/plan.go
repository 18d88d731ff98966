package demo

import (
	"fmt"
	"time"

	"github.com/daiyun/daiyun"
)

// clientTemplate is one brand of the standard demo agency.
type clientTemplate struct {
	name     string
	category string
	pkg      daiyun.Package
	addons   []string
	market   string // cn or us
	note     string
	shops    []shopTemplate
}

// shopTemplate is one shop of a template client.
type shopTemplate struct {
	platform daiyun.Platform
	suffix   string  // appended to the brand name
	tz       string  // IANA timezone
	size     float64 // relative share of the agency's order lines
}

const (
	tzCN = "Asia/Shanghai"
	tzNY = "America/New_York"
	tzLA = "America/Los_Angeles"
)

// clientTemplates is the standard agency: 14 fictional brands over every
// category, two of them selling abroad on Shopify in USD.
func clientTemplates() []clientTemplate {
	p := func(pl daiyun.Platform, suffix string, size float64) shopTemplate {
		return shopTemplate{platform: pl, suffix: suffix, tz: tzCN, size: size}
	}
	return []clientTemplate{
		{"示例美妆", "beauty", daiyun.PackageFull, []string{"live_streaming", "kol", "competitor_watch"}, "cn", "国货彩妆与护肤（虚构品牌）",
			[]shopTemplate{p(daiyun.PlatformTmall, "天猫旗舰店", 3.0), p(daiyun.PlatformDouyin, "抖音官方旗舰店", 2.2), p(daiyun.PlatformJD, "京东旗舰店", 1.2), p(daiyun.PlatformTaobao, "淘宝企业店", 0.8)}},
		{"示例衣橱", "apparel", daiyun.PackageAdvanced, []string{"content_design"}, "cn", "女装与通勤服饰（虚构品牌）",
			[]shopTemplate{p(daiyun.PlatformTmall, "天猫旗舰店", 2.0), p(daiyun.PlatformTaobao, "淘宝店", 1.0), p(daiyun.PlatformDouyin, "抖音旗舰店", 1.4), p(daiyun.PlatformPDD, "拼多多官方店", 0.9)}},
		{"示例母婴", "mother_baby", daiyun.PackageFull, []string{"private_traffic"}, "cn", "婴童洗护与喂养（虚构品牌）",
			[]shopTemplate{p(daiyun.PlatformTmall, "天猫旗舰店", 1.8), p(daiyun.PlatformJD, "京东旗舰店", 1.5), p(daiyun.PlatformPDD, "拼多多旗舰店", 0.8)}},
		{"示例鲜食", "food_fresh", daiyun.PackageAdvanced, []string{"live_streaming"}, "cn", "坚果零食与生鲜礼盒（虚构品牌）",
			[]shopTemplate{p(daiyun.PlatformTmall, "天猫旗舰店", 1.6), p(daiyun.PlatformJD, "京东旗舰店", 1.0), p(daiyun.PlatformDouyin, "抖音旗舰店", 1.3), p(daiyun.PlatformPDD, "拼多多旗舰店", 1.1)}},
		{"示例家居", "home", daiyun.PackageBasic, nil, "cn", "床品与收纳（虚构品牌）",
			[]shopTemplate{p(daiyun.PlatformTmall, "天猫旗舰店", 1.0), p(daiyun.PlatformTaobao, "淘宝店", 0.6)}},
		{"示例电器", "appliances", daiyun.PackageFull, []string{"competitor_watch"}, "cn", "小家电（虚构品牌）",
			[]shopTemplate{p(daiyun.PlatformJD, "京东旗舰店", 1.3), p(daiyun.PlatformTmall, "天猫旗舰店", 1.1)}},
		{"示例萌宠", "pets", daiyun.PackageAdvanced, []string{"kol"}, "cn", "猫粮狗粮与宠物用品（虚构品牌）",
			[]shopTemplate{p(daiyun.PlatformTmall, "天猫旗舰店", 1.2), p(daiyun.PlatformDouyin, "抖音旗舰店", 0.9), p(daiyun.PlatformPDD, "拼多多旗舰店", 0.7)}},
		{"示例户外", "outdoor", daiyun.PackageBasic, nil, "cn", "露营与徒步装备（虚构品牌）",
			[]shopTemplate{p(daiyun.PlatformTmall, "天猫旗舰店", 0.9), p(daiyun.PlatformJD, "京东旗舰店", 0.6)}},
		{"示例车品", "auto_accessories", daiyun.PackageBasic, nil, "cn", "汽车内饰与清洁用品（虚构品牌）",
			[]shopTemplate{p(daiyun.PlatformTaobao, "淘宝店", 0.7), p(daiyun.PlatformPDD, "拼多多旗舰店", 0.8), p(daiyun.PlatformJD, "京东旗舰店", 0.5)}},
		{"示例厨具", "kitchenware", daiyun.PackageAdvanced, nil, "cn", "锅具与厨房小工具（虚构品牌）",
			[]shopTemplate{p(daiyun.PlatformTmall, "天猫旗舰店", 0.9), p(daiyun.PlatformPDD, "拼多多旗舰店", 0.8)}},
		{"示例数码", "3c", daiyun.PackageFull, []string{"competitor_watch", "live_streaming"}, "cn", "耳机、充电与手机配件（虚构品牌）",
			[]shopTemplate{p(daiyun.PlatformJD, "京东旗舰店", 1.4), p(daiyun.PlatformTmall, "天猫旗舰店", 1.2), p(daiyun.PlatformDouyin, "抖音旗舰店", 0.8)}},
		{"示例茶礼", "other", daiyun.PackageBasic, nil, "cn", "茶叶与节礼（虚构品牌）",
			[]shopTemplate{p(daiyun.PlatformTmall, "天猫旗舰店", 0.7), p(daiyun.PlatformTaobao, "淘宝店", 0.5)}},
		{"示例出海家居", "home", daiyun.PackageFull, []string{"content_design"}, "us", "Demo Home Goods — cross-border home goods (fictional)",
			[]shopTemplate{{daiyun.PlatformShopify, " US East (Shopify)", tzNY, 1.0}, {daiyun.PlatformShopify, " US West (Shopify)", tzLA, 0.8}}},
		{"示例出海宠物", "pets", daiyun.PackageAdvanced, nil, "us", "Demo Pet Supply — cross-border pet products (fictional)",
			[]shopTemplate{{daiyun.PlatformShopify, " (Shopify)", tzNY, 0.7}}},
	}
}

// shopTemplates lists the standard agency's shops.
func shopTemplates() []shopTemplate {
	var all []shopTemplate
	for _, c := range clientTemplates() {
		all = append(all, c.shops...)
	}
	return all
}

// extraSyllables name the brands added when more shops are asked for than
// the standard agency has.
var extraSyllables = []string{"澜", "禾", "栖", "岚", "沐", "若", "青", "拾", "予", "朴", "屿", "棠", "森", "川", "蔓", "知"}

// categoryNoun is how a brand name says its category.
var categoryNoun = map[string]string{
	"beauty": "美妆", "apparel": "衣橱", "mother_baby": "母婴", "food_fresh": "鲜食", "home": "家居",
	"appliances": "电器", "pets": "萌宠", "outdoor": "户外", "auto_accessories": "车品",
	"kitchenware": "厨具", "3c": "数码", "other": "茶礼",
}

// planClients returns the client templates for the requested number of
// shops. Up to the standard agency's size, shops are taken round-robin over
// the clients so every brand keeps at least one shop; beyond it, further
// brands are added cycling through the templates.
func planClients(shops int) []clientTemplate {
	base := clientTemplates()
	total := len(shopTemplates())
	if shops <= total {
		out := make([]clientTemplate, len(base))
		for i := range base {
			out[i] = base[i]
			out[i].shops = nil
		}
		for n, round := 0, 0; n < shops; round++ {
			for i := range base {
				if n < shops && round < len(base[i].shops) {
					out[i].shops = append(out[i].shops, base[i].shops[round])
					n++
				}
			}
		}
		var kept []clientTemplate
		for _, c := range out {
			if len(c.shops) > 0 {
				kept = append(kept, c)
			}
		}
		return kept
	}
	out := base
	n := total
	for extra := 0; n < shops; extra++ {
		t := base[extra%len(base)]
		a := extraSyllables[extra%len(extraSyllables)]
		b := extraSyllables[(extra/len(extraSyllables)+extra*7+3)%len(extraSyllables)]
		if t.market == "us" {
			t.name = fmt.Sprintf("%s%s出海%s（示例%d）", a, b, categoryNoun[t.category], extra+1)
		} else {
			t.name = fmt.Sprintf("%s%s%s（示例%d）", a, b, categoryNoun[t.category], extra+1)
		}
		if len(t.shops) > shops-n {
			t.shops = t.shops[:shops-n]
		}
		n += len(t.shops)
		out = append(out, t)
	}
	return out
}

// staff is a demo user.
type staff struct {
	role     daiyun.Role
	key      string // e-mail local part and password suffix
	name     string
	function string // team function for assignments
	login    bool   // printed as the role's demo login
}

var demoStaff = []staff{
	{daiyun.RoleAdmin, "admin", "系统管理员", "", true},
	{daiyun.RoleDirector, "director", "周敏（总监）", "", true},
	{daiyun.RoleSpecialist, "specialist", "王芳", "specialist", true},
	{daiyun.RoleAnalyst, "analyst", "李明", "analyst", true},
	{daiyun.RoleExpert, "expert", "陈静", "expert", true},
	{daiyun.RoleSpecialist, "specialist2", "刘洋", "specialist", false},
	{daiyun.RoleSpecialist, "specialist3", "张伟", "specialist", false},
	{daiyun.RoleAnalyst, "analyst2", "赵磊", "analyst", false},
	{daiyun.RoleExpert, "expert2", "孙丽", "expert", false},
}

const emailDomain = "demo.daiyun.local"

func email(key string) string { return key + "@" + emailDomain }
func password(key string) string {
	return "demo-" + key
}

// team returns the staff keys on client i's team: the login specialist
// works for every third client only, so isolation is visible.
func team(i int) (specialist, analyst, expert string) {
	specialist = []string{"specialist", "specialist2", "specialist3"}[i%3]
	analyst = []string{"analyst", "analyst2"}[i%2]
	expert = "expert"
	if i%3 == 2 {
		expert = "expert2"
	}
	return
}

// civil returns the calendar date of t as midnight UTC, the form DATE
// columns take.
func civil(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
