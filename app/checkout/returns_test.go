package checkout_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo/demotest"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/hardware/escpos"
)

// The receipt's QR, scanned at the till, names its sale for the refund
// dialog; the refund of that sale goes through the simulator.
func TestScannedReceiptOpensItsRefund(t *testing.T) {
	r := newRig(t, false)
	r.Fill("912 34 567", "P025", "P026")
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v := r.Await("receipt link", func(v checkout.View) bool { return v.Receipt != nil && v.Receipt.URL != "" })
	url, ref := v.Receipt.URL, v.Reference
	r.Till.NewSale()
	r.Fill("41234567", "P001") // another sale, so the scanned one is not the newest
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	r.Await("receipt link", func(v checkout.View) bool { return v.Receipt != nil && v.Receipt.URL != "" && v.Reference != ref })
	r.Till.NewSale()
	sold, err := r.Station.Journal.ByReference(ref)
	if err != nil {
		t.Fatal(err)
	}

	r.Till.Scan(url + "\r\n")
	v = r.Till.View()
	if v.ReturnScan.Seq != 1 || v.ReturnScan.Sale != sold.ID || v.ReturnScan.Receipt != sold.ReceiptNumber {
		t.Fatalf("scan of %s: %+v, want sale %d", url, v.ReturnScan, sold.ID)
	}
	if !strings.Contains(v.Notice, sold.ReceiptNumber) {
		t.Errorf("notice %q", v.Notice)
	}
	r.Till.Scan(url)
	if v := r.Till.View(); v.ReturnScan.Seq != 2 || v.ReturnScan.Sale != sold.ID {
		t.Errorf("second scan: %+v", v.ReturnScan)
	}

	res, err := r.Station.Office.Refund(context.Background(), backoffice.RefundRequest{SaleID: v.ReturnScan.Sale, Full: true, Reason: "Returned goods"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Receipt.Totals.Gross != 49800 {
		t.Errorf("refunded %d", res.Receipt.Totals.Gross)
	}
	if p := r.Ledger(ref); p.Aggregate.RefundedAmount.Value != 49800 {
		t.Errorf("simulator refunded %d, want 49800", p.Aggregate.RefundedAmount.Value)
	}
	r.Till.Scan(url)
	if v := r.Till.View(); v.ReturnScan.Seq != 2 || !strings.Contains(v.Notice, "refunded in full") {
		t.Errorf("scan of a refunded receipt: %+v, notice %q", v.ReturnScan, v.Notice)
	}

	// A receipt of another till, and one never paid, say so.
	r.Till.Scan("https://relay.example.no/r/AbCdEfGhIjKlMnOpQrStUv")
	if v := r.Till.View(); v.ReturnScan.Seq != 2 || !strings.Contains(v.Notice, "not from this till") {
		t.Errorf("foreign receipt: %+v, notice %q", v.ReturnScan, v.Notice)
	}
}

// A return without the original sale is journaled as a sale of its own: its
// lines, amount, reason and the cash tender; its return receipt prints.
func TestReturnWithoutReceiptIsJournaled(t *testing.T) {
	r := newRig(t, false)
	ctx := context.Background()
	for _, bad := range []checkout.ReturnNoReceipt{
		{Items: []checkout.ReturnItem{{ProductID: "P025"}}},
		{Reason: "no receipt"},
		{Items: []checkout.ReturnItem{{ProductID: "nope"}}, Reason: "no receipt"},
		{Items: []checkout.ReturnItem{{Open: checkout.OpenItem{Description: "Scarf", Price: 0, VATRate: 2500}}}, Reason: "no receipt"},
	} {
		if _, err := r.Till.ReturnWithoutReceipt(ctx, bad); err == nil {
			t.Errorf("%+v was accepted", bad)
		}
	}
	rc, err := r.Till.ReturnWithoutReceipt(ctx, checkout.ReturnNoReceipt{Reason: "gift, no receipt", Items: []checkout.ReturnItem{
		{ProductID: "P025"}, // Termokopp 199,00
		{Open: checkout.OpenItem{Description: "Scarf", Price: 15000, VATRate: 2500}, Quantity: 2},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if rc.Totals.Gross != 49900 || !rc.Refund || rc.Number == "" || !rc.Printed {
		t.Fatalf("return receipt %+v", rc)
	}
	var s *journal.Sale
	_ = r.Station.Journal.Each(func(x *journal.Sale) bool {
		if x.ReceiptNumber == rc.Number {
			s = x
		}
		return s == nil
	})
	if s == nil || s.Return == nil {
		t.Fatalf("no journaled return with receipt %s", rc.Number)
	}
	if s.Return.Amount != 49900 || s.Return.Tender != journal.TenderCash || s.Return.Reason != "gift, no receipt" || len(s.Return.Lines) != 2 || len(s.Attempts) != 0 {
		t.Errorf("journaled return %+v, %d payments", s.Return, len(s.Attempts))
	}
	paper, _ := r.Station.Printer.Device.(*escpos.Virtual).Last()
	if txt := paper.Text(); !strings.Contains(txt, "Returkvittering") || !strings.Contains(txt, "-499,00") || !strings.Contains(txt, "Kontant") {
		t.Errorf("return receipt on paper:\n%s", txt)
	}
	if e := backoffice.Summarize(s); e.Amount != -49900 {
		t.Errorf("history amount %d, want -49900", e.Amount)
	}
	if v := r.Till.View(); len(v.Lines) != 0 || v.Phase != checkout.PhaseBasket {
		t.Errorf("the return touched the basket on screen: %+v", v)
	}
}

// Config.Allowed can refuse a return without receipt and a scanned refund.
func TestReturnsAskAllowed(t *testing.T) {
	r := demotest.Start(t, demotest.Options{})
	j, err := journal.Open(filepath.Join(t.TempDir(), "kasse.db"), journal.Options{Timeout: time.Second, Logger: demotest.Quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var asked []string
	till, err := checkout.New(context.Background(), checkout.Config{Journal: j, API: r.Station.API, Catalog: r.Till.Catalog(), Logger: demotest.Quiet,
		Allowed: func(action string) bool { asked = append(asked, action); return false }})
	if err != nil {
		t.Fatal(err)
	}
	defer till.Close()
	if _, err := till.ReturnWithoutReceipt(context.Background(), checkout.ReturnNoReceipt{Reason: "x", Items: []checkout.ReturnItem{{ProductID: "P025"}}}); err == nil || !strings.Contains(err.Error(), "manager") {
		t.Errorf("refused return: %v", err)
	}
	till.Scan("https://relay.example.no/r/AbCdEfGhIjKlMnOpQrStUv")
	if v := till.View(); v.ReturnScan.Seq != 0 || !strings.Contains(v.Notice, "manager") {
		t.Errorf("refused scan: %+v, %q", v.ReturnScan, v.Notice)
	}
	if got := strings.Join(asked, ","); got != checkout.ActionReturnNoReceipt+","+checkout.ActionRefund {
		t.Errorf("asked %s", got)
	}
	n := 0
	_ = j.Each(func(*journal.Sale) bool { n++; return true })
	if n != 0 {
		t.Errorf("a refused return journaled %d sales", n)
	}
}
