package ui

import (
	"fmt"
	"path"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/assets"
)

// current is the window's language, for app/ texts made for it.
var current = "en"

// UseLanguage makes code ("en", "nb", "da", "fi"; i18n.Resolve gives it from
// the setting) the language of every lang.L in the window. Call it before
// Create; a settings screen that changes the language calls it again and
// builds the window's content anew.
//
// Fyne's lang picks, among the translations it has, the one closest to the
// computer's locale and has no way to choose another. So Kasse registers the
// chosen language's file (assets/lang) under that language, under English
// (Fyne's fallback) and under the computer's own language: whichever Fyne
// picks, Kasse's texts come out in code. The files also carry Fyne's own
// dialog words (Cancel, OK…). English's file maps each key to itself,
// so that choosing English again undoes another language.
func UseLanguage(code string) error {
	defer func() { current = code }()
	if !i18n.Supported(code) {
		return fmt.Errorf("language %q: want one of en, nb, da, fi", code)
	}
	data, err := assets.Lang.ReadFile(path.Join("lang", code+".json"))
	if err != nil {
		return fmt.Errorf("language %s: %w", code, err)
	}
	seen := map[string]bool{}
	for _, loc := range []string{code, "en", lang.SystemLocale().LanguageString(), string(lang.SystemLocale())} {
		if loc == "" || seen[loc] {
			continue
		}
		seen[loc] = true
		if err := lang.AddTranslationsForLocale(data, fyne.Locale(loc)); err != nil {
			return fmt.Errorf("language %s: %w", code, err)
		}
	}
	return nil
}
