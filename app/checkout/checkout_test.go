package checkout_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/station"
	"github.com/kasse-pos/kasse/hardware/escpos"
	"github.com/kasse-pos/kasse/payments/contract"
	"github.com/kasse-pos/kasse/payments/sim"
)

var quiet = slog.New(slog.DiscardHandler)

// rig is a till wired to the simulator and relay over loopback HTTP, with
// every Vipps call checked against the OpenAPI contract.
type rig struct {
	t    *testing.T
	demo *demo.Demo
	st   *station.Station
	till *checkout.Till
	dir  string
	cfg  station.Config
}

func newRig(t *testing.T, manual bool) *rig {
	t.Helper()
	dir := t.TempDir()
	d, err := demo.Start(context.Background(), demo.Options{DataDir: dir, ApproveDelay: 100 * time.Millisecond, ExpireAfter: time.Minute, ManualCustomer: manual, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	r := &rig{t: t, demo: d, dir: dir, cfg: d.Config}
	r.cfg.EventGrace = station.Duration(2 * time.Second)
	r.cfg.PollInterval = station.Duration(200 * time.Millisecond)
	r.start()
	return r
}

func (r *rig) start() {
	r.t.Helper()
	hc := &http.Client{Transport: contract.Transport(nil, r.t.Errorf), Timeout: 5 * time.Second}
	st, err := station.Start(context.Background(), r.cfg, station.Options{HTTPClient: hc, ResetRelayCursor: true, Logger: quiet})
	if err != nil {
		r.t.Fatal(err)
	}
	r.st, r.till = st, st.Till
	r.t.Cleanup(st.Close)
}

// await waits, with a deadline, until the till's view satisfies ok.
func (r *rig) await(what string, ok func(checkout.View) bool) checkout.View {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := r.till.WaitFor(ctx, ok)
	if err != nil {
		r.t.Fatalf("timed out waiting for %s; view: phase %s, message %q", what, v.Phase, v.Message)
	}
	return v
}

func phase(p checkout.Phase) func(checkout.View) bool {
	return func(v checkout.View) bool { return v.Phase == p }
}

func (r *rig) fill(phone string, ids ...string) {
	r.t.Helper()
	for _, id := range ids {
		if err := r.till.AddProduct(id); err != nil {
			r.t.Fatal(err)
		}
	}
	if err := r.till.SetCustomer(phone); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) ledger(ref string) sim.LedgerEntry {
	r.t.Helper()
	p, ok := r.demo.Sim.Payment(sim.DemoMSN, ref)
	if !ok {
		r.t.Fatalf("simulator has no payment %s", ref)
	}
	return p
}

func TestSaleIsCapturedOnce(t *testing.T) {
	r := newRig(t, false)
	r.fill("912 34 567", "P025", "P026") // Termokopp 199,00 + Powerbank 299,00
	if !r.till.View().CanPay {
		t.Fatal("Pay is off with a basket and a valid customer")
	}
	if err := r.till.Pay(); err != nil {
		t.Fatal(err)
	}
	v := r.await("captured", phase(checkout.PhaseDone))
	if v.Receipt == nil || v.Receipt.Totals.Gross != 49800 {
		t.Fatalf("receipt = %+v, want total 49800", v.Receipt)
	}
	if v.Receipt.Totals.VAT != 9960 {
		t.Errorf("receipt VAT = %d, want 9960", v.Receipt.Totals.VAT)
	}
	p := r.ledger(v.Reference)
	if p.State != "AUTHORIZED" || p.Aggregate.CapturedAmount.Value != 49800 || p.Captures != 1 || p.Outstanding() != 0 {
		t.Errorf("simulator ledger = %+v, want captured 49800 once", p)
	}
	v = r.await("receipt link", func(v checkout.View) bool { return v.Receipt != nil && v.Receipt.URL != "" })
	resp, err := http.Get(v.Receipt.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("receipt page answered %d", resp.StatusCode)
	}
	s, err := r.st.Journal.ByReference(v.Reference)
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, st := range s.Steps {
		states = append(states, string(st.State))
	}
	if got := strings.Join(states, ","); got != "creating,requested,capturing,captured" {
		t.Errorf("journal steps = %s", got)
	}
	if len(v.Lines) != 2 {
		t.Errorf("done screen shows %d lines, want the 2 sold", len(v.Lines))
	}
	// The (virtual) printer printed the receipt, with the receipt link as QR.
	v = r.await("printed", func(v checkout.View) bool { return v.Receipt != nil && v.Receipt.Printed })
	paper, n := r.st.Printer.Device.(*escpos.Virtual).Last()
	if n != 1 || !strings.Contains(paper.Text(), "498,00") || len(paper.Images) != 1 || !paper.Cut {
		t.Fatalf("printed %d receipts, %d images; text:\n%s", n, len(paper.Images), paper.Text())
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(paper.Images[0])
	qr, err := gqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil || qr.GetText() != v.Receipt.URL {
		t.Errorf("printed QR = %v (%v), want %s", qr, err, v.Receipt.URL)
	}
	r.till.NewSale()
	if v := r.till.View(); len(v.Lines) != 0 || v.Customer != "" || v.CanPay {
		t.Errorf("new sale is not empty: %+v", v)
	}
}

func TestPrinterOutOfPaperKeepsTheSale(t *testing.T) {
	r := newRig(t, false)
	vp := r.st.Printer.Device.(*escpos.Virtual)
	vp.SetError(fmt.Errorf("demo: %w", escpos.ErrPaperOut))
	r.fill("91234567", "P003")
	r.till.Pay()
	v := r.await("print failure shown", func(v checkout.View) bool { return v.Receipt != nil && v.Receipt.PrintError != "" })
	if v.Phase != checkout.PhaseDone || v.Outcome != journal.StateCaptured {
		t.Fatalf("the sale is not complete after a failed print: %s %s", v.Phase, v.Outcome)
	}
	if !strings.Contains(v.Status.Printer, "paper") {
		t.Errorf("status bar printer = %q", v.Status.Printer)
	}
	vp.SetError(nil)
	if err := r.till.Reprint(context.Background()); err != nil {
		t.Fatal(err)
	}
	if paper, n := vp.Last(); n != 1 || !strings.Contains(paper.Text(), "Kvittering") {
		t.Errorf("reprint: %d receipts, text:\n%s", n, paper.Text())
	}
	if v := r.till.View(); !v.Receipt.Printed || v.Receipt.PrintError != "" {
		t.Errorf("after reprint: %+v", v.Receipt)
	}
}

func TestDeclineKeepsTheBasket(t *testing.T) {
	r := newRig(t, false)
	r.fill("912 34 560", "P001", "P001", "P007") // ends in 0: the simulated customer declines
	if err := r.till.Pay(); err != nil {
		t.Fatal(err)
	}
	v := r.await("declined", phase(checkout.PhaseEnded))
	if v.Outcome != journal.StateAborted || !strings.Contains(v.Message, "declined") {
		t.Errorf("outcome %s, message %q", v.Outcome, v.Message)
	}
	if len(v.Lines) != 2 || v.Lines[0].Quantity != 2 || !v.CanPay {
		t.Errorf("basket after decline = %+v (CanPay %v)", v.Lines, v.CanPay)
	}
	r.till.Back()
	if v := r.till.View(); v.Phase != checkout.PhaseBasket || len(v.Lines) != 2 {
		t.Errorf("back to basket: %+v", v)
	}
	// Another customer pays for the same basket: a new attempt on the same sale.
	r.till.SetCustomer("41234567")
	r.till.Pay()
	v = r.await("captured", phase(checkout.PhaseDone))
	s, _ := r.st.Journal.ByReference(v.Reference)
	if len(s.Attempts) != 2 || s.Attempts[0].State != journal.StateAborted || s.Attempts[1].State != journal.StateCaptured {
		t.Errorf("attempts = %+v", s.Attempts)
	}
}

func TestExpiryAndSendAgain(t *testing.T) {
	r := newRig(t, true)
	r.fill("91234567", "P010")
	r.till.Pay()
	v := r.await("waiting", phase(checkout.PhaseWaiting))
	if v.Deadline.Sub(v.Sent) != time.Minute {
		t.Errorf("countdown spans %s, want the API's expiry 1m", v.Deadline.Sub(v.Sent))
	}
	if err := r.demo.Sim.Expire(sim.DemoMSN, v.Reference); err != nil {
		t.Fatal(err)
	}
	v = r.await("expired", phase(checkout.PhaseEnded))
	if v.Outcome != journal.StateExpired || !v.CanPay {
		t.Fatalf("outcome %s, CanPay %v", v.Outcome, v.CanPay)
	}
	first := v.Reference
	r.till.Pay()
	v = r.await("waiting again", func(v checkout.View) bool { return v.Phase == checkout.PhaseWaiting && v.Reference != first })
	r.demo.Sim.Approve(sim.DemoMSN, v.Reference)
	r.await("captured", phase(checkout.PhaseDone))
}

func TestCancelWhileWaiting(t *testing.T) {
	r := newRig(t, true)
	r.fill("91234567", "P010")
	r.till.Pay()
	v := r.await("waiting", phase(checkout.PhaseWaiting))
	if err := r.till.Cancel(); err != nil {
		t.Fatal(err)
	}
	v = r.await("cancelled", phase(checkout.PhaseEnded))
	if v.Outcome != journal.StateCancelled {
		t.Errorf("outcome %s (%s)", v.Outcome, v.Message)
	}
	if p := r.ledger(v.Reference); p.State != "TERMINATED" || p.Aggregate.CapturedAmount.Value != 0 {
		t.Errorf("ledger = %+v, want TERMINATED", p)
	}
}

func TestInvalidPhoneKeepsPayOff(t *testing.T) {
	r := newRig(t, true)
	r.till.AddProduct("P001")
	for _, bad := range []string{"12345", "812345678", "abc"} {
		if err := r.till.SetCustomer(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
		v := r.till.View()
		if v.CanPay || v.CustomerError == "" {
			t.Errorf("%q: CanPay %v, message %q", bad, v.CanPay, v.CustomerError)
		}
	}
	r.till.Clear()
	r.till.SetCustomer("91234567")
	if r.till.View().CanPay {
		t.Error("Pay on with an empty basket")
	}
	if err := r.till.Pay(); err == nil {
		t.Error("Pay with an empty basket accepted")
	}
}

func TestUnreachableAPIKeepsTheSaleAndRetryWorks(t *testing.T) {
	r := newRig(t, false)
	r.st.Close()
	// A till whose Vipps host does not answer at all.
	good := r.cfg.Vipps.BaseURL
	r.cfg.Vipps.BaseURL = "http://127.0.0.1:1"
	r.start()
	r.fill("91234567", "P001")
	r.till.Pay()
	v := r.await("failure", phase(checkout.PhaseEnded))
	if !strings.Contains(v.Message, "Vipps") || len(v.Lines) != 1 {
		t.Fatalf("message %q, lines %v", v.Message, v.Lines)
	}
	un, _ := r.st.Journal.Unfinished()
	s, err := r.st.Journal.ByReference(v.Reference)
	if err != nil {
		t.Fatalf("sale not in the journal: %v", err)
	}
	t.Logf("unfinished: %d, state %s, retry %v", len(un), s.State(), v.CanRetry)
	// The API comes back; Pay (or Retry) completes the same sale.
	r.st.Close()
	r.cfg.Vipps.BaseURL = good
	r.start()
	r.fill("91234567", "P001")
	r.till.Pay()
	r.await("captured", phase(checkout.PhaseDone))
	_ = fmt.Sprint
	_ = filepath.Join
}

func TestSaleWhileTheRelayIsDownAndAfterItReturns(t *testing.T) {
	r := newRig(t, false)
	r.await("relay connected", func(v checkout.View) bool { return v.Status.Relay == "connected" })
	r.demo.StopRelay()
	r.fill("91234567", "P001")
	r.till.Pay()
	v := r.await("captured by polling", phase(checkout.PhaseDone))
	if p := r.ledger(v.Reference); p.Captures != 1 {
		t.Fatalf("captures = %d", p.Captures)
	}
	r.await("relay reported down", func(v checkout.View) bool { return strings.HasPrefix(v.Status.Relay, "reconnecting") })
	if err := r.demo.StartRelay(); err != nil {
		t.Fatal(err)
	}
	r.await("relay back", func(v checkout.View) bool { return v.Status.Relay == "connected" })
	r.till.NewSale()
	r.fill("91234567", "P002")
	r.till.Pay()
	v = r.await("captured", phase(checkout.PhaseDone))
	if p := r.ledger(v.Reference); p.Captures != 1 || p.Outstanding() != 0 {
		t.Fatalf("second sale ledger = %+v", p)
	}
}

func TestFullDiskSendsNothing(t *testing.T) {
	r := newRig(t, true)
	r.fill("91234567", "P001")
	before := len(r.demo.Sim.Ledger())
	r.st.Journal.InjectWriteFault(errors.New("no space left on device"))
	if err := r.till.Pay(); err == nil {
		t.Fatal("Pay succeeded with a journal that cannot be written")
	}
	v := r.till.View()
	if !strings.Contains(v.Message, "disk") || len(v.Lines) != 1 {
		t.Errorf("message %q, lines %d", v.Message, len(v.Lines))
	}
	if n := len(r.demo.Sim.Ledger()); n != before {
		t.Fatalf("the simulator saw %d new payments; a till that cannot journal must send none", n-before)
	}
	// The disk is freed: the same basket is paid.
	r.st.Journal.InjectWriteFault(nil)
	if err := r.till.Pay(); err != nil {
		t.Fatal(err)
	}
	v = r.await("waiting", phase(checkout.PhaseWaiting))
	// The journal fails while the customer decides: the approval is still
	// captured (the money is the API's truth) or, if the capture cannot be
	// journaled first, nothing is sent and recovery finishes it.
	r.st.Journal.InjectWriteFault(errors.New("no space left on device"))
	r.demo.Sim.Approve(sim.DemoMSN, v.Reference)
	v = r.await("stopped before capture", func(v checkout.View) bool { return v.Phase == checkout.PhaseEnded })
	if p := r.ledger(v.Reference); p.Captures != 0 {
		t.Fatalf("captured %d times without a journal entry first", p.Captures)
	}
	r.st.Journal.InjectWriteFault(nil)
	if err := r.till.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p := r.ledger(v.Reference); p.Captures != 1 || p.Outstanding() != 0 {
		t.Fatalf("after recovery: %+v", p)
	}
}

func TestPersonalQRScans(t *testing.T) {
	r := newRig(t, true)
	// The tokenised QR only the exchange can read.
	r.till.Scan(sim.DemoQRApproves)
	v := r.await("customer from the QR exchange", func(v checkout.View) bool { return v.Customer != "" })
	if !strings.HasSuffix(v.Customer, "678") {
		t.Errorf("customer = %q, want the number behind the demo QR", v.Customer)
	}
	// An expired QR is refused plainly and changes nothing.
	r.till.Scan(sim.DemoQRExpired)
	v = r.await("exchange refusal", func(v checkout.View) bool { return strings.Contains(v.Notice, "could not read") })
	if !strings.HasSuffix(v.Customer, "678") {
		t.Errorf("a refused QR changed the customer to %q", v.Customer)
	}
	// A clear-text QR, then a product by barcode, then Pay.
	r.till.Scan("https://qr.vipps.no/28/2/01/031/4791234567?v=1")
	p, _ := r.till.Catalog().ByID("P004")
	r.till.Scan(p.EAN)
	r.till.Scan(p.EAN)
	v = r.till.View()
	if !strings.HasSuffix(v.Customer, "567") || len(v.Lines) != 1 || v.Lines[0].Quantity != 2 {
		t.Fatalf("after scans: customer %q, lines %+v", v.Customer, v.Lines)
	}
	r.till.Pay()
	r.await("waiting", phase(checkout.PhaseWaiting))
	// A customer QR while a payment waits is refused; the payment is untouched.
	r.till.Scan(sim.DemoQRDeclines)
	v = r.till.View()
	if v.Phase != checkout.PhaseWaiting || !strings.Contains(v.Notice, "waiting") || !strings.HasSuffix(v.Customer, "567") {
		t.Errorf("QR while waiting: phase %s, notice %q, customer %q", v.Phase, v.Notice, v.Customer)
	}
	// Garbage and a misread barcode are named, never added.
	for raw, want := range map[string]string{"\x00\x01\xffgarbage": "Not recognised", "7038010001078": "did not read correctly"} {
		r.till.Scan(raw)
		if n := r.till.View().Notice; !strings.Contains(n, want) {
			t.Errorf("scan %q: notice %q, want %q", raw, n, want)
		}
	}
}

// The customer approves at the very moment the cashier cancels: the cancel
// (cancelTransactionOnly) is refused with 6060, and the sale ends one way
// only - cancelled with the reservation released, never both, never neither.
func TestApprovalRacesTheCancel(t *testing.T) {
	r := newRig(t, true)
	r.await("relay connected", func(v checkout.View) bool { return v.Status.Relay == "connected" })
	r.demo.StopRelay() // the till must not hear of the approval before it cancels
	r.fill("91234567", "P002")
	r.till.Pay()
	v := r.await("waiting", phase(checkout.PhaseWaiting))
	if err := r.demo.Sim.Approve(sim.DemoMSN, v.Reference); err != nil {
		t.Fatal(err)
	}
	if err := r.till.Cancel(); err != nil {
		t.Fatal(err)
	}
	v = r.await("ended", phase(checkout.PhaseEnded))
	p := r.ledger(v.Reference)
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
