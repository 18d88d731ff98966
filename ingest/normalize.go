package ingest

import (
	"strings"

	"golang.org/x/text/width"
)

// foldWidth turns full-width ASCII forms (，（）：１２３) into their ASCII
// equivalents and leaves CJK characters alone.
func foldWidth(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return width.Fold.String(s)
		}
	}
	return s
}

// normHeader is the key a header cell is matched by: full-width folded,
// lower case, without spaces, underscores, BOM or protective ="…".
func normHeader(s string) string {
	s = foldWidth(cleanCell(s))
	var b strings.Builder
	for _, r := range s {
		if isSpace(r) || r == '_' || r == '*' {
			continue
		}
		b.WriteRune(r)
	}
	return strings.ToLower(b.String())
}

// stripParen drops a trailing parenthesised unit such as "(元)" or "(USD)"
// from a normalised header.
func stripParen(h string) string {
	if strings.HasSuffix(h, ")") {
		if i := strings.LastIndex(h, "("); i > 0 {
			return h[:i]
		}
	}
	return h
}
