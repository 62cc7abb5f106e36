package checkout_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/fiscal"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo/demotest"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/app/station"
	"github.com/kasse-pos/kasse/hardware/escpos"
)

// open adds a hand-typed line at price (25 % VAT).
func open(t *testing.T, r rig, name string, price int64) {
	t.Helper()
	if err := r.Till.AddOpenItem(checkout.OpenItem{Description: name, Price: price, VATRate: 2500}); err != nil {
		t.Fatal(err)
	}
}

func tendered(r *checkout.Receipt) int64 {
	var n int64
	for _, td := range r.Tenders {
		n += td.Amount
	}
	return n
}

// kinds lists the kinds of a sale's records, in order.
func kinds(t *testing.T, j *journal.Journal, sale uint64) []journal.Kind {
	t.Helper()
	recs, err := j.Records(sale)
	if err != nil {
		t.Fatal(err)
	}
	var out []journal.Kind
	for _, rc := range recs {
		out = append(out, rc.Kind)
	}
	return out
}

func TestCashSaleWithChange(t *testing.T) {
	r := newRig(t, false)
	open(t, r, "Kaffe", 12345)
	if err := r.Till.AddProduct("P025"); err != nil { // 199,00
		t.Fatal(err)
	}
	v := r.Till.View()
	if !v.Cash.CanCash || v.Cash.Due != 32245 || v.Cash.CashDue != 32200 || v.Cash.Rounding != -45 {
		t.Fatalf("cash view = %+v, want due 322,45 paid as 322,00 (rounding -0,45)", v.Cash)
	}
	if err := r.Till.PayCash(30000); err == nil || !strings.Contains(err.Error(), "is due") {
		t.Fatalf("300 kr for 322 kr: err = %v", err)
	}
	if err := r.Till.PayCash(50000); err != nil {
		t.Fatal(err)
	}
	v = r.Till.View()
	if v.Phase != checkout.PhaseDone || v.Outcome != journal.StateCaptured || v.Cash.Change != 17800 || !strings.Contains(v.Message, "178,00") {
		t.Fatalf("after cash: phase %s, outcome %s, change %d, message %q", v.Phase, v.Outcome, v.Cash.Change, v.Message)
	}
	rc := v.Receipt
	if rc == nil || rc.Method != checkout.MethodCash || rc.Rounding != -45 || rc.Given != 50000 || rc.Change != 17800 {
		t.Fatalf("receipt = %+v", rc)
	}
	if rc.Totals.Gross+rc.Rounding != tendered(rc) || tendered(rc) != 32200 {
		t.Errorf("lines %d + rounding %d != tenders %d", rc.Totals.Gross, rc.Rounding, tendered(rc))
	}
	if len(v.Lines) != 2 {
		t.Errorf("the done screen shows %d lines, want the 2 sold", len(v.Lines))
	}
	r.Await("printed", func(v checkout.View) bool { return v.Receipt != nil && v.Receipt.Printed })
	vp := r.Station.Printer.Device.(*escpos.Virtual)
	paper, _ := vp.Last()
	for _, want := range []string{"Øreavrunding", "-0,45", "Kontant", "322,00", "Mottatt", "500,00", "Tilbake", "178,00"} {
		if !strings.Contains(paper.Text(), want) {
			t.Errorf("paper receipt lacks %q:\n%s", want, paper.Text())
		}
	}
	if vp.Kicks() != 1 {
		t.Errorf("drawer kicked %d times, want 1", vp.Kicks())
	}
	s, err := r.Station.Journal.Get(saleOf(t, r, rc.Number))
	if err != nil {
		t.Fatal(err)
	}
	if s.ReceiptNumber == "" || s.State() != journal.StateCaptured || !s.PaidInCash() || len(s.Attempts) != 0 {
		t.Errorf("journaled sale: receipt %q, state %s, cash %v, attempts %d", s.ReceiptNumber, s.State(), s.PaidInCash(), len(s.Attempts))
	}
	got := fmt.Sprint(kinds(t, r.Station.Journal, s.ID))
	if !strings.Contains(got, "sale.numbered tender.cash") {
		t.Errorf("records = %s", got)
	}
	if len(s.Signatures) == 0 {
		r.Await("signed", func(checkout.View) bool {
			s, _ := r.Station.Journal.Get(s.ID)
			return len(s.Signatures) == 1
		})
	}
	// The next sale starts empty.
	if err := r.Till.AddProduct("P025"); err != nil {
		t.Fatal(err)
	}
	if v := r.Till.View(); v.Phase != checkout.PhaseBasket || len(v.Lines) != 1 || v.Cash.Paid != 0 {
		t.Errorf("next sale: %+v", v)
	}
}

// saleOf finds the sale with a receipt number.
func saleOf(t *testing.T, r rig, number string) uint64 {
	t.Helper()
	var id uint64
	_ = r.Station.Journal.Each(func(s *journal.Sale) bool {
		if s.ReceiptNumber == number {
			id = s.ID
			return false
		}
		return true
	})
	if id == 0 {
		t.Fatalf("no sale has receipt %s", number)
	}
	return id
}

func TestCashRoundingPerMarket(t *testing.T) {
	for _, c := range []struct {
		market, currency string
		price, paid      int64
	}{
		{"NO", "NOK", 12350, 12400},
		{"NO", "NOK", 12349, 12300},
		{"DK", "DKK", 12324, 12300},
		{"DK", "DKK", 12325, 12350},
		{"FI", "EUR", 1002, 1000},
		{"FI", "EUR", 1003, 1005},
	} {
		t.Run(fmt.Sprintf("%s-%d", c.currency, c.price), func(t *testing.T) {
			r := rig{demotest.Start(t, demotest.Options{Configure: func(cfg *station.Config) {
				cfg.Market, cfg.Currency = c.market, c.currency
			}})}
			if err := r.Till.AddOpenItem(checkout.OpenItem{Description: "Vare", Price: c.price, VATRate: r.Till.VATRates()[0]}); err != nil {
				t.Fatal(err)
			}
			if err := r.Till.PayCash(0); err != nil {
				t.Fatal(err)
			}
			rc := r.Till.View().Receipt
			if tendered(rc) != c.paid || rc.Rounding != c.paid-c.price || rc.Totals.Gross != c.price {
				t.Errorf("%s %d paid as %d with rounding %d; want %d", c.currency, c.price, tendered(rc), rc.Rounding, c.paid)
			}
		})
	}
}

func TestSplitVippsAndCash(t *testing.T) {
	r := newRig(t, false)
	r.Fill("91234567", "P025", "P026") // 498,00
	if v := r.Till.View(); !v.Cash.CanSplit || v.Cash.SplitMax != 49700 {
		t.Fatalf("split: %+v", v.Cash)
	}
	if err := r.Till.PaySplit(20050, 0); err == nil {
		t.Error("a cash part of 200,50 kr was taken; NOK cash is whole kroner")
	}
	if err := r.Till.PaySplit(20000, 50000); err != nil {
		t.Fatal(err)
	}
	if n := r.Till.View().Notice; !strings.Contains(n, "give "+money.FormatCurrency(30000, "NOK")) {
		t.Errorf("the cashier is told %q, not the change to give", n)
	}
	v := r.Await("captured", phase(checkout.PhaseDone))
	rc := v.Receipt
	if rc == nil || len(rc.Tenders) != 2 || rc.Tenders[0] != (checkout.Tender{Method: checkout.MethodCash, Amount: 20000}) ||
		rc.Tenders[1] != (checkout.Tender{Method: checkout.MethodVipps, Amount: 29800}) || rc.Change != 30000 {
		t.Fatalf("receipt = %+v", rc)
	}
	if rc.Totals.Gross+rc.Rounding != tendered(rc) {
		t.Errorf("lines %d + rounding %d != tenders %d", rc.Totals.Gross, rc.Rounding, tendered(rc))
	}
	if p := r.Ledger(v.Reference); p.Aggregate.CapturedAmount.Value != 29800 {
		t.Errorf("Vipps captured %d, want 29800", p.Aggregate.CapturedAmount.Value)
	}
	s, err := r.Station.Journal.ByReference(v.Reference)
	if err != nil {
		t.Fatal(err)
	}
	req := s.Attempts[0].Request
	var lines int64
	for _, l := range req.Receipt.OrderLines {
		lines += l.TotalAmount
	}
	ps := req.Receipt.BottomLine.PaymentSources
	if ps == nil || ps.Cash != 20000 || req.Amount.Value+ps.Cash != lines || lines != 49800 {
		t.Errorf("request: amount %d, paymentSources %+v, lines %d", req.Amount.Value, ps, lines)
	}
	// The cash part was journaled before the request to Vipps.
	got := fmt.Sprint(kinds(t, r.Station.Journal, s.ID))
	if i, j := strings.Index(got, "tender.cash"), strings.Index(got, "payment.intent"); i < 0 || j < i {
		t.Errorf("records = %s", got)
	}
	r.Await("printed", func(v checkout.View) bool { return v.Receipt != nil && v.Receipt.Printed })
	paper, _ := r.Station.Printer.Device.(*escpos.Virtual).Last()
	for _, want := range []string{"Kontant", "200,00", "Vipps MobilePay", "298,00", "498,00"} {
		if !strings.Contains(paper.Text(), want) {
			t.Errorf("paper receipt lacks %q:\n%s", want, paper.Text())
		}
	}
	// The next customer: the paid split keeps its cash.
	r.Till.NewSale()
	if s, _ := r.Station.Journal.Get(s.ID); s.CashPaid() != 20000 || len(s.Tenders) != 1 {
		t.Errorf("after the next sale began, the split sale holds %d in cash (%d tenders)", s.CashPaid(), len(s.Tenders))
	}
}

// Lines − discounts + rounding = tenders, for random baskets with random
// line and basket discounts, paid in cash or split.
func TestTendersAddUpProperty(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 0))
	r := newRig(t, false)
	r.Till.SetCustomer("91234567")
	for i := range 40 {
		for n := rnd.IntN(4) + 1; n > 0; n-- {
			it := checkout.OpenItem{Description: fmt.Sprintf("Vare %d", n), Price: rnd.Int64N(200000) + 1, VATRate: []money.Rate{2500, 1500}[rnd.IntN(2)], Quantity: rnd.IntN(3) + 1}
			if err := r.Till.AddOpenItem(it); err != nil {
				t.Fatal(err)
			}
		}
		v := r.Till.View()
		if rnd.IntN(2) == 0 {
			l := v.Lines[rnd.IntN(len(v.Lines))]
			off := &basket.Off{Reason: "staff"}
			if rnd.IntN(2) == 0 {
				off.Percent = rnd.IntN(50) + 1
			} else {
				off.Amount = rnd.Int64N(max(1, l.Total()/2)) + 1
			}
			if err := r.Till.DiscountLine(l.ProductID, off); err != nil {
				t.Fatalf("basket %d: line discount %+v: %v", i, off, err)
			}
		}
		if rnd.IntN(3) == 0 {
			if err := r.Till.DiscountBasket(&basket.Off{Percent: rnd.IntN(30) + 1, Reason: "campaign"}); err != nil {
				t.Fatalf("basket %d: basket discount: %v", i, err)
			}
		}
		v = r.Till.View()
		split := i%8 == 0 && v.Cash.CanSplit
		if split {
			part := (rnd.Int64N(v.Cash.SplitMax) + 1) / v.Cash.Unit * v.Cash.Unit
			if part == 0 {
				part = v.Cash.Unit
			}
			r.Till.SetCustomer("91234567")
			if err := r.Till.PaySplit(part, part+rnd.Int64N(3)*10000); err != nil {
				t.Fatal(err)
			}
			v = r.Await("split captured", phase(checkout.PhaseDone))
		} else {
			given := v.Cash.CashDue + rnd.Int64N(50000)
			if err := r.Till.PayCash(given); err != nil {
				t.Fatalf("basket %d (due %d): %v", i, v.Cash.CashDue, err)
			}
			v = r.Till.View()
		}
		rc := v.Receipt
		if rc == nil {
			t.Fatalf("basket %d: no receipt", i)
		}
		var sum, gross, off int64
		for _, l := range rc.Lines {
			sum += l.Total()
			gross += l.Gross()
			off += l.LineDiscount() + l.BasketOff
		}
		if gross-off != rc.Totals.Gross {
			t.Fatalf("basket %d: lines %d − discounts %d ≠ total %d", i, gross, off, rc.Totals.Gross)
		}
		var vat int64
		for _, r := range rc.Totals.ByVAT {
			vat += r.Gross
		}
		if vat != rc.Totals.Gross {
			t.Fatalf("basket %d: VAT per rate sums to %d, total %d", i, vat, rc.Totals.Gross)
		}
		if sum != rc.Totals.Gross || rc.Totals.Gross+rc.Rounding != tendered(rc) || rc.Given-rc.Change != rc.Tenders[0].Amount {
			t.Fatalf("basket %d: lines %d, total %d, rounding %d, tenders %+v, given %d, change %d", i, sum, rc.Totals.Gross, rc.Rounding, rc.Tenders, rc.Given, rc.Change)
		}
		if !split && tendered(rc) != money.RoundCash(rc.Totals.Gross, 100) {
			t.Fatalf("basket %d: %d paid in cash for %d", i, tendered(rc), rc.Totals.Gross)
		}
		s, err := r.Station.Journal.Get(saleOf(t, r, rc.Number))
		if err != nil {
			t.Fatal(err)
		}
		// What the cash register rules sign is what was paid.
		if tx := fiscal.Transactions(s); len(tx) == 0 || tx[0].AmountIn != s.Totals.Gross {
			t.Fatalf("basket %d: signed %+v for a total of %d", i, tx, s.Totals.Gross)
		}
		if vipps := tendered(rc) - s.CashPaid(); s.CashPaid()-s.CashRounding()+vipps != s.Totals.Gross {
			t.Fatalf("basket %d: journal cash %d, rounding %d, total %d", i, s.CashPaid(), s.CashRounding(), s.Totals.Gross)
		}
		r.Till.NewSale()
	}
}

func TestSplitDeclinedKeepsTheCash(t *testing.T) {
	r := newRig(t, false)
	r.Fill("912 34 560", "P025", "P026") // ends in 0: the customer declines
	if err := r.Till.PaySplit(10000, 0); err != nil {
		t.Fatal(err)
	}
	v := r.Await("declined", phase(checkout.PhaseEnded))
	if v.Cash.Paid != 10000 || v.Cash.Due != 39800 || !v.Cash.CanCash || !v.Cash.CanReturn || !v.CanPay {
		t.Fatalf("after the decline: %+v (CanPay %v)", v.Cash, v.CanPay)
	}
	if err := r.Till.AddProduct("P001"); err == nil {
		t.Error("the basket changed while cash is held for it")
	}
	// The customer pays the rest in cash.
	if err := r.Till.PayCash(40000); err != nil {
		t.Fatal(err)
	}
	v = r.Till.View()
	rc := v.Receipt
	if v.Phase != checkout.PhaseDone || rc == nil || tendered(rc) != 49800 || rc.Change != 200 {
		t.Fatalf("after the rest in cash: phase %s, receipt %+v", v.Phase, rc)
	}
	s, _ := r.Station.Journal.Get(saleOf(t, r, rc.Number))
	if s.State() != journal.StateCaptured || s.CashPaid() != 49800 {
		t.Errorf("sale state %s, cash %d", s.State(), s.CashPaid())
	}
}

func TestSplitDeclinedCashHandedBack(t *testing.T) {
	d := newJournalFirst(t)
	r := rig{demotest.Start(t, demotest.Options{Contract: true, Drawer: d})}
	d.started(r)
	r.Fill("912 34 560", "P025")
	if err := r.Till.PaySplit(10000, 0); err != nil {
		t.Fatal(err)
	}
	r.Await("declined", phase(checkout.PhaseEnded))
	d.wait(1)
	if err := r.Till.ReturnCash("Kari"); err != nil {
		t.Fatal(err)
	}
	v := r.Till.View()
	if v.Cash.Paid != 0 || !strings.Contains(v.Notice, "100,00") {
		t.Errorf("after return: %+v, notice %q", v.Cash, v.Notice)
	}
	if err := r.Till.AddProduct("P001"); err != nil {
		t.Errorf("the basket stays locked after the cash went back: %v", err)
	}
	var held *journal.Sale
	_ = r.Station.Journal.Each(func(s *journal.Sale) bool {
		if len(s.Tenders) > 0 {
			held = s
		}
		return held == nil
	})
	if held == nil || len(held.Tenders) != 2 || !held.Tenders[1].Returned || held.CashPaid() != 0 || held.PaidInCash() {
		t.Fatalf("journaled tenders: %+v", held)
	}
	d.wait(2)
	if fmt.Sprint(d.reasons) != "[sale cash returned]" {
		t.Errorf("the drawer opened for %v", d.reasons)
	}
}

// journalFirst is a cash drawer on a virtual printer that checks, as each
// kick arrives, that the journal already holds the opening it is for.
type journalFirst struct {
	t  *testing.T
	vp *escpos.Virtual
	mu sync.Mutex
	j  *journal.Journal // set once the till has started
	// reasons are the journaled reasons of the openings, as each kick came.
	reasons []string
	kicked  chan struct{} // one per kick
}

func newJournalFirst(t *testing.T) *journalFirst {
	return &journalFirst{t: t, vp: escpos.NewVirtual(), kicked: make(chan struct{}, 64)}
}

// started gives the drawer the till's journal.
func (d *journalFirst) started(r rig) {
	d.mu.Lock()
	d.j = r.Station.Journal
	d.mu.Unlock()
}

// wait waits, with a deadline, until the drawer has been kicked n times.
func (d *journalFirst) wait(n int) {
	d.t.Helper()
	deadline := time.After(10 * time.Second)
	for d.vp.Kicks() < n {
		select {
		case <-d.kicked:
		case <-deadline:
			d.t.Fatalf("the drawer was kicked %d times, want %d", d.vp.Kicks(), n)
		}
	}
}

func (d *journalFirst) OpenDrawer(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var opened []journal.Record
	tenders := map[uint64]bool{}
	_ = d.j.EachRecord(0, func(r journal.Record) bool {
		switch r.Kind {
		case journal.KindDrawerOpened:
			opened = append(opened, r)
		case journal.KindTenderCash, journal.KindTenderReturn:
			tenders[r.Sale] = true
		}
		return true
	})
	if len(opened) <= d.vp.Kicks() {
		d.t.Errorf("kick %d arrived with %d openings journaled", d.vp.Kicks()+1, len(opened))
		return errors.New("not journaled")
	}
	last := opened[d.vp.Kicks()]
	if last.Drawer.Reason == journal.DrawerSale && !tenders[last.Drawer.Sale] {
		d.t.Errorf("the drawer opened for sale %d before its tender was journaled", last.Drawer.Sale)
	}
	d.reasons = append(d.reasons, last.Drawer.Reason)
	err := d.vp.Print(ctx, escpos.Kick(escpos.DrawerPin2))
	d.kicked <- struct{}{}
	return err
}

func TestDrawerKickComesAfterItsRecord(t *testing.T) {
	d := newJournalFirst(t)
	r := rig{demotest.Start(t, demotest.Options{Drawer: d})}
	d.started(r)
	if err := r.Till.AddProduct("P025"); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.PayCash(20000); err != nil {
		t.Fatal(err)
	}
	d.wait(1)
	if err := r.Till.OpenDrawer("", ""); err == nil {
		t.Error("the drawer opened without a reason")
	}
	if err := r.Till.OpenDrawer("Kari", "change for the next till"); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.CashIn("Kari", 150000, journal.CashFloat); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.CashOut("Kari", 50000, "bank drop"); err != nil {
		t.Fatal(err)
	}
	d.wait(4)
	d.mu.Lock()
	defer d.mu.Unlock()
	slices.Sort(d.reasons) // the kicks after the sale's come as the printer takes them
	if fmt.Sprint(d.reasons) != "[cash in cash out no sale sale]" {
		t.Errorf("kicks %d, reasons %v", d.vp.Kicks(), d.reasons)
	}
	// The station's printer printed the receipt; the drawer's own printer
	// never printed one.
	if _, n := d.vp.Last(); n != 0 {
		t.Errorf("the drawer printed %d receipts", n)
	}
}

func TestAllowedGuardsTheDrawer(t *testing.T) {
	// Roles are another part's; the hook is all the till needs. A second
	// till on the station's journal, with a hook that refuses the drawer.
	r := rig{demotest.Start(t, demotest.Options{})}
	j := r.Station.Journal
	till, err := checkout.New(context.Background(), checkout.Config{Journal: j, API: r.Station.API, Catalog: r.Till.Catalog(),
		Allowed: func(action string) bool { return action != checkout.ActionOpenDrawer }})
	if err != nil {
		t.Fatal(err)
	}
	defer till.Close()
	if err := till.OpenDrawer("Kari", "no reason"); !errors.Is(err, checkout.ErrNotAllowed) {
		t.Errorf("the drawer opened against the hook: %v", err)
	}
	if err := till.CashIn("Kari", 500_00, "float"); err != nil {
		t.Errorf("cash in, which the hook allows: %v", err)
	}
}
