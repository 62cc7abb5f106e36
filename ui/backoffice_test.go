package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo/demotest"
	"github.com/kasse-pos/kasse/app/journal"
)

// boSell makes a real captured sale on a till wired to the simulator, and
// waits for its receipt link and print, the till's last writes of the sale.
func boSell(t *testing.T, till *checkout.Till, j *journal.Journal, phone string, ids ...string) *journal.Sale {
	t.Helper()
	till.NewSale()
	for _, id := range ids {
		if err := till.AddProduct(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := till.SetCustomer(phone); err != nil {
		t.Fatal(err)
	}
	if err := till.Pay(); err != nil {
		t.Fatal(err)
	}
	v := waitView(t, till, "sale captured and printed", func(v checkout.View) bool {
		rc := v.Receipt
		return v.Phase == checkout.PhaseDone && rc != nil && rc.URL != "" && (rc.Printed || rc.PrintError != "")
	})
	till.NewSale()
	s, err := j.ByReference(v.Reference)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// boAwait waits, with a deadline, until the back office has reported every
// one of wants, in any order.
func boAwait(t *testing.T, events <-chan string, wants ...string) {
	t.Helper()
	left := map[string]bool{}
	for _, w := range wants {
		left[w] = true
	}
	deadline := time.After(15 * time.Second)
	for len(left) > 0 {
		select {
		case e := <-events:
			delete(left, e)
		case <-deadline:
			t.Fatalf("timed out waiting for %v", left)
		}
	}
}

func TestHistorySearchAndRefundALine(t *testing.T) {
	r := demotest.Start(t, demotest.Options{ApproveDelay: 50 * time.Millisecond, PollInterval: 250 * time.Millisecond})
	st := r.Station
	sold := boSell(t, st.Till, st.Journal, "912 34 567", "P025", "P026") // 199,00 + 299,00
	boSell(t, st.Till, st.Journal, "41234567", "P001")

	a := test.NewTempApp(t)
	a.Settings().SetTheme(newTheme()) // as Create does
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	deps := BackOffice{Office: st.Office, Shop: checkout.Shop{Name: "Test Kafé"}}
	bo := newBackOffice(w, deps)
	events := make(chan string, 16)
	bo.notify = func(e string) {
		select {
		case events <- e:
		default:
		}
	}
	buttons := bo.buttons()
	w.SetContent(container.NewHBox(buttons...))
	for _, b := range buttons {
		if h := b.MinSize().Height; h < 48 {
			t.Errorf("header button %v is %.0f px high, want at least 48", b, h)
		}
	}

	test.Tap(bo.historyBtn)
	h := bo.history
	if len(h.entries) != 2 {
		t.Fatalf("history lists %d sales, want 2", len(h.entries))
	}
	test.Type(h.search, "+4791234567")
	if len(h.entries) != 1 || h.entries[0].Sale.ID != sold.ID {
		t.Fatalf("search by phone found %d sales", len(h.entries))
	}
	h.list.Select(0)
	for _, want := range []string{"Termokopp", "Powerbank", "captured", "capturing", sold.ReceiptNumber} {
		if !strings.Contains(h.detailText, want) {
			t.Errorf("detail lacks %q:\n%s", want, h.detailText)
		}
	}
	if h.refund.Disabled() {
		t.Fatal("Refund is off for a captured sale")
	}

	test.Tap(h.refund)
	rd := h.bo.refundDialog
	if rd == nil || len(rd.lines) != 2 {
		t.Fatal("no refund dialog with the sale's two lines")
	}
	// Every control of the history and the refund dialog is a touch target.
	for _, o := range w.Canvas().Overlays().List() {
		touchables(o, func(c fyne.CanvasObject) {
			if sz := c.Size(); sz.Height < 48 || sz.Width < 48 {
				t.Errorf("a %T in the back office is %v, smaller than 48 px: %s", c, sz, describe(c))
			}
		})
	}
	test.Tap(rd.lines[0].plus) // one Termokopp
	if !rd.confirm.Disabled() {
		t.Error("Refund is on without a reason")
	}
	test.Type(rd.reason, "Faulty item")
	if rd.confirm.Disabled() || !strings.Contains(rd.confirm.Text, "199,00") {
		t.Fatalf("confirm button %q (disabled %v); summary %q", rd.confirm.Text, rd.confirm.Disabled(), rd.summary.Text)
	}
	test.Tap(rd.confirm)
	if st.Refunder.Printer != nil || st.Refunder.Publisher != nil {
		boAwait(t, events, "refund", "delivered")
	} else {
		boAwait(t, events, "refund")
	}

	p := r.Ledger(sold.Current().Reference)
	if p.Aggregate.RefundedAmount.Value != 19900 {
		t.Errorf("simulator refunded %d, want 19900", p.Aggregate.RefundedAmount.Value)
	}
	s, err := st.Journal.Get(sold.ID)
	if err != nil || len(s.Refunds) != 1 || !s.Refunds[0].Done || s.Refunds[0].Reason != "Faulty item" || s.Refunds[0].Lines[0] != "P025:1" {
		t.Fatalf("journaled refunds: %+v, %v", s.Refunds, err)
	}
	if len(h.entries) != 1 || !strings.Contains(entryLine(h.entries[0]), "refunded 199,00") {
		t.Errorf("history row after the refund: %q", entryLine(h.entries[0]))
	}
	if !strings.Contains(h.detailText, "refunded 199,00") || !strings.Contains(h.detailText, "Faulty item") {
		t.Errorf("detail after the refund:\n%s", h.detailText)
	}

	test.Tap(bo.reportBtn)
	boAwait(t, events, "report")
	z := bo.report.text.Text
	for _, want := range []string{"Z REPORT", "REFUNDED", "199,00", "All payments agree"} {
		if !strings.Contains(z, want) {
			t.Errorf("Z report lacks %q:\n%s", want, z)
		}
	}

	// An X report any time: numbered, stored, shown.
	test.Tap(bo.report.xReport)
	boAwait(t, events, "x report")
	if x := bo.report.text.Text; !strings.Contains(x, "X-RAPPORT nr 1") || !strings.Contains(x, "Returer (1)") {
		t.Errorf("X report:\n%s", x)
	}
}
