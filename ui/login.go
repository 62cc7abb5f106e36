package ui

import (
	"errors"
	"log/slog"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/cashier"
	"github.com/kasse-pos/kasse/app/checkout"
)

// Cashiers is the till's login as the screens use it (*cashier.Desk).
type Cashiers interface {
	Open() bool
	Names() []string
	Login(name, pin string) (cashier.Account, error)
	Logout(why string) error
	Current() (cashier.Account, bool)
	Touch()
	LockIfIdle() bool
	Authorize(pin string) (cashier.Account, error)
	Allowed(action string) bool
}

var _ Cashiers = (*cashier.Desk)(nil)

// idleCheck is how often the till looks whether it has been idle too long.
const idleCheck = 5 * time.Second

// lock is the login over the till: while nobody is logged in it covers the
// whole window; the header shows who is.
type lock struct {
	c       Cashiers
	win     fyne.Window
	screen  *loginScreen
	overlay *fyne.Container
	main    fyne.CanvasObject
	who     *widget.Label
	switchB *widget.Button
}

// attachLogin puts the login over the window's content. With no cashiers
// set up it only says so in the header.
func (u *UI) attachLogin() {
	c := u.opts.Cashiers
	l := u.lock
	l.main = u.win.Content()
	l.screen = newLoginScreen(c, l.unlocked)
	l.screen.hint = u.opts.LoginHint
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameBackground))
	l.overlay = container.NewStack(bg, l.screen.content())
	u.win.SetContent(container.NewStack(l.main, l.overlay))
	l.update()
	go func() {
		t := time.NewTicker(idleCheck)
		defer t.Stop()
		for {
			select {
			case <-u.stop:
				return
			case <-t.C:
				if c.LockIfIdle() {
					fyne.Do(l.update)
				}
			}
		}
	}()
}

// headerItems are the cashier's name, which is also the Switch cashier
// button (the header is narrow on a 1024 px till).
func (l *lock) headerItems() []fyne.CanvasObject {
	l.who = widget.NewLabel("")
	l.switchB = &widget.Button{Icon: theme.AccountIcon(), OnTapped: l.onSwitch}
	return []fyne.CanvasObject{l.who, l.switchB}
}

func (l *lock) onSwitch() {
	if cur, ok := l.c.Current(); ok {
		_ = l.c.Logout("switch cashier")
		l.screen.preselect = cur.Name
	}
	l.update()
}

func (l *lock) unlocked() { l.update() }

// update shows the login when nobody is logged in, and the name when
// someone is.
func (l *lock) update() {
	if l.c.Open() {
		l.who.SetText(lang.L("No cashiers set up"))
		l.who.Show()
		l.switchB.Hide()
		l.overlay.Hide()
		l.main.Show()
		return
	}
	l.who.Hide()
	l.switchB.Show()
	cur, ok := l.c.Current()
	if ok {
		// The name is the button: a tap switches cashier.
		l.switchB.SetText(cur.Name)
		l.overlay.Hide()
		l.main.Show()
		return
	}
	l.switchB.SetText("")
	l.screen.reset()
	l.overlay.Show()
	l.main.Hide()
	l.win.Canvas().Focus(l.screen.pin)
}

// loginScreen asks who is at the till and their PIN, with a keypad for a
// touch screen.
type loginScreen struct {
	c         Cashiers
	onLogin   func()
	names     *fyne.Container
	nameBtns  map[string]*widget.Button
	name      string
	preselect string
	hint      string
	pin       *widget.Entry
	msg       *widget.Label
	ok        *widget.Button
}

func newLoginScreen(c Cashiers, onLogin func()) *loginScreen {
	l := &loginScreen{c: c, onLogin: onLogin, nameBtns: map[string]*widget.Button{}}
	l.pin = &widget.Entry{Password: true, PlaceHolder: lang.L("PIN"), OnSubmitted: func(string) { l.onOK() },
		ActionItem: layout.NewSpacer()} // no reveal button: a PIN is not shown
	l.pin.ExtendBaseWidget(l.pin)
	l.msg = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance, Alignment: fyne.TextAlignCenter}
	l.msg.ExtendBaseWidget(l.msg)
	l.ok = &widget.Button{Text: lang.L("Log in"), Importance: widget.HighImportance, OnTapped: l.onOK}
	l.ok.ExtendBaseWidget(l.ok)
	l.names = container.NewGridWithColumns(3)
	return l
}

func (l *loginScreen) content() fyne.CanvasObject {
	title := widget.NewLabelWithStyle(lang.L("Who is at the till?"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	keys := container.NewGridWithColumns(3)
	for _, k := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"} {
		keys.Add(sized(&widget.Button{Text: k, OnTapped: func() { l.onKey(k) }}, 0, touch))
	}
	box := container.NewVBox(title, l.names, widget.NewSeparator(), l.pin, keys, sized(l.ok, 0, touch), l.msg)
	if l.hint != "" {
		box.Add(widget.NewLabelWithStyle(l.hint, fyne.TextAlignCenter, fyne.TextStyle{Italic: true}))
	}
	return container.NewCenter(sized(box, 420, 0))
}

// reset lists the names again and clears the PIN.
func (l *loginScreen) reset() {
	l.names.RemoveAll()
	l.nameBtns = map[string]*widget.Button{}
	names := l.c.Names()
	if l.preselect != "" {
		l.name, l.preselect = l.preselect, ""
	} else if len(names) == 1 {
		l.name = names[0]
	}
	for _, n := range names {
		b := &widget.Button{Text: n, OnTapped: func() { l.choose(n) }}
		b.ExtendBaseWidget(b)
		l.nameBtns[n] = b
		l.names.Add(sized(b, 0, touch))
	}
	l.choose(l.name)
	l.pin.SetText("")
	l.msg.SetText("")
}

func (l *loginScreen) choose(name string) {
	l.name = name
	for n, b := range l.nameBtns {
		if n == name {
			b.Importance = widget.HighImportance
		} else {
			b.Importance = widget.MediumImportance
		}
		b.Refresh()
	}
}

func (l *loginScreen) onKey(k string) {
	switch k {
	case "OK":
		l.onOK()
	case "⌫":
		if t := l.pin.Text; t != "" {
			l.pin.SetText(t[:len(t)-1])
		}
	default:
		l.pin.SetText(l.pin.Text + k)
	}
}

func (l *loginScreen) onOK() {
	if l.name == "" {
		l.msg.SetText(lang.L("Tap your name first."))
		return
	}
	_, err := l.c.Login(l.name, l.pin.Text)
	l.pin.SetText("")
	var le *cashier.LockedError
	switch {
	case err == nil:
		l.msg.SetText("")
		l.onLogin()
	case errors.As(err, &le):
		l.msg.SetText(lang.L("Too many wrong PINs. Wait, then try again:") + " " + le.Wait.Round(time.Second).String())
	case errors.Is(err, cashier.ErrWrongPIN):
		l.msg.SetText(lang.L("Wrong PIN. Try again."))
	case errors.Is(err, cashier.ErrNoAccount):
		l.msg.SetText(lang.L("This name is not a cashier of this till any more. Choose your name again, or ask a manager."))
	default:
		// The journal could not be written: the detail is for the log.
		slog.Error("login", "cashier", l.name, "err", err)
		l.msg.SetText(lang.L("Could not log in: the till could not write its journal. Check the disk, then try again; if it keeps failing, restart Kasse."))
	}
}

// touching is the till with every cashier command counted as activity, so
// that the idle lock follows the cashier's work.
type touching struct {
	checkout.Register
	touch func()
}

func (t touching) AddProduct(id string) error { t.touch(); return t.Register.AddProduct(id) }
func (t touching) SetQuantity(id string, q int) error {
	t.touch()
	return t.Register.SetQuantity(id, q)
}
func (t touching) Remove(id string) error      { t.touch(); return t.Register.Remove(id) }
func (t touching) Clear() error                { t.touch(); return t.Register.Clear() }
func (t touching) Undo() error                 { t.touch(); return t.Register.Undo() }
func (t touching) SetCustomer(in string) error { t.touch(); return t.Register.SetCustomer(in) }
func (t touching) Scan(raw string)             { t.touch(); t.Register.Scan(raw) }
func (t touching) AddOpenItem(it checkout.OpenItem) error {
	t.touch()
	return t.Register.AddOpenItem(it)
}
func (t touching) Pay() error    { t.touch(); return t.Register.Pay() }
func (t touching) ShowQR() error { t.touch(); return t.Register.ShowQR() }
func (t touching) Retry() error  { t.touch(); return t.Register.Retry() }
func (t touching) Cancel() error { t.touch(); return t.Register.Cancel() }
func (t touching) Back()         { t.touch(); t.Register.Back() }
func (t touching) NewSale()      { t.touch(); t.Register.NewSale() }

// CashiersChanged shows the login or the cashier's name again after the
// accounts changed (settings): a till that had no cashiers now asks for a
// PIN, and a removed cashier is logged out.
func (u *UI) CashiersChanged() {
	if u.lock != nil {
		u.lock.update()
	}
}
