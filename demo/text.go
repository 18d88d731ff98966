package demo

import (
	"math/rand/v2"
	"strings"
)

// product is a kind of product a category sells, with its variants.
type product struct {
	title    string
	variants []string
}

// cnProducts and usProducts list what each category sells.
var cnProducts = map[string][]product{
	"beauty": {{"水光精华液", []string{"30ml", "50ml"}}, {"氨基酸洁面乳", []string{"100g", "150g"}}, {"修护保湿面霜", []string{"50g"}},
		{"丝绒哑光口红", []string{"#01 正红", "#05 豆沙", "#12 枫叶"}}, {"轻薄气垫粉底", []string{"象牙白", "自然色"}}, {"清透防晒乳", []string{"40ml"}},
		{"温和卸妆油", []string{"150ml", "200ml"}}, {"紧致眼霜", []string{"15g"}}, {"补水面膜", []string{"10片装", "20片装"}}, {"极细眉笔", []string{"灰棕", "深棕"}}},
	"apparel": {{"通勤西装外套", []string{"S", "M", "L"}}, {"羊毛针织开衫", []string{"S", "M", "L"}}, {"高腰阔腿裤", []string{"S", "M", "L", "XL"}},
		{"真丝衬衫", []string{"S", "M", "L"}}, {"法式连衣裙", []string{"S", "M", "L"}}, {"轻薄羽绒服", []string{"M", "L", "XL"}},
		{"纯棉卫衣", []string{"M", "L", "XL"}}, {"基础款T恤", []string{"S", "M", "L"}}, {"双排扣风衣", []string{"S", "M", "L"}}},
	"mother_baby": {{"婴儿洗发沐浴露", []string{"300ml", "500ml"}}, {"宝宝润肤乳", []string{"100ml"}}, {"拉拉裤", []string{"L码", "XL码"}},
		{"宽口径奶瓶", []string{"160ml", "240ml"}}, {"婴儿手口湿巾", []string{"80抽×6包"}}, {"有机米粉", []string{"原味", "胡萝卜"}}, {"儿童牙膏", []string{"草莓味"}}},
	"food_fresh": {{"每日坚果", []string{"750g/30袋", "525g/21袋"}}, {"奶油夏威夷果", []string{"500g"}}, {"风干牛肉干", []string{"五香", "麻辣"}},
		{"芒果干", []string{"250g"}}, {"坚果礼盒", []string{"1.5kg"}}, {"冻干草莓", []string{"100g"}}, {"智利车厘子礼盒", []string{"2斤装", "5斤装"}}, {"燕麦片", []string{"1kg"}}},
	"home": {{"全棉四件套", []string{"1.5m", "1.8m"}}, {"乳胶枕", []string{"单只装", "一对装"}}, {"可叠加收纳箱", []string{"大号", "中号"}},
		{"夏凉被", []string{"150×200", "200×230"}}, {"白鹅绒被", []string{"冬厚款"}}, {"纯棉浴巾", []string{"灰色", "米白"}}, {"懒人沙发", []string{"单人"}}},
	"appliances": {{"空气炸锅", []string{"4.5L", "6L"}}, {"电热水壶", []string{"1.7L"}}, {"破壁料理机", []string{"标准版"}}, {"扫地机器人", []string{"标准版", "自集尘版"}},
		{"负离子吹风机", []string{"白色", "粉色"}}, {"静音加湿器", []string{"4L"}}, {"IH电饭煲", []string{"3L", "4L"}}, {"手持挂烫机", []string{"标准版"}}},
	"pets": {{"全价成猫粮", []string{"2kg", "6kg"}}, {"冻干双拼狗粮", []string{"1.5kg", "5kg"}}, {"豆腐猫砂", []string{"6L×4包"}},
		{"瓦楞纸猫抓板", []string{"大号"}}, {"主食猫罐头", []string{"85g×12罐"}}, {"洁齿咬胶", []string{"小型犬", "中型犬"}}, {"体内外驱虫药", []string{"猫用", "犬用"}}},
	"outdoor": {{"全自动帐篷", []string{"3-4人", "5-8人"}}, {"折叠露营椅", []string{"卡其", "军绿"}}, {"碳素登山杖", []string{"一对装"}},
		{"三合一冲锋衣", []string{"M", "L", "XL"}}, {"羽绒睡袋", []string{"-5℃", "-15℃"}}, {"户外炊具套装", []string{"2-3人"}}, {"防水徒步鞋", []string{"40", "42", "44"}}},
	"auto_accessories": {{"全包围汽车脚垫", []string{"黑色", "咖啡色"}}, {"车载香薰", []string{"海洋", "木质"}}, {"泡沫洗车液", []string{"2L"}},
		{"车载手机支架", []string{"出风口款", "吸盘款"}}, {"记忆棉头枕", []string{"黑色"}}, {"行车记录仪", []string{"单镜头", "双镜头"}}, {"无线车载吸尘器", []string{"标准版"}}},
	"kitchenware": {{"麦饭石不粘炒锅", []string{"30cm", "32cm"}}, {"珐琅铸铁锅", []string{"22cm", "24cm"}}, {"德式刀具套装", []string{"6件套"}},
		{"抗菌砧板", []string{"大号", "中号"}}, {"玻璃保鲜盒", []string{"4件套"}}, {"不锈钢蒸锅", []string{"28cm"}}, {"厨房置物架", []string{"两层", "三层"}}},
	"3c": {{"降噪蓝牙耳机", []string{"黑色", "白色"}}, {"65W氮化镓充电器", []string{"双口"}}, {"20000mAh充电宝", []string{"黑色", "白色"}},
		{"编织数据线", []string{"1m", "2m"}}, {"磁吸手机壳", []string{"iPhone 16", "iPhone 16 Pro"}}, {"智能手表", []string{"42mm", "46mm"}}, {"无线鼠标", []string{"静音款"}}},
	"other": {{"明前龙井", []string{"100g", "250g"}}, {"普洱熟茶饼", []string{"357g"}}, {"旅行茶具套装", []string{"一壶四杯"}},
		{"中秋月饼礼盒", []string{"8枚装"}}, {"福鼎白茶", []string{"200g"}}, {"正山小种红茶", []string{"150g"}}},
}

var usProducts = map[string][]product{
	"home": {{"Linen Duvet Cover", []string{"Queen", "King"}}, {"Memory Foam Pillow", []string{"Standard", "King"}}, {"Woven Storage Bins", []string{"Set of 3"}},
		{"Turkish Bath Towel Set", []string{"Grey", "White"}}, {"Chunky Knit Throw", []string{"Cream", "Sage"}}, {"Ceramic Table Lamp", []string{"Small", "Large"}}, {"Washable Area Rug", []string{"5x7", "8x10"}}},
	"pets": {{"Grain-Free Cat Food", []string{"4 lb", "12 lb"}}, {"Durable Dog Chew Toy", []string{"Medium", "Large"}}, {"Cat Scratching Post", []string{"32 in"}},
		{"Clumping Tofu Cat Litter", []string{"12 lb"}}, {"No-Pull Dog Harness", []string{"S", "M", "L"}}, {"Orthopedic Pet Bed", []string{"M", "L"}}, {"Salmon Training Treats", []string{"6 oz"}}},
}

// priceRange is each category's list price range in major units, and the
// unit cost as a share of price.
var priceRange = map[string]struct{ lo, hi, costLo, costHi float64 }{
	"beauty": {59, 399, 0.18, 0.3}, "apparel": {99, 699, 0.3, 0.42}, "mother_baby": {39, 299, 0.4, 0.55},
	"food_fresh": {19, 199, 0.45, 0.6}, "home": {59, 599, 0.35, 0.5}, "appliances": {149, 1999, 0.55, 0.7},
	"pets": {29, 399, 0.4, 0.55}, "outdoor": {49, 899, 0.35, 0.5}, "auto_accessories": {19, 399, 0.3, 0.45},
	"kitchenware": {39, 499, 0.35, 0.5}, "3c": {29, 999, 0.5, 0.65}, "other": {39, 599, 0.3, 0.45},
}

var usPriceRange = map[string]struct{ lo, hi float64 }{"home": {19, 139}, "pets": {9, 69}}

// Review and NPS sentences, tied to the rating.
var (
	zhPosOpen  = []string{"宝贝收到了，", "第二次回购了，", "物流很快，", "包装很用心，", "朋友推荐买的，", "活动价入手，"}
	zhPosMid   = []string{"质量很好，和描述一致，", "性价比很高，", "用了一段时间效果不错，", "做工精细，没有异味，", "颜值很高，"}
	zhPosClose = []string{"会继续回购的。", "推荐给大家！", "客服态度也很好。", "五星好评。", "很满意。"}
	zhNegOpen  = []string{"收到货有点失望，", "等了好久才发货，", "和图片差距挺大，", "包装破损了，"}
	zhNegMid   = []string{"质量一般，", "用了两天就坏了，", "有明显瑕疵，", "规格和页面写的不一样，", "感觉不值这个价，"}
	zhNegClose = []string{"申请了退货。", "客服回复很慢。", "不会再买了。", "希望商家改进。"}
	zhMid      = []string{"还可以吧，", "一般般，", "中规中矩，"}
	zhMidClose = []string{"价格有点贵，再观察一下。", "物流慢了点。", "凑合用。"}

	enPosOpen  = []string{"Arrived quickly and ", "Second time ordering and ", "Bought this as a gift and ", "Great purchase, "}
	enPosMid   = []string{"the quality is excellent, ", "it looks exactly like the photos, ", "it is great value for money, ", "it is well made, "}
	enPosClose = []string{"would buy again.", "highly recommend!", "five stars.", "very happy with it."}
	enNegOpen  = []string{"Disappointed: ", "Took forever to ship and ", "Not as described: "}
	enNegMid   = []string{"the quality is poor, ", "it broke after a week, ", "the size was wrong, ", "it arrived damaged, "}
	enNegClose = []string{"returned it.", "support was slow to answer.", "would not buy again."}
	enMid      = []string{"It's okay, ", "Average, ", "Decent, "}
	enMidClose = []string{"a bit pricey.", "shipping was slow.", "does the job."}

	zhNPSPromoter  = []string{"很满意，会推荐给朋友", "品质稳定，服务好", "回购很多次了", ""}
	zhNPSPassive   = []string{"还行", "价格再优惠点就好了", ""}
	zhNPSDetractor = []string{"售后处理太慢", "质量不稳定", "发货太慢", "客服态度差"}
	enNPSPromoter  = []string{"Love it, recommended to friends", "Great quality and service", ""}
	enNPSPassive   = []string{"It's fine", "A bit expensive", ""}
	enNPSDetractor = []string{"Slow refunds", "Quality is inconsistent", "Shipping took too long"}
)

func pick(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

// reviewBody writes a review in the shop's language for the rating.
func reviewBody(r *rand.Rand, en bool, rating int) string {
	var b strings.Builder
	switch {
	case en && rating >= 4:
		b.WriteString(pick(r, enPosOpen) + pick(r, enPosMid) + pick(r, enPosClose))
	case en && rating <= 2:
		b.WriteString(pick(r, enNegOpen) + pick(r, enNegMid) + pick(r, enNegClose))
	case en:
		b.WriteString(pick(r, enMid) + pick(r, enMidClose))
	case rating >= 4:
		b.WriteString(pick(r, zhPosOpen) + pick(r, zhPosMid) + pick(r, zhPosClose))
	case rating <= 2:
		b.WriteString(pick(r, zhNegOpen) + pick(r, zhNegMid) + pick(r, zhNegClose))
	default:
		b.WriteString(pick(r, zhMid) + pick(r, zhMidClose))
	}
	return b.String()
}

func npsComment(r *rand.Rand, en bool, score int) string {
	switch {
	case en && score >= 9:
		return pick(r, enNPSPromoter)
	case en && score >= 7:
		return pick(r, enNPSPassive)
	case en:
		return pick(r, enNPSDetractor)
	case score >= 9:
		return pick(r, zhNPSPromoter)
	case score >= 7:
		return pick(r, zhNPSPassive)
	}
	return pick(r, zhNPSDetractor)
}

var (
	cnAgents = []string{"客服-小美", "客服-阿杰", "客服-小雨", "客服-晴天", "客服-木木"}
	usAgents = []string{"Emma (CS)", "Liam (CS)", "Olivia (CS)"}
	cnKOLs   = []string{"达人·小鹿酱", "达人·阿May", "主播·大壮", "达人·橙子姐姐", "主播·老K说好物", "达人·一只琪琪"}
	promos   = []string{"满300减50", "直降10元", "第二件半价", "限时折扣", "会员专享价", ""}
)

// competitorName names a fictional competitor shop.
func competitorName(r *rand.Rand, category string, us bool) string {
	if us {
		return pick(r, []string{"Rival Goods Co.", "Northwind Living", "Brightpaw", "Maple & Oak"})
	}
	return "竞品·" + pick(r, extraSyllables) + pick(r, extraSyllables) + categoryNoun[category] + "旗舰店"
}
