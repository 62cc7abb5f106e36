package ui

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo/demotest"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/assets"
	"github.com/kasse-pos/kasse/payments/sim"
)

// fakeClock holds the kiosk's timers until the test fires them.
type fakeClock struct {
	mu     sync.Mutex
	timers []*fakeTimer
}

type fakeTimer struct {
	d       time.Duration
	f       func()
	stopped bool
}

func (c *fakeClock) After(d time.Duration, f func()) func() {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{d: d, f: f}
	c.timers = append(c.timers, t)
	return func() { c.mu.Lock(); t.stopped = true; c.mu.Unlock() }
}

// fire runs the pending timers set for d and reports how many ran.
func (c *fakeClock) fire(d time.Duration) int {
	c.mu.Lock()
	var due []*fakeTimer
	c.timers = slices.DeleteFunc(c.timers, func(t *fakeTimer) bool {
		if t.stopped {
			return true
		}
		if t.d == d {
			due = append(due, t)
			return true
		}
		return false
	})
	c.mu.Unlock()
	for _, t := range due {
		t.f()
	}
	return len(due)
}

const (
	testReceiptFor = 20 * time.Second
	testIdleAfter  = 60 * time.Second
	testIdleGrace  = 15 * time.Second
)

type kioskRig struct {
	k      *Kiosk
	f      *fakeRegister
	clock  *fakeClock
	exited bool
	log    *bytes.Buffer
}

func newKioskRig(t *testing.T, size fyne.Size) *kioskRig {
	t.Helper()
	cat, err := catalog.Parse(assets.DemoCatalog)
	if err != nil {
		t.Fatal(err)
	}
	r := &kioskRig{f: &fakeRegister{cat: cat}, clock: &fakeClock{}, log: &bytes.Buffer{}}
	r.f.view = checkout.View{Phase: checkout.PhaseBasket, Currency: "NOK"}
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(size)
	r.k = CreateKiosk(a, w, r.f, KioskOptions{
		Title: "Test Kafé", StaffPIN: func(pin string) bool { return pin == "2468" },
		ReceiptFor: testReceiptFor, IdleAfter: testIdleAfter, IdleGrace: testIdleGrace,
		After: r.clock.After, Exit: func() { r.exited = true },
		Logger: slog.New(slog.NewTextHandler(r.log, nil)),
	})
	return r
}

func (r *kioskRig) screen() string {
	var s string
	r.k.with(func() { s = r.k.current })
	return s
}

func (r *kioskRig) calls() []string {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	return slices.Clone(r.f.calls)
}

func (r *kioskRig) called(name string) bool { return slices.Contains(r.calls(), name) }

func twoLines() (basket.Basket, checkout.View) {
	b := basket.Basket{Lines: []basket.Line{
		{ProductID: "P025", Name: "Termokopp", UnitPrice: 19900, VATRate: 2500, Quantity: 2},
		{ProductID: "P003", Name: "Cappuccino", UnitPrice: 4900, VATRate: 1500, Quantity: 1},
	}}
	return b, checkout.View{Phase: checkout.PhaseBasket, Lines: b.Lines, Totals: b.Totals(), Currency: "NOK", CanPay: true, CanShowQR: true}
}

// A customer's whole sale: the attract screen, scanning, their code, the
// payment, the receipt QR, and the start again once the receipt's time is up.
func TestKioskFlowFromAttractToReceiptAndBack(t *testing.T) {
	r := newKioskRig(t, fyne.NewSize(1024, 768))
	if s := r.screen(); s != "attract" || r.k.attractHint.Text != "Scan an item to start" {
		t.Fatalf("screen %q saying %q; want the attract screen", s, r.k.attractHint.Text)
	}
	b, v := twoLines()
	r.f.set(v)
	if s := r.screen(); s != "scan" {
		t.Fatalf("with two lines the kiosk shows %q; want scan", s)
	}
	if !strings.Contains(r.k.total.Text, "447,00") {
		t.Errorf("total reads %q; want 447,00", r.k.total.Text)
	}
	// Big − and + per line: + raises, − at 1 removes.
	rows := r.k.lines.Objects
	if len(rows) != 4 {
		t.Fatalf("%d rows in the list; want 2 lines and their separators", len(rows))
	}
	var buttons []*widget.Button
	for _, o := range test.LaidOutObjects(rows[2]) {
		if b, ok := o.(*widget.Button); ok {
			buttons = append(buttons, b)
		}
	}
	if len(buttons) != 2 {
		t.Fatalf("%d buttons on the Cappuccino line; want − and +", len(buttons))
	}
	for _, b := range buttons {
		if sz := b.Size(); sz.Width < 64 || sz.Height < 64 {
			t.Errorf("a line's button is %v; a kiosk's targets are at least 64 px", sz)
		}
	}
	test.Tap(buttons[1])
	test.Tap(buttons[0])
	if c := r.calls(); !slices.Contains(c, "quantity P003") || !slices.Contains(c, "remove P003") {
		t.Errorf("the till got %v; want + to set the quantity and − at 1 to remove the line", c)
	}

	test.Tap(r.k.pay)
	if s := r.screen(); s != "code" || r.k.codeTitle.Text != "Scan your Vipps / MobilePay code" {
		t.Fatalf("after Pay the kiosk shows %q (%q); want the code screen", s, r.k.codeTitle.Text)
	}
	// The customer's code identifies them; the kiosk asks for the money.
	v.Customer = "+47 ••• •• 678"
	r.f.set(v)
	if !r.called("pay") {
		t.Fatalf("the till got %v after the customer was identified; want pay", r.calls())
	}
	now := time.Now()
	v.Phase, v.Sent, v.Deadline, v.Reference = checkout.PhaseWaiting, now, now.Add(2*time.Minute), "kasse-1-x-000001-1"
	r.f.set(v)
	if s := r.screen(); s != "progress" || r.k.progTitle.Text != "Approve the payment in your app" {
		t.Fatalf("waiting shows %q (%q)", s, r.k.progTitle.Text)
	}
	v.Phase = checkout.PhaseDone
	v.Receipt = &checkout.Receipt{Number: "1", Lines: b.Lines, Totals: b.Totals(), Currency: "NOK", URL: "http://192.0.2.1/r/abc"}
	r.f.set(v)
	if s := r.screen(); s != "receipt" || r.k.rcptHint.Text != "Scan for your receipt" || r.k.rcptQR.Resource == nil {
		t.Fatalf("paid shows %q (%q, QR %v); want the receipt QR", s, r.k.rcptHint.Text, r.k.rcptQR.Resource != nil)
	}
	if r.called("new sale") {
		t.Fatal("the receipt went before its time")
	}
	if n := r.clock.fire(testReceiptFor); n != 1 {
		t.Fatalf("%d receipt timers; want 1", n)
	}
	if !r.called("new sale") {
		t.Fatalf("the till got %v after the receipt's time; want new sale", r.calls())
	}
	r.f.set(checkout.View{Phase: checkout.PhaseBasket, Currency: "NOK"})
	if s := r.screen(); s != "attract" {
		t.Errorf("after the new sale the kiosk shows %q; want attract", s)
	}
}

// An abandoned basket asks "Are you still there?", and starts over when
// nobody answers; an answer keeps the basket.
func TestKioskIdleAsksThenResets(t *testing.T) {
	r := newKioskRig(t, fyne.NewSize(1024, 768))
	_, v := twoLines()
	r.f.set(v)
	if n := r.clock.fire(testIdleAfter); n != 1 {
		t.Fatalf("%d idle timers fired; want 1", n)
	}
	if !r.k.askPop.Visible() {
		t.Fatal("no \"Are you still there?\" after the idle time")
	}
	test.Tap(r.k.stillHere)
	if r.k.askPop.Visible() {
		t.Fatal("the question stays up after the customer answered")
	}
	if n := r.clock.fire(testIdleGrace); n != 0 || r.called("new sale") {
		t.Fatalf("an answered question still reset the sale (%d timers, calls %v)", n, r.calls())
	}
	// Asked again, and nobody answers.
	if n := r.clock.fire(testIdleAfter); n != 1 || !r.k.askPop.Visible() {
		t.Fatalf("%d idle timers; question shown %v", n, r.k.askPop.Visible())
	}
	if n := r.clock.fire(testIdleGrace); n != 1 {
		t.Fatalf("%d grace timers; want 1", n)
	}
	if !r.called("new sale") || r.k.askPop.Visible() {
		t.Fatalf("unanswered, the kiosk called %v with the question shown %v; want new sale, question gone", r.calls(), r.k.askPop.Visible())
	}
	// The attract screen is not watched: no timer left behind.
	r.f.set(checkout.View{Phase: checkout.PhaseBasket, Currency: "NOK"})
	if n := r.clock.fire(testIdleAfter); n != 0 {
		t.Errorf("%d idle timers on the attract screen; want none", n)
	}
}

// No staff screen opens without the PIN: a wrong one is refused, the right
// one opens the menu, whose Exit leaves the kiosk.
func TestKioskStaffMenuNeedsThePIN(t *testing.T) {
	r := newKioskRig(t, fyne.NewSize(1024, 768))
	test.Tap(r.k.staff)
	if !r.k.pin.pop.Visible() {
		t.Fatal("Staff did not ask for the PIN")
	}
	for _, d := range "1357" {
		test.Tap(r.k.pin.keys[string(d)])
	}
	test.Tap(r.k.pin.ok)
	if r.k.menu.pop.Visible() || r.k.pin.msg.Text != "Wrong PIN" {
		t.Fatalf("a wrong PIN: menu shown %v, message %q", r.k.menu.pop.Visible(), r.k.pin.msg.Text)
	}
	test.Tap(r.k.pin.ok) // an empty PIN is no PIN either
	if r.k.menu.pop.Visible() {
		t.Fatal("an empty PIN opened the staff menu")
	}
	for _, d := range "24689" {
		test.Tap(r.k.pin.keys[string(d)])
	}
	test.Tap(r.k.pin.keys["⌫"])
	test.Tap(r.k.pin.ok)
	if !r.k.menu.pop.Visible() || r.k.pin.pop.Visible() {
		t.Fatalf("the right PIN: menu shown %v, PIN pad shown %v", r.k.menu.pop.Visible(), r.k.pin.pop.Visible())
	}
	if r.exited {
		t.Fatal("exited before Exit")
	}
	test.Tap(r.k.menu.exit)
	if !r.exited {
		t.Error("Exit kiosk did not leave the kiosk")
	}
}

// Without a configured PIN, nothing opens the staff menu.
func TestKioskWithoutAPINHasNoStaffMenu(t *testing.T) {
	r := newKioskRig(t, fyne.NewSize(1024, 768))
	r.k.opts.StaffPIN = nil
	test.Tap(r.k.staff)
	test.Tap(r.k.pin.ok)
	for _, d := range "2468" {
		test.Tap(r.k.pin.keys[string(d)])
	}
	test.Tap(r.k.pin.ok)
	if r.k.menu.pop.Visible() {
		t.Error("the staff menu opened with no PIN configured")
	}
}

// Call staff is logged and tells the customer someone comes.
func TestKioskCallStaff(t *testing.T) {
	r := newKioskRig(t, fyne.NewSize(1024, 768))
	_, v := twoLines()
	r.f.set(v)
	test.Tap(r.k.callStaff)
	if !r.k.calledPop.Visible() {
		t.Fatal("no \"Staff is on the way\" after Call staff")
	}
	if !strings.Contains(r.log.String(), "customer called staff") {
		t.Errorf("the log has no call: %q", r.log.String())
	}
}

// A fault shows the customer "Please call staff" and tells staff what.
func TestKioskFaultAsksForStaff(t *testing.T) {
	r := newKioskRig(t, fyne.NewSize(1024, 768))
	if r.k.fault.Visible() {
		t.Fatal("a fault shown with everything working")
	}
	_, v := twoLines()
	v.Status = checkout.Status{Relay: "connected", Printer: "not printing: check the paper and the cable"}
	r.f.set(v)
	if !r.k.fault.Visible() || r.k.faultTxt.Text != "Please call staff" {
		t.Fatalf("the printer failing: banner shown %v (%q)", r.k.fault.Visible(), r.k.faultTxt.Text)
	}
	for _, d := range "2468" {
		test.Tap(r.k.pin.keys[string(d)])
	}
	test.Tap(r.k.pin.ok)
	if got := r.k.menu.status.Text; !strings.Contains(got, "Printer: not printing") {
		t.Errorf("the staff menu says %q; want the printer's fault", got)
	}
}

// The layout scales with the screen and keeps everything on it.
func TestKioskScalesWithTheScreen(t *testing.T) {
	for _, size := range []fyne.Size{fyne.NewSize(1024, 768), fyne.NewSize(1920, 1080)} {
		r := newKioskRig(t, size)
		_, v := twoLines()
		r.f.set(v)
		if want := kioskScale(r.k.win.Content().Size()); r.k.theme.scale != want || want <= 1 && size.Width > 1024 {
			t.Errorf("%v: scale %v; want %v", size, r.k.theme.scale, want)
		}
		min := r.k.win.Content().MinSize()
		if min.Width > size.Width || min.Height > size.Height {
			t.Errorf("%v: the kiosk needs %v", size, min)
		}
		if p := r.k.pay.Size(); p.Height < 64 {
			t.Errorf("%v: Pay is %v high", size, p)
		}
	}
}

// The kiosk on a real till: the customer scans an item and their Vipps
// code, the simulated customer approves, the receipt QR appears, and the
// kiosk starts over.
func TestKioskSellsOnARealTill(t *testing.T) {
	rt := demotest.Start(t, demotest.Options{ApproveDelay: 100 * time.Millisecond, PollInterval: 200 * time.Millisecond})
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1024, 768))
	clock := &fakeClock{}
	k := CreateKiosk(a, w, rt.Till, KioskOptions{Title: "Test Kafé", After: clock.After, Logger: demotest.Quiet})
	rt.Scan("7038010001215") // Cappuccino
	rt.Await("the line", func(v checkout.View) bool { return len(v.Lines) == 1 })
	test.Tap(k.pay)
	rt.Scan(sim.DemoQRApproves)
	rt.Await("the receipt link", func(v checkout.View) bool {
		return v.Phase == checkout.PhaseDone && v.Receipt != nil && v.Receipt.URL != ""
	})
	var hint string
	var qr bool
	k.with(func() { hint, qr = k.rcptHint.Text, k.rcptQR.Resource != nil })
	if hint != "Scan for your receipt" || !qr {
		t.Fatalf("the receipt screen says %q (QR %v)", hint, qr)
	}
	clock.fire(DefaultKioskReceiptFor)
	rt.Await("a new sale", func(v checkout.View) bool {
		return v.Phase == checkout.PhaseBasket && v.Receipt == nil && len(v.Lines) == 0
	})
	var s string
	k.with(func() { s = k.current })
	if s != "attract" {
		t.Errorf("after the receipt the kiosk shows %q; want attract", s)
	}
}

// A payment that ended (declined) is watched too: walked away from, the
// kiosk asks and then starts over.
func TestKioskIdleAfterADecline(t *testing.T) {
	r := newKioskRig(t, fyne.NewSize(1024, 768))
	_, v := twoLines()
	v.Phase = checkout.PhaseWaiting
	r.f.set(v)
	if n := r.clock.fire(testIdleAfter); n != 0 {
		t.Fatalf("%d idle timers while the customer approves; want none", n)
	}
	v.Phase, v.Outcome = checkout.PhaseEnded, journal.StateAborted
	r.f.set(v)
	if r.k.progTitle.Text != "The payment was declined" {
		t.Errorf("a decline reads %q", r.k.progTitle.Text)
	}
	if n := r.clock.fire(testIdleAfter); n != 1 || !r.k.askPop.Visible() {
		t.Fatalf("after a decline: %d idle timers, question shown %v", n, r.k.askPop.Visible())
	}
	r.clock.fire(testIdleGrace)
	if !r.called("new sale") {
		t.Errorf("the declined sale was not reset: %v", r.calls())
	}
}

// Pay with QR asks the till for a merchant-presented code, and the kiosk
// shows it large; Vipps not answering asks for staff.
func TestKioskPayWithQRAndNoAnswer(t *testing.T) {
	r := newKioskRig(t, fyne.NewSize(1024, 768))
	_, v := twoLines()
	r.f.set(v)
	test.Tap(r.k.pay)
	test.Tap(r.k.payQR)
	if !r.called("show qr") {
		t.Fatalf("Pay with QR sent %v", r.calls())
	}
	now := time.Now()
	v.Phase, v.QR, v.Sent, v.Deadline = checkout.PhaseWaiting, "https://qr.vipps.no/example", now, now.Add(time.Minute)
	r.f.set(v)
	if r.k.progTitle.Text != "Scan this code with your app" || !r.k.progQR.Visible() {
		t.Errorf("a QR payment reads %q with the code shown %v", r.k.progTitle.Text, r.k.progQR.Visible())
	}
	v.Phase, v.QR, v.CanRetry, v.Message = checkout.PhaseEnded, "", true, "Vipps MobilePay did not answer."
	r.f.set(v)
	if r.k.progTitle.Text != "Please call staff" || !r.k.fault.Visible() || !r.k.tryAgain.Visible() {
		t.Errorf("no answer reads %q (banner %v, Try again %v)", r.k.progTitle.Text, r.k.fault.Visible(), r.k.tryAgain.Visible())
	}
	test.Tap(r.k.tryAgain)
	if !r.called("retry") {
		t.Errorf("Try again after no answer sent %v; want a safe retry", r.calls())
	}
}
