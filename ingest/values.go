package ingest

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
)

// parseTime reads a date-time of the file (ParseTime, or a serial number in
// an XLSX cell).
func (imp *importer) parseTime(v string) (time.Time, error) {
	t, err := ParseTime(v, imp.loc)
	if err != nil && imp.excel {
		if x, ok := excelSerial(v, imp.loc); ok {
			return x, nil
		}
	}
	return t, err
}

// parseDay reads a calendar day of the file.
func (imp *importer) parseDay(v string) (time.Time, error) {
	d, err := ParseDay(v, imp.loc)
	if err != nil && imp.excel {
		if x, ok := excelSerial(v, imp.loc); ok {
			return DayOf(x, imp.loc), nil
		}
	}
	return d, err
}

// future reports a time beyond the future tolerance.
func (imp *importer) future(t time.Time) bool { return t.After(imp.limit) }

// source tag stored in orders.source.
func (imp *importer) sourceTag() string { return "import:" + imp.prof.Name }

// parseMoney reads a money value of the shop's currency.
func (imp *importer) parseMoney(v string) (int64, error) {
	if imp.prof.MinorUnits {
		if n, ok := plainInt(v); ok {
			return n, nil
		}
		s, neg := trimSpace(v), false
		if strings.HasPrefix(s, "-") {
			s, neg = s[1:], true
		}
		n, err := parseDecimal(s, 0, LocaleDot, true)
		if err == errTooPrecise {
			err = errors.New("is not a whole number of minor units")
		}
		if neg {
			n = -n
		}
		return n, err
	}
	n, mark, err := ParseMoney(v, imp.exp, imp.req.Locale)
	if err != nil {
		return 0, err
	}
	if mark != "" && !currencyMatches(mark, imp.req.Shop.Currency) {
		return 0, fmt.Errorf("is in %s, not the shop's currency %s", mark, imp.req.Shop.Currency)
	}
	return n, nil
}

// currencyMatches compares a currency mark with the shop's currency; ¥ and
// $ stand for several.
func currencyMatches(mark, cur string) bool {
	switch mark {
	case "¥":
		return cur == "CNY" || cur == "JPY"
	case "$":
		return strings.HasSuffix(cur, "D") || cur == "MXN"
	}
	return mark == cur
}

// checkCurrency validates a currency column value.
func (imp *importer) checkCurrency(v string) error {
	c := strings.ToUpper(trimSpace(v))
	if c == "" {
		return nil
	}
	if !daiyun.ValidCurrency(c) {
		return fmt.Errorf("is not a currency Daiyun knows")
	}
	if c != imp.req.Shop.Currency {
		return fmt.Errorf("is not the shop's currency %s", imp.req.Shop.Currency)
	}
	return nil
}
