package ui

import (
	"bytes"
	"image/png"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/makiuchi-d/gozxing"
	gqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo/demotest"
	"github.com/kasse-pos/kasse/payments/sim"
)

// A customer who would rather scan: Show QR puts a large code on screen that
// decodes to the URL Vipps made for this payment; once paid, the receipt shows.
func TestShowQRPaysByScanning(t *testing.T) {
	r := demotest.Start(t, demotest.Options{ManualCustomer: true})
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	u := Create(a, w, r.Till, Options{Title: "Test Kafé", Demo: true})
	t.Cleanup(u.Close) // its ticker stops with the test
	if !u.basket.showQR.Disabled() {
		t.Fatal("Show QR is on with an empty basket")
	}
	test.Tap(u.products.tileFor("P026"))
	if u.basket.showQR.Disabled() || !u.basket.pay.Disabled() {
		t.Fatalf("with a basket and no customer: Show QR disabled %v, Pay disabled %v", u.basket.showQR.Disabled(), u.basket.pay.Disabled())
	}
	test.Tap(u.basket.showQR)
	v := waitView(t, r.Till, "the QR on screen", func(v checkout.View) bool { return v.Phase == checkout.PhaseWaiting && v.QR != "" })
	var pic []byte
	var title string
	waitView(t, r.Till, "drawn", func(checkout.View) bool {
		u.inspect(func() {
			title = u.progress.title.Text
			if res := u.progress.qr.Resource; res != nil && u.progress.qr.Visible() {
				pic = res.Content()
			}
		})
		return pic != nil
	})
	if title != "Scan to pay" || u.progress.qr.MinSize().Width < 300 {
		t.Errorf("title %q, QR %v wide", title, u.progress.qr.MinSize().Width)
	}
	img, err := png.Decode(bytes.NewReader(pic))
	if err != nil {
		t.Fatal(err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	res, err := gqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil || res.GetText() != v.QR {
		t.Fatalf("the QR on screen decodes to %v (%v); want %q", res, err, v.QR)
	}
	if err := r.Demo.Sim.Approve(sim.DemoMSN, v.Reference); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r.Till, checkout.PhaseDone)
}
