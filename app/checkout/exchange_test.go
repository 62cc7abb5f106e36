package checkout_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/fiscal"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/saft"
	"github.com/kasse-pos/kasse/hardware/escpos"
)

// sold makes a captured Vipps sale of ids and returns it from the journal,
// with the till back at an empty basket.
func (r rig) sold(t *testing.T, ids ...string) *journal.Sale {
	t.Helper()
	r.Till.NewSale()
	r.Fill("912 34 567", ids...)
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v := r.Await("captured", phase(checkout.PhaseDone))
	r.Till.NewSale()
	s, err := r.Station.Journal.ByReference(v.Reference)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// byReceipt finds the sale with a receipt number.
func (r rig) byReceipt(number string) (*journal.Sale, error) {
	var found *journal.Sale
	err := r.Station.Journal.Each(func(s *journal.Sale) bool {
		if s.ReceiptNumber == number {
			found = s
		}
		return found == nil
	})
	if err == nil && found == nil {
		err = errors.New("no sale with receipt " + number)
	}
	return found, err
}

// paper waits until sale id's receipt is printed and returns its text.
func (r rig) paper(t *testing.T, id uint64) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, err := r.Station.Journal.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if s.Printed {
			d, _ := r.Station.Printer.Device.(*escpos.Virtual).Last()
			return d.Text()
		}
		if time.Now().After(deadline) {
			t.Fatalf("sale %d was not printed", id)
		}
		time.Sleep(10 * time.Millisecond) // printed in the background; polled to a deadline
	}
}

// signed waits until sale id has n signatures and returns it.
func (r rig) signed(t *testing.T, id uint64, n int) *journal.Sale {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, err := r.Station.Journal.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Signatures) >= n {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("sale %d has %d signatures, want %d", id, len(s.Signatures), n)
		}
		time.Sleep(10 * time.Millisecond) // the signer runs in the background; polled to a deadline

	}
}

// A Termokopp (199,00, 25 %) exchanged for a Powerbank (299,00): the basket
// holds the return line and the new item, the customer pays the difference
// by Vipps (captured through the simulator), the sale is signed at its net,
// and the original's line is returned: it cannot be refunded or exchanged
// again, while its other line still can.
func TestExchangeForDearerPaysTheDifference(t *testing.T) {
	r := newRig(t, false)
	orig := r.sold(t, "P025", "P001") // 199,00 + 32,00
	if err := r.Till.Exchange(orig.ID, []checkout.ExchangeLine{{ProductID: "P025", Quantity: 1}}); err != nil {
		t.Fatal(err)
	}
	r.Fill("912 34 567", "P026")
	v := r.Till.View()
	if v.Exchange.Returns != 19900 || v.Totals.Gross != 10000 || v.Exchange.CanSettle || !v.CanPay {
		t.Fatalf("exchange basket: returns %d, total %d, settle %v, pay %v", v.Exchange.Returns, v.Totals.Gross, v.Exchange.CanSettle, v.CanPay)
	}
	// VAT exact per rate: 59,80 on the Powerbank less 39,80 on the cup.
	if len(v.Totals.ByVAT) != 1 || v.Totals.ByVAT[0].VAT != 2000 || v.Totals.VAT != 2000 {
		t.Errorf("VAT %+v", v.Totals.ByVAT)
	}
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v = r.Await("captured", phase(checkout.PhaseDone))
	if p := r.Ledger(v.Reference); p.Aggregate.CapturedAmount.Value != 10000 {
		t.Errorf("simulator captured %d, want the difference 10000", p.Aggregate.CapturedAmount.Value)
	}
	rc := v.Receipt
	if rc == nil || len(rc.Lines) != 2 || rc.Lines[0].Quantity != -1 || rc.Lines[0].Total() != -19900 || rc.Lines[0].Return.Receipt != orig.ReceiptNumber || rc.Totals.Gross != 10000 {
		t.Fatalf("receipt %+v", rc)
	}
	ex, err := r.Station.Journal.ByReference(v.Reference)
	if err != nil {
		t.Fatal(err)
	}
	ex = r.signed(t, ex.ID, 1)
	if sg := ex.Signatures[0]; sg.AmountIn != 10000 || sg.AmountEx != 8000 {
		t.Errorf("signed %d / %d, want the net 10000 / 8000", sg.AmountIn, sg.AmountEx)
	}
	if txt := r.paper(t, ex.ID); !strings.Contains(txt, "Salgskvittering") || !strings.Contains(txt, "Retur av kvittering nr. "+orig.ReceiptNumber) || !strings.Contains(txt, "-199,00") || !strings.Contains(txt, "100,00") {
		t.Errorf("exchange receipt on paper:\n%s", txt)
	}
	if tx := fiscal.Transactions(ex); len(tx) != 1 || tx[0].Lines[0].Quantity != -1 || tx[0].Lines[0].ProductID != "P025" || tx[0].Lines[0].AmountIn != -19900 {
		t.Errorf("transaction %+v", tx)
	}

	orig, _ = r.Station.Journal.Get(orig.ID)
	if e := backoffice.Summarize(orig); e.Exchanged != 19900 || e.Refundable != 3200 {
		t.Errorf("original: exchanged %d, refundable %d; want 19900 and 3200", e.Exchanged, e.Refundable)
	}
	if left := backoffice.Remaining(orig); left["P025"] != 0 || left["P001"] != 1 {
		t.Errorf("remaining %v", left)
	}
	if _, _, err := backoffice.Plan(orig, backoffice.RefundRequest{SaleID: orig.ID, Lines: []backoffice.LineQty{{ProductID: "P025", Quantity: 1}}, Reason: "again"}); err == nil {
		t.Error("the exchanged line can be refunded again")
	}
	if _, err := r.Station.Office.Refund(context.Background(), backoffice.RefundRequest{SaleID: orig.ID, Full: true, Reason: "the rest"}); err != nil {
		t.Fatal(err)
	} else if p := r.Ledger(orig.Attempts[0].Reference); p.Aggregate.RefundedAmount.Value != 3200 {
		t.Errorf("full refund of the rest refunded %d, want 3200", p.Aggregate.RefundedAmount.Value)
	}
	r.Till.NewSale()
	if err := r.Till.Exchange(orig.ID, []checkout.ExchangeLine{{ProductID: "P025", Quantity: 1}}); err == nil {
		t.Error("the exchanged line was taken back a second time")
	}
}

// A line taken into an exchange and out again is released: it may be
// refunded once more.
func TestExchangeLineTakenOutIsReleased(t *testing.T) {
	r := newRig(t, false)
	orig := r.sold(t, "P025")
	if err := r.Till.Exchange(orig.ID, []checkout.ExchangeLine{{ProductID: "P025", Quantity: 1}}); err != nil {
		t.Fatal(err)
	}
	if s, _ := r.Station.Journal.Get(orig.ID); backoffice.Summarize(s).Refundable != 0 {
		t.Fatal("a line in an exchange basket can still be refunded")
	}
	v := r.Till.View()
	if err := r.Till.Remove(v.Lines[0].ProductID); err != nil {
		t.Fatal(err)
	}
	if s, _ := r.Station.Journal.Get(orig.ID); backoffice.Summarize(s).Refundable != 19900 || len(s.Exchanges) != 0 {
		t.Errorf("after taking the line out: refundable %d, exchanges %v", backoffice.Summarize(s).Refundable, s.Exchanges)
	}
	if err := r.Till.Exchange(orig.ID, []checkout.ExchangeLine{{ProductID: "P025", Quantity: 1}}); err != nil {
		t.Fatal(err)
	}
	r.Till.NewSale() // the customer changed their mind: the basket is dropped
	if s, _ := r.Station.Journal.Get(orig.ID); len(s.Exchanges) != 0 {
		t.Errorf("after a new sale the line is still held: %v", s.Exchanges)
	}
}

// An even exchange ends with a receipt and nothing moves: no payment, a
// signed transaction of zero.
func TestEvenExchangeMovesNothing(t *testing.T) {
	r := newRig(t, false)
	orig := r.sold(t, "P025")
	if err := r.Till.Exchange(orig.ID, []checkout.ExchangeLine{{ProductID: "P025", Quantity: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.AddProduct("P025"); err != nil { // another colour
		t.Fatal(err)
	}
	v := r.Till.View()
	if v.Totals.Gross != 0 || !v.Exchange.CanSettle || v.CanPay || v.Cash.CanCash {
		t.Fatalf("even exchange: total %d, settle %v, pay %v, cash %v", v.Totals.Gross, v.Exchange.CanSettle, v.CanPay, v.Cash.CanCash)
	}
	if err := r.Till.Pay(); err == nil {
		t.Error("Pay took an exchange of nothing")
	}
	if err := r.Till.SettleExchange(); err != nil {
		t.Fatal(err)
	}
	v = r.Await("settled", phase(checkout.PhaseDone))
	if v.Receipt == nil || v.Receipt.Number == "" || len(v.Receipt.Lines) != 2 || v.Exchange.Method != journal.SettleNone {
		t.Fatalf("view %+v, receipt %+v", v.Exchange, v.Receipt)
	}
	s, err := r.byReceipt(v.Receipt.Number)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Attempts) != 0 || len(s.Refunds) != 0 || s.State() != journal.StateCaptured {
		t.Errorf("sale: attempts %d, refunds %d, state %s", len(s.Attempts), len(s.Refunds), s.State())
	}
	s = r.signed(t, s.ID, 1)
	if sg := s.Signatures[0]; sg.AmountIn != 0 || sg.AmountEx != 0 {
		t.Errorf("signed %d / %d", sg.AmountIn, sg.AmountEx)
	}
	if p := r.Ledger(orig.Attempts[0].Reference); p.Aggregate.RefundedAmount.Value != 0 {
		t.Errorf("the original payment was refunded %d", p.Aggregate.RefundedAmount.Value)
	}
}

// A Powerbank (299,00) exchanged for a Termokopp (199,00): the 100,00 left
// goes back to the original Vipps payment through the Refunder and the
// simulator, and the exchange is signed as a return of 100,00.
func TestExchangeForCheaperRefundsTheDifference(t *testing.T) {
	r := newRig(t, false)
	orig := r.sold(t, "P026")
	if err := r.Till.Exchange(orig.ID, []checkout.ExchangeLine{{ProductID: "P026", Quantity: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.AddProduct("P025"); err != nil {
		t.Fatal(err)
	}
	if v := r.Till.View(); v.Totals.Gross != -10000 || !v.Exchange.CanSettle {
		t.Fatalf("total %d, settle %v", v.Totals.Gross, v.Exchange.CanSettle)
	}
	if err := r.Till.SettleExchange(); err != nil {
		t.Fatal(err)
	}
	v := r.Await("settled", phase(checkout.PhaseDone))
	if v.Exchange.Method != journal.SettleVipps || v.Exchange.Settled != 10000 {
		t.Errorf("settled %+v", v.Exchange)
	}
	s, err := r.byReceipt(v.Receipt.Number)
	if err != nil {
		t.Fatal(err)
	}
	s = r.signed(t, s.ID, 1)
	if len(s.Refunds) != 1 || !s.Refunds[0].Done || !s.Refunds[0].Exchange || s.Refunds[0].Amount != 10000 {
		t.Fatalf("refunds %+v", s.Refunds)
	}
	if p := r.Ledger(orig.Attempts[0].Reference); p.Aggregate.RefundedAmount.Value != 10000 {
		t.Errorf("simulator refunded %d, want 10000", p.Aggregate.RefundedAmount.Value)
	}
	if txt := r.paper(t, s.ID); !strings.Contains(strings.ToLower(txt), "returkvittering") || !strings.Contains(txt, "-299,00") || !strings.Contains(txt, "-100,00") {
		t.Errorf("exchange receipt on paper:\n%s", txt)
	}
	if sg := s.Signatures[0]; sg.AmountIn != -10000 || sg.AmountEx != -8000 {
		t.Errorf("signed %d / %d, want -10000 / -8000", sg.AmountIn, sg.AmountEx)
	}
	orig, _ = r.Station.Journal.Get(orig.ID)
	if len(orig.Signatures) != 1 {
		t.Errorf("the original has %d signatures: the return belongs to the exchange", len(orig.Signatures))
	}
	if _, err := r.Station.Office.Refund(context.Background(), backoffice.RefundRequest{SaleID: orig.ID, Full: true, Reason: "again"}); !errors.Is(err, backoffice.ErrNotRefundable) {
		t.Errorf("refund of the exchanged sale: %v, want ErrNotRefundable", err)
	}
}

// verified checks the journal's signature chain and that each signature
// still covers its sale's transaction, and that the Z report finds nothing
// wrong; it returns the Z report.
func (r rig) verified(t *testing.T) *backoffice.ZReport {
	t.Helper()
	keys, err := fiscal.OpenKeys(filepath.Join(r.Config.DataDir, "fiscal"))
	if err != nil {
		t.Fatal(err)
	}
	if err := fiscal.VerifyJournal(r.Station.Journal, keys.Public); err != nil {
		t.Errorf("signatures: %v", err)
	}
	day := r.Station.Journal.BusinessDay()
	path, err := saft.Export(context.Background(), r.Station.Journal, saft.ShopConfig("Test Kafé", "Storgata 1, 0155 Oslo", "999999999", "1"), day, day, t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := saft.Verify(path, keys.Public)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Registers) != 1 || rep.Registers[0].Transactions < 2 || rep.Registers[0].Verified != rep.Registers[0].Transactions {
		t.Errorf("SAF-T export: %+v", rep.Registers)
	}
	// Asked of the simulator: every payment agrees, the original of an
	// exchange that refunded its difference too.
	z, err := backoffice.BuildZ(context.Background(), r.Station.Journal, r.Station.API, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(z.Problems) > 0 || len(z.Mismatches) > 0 || len(z.Unchecked) > 0 {
		t.Errorf("Z report problems %v, mismatches %+v, unchecked %+v", z.Problems, z.Mismatches, z.Unchecked)
	}
	return z
}

// A Powerbank paid in cash and exchanged for a Termokopp: the 100,00 left
// is paid out in cash, the drawer opens after the journal says so, and the
// Z report's drawer expects it gone.
func TestExchangeOfCashSalePaysOutCash(t *testing.T) {
	r := newRig(t, false)
	r.Fill("", "P026")
	if err := r.Till.PayCash(0); err != nil {
		t.Fatal(err)
	}
	v := r.Await("paid in cash", phase(checkout.PhaseDone))
	orig, err := r.byReceipt(v.Receipt.Number)
	if err != nil {
		t.Fatal(err)
	}
	r.Till.NewSale()
	if err := r.Till.Exchange(orig.ID, []checkout.ExchangeLine{{ProductID: "P026", Quantity: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.AddProduct("P025"); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.SettleExchange(); err != nil {
		t.Fatal(err)
	}
	v = r.Await("settled", phase(checkout.PhaseDone))
	if v.Exchange.Method != journal.SettleCash || v.Exchange.Settled != 10000 {
		t.Errorf("settled %+v", v.Exchange)
	}
	s, err := r.byReceipt(v.Receipt.Number)
	if err != nil {
		t.Fatal(err)
	}
	s = r.signed(t, s.ID, 1)
	if s.Settled.Paid != 10000 || s.Signatures[0].AmountIn != -10000 {
		t.Errorf("settled %+v, signed %d", s.Settled, s.Signatures[0].AmountIn)
	}
	z := r.verified(t)
	if z.Cash.Sales != 29900 || z.Cash.Refunds != 10000 {
		t.Errorf("drawer: sales %d, refunds %d; want 29900 and 10000", z.Cash.Sales, z.Cash.Refunds)
	}
	if z.Sold.Gross != 29900-10000 {
		t.Errorf("Z sold %d, want the net 19900", z.Sold.Gross)
	}
}

// An exchange basket left when the till stops is not restored, so its
// returned line is released at the next start: it can be refunded again.
func TestUnfinishedExchangeIsReleasedOnRestart(t *testing.T) {
	r := newRig(t, false)
	orig := r.sold(t, "P025")
	if err := r.Till.Exchange(orig.ID, []checkout.ExchangeLine{{ProductID: "P025", Quantity: 1}}); err != nil {
		t.Fatal(err)
	}
	r.Restart()
	s, err := r.Station.Journal.Get(orig.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e := backoffice.Summarize(s); e.Refundable != 19900 || len(s.Exchanges) != 0 {
		t.Errorf("after a restart: refundable %d, exchanges %v", e.Refundable, s.Exchanges)
	}
}

// Exchanges dearer, even and cheaper on one day: every signature covers its
// sale, and the Z report's sales are the money that moved.
func TestExchangesKeepTheBooks(t *testing.T) {
	r := newRig(t, false)
	a := r.sold(t, "P025") // 199,00
	b := r.sold(t, "P026") // 299,00
	if err := r.Till.Exchange(a.ID, []checkout.ExchangeLine{{ProductID: "P025", Quantity: 1}}); err != nil {
		t.Fatal(err)
	}
	r.Fill("912 34 567", "P026") // +100,00 by Vipps
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	r.Await("captured", phase(checkout.PhaseDone))
	r.Till.NewSale()
	if err := r.Till.Exchange(b.ID, []checkout.ExchangeLine{{ProductID: "P026", Quantity: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.AddProduct("P025"); err != nil { // -100,00 back
		t.Fatal(err)
	}
	if err := r.Till.SettleExchange(); err != nil {
		t.Fatal(err)
	}
	v := r.Await("settled", phase(checkout.PhaseDone))
	s, err := r.byReceipt(v.Receipt.Number)
	if err != nil {
		t.Fatal(err)
	}
	r.signed(t, s.ID, 1)
	z := r.verified(t)
	// 199 + 299 sold, +100 and -100 in the exchanges.
	if z.Sold.Gross != 49800 || z.Net.Gross != 49800 || z.Refunded.Gross != 0 {
		t.Errorf("Z sold %d, net %d, refunded %d; want 49800, 49800 and 0 (the refund of the difference is the exchange's money)", z.Sold.Gross, z.Net.Gross, z.Refunded.Gross)
	}
}

// The difference of a dearer exchange may be paid in cash: the sale is the
// net, signed, and the drawer expects the cash.
func TestExchangeDifferencePaidInCash(t *testing.T) {
	r := newRig(t, false)
	orig := r.sold(t, "P025")
	if err := r.Till.Exchange(orig.ID, []checkout.ExchangeLine{{ProductID: "P025", Quantity: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.AddProduct("P026"); err != nil {
		t.Fatal(err)
	}
	if v := r.Till.View(); !v.Cash.CanCash || v.Cash.CashDue != 10000 {
		t.Fatalf("cash: %+v", v.Cash)
	}
	if err := r.Till.PayCash(20000); err != nil {
		t.Fatal(err)
	}
	v := r.Await("paid in cash", phase(checkout.PhaseDone))
	if v.Cash.Change != 10000 {
		t.Errorf("change %d", v.Cash.Change)
	}
	s, err := r.byReceipt(v.Receipt.Number)
	if err != nil {
		t.Fatal(err)
	}
	if s = r.signed(t, s.ID, 1); s.Signatures[0].AmountIn != 10000 {
		t.Errorf("signed %d, want 10000", s.Signatures[0].AmountIn)
	}
	if z := r.verified(t); z.Cash.Sales != 10000 {
		t.Errorf("drawer sales %d, want 10000", z.Cash.Sales)
	}
}
