package ui

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/makiuchi-d/gozxing"
	gqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo/demotest"
)

// newTill opens a real Fyne window (headless test driver) on a till wired to
// the simulator and relay over loopback HTTP.
func newTill(t *testing.T) (*UI, *checkout.Till, fyne.Window) {
	t.Helper()
	r := demotest.Start(t, demotest.Options{ApproveDelay: 200 * time.Millisecond, PollInterval: 250 * time.Millisecond})
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	u := Create(a, w, r.Till, Options{Title: "Test Kafé", Demo: true})
	t.Cleanup(u.Close) // its ticker stops with the test
	return u, r.Till, w
}

// inspect reads the widgets while no redraw runs, then draws what arrived
// meanwhile: the test driver redraws on the goroutines that change the till.
func (u *UI) inspect(fn func()) {
	u.drawing.Lock()
	fn()
	u.drawing.Unlock()
	u.refresh()
}

// waitFor waits with a deadline for the till to reach a phase.
func waitFor(t *testing.T, till *checkout.Till, p checkout.Phase) checkout.View {
	t.Helper()
	return waitView(t, till, p.String(), func(v checkout.View) bool { return v.Phase == p })
}

// waitView waits with a deadline until the till's view satisfies ok.
func waitView(t *testing.T, till *checkout.Till, what string, ok func(checkout.View) bool) checkout.View {
	t.Helper()
	return (&demotest.Till{Till: till, T: t}).Await(what, ok)
}

func TestWholeSaleThroughTheWindow(t *testing.T) {
	u, till, w := newTill(t)
	test.Tap(u.products.tileFor("P025")) // Termokopp 199,00
	test.Tap(u.products.tileFor("P026")) // Powerbank 299,00
	if !u.basket.pay.Disabled() {
		t.Fatal("Pay is on before a customer is identified")
	}
	test.Type(u.basket.phone, "91234567")
	if u.basket.pay.Disabled() {
		t.Fatalf("Pay is off with two products and a valid number (%q)", u.basket.who.Text())
	}
	if !strings.Contains(u.basket.who.Text(), "Identified") {
		t.Errorf("customer line = %q", u.basket.who.Text())
	}
	test.Tap(u.basket.pay)
	// The receipt link comes from the relay just after the capture, then the
	// (virtual) printer prints; wait for both, so no redraw runs beside the taps.
	v := waitView(t, till, "receipt link and print", func(v checkout.View) bool {
		return v.Phase == checkout.PhaseDone && v.Receipt != nil && v.Receipt.URL != "" && v.Receipt.Printed
	})
	var total, body, current string
	var qrPNG []byte
	u.inspect(func() {
		total, body, qrPNG, current = u.receipt.total.Text, u.receipt.body.Text, u.receipt.qrPNG, u.current
	})
	if total != "Total kr\u00a0498,00" {
		t.Errorf("receipt total = %q", total)
	}
	if !strings.Contains(body, "VAT 25 %") || !strings.Contains(body, "99,60") {
		t.Errorf("receipt lacks the VAT line:\n%s", body)
	}
	img, err := png.Decode(bytes.NewReader(qrPNG))
	if err != nil {
		t.Fatalf("receipt QR is not an image: %v", err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	res, err := gqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("receipt QR does not decode: %v", err)
	}
	if res.GetText() != v.Receipt.URL || !strings.HasPrefix(res.GetText(), "http") {
		t.Errorf("QR says %q, receipt URL is %q", res.GetText(), v.Receipt.URL)
	}
	if current != "receipt" {
		t.Errorf("screen shows %s, want the receipt", current)
	}
	test.Tap(u.receipt.newSale)
	if u.current != "basket" || len(till.View().Lines) != 0 || u.basket.phone.Text != "" {
		t.Errorf("New sale left %s with %d lines and phone %q", u.current, len(till.View().Lines), u.basket.phone.Text)
	}
	_ = w
}

func TestDeclinedSaleReturnsToTheBasket(t *testing.T) {
	u, till, _ := newTill(t)
	test.Tap(u.products.tileFor("P001"))
	test.Tap(u.products.tileFor("P001"))
	test.Tap(u.products.tileFor("P009"))
	test.Type(u.basket.phone, "91234560") // the simulated customer declines numbers ending in 0
	test.Tap(u.basket.pay)
	waitFor(t, till, checkout.PhaseEnded)
	var screen, title string
	var backHidden bool
	u.inspect(func() { u.draw(); screen, title, backHidden = u.current, u.progress.title.Text, u.progress.back.Hidden })
	if screen != "progress" || title != "Declined" {
		t.Fatalf("screen %s, title %q", screen, title)
	}
	if backHidden {
		t.Fatal("no way back to the basket")
	}
	test.Tap(u.progress.back)
	v := till.View()
	if u.current != "basket" || len(v.Lines) != 2 || v.Lines[0].Quantity != 2 {
		t.Fatalf("after Back: screen %s, lines %+v", u.current, v.Lines)
	}
	if u.basket.pay.Disabled() {
		t.Error("Pay is off with the basket and customer still there")
	}
}

func TestInvalidPhoneIsExplained(t *testing.T) {
	u, _, _ := newTill(t)
	test.Tap(u.products.tileFor("P001"))
	test.Type(u.basket.phone, "1234")
	if !u.basket.pay.Disabled() {
		t.Error("Pay is on with an invalid number")
	}
	if !strings.HasPrefix(u.basket.who.Text(), "✗") {
		t.Errorf("no message for an invalid number: %q", u.basket.who.Text())
	}
}

func TestTouchTargets(t *testing.T) {
	u, _, _ := newTill(t)
	test.Tap(u.products.tileFor("P001"))
	for name, o := range map[string]fyne.CanvasObject{"pay": u.basket.pay, "tile": u.products.tileFor("P001")} {
		if s := o.Size(); s.Height < 48 || s.Width < 48 {
			t.Errorf("%s is %v, smaller than 48 px", name, s)
		}
	}
	for _, r := range u.basket.lineRows {
		for _, b := range []fyne.CanvasObject{r.minus, r.plus, r.remove} {
			if s := b.Size(); s.Height < 48 || s.Width < 48 {
				t.Errorf("basket button is %v, smaller than 48 px", s)
			}
		}
	}
}

func TestKeyboardWedgeScan(t *testing.T) {
	u, till, w := newTill(t)
	p, _ := till.Catalog().ByID("P005")
	test.TypeOnCanvas(w.Canvas(), p.EAN)
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	v := till.View()
	if len(v.Lines) != 1 || v.Lines[0].ProductID != "P005" {
		t.Fatalf("after a wedge scan of %s the basket is %+v", p.EAN, v.Lines)
	}
	// A personal QR typed by the scanner into the phone field identifies the
	// customer instead of being taken for a number.
	test.Type(u.basket.phone, "https://qr.vipps.no/28/2/01/031/4791234567?v=1")
	u.basket.phone.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if v := till.View(); v.Customer == "" || v.CustomerError != "" {
		t.Errorf("customer after QR in the phone field: %q (error %q)", v.Customer, v.CustomerError)
	}
	// An unknown but valid barcode is named plainly and changes nothing.
	test.TypeOnCanvas(w.Canvas(), "7038010999994")
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if v := till.View(); len(v.Lines) != 1 || !strings.Contains(v.Notice, "Unknown product") {
		t.Errorf("unknown barcode: lines %d, notice %q", len(v.Lines), v.Notice)
	}
}
