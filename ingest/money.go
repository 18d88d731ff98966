package ingest

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// Locale says how people wrote the numbers of a file: which character is the
// decimal mark. Thousands separators are recognised for either.
type Locale string

// Locales Daiyun reads. LocaleDot ("1,234.50", the default: zh-CN, en-US …)
// and LocaleComma ("1.234,50", de-DE, fr-FR, es-ES, it-IT …).
const (
	LocaleDot   Locale = "dot"
	LocaleComma Locale = "comma"
)

// ParseLocale reads a --locale value: "dot", "comma" or a language tag such as
// zh-CN or de-DE; empty means LocaleDot.
func ParseLocale(s string) (Locale, error) {
	t := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "_", "-"))
	switch t {
	case "", "dot", "zh", "zh-cn", "zh-hans", "zh-tw", "zh-hk", "en", "en-us", "en-gb", "en-au", "en-ca", "ja", "ja-jp", "ko", "ko-kr", "th", "th-th":
		return LocaleDot, nil
	case "comma", "de", "de-de", "de-at", "fr", "fr-fr", "es", "es-es", "it", "it-it", "nl", "nl-nl", "pt", "pt-br", "pt-pt", "ru", "ru-ru", "pl", "pl-pl", "tr", "tr-tr", "id", "id-id", "vi", "vi-vn":
		return LocaleComma, nil
	}
	if i := strings.IndexByte(t, '-'); i > 0 {
		return ParseLocale(t[:i])
	}
	return "", errors.New("locale " + s + " is not known (use dot, comma or a tag such as zh-CN or de-DE)")
}

// Errors of the number parsers; the reject reason quotes them.
var (
	errEmpty       = errors.New("is empty")
	errNotNumber   = errors.New("is not a number")
	errTooPrecise  = errors.New("has more decimal places than the currency allows")
	errOverflow    = errors.New("is too large")
	errBadGrouping = errors.New("has misplaced thousands separators")
)

// currencyMarks maps the symbols and words written beside amounts to an ISO
// code. ¥ is both CNY and JPY; it is reported as "¥" and matches either.
var currencyMarks = []struct{ mark, code string }{
	{"US$", "USD"}, {"HK$", "HKD"}, {"NT$", "TWD"}, {"S$", "SGD"}, {"A$", "AUD"}, {"C$", "CAD"},
	{"RMB", "CNY"}, {"CNY", "CNY"}, {"USD", "USD"}, {"EUR", "EUR"}, {"GBP", "GBP"}, {"JPY", "JPY"},
	{"HKD", "HKD"}, {"元", "CNY"}, {"人民币", "CNY"}, {"¥", "¥"}, {"￥", "¥"}, {"$", "$"},
	{"€", "EUR"}, {"£", "GBP"}, {"₩", "KRW"}, {"฿", "THB"},
}

// ParseMoney reads an amount written for people — "¥1,234.50", "1234.5",
// "1.234,50 €", "-12", "(3.00)" — into integer minor units of a currency with
// exp decimal places, exactly: no float is involved, and a value with more
// non-zero decimals than exp is refused rather than rounded. It also returns
// the currency the value was marked with ("" when none; "¥" and "$" are
// ambiguous marks that the caller compares loosely).
func ParseMoney(s string, exp int, loc Locale) (minor int64, mark string, err error) {
	if n, ok := plainAmount(s, exp, loc); ok {
		return n, "", nil
	}
	s = trimSpace(s)
	if s == "" {
		return 0, "", errEmpty
	}
	neg := false
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		neg, s = true, trimSpace(s[1:len(s)-1])
	}
	s, neg = stripSign(s, neg)
	s, mark = stripCurrency(s)
	s, neg = stripSign(s, neg)
	if s == "" {
		return 0, mark, errNotNumber
	}
	minor, err = parseDecimal(s, exp, loc, true)
	if neg {
		minor = -minor
	}
	return minor, mark, err
}

func stripSign(s string, neg bool) (string, bool) {
	switch {
	case strings.HasPrefix(s, "-"), strings.HasPrefix(s, "−"):
		_, n := utf8.DecodeRuneInString(s)
		return trimSpace(s[n:]), !neg
	case strings.HasPrefix(s, "+"):
		return trimSpace(s[1:]), neg
	case strings.HasSuffix(s, "-") && len(s) > 1:
		return trimSpace(s[:len(s)-1]), !neg
	}
	return s, neg
}

func stripCurrency(s string) (string, string) {
	mark := ""
	for _, m := range currencyMarks {
		if strings.HasPrefix(s, m.mark) {
			s, mark = trimSpace(s[len(m.mark):]), m.code
			break
		}
	}
	for _, m := range currencyMarks {
		if strings.HasSuffix(s, m.mark) {
			s = trimSpace(s[:len(s)-len(m.mark)])
			if mark == "" {
				mark = m.code
			}
			break
		}
	}
	return s, mark
}

// ParseCount reads a whole count ("1,234", "12", "12.0", "1.234" in
// LocaleComma). A fractional count (Google Ads conversions "3.50") is rounded
// half away from zero, in integers.
func ParseCount(s string, loc Locale) (int64, error) {
	if n, ok := plainInt(s); ok {
		return n, nil
	}
	s = trimSpace(s)
	if s == "" {
		return 0, errEmpty
	}
	neg := false
	s, neg = stripSign(s, neg)
	if s == "" {
		return 0, errNotNumber
	}
	// Two decimals kept, then rounded: enough for every count we read.
	v, err := parseDecimal(s, 2, loc, false)
	if err != nil {
		return 0, err
	}
	n := (v + 50) / 100
	if neg {
		n = -n
	}
	return n, nil
}

// maxPlain is the most digits plainInt and plainAmount read: their value
// times 10^exp cannot overflow.
const maxPlain = 15

// plainInt reads the plainest whole numbers, 1 to 15 ASCII digits, which
// most cells are; ok is false for anything else (signs, separators,
// spaces), which the general parsers then read with the same result.
func plainInt(s string) (n int64, ok bool) {
	if len(s) == 0 || len(s) > maxPlain {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// plainAmount reads what ParseMoney would from digits with, in LocaleDot,
// up to exp decimals after a dot ("1234", "1234.5"); ok is false for
// anything else.
func plainAmount(s string, exp int, loc Locale) (minor int64, ok bool) {
	whole, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		if loc == LocaleComma {
			return 0, false
		}
		whole, frac = s[:i], s[i+1:]
		if frac == "" || len(frac) > exp {
			return 0, false
		}
	}
	if exp > 3 {
		return 0, false
	}
	n, ok := plainInt(whole)
	if !ok {
		return 0, false
	}
	for i := 0; i < exp; i++ {
		n *= 10
		if i < len(frac) {
			c := frac[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n += int64(c - '0')
		}
	}
	return n, true
}

// parseDecimal reads digits with optional thousands separators and decimal
// mark into an integer scaled by 10^exp. When exact is set, non-zero digits
// beyond exp are an error; otherwise they are dropped (truncated).
func parseDecimal(s string, exp int, loc Locale, exact bool) (int64, error) {
	dec := byte('.')
	if loc == LocaleComma {
		dec = ','
	}
	var (
		v        int64
		digits   int  // digits in the current group
		grouped  bool // a thousands separator was seen
		inFrac   bool
		frac     int
		anyDigit bool
	)
	const max = (1<<63 - 1) / 10
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			anyDigit = true
			if inFrac {
				if frac >= exp {
					if c != '0' && exact {
						return 0, errTooPrecise
					}
					continue
				}
				frac++
			} else {
				digits++
			}
			if v > max {
				return 0, errOverflow
			}
			v = v*10 + int64(c-'0')
			if v < 0 {
				return 0, errOverflow
			}
		case c == dec && !inFrac:
			if grouped && digits != 3 {
				return 0, errBadGrouping
			}
			inFrac = true
		case !inFrac && (c == ',' || c == '.' || c == ' ' || c == '\''):
			// A thousands separator: the other mark of the locale, a space
			// or an apostrophe (de-CH). Groups after it have three digits.
			if c == ',' && dec == ',' || c == '.' && dec == '.' {
				return 0, errNotNumber
			}
			if digits == 0 || (grouped && digits != 3) || (!grouped && digits > 3) {
				return 0, errBadGrouping
			}
			grouped, digits = true, 0
		default:
			return 0, errNotNumber
		}
	}
	if !anyDigit {
		return 0, errNotNumber
	}
	if !inFrac && grouped && digits != 3 {
		return 0, errBadGrouping
	}
	for ; frac < exp; frac++ {
		if v > max {
			return 0, errOverflow
		}
		v *= 10
	}
	return v, nil
}

// trimSpace trims ASCII spaces, the full-width space U+3000, no-break spaces
// and a stray BOM.
func trimSpace(s string) string {
	return strings.TrimFunc(s, isSpace)
}

func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\r', '\n', '\u3000', '\u00a0', '\u202f', '\u2007', '\ufeff':
		return true
	}
	return false
}
