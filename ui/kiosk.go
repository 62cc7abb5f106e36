package ui

import (
	"fmt"
	"image/color"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/skip2/go-qrcode"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/hardware/scanner"
)

// Kiosk timings: how long the receipt stays up, how long a basket may sit
// untouched before the kiosk asks "Are you still there?", and how long it
// waits for an answer before it starts over.
const (
	DefaultKioskReceiptFor = 20 * time.Second
	DefaultKioskIdleAfter  = 90 * time.Second
	DefaultKioskIdleGrace  = 20 * time.Second
)

// KioskOptions set up the self-checkout screens.
type KioskOptions struct {
	Title string // the shop's name on the attract screen
	// StaffPIN says whether a PIN is the staff's; the staff menu opens only
	// for one it accepts. Nil: no PIN opens it (and Exit is unreachable).
	StaffPIN func(pin string) bool
	// BackOffice, if set, lets the staff menu open the history.
	BackOffice *BackOffice
	// Demo, if set, adds the demo menu to the staff menu.
	Demo DemoControl
	// ReceiptFor, IdleAfter and IdleGrace: see the DefaultKiosk* values.
	ReceiptFor, IdleAfter, IdleGrace time.Duration
	// After runs f once d has passed and returns a function that stops it;
	// nil means time.AfterFunc. Tests give a fake clock.
	After func(d time.Duration, f func()) (stop func())
	// Exit leaves the kiosk from the staff menu; nil quits the app.
	Exit   func()
	Logger *slog.Logger
}

// Kiosk is the self-checkout: screens written for a customer, driven by the
// same checkout.Register as the cashier's window.
type Kiosk struct {
	till  checkout.Register
	win   fyne.Window
	opts  KioskOptions
	theme *kioskTheme
	log   *slog.Logger

	body    *fyne.Container
	screens map[string]fyne.CanvasObject
	current string
	// paying: the customer tapped Pay and is asked for their code.
	paying bool
	// payAsked is the sale whose identified customer was sent a request.
	payAsked string

	fault    *fyne.Container
	faultTxt *canvas.Text
	faultNow string
	notice   *widget.Label

	attractTitle, attractHint *canvas.Text

	scanTitle *canvas.Text
	lines     *fyne.Container
	linesKey  string
	phase     checkout.Phase
	linesBox  *container.Scroll
	total     *canvas.Text
	pay       *widget.Button
	startOver *widget.Button

	codeTitle, codeHint, codeTotal *canvas.Text
	payQR, codeBack                *widget.Button

	progTitle, progAmount, progLeft *canvas.Text
	progSteps                       [3]*canvas.Text
	progBar                         *widget.ProgressBar
	progMsg                         *widget.Label
	progQR                          *canvas.Image
	progQRFor                       string
	cancelPay, tryAgain, progOver   *widget.Button
	view                            checkout.View

	rcptTitle, rcptTotal, rcptHint, rcptClears *canvas.Text
	rcptQR                                     *canvas.Image
	rcptQRFor                                  string
	done                                       *widget.Button

	callStaff, staff *widget.Button

	// idle, grace and receipt are the pending timers' stops; asking says
	// the "Are you still there?" question is up.
	idle, grace, receiptTimer func()
	asking                    bool
	askPop                    *widget.PopUp
	stillHere                 *widget.Button

	pin       *pinPad
	staffPop  *widget.PopUp
	menu      *staffMenu
	calledPop *widget.PopUp

	wedge   scanner.Wedge
	stop    chan struct{}
	drawing sync.Mutex
	dirty   atomic.Bool
	// scaled are the texts whose size follows the theme's scale.
	scaled []scaledText
	// later holds till commands a redraw decided on, run once it is over.
	later []func()
}

// CreateKiosk builds the self-checkout into w, full screen, and keeps it in
// step with till.
func CreateKiosk(a fyne.App, w fyne.Window, till checkout.Register, opts KioskOptions) *Kiosk {
	if opts.ReceiptFor <= 0 {
		opts.ReceiptFor = DefaultKioskReceiptFor
	}
	if opts.IdleAfter <= 0 {
		opts.IdleAfter = DefaultKioskIdleAfter
	}
	if opts.IdleGrace <= 0 {
		opts.IdleGrace = DefaultKioskIdleGrace
	}
	if opts.After == nil {
		opts.After = func(d time.Duration, f func()) func() { t := time.AfterFunc(d, f); return func() { t.Stop() } }
	}
	if opts.Exit == nil {
		opts.Exit = a.Quit
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	k := &Kiosk{till: till, win: w, opts: opts, theme: &kioskTheme{Theme: theme.DefaultTheme(), scale: 1}, log: opts.Logger, stop: make(chan struct{})}
	a.Settings().SetTheme(k.theme)
	k.build()
	k.pin = newPinPad(k)
	k.menu = newStaffMenu(k)
	w.SetContent(container.New(&kioskScaler{k: k}, k.root()))
	w.SetFullScreen(true)
	w.Canvas().SetOnTypedRune(func(r rune) { k.wedge.Key(r, time.Now()) })
	w.Canvas().SetOnTypedKey(k.onTypedKey)
	w.SetOnClosed(func() { close(k.stop); k.stopTimers() })
	till.OnChange(func() { fyne.Do(k.refresh) })
	k.refresh()
	go k.ticker()
	return k
}

func (k *Kiosk) text(size float32, bold bool) *canvas.Text {
	t := canvas.NewText("", kioskInk)
	t.TextSize = size
	k.scaled = append(k.scaled, scaledText{t, size})
	t.TextStyle.Bold = bold
	t.Alignment = fyne.TextAlignCenter
	return t
}

func (k *Kiosk) button(label string, icon fyne.Resource, imp widget.Importance, tap func()) *widget.Button {
	b := &widget.Button{Text: label, Icon: icon, Importance: imp, OnTapped: func() { k.activity(); tap() }}
	b.ExtendBaseWidget(b)
	return b
}

func (k *Kiosk) build() {
	k.attractTitle = k.text(56, true)
	k.attractHint = k.text(40, false)
	k.attractHint.Text = lang.L("Scan an item to start")

	k.scanTitle = k.text(40, true)
	k.scanTitle.Text = lang.L("Scan your items")
	k.lines = container.NewVBox()
	k.linesBox = container.NewVScroll(k.lines)
	k.total = k.text(44, true)
	k.total.Alignment = fyne.TextAlignTrailing
	k.pay = k.button(lang.L("Pay"), theme.ConfirmIcon(), widget.HighImportance, k.onPay)
	k.startOver = k.button(lang.L("Start over"), theme.CancelIcon(), widget.MediumImportance, k.onStartOver)

	k.codeTitle = k.text(40, true)
	k.codeTitle.Text = lang.L("Scan your Vipps / MobilePay code")
	k.codeHint = k.text(28, false)
	k.codeHint.Text = lang.L("Open the app, show your code to the scanner")
	k.codeTotal = k.text(44, true)
	k.payQR = k.button(lang.L("Pay with QR"), theme.ViewFullScreenIcon(), widget.HighImportance, k.onPayQR)
	k.codeBack = k.button(lang.L("Back to my items"), theme.NavigateBackIcon(), widget.MediumImportance, k.onCodeBack)

	k.progTitle = k.text(44, true)
	k.progAmount = k.text(40, true)
	k.progLeft = k.text(28, false)
	for i := range k.progSteps {
		k.progSteps[i] = k.text(30, false)
		k.progSteps[i].Alignment = fyne.TextAlignLeading
	}
	k.progBar = widget.NewProgressBar()
	k.progBar.TextFormatter = func() string { return "" }
	k.progMsg = widget.NewLabel("")
	k.progMsg.Wrapping = fyne.TextWrapWord
	k.progMsg.Alignment = fyne.TextAlignCenter
	k.progQR = &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScalePixels}
	k.cancelPay = k.button(lang.L("Cancel payment"), theme.CancelIcon(), widget.DangerImportance, func() { _ = k.till.Cancel() })
	k.tryAgain = k.button(lang.L("Try again"), theme.ViewRefreshIcon(), widget.HighImportance, k.onTryAgain)
	k.progOver = k.button(lang.L("Start over"), theme.CancelIcon(), widget.MediumImportance, k.onStartOver)

	k.rcptTitle = k.text(52, true)
	k.rcptTitle.Text = lang.L("Thank you!")
	k.rcptTitle.Color = kioskGreen
	k.rcptTotal = k.text(36, false)
	k.rcptHint = k.text(34, true)
	k.rcptClears = k.text(22, false)
	k.rcptQR = &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScalePixels}
	k.done = k.button(lang.L("Done"), theme.ConfirmIcon(), widget.HighImportance, func() { k.till.NewSale() })

	k.callStaff = k.button(lang.L("Call staff"), theme.InfoIcon(), widget.WarningImportance, k.onCallStaff)
	k.staff = k.button(lang.L("Staff"), theme.AccountIcon(), widget.LowImportance, func() { k.pin.open() })

	k.faultTxt = k.text(28, true)
	k.faultTxt.Color = color.White
	k.faultTxt.Text = lang.L("Please call staff")
	k.fault = container.NewStack(canvas.NewRectangle(kioskRed), container.NewPadded(k.faultTxt))
	k.fault.Hide()
	k.notice = widget.NewLabel("")
	k.notice.Wrapping = fyne.TextWrapWord
	k.notice.Alignment = fyne.TextAlignCenter
	k.notice.Importance = widget.WarningImportance

	k.stillHere = k.button(lang.L("Yes, I am here"), theme.ConfirmIcon(), widget.HighImportance, k.onStillHere)
	q := k.text(44, true)
	q.Text = lang.L("Are you still there?")
	qh := k.text(26, false)
	qh.Text = lang.L("Tap the button, or we start over for the next customer.")
	k.askPop = hiddenPopUp(container.NewVBox(q, qh, sized(k.stillHere, 0, 96)), k.win)

	ok := k.button(lang.L("OK"), theme.ConfirmIcon(), widget.HighImportance, func() { k.calledPop.Hide() })
	c := k.text(44, true)
	c.Text = lang.L("Staff is on the way")
	ch := k.text(26, false)
	ch.Text = lang.L("Please wait here; someone will come to help you.")
	k.calledPop = hiddenPopUp(container.NewVBox(c, ch, sized(ok, 0, 96)), k.win)

	k.screens = map[string]fyne.CanvasObject{
		"attract":  k.attractScreen(),
		"scan":     k.scanScreen(),
		"code":     k.codeScreen(),
		"progress": k.progressScreen(),
		"receipt":  k.receiptScreen(),
	}
	k.current = "attract"
	k.body = container.NewStack(k.screens["attract"])
}

func (k *Kiosk) root() fyne.CanvasObject {
	bar := canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
	bar.SetMinSize(fyne.NewSize(0, 8))
	foot := container.NewBorder(nil, nil, sized(k.callStaff, 280, 88), sized(k.staff, 180, 88), k.notice)
	bg := canvas.NewRectangle(color.White)
	return container.NewStack(bg, container.NewBorder(container.NewVBox(bar, k.fault), container.NewPadded(foot), nil, nil, container.NewPadded(k.body)))
}

func (k *Kiosk) attractScreen() fyne.CanvasObject {
	logo := k.text(34, false)
	logo.Text = lang.L("Pay with Vipps MobilePay")
	logo.Color = theme.Color(theme.ColorNamePrimary)
	return container.NewCenter(container.NewVBox(k.attractTitle, spacer(40), k.attractHint, spacer(20), logo))
}

func (k *Kiosk) scanScreen() fyne.CanvasObject {
	bottom := container.NewVBox(widget.NewSeparator(), k.total,
		container.NewGridWithColumns(2, sized(k.startOver, 0, 96), sized(k.pay, 0, 96)))
	return container.NewBorder(k.scanTitle, bottom, nil, nil, k.linesBox)
}

func (k *Kiosk) codeScreen() fyne.CanvasObject {
	or := k.text(28, false)
	or.Text = lang.L("or")
	return container.NewBorder(nil, sized(k.codeBack, 0, 88), nil, nil,
		container.NewCenter(container.NewVBox(k.codeTotal, spacer(20), k.codeTitle, k.codeHint, spacer(30), or, sized(k.payQR, 420, 110))))
}

func (k *Kiosk) progressScreen() fyne.CanvasObject {
	steps := container.NewVBox()
	for _, s := range k.progSteps {
		steps.Add(s)
	}
	top := container.NewVBox(k.progTitle, k.progAmount, container.NewCenter(k.progQR), container.NewCenter(steps), k.progBar, k.progLeft, k.progMsg)
	// A VBox, not a grid: a hidden button takes no room.
	buttons := container.NewVBox(sized(k.cancelPay, 0, 96), sized(k.tryAgain, 0, 96), sized(k.progOver, 0, 96))
	return container.NewBorder(nil, buttons, nil, nil, container.NewVScroll(top))
}

func (k *Kiosk) receiptScreen() fyne.CanvasObject {
	return container.NewBorder(nil, container.NewVBox(k.rcptClears, sized(k.done, 0, 96)), nil, nil,
		container.NewVScroll(container.NewVBox(k.rcptTitle, k.rcptTotal, spacer(10), k.rcptHint, container.NewCenter(k.rcptQR))))
}

// hiddenPopUp is a modal pop-up over the whole kiosk, not shown yet.
func hiddenPopUp(content fyne.CanvasObject, w fyne.Window) *widget.PopUp {
	p := widget.NewModalPopUp(container.NewPadded(content), w.Canvas())
	p.Hide()
	return p
}

type scaledText struct {
	text *canvas.Text
	base float32
}

func spacer(h float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(0, h))
	return r
}

// refresh redraws from the till's view; a call during a redraw is folded
// into it (as UI.refresh). Till commands a redraw decides on run after it.
func (k *Kiosk) refresh() {
	k.dirty.Store(true)
	for k.dirty.Load() {
		if !k.drawing.TryLock() {
			return
		}
		for k.dirty.Swap(false) {
			k.draw()
		}
		later := k.later
		k.later = nil
		k.drawing.Unlock()
		for _, f := range later {
			f()
		}
	}
}

// with changes the kiosk's own state while no redraw runs, then redraws.
func (k *Kiosk) with(f func()) {
	k.drawing.Lock()
	f()
	k.drawing.Unlock()
	k.refresh()
}

// screenFor is the screen a view asks for.
func (k *Kiosk) screenFor(v checkout.View) string {
	switch v.Phase {
	case checkout.PhaseSending, checkout.PhaseWaiting, checkout.PhaseCancelling, checkout.PhaseCapturing, checkout.PhaseEnded:
		return "progress"
	case checkout.PhaseDone:
		return "receipt"
	}
	switch {
	case len(v.Lines) == 0:
		k.paying = false
		return "attract"
	case k.paying:
		return "code"
	}
	return "scan"
}

func (k *Kiosk) draw() {
	v := k.till.View()
	k.view = v
	want := k.screenFor(v)
	if want != k.current {
		k.leave(k.current)
		k.current = want
		k.body.Objects = []fyne.CanvasObject{k.screens[want]}
		k.body.Refresh()
		k.enter(want)
	}
	s := k.theme.scale
	for _, t := range k.scaled {
		t.text.TextSize = t.base * s
	}
	k.attractTitle.Text = k.opts.Title
	if k.attractTitle.Text == "" {
		k.attractTitle.Text = lang.L("Welcome")
	}
	for _, t := range []*canvas.Text{k.attractTitle, k.attractHint} {
		t.Refresh()
	}
	total := money.FormatCurrency(v.Totals.Gross, v.Currency)
	k.total.Text = lang.L("Total") + "  " + total
	k.total.Refresh()
	k.codeTotal.Text = lang.L("To pay") + "  " + total
	k.codeTotal.Refresh()
	k.drawLines(v, s)
	k.pay.Disable()
	if len(v.Lines) > 0 {
		k.pay.Enable()
	}
	k.drawProgress(v, s)
	k.drawReceipt(v, s)
	k.notice.SetText(k.customerNotice(v))
	if f := kioskFault(v); f != "" {
		k.fault.Show()
	} else {
		k.fault.Hide()
	}
	k.faultNow = kioskFault(v)
	if k.menu.pop != nil && k.menu.pop.Visible() {
		k.menu.refresh(v)
	}
	// The customer's code identified them on the code screen: ask for the
	// money at once, once per sale.
	if k.current == "code" && v.Customer != "" && v.CanPay && k.payAsked != v.Customer+"|"+total {
		k.payAsked = v.Customer + "|" + total
		k.later = append(k.later, func() {
			if err := k.till.Pay(); err != nil {
				k.log.Warn("kiosk: pay", "err", err)
			}
		})
	}
	// Something the customer did shows as a change of the lines: the basket
	// is not abandoned. A payment that ends starts the watch again.
	if key := linesKey(v.Lines); key != k.linesKey || v.Phase != k.phase {
		k.linesKey, k.phase = key, v.Phase
		if k.asking {
			k.endAsking()
		}
		k.armIdle()
	}
}

// enter and leave start and stop what a screen times.
func (k *Kiosk) enter(screen string) {
	switch screen {
	case "receipt":
		k.receiptTimer = k.opts.After(k.opts.ReceiptFor, func() {
			fyne.Do(func() {
				if k.current == "receipt" {
					k.till.NewSale()
				}
			})
		})
	case "attract":
		k.payAsked = ""
	}
	k.armIdle()
}

func (k *Kiosk) leave(screen string) {
	if screen == "receipt" && k.receiptTimer != nil {
		k.receiptTimer()
		k.receiptTimer = nil
	}
}

// idleWatched says whether the screen on show is one a customer can walk
// away from: a basket, the code screen, or a payment that ended.
func (k *Kiosk) idleWatched() bool {
	switch k.current {
	case "scan", "code":
		return true
	case "progress":
		return k.view.Phase == checkout.PhaseEnded
	}
	return false
}

// armIdle starts the idle timer again, if the screen is watched.
func (k *Kiosk) armIdle() {
	if k.idle != nil {
		k.idle()
		k.idle = nil
	}
	if k.asking || !k.idleWatched() {
		return
	}
	k.idle = k.opts.After(k.opts.IdleAfter, func() { fyne.Do(k.onIdle) })
}

// activity is a tap or a key from the customer.
func (k *Kiosk) activity() {
	if !k.asking {
		k.armIdle()
	}
}

func (k *Kiosk) onIdle() {
	if k.asking || !k.idleWatched() {
		return
	}
	k.asking = true
	k.askPop.Show()
	k.grace = k.opts.After(k.opts.IdleGrace, func() { fyne.Do(k.onGiveUp) })
}

func (k *Kiosk) onStillHere() {
	k.endAsking()
	k.armIdle()
}

func (k *Kiosk) endAsking() {
	k.asking = false
	k.askPop.Hide()
	if k.grace != nil {
		k.grace()
		k.grace = nil
	}
}

// onGiveUp starts over: nobody answered "Are you still there?".
func (k *Kiosk) onGiveUp() {
	if !k.asking {
		return
	}
	k.endAsking()
	k.log.Info("kiosk: basket abandoned; starting over", "lines", len(k.view.Lines))
	k.resetSale()
}

// resetSale ends the sale on screen for the next customer: a payment still
// waiting is cancelled first, which brings the till to the ended screen.
func (k *Kiosk) resetSale() {
	k.with(func() { k.paying = false })
	switch k.till.View().Phase {
	case checkout.PhaseWaiting, checkout.PhaseSending:
		_ = k.till.Cancel()
	default:
		k.till.NewSale()
	}
}

func (k *Kiosk) stopTimers() {
	for _, f := range []func(){k.idle, k.grace, k.receiptTimer} {
		if f != nil {
			f()
		}
	}
}

func linesKey(lines []basket.Line) string {
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%s×%d;", l.ProductID, l.Quantity)
	}
	return b.String()
}

func (k *Kiosk) drawLines(v checkout.View, s float32) {
	key := linesKey(v.Lines)
	if key == k.linesKey && len(k.lines.Objects) == len(v.Lines) {
		return
	}
	k.lines.Objects = nil
	for _, l := range v.Lines {
		k.lines.Add(k.lineRow(l, v.Currency, s))
		k.lines.Add(widget.NewSeparator())
	}
	k.lines.Refresh()
	k.linesBox.ScrollToBottom()
}

func (k *Kiosk) lineRow(l basket.Line, currency string, s float32) fyne.CanvasObject {
	id, q := l.ProductID, l.Quantity
	name := canvas.NewText(l.Name, kioskInk)
	name.TextSize = 30 * s
	price := canvas.NewText(money.FormatCurrency(l.UnitPrice, currency), kioskGrey)
	price.TextSize = 22 * s
	qty := canvas.NewText(fmt.Sprint(q), kioskInk)
	qty.TextSize = 34 * s
	qty.TextStyle.Bold = true
	qty.Alignment = fyne.TextAlignCenter
	sum := canvas.NewText(money.FormatCurrency(l.Total(), currency), kioskInk)
	sum.TextSize = 30 * s
	sum.TextStyle.Bold = true
	sum.Alignment = fyne.TextAlignTrailing
	minusIcon := theme.ContentRemoveIcon()
	if q <= 1 {
		minusIcon = theme.DeleteIcon()
	}
	minus := k.button("", minusIcon, widget.MediumImportance, func() {
		if q <= 1 {
			_ = k.till.Remove(id)
			return
		}
		_ = k.till.SetQuantity(id, q-1)
	})
	plus := k.button("", theme.ContentAddIcon(), widget.MediumImportance, func() { _ = k.till.SetQuantity(id, q+1) })
	side := 80 * s
	controls := container.NewHBox(sized(minus, side, side), sized(qty, side, side), sized(plus, side, side), sized(sum, 200*s, side))
	return container.NewBorder(nil, nil, nil, controls, container.NewVBox(layout.NewSpacer(), name, price, layout.NewSpacer()))
}

// customerNotice is the till's notice in a customer's words.
func (k *Kiosk) customerNotice(v checkout.View) string {
	switch {
	case v.Notice == "":
		return ""
	case v.UnknownCode != "":
		return lang.L("We could not find this item. Please call staff.")
	case technical(v.Notice):
		return lang.L("Something went wrong. Please call staff.")
	}
	return v.Notice
}

func (k *Kiosk) drawProgress(v checkout.View, s float32) {
	k.progAmount.Text = money.FormatCurrency(v.Totals.Gross, v.Currency)
	k.progAmount.Refresh()
	marks := [3]string{"○", "○", "○"}
	names := [3]string{lang.L("Request sent"), lang.L("Approve in the app"), lang.L("Paid")}
	if v.QR != "" {
		names[0] = lang.L("Code shown")
	}
	k.progTitle.Color = kioskInk
	msg := ""
	switch v.Phase {
	case checkout.PhaseSending:
		k.progTitle.Text = lang.L("One moment…")
		marks[0] = "●"
	case checkout.PhaseWaiting:
		k.progTitle.Text = lang.L("Approve the payment in your app")
		if v.QR != "" {
			k.progTitle.Text = lang.L("Scan this code with your app")
		}
		marks[0], marks[1] = "✓", "●"
	case checkout.PhaseCancelling:
		k.progTitle.Text = lang.L("Cancelling…")
		marks[0] = "✓"
	case checkout.PhaseCapturing:
		k.progTitle.Text = lang.L("Approved, finishing…")
		marks[0], marks[1], marks[2] = "✓", "✓", "●"
	case checkout.PhaseEnded:
		k.progTitle.Color = kioskRed
		marks[0] = "✓"
		switch {
		case v.CanRetry:
			k.progTitle.Text = lang.L("Please call staff")
			msg = lang.L("We could not reach Vipps MobilePay. Nothing has been charged.")
			marks[0] = "?"
		case v.Outcome == journal.StateAborted:
			k.progTitle.Text = lang.L("The payment was declined")
			msg = lang.L("Nothing has been charged. Try again, or start over.")
			marks[1] = "✗"
		case v.Outcome == journal.StateExpired:
			k.progTitle.Text = lang.L("The time to approve ran out")
			msg = lang.L("Nothing has been charged. Try again, or start over.")
			marks[1] = "✗"
		case v.Outcome == journal.StateCancelled, v.Outcome == journal.StateTerminated:
			k.progTitle.Text = lang.L("The payment was cancelled")
			msg = lang.L("Nothing has been charged.")
			marks[1] = "✗"
		default:
			k.progTitle.Text = lang.L("The payment did not go through")
			msg = lang.L("Nothing has been charged. Please call staff if it happens again.")
			if v.Sent.IsZero() {
				marks[0] = "✗"
			} else {
				marks[1] = "✗"
			}
		}
	}
	k.progTitle.TextSize = 44 * s
	k.progTitle.Refresh()
	for i, t := range k.progSteps {
		t.Text = marks[i] + "  " + names[i]
		t.TextSize = 30 * s
		t.Color = kioskInk
		switch marks[i] {
		case "✓":
			t.Color = kioskGreen
		case "✗", "?":
			t.Color = kioskRed
		case "○":
			t.Color = kioskGrey
		}
		t.Refresh()
	}
	k.progMsg.SetText(msg)
	show(k.progMsg, msg != "")
	if v.QR != k.progQRFor {
		k.progQRFor = v.QR
		k.progQR.Resource = nil
		if v.QR != "" {
			if png, err := qrcode.Encode(v.QR, qrcode.Medium, 600); err == nil {
				k.progQR.Resource = fyne.NewStaticResource("kiosk-pay-qr.png", png)
			}
		}
		k.progQR.Refresh()
	}
	k.progQR.SetMinSize(fyne.NewSize(260*s, 260*s))
	show(k.progQR, k.progQR.Resource != nil && v.Phase == checkout.PhaseWaiting)
	show(k.cancelPay, v.Phase == checkout.PhaseWaiting || v.Phase == checkout.PhaseSending)
	show(k.tryAgain, v.Phase == checkout.PhaseEnded && (v.CanRetry || len(v.Lines) > 0))
	show(k.progOver, v.Phase == checkout.PhaseEnded && !v.CanRetry)
	k.tick(time.Now())
}

// tick redraws the time left to approve.
func (k *Kiosk) tick(now time.Time) {
	v := k.view
	waiting := v.Phase == checkout.PhaseWaiting && !v.Deadline.IsZero() && v.QR == ""
	show(k.progBar, waiting)
	show(k.progLeft, waiting)
	if !waiting {
		return
	}
	total, left := v.Deadline.Sub(v.Sent), max(v.Deadline.Sub(now), 0)
	if total > 0 {
		k.progBar.SetValue(float64(left) / float64(total))
	}
	k.progLeft.Text = fmt.Sprintf(lang.L("%d:%02d left to approve"), int(left.Minutes()), int(left.Seconds())%60)
	k.progLeft.Refresh()
}

func (k *Kiosk) ticker() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-k.stop:
			return
		case now := <-t.C:
			fyne.Do(func() {
				if k.drawing.TryLock() {
					k.tick(now)
					k.drawing.Unlock()
				}
			})
		}
	}
}

func (k *Kiosk) drawReceipt(v checkout.View, s float32) {
	r := v.Receipt
	if r == nil {
		return
	}
	k.rcptTotal.Text = lang.L("Paid") + "  " + money.FormatCurrency(r.Totals.Gross, r.Currency)
	k.rcptTotal.Refresh()
	if r.URL != k.rcptQRFor {
		k.rcptQRFor = r.URL
		k.rcptQR.Resource = nil
		if r.URL != "" {
			if png, err := qrcode.Encode(r.URL, qrcode.Medium, 600); err == nil {
				k.rcptQR.Resource = fyne.NewStaticResource("kiosk-receipt-qr.png", png)
			}
		}
		k.rcptQR.Refresh()
	}
	k.rcptQR.SetMinSize(fyne.NewSize(260*s, 260*s))
	show(k.rcptQR, k.rcptQR.Resource != nil)
	switch {
	case r.URL != "":
		k.rcptHint.Text = lang.L("Scan for your receipt")
	case r.Printed:
		k.rcptHint.Text = lang.L("Please take your paper receipt")
	case r.PublishError != "":
		k.rcptHint.Text = lang.L("Your receipt is saved; staff can print it for you")
	default:
		k.rcptHint.Text = lang.L("Making your receipt…")
	}
	k.rcptHint.Refresh()
	k.rcptClears.Text = fmt.Sprintf(lang.L("This screen clears itself after %d seconds."), int(k.opts.ReceiptFor.Seconds()))
	k.rcptClears.Refresh()
}

// kioskFault is what is wrong for staff to see, or "" when the customer can
// go on alone: the relay, the scanner, the printer or the journal failing.
func kioskFault(v checkout.View) string {
	var out []string
	st := v.Status
	if r := st.Relay; r != "" && !strings.HasPrefix(r, "connected") && !strings.HasPrefix(r, "connecting") && !strings.HasPrefix(r, "none") {
		out = append(out, lang.L("Relay")+": "+r)
	}
	if sc := st.Scanner; sc != "" && !strings.HasPrefix(sc, "Scanner ready") {
		out = append(out, lang.L("Scanner")+": "+sc)
	}
	if p := st.Printer; p != "" && p != "ready" {
		out = append(out, lang.L("Printer")+": "+p)
	}
	if j := st.Journal; j != "" {
		out = append(out, lang.L("Journal")+": "+j)
	}
	if v.Phase == checkout.PhaseEnded && v.CanRetry {
		out = append(out, lang.L("Vipps MobilePay")+": "+v.Message)
	}
	return strings.Join(out, "\n")
}

func (k *Kiosk) onTypedKey(ev *fyne.KeyEvent) {
	if ev.Name != fyne.KeyReturn && ev.Name != fyne.KeyEnter {
		return
	}
	if code, ok := k.wedge.Enter(time.Now()); ok {
		k.activity()
		k.till.Scan(code)
	}
}

func (k *Kiosk) onPay() {
	k.with(func() { k.paying = true; k.payAsked = "" })
}

func (k *Kiosk) onPayQR() {
	if err := k.till.ShowQR(); err != nil {
		k.log.Warn("kiosk: pay with QR", "err", err)
	}
}

func (k *Kiosk) onCodeBack() { k.with(func() { k.paying = false }) }

func (k *Kiosk) onStartOver() {
	k.with(func() { k.paying = false })
	k.till.NewSale()
}

func (k *Kiosk) onTryAgain() {
	if k.till.View().CanRetry {
		_ = k.till.Retry()
		return
	}
	k.with(func() { k.paying = true; k.payAsked = "" })
	k.till.Back()
}

func (k *Kiosk) onCallStaff() {
	v := k.till.View()
	k.log.Info("kiosk: customer called staff", "screen", k.current, "lines", len(v.Lines), "reference", v.Reference)
	k.calledPop.Show()
}

// kioskTheme is high contrast and large: black on white, the text sizes
// scaled with the screen (scale 1 at 1024×768).
type kioskTheme struct {
	fyne.Theme
	scale float32
}

var (
	kioskInk   = color.NRGBA{R: 0x11, G: 0x11, B: 0x11, A: 0xff}
	kioskGrey  = color.NRGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xff}
	kioskGreen = color.NRGBA{R: 0x0f, G: 0x6b, B: 0x24, A: 0xff}
	kioskRed   = color.NRGBA{R: 0xb0, G: 0x00, B: 0x20, A: 0xff}
	// kioskOrange is Vipps orange, darkened so white text on it reads.
	kioskOrange = color.NRGBA{R: 0xd8, G: 0x3e, B: 0x0b, A: 0xff}
)

func (t *kioskTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNamePrimary:
		return kioskOrange
	case theme.ColorNameForeground:
		return kioskInk
	case theme.ColorNameBackground, theme.ColorNameOverlayBackground:
		return color.White
	case theme.ColorNameButton:
		return color.NRGBA{R: 0xe4, G: 0xe4, B: 0xe4, A: 0xff}
	case theme.ColorNameSuccess:
		return kioskGreen
	case theme.ColorNameError:
		return kioskRed
	case theme.ColorNameWarning:
		return color.NRGBA{R: 0x8a, G: 0x4b, B: 0x00, A: 0xff}
	}
	return t.Theme.Color(n, theme.VariantLight)
}

func (t *kioskTheme) Size(n fyne.ThemeSizeName) float32 {
	s := t.scale
	switch n {
	case theme.SizeNameText:
		return 26 * s
	case theme.SizeNameHeadingText:
		return 44 * s
	case theme.SizeNameSubHeadingText:
		return 32 * s
	case theme.SizeNameCaptionText:
		return 20 * s
	case theme.SizeNameInlineIcon:
		return 36 * s
	case theme.SizeNameInnerPadding:
		return 16 * s
	case theme.SizeNamePadding:
		return 6 * s
	case theme.SizeNameInputBorder:
		return 3
	}
	return t.Theme.Size(n)
}

// kioskScaler lays the kiosk out over the whole window and scales its
// theme with the window: 1 at 1024×768, up to 1.6 on larger screens.
type kioskScaler struct{ k *Kiosk }

// kioskScale is the theme's scale for a window size.
func kioskScale(s fyne.Size) float32 {
	return min(max(min(s.Width/1024, s.Height/768), 1), 1.6)
}

func (l *kioskScaler) MinSize(objs []fyne.CanvasObject) fyne.Size { return objs[0].MinSize() }

func (l *kioskScaler) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if sc := kioskScale(size); sc != l.k.theme.scale {
		l.k.theme.scale = sc
		// Drawn again with the new sizes after this layout (a redraw
		// running now folds it in).
		fyne.CurrentApp().Settings().SetTheme(l.k.theme)
		l.k.linesKey = "" // rows carry their own sizes
		defer l.k.refresh()
	}
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(size)
}

// pinPad asks for the staff PIN; only a PIN that KioskOptions.StaffPIN
// accepts opens the staff menu.
type pinPad struct {
	k      *Kiosk
	pop    *widget.PopUp
	dots   *canvas.Text
	msg    *canvas.Text
	digits string
	keys   map[string]*widget.Button
	ok     *widget.Button
	cancel *widget.Button
}

func newPinPad(k *Kiosk) *pinPad {
	p := &pinPad{k: k, keys: map[string]*widget.Button{}}
	title := k.text(36, true)
	title.Text = lang.L("Staff PIN")
	p.dots = k.text(44, true)
	p.msg = k.text(24, false)
	p.msg.Color = kioskRed
	grid := container.NewGridWithColumns(3)
	for _, d := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"} {
		d := d
		var b *widget.Button
		switch d {
		case "⌫":
			b = k.button("", theme.ContentUndoIcon(), widget.MediumImportance, p.back)
		case "OK":
			b = k.button(lang.L("OK"), nil, widget.HighImportance, p.submit)
			p.ok = b
		default:
			b = k.button(d, nil, widget.MediumImportance, func() { p.press(d) })
		}
		p.keys[d] = b
		grid.Add(sized(b, 110, 88))
	}
	p.cancel = k.button(lang.L("Close"), theme.CancelIcon(), widget.MediumImportance, p.close)
	p.pop = hiddenPopUp(container.NewVBox(title, p.dots, p.msg, grid, sized(p.cancel, 0, 80)), k.win)
	return p
}

func (p *pinPad) open() {
	p.digits = ""
	p.msg.Text = ""
	p.draw()
	p.pop.Show()
}

func (p *pinPad) close() {
	p.digits = ""
	p.pop.Hide()
}

func (p *pinPad) press(d string) {
	if len(p.digits) < 12 {
		p.digits += d
	}
	p.msg.Text = ""
	p.draw()
}

func (p *pinPad) back() {
	if p.digits != "" {
		p.digits = p.digits[:len(p.digits)-1]
	}
	p.draw()
}

func (p *pinPad) draw() {
	p.dots.Text = strings.Repeat("● ", len(p.digits))
	if p.digits == "" {
		p.dots.Text = " "
	}
	p.dots.Refresh()
	p.msg.Refresh()
}

func (p *pinPad) submit() {
	pin := p.digits
	p.digits = ""
	if pin == "" || p.k.opts.StaffPIN == nil || !p.k.opts.StaffPIN(pin) {
		p.k.log.Warn("kiosk: wrong staff PIN")
		p.msg.Text = lang.L("Wrong PIN")
		p.draw()
		return
	}
	p.k.log.Info("kiosk: staff menu opened")
	p.pop.Hide()
	p.k.menu.open()
}

// staffMenu is what staff may do at the kiosk: see what is wrong, cancel
// the sale, open the history, and leave the kiosk.
type staffMenu struct {
	k       *Kiosk
	pop     *widget.PopUp
	status  *widget.Label
	cancel  *widget.Button
	history *widget.Button
	demo    *widget.Button
	exit    *widget.Button
	back    *widget.Button
	bo      *backOffice
}

func newStaffMenu(k *Kiosk) *staffMenu {
	m := &staffMenu{k: k}
	title := k.text(36, true)
	title.Text = lang.L("Staff menu")
	m.status = widget.NewLabel("")
	m.status.Wrapping = fyne.TextWrapWord
	m.cancel = k.button(lang.L("Cancel the sale"), theme.DeleteIcon(), widget.DangerImportance, m.onCancel)
	m.history = k.button(lang.L("Open history"), theme.HistoryIcon(), widget.MediumImportance, m.onHistory)
	m.demo = k.button(lang.L("Demo menu"), theme.SettingsIcon(), widget.MediumImportance, m.onDemo)
	m.exit = k.button(lang.L("Exit kiosk"), theme.LogoutIcon(), widget.MediumImportance, m.onExit)
	m.back = k.button(lang.L("Back to the customer"), theme.NavigateBackIcon(), widget.HighImportance, m.close)
	if k.opts.BackOffice != nil {
		m.bo = newBackOffice(k.win, *k.opts.BackOffice)
	} else {
		m.history.Hide()
	}
	if k.opts.Demo == nil {
		m.demo.Hide()
	}
	box := container.NewVBox(title, m.status)
	for _, b := range []*widget.Button{m.cancel, m.history, m.demo, m.exit, m.back} {
		box.Add(sized(b, 520, 80))
	}
	m.pop = hiddenPopUp(box, k.win)
	return m
}

func (m *staffMenu) open() {
	m.refresh(m.k.till.View())
	m.pop.Show()
}

func (m *staffMenu) close() { m.pop.Hide() }

func (m *staffMenu) refresh(v checkout.View) {
	text := kioskFault(v)
	if text == "" {
		text = lang.L("Everything works.")
	}
	if v.Notice != "" {
		text += "\n" + lang.L("Last message") + ": " + v.Notice
	}
	m.status.SetText(text)
}

func (m *staffMenu) onCancel() {
	m.k.log.Info("kiosk: staff cancelled the sale")
	m.close()
	m.k.resetSale()
}

func (m *staffMenu) onHistory() {
	m.close()
	m.bo.onHistory()
}

func (m *staffMenu) onDemo() {
	m.close()
	showDemoMenu(m.k.win, m.k.opts.Demo)
}

func (m *staffMenu) onExit() {
	m.k.log.Info("kiosk: staff left the kiosk")
	m.close()
	m.k.opts.Exit()
}
