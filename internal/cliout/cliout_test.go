package cliout

import "testing"

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"":           "",
		"shop":       "shop",
		"-12.5":      "-12.5",
		"-2+3":       "'-2+3",
		"=SUM(A1)":   "'=SUM(A1)",
		"+1":         "'+1",
		"@cmd":       "'@cmd",
		"\t=1":       "'\t=1",
		"-1e5":       "'-1e5",
		"1,234":      "1,234",
		"示例美妆":       "示例美妆",
		"-":          "'-",
		"-.5":        "'-.5",
		"-HYPERLINK": "'-HYPERLINK",
	} {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}
