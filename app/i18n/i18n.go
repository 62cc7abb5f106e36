// Package i18n gives app/ code the same translations the window uses: the
// flat JSON files in assets/lang (English text → translation), which ui also
// registers with Fyne's lang package. It imports no Fyne.
//
// The rule for a sentence a person sees: app/ code writes it in English,
// which is the key. A sentence with values is a Go template
// ("Receipt {{.Receipt}} was paid after all.") carried as a Msg with its
// values; it is put into words at the edge where it becomes text: the Till's
// view and the receipts with a Localizer of the till's language, an error in
// the window with Fyne's lang.L (ui.cashierError). Keys are listed in
// assets/lang/en.json and a test checks every language has each of them.
package i18n

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"sync"
	"text/template"

	"github.com/jeandeaual/go-locale"

	"github.com/kasse-pos/kasse/assets"
)

// Language is one the till speaks.
type Language struct {
	Code string // BCP 47: en, nb, da, fi
	Name string // in the language itself, as a settings list shows it
}

// Languages are the languages Kasse is translated into.
func Languages() []Language {
	return []Language{{"en", "English"}, {"nb", "Norsk bokmål"}, {"da", "Dansk"}, {"fi", "Suomi"}}
}

// Supported reports whether code is one of Languages.
func Supported(code string) bool {
	for _, l := range Languages() {
		if l.Code == code {
			return true
		}
	}
	return false
}

// Resolve is the language to use for a setting: the setting itself when it
// is a language Kasse has, else (empty: follow the computer) the first of the
// computer's languages that Kasse has, else English. Norwegian ("no", "nn")
// reads as Bokmål.
func Resolve(setting string) string {
	if c := base(setting); Supported(c) {
		return c
	}
	all, _ := locale.GetLocales() // an unknown locale means English
	for _, l := range all {
		if c := base(l); Supported(c) {
			return c
		}
	}
	return "en"
}

func base(tag string) string {
	t := strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(t, "-_.@"); i >= 0 {
		t = t[:i]
	}
	switch t {
	case "no", "nn":
		return "nb"
	}
	return t
}

var (
	loadOnce sync.Once
	tables   map[string]map[string]string
	loadErr  error
)

// Table is a language's translations, key → text; nil for an unknown language.
func Table(lang string) (map[string]string, error) {
	loadOnce.Do(load)
	return tables[lang], loadErr
}

func load() {
	tables = map[string]map[string]string{}
	for _, l := range Languages() {
		data, err := assets.Lang.ReadFile(path.Join("lang", l.Code+".json"))
		if err != nil {
			loadErr = fmt.Errorf("i18n: %w", err)
			return
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			loadErr = fmt.Errorf("i18n: %s.json: %w", l.Code, err)
			return
		}
		tables[l.Code] = m
	}
}

// Known reports whether key is one of the translated texts (en.json has it).
func Known(key string) bool {
	t, _ := Table("en")
	_, ok := t[key]
	return ok
}

// Args are a message's values by name, for its template.
type Args = map[string]any

// Msg is a sentence for a person: its English text (the key, a Go template
// when it has values) and the values. As an error or a string it reads in
// English, for logs; a Localizer or lang.L puts it into the person's language.
type Msg struct {
	Key  string
	Args Args
}

// M is a Msg with values given as name, value pairs: M("Receipt {{.Receipt}} …", "Receipt", n).
func M(key string, kv ...any) Msg {
	m := Msg{Key: key}
	if len(kv) > 0 {
		m.Args = Args{}
		for i := 0; i+1 < len(kv); i += 2 {
			m.Args[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return m
}

// String is the message in English.
func (m Msg) String() string { return render(m.Key, m.Key, m.Args) }

// Error is the message in English, so that a Msg is an error too.
func (m Msg) Error() string { return m.String() }

// Localizer puts messages into one language.
type Localizer struct {
	lang  string
	table map[string]string
}

// For is the Localizer of lang ("en", "nb", "da", "fi"); another language
// reads as English.
func For(lang string) *Localizer {
	t, _ := Table(lang)
	if t == nil {
		lang = "en"
		t, _ = Table(lang)
	}
	return &Localizer{lang: lang, table: t}
}

// Lang is the localizer's language code.
func (l *Localizer) Lang() string {
	if l == nil {
		return "en"
	}
	return l.lang
}

// T is key in the localizer's language with values given as name, value
// pairs; a key without a translation reads as itself (English).
func (l *Localizer) T(key string, kv ...any) string { return l.Msg(M(key, kv...)) }

// Msg is m in the localizer's language.
func (l *Localizer) Msg(m Msg) string {
	text := m.Key
	if l != nil {
		if s, ok := l.table[m.Key]; ok && s != "" {
			text = s
		}
	}
	args, copied := m.Args, false
	for k, v := range m.Args {
		// A value that is a sentence itself (a reason) reads in the
		// same language.
		if n, ok := v.(Msg); ok {
			if !copied {
				args, copied = make(Args, len(m.Args)), true
				for k2, v2 := range m.Args {
					args[k2] = v2
				}
			}
			args[k] = l.Msg(n)
		}
	}
	return render(m.Key, text, args)
}

// T is key in lang: For(lang).T(key, kv...).
func T(lang, key string, kv ...any) string { return For(lang).T(key, kv...) }

// Key marks a string literal as a text a person sees, so the translation
// test finds it where it is not written next to a T or lang.L call.
func Key(s string) string { return s }

func render(key, text string, args Args) string {
	if !strings.Contains(text, "{{") {
		return text
	}
	t, err := template.New(key).Option("missingkey=zero").Parse(text)
	if err != nil {
		return text
	}
	var b strings.Builder
	if err := t.Execute(&b, args); err != nil {
		return text
	}
	return b.String()
}
