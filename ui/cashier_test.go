package ui

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/payment"
	"github.com/kasse-pos/kasse/app/scan"
	"github.com/kasse-pos/kasse/assets"
)

// sizes are the screens the till must fit: a small laptop, a 1280×800 till
// and a 1920×1080 screen.
var sizes = []fyne.Size{{Width: 1024, Height: 768}, {Width: 1280, Height: 800}, {Width: 1920, Height: 1080}}

// long is a 500-character message with a long unbroken address in it, the
// kind a program's error carries.
var long = func() string {
	s := "The printer on /dev/usb/lp0 answered: write /dev/usb/lp0: no such device (Get \"https://relay.example.no/v1/receipts/kasse-1-abcdefghijklmnopqrstuvwxyz-000001-1\": dial tcp 10.0.0.1:443: connection refused) "
	for len(s) < 500 {
		s += "and then it said something else that is rather long "
	}
	return s[:500]
}()

func newFake(t *testing.T, size fyne.Size, v checkout.View) (*UI, *fakeRegister, fyne.Window) {
	t.Helper()
	cat, err := catalog.Parse(assets.DemoCatalog)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRegister{cat: cat, view: v}
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(size)
	u := Create(a, w, f, Options{Title: "Kasse Demo Kafé", Demo: true})
	t.Cleanup(u.Close) // its ticker stops with the test
	w.Resize(size)
	return u, f, w
}

// fits fails if the window's content asks for more room than the window has.
func fits(t *testing.T, what string, w fyne.Window, size fyne.Size) {
	t.Helper()
	if m := w.Content().MinSize(); m.Width > size.Width || m.Height > size.Height {
		t.Errorf("%s at %v: the content needs %v, more than the window", what, size, m)
	}
}

func someLines(n int) []basket.Line {
	var ls []basket.Line
	for i := range n {
		ls = append(ls, basket.Line{ProductID: string(rune('A' + i)), Name: "Baguette med kylling og ekstra ost nr " + string(rune('A'+i)), UnitPrice: 8900, VATRate: 1500, Quantity: 1 + i})
	}
	return ls
}

// A 500-character status, notice, payment message, printer or receipt-link
// error leaves the window as it was: every one wraps or is cut, and the
// whole text is a tap away.
func TestLongMessagesKeepTheWindowSize(t *testing.T) {
	lines := someLines(8)
	b := basket.Basket{Lines: lines}
	rc := &checkout.Receipt{Lines: lines, Totals: b.Totals(), Currency: "NOK", PrintError: long, PublishError: long, Number: "1-000001"}
	views := map[string]checkout.View{
		"basket": {Phase: checkout.PhaseBasket, Lines: lines, Totals: b.Totals(), Currency: "NOK", Notice: long, CustomerInput: "9123", CustomerError: long,
			Status: checkout.Status{Relay: long, Scanner: long, Printer: long, Journal: long}, Recovery: []string{long, long, long}},
		"declined": {Phase: checkout.PhaseEnded, Outcome: journal.StateAborted, Lines: lines, Totals: b.Totals(), Currency: "NOK", Message: long, Notice: long, Customer: "+47 ••• •• 567",
			Status: checkout.Status{Printer: long}},
		"receipt": {Phase: checkout.PhaseDone, Lines: lines, Totals: b.Totals(), Currency: "NOK", Receipt: rc, Notice: long, Status: checkout.Status{Printer: long}},
	}
	for _, size := range sizes {
		for name, v := range views {
			u, _, w := newFake(t, size, checkout.View{Phase: checkout.PhaseBasket, Currency: "NOK"})
			fits(t, name+" before", w, size)
			u.till.(*fakeRegister).set(v)
			fits(t, name+" with long messages", w, size)
			if got := w.Canvas().Size(); got != size {
				t.Errorf("%s: the window is %v, was %v", name, got, size)
			}
			// The whole text is a tap away.
			if name == "basket" {
				test.Tap(u.notice)
				if top := w.Canvas().Overlays().Top(); top == nil {
					t.Errorf("a tap on the notice shows nothing")
				} else {
					w.Canvas().Overlays().Remove(top)
				}
			}
			// The whole text is kept, for the tap.
			if name == "basket" && (u.notice.Text() == "" || !strings.Contains(u.status.detail+u.status.Text(), "/dev/usb/lp0")) {
				t.Errorf("the notice %q or the status detail %q lost the text", u.notice.Text(), u.status.detail)
			}
		}
	}
}

// A program's error is not shown as it is: the cashier reads a sentence, and
// the error itself is the detail a tap shows.
func TestErrorsAreSentences(t *testing.T) {
	u, _, _ := newFake(t, sizes[1], checkout.View{Phase: checkout.PhaseBasket, Currency: "NOK",
		Notice: "relay: Get \"http://127.0.0.1:1/x\": dial tcp 127.0.0.1:1: connection refused",
		Status: checkout.Status{Scanner: "open /dev/ttyUSB0: no such file or directory"}})
	if n := u.notice.Text(); strings.Contains(n, "dial tcp") || n == "" {
		t.Errorf("notice shows %q", n)
	}
	if s := u.status.Text(); strings.Contains(s, "/dev/ttyUSB0") || !strings.Contains(s, "Scanner") {
		t.Errorf("status bar shows %q", s)
	}
	if !strings.Contains(u.status.detail, "/dev/ttyUSB0") {
		t.Errorf("status detail lost the error: %q", u.status.detail)
	}
}

func absPos(o fyne.CanvasObject) fyne.Position {
	return fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
}

// Typing the customer's number moves nothing: not Pay, not Clear, not the
// tiles, at any step, the identified state included.
func TestNothingMovesWhileTyping(t *testing.T) {
	for _, size := range sizes {
		u, till, w := newTill(t)
		w.Resize(size)
		test.Tap(u.products.tileFor("P001"))
		test.Tap(u.products.tileFor("P009"))
		type place struct {
			pay, clear, tile fyne.Position
			tileSize         fyne.Size
		}
		at := func() place {
			var p place
			u.inspect(func() {
				p = place{absPos(u.basket.pay), absPos(u.basket.clear), absPos(u.products.tileFor("P003")), u.products.tileFor("P003").Size()}
			})
			return p
		}
		first := at()
		for i, c := range "91234567" {
			test.Type(u.basket.phone, string(c))
			if now := at(); now != first {
				t.Errorf("%v: after typing %d digits the layout moved: %+v, was %+v", size, i+1, now, first)
			}
		}
		if till.View().Customer == "" {
			t.Fatalf("the number was not taken: %+v", till.View().CustomerError)
		}
	}
}

// At 1280×800 the basket shows at least six lines, and scrolls to the one
// just added.
func TestBasketShowsSixLinesAndTheNewest(t *testing.T) {
	u, till, _ := newTill(t)
	ids := []string{"P001", "P002", "P003", "P004", "P005", "P006", "P007", "P008", "P009"}
	for _, id := range ids {
		test.Tap(u.products.tileFor(id))
	}
	test.Type(u.basket.phone, "91234567")
	if n := len(till.View().Lines); n != len(ids) {
		t.Fatalf("basket has %d lines", n)
	}
	u.inspect(func() {
		rowH := u.basket.lines.Objects[0].Size().Height
		view := u.basket.scroll.Size().Height
		if rowH < 48 || view < 6*rowH {
			t.Errorf("the basket is %v high with lines of %v: fewer than 6 lines show", view, rowH)
		}
		last := u.basket.lines.Objects[len(ids)-1]
		top := last.Position().Y - u.basket.scroll.Offset.Y
		if top < 0 || top+last.Size().Height > view+1 {
			t.Errorf("the newest line is at %v..%v of a %v-high basket: out of sight", top, top+last.Size().Height, view)
		}
	})
	// Back to the first product: its line grows and comes into sight.
	test.Tap(u.products.tileFor("P001"))
	u.inspect(func() {
		first := u.basket.lines.Objects[0]
		if top := first.Position().Y - u.basket.scroll.Offset.Y; top < 0 {
			t.Errorf("the line just changed is above the view (at %v)", top)
		}
	})
}

// lineKinds are the kinds of the journal's line records, in order.
func lineKinds(t *testing.T, till *checkout.Till) []string {
	t.Helper()
	var kinds []string
	err := till.Journal().EachRecord(0, func(r journal.Record) bool {
		switch r.Kind {
		case journal.KindLineAdded, journal.KindLineChanged, journal.KindLineRemoved, journal.KindBasketCleared:
			kinds = append(kinds, string(r.Kind))
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return kinds
}

// − at quantity 1 does not delete silently: the line goes with an Undo, and
// Undo brings it back as a new journal record.
func TestMinusAtOneOffersUndo(t *testing.T) {
	u, till, _ := newTill(t)
	test.Tap(u.products.tileFor("P001"))
	test.Tap(u.products.tileFor("P009"))
	test.Tap(u.basket.lineRows["P009"].minus)
	if v := till.View(); len(v.Lines) != 1 {
		t.Fatalf("after − at 1: %+v", v.Lines)
	}
	// A notice meanwhile (an unknown barcode) does not take the Undo away.
	till.Scan("7038010999994")
	if u.basket.undoBar.Hidden || !strings.Contains(u.basket.undoText.Text, "Removed") {
		t.Fatalf("no undo offered (%q)", u.basket.undoText.Text)
	}
	if y := absPos(u.basket.undo).Y; y <= absPos(u.basket.lines).Y {
		t.Errorf("the Undo button is not laid out below the lines (y %v)", y)
	}
	test.Tap(u.basket.undo)
	v := till.View()
	if len(v.Lines) != 2 || v.Lines[1].ProductID != "P009" || v.Lines[1].Quantity != 1 {
		t.Fatalf("after Undo: %+v", v.Lines)
	}
	want := []string{"line.added", "line.added", "line.removed", "line.added"}
	if got := lineKinds(t, till); !reflect.DeepEqual(got, want) {
		t.Errorf("journal line records %v, want %v (an undo adds, never deletes)", got, want)
	}
}

// Clear can be undone: the same lines and quantities come back.
func TestClearCanBeUndone(t *testing.T) {
	u, till, _ := newTill(t)
	for _, id := range []string{"P001", "P001", "P009", "P005"} {
		test.Tap(u.products.tileFor(id))
	}
	before := till.View().Lines
	test.Tap(u.basket.clear)
	if len(till.View().Lines) != 0 || u.basket.undoBar.Hidden {
		t.Fatalf("Clear left %d lines, undo hidden %v", len(till.View().Lines), u.basket.undoBar.Hidden)
	}
	test.Tap(u.basket.undo)
	if after := till.View().Lines; !reflect.DeepEqual(after, before) {
		t.Fatalf("after Undo the basket is %+v, was %+v", after, before)
	}
	kinds := lineKinds(t, till)
	if tail := strings.Join(kinds[len(kinds)-4:], " "); tail != "basket.cleared line.added line.added line.added" {
		t.Errorf("journal ends %q", tail)
	}
	// A second undo has nothing to undo and says so.
	if err := till.Undo(); !errors.Is(err, checkout.ErrNothingToUndo) {
		t.Errorf("second Undo: %v", err)
	}
}

// After a decline the steps keep what happened: sent ✓, declined ✗.
func TestStepsKeepWhatHappened(t *testing.T) {
	u, till, _ := newTill(t)
	test.Tap(u.products.tileFor("P001"))
	test.Type(u.basket.phone, "91234560") // the simulated customer declines numbers ending in 0
	test.Tap(u.basket.pay)
	waitFor(t, till, checkout.PhaseEnded)
	var sent, approval string
	// Draw the view waited for: the window's listener may run after ours.
	u.inspect(func() { u.draw(); sent, approval = u.progress.steps[0].Text, u.progress.steps[1].Text })
	if !strings.HasPrefix(sent, "✓") || !strings.Contains(sent, "Sent") {
		t.Errorf("step 1 after a decline: %q", sent)
	}
	if !strings.HasPrefix(approval, "✗") || !strings.Contains(approval, "Declined") {
		t.Errorf("step 2 after a decline: %q", approval)
	}
	for _, c := range []struct {
		v    checkout.View
		want [2]string
	}{
		{checkout.View{Phase: checkout.PhaseEnded, Outcome: journal.StateExpired, Sent: time.Now()}, [2]string{"✓", "✗  Expired"}},
		{checkout.View{Phase: checkout.PhaseEnded, Outcome: journal.StateCancelled, Sent: time.Now()}, [2]string{"✓", "✗  Cancelled"}},
		{checkout.View{Phase: checkout.PhaseEnded, CanRetry: true}, [2]string{"?", "○"}},
		{checkout.View{Phase: checkout.PhaseWaiting}, [2]string{"✓", "●"}},
	} {
		m := stepMarks(c.v)
		if !strings.HasPrefix(m[0].text, c.want[0]) || !strings.HasPrefix(m[1].text, c.want[1]) {
			t.Errorf("%v %v: steps %q, %q", c.v.Phase, c.v.Outcome, m[0].text, m[1].text)
		}
	}
}

// paid waits for the sale to be captured and printed: its last writes, so
// that no redraw runs beside the next window's.
func paid(t *testing.T, till *checkout.Till) {
	t.Helper()
	waitView(t, till, "captured and printed", func(v checkout.View) bool {
		return v.Phase == checkout.PhaseDone && v.Receipt != nil && v.Receipt.URL != "" && (v.Receipt.Printed || v.Receipt.PrintError != "")
	})
}

// Enter pays when Pay is on, and does nothing before.
func TestEnterPays(t *testing.T) {
	u, till, w := newTill(t)
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	test.Tap(u.products.tileFor("P001"))
	test.Type(u.basket.phone, "91234567")
	if till.View().Phase != checkout.PhaseBasket {
		t.Fatal("paid before the basket was ready")
	}
	u.inspect(func() { w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn}) })
	paid(t, till)
}

// Enter in the phone field pays too.
func TestEnterInThePhoneFieldPays(t *testing.T) {
	u, till, _ := newTill(t)
	test.Tap(u.products.tileFor("P001"))
	test.Type(u.basket.phone, "91234567")
	// The test driver redraws on the payment's goroutine at once; hold the
	// redraws while the field finishes its own Enter, as the main loop would.
	u.inspect(func() { u.basket.phone.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) })
	paid(t, till)
}

// A tap on a tile while a payment is under way says why nothing was added.
func TestTapWhileWaitingIsExplained(t *testing.T) {
	u, f, _ := newFake(t, sizes[1], checkout.View{Phase: checkout.PhaseWaiting, Currency: "NOK", Deadline: time.Now().Add(time.Minute), Sent: time.Now()})
	f.mu.Lock()
	f.addErr = errors.New("a payment is in progress; cancel it or wait for it to finish")
	f.mu.Unlock()
	test.Tap(u.products.tileFor("P001"))
	var notice string
	var hidden bool
	u.inspect(func() { notice, hidden = u.notice.Text(), u.noticeBox.Hidden })
	if !u.products.tileFor("P001").Locked {
		t.Error("the tiles do not look locked while a payment is under way")
	}
	if hidden || !strings.Contains(notice, "payment is under way") {
		t.Errorf("after a tap while waiting the notice is %q (hidden %v)", notice, hidden)
	}
}

// Tiles fill the grid's width at every window size, and units stay on their
// line.
func TestTilesFillTheGrid(t *testing.T) {
	for _, size := range sizes {
		u, _, w := newFake(t, size, checkout.View{Phase: checkout.PhaseBasket, Currency: "NOK"})
		w.Resize(size)
		gw := u.products.grid.scroll.Content.Size().Width
		tile := u.products.tileFor("P001")
		g := u.products.grid.layout
		cols := float32(g.cols(gw))
		used := cols*tile.Size().Width + (cols-1)*tileGap
		if gw-used > 2 || tile.Size().Width < minTile {
			t.Errorf("%v: %v columns of %v px use %v of %v px", size, cols, tile.Size().Width, used, gw)
		}
	}
	// A category opens at its top.
	u, _, _ := newFake(t, sizes[1], checkout.View{Phase: checkout.PhaseBasket, Currency: "NOK"})
	grid := u.products.grid.scroll
	grid.ScrollToOffset(fyne.NewPos(0, 300))
	u.products.tabs.SelectIndex(1)
	if grid.Offset.Y != 0 {
		t.Errorf("on a category, the grid is scrolled to %v", grid.Offset.Y)
	}
	grid.ScrollToOffset(fyne.NewPos(0, 50))
	u.products.tabs.SelectIndex(0)
	if grid.Offset.Y != 0 {
		t.Errorf("back on All, the grid is scrolled to %v", grid.Offset.Y)
	}
	if got := wrap("Vann med kullsyre 0,5 l", 16, 2); got[len(got)-1] == "l" || strings.HasSuffix(got[0], "0,5") {
		t.Errorf("the unit left its number: %q", got)
	}
}

// touchables walks o's tree and calls fn with every control a finger taps.
func touchables(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	if !o.Visible() {
		return
	}
	switch x := o.(type) {
	case *widget.Button, *widget.Check, *widget.Select, *widget.SelectEntry, *widget.Entry, *productTile:
		fn(x)
		return
	case *fyne.Container:
		for _, c := range x.Objects {
			touchables(c, fn)
		}
		return
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			touchables(c, fn)
		}
	}
}

// Every button, check box, picker and field on the till is at least 48 px
// high, in each state of the sale.
func TestEveryTouchTargetIs48(t *testing.T) {
	lines := someLines(3)
	b := basket.Basket{Lines: lines}
	rc := &checkout.Receipt{Lines: lines, Totals: b.Totals(), Currency: "NOK", PrintError: "did not print", Number: "1-000001"}
	for _, v := range []checkout.View{
		{Phase: checkout.PhaseBasket, Lines: lines, Totals: b.Totals(), Currency: "NOK", Customer: "+47 ••• •• 567", CanPay: true},
		{Phase: checkout.PhaseWaiting, Lines: lines, Totals: b.Totals(), Currency: "NOK", Sent: time.Now(), Deadline: time.Now().Add(time.Minute)},
		{Phase: checkout.PhaseEnded, Outcome: journal.StateAborted, Lines: lines, Totals: b.Totals(), Currency: "NOK", CanPay: true},
		{Phase: checkout.PhaseDone, Lines: lines, Totals: b.Totals(), Currency: "NOK", Receipt: rc},
	} {
		u, f, w := newFake(t, sizes[0], v)
		f.set(v)
		n := 0
		u.inspect(func() {
			touchables(w.Content(), func(o fyne.CanvasObject) {
				n++
				if s := o.Size(); s.Height < 48 || s.Width < 48 {
					t.Errorf("%v: a %T is %v, smaller than 48 px", v.Phase, o, s)
				}
			})
		})
		if n < 3 {
			t.Errorf("%v: only %d controls found", v.Phase, n)
		}
	}
}

func describe(o fyne.CanvasObject) string {
	switch x := o.(type) {
	case *widget.Button:
		return "button " + x.Text
	case *widget.Check:
		return "check " + x.Text
	}
	return ""
}

// Enter in the empty search box pays too, when Pay is on; not when it is off.
func TestEnterInTheEmptySearchPays(t *testing.T) {
	lines := someLines(1)
	b := basket.Basket{Lines: lines}
	u, f, _ := newFake(t, sizes[1], checkout.View{Phase: checkout.PhaseBasket, Lines: lines, Totals: b.Totals(), Currency: "NOK"})
	u.products.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	f.set(checkout.View{Phase: checkout.PhaseBasket, Lines: lines, Totals: b.Totals(), Currency: "NOK", Customer: "+47 ••• •• 567", CanPay: true})
	u.products.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	f.mu.Lock()
	defer f.mu.Unlock()
	if got := strings.Join(f.calls, ", "); got != "pay" {
		t.Errorf("after Enter with Pay off, then on, the till got %q; want one pay", got)
	}
}

// The sentences Kasse writes for cashiers are shown as they are; programs'
// errors are not.
func TestTechnicalTellsErrorsFromSentences(t *testing.T) {
	sentences := []string{
		scan.MsgMisread, scan.MsgNeedsExchange, scan.MsgBusyPaying, scan.MsgExchangeError, scan.MsgOtherQR, scan.MsgLayout,
		scan.UnknownProduct("7038010999994"), payment.RefusalMessage("7010", ""), payment.RefusalMessage("", ""),
		"Receipt 000012: found authorized after a restart; Kasse is finishing it.",
		"The receipt did not print. The sale is complete; check the printer and tap Print again.",
		"not printing: check the paper and the cable", "connecting…", "connected", "none (payments are checked by polling)",
	}
	for _, st := range []journal.State{journal.StateNew, journal.StateRequested, journal.StateAuthorized, journal.StateCaptured,
		journal.StateCancelling, journal.StateCancelled, journal.StateAborted, journal.StateExpired, journal.StateTerminated, journal.StateFailed} {
		sentences = append(sentences, payment.Message(payment.Snapshot{State: st}), payment.Message(payment.Snapshot{State: st, Unknown: true}))
	}
	for _, s := range sentences {
		if technical(s) {
			t.Errorf("a sentence for the cashier is taken for a program's error: %q", s)
		}
	}
	for _, e := range []string{
		`relay: Get "https://relay.example.no/v1/events": dial tcp 10.0.0.1:443: connect: connection refused`,
		"open /dev/ttyACM0: no such file or directory",
		"capture kasse-1-x-000001-1: epayment: not found",
		"print: write tcp 127.0.0.1:5000->127.0.0.1:9100: broken pipe",
	} {
		if !technical(e) {
			t.Errorf("a program's error is shown to the cashier as it is: %q", e)
		}
	}
}
