package web

import (
	"embed"
	"encoding/json"
	"net/http"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localeFS embed.FS

// Languages the UI speaks; zh-CN is the default.
var Languages = []string{"zh-CN", "en"}

var bundle = func() *i18n.Bundle {
	b := i18n.NewBundle(language.MustParse("zh-CN"))
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	for _, f := range []string{"locales/zh-CN.json", "locales/en.json"} {
		if _, err := b.LoadMessageFileFS(localeFS, f); err != nil {
			panic(err)
		}
	}
	return b
}()

// translator looks up UI messages in one language; a missing message shows
// its id, so gaps are visible rather than blank.
type translator struct{ loc *i18n.Localizer }

func newTranslator(lang string) translator {
	return translator{i18n.NewLocalizer(bundle, lang)}
}

func (t translator) T(id string) string {
	s, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: id})
	if err != nil {
		return id
	}
	return s
}

// langOf picks the UI language: the user's setting, else the lang cookie,
// else zh-CN.
func langOf(r *http.Request) string {
	if u, ok := userFrom(r.Context()); ok && u.Lang != "" {
		return u.Lang
	}
	if c, err := r.Cookie("daiyun_lang"); err == nil && (c.Value == "en" || c.Value == "zh-CN") {
		return c.Value
	}
	return "zh-CN"
}
