package ui

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/cashier"
	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/app/setup"
	"github.com/kasse-pos/kasse/app/station"
)

// SetupOptions are what the setup window needs.
type SetupOptions struct {
	// Tester runs the Test connection buttons.
	Tester setup.Tester
	// Demo starts the demo ("Try the demo").
	Demo func()
	// Done saves cfg and starts the till; an error is shown and the setup
	// stays open.
	Done func(cfg station.Config) error
}

// Setup is the first-start window's content: the demo or a shop's setup,
// step by step.
type Setup struct {
	win   fyne.Window
	opts  SetupOptions
	form  *form
	step  int
	body  *fyne.Container
	title *widget.Label
	back  *widget.Button
	next  *widget.Button
	err   *widget.Label
}

// ShowSetup puts the setup into w.
func ShowSetup(w fyne.Window, opts SetupOptions) *Setup {
	if a := fyne.CurrentApp(); a != nil {
		a.Settings().SetTheme(newTheme())
	}
	s := &Setup{win: w, opts: opts, step: -1}
	cfg := setup.Defaults()
	s.form = newForm(w, &cfg, opts.Tester, false)
	s.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.err = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance}
	s.back = &widget.Button{Text: lang.L("Back"), Icon: theme.NavigateBackIcon(), OnTapped: s.onBack}
	s.next = &widget.Button{Text: lang.L("Next"), Icon: theme.NavigateNextIcon(), IconPlacement: widget.ButtonIconTrailingText,
		Importance: widget.HighImportance, OnTapped: s.onNext}
	s.body = container.NewStack()
	s.showWelcome()
	return s
}

func (s *Setup) showWelcome() {
	s.step = -1
	heading := widget.NewLabelWithStyle(lang.L("Welcome to Kasse"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	text := widget.NewLabelWithStyle(lang.L("Sell with Vipps MobilePay at your counter. Try it first with a simulated Vipps, or connect your shop now: you need the keys from the Vipps MobilePay portal."),
		fyne.TextAlignCenter, fyne.TextStyle{})
	text.Wrapping = fyne.TextWrapWord
	demo := sized(&widget.Button{Text: lang.L("Try the demo"), Icon: theme.MediaPlayIcon(), OnTapped: s.opts.Demo}, 0, touch)
	shop := sized(&widget.Button{Text: lang.L("Connect my shop"), Icon: theme.StorageIcon(), Importance: widget.HighImportance,
		OnTapped: func() { s.show(0) }}, 0, touch)
	box := container.NewVBox(heading, text, layout.NewSpacer(), container.NewGridWithColumns(2, demo, shop), s.err)
	if a := fyne.CurrentApp(); a != nil && a.Icon() != nil {
		icon := canvas.NewImageFromResource(a.Icon())
		icon.FillMode = canvas.ImageFillContain
		icon.SetMinSize(fyne.NewSize(96, 96))
		box.Objects = append([]fyne.CanvasObject{icon}, box.Objects...)
	}
	s.win.SetContent(container.NewCenter(sized(container.NewPadded(box), 620, 0)))
}

// show puts step i on the screen.
func (s *Setup) show(i int) {
	s.step = i
	st := setup.Steps[i]
	s.title.SetText(lang.L("Step") + fmt.Sprintf(" %d/%d: ", i+1, len(setup.Steps)) + stepTitle(st))
	s.err.SetText("")
	s.body.Objects = []fyne.CanvasObject{s.form.page(st)}
	s.body.Refresh()
	if i == len(setup.Steps)-1 {
		s.next.SetText(lang.L("Save and start"))
		s.next.SetIcon(theme.ConfirmIcon())
	} else {
		s.next.SetText(lang.L("Next"))
		s.next.SetIcon(theme.NavigateNextIcon())
	}
	bar := container.NewBorder(nil, nil, s.back, s.next)
	s.win.SetContent(container.NewPadded(container.NewBorder(
		container.NewVBox(s.title, widget.NewSeparator()),
		container.NewVBox(s.err, bar), nil, nil, container.NewVScroll(s.body))))
}

func (s *Setup) onBack() {
	if s.step <= 0 {
		s.showWelcome()
		return
	}
	s.show(s.step - 1)
}

func (s *Setup) onNext() {
	if err := s.form.collect(setup.Steps[s.step]); err != nil {
		s.err.SetText(cashierError(err, lang.L("Something on this page is not right; check each field.")))
		return
	}
	if s.step < len(setup.Steps)-1 {
		s.show(s.step + 1)
		return
	}
	cfg := setup.Finish(*s.form.cfg)
	if missing := setup.Validate(cfg); len(missing) > 0 {
		for i, st := range setup.Steps {
			if msg, ok := missing[st]; ok {
				s.show(i)
				s.err.SetText(tr(msg))
				return
			}
		}
	}
	if err := s.opts.Done(cfg); err != nil {
		slog.Error("setup: saving the settings", "err", err)
		s.err.SetText(lang.L("Could not save the settings. Check that Kasse may write to its settings folder and that the disk is not full, then try again."))
	}
}

// Step is which step is on the screen (-1: the welcome page), for tests.
func (s *Setup) Step() int { return s.step }

func stepTitle(st setup.Step) string {
	switch st {
	case setup.StepEnvironment:
		return lang.L("Test or production")
	case setup.StepKeys:
		return lang.L("Vipps MobilePay keys")
	case setup.StepShop:
		return lang.L("Your shop")
	case setup.StepTill:
		return lang.L("This till and the relay")
	case setup.StepScanner:
		return lang.L("Barcode scanner")
	case setup.StepPrinter:
		return lang.L("Receipt printer")
	case setup.StepCatalog:
		return lang.L("Products")
	case setup.StepMarket:
		return lang.L("Country and language")
	case setup.StepManager:
		return lang.L("Manager")
	}
	return string(st)
}

// form holds the widgets of every step, bound to one configuration. The
// setup window shows one step at a time, the settings screen all of them.
type form struct {
	win      fyne.Window
	cfg      *station.Config
	tester   setup.Tester
	settings bool // editing a saved configuration: secrets are kept unless retyped

	env                                  *widget.RadioGroup
	envShown                             string // what env showed at first
	clientID, secret, subKey, msn        *widget.Entry
	shopName, address, orgNumber         *widget.Entry
	posID, relayURL, relayToken          *widget.Entry
	scanPort                             *widget.SelectEntry
	baud                                 *widget.Entry
	printer                              *widget.Entry
	width                                *widget.Select
	catalog                              *widget.Entry
	market, language                     *widget.Select
	managerName, managerPIN, managerPIN2 *widget.Entry
	// results are the Test connection answers, per step.
	results map[setup.Step]*widget.Label
	tests   map[setup.Step]*widget.Button
	// busy is closed when the last test started ends (tests wait on it).
	busy chan struct{}
}

func newForm(w fyne.Window, cfg *station.Config, t setup.Tester, settings bool) *form {
	f := &form{win: w, cfg: cfg, tester: t, settings: settings, results: map[setup.Step]*widget.Label{}, tests: map[setup.Step]*widget.Button{}}
	entry := func(text, hint string) *widget.Entry {
		e := &widget.Entry{Text: text, PlaceHolder: hint}
		e.ExtendBaseWidget(e)
		return e
	}
	// A secret is typed, never shown: no reveal button, and in settings the
	// stored one appears only as its last 4 characters.
	secret := func(value, hint string) *widget.Entry {
		e := &widget.Entry{Password: true, PlaceHolder: hint, ActionItem: layout.NewSpacer()}
		if settings && value != "" {
			e.PlaceHolder = station.Mask(value) + " " + lang.L("(type to replace)")
		} else {
			e.Text = value
		}
		e.ExtendBaseWidget(e)
		return e
	}
	f.env = widget.NewRadioGroup([]string{envTest(), envProduction()}, nil)
	if cfg.Vipps.BaseURL == station.ProductionURL {
		f.env.Selected = envProduction()
	} else {
		f.env.Selected = envTest()
	}
	f.envShown = f.env.Selected
	f.clientID = entry(cfg.Vipps.ClientID, lang.L("Client id"))
	f.secret = secret(cfg.Vipps.ClientSecret, lang.L("Client secret"))
	f.subKey = secret(cfg.Vipps.SubscriptionKey, lang.L("Subscription key (Ocp-Apim-Subscription-Key)"))
	f.msn = entry(cfg.Vipps.MSN, lang.L("Merchant serial number, e.g. 123456"))
	f.shopName = entry(cfg.Shop.Name, lang.L("Shop name, as on the receipt"))
	f.address = entry(cfg.Shop.Address, lang.L("Street, postcode and town"))
	f.orgNumber = entry(cfg.Shop.OrgNumber, lang.L("Organisation number, e.g. 999 999 999 MVA"))
	f.posID = entry(cfg.POSID, lang.L("Till id, e.g. 1"))
	f.relayURL = entry(cfg.Relay.URL, "https://relay.example.com")
	f.relayToken = secret(cfg.Relay.Token, lang.L("Till token from kasse-relay till add"))
	f.scanPort = widget.NewSelectEntry(setup.SerialPorts())
	f.scanPort.SetText(cfg.Scanner.Port)
	f.scanPort.PlaceHolder = lang.L("None: a scanner that types like a keyboard")
	f.baud = entry("", "9600")
	if cfg.Scanner.Baud > 0 {
		f.baud.SetText(strconv.Itoa(cfg.Scanner.Baud))
	}
	f.printer = entry(cfg.Printer, "tcp:192.168.1.50:9100")
	f.width = widget.NewSelect([]string{"80 mm (48)", "58 mm (32)"}, nil)
	f.width.SetSelectedIndex(0)
	if cfg.PrinterLayout.Width == 32 {
		f.width.SetSelectedIndex(1)
	}
	f.catalog = entry(cfg.CatalogFile, lang.L("Empty: start with no products"))
	f.market = widget.NewSelect([]string{marketName("NO"), marketName("DK"), marketName("FI")}, nil)
	f.market.SetSelected(marketName(cfg.Market))
	f.language = widget.NewSelect(languageNames(), nil)
	f.language.SetSelected(languageName(cfg.Language))
	f.managerName = entry("", lang.L("Name"))
	f.managerPIN = secret("", lang.L("PIN, 4 to 12 digits"))
	f.managerPIN2 = secret("", lang.L("The same PIN again"))
	return f
}

func envTest() string       { return lang.L("Test (apitest.vipps.no): test keys, no real money") }
func envProduction() string { return lang.L("Production (api.vipps.no): real payments") }

func marketName(m string) string {
	switch m {
	case "DK":
		return lang.L("Denmark (MobilePay, DKK)")
	case "FI":
		return lang.L("Finland (MobilePay, EUR)")
	}
	return lang.L("Norway (Vipps, NOK)")
}

func languageNames() []string {
	var out []string
	for _, l := range setup.Languages {
		out = append(out, languageName(l))
	}
	return out
}

func languageName(code string) string {
	switch code {
	case "en":
		return "English"
	case "nb":
		return "Norsk bokmål"
	case "da":
		return "Dansk"
	case "fi":
		return "Suomi"
	}
	return lang.L("As the computer")
}

// page is one step's widgets.
func (f *form) page(st setup.Step) fyne.CanvasObject {
	hint := func(s string) *widget.Label {
		l := widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
		l.Wrapping = fyne.TextWrapWord
		return l
	}
	items := []fyne.CanvasObject{}
	add := func(o ...fyne.CanvasObject) { items = append(items, o...) }
	switch st {
	case setup.StepEnvironment:
		add(hint(lang.L("Start with Test to try a sale with the test app; switch to Production when the shop opens. Test and production have different keys.")), f.env)
	case setup.StepKeys:
		add(hint(lang.L("From the Vipps MobilePay portal (portal.vippsmobilepay.com), under Developer: the sales unit's keys.")),
			widget.NewForm(widget.NewFormItem(lang.L("Client id"), f.clientID), widget.NewFormItem(lang.L("Client secret"), f.secret),
				widget.NewFormItem(lang.L("Subscription key"), f.subKey), widget.NewFormItem(lang.L("MSN"), f.msn)),
			f.tester_(st, f.tester.Keys))
	case setup.StepShop:
		add(hint(lang.L("Printed on every receipt.")),
			widget.NewForm(widget.NewFormItem(lang.L("Name"), f.shopName), widget.NewFormItem(lang.L("Address"), f.address),
				widget.NewFormItem(lang.L("Organisation number"), f.orgNumber)))
	case setup.StepTill:
		add(hint(lang.L("The till id is in every payment reference. The relay brings this till its payment events; leave the relay empty to follow payments by asking Vipps MobilePay every few seconds.")),
			widget.NewForm(widget.NewFormItem(lang.L("Till id"), f.posID), widget.NewFormItem(lang.L("Relay URL"), f.relayURL),
				widget.NewFormItem(lang.L("Till token"), f.relayToken)),
			f.tester_(st, f.tester.Relay))
	case setup.StepScanner:
		refresh := &widget.Button{Text: lang.L("Look again"), Icon: theme.ViewRefreshIcon(), OnTapped: func() { f.scanPort.SetOptions(setup.SerialPorts()) }}
		found := lang.L("Serial ports found:") + " " + strings.Join(setup.SerialPorts(), ", ")
		if len(setup.SerialPorts()) == 0 {
			found = lang.L("No serial ports found.")
		}
		add(hint(lang.L("A USB scanner that types like a keyboard needs nothing here. A serial scanner: choose its port, then scan a barcode after Test.")),
			hint(found), widget.NewForm(widget.NewFormItem(lang.L("Port"), container.NewBorder(nil, nil, nil, refresh, f.scanPort)),
				widget.NewFormItem(lang.L("Speed (baud)"), f.baud)),
			f.tester_(st, f.tester.Scanner))
	case setup.StepPrinter:
		add(hint(lang.L("An ESC/POS receipt printer: tcp:ADDRESS:9100 on the network, serial:/dev/ttyUSB0?baud=19200, file:/dev/usb/lp0 on USB. Empty: no printer.")),
			widget.NewForm(widget.NewFormItem(lang.L("Printer"), f.printer), widget.NewFormItem(lang.L("Paper"), f.width)),
			f.tester_(st, f.tester.Printer))
	case setup.StepCatalog:
		choose := &widget.Button{Text: lang.L("Choose file…"), Icon: theme.FolderOpenIcon(), OnTapped: f.onChooseCatalog}
		add(hint(lang.L("The products on the till's tiles, from a catalog file: a CSV file with the columns name, price (including VAT), vat, ean and category, or Kasse's JSON. Leave it empty to start with no products: items can be typed by hand.")),
			container.NewBorder(nil, nil, nil, choose, f.catalog),
			f.tester_(st, func(context.Context, station.Config) station.Check {
				return setup.Catalog(f.catalog.Text, f.cfg.Market)
			}))
	case setup.StepMarket:
		add(hint(lang.L("The country sets the app your customers pay with, the currency and the VAT rates.")),
			widget.NewForm(widget.NewFormItem(lang.L("Country"), f.market), widget.NewFormItem(lang.L("Language"), f.language)))
	case setup.StepManager:
		add(hint(lang.L("The manager may refund, close the day and change these settings. Add cashiers later in Settings.")),
			widget.NewForm(widget.NewFormItem(lang.L("Name"), f.managerName), widget.NewFormItem(lang.L("PIN"), f.managerPIN),
				widget.NewFormItem(lang.L("PIN again"), f.managerPIN2)))
	}
	return container.NewVBox(items...)
}

// tester_ is a Test connection button and its answer for a step.
func (f *form) tester_(st setup.Step, test func(context.Context, station.Config) station.Check) fyne.CanvasObject {
	res := &widget.Label{Wrapping: fyne.TextWrapWord}
	res.ExtendBaseWidget(res)
	f.results[st] = res
	var btn *widget.Button
	btn = &widget.Button{Text: lang.L("Test connection"), Icon: theme.MediaPlayIcon(), OnTapped: func() {
		if err := f.collect(st); err != nil {
			res.Importance = widget.DangerImportance
			res.SetText(cashierError(err, lang.L("Something on this page is not right; check each field.")))
			return
		}
		cfg := *f.cfg
		res.Importance = widget.MediumImportance
		res.SetText(lang.L("Testing…"))
		btn.Disable()
		done := make(chan struct{})
		f.busy = done
		go func() {
			defer close(done)
			c := test(context.Background(), cfg)
			fyne.Do(func() {
				btn.Enable()
				res.Importance = widget.SuccessImportance
				if !c.OK {
					res.Importance = widget.DangerImportance
				}
				res.SetText(i18n.For(current).Msg(c.Message))
			})
		}()
	}}
	if st == setup.StepPrinter {
		btn.Text = lang.L("Print a test page")
	}
	btn.ExtendBaseWidget(btn)
	f.tests[st] = btn
	return container.NewVBox(container.NewHBox(btn), res)
}

func (f *form) onChooseCatalog() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		f.catalog.SetText(r.URI().Path())
	}, f.win)
	d.Show()
}

// collect copies a step's widgets into the configuration, or says what is
// wrong with them.
func (f *form) collect(st setup.Step) error {
	c := f.cfg
	keep := func(e *widget.Entry, old string) string {
		if f.settings && e.Text == "" {
			return old // not retyped
		}
		return strings.TrimSpace(e.Text)
	}
	switch st {
	case setup.StepEnvironment:
		if f.settings && f.env.Selected == f.envShown {
			break // unchanged: keep the saved URL (the demo's simulator, a proxy)
		}
		c.Vipps.BaseURL = station.TestURL
		if f.env.Selected == envProduction() {
			c.Vipps.BaseURL = station.ProductionURL
		}
	case setup.StepKeys:
		c.Vipps.ClientID = strings.TrimSpace(f.clientID.Text)
		c.Vipps.ClientSecret = keep(f.secret, c.Vipps.ClientSecret)
		c.Vipps.SubscriptionKey = keep(f.subKey, c.Vipps.SubscriptionKey)
		c.Vipps.MSN = strings.TrimSpace(f.msn.Text)
	case setup.StepShop:
		c.Shop.Name, c.Shop.Address, c.Shop.OrgNumber = strings.TrimSpace(f.shopName.Text), strings.TrimSpace(f.address.Text), strings.TrimSpace(f.orgNumber.Text)
	case setup.StepTill:
		c.POSID = strings.TrimSpace(f.posID.Text)
		c.Relay.URL = strings.TrimSpace(f.relayURL.Text)
		c.Relay.Token = keep(f.relayToken, c.Relay.Token)
	case setup.StepScanner:
		c.Scanner.Port = strings.TrimSpace(f.scanPort.Text)
		c.Scanner.Baud = 0
		if t := strings.TrimSpace(f.baud.Text); t != "" {
			n, err := strconv.Atoi(t)
			if err != nil || n <= 0 {
				return fmt.Errorf("%s", lang.L("The speed is a number, such as 9600."))
			}
			c.Scanner.Baud = n
		}
	case setup.StepPrinter:
		c.Printer = strings.TrimSpace(f.printer.Text)
		c.PrinterLayout.Width = 48
		if f.width.SelectedIndex() == 1 {
			c.PrinterLayout.Width = 32
		}
	case setup.StepCatalog:
		c.CatalogFile = strings.TrimSpace(f.catalog.Text)
		if chk := setup.Catalog(c.CatalogFile, c.Market); !chk.OK {
			return chk.Message
		}
	case setup.StepMarket:
		c.Market = setup.Markets[max(f.market.SelectedIndex(), 0)]
		c.Language = setup.Languages[max(f.language.SelectedIndex(), 0)]
	case setup.StepManager:
		if f.settings && f.managerName.Text == "" {
			return nil
		}
		m, err := setup.Manager(f.managerName.Text, f.managerPIN.Text, f.managerPIN2.Text)
		if err != nil {
			return err
		}
		c.Cashiers = slices.DeleteFunc(c.Cashiers, func(a cashier.Account) bool { return a.Name == m.Name })
		c.Cashiers = append(c.Cashiers, m)
	}
	return nil
}

// ShowProblem puts a problem that stops the till into w, in words, with
// Quit and, if again is set, Set up again.
func ShowProblem(w fyne.Window, text string, again, quit func()) {
	heading := widget.NewLabelWithStyle(lang.L("Kasse cannot start"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	body := &widget.Label{Text: text, Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance}
	body.ExtendBaseWidget(body)
	buttons := container.NewHBox(layout.NewSpacer())
	if again != nil {
		buttons.Add(&widget.Button{Text: lang.L("Set up again (replaces the file)"), OnTapped: again})
	}
	buttons.Add(&widget.Button{Text: lang.L("Quit"), Importance: widget.HighImportance, OnTapped: quit})
	hint := widget.NewLabel(lang.L("Correct the file and start Kasse again."))
	w.SetContent(container.NewCenter(sized(container.NewPadded(container.NewVBox(heading, body, hint, buttons)), 700, 0)))
}
