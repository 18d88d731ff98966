package ingest

// An order field is one thing an order export can say about an order or one
// of its lines. Profiles and mappings bind source columns to these fields by
// name; the canonical names are those of the orders and order_lines tables
// where one exists.
type field int

const (
	fNone field = iota
	// order level
	fOrderNo
	fBuyer // buyer identity (member name, e-mail): pseudonymised, never stored
	fCustomerID
	fStatus
	fFinancialStatus
	fFulfillmentStatus
	fCancelledAt
	fCreatedAt
	fPaidAt
	fShippedAt
	fCompletedAt
	fUpdatedAt
	fCurrency
	fGoods
	fSubtotal // goods after order discounts (Shopify Subtotal)
	fDiscount
	fShipping
	fTax
	fTotal
	fPaid
	fRefund
	fProvince
	fCity
	fAddress // full address: only province and city are kept
	fChannel
	fCampaign
	fVersion
	fTenantID
	fShopID
	// line level
	fLineNo
	fSKU
	fSPU
	fTitle
	fQuantity
	fUnitPrice
	fLineAmount
	fLineDiscount
	fLineRefund
	fRefundQty
	nFields
)

// fieldNames are the canonical names used in mappings, generic templates and
// docs/import.md.
var fieldNames = [nFields]string{
	fOrderNo: "order_no", fBuyer: "buyer", fCustomerID: "customer_id", fStatus: "status",
	fFinancialStatus: "financial_status", fFulfillmentStatus: "fulfillment_status",
	fCancelledAt: "cancelled_at", fCreatedAt: "created_at", fPaidAt: "paid_at",
	fShippedAt: "shipped_at", fCompletedAt: "completed_at", fUpdatedAt: "updated_at",
	fCurrency: "currency", fGoods: "goods_minor", fSubtotal: "subtotal_minor", fDiscount: "discount_minor",
	fShipping: "shipping_minor", fTax: "tax_minor", fTotal: "total_minor", fPaid: "paid_minor",
	fRefund: "refund_minor", fProvince: "province", fCity: "city", fAddress: "address",
	fChannel: "channel", fCampaign: "campaign", fVersion: "version",
	fTenantID: "tenant_id", fShopID: "shop_id",
	fLineNo: "line_no", fSKU: "sku_id", fSPU: "spu_id", fTitle: "title", fQuantity: "quantity",
	fUnitPrice: "unit_price_minor", fLineAmount: "amount_minor", fLineDiscount: "line_discount_minor",
	fLineRefund: "line_refund_minor", fRefundQty: "refund_qty",
}

func fieldByName(name string) field {
	for f, n := range fieldNames {
		if n == name && n != "" {
			return field(f)
		}
	}
	return fNone
}

func (f field) String() string { return fieldNames[f] }

// isLine reports whether f describes an order line rather than the order.
func (f field) isLine() bool { return f >= fLineNo }

// kind of value a field holds.
func (f field) isMoney() bool {
	switch f {
	case fGoods, fSubtotal, fDiscount, fShipping, fTax, fTotal, fPaid, fRefund, fUnitPrice, fLineAmount, fLineDiscount, fLineRefund:
		return true
	}
	return false
}

func (f field) isTime() bool {
	switch f {
	case fCancelledAt, fCreatedAt, fPaidAt, fShippedAt, fCompletedAt, fUpdatedAt:
		return true
	}
	return false
}

func (f field) isCount() bool {
	switch f {
	case fLineNo, fQuantity, fRefundQty, fVersion, fTenantID, fShopID:
		return true
	}
	return false
}
