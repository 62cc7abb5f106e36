package ui

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/cashier"
	"github.com/kasse-pos/kasse/app/setup"
	"github.com/kasse-pos/kasse/app/station"
)

// SettingsOptions are what the settings screen needs.
type SettingsOptions struct {
	// Config is the configuration as saved; Path is where it is saved.
	Config func() station.Config
	Path   string
	// Cashiers checks the manager's PIN before the screen opens.
	Cashiers Cashiers
	Tester   setup.Tester
	// Apply is told of a saved configuration. It applies what it can at
	// once and reports whether anything else waits for a restart.
	Apply func(station.Config) (restart bool)
	// Catalog, when set, adds the Products tab (catalog.go).
	Catalog *CatalogOptions
}

// Settings is the settings screen of one window.
type Settings struct {
	opts    SettingsOptions
	parent  fyne.Window
	win     fyne.Window
	cfg     station.Config
	form    *form
	list    *fyne.Container
	lockSel *widget.Select
	msg     *widget.Label
	// The Cashiers tab's form to add (or change) a cashier.
	addName, addPIN, addPIN2 *widget.Entry
	addRole                  *widget.Select
	addBtn                   *widget.Button
	addMsg                   *widget.Label
	// pin is the manager PIN prompt while it is open.
	pin    *widget.Entry
	pinMsg *widget.Label
	pinDlg dialog.Dialog
	// manager is who gave the PIN, for the journal.
	manager string
	// products is the Products tab while the window is open.
	products *catalogEditor
}

// NewSettings makes the settings of the till in parent; Open shows them.
func NewSettings(parent fyne.Window, opts SettingsOptions) *Settings {
	return &Settings{opts: opts, parent: parent}
}

// Open asks for a manager's PIN, then opens the settings. A till with no
// cashiers set up opens them at once: adding a manager is the first thing
// to do there.
func (s *Settings) Open() {
	if s.opts.Cashiers == nil || s.opts.Cashiers.Open() {
		s.show()
		return
	}
	s.pin = &widget.Entry{Password: true, PlaceHolder: lang.L("Manager PIN"), ActionItem: layout.NewSpacer()}
	s.pin.ExtendBaseWidget(s.pin)
	s.pinMsg = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance}
	s.pin.OnSubmitted = func(string) { s.onPIN() }
	content := container.NewVBox(widget.NewLabel(lang.L("The settings need a manager's PIN.")), s.pin, s.pinMsg)
	s.pinDlg = dialog.NewCustomWithoutButtons(lang.L("Settings"), content, s.parent)
	cancel := &widget.Button{Text: lang.L("Cancel"), OnTapped: s.pinDlg.Hide}
	ok := &widget.Button{Text: lang.L("Open settings"), Importance: widget.HighImportance, OnTapped: s.onPIN}
	s.pinDlg.(*dialog.CustomDialog).SetButtons([]fyne.CanvasObject{cancel, ok})
	s.pinDlg.Resize(fyne.NewSize(400, 0))
	s.pinDlg.Show()
	s.parent.Canvas().Focus(s.pin)
}

func (s *Settings) onPIN() {
	a, err := s.opts.Cashiers.Authorize(s.pin.Text)
	s.manager = a.Name
	s.pin.SetText("")
	var le *cashier.LockedError
	switch {
	case err == nil:
		s.pinDlg.Hide()
		s.show()
	case errors.As(err, &le):
		s.pinMsg.SetText(lang.L("Too many wrong PINs. Wait, then try again:") + " " + le.Wait.Round(time.Second).String())
	default:
		s.pinMsg.SetText(lang.L("That is not a manager's PIN."))
	}
}

// Window is the settings window while it is open, for tests.
func (s *Settings) Window() fyne.Window { return s.win }

func (s *Settings) show() {
	if s.win != nil {
		s.win.RequestFocus()
		return
	}
	s.cfg = s.opts.Config()
	s.win = fyne.CurrentApp().NewWindow(lang.L("Kasse settings"))
	s.win.SetOnClosed(func() { s.win = nil })
	s.form = newForm(s.win, &s.cfg, s.opts.Tester, true)
	tabs := container.NewAppTabs()
	for _, st := range setup.Steps {
		if st == setup.StepManager {
			continue // the Cashiers tab holds every account
		}
		tabs.Append(container.NewTabItem(stepTitle(st), container.NewVScroll(container.NewPadded(s.form.page(st)))))
	}
	tabs.Append(container.NewTabItem(lang.L("Cashiers"), container.NewVScroll(container.NewPadded(s.cashiersPage()))))
	if s.opts.Catalog != nil {
		s.products = s.newProducts()
		tabs.Append(container.NewTabItem(lang.L("Product list"), s.products.content()))
	}
	tabs.SetTabLocation(container.TabLocationLeading)
	s.msg = &widget.Label{Wrapping: fyne.TextWrapWord}
	save := &widget.Button{Text: lang.L("Save"), Icon: theme.DocumentSaveIcon(), Importance: widget.HighImportance, OnTapped: s.onSave}
	closeB := &widget.Button{Text: lang.L("Close"), OnTapped: s.closeChecked}
	s.win.SetCloseIntercept(s.closeChecked)
	s.win.SetContent(container.NewBorder(nil, container.NewPadded(container.NewBorder(nil, nil, nil, container.NewHBox(closeB, save), s.msg)), nil, nil, tabs))
	s.win.Resize(fyne.NewSize(1000, 680))
	s.win.Show()
}

// lockChoices are the idle times offered, and their names.
var lockChoices = []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute, 0}

func lockName(d time.Duration) string {
	if d == 0 {
		return lang.L("Never")
	}
	return fmt.Sprintf("%d min", int(d/time.Minute))
}

func (s *Settings) cashiersPage() fyne.CanvasObject {
	s.list = container.NewVBox()
	s.drawCashiers()
	name := &widget.Entry{PlaceHolder: lang.L("Name")}
	role := widget.NewSelect([]string{lang.L("Cashier"), lang.L("Manager")}, nil)
	role.SetSelectedIndex(0)
	pin := &widget.Entry{Password: true, PlaceHolder: lang.L("PIN, 4 to 12 digits"), ActionItem: layout.NewSpacer()}
	pin2 := &widget.Entry{Password: true, PlaceHolder: lang.L("The same PIN again"), ActionItem: layout.NewSpacer()}
	for _, e := range []*widget.Entry{name, pin, pin2} {
		e.ExtendBaseWidget(e)
	}
	addMsg := &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance}
	s.addName, s.addPIN, s.addPIN2, s.addRole, s.addMsg = name, pin, pin2, role, addMsg
	add := &widget.Button{Text: lang.L("Add or change"), Icon: theme.ContentAddIcon(), OnTapped: func() {
		a, err := setup.Manager(name.Text, pin.Text, pin2.Text)
		if err != nil {
			addMsg.SetText(err.Error())
			return
		}
		if role.SelectedIndex() == 0 {
			a.Role = cashier.RoleCashier
		}
		s.cfg.Cashiers = slices.DeleteFunc(s.cfg.Cashiers, func(o cashier.Account) bool { return o.Name == a.Name })
		s.cfg.Cashiers = append(s.cfg.Cashiers, a)
		name.SetText("")
		pin.SetText("")
		pin2.SetText("")
		addMsg.SetText("")
		s.drawCashiers()
	}}
	add.ExtendBaseWidget(add)
	s.addBtn = add
	var names []string
	sel := 2
	for i, d := range lockChoices {
		names = append(names, lockName(d))
		if d == s.cfg.IdleLock() {
			sel = i
		}
	}
	s.lockSel = widget.NewSelect(names, nil)
	s.lockSel.SetSelectedIndex(sel)
	return container.NewVBox(
		widget.NewLabelWithStyle(lang.L("Who may log in"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.list,
		widget.NewSeparator(),
		widget.NewForm(widget.NewFormItem(lang.L("Name"), name), widget.NewFormItem(lang.L("Role"), role),
			widget.NewFormItem(lang.L("PIN"), pin), widget.NewFormItem(lang.L("PIN again"), pin2)),
		container.NewHBox(add), addMsg, widget.NewSeparator(),
		widget.NewForm(widget.NewFormItem(lang.L("Lock the till after"), s.lockSel)))
}

func (s *Settings) drawCashiers() {
	s.list.RemoveAll()
	if len(s.cfg.Cashiers) == 0 {
		s.list.Add(widget.NewLabel(lang.L("Nobody yet: anyone at the till may refund and change settings. Add a manager.")))
	}
	for _, a := range s.cfg.Cashiers {
		role := lang.L("Cashier")
		if a.Role == cashier.RoleManager {
			role = lang.L("Manager")
		}
		rm := &widget.Button{Text: lang.L("Remove"), Icon: theme.DeleteIcon(), OnTapped: func() {
			s.cfg.Cashiers = slices.DeleteFunc(s.cfg.Cashiers, func(o cashier.Account) bool { return o.Name == a.Name })
			s.drawCashiers()
		}}
		s.list.Add(container.NewBorder(nil, nil, nil, rm, widget.NewLabel(a.Name+" ("+role+")")))
	}
	s.list.Refresh()
}

func (s *Settings) onSave() {
	for _, st := range setup.Steps {
		if err := s.form.collect(st); err != nil {
			s.msg.Importance = widget.DangerImportance
			s.msg.SetText(stepTitle(st) + ": " + err.Error())
			return
		}
	}
	lock := station.Duration(lockChoices[max(s.lockSel.SelectedIndex(), 0)])
	s.cfg.LockAfter = &lock
	cfg := s.cfg
	if !cfg.Demo {
		cfg = setup.Finish(cfg)
	}
	if missing := setup.Validate(cfg); !cfg.Demo && len(missing) > 0 {
		for _, st := range append(setup.Steps, setup.StepManager) {
			if m, ok := missing[st]; ok {
				s.msg.Importance = widget.DangerImportance
				s.msg.SetText(stepTitle(st) + ": " + tr(m))
				return
			}
		}
	}
	if s.opts.Path != "" {
		if err := station.Save(s.opts.Path, cfg); err != nil {
			s.msg.Importance = widget.DangerImportance
			slog.Error("settings: saving", "path", s.opts.Path, "err", err)
			s.msg.SetText(lang.L("Could not save the settings. Check that Kasse may write to its settings folder and that the disk is not full, then try again."))
			return
		}
	}
	s.cfg = cfg
	restart := s.opts.Apply != nil && s.opts.Apply(cfg)
	s.msg.Importance = widget.SuccessImportance
	if restart {
		s.msg.SetText(lang.L("Saved. Cashiers, the lock time and the language apply now; the other changes apply after Kasse is restarted."))
	} else {
		s.msg.SetText(lang.L("Saved and applied."))
	}
}
