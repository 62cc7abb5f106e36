// Package ui draws the till with Fyne: the product grid, the basket, the payment
// progress and the receipt. It holds no till logic: it draws checkout.View and
// calls the till's commands. Every change from a goroutine arrives through one
// function, refresh, scheduled with fyne.Do.
package ui

import (
	"context"
	"image"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
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
}

// UI is a till window's content.
type UI struct {
	till     checkout.Register
	win      fyne.Window
	opts     Options
	products *productsScreen
	basket   *basketScreen
	progress *progressScreen
	receipt  *receiptScreen
	side     *fyne.Container
	sides    map[string]fyne.CanvasObject
	notice   *widget.Label
	status   *widget.Label
	recovery *widget.Label
	current  string
	stop     chan struct{}
	wedge    scanner.Wedge

	// drawing serialises redraws: the test driver runs fyne.Do on the calling
	// goroutine, and a redraw can trigger another (an entry's OnChanged).
	drawing sync.Mutex
	dirty   atomic.Bool
}

// Create builds the till's screens into w and keeps them in step with till.
func Create(a fyne.App, w fyne.Window, till checkout.Register, opts Options) *UI {
	a.Settings().SetTheme(newTheme())
	u := &UI{till: till, win: w, opts: opts, stop: make(chan struct{})}
	u.products = newProductsScreen(till)
	u.basket = newBasketScreen(till)
	u.progress = newProgressScreen(till)
	u.receipt = newReceiptScreen(till)
	u.receipt.paper = opts.Paper
	u.receipt.win = w
	u.sides = map[string]fyne.CanvasObject{
		"basket":   u.basket.content(),
		"progress": u.progress.content(),
		"receipt":  u.receipt.content(),
	}
	u.side = container.NewStack(u.sides["basket"])
	u.current = "basket"
	u.notice = widget.NewLabel("")
	u.notice.Importance = widget.WarningImportance
	u.notice.Wrapping = fyne.TextWrapWord
	u.status = widget.NewLabel("")
	u.recovery = widget.NewLabel("")
	u.recovery.Wrapping = fyne.TextWrapWord
	u.recovery.Importance = widget.MediumImportance

	sideBG := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	sideMin := canvas.NewRectangle(nil)
	sideMin.SetMinSize(fyne.NewSize(470, 0))
	right := container.NewStack(sideMin, sideBG, container.NewPadded(u.side))
	left := container.NewBorder(nil, container.NewVBox(u.recovery, u.notice), nil, nil, u.products.content())
	body := container.NewBorder(nil, nil, nil, right, left)
	w.SetContent(container.NewBorder(u.header(), container.NewPadded(u.status), nil, nil, body))
	if opts.Kiosk {
		w.SetFullScreen(true)
	}
	w.Canvas().SetOnTypedRune(u.onTypedRune)
	w.Canvas().SetOnTypedKey(u.onTypedKey)
	w.SetOnClosed(func() { close(u.stop) })
	till.OnChange(func() { fyne.Do(u.refresh) })
	u.refresh()
	go u.ticker()
	return u
}

func (u *UI) header() fyne.CanvasObject {
	title := canvas.NewText(u.opts.Title, theme.Color(theme.ColorNameForeground))
	title.TextSize = 24
	title.TextStyle.Bold = true
	items := []fyne.CanvasObject{title}
	if u.opts.Demo {
		demo := widget.NewLabelWithStyle("DEMO: simulated Vipps MobilePay, no money moves", fyne.TextAlignTrailing, fyne.TextStyle{Italic: true})
		demo.Importance = widget.WarningImportance
		items = append(items, demo)
	}
	if u.opts.BackOffice != nil && !u.opts.Kiosk {
		items = append(items, backOfficeButtons(u.win, *u.opts.BackOffice)...)
	}
	bar := canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
	bar.SetMinSize(fyne.NewSize(0, 4))
	return container.NewVBox(container.NewPadded(container.NewBorder(nil, nil, items[0], container.NewHBox(items[1:]...))), bar)
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
	u.basket.refresh(v)
	u.progress.refresh(v)
	u.receipt.refresh(v)
	u.notice.SetText(v.Notice)
	show(u.notice, v.Notice != "")
	u.recovery.SetText(strings.Join(v.Recovery, "\n"))
	show(u.recovery, len(v.Recovery) > 0)
	u.status.SetText(statusLine(v))
}

func statusLine(v checkout.View) string {
	parts := []string{}
	add := func(name, val string) {
		if val != "" {
			parts = append(parts, name+": "+val)
		}
	}
	add("Relay", v.Status.Relay)
	add("Scanner", v.Status.Scanner)
	add("Printer", v.Status.Printer)
	add("Journal", v.Status.Journal)
	if len(parts) == 0 {
		return "Ready"
	}
	return strings.Join(parts, "   ·   ")
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
					u.progress.tick(now)
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
	}
}

func contextBackground() context.Context { return context.Background() }
