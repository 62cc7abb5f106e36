package checkout_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo/demotest"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/hardware/escpos"
	"github.com/kasse-pos/kasse/payments/sim"
)

// rig is a till wired to the simulator and relay over loopback HTTP, with
// every Vipps call checked against the OpenAPI contract.
type rig struct{ *demotest.Till }

func newRig(t *testing.T, manual bool) rig {
	return rig{demotest.Start(t, demotest.Options{ManualCustomer: manual, Contract: true})}
}

func phase(p checkout.Phase) func(checkout.View) bool {
	return func(v checkout.View) bool { return v.Phase == p }
}

func TestSaleIsCapturedOnce(t *testing.T) {
	r := newRig(t, false)
	r.Fill("912 34 567", "P025", "P026") // Termokopp 199,00 + Powerbank 299,00
	if !r.Till.View().CanPay {
		t.Fatal("Pay is off with a basket and a valid customer")
	}
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v := r.Await("captured", phase(checkout.PhaseDone))
	if v.Receipt == nil || v.Receipt.Totals.Gross != 49800 {
		t.Fatalf("receipt = %+v, want total 49800", v.Receipt)
	}
	if v.Receipt.Totals.VAT != 9960 {
		t.Errorf("receipt VAT = %d, want 9960", v.Receipt.Totals.VAT)
	}
	p := r.Ledger(v.Reference)
	if p.State != "AUTHORIZED" || p.Aggregate.CapturedAmount.Value != 49800 || p.Captures != 1 || p.Outstanding() != 0 {
		t.Errorf("simulator ledger = %+v, want captured 49800 once", p)
	}
	v = r.Await("receipt link", func(v checkout.View) bool { return v.Receipt != nil && v.Receipt.URL != "" })
	resp, err := http.Get(v.Receipt.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("receipt page answered %d", resp.StatusCode)
	}
	s, err := r.Station.Journal.ByReference(v.Reference)
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, st := range s.Steps {
		if !strings.HasPrefix(string(st.State), "event ") { // the webhooks, journaled as they came
			states = append(states, string(st.State))
		}
	}
	if got := strings.Join(states, ","); got != "creating,requested,capturing,captured" {
		t.Errorf("journal steps = %s", got)
	}
	if len(v.Lines) != 2 {
		t.Errorf("done screen shows %d lines, want the 2 sold", len(v.Lines))
	}
	// The (virtual) printer printed the receipt, with the receipt link as QR.
	v = r.Await("printed", func(v checkout.View) bool { return v.Receipt != nil && v.Receipt.Printed })
	paper, n := r.Station.Printer.Device.(*escpos.Virtual).Last()
	if n != 1 || !strings.Contains(paper.Text(), "498,00") || len(paper.Images) != 1 || !paper.Cut {
		t.Fatalf("printed %d receipts, %d images; text:\n%s", n, len(paper.Images), paper.Text())
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(paper.Images[0])
	qr, err := gqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil || qr.GetText() != v.Receipt.URL {
		t.Errorf("printed QR = %v (%v), want %s", qr, err, v.Receipt.URL)
	}
	r.Till.NewSale()
	if v := r.Till.View(); len(v.Lines) != 0 || v.Customer != "" || v.CanPay {
		t.Errorf("new sale is not empty: %+v", v)
	}
}

func TestPrinterOutOfPaperKeepsTheSale(t *testing.T) {
	r := newRig(t, false)
	vp := r.Station.Printer.Device.(*escpos.Virtual)
	vp.SetError(fmt.Errorf("demo: %w", escpos.ErrPaperOut))
	r.Fill("91234567", "P003")
	r.Till.Pay()
	v := r.Await("print failure shown", func(v checkout.View) bool { return v.Receipt != nil && v.Receipt.PrintError != "" })
	if v.Phase != checkout.PhaseDone || v.Outcome != journal.StateCaptured {
		t.Fatalf("the sale is not complete after a failed print: %s %s", v.Phase, v.Outcome)
	}
	if !strings.Contains(v.Status.Printer, "paper") {
		t.Errorf("status bar printer = %q", v.Status.Printer)
	}
	vp.SetError(nil)
	if err := r.Till.Reprint(context.Background()); err != nil {
		t.Fatal(err)
	}
	if paper, n := vp.Last(); n != 1 || !strings.Contains(paper.Text(), "Kvittering") {
		t.Errorf("reprint: %d receipts, text:\n%s", n, paper.Text())
	}
	if v := r.Till.View(); !v.Receipt.Printed || v.Receipt.PrintError != "" {
		t.Errorf("after reprint: %+v", v.Receipt)
	}
}

func TestDeclineKeepsTheBasket(t *testing.T) {
	r := newRig(t, false)
	r.Fill("912 34 560", "P001", "P001", "P007") // ends in 0: the simulated customer declines
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v := r.Await("declined", phase(checkout.PhaseEnded))
	if v.Outcome != journal.StateAborted || !strings.Contains(v.Message, "declined") {
		t.Errorf("outcome %s, message %q", v.Outcome, v.Message)
	}
	if len(v.Lines) != 2 || v.Lines[0].Quantity != 2 || !v.CanPay {
		t.Errorf("basket after decline = %+v (CanPay %v)", v.Lines, v.CanPay)
	}
	r.Till.Back()
	if v := r.Till.View(); v.Phase != checkout.PhaseBasket || len(v.Lines) != 2 {
		t.Errorf("back to basket: %+v", v)
	}
	// Another customer pays for the same basket: a new attempt on the same sale.
	r.Till.SetCustomer("41234567")
	r.Till.Pay()
	v = r.Await("captured", phase(checkout.PhaseDone))
	s, _ := r.Station.Journal.ByReference(v.Reference)
	if len(s.Attempts) != 2 || s.Attempts[0].State != journal.StateAborted || s.Attempts[1].State != journal.StateCaptured {
		t.Errorf("attempts = %+v", s.Attempts)
	}
}

func TestExpiryAndSendAgain(t *testing.T) {
	r := newRig(t, true)
	r.Fill("91234567", "P010")
	r.Till.Pay()
	v := r.Await("waiting", phase(checkout.PhaseWaiting))
	if v.Deadline.Sub(v.Sent) != time.Minute {
		t.Errorf("countdown spans %s, want the API's expiry 1m", v.Deadline.Sub(v.Sent))
	}
	if err := r.Demo.Sim.Expire(sim.DemoMSN, v.Reference); err != nil {
		t.Fatal(err)
	}
	v = r.Await("expired", phase(checkout.PhaseEnded))
	if v.Outcome != journal.StateExpired || !v.CanPay {
		t.Fatalf("outcome %s, CanPay %v", v.Outcome, v.CanPay)
	}
	first := v.Reference
	r.Till.Pay()
	v = r.Await("waiting again", func(v checkout.View) bool { return v.Phase == checkout.PhaseWaiting && v.Reference != first })
	r.Demo.Sim.Approve(sim.DemoMSN, v.Reference)
	r.Await("captured", phase(checkout.PhaseDone))
}

func TestCancelWhileWaiting(t *testing.T) {
	r := newRig(t, true)
	r.Fill("91234567", "P010")
	r.Till.Pay()
	v := r.Await("waiting", phase(checkout.PhaseWaiting))
	if err := r.Till.Cancel(); err != nil {
		t.Fatal(err)
	}
	v = r.Await("cancelled", phase(checkout.PhaseEnded))
	if v.Outcome != journal.StateCancelled {
		t.Errorf("outcome %s (%s)", v.Outcome, v.Message)
	}
	if p := r.Ledger(v.Reference); p.State != "TERMINATED" || p.Aggregate.CapturedAmount.Value != 0 {
		t.Errorf("ledger = %+v, want TERMINATED", p)
	}
}

func TestInvalidPhoneKeepsPayOff(t *testing.T) {
	r := newRig(t, true)
	r.Till.AddProduct("P001")
	for _, bad := range []string{"12345", "812345678", "abc"} {
		if err := r.Till.SetCustomer(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
		v := r.Till.View()
		if v.CanPay || v.CustomerError == "" {
			t.Errorf("%q: CanPay %v, message %q", bad, v.CanPay, v.CustomerError)
		}
	}
	r.Till.Clear()
	r.Till.SetCustomer("91234567")
	if r.Till.View().CanPay {
		t.Error("Pay on with an empty basket")
	}
	if err := r.Till.Pay(); err == nil {
		t.Error("Pay with an empty basket accepted")
	}
}

func TestUnreachableAPIKeepsTheSaleAndRetryWorks(t *testing.T) {
	r := newRig(t, false)
	// A till whose Vipps host does not answer at all.
	good := r.Config.Vipps.BaseURL
	r.Config.Vipps.BaseURL = "http://127.0.0.1:1"
	r.Restart()
	r.Fill("91234567", "P001")
	r.Till.Pay()
	v := r.Await("failure", phase(checkout.PhaseEnded))
	if !strings.Contains(v.Message, "Vipps") || len(v.Lines) != 1 {
		t.Fatalf("message %q, lines %v", v.Message, v.Lines)
	}
	un, _ := r.Station.Journal.Unfinished()
	s, err := r.Station.Journal.ByReference(v.Reference)
	if err != nil {
		t.Fatalf("sale not in the journal: %v", err)
	}
	if len(un) != 1 || s.State() != journal.StateCreating || !v.CanRetry {
		t.Fatalf("unfinished %d, state %s, retry %v: want the request kept, unknown, with Retry", len(un), s.State(), v.CanRetry)
	}
	// Retry resends the very same request; Vipps is still away, so it is
	// still unknown.
	if err := r.Till.Retry(); err != nil {
		t.Fatal(err)
	}
	r.Await("unanswered again", func(v checkout.View) bool { return v.Phase == checkout.PhaseEnded && v.CanRetry })
	// The API comes back after a restart: the sale is back on screen; Vipps
	// has never seen its request, so it ended without money, and Pay sends a
	// new one for the same basket and the same receipt.
	r.Config.Vipps.BaseURL = good
	r.Restart()
	v = r.Await("resumed and ended", func(v checkout.View) bool { return v.Phase == checkout.PhaseEnded && v.Outcome == journal.StateFailed })
	if v.Reference != s.Current().Reference || len(v.Lines) != 1 || !v.CanPay {
		t.Fatalf("resumed %s with %d lines (Pay %v); want %s with its line and Pay on", v.Reference, len(v.Lines), v.CanPay, s.Current().Reference)
	}
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v = r.Await("captured", phase(checkout.PhaseDone))
	paid, _ := r.Station.Journal.ByReference(v.Reference)
	if p := r.Ledger(v.Reference); paid.ID != s.ID || p.Captures != 1 || p.Outstanding() != 0 {
		t.Fatalf("captured %s of sale %d %+v; want sale %d captured once", v.Reference, paid.ID, p, s.ID)
	}
}

func TestSaleWhileTheRelayIsDownAndAfterItReturns(t *testing.T) {
	r := newRig(t, false)
	r.Await("relay connected", func(v checkout.View) bool { return v.Status.Relay == "connected" })
	r.Demo.StopRelay()
	r.Fill("91234567", "P001")
	r.Till.Pay()
	v := r.Await("captured by polling", phase(checkout.PhaseDone))
	if p := r.Ledger(v.Reference); p.Captures != 1 {
		t.Fatalf("captures = %d", p.Captures)
	}
	r.Await("relay reported down", func(v checkout.View) bool { return strings.HasPrefix(v.Status.Relay, "reconnecting") })
	if err := r.Demo.StartRelay(); err != nil {
		t.Fatal(err)
	}
	r.Await("relay back", func(v checkout.View) bool { return v.Status.Relay == "connected" })
	r.Till.NewSale()
	r.Fill("91234567", "P002")
	r.Till.Pay()
	v = r.Await("captured", phase(checkout.PhaseDone))
	if p := r.Ledger(v.Reference); p.Captures != 1 || p.Outstanding() != 0 {
		t.Fatalf("second sale ledger = %+v", p)
	}
}

func TestFullDiskSendsNothing(t *testing.T) {
	r := newRig(t, true)
	r.Fill("91234567", "P001")
	before := len(r.Demo.Sim.Ledger())
	r.Station.Journal.InjectWriteFault(errors.New("no space left on device"))
	if err := r.Till.Pay(); err == nil {
		t.Fatal("Pay succeeded with a journal that cannot be written")
	}
	v := r.Till.View()
	if !strings.Contains(v.Notice, "disk") || len(v.Lines) != 1 || !v.CanPay {
		t.Errorf("notice %q, lines %d, can pay %v: want the disk named, the basket kept and Pay on", v.Notice, len(v.Lines), v.CanPay)
	}
	if n := len(r.Demo.Sim.Ledger()); n != before {
		t.Fatalf("the simulator saw %d new payments; a till that cannot journal must send none", n-before)
	}
	// The disk is freed: the same basket is paid.
	r.Station.Journal.InjectWriteFault(nil)
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v = r.Await("waiting", phase(checkout.PhaseWaiting))
	// The journal fails while the customer decides: the capture cannot be
	// journaled first, so nothing is sent; the cashier is told, and the
	// payment waits for the disk.
	r.Station.Journal.InjectWriteFault(errors.New("no space left on device"))
	r.Demo.Sim.Approve(sim.DemoMSN, v.Reference)
	v = r.Await("the journal named", func(v checkout.View) bool { return strings.Contains(v.Message, "journal") })
	if p := r.Ledger(v.Reference); p.Captures != 0 {
		t.Fatalf("captured %d times without a journal entry first", p.Captures)
	}
	if v.Phase == checkout.PhaseDone || v.Phase == checkout.PhaseEnded {
		t.Fatalf("phase %s while the approved payment waits for the disk", v.Phase)
	}
	// The disk has room again: the same owner captures, once, with no restart.
	r.Station.Journal.InjectWriteFault(nil)
	v = r.Await("captured once the disk has room", phase(checkout.PhaseDone))
	if p := r.Ledger(v.Reference); p.Captures != 1 || p.Outstanding() != 0 {
		t.Fatalf("after the disk came back: %+v", p)
	}
}

func TestPersonalQRScans(t *testing.T) {
	r := newRig(t, true)
	// The tokenised QR only the exchange can read.
	r.Till.Scan(sim.DemoQRApproves)
	v := r.Await("customer from the QR exchange", func(v checkout.View) bool { return v.Customer != "" })
	if !strings.HasSuffix(v.Customer, "678") {
		t.Errorf("customer = %q, want the number behind the demo QR", v.Customer)
	}
	// An expired QR is refused plainly and changes nothing.
	r.Till.Scan(sim.DemoQRExpired)
	v = r.Await("exchange refusal", func(v checkout.View) bool { return strings.Contains(v.Notice, "could not read") })
	if !strings.HasSuffix(v.Customer, "678") {
		t.Errorf("a refused QR changed the customer to %q", v.Customer)
	}
	// A clear-text QR, then a product by barcode, then Pay.
	r.Till.Scan("https://qr.vipps.no/28/2/01/031/4791234567?v=1")
	p, _ := r.Till.Catalog().ByID("P004")
	r.Till.Scan(p.EAN)
	r.Till.Scan(p.EAN)
	v = r.Till.View()
	if !strings.HasSuffix(v.Customer, "567") || len(v.Lines) != 1 || v.Lines[0].Quantity != 2 {
		t.Fatalf("after scans: customer %q, lines %+v", v.Customer, v.Lines)
	}
	r.Till.Pay()
	r.Await("waiting", phase(checkout.PhaseWaiting))
	// A customer QR while a payment waits is refused; the payment is untouched.
	r.Till.Scan(sim.DemoQRDeclines)
	v = r.Till.View()
	if v.Phase != checkout.PhaseWaiting || !strings.Contains(v.Notice, "waiting") || !strings.HasSuffix(v.Customer, "567") {
		t.Errorf("QR while waiting: phase %s, notice %q, customer %q", v.Phase, v.Notice, v.Customer)
	}
	// Garbage and a misread barcode are named, never added.
	for raw, want := range map[string]string{"\x00\x01\xffgarbage": "Not recognised", "7038010001078": "did not read correctly"} {
		r.Till.Scan(raw)
		if n := r.Till.View().Notice; !strings.Contains(n, want) {
			t.Errorf("scan %q: notice %q, want %q", raw, n, want)
		}
	}
}

// The customer approves at the very moment the cashier cancels: the cancel
// (cancelTransactionOnly) is refused with 6060, and the sale ends one way
// only - cancelled with the reservation released, never both, never neither.
func TestApprovalRacesTheCancel(t *testing.T) {
	r := newRig(t, true)
	r.Await("relay connected", func(v checkout.View) bool { return v.Status.Relay == "connected" })
	r.Demo.StopRelay() // the till must not hear of the approval before it cancels
	r.Fill("91234567", "P002")
	r.Till.Pay()
	v := r.Await("waiting", phase(checkout.PhaseWaiting))
	if err := r.Demo.Sim.Approve(sim.DemoMSN, v.Reference); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.Cancel(); err != nil {
		t.Fatal(err)
	}
	v = r.Await("ended", phase(checkout.PhaseEnded))
	p := r.Ledger(v.Reference)
	if v.Outcome != journal.StateCancelled || p.Aggregate.CapturedAmount.Value != 0 || p.Aggregate.CancelledAmount.Value != p.Amount.Value || p.Outstanding() != 0 {
		t.Fatalf("outcome %s (%q); ledger %+v", v.Outcome, v.Message, p.Aggregate)
	}
	if !strings.Contains(v.Message, "released") {
		t.Errorf("the cashier is not told the approval was released: %q", v.Message)
	}
	var sawApproval bool
	for _, e := range p.Events {
		sawApproval = sawApproval || e.Name == "AUTHORIZED"
	}
	if !sawApproval {
		t.Errorf("the customer never approved in this run; the race was not exercised: %+v", p.Events)
	}
}
