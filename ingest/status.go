package ingest

import (
	"strings"

	"github.com/daiyun/daiyun/warehouse"
)

// statusWords maps the status words exports write (after normalising: no
// spaces, ASCII punctuation, lower case) to the canonical statuses of
// warehouse/schema.go.
var statusWords = map[string]string{
	// Taobao / Tmall (GLOSSARY.md)
	"等待买家付款":       warehouse.StatusPending,
	"买家已付款,等待卖家发货": warehouse.StatusPaid,
	"卖家已发货,等待买家确认": warehouse.StatusShipped,
	"交易成功":         warehouse.StatusCompleted,
	"交易关闭":         warehouse.StatusClosed,
	"退款中":          warehouse.StatusRefunding,
	"退款成功":         warehouse.StatusRefunded,
	"买家已付款":        warehouse.StatusPaid,
	"卖家已发货":        warehouse.StatusShipped,
	"等待卖家发货":       warehouse.StatusPaid,
	"等待买家确认收货":     warehouse.StatusShipped,
	"卖家部分发货":       warehouse.StatusShipped,
	"交易自动关闭":       warehouse.StatusClosed,
	"付款以前,卖家或买家主动关闭交易": warehouse.StatusClosed,
	// JD
	"等待付款":   warehouse.StatusPending,
	"等待出库":   warehouse.StatusPaid,
	"等待发货":   warehouse.StatusPaid,
	"等待确认收货": warehouse.StatusShipped,
	"完成":     warehouse.StatusCompleted,
	"已完成":    warehouse.StatusCompleted,
	"取消":     warehouse.StatusClosed,
	"订单取消":   warehouse.StatusClosed,
	"已取消":    warehouse.StatusClosed,
	"锁定":     warehouse.StatusPaid,
	// Douyin shop, PDD and ERPs
	"待支付":     warehouse.StatusPending,
	"待付款":     warehouse.StatusPending,
	"未付款":     warehouse.StatusPending,
	"备货中":     warehouse.StatusPaid,
	"待发货":     warehouse.StatusPaid,
	"已支付":     warehouse.StatusPaid,
	"已付款":     warehouse.StatusPaid,
	"部分发货":    warehouse.StatusShipped,
	"已发货":     warehouse.StatusShipped,
	"待收货":     warehouse.StatusShipped,
	"已签收":     warehouse.StatusCompleted,
	"已收货":     warehouse.StatusCompleted,
	"已关闭":     warehouse.StatusClosed,
	"售后中":     warehouse.StatusRefunding,
	"退款中(售后)": warehouse.StatusRefunding,
	"已退款":     warehouse.StatusRefunded,
	"全额退款":    warehouse.StatusRefunded,
	// Taobao TOP status codes, as ERP exports (聚水潭 …) write them
	"wait_buyer_pay":           warehouse.StatusPending,
	"trade_no_create_pay":      warehouse.StatusPending,
	"wait_seller_send_goods":   warehouse.StatusPaid,
	"seller_consigned_part":    warehouse.StatusShipped,
	"wait_buyer_confirm_goods": warehouse.StatusShipped,
	"trade_buyer_signed":       warehouse.StatusCompleted,
	"trade_finished":           warehouse.StatusCompleted,
	"trade_closed":             warehouse.StatusClosed,
	"trade_closed_by_taobao":   warehouse.StatusClosed,
	// English and the canonical words themselves
	"pending":   warehouse.StatusPending,
	"unpaid":    warehouse.StatusPending,
	"paid":      warehouse.StatusPaid,
	"shipped":   warehouse.StatusShipped,
	"fulfilled": warehouse.StatusShipped,
	"completed": warehouse.StatusCompleted,
	"complete":  warehouse.StatusCompleted,
	"closed":    warehouse.StatusClosed,
	"cancelled": warehouse.StatusClosed,
	"canceled":  warehouse.StatusClosed,
	"refunding": warehouse.StatusRefunding,
	"refunded":  warehouse.StatusRefunded,
}

// CanonicalStatus maps an export's status word to a canonical status; ok is
// false for a word Daiyun does not know (the row is quarantined, never
// guessed).
func CanonicalStatus(word string) (status string, ok bool) {
	s, ok := statusWords[normWord(word)]
	return s, ok
}

// normWord folds full-width forms, drops spaces and lower-cases, so
// "买家已付款，等待卖家发货" and "买家已付款, 等待卖家发货" are the same word.
func normWord(s string) string {
	if plainWord(s) {
		return s
	}
	s = foldWidth(trimSpace(s))
	if strings.IndexFunc(s, isSpace) >= 0 {
		s = strings.Map(func(r rune) rune {
			if isSpace(r) {
				return -1
			}
			return r
		}, s)
	}
	return strings.ToLower(s)
}

// shopifyStatus derives the canonical status from Shopify's Financial Status,
// Fulfillment Status and Cancelled at; ok is false for an unknown financial
// status.
func shopifyStatus(financial, fulfillment string, cancelled bool) (string, bool) {
	f := normWord(financial)
	var s string
	switch f {
	case "pending", "authorized", "unpaid", "expired":
		s = warehouse.StatusPending
	case "paid", "partially_paid", "partially_refunded":
		s = warehouse.StatusPaid
	case "refunded":
		return warehouse.StatusRefunded, true
	case "voided":
		return warehouse.StatusClosed, true
	default:
		return "", false
	}
	if cancelled {
		return warehouse.StatusClosed, true
	}
	if s == warehouse.StatusPaid {
		switch normWord(fulfillment) {
		case "fulfilled", "partial", "shipped":
			s = warehouse.StatusShipped
		}
	}
	return s, true
}

// plainWord reports whether s is printable ASCII without spaces or upper
// case letters, which normWord leaves as it is.
func plainWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c >= 'A' && c <= 'Z' {
			return false
		}
	}
	return true
}
