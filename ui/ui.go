// Package ui draws the till with Fyne: the product grid, the basket, the payment
// progress and the receipt. It holds no till logic: it draws checkout.View and
// calls the till's commands. Every change from a goroutine arrives through one
// function, refresh, scheduled with fyne.Do.
package ui

import (
	"context"
	"image"
	"image/color"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/hardware/scanner"
)

// Options change how the till looks.
type Options struct {
	Title string // shop name in the header
	Demo  bool   // show the demo banner
	Kiosk bool   // full screen for self-checkout
	// BackOffice, if set, adds the History and End of day buttons (not in
	// kiosk mode: customers do not refund).
	BackOffice *BackOffice
	// Paper, if set, is the demo's virtual printer: the last printed receipt
	// as a picture, shown on request.
	Paper func() image.Image
	// DemoMenu, if set, adds the Demo button: scenarios, the test phone and
	// Reset demo data (see demo.go).
	DemoMenu DemoControl
	// Cashiers, if set, puts the login over the till (ui/login.go);
	// LoginHint is shown under it (the demo's PINs).
	Cashiers  Cashiers
	LoginHint string
	// Settings, if set, adds the Settings button (ui/settings.go).
	Settings func()
}

// UI is a till window's content.
type UI struct {
	till      checkout.Register
	win       fyne.Window
	opts      Options
	products  *productsScreen
	basket    *basketScreen
	progress  *progressScreen
	receipt   *receiptScreen
	side      *fyne.Container
	sides     map[string]fyne.CanvasObject
	notice    *message
	status    *message
	recovery  *message
	current   string
	noticeBox *fyne.Container
	// training is the amber bar shown while training mode is on (training.go).
	training fyne.CanvasObject
	// byHand adds the unknown product the notice names as an open item.
	byHand   *widget.Button
	openItem *openItemDialog
	// park is the Park / Parked / Return row (park.go); bo the back office
	// when there is one; returnSeq the last receipt scan acted on.
	park      *parkBar
	bo        *backOffice
	returnSeq int
	// shown is which optional parts were visible at the last layout.
	shown string
	stop  chan struct{}
	// unlisten and closeOnce end the screens (Close): a window rebuilt in
	// another language drops the old ones.
	unlisten  func()
	closeOnce sync.Once
	wedge     scanner.Wedge
	lock      *lock // the login, with Options.Cashiers

	// drawing serialises redraws: the test driver runs fyne.Do on the calling
	// goroutine, and a redraw can trigger another (an entry's OnChanged).
	drawing sync.Mutex
	dirty   atomic.Bool
}

// Create builds the till's screens into w and keeps them in step with till.
func Create(a fyne.App, w fyne.Window, till checkout.Register, opts Options) *UI {
	a.Settings().SetTheme(newTheme())
	if opts.Cashiers != nil {
		till = touching{till, opts.Cashiers.Touch}
	}
	u := &UI{till: till, win: w, opts: opts, stop: make(chan struct{})}
	if opts.Cashiers != nil {
		u.lock = &lock{c: opts.Cashiers, win: w}
	}
	u.products = newProductsScreen(till)
	u.basket = newBasketScreen(till)
	u.progress = newProgressScreen(till)
	u.receipt = newReceiptScreen(till)
	u.receipt.paper = opts.Paper
	u.receipt.win = w
	u.basket.win = w
	u.basket.relayout = func() { u.relayout() }
	u.products.onEnter = u.payOnEnter
	if !opts.Kiosk { // customers at a kiosk neither park nor return
		u.park = newParkBar(till, w)
		u.basket.extra = u.park.buttons()
		u.basket.more = []*widget.Button{u.park.ret, u.basket.cash.drawer, newPriceCheck(till, w).button()}
	}
	u.sides = map[string]fyne.CanvasObject{
		"basket":   u.basket.content(),
		"progress": u.progress.content(),
		"receipt":  u.receipt.content(),
	}
	u.side = container.NewStack(u.sides["basket"])
	u.current = "basket"
	u.notice = newMessage(w, lang.L("Message"), 2, widget.WarningImportance)
	u.status = newMessage(w, lang.L("Status"), 1, widget.MediumImportance)
	u.recovery = newMessage(w, lang.L("After the restart"), 3, widget.MediumImportance)

	sideBG := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	// The notice sits on top of the right pane, over whichever screen it
	// shows, next to the basket and the payment the cashier is watching.
	noticeBG := canvas.NewRectangle(theme.Color(theme.ColorNameWarning))
	noticeBG.FillColor = withAlpha(theme.Color(theme.ColorNameWarning), 0x30)
	u.byHand = &widget.Button{Text: lang.L("Add by hand…"), Icon: theme.ContentAddIcon(), OnTapped: u.onByHand}
	u.byHand.ExtendBaseWidget(u.byHand)
	u.byHand.Hide()
	u.noticeBox = container.NewStack(noticeBG, container.NewBorder(nil, nil, nil, sized(u.byHand, 0, touch), u.notice))
	right := container.NewStack(sideBG, container.NewPadded(container.NewBorder(u.noticeBox, nil, nil, nil, u.side)))
	left := container.NewBorder(nil, u.recovery, nil, nil, u.products.content())
	body := container.New(splitLayout{}, left, right)
	w.SetContent(container.NewBorder(u.header(), compact(container.NewPadded(u.status)), nil, nil, body))
	if u.lock != nil {
		u.attachLogin()
	}
	if opts.Kiosk {
		w.SetFullScreen(true)
	}
	w.Canvas().SetOnTypedRune(u.onTypedRune)
	w.Canvas().SetOnTypedKey(u.onTypedKey)
	w.SetOnClosed(u.Close)
	u.returnSeq = till.View().ReturnScan.Seq // only scans from now on
	u.unlisten = till.OnChange(func() { fyne.Do(u.refresh) })
	u.refresh()
	go u.ticker()
	return u
}

// Close stops the screens following the till (its listener, the ticker and
// the login's idle check); the window stays. A window rebuilt by Create (a
// new language) closes the old screens first.
func (u *UI) Close() {
	u.closeOnce.Do(func() {
		if u.unlisten != nil {
			u.unlisten()
		}
		close(u.stop)
		if t := u.basket.undoTimer; t != nil {
			t.Stop()
		}
	})
}

func (u *UI) header() fyne.CanvasObject {
	title := canvas.NewText(u.opts.Title, theme.Color(theme.ColorNameForeground))
	title.TextSize = 24
	title.TextStyle.Bold = true
	items := []fyne.CanvasObject{title}
	// The demo's banner takes the room between the title and the buttons,
	// cut short where the screen is narrow.
	var banner fyne.CanvasObject
	if u.opts.Demo {
		demo := widget.NewLabelWithStyle(lang.L("DEMO: simulated Vipps MobilePay, no money moves"), fyne.TextAlignTrailing, fyne.TextStyle{Italic: true})
		demo.Importance = widget.WarningImportance
		demo.Truncation = fyne.TextTruncateEllipsis
		banner = demo
	}
	if u.opts.DemoMenu != nil {
		items = append(items, demoButton(u.win, u.opts.DemoMenu))
	}
	if u.opts.BackOffice != nil && !u.opts.Kiosk {
		u.bo = newBackOffice(u.win, *u.opts.BackOffice)
		u.bo.lock, u.bo.redraw = &u.drawing, u.refresh
		u.bo.exchange = u.till.Exchange
		items = append(items, u.bo.buttons()...)
	}
	if u.lock != nil {
		items = append(items, u.lock.headerItems()...)
	}
	if u.opts.Settings != nil && !u.opts.Kiosk {
		// Icon only: the header is narrow on a 1024 px till.
		items = append(items, &widget.Button{Icon: theme.SettingsIcon(), OnTapped: u.opts.Settings})
	}
	bar := canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
	bar.SetMinSize(fyne.NewSize(0, 4))
	row := container.NewBorder(nil, nil, items[0], container.NewHBox(items[1:]...))
	if banner != nil {
		row.Add(banner)
	}
	u.training = trainingBar()
	return container.NewVBox(container.NewPadded(row), bar, u.training)
}

// refresh redraws from the till's current view. A call that arrives while a
// redraw runs is folded into it, so none is lost and none nests.
func (u *UI) refresh() {
	u.dirty.Store(true)
	for u.dirty.Load() {
		if !u.drawing.TryLock() {
			return
		}
		for u.dirty.Swap(false) {
			u.draw()
		}
		u.drawing.Unlock()
	}
}

func (u *UI) draw() {
	v := u.till.View()
	want := "basket"
	switch v.Phase {
	case checkout.PhaseSending, checkout.PhaseWaiting, checkout.PhaseCancelling, checkout.PhaseCapturing, checkout.PhaseEnded:
		want = "progress"
	case checkout.PhaseDone:
		want = "receipt"
	}
	if want != u.current {
		u.current = want
		u.side.Objects = []fyne.CanvasObject{u.sides[want]}
		u.side.Refresh()
	}
	switch v.Phase {
	case checkout.PhaseSending, checkout.PhaseWaiting, checkout.PhaseCancelling, checkout.PhaseCapturing:
		u.products.setLocked(true)
	default:
		u.products.setLocked(false)
	}
	u.basket.refresh(v)
	if u.park != nil {
		u.park.refresh(v)
	}
	u.refundScanned(v)
	// The hidden screens wait until they show: redrawing their labels on
	// every tap was a good part of the tap's time.
	if u.current == "progress" {
		u.progress.refresh(v)
	}
	if u.current == "receipt" {
		u.receipt.refresh(v)
	}
	notice, detail := plain(v.Notice, lang.L("Something went wrong; tap here for the details."))
	u.notice.Set(notice, detail)
	show(u.noticeBox, notice != "")
	show(u.byHand, v.UnknownCode != "")
	show(u.training, v.Training)
	u.recovery.Set(strings.Join(v.Recovery, "\n"), "")
	show(u.recovery, len(v.Recovery) > 0)
	st, sd := statusLine(v)
	u.status.Set(st, sd)
	u.relayout()
}

// relayout lays the window out again when a part was shown or hidden: Fyne
// does not lay out a container again when one of its objects hides.
func (u *UI) relayout() {
	key := ""
	for _, o := range []fyne.CanvasObject{u.noticeBox, u.recovery, u.basket.undoBar, u.basket.empty,
		u.progress.cancel, u.progress.retry, u.progress.again, u.progress.back, u.progress.countdown,
		u.receipt.reprint, u.receipt.showPaper, u.receipt.printMsg, u.receipt.qrHint, u.status, u.basket.who, u.training} {
		if o != nil && o.Visible() {
			key += "1"
		} else {
			key += "0"
		}
	}
	if key != u.shown {
		u.shown = key
		if c := u.win.Content(); c != nil {
			c.Refresh()
		}
	}
}

// statusLine is the status bar: one short state per device; a program's
// error is named plainly and kept as the detail a tap shows.
func statusLine(v checkout.View) (string, string) {
	parts, details := []string{}, []string{}
	add := func(name, val string) {
		if val == "" {
			return
		}
		text, detail := plain(val, lang.L("not working (tap for details)"))
		parts = append(parts, name+": "+text)
		if detail != "" {
			details = append(details, name+": "+detail)
		}
	}
	add(lang.L("Relay"), v.Status.Relay)
	add(lang.L("Scanner"), v.Status.Scanner)
	add(lang.L("Printer"), v.Status.Printer)
	add(lang.L("Journal"), v.Status.Journal)
	if len(parts) == 0 {
		return lang.L("Ready"), ""
	}
	return strings.Join(parts, "   ·   "), strings.Join(details, "\n")
}

// ticker redraws the countdown once a second while the window is open.
func (u *UI) ticker() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-u.stop:
			return
		case now := <-t.C:
			fyne.Do(func() {
				if u.drawing.TryLock() {
					if u.current == "progress" { // the countdown only while it shows
						u.progress.tick(now)
					}
					u.drawing.Unlock()
				}
			})
		}
	}
}

// onTypedRune receives keys typed while no text field has focus: a keyboard-
// wedge scanner's burst, which becomes one scan when Enter ends it.
func (u *UI) onTypedRune(r rune) { u.wedge.Key(r, time.Now()) }

func (u *UI) onTypedKey(ev *fyne.KeyEvent) {
	if ev.Name != fyne.KeyReturn && ev.Name != fyne.KeyEnter {
		return
	}
	if code, ok := u.wedge.Enter(time.Now()); ok {
		u.till.Scan(code)
		return
	}
	u.payOnEnter()
}

// payOnEnter pays when Pay is on: Enter on its own.
func (u *UI) payOnEnter() {
	if u.current == "basket" && u.till.View().CanPay {
		u.basket.onPay()
	}
}

// splitLayout puts the products on the left and the basket pane on the
// right. The pane's width follows the window's alone, never its content, so
// nothing moves while the cashier types and no text widens the window.
type splitLayout struct{}

// paneWidth is the right pane's width in a window size wide.
func paneWidth(w float32) float32 { return min(max(w*0.4, 440), 560) }

func (splitLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	l, r := objs[0].MinSize(), objs[1].MinSize()
	return fyne.NewSize(l.Width+440, max(l.Height, r.Height))
}

func (splitLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pw := paneWidth(size.Width)
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(size.Width-pw, size.Height))
	objs[1].Move(fyne.NewPos(size.Width-pw, 0))
	objs[1].Resize(fyne.NewSize(pw, size.Height))
}

func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}

func contextBackground() context.Context { return context.Background() }

func (u *UI) onByHand() {
	u.openItem = newOpenItemDialog(u.till, u.win, u.till.View().UnknownCode)
	u.openItem.show()
}
