package i18n

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The translation tests read the source of ui/ and app/: every text a person
// sees is a key of assets/lang/en.json, and every language has each key.
//
// After adding texts: KASSE_WRITE_KEYS=1 go test ./app/i18n -run TestKeys
// rewrites en.json from the source (each key its own English text); the
// other languages then fail until translated.

const root = "../.."

// keyCall is a call whose first string argument (or second, for i18n.T) is a
// key: lang.L/X/N, i18n.M/Key/T and a Localizer's T.
func keyArg(call *ast.CallExpr) (ast.Expr, bool) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || len(call.Args) == 0 {
		return nil, false
	}
	pkg, _ := sel.X.(*ast.Ident)
	switch {
	case pkg != nil && pkg.Name == "lang" && (sel.Sel.Name == "L" || sel.Sel.Name == "N"):
		return call.Args[0], true
	case pkg != nil && pkg.Name == "i18n" && (sel.Sel.Name == "M" || sel.Sel.Name == "Key"):
		return call.Args[0], true
	case pkg != nil && pkg.Name == "i18n" && sel.Sel.Name == "T" && len(call.Args) > 1:
		return call.Args[1], true
	case sel.Sel.Name == "T" && (pkg == nil || pkg.Name != "i18n"):
		return call.Args[0], true // a Localizer's T; testing.T has no method T
	}
	return nil, false
}

// shown are the expressions of n that app/ code shows a person as they are
// or as a key the view looks up: the till's notice (Notify, a screen's
// notice field), its status bar (SetStatus, the relay's problem) and a
// setup check's Message.
func shown(n ast.Node) []ast.Expr {
	switch n := n.(type) {
	case *ast.CallExpr:
		sel, ok := n.Fun.(*ast.SelectorExpr)
		if !ok {
			return nil
		}
		switch {
		case (sel.Sel.Name == "Notify" || sel.Sel.Name == "setProblem") && len(n.Args) == 1:
			return n.Args[:1]
		case sel.Sel.Name == "SetStatus" && len(n.Args) == 2:
			return n.Args[1:]
		}
	case *ast.AssignStmt:
		var out []ast.Expr
		for i, l := range n.Lhs {
			if sel, ok := l.(*ast.SelectorExpr); ok && (sel.Sel.Name == "notice" || sel.Sel.Name == "Notice") && i < len(n.Rhs) {
				if n.Tok == token.ADD_ASSIGN {
					// notice += "…": English pieces too
					out = append(out, &ast.BinaryExpr{X: l, OpPos: n.TokPos, Op: token.ADD, Y: n.Rhs[i]})
					continue
				}
				out = append(out, n.Rhs[i])
			}
		}
		return out
	case *ast.CompositeLit:
		name := ""
		switch typ := n.Type.(type) {
		case *ast.Ident:
			name = typ.Name
		case *ast.SelectorExpr:
			name = typ.Sel.Name
		}
		if name != "Check" {
			return nil
		}
		for _, el := range n.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Message" {
					return []ast.Expr{kv.Value}
				}
			}
		}
	}
	return nil
}

// pieced reports whether e builds a sentence out of English pieces (a
// literal with a letter joined by +, or fmt's formatting), which no
// translation can find as a key.
func pieced(e ast.Expr) bool {
	letter := regexp.MustCompile(`\pL`)
	switch e := e.(type) {
	case *ast.ParenExpr:
		return pieced(e.X)
	case *ast.BinaryExpr:
		for _, x := range []ast.Expr{e.X, e.Y} {
			if bl, ok := x.(*ast.BasicLit); ok && bl.Kind == token.STRING && letter.MatchString(bl.Value) {
				return true
			}
			if pieced(x) {
				return true
			}
		}
	case *ast.CallExpr:
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok {
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "fmt" {
				return true
			}
		}
	}
	return false
}

func TestKeysNoNoticeBuiltFromEnglish(t *testing.T) {
	fset := token.NewFileSet()
	n := 0
	err := filepath.WalkDir(filepath.Join(root, "app"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(node ast.Node) bool {
			for _, e := range shown(node) {
				n++
				if pieced(e) {
					t.Errorf("%s: a text a person sees is pieced together in English; make it one key (a template with values): T(\"… {{.X}} …\", \"X\", x)", fset.Position(e.Pos()))
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Fatalf("found only %d notices in app/: the walk is broken", n)
	}
}

// technical matches an error of the program rather than a sentence ("checkout: …").
var technical = regexp.MustCompile(`^[a-z][a-z0-9]*: `)

// sourceKeys are the keys the source uses, with where each is first used.
func sourceKeys(t *testing.T) map[string]string {
	t.Helper()
	keys := map[string]string{}
	fset := token.NewFileSet()
	add := func(lit ast.Expr, pos token.Pos) {
		bl, ok := lit.(*ast.BasicLit)
		if !ok || bl.Kind != token.STRING {
			return
		}
		s, err := strconv.Unquote(bl.Value)
		if err != nil || strings.TrimSpace(s) == "" {
			return
		}
		if _, ok := keys[s]; !ok {
			keys[s] = fset.Position(pos).String()
		}
	}
	for _, dir := range []string{"ui", "app"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			rel = filepath.ToSlash(rel)
			ast.Inspect(f, func(n ast.Node) bool {
				if strings.HasPrefix(rel, "app/") {
					for _, e := range shown(n) {
						add(e, e.Pos()) // a literal notice is a key
					}
				}
				switch n := n.(type) {
				case *ast.CallExpr:
					if a, ok := keyArg(n); ok {
						add(a, n.Pos())
					}
					// Sentences the till and the back office return as
					// errors reach the window (ui.cashierError looks them up).
					errSentences := (strings.HasPrefix(rel, "app/checkout/") || strings.HasPrefix(rel, "app/backoffice/")) && !strings.HasSuffix(rel, "_csv.go")
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok && errSentences && len(n.Args) == 1 {
						if id, ok := sel.X.(*ast.Ident); ok && id.Name == "errors" && sel.Sel.Name == "New" {
							if bl, ok := n.Args[0].(*ast.BasicLit); ok {
								if s, _ := strconv.Unquote(bl.Value); !technical.MatchString(s) {
									add(bl, n.Pos())
								}
							}
						}
					}
				case *ast.ValueSpec:
					// app/scan's Msg… and app/msisdn's reason… constants
					// are shown as they are (a bad number's reason is the
					// customer field's message).
					if prefix := map[string]string{"app/scan/scan.go": "Msg", "app/msisdn/msisdn.go": "reason"}[rel]; prefix != "" {
						for i, name := range n.Names {
							if strings.HasPrefix(name.Name, prefix) && i < len(n.Values) {
								add(n.Values[i], n.Pos())
							}
						}
					}
				case *ast.FuncDecl:
					// payment.message's sentences are returned as they are.
					if rel == "app/payment/message.go" && n.Name.Name == "message" {
						ast.Inspect(n.Body, func(m ast.Node) bool {
							if r, ok := m.(*ast.ReturnStmt); ok && len(r.Results) == 1 {
								add(r.Results[0], r.Pos())
							}
							return true
						})
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Fyne's own dialog words, which the files translate too.
	for _, k := range []string{"Cancel", "Confirm", "OK", "Yes", "No", "Save", "Open", "Error", "Copy", "Cut", "Paste", "Undo", "Redo", "Select all", "Quit", "File", "Folder", "New Folder", "Create Folder", "Enter filename", "Favourites", "Show Hidden Files", "Advanced"} {
		if _, ok := keys[k]; !ok {
			keys[k] = "fyne.io/fyne/v2/lang"
		}
	}
	return keys
}

func readTable(t *testing.T, lang string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "assets", "lang", lang+".json"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s.json: %v", lang, err)
	}
	return m
}

func TestKeysEveryTextHasEveryLanguage(t *testing.T) {
	keys := sourceKeys(t)
	if len(keys) < 200 {
		t.Fatalf("found only %d keys in the source: the walk is broken", len(keys))
	}
	if os.Getenv("KASSE_WRITE_KEYS") != "" {
		en := map[string]string{}
		for k := range keys {
			en[k] = k
		}
		data, _ := json.MarshalIndent(en, "", "  ")
		if err := os.WriteFile(filepath.Join(root, "assets", "lang", "en.json"), append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	en := readTable(t, "en")
	var missing []string
	for k, at := range keys {
		if en[k] != k {
			missing = append(missing, at+": "+strconv.Quote(k))
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("en.json lacks the key of %s", m)
	}
	for k := range en {
		if _, ok := keys[k]; !ok {
			t.Errorf("en.json has %q, which no source uses any more", k)
		}
		// go-i18n reads a flat file whose key is one of these words as a
		// single message, and fails on the whole file.
		switch strings.ToLower(k) {
		case "id", "description", "hash", "leftdelim", "rightdelim", "zero", "one", "two", "few", "many", "other", "translation":
			t.Errorf("key %q is a word go-i18n reserves; say it another way", k)
		}
	}
	for _, l := range Languages()[1:] {
		tab := readTable(t, l.Code)
		var lacks []string
		for k := range en {
			if strings.TrimSpace(tab[k]) == "" {
				lacks = append(lacks, strconv.Quote(k))
			} else if strings.Count(tab[k], "{{") != strings.Count(k, "{{") {
				t.Errorf("%s.json: %q has other values than its key %q", l.Code, tab[k], k)
			}
		}
		sort.Strings(lacks)
		if len(lacks) > 0 {
			t.Errorf("%s.json lacks %d of %d texts:\n%s", l.Code, len(lacks), len(en), strings.Join(lacks, "\n"))
		}
		for k := range tab {
			if _, ok := en[k]; !ok {
				t.Errorf("%s.json has %q, which is not a key", l.Code, k)
			}
		}
	}
}

// A widget's text written as a literal, not through lang.L: the test below
// finds them in ui/ (a literal with a letter in it; symbols like "✓ " pass).
var widgetText = regexp.MustCompile(`(NewLabel|NewLabelWithStyle|NewButton|NewButtonWithIcon|NewCheck|NewTabItem|NewTabItemWithIcon|NewText|NewCustom|NewCustomWithoutButtons|NewCustomConfirm|ShowCustom|ShowInformation|ShowError|SetText|SetPlaceHolder|heading|section|row|wrapped|Notify|newMessage\(\w+,)\(?\s*"([^"]*)"|(Text|PlaceHolder|Title):\s*"([^"]*)"`)

func TestKeysNoWidgetTextWithoutLangL(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(root, "ui", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	letter := regexp.MustCompile(`\pL`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			for _, m := range widgetText.FindAllStringSubmatch(line, -1) {
				n++
				lit := m[2] + m[4]
				if letter.MatchString(lit) {
					t.Errorf("%s:%d: %q is shown without lang.L", filepath.Base(f), i+1, lit)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("the scan matched nothing: the pattern is broken")
	}
}

func TestLocalizerTemplatesAndFallback(t *testing.T) {
	m := M("Receipt {{.Receipt}} was paid but its receipt never went out; it goes out now.", "Receipt", "000042")
	if got := m.String(); got != "Receipt 000042 was paid but its receipt never went out; it goes out now." {
		t.Errorf("English = %q", got)
	}
	for _, l := range Languages()[1:] {
		got := For(l.Code).Msg(m)
		if !strings.Contains(got, "000042") || got == m.String() {
			t.Errorf("%s: %q", l.Code, got)
		}
	}
	if got := For("nb").T("not a key {{.X}}", "X", 1); got != "not a key 1" {
		t.Errorf("an unknown key reads as itself: %q", got)
	}
	// A value that is a sentence itself reads in the same language.
	nested := M("Could not reach the relay at {{.URL}}: {{.Reason}}", "URL", "https://relay.example", "Reason", M("no answer in time"))
	if got := For("nb").Msg(nested); got != "Fikk ikke kontakt med reléet på https://relay.example: ikke noe svar i tide" {
		t.Errorf("nested: %q", got)
	}
	if got := nested.String(); got != "Could not reach the relay at https://relay.example: no answer in time" {
		t.Errorf("nested in English: %q", got)
	}
	if For("sv").Lang() != "en" {
		t.Error("an unknown language is not English")
	}
	for in, want := range map[string]string{"nb": "nb", "no": "nb", "nn_NO": "nb", "da-DK": "da", "fi": "fi", "en": "en"} {
		if got := Resolve(in); got != want {
			t.Errorf("Resolve(%q) = %q, want %q", in, got, want)
		}
	}
	t.Setenv("LANGUAGE", "")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "da_DK.UTF-8")
	if got := Resolve(""); got != "da" {
		t.Errorf("Resolve follows the computer (LANG=da_DK): %q", got)
	}
}
