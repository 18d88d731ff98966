package ingest

import "github.com/daiyun/daiyun"

// f builds a Field; req marks it required.
func f(name string, aliases ...string) Field { return Field{Name: name, Aliases: aliases} }
func req(name string, aliases ...string) Field {
	return Field{Name: name, Aliases: aliases, Required: true}
}

// orderProfiles are the platforms' order exports.
func orderProfiles() []*Profile {
	return []*Profile{
		{
			Name: "taobao_orders", Title: "淘宝/天猫 订单报表 (Taobao/Tmall order export)", Platform: daiyun.PlatformTaobao,
			Table: "orders",
			Doc: "One row per order (ExportOrderList). When the file also has per-item columns (购买数量, 价格, 商家编码) " +
				"it is read as one row per line with the order columns repeated. 宝贝标题/宝贝种类/宝贝总数量 of an order-only " +
				"file describe all items together and are not stored as lines: import the items file (taobao_order_items) after it. " +
				"discount_minor = 买家应付货款 + 买家应付邮费 − 总金额 when positive. 收货人姓名, 联系电话, 联系手机 and the street part of 收货地址 are never read.",
			Fields: []Field{
				req("order_no", "订单编号", "订单号"),
				f("buyer", "买家会员名", "买家昵称"),
				f("goods_minor", "买家应付货款", "商品总价"),
				f("shipping_minor", "买家应付邮费", "运费"),
				req("total_minor", "总金额", "订单总金额"),
				f("paid_minor", "买家实际支付金额", "实付款"),
				req("status", "订单状态"),
				req("created_at", "订单创建时间", "创建时间"),
				f("paid_at", "订单付款时间", "付款时间"),
				f("shipped_at", "发货时间"),
				f("completed_at", "确认收货时间", "交易完成时间"),
				f("refund_minor", "退款金额"),
				f("address", "收货地址"),
				f("province", "收货省份", "省"),
				f("city", "收货城市", "市"),
				f("channel", "订单来源"),
				f("quantity", "购买数量", "宝贝数量"),
				f("unit_price_minor", "价格", "宝贝单价", "单价"),
				f("sku_id", "商家编码", "商品编码", "SKU编码"),
				f("spu_id", "商品ID", "宝贝ID"),
				f("title", "宝贝标题", "标题"),
				f("line_refund_minor", "子订单退款金额"),
			},
		},
		{
			Name: "taobao_order_items", Title: "淘宝/天猫 宝贝报表 (Taobao/Tmall order items export)", Platform: daiyun.PlatformTaobao,
			Table: "order_lines",
			Doc: "One row per item (ExportOrderDetailList), the second file of the order export. Import the order file " +
				"first: a line whose 订单编号 is neither in the same import nor in the warehouse is quarantined. " +
				"amount_minor = 价格 × 购买数量.",
			Fields: []Field{
				req("order_no", "订单编号", "订单号"),
				req("title", "标题", "宝贝标题"),
				req("unit_price_minor", "价格", "单价"),
				req("quantity", "购买数量", "数量"),
				f("sku_id", "商家编码", "商品编码"),
				f("spu_id", "外部系统编号", "商品ID"),
			},
		},
		{
			Name: "jd_orders", Title: "京东 订单导出 (JD order export)", Platform: daiyun.PlatformJD,
			Table: "orders",
			Doc: "One row per SKU with the order's columns repeated on every row. 客户姓名, 联系电话 and the street part of " +
				"客户地址 are never read.",
			Fields: []Field{
				req("order_no", "订单号", "订单编号"),
				req("sku_id", "商品ID", "商品编号"),
				f("title", "商品名称"),
				req("quantity", "订购数量", "商品数量"),
				f("unit_price_minor", "京东价", "商品单价"),
				f("spu_id", "货号"),
				req("created_at", "下单时间"),
				f("paid_at", "付款确认时间", "付款时间"),
				f("completed_at", "订单完成时间", "完成时间"),
				req("total_minor", "订单金额"),
				f("paid_minor", "应付金额", "实付金额"),
				f("shipping_minor", "运费金额", "运费"),
				f("discount_minor", "优惠金额"),
				req("status", "订单状态"),
				f("buyer", "下单帐号", "下单账号", "用户账号"),
				f("address", "客户地址", "收货地址"),
				f("channel", "订单来源", "订单渠道"),
			},
		},
		{
			Name: "douyin_orders", Title: "抖店 订单导出 (Douyin shop order export)", Platform: daiyun.PlatformDouyin,
			Table: "orders", SumRows: true,
			Doc: "One row per sub-order (子订单), each with its own share of the money; the order's total, shipping and " +
				"discount are the sums over its rows. 收件人, 收件人手机号, 街道 and 详细地址 are never read.",
			Fields: []Field{
				req("order_no", "主订单编号", "订单编号"),
				req("title", "选购商品", "商品名称"),
				req("quantity", "商品数量"),
				f("spu_id", "商品ID"),
				f("sku_id", "商家编码", "商品编码"),
				f("unit_price_minor", "商品单价"),
				req("total_minor", "订单应付金额", "应付金额"),
				f("shipping_minor", "运费"),
				f("discount_minor", "优惠总金额"),
				req("created_at", "订单提交时间", "下单时间"),
				f("paid_at", "支付完成时间", "支付时间"),
				f("shipped_at", "发货时间"),
				f("completed_at", "订单完成时间", "完成时间"),
				req("status", "订单状态"),
				f("province", "省"),
				f("city", "市"),
				f("channel", "流量来源"),
				f("campaign", "广告渠道"),
				f("buyer", "用户ID", "买家昵称"),
			},
		},
		{
			Name: "shopify_orders", Title: "Shopify orders CSV", Platform: daiyun.PlatformShopify,
			Table: "orders",
			Doc: "One row per line item; the order's columns are filled on its first row only. goods_minor = Subtotal + " +
				"Discount Amount; Taxes are checked in reconciliation but not stored. Status comes from Financial Status, " +
				"Fulfillment Status and Cancelled at. Billing/Shipping Name, Street, Address1/2, Zip and Phone are never read.",
			Fields: []Field{
				req("order_no", "Name"),
				f("buyer", "Email"),
				req("financial_status", "Financial Status"),
				f("fulfillment_status", "Fulfillment Status"),
				f("paid_at", "Paid at"),
				f("shipped_at", "Fulfilled at"),
				f("cancelled_at", "Cancelled at"),
				f("currency", "Currency"),
				f("subtotal_minor", "Subtotal"),
				f("shipping_minor", "Shipping"),
				f("tax_minor", "Taxes"),
				req("total_minor", "Total"),
				f("discount_minor", "Discount Amount"),
				req("created_at", "Created at"),
				req("quantity", "Lineitem quantity"),
				f("title", "Lineitem name"),
				req("unit_price_minor", "Lineitem price"),
				f("sku_id", "Lineitem sku"),
				f("line_discount_minor", "Lineitem discount"),
				f("refund_minor", "Refunded Amount"),
				f("province", "Shipping Province Name", "Shipping Province", "Billing Province Name", "Billing Province"),
				f("city", "Shipping City", "Billing City"),
				f("channel", "Source"),
			},
		},
	}
}
