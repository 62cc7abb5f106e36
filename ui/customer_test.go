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

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/app/journal"
)

// decodeQR reads the text of the QR code an image shows.
func decodeQR(t *testing.T, img fyne.Resource) string {
	t.Helper()
	if img == nil {
		t.Fatal("no QR code on screen")
	}
	pic, err := png.Decode(bytes.NewReader(img.Content()))
	if err != nil {
		t.Fatal(err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(pic)
	res, err := gqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the QR code does not read: %v", err)
	}
	return res.GetText()
}

// The customer display follows a sale beside the cashier's screen, from the
// same till: the shop's name, the basket and its total, the request to
// approve, the merchant QR, the receipt QR, and the shop's name again.
func TestCustomerDisplayFollowsASale(t *testing.T) {
	u, f, _ := newFake(t, sizes[1], checkout.View{Phase: checkout.PhaseBasket, Currency: "NOK"})
	cw := test.NewTempWindow(t, nil)
	cw.Resize(fyne.NewSize(1280, 800))
	d := NewCustomerDisplay(cw, f, "Kasse Demo Kafé", i18n.For("en"))
	if !d.welcome.Visible() || d.sale.Visible() {
		t.Fatal("between sales the display does not show the welcome")
	}

	lines := []basket.Line{
		{ProductID: "P001", Name: "Kaffe, liten", UnitPrice: 3200, VATRate: 1500, Quantity: 2},
		{ProductID: "P026", Name: "Powerbank", UnitPrice: 29900, VATRate: 2500, Quantity: 1},
	}
	b := basket.Basket{Lines: lines}
	sale := checkout.View{Phase: checkout.PhaseBasket, Lines: lines, Totals: b.Totals(), Currency: "NOK", CanPay: true, CanShowQR: true}
	f.set(sale)
	if d.welcome.Visible() || !d.sale.Visible() {
		t.Fatal("with a basket the display still shows the welcome")
	}
	if r0, r1 := d.rows[0], d.rows[1]; r0.name.Text != "2 × Kaffe, liten" || !strings.Contains(r0.sum.Text, "64,00") || r1.name.Text != "Powerbank" {
		t.Errorf("the lines read %q %q, %q", r0.name.Text, r0.sum.Text, r1.name.Text)
	}
	if len(d.lines.Objects) != 2 || !strings.Contains(d.total.Text, "363,00") {
		t.Errorf("%d lines, total %q; want 2 and 363,00", len(d.lines.Objects), d.total.Text)
	}
	if cashier := u.basket.total.Text; !strings.Contains(cashier, "363,00") {
		t.Errorf("the cashier's screen, on the same till, shows %q", cashier)
	}

	// A merchant-presented QR: the customer scans it from this screen.
	now := time.Now()
	waiting := sale
	waiting.Phase, waiting.QR, waiting.Sent, waiting.Deadline = checkout.PhaseWaiting, "https://qr.example/pay/abc123", now, now.Add(2*time.Minute)
	f.set(waiting)
	if d.title.Text != "Scan to pay" || !d.qr.Visible() {
		t.Errorf("waiting on a QR the display says %q (QR shown %v)", d.title.Text, d.qr.Visible())
	}
	if got := decodeQR(t, d.qr.Resource); got != waiting.QR {
		t.Errorf("the QR reads %q, want %q", got, waiting.QR)
	}
	if !strings.HasPrefix(d.steps[0].Text, "✓") || !strings.HasPrefix(d.steps[1].Text, "●") || !strings.Contains(d.left.Text, "left") {
		t.Errorf("steps %q, %q; time %q", d.steps[0].Text, d.steps[1].Text, d.left.Text)
	}

	// A push request: the customer approves on the phone; no code to scan.
	waiting.QR = ""
	f.set(waiting)
	if d.title.Text != "Approve in the app" || d.qr.Visible() {
		t.Errorf("waiting on a push the display says %q (QR shown %v)", d.title.Text, d.qr.Visible())
	}

	// Declined: said plainly, and no step is reset.
	ended := waiting
	ended.Phase, ended.Outcome = checkout.PhaseEnded, journal.StateAborted
	f.set(ended)
	if d.title.Text != "Payment declined" || !strings.HasPrefix(d.steps[0].Text, "✓") || !strings.HasPrefix(d.steps[1].Text, "✗") {
		t.Errorf("declined: %q, steps %q, %q", d.title.Text, d.steps[0].Text, d.steps[1].Text)
	}

	// Paid: the receipt's QR, for the customer's phone.
	done := sale
	done.Phase = checkout.PhaseDone
	done.Receipt = &checkout.Receipt{Lines: lines, Totals: b.Totals(), Currency: "NOK", URL: "https://relay.example/r/xyz"}
	f.set(done)
	if !strings.HasPrefix(d.title.Text, "Paid") || !d.qr.Visible() {
		t.Errorf("paid: %q (QR shown %v)", d.title.Text, d.qr.Visible())
	}
	if got := decodeQR(t, d.qr.Resource); got != done.Receipt.URL {
		t.Errorf("the receipt QR reads %q, want %q", got, done.Receipt.URL)
	}

	// The next sale starts empty: the shop's name again, the receipt gone.
	f.set(checkout.View{Phase: checkout.PhaseBasket, Currency: "NOK"})
	if !d.welcome.Visible() || d.sale.Visible() {
		t.Error("after the sale the display does not go back to the shop's name")
	}
}

// A long shop or product name is cut at the window's edge; the customer's
// window never asks for more room than its screen.
func TestCustomerDisplayNeverWidens(t *testing.T) {
	f := &fakeRegister{view: checkout.View{Phase: checkout.PhaseBasket, Currency: "NOK"}}
	test.NewTempApp(t)
	cw := test.NewTempWindow(t, nil)
	size := fyne.NewSize(1024, 768)
	cw.Resize(size)
	NewCustomerDisplay(cw, f, strings.Repeat("Butikken med et langt navn ", 20), i18n.For("en"))
	fits(t, "between sales", cw, size)
	l := basket.Line{ProductID: "P1", Name: long, UnitPrice: 100, VATRate: 2500, Quantity: 3}
	b := basket.Basket{Lines: []basket.Line{l}}
	now := time.Now()
	f.set(checkout.View{Phase: checkout.PhaseWaiting, Lines: b.Lines, Totals: b.Totals(), Currency: "NOK", QR: "https://qr.example/" + strings.Repeat("x", 200),
		Sent: now, Deadline: now.Add(time.Minute)})
	fits(t, "waiting on a QR", cw, size)
}
