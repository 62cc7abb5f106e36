package checkout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/app/msisdn"
	"github.com/kasse-pos/kasse/app/payment"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// Cash at the till: a sale paid in cash, the cash part of a split sale, and
// the drawer (openings, cash in and out, the count at the end of the day).
//
// Every step is journaled before its side effect: the tender and the
// drawer's opening are appended in one call, and only then is the drawer
// kicked. A cash sale is numbered like any sale and gets its receipt the
// same way; it never touches the payment engine.
//
// A split sale takes the cash part first (journaled, drawer opened), then
// asks Vipps MobilePay for the rest. If the customer declines, or the
// request fails, the cash part is kept, as a real till keeps a partial
// tender: the screen says how much is still due, and the cashier asks again,
// takes the rest in cash, or hands the cash back (ReturnCash, journaled,
// drawer opened). While cash is held for a basket the basket cannot change.

// CashDrawer opens the till's cash drawer; the station's receipt printer is
// one (the drawer hangs on the printer's drawer port).
type CashDrawer interface {
	OpenDrawer(ctx context.Context) error
}

// TraceCashTaken is reported to Config.Trace once a cash tender and its
// drawer opening are journaled, before the drawer opens and the receipt goes
// out (crash tests kill the process there). The reference is the receipt
// number.
const TraceCashTaken = "cash taken"

// Actions Config.Allowed is asked about.
const (
	ActionOpenDrawer = "open-drawer" // without a sale (app/cashier.ActOpenDrawer)
	ActionCashIn     = "cash in"
	ActionCashOut    = "cash out"
	ActionCountCash  = "count cash"
	ActionReturnCash = "return cash"
)

// Tender is one means of payment of a receipt and what it paid.
type Tender struct {
	Method string // MethodCash or MethodVipps
	Amount int64
}

// Means of payment on receipts.
const (
	MethodCash  = "Cash"
	MethodVipps = "Vipps MobilePay"
)

// CashPart is what a receipt says of cash: its rounding (the lines plus
// Rounding are what was paid), the tenders when cash was one of them, and
// the cash handed over and back.
type CashPart struct {
	Rounding      int64
	Tenders       []Tender
	Given, Change int64
}

// CashView is the cash side of the screen.
type CashView struct {
	// CanCash says Cash may be tapped now; CanSplit that the cash part of a
	// split may be taken (the rest is enough for Vipps MobilePay).
	CanCash, CanSplit bool
	// Due is what is left to pay: the lines' total less the cash taken.
	// CashDue is Due as cash pays it (rounded), Rounding the difference.
	Due, CashDue, Rounding int64
	// Unit is the cash rounding step (NOK 100: whole kroner).
	Unit int64
	// SplitMax is the largest cash part a split may take.
	SplitMax int64
	// Paid is the cash taken for the sale on screen; CanReturn says it may
	// be handed back (the sale is not finished).
	Paid      int64
	CanReturn bool
	// Given and Change are of the last cash taken: Change is what the
	// cashier hands back.
	Given, Change int64
}

// cashScreen is the cash state of the sale on screen.
type cashScreen struct {
	paid, rounding int64
	given, change  int64
	// done: cash paid the sale in full; its receipt is on screen.
	done bool
}

// cashView fills v.Cash; t.mu is held.
func (t *Till) cashView(v *View) {
	s := &t.screen
	unit := money.CashUnit(t.cfg.Currency)
	c := CashView{Unit: unit, Paid: s.cash.paid, Given: s.cash.given, Change: s.cash.change}
	if s.cash.done {
		c.Rounding = s.cash.rounding
		v.Cash = c
		v.Outcome = journal.StateCaptured
		v.Message = t.tr().T("Paid in cash.")
		if c.Change > 0 {
			v.Message = t.tr().T("Paid in cash. Change: {{.Change}}.", "Change", money.FormatCurrency(c.Change, t.cfg.Currency))
		}
		return
	}
	idle := s.editable() && s.phase() != PhaseDone && !s.basket.Empty()
	c.Due = s.basket.Totals().Gross - s.cash.paid
	c.CashDue = money.RoundCash(c.Due, unit)
	c.Rounding = c.CashDue - c.Due
	c.CanCash = idle && c.CashDue > 0 && !s.unsettled()
	c.SplitMax = (c.Due - minAmount(t.cfg.Currency)) / unit * unit
	c.CanSplit = c.CanCash && c.SplitMax > 0
	c.CanReturn = idle && s.cash.paid > 0
	v.Cash = c
	if s.cash.paid > 0 && v.Phase != PhaseDone {
		v.CanPay = v.CanPay && c.Due >= minAmount(t.cfg.Currency)
		v.CanShowQR = v.CanShowQR && c.Due >= minAmount(t.cfg.Currency)
	}
}

// unsettled: the last request's fate is unknown; cash would risk a double
// payment until it is settled.
func (s *screen) unsettled() bool {
	return s.pay.Reference != "" && !s.pay.State.Final()
}

// PayCash takes what is left of the sale in cash. given is what the customer
// handed over (0: exactly the amount due). A sale paid wholly in cash is
// rounded as the market rounds cash (see money.CashUnit), and the rounding is
// a line of its own on the receipt and in the journal.
func (t *Till) PayCash(given int64) error {
	return t.do(func() error {
		sale, due, err := t.cashSale()
		if err != nil {
			return err
		}
		cashDue := money.RoundCash(due, money.CashUnit(t.cfg.Currency))
		if cashDue <= 0 {
			return errors.New("the amount due rounds to nothing in cash")
		}
		if given == 0 {
			given = cashDue
		}
		if given < cashDue {
			return fmt.Errorf("%s is due in cash; the customer gave %s", money.FormatCurrency(cashDue, t.cfg.Currency), money.FormatCurrency(given, t.cfg.Currency))
		}
		td := journal.TenderData{Method: journal.TenderCash, Amount: cashDue, Rounding: cashDue - due, Given: given, Change: given - cashDue}
		sale, err = t.takeCash(sale, td, "cash")
		if err != nil {
			return err
		}
		r := t.saleReceipt(sale)
		t.update(func(s *screen) {
			s.cash = cashScreen{paid: sale.CashPaid(), rounding: sale.CashRounding(), given: td.Given, change: td.Change, done: true}
			s.shown = &r
			s.basket = basket.Basket{}
			s.customer, s.customerInput, s.customerErr = msisdn.Number{}, "", ""
			s.notice = ""
		})
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			t.kick(journal.DrawerSale)
			t.sign(sale.ID)
			t.deliverReceipt(t.ctx, sale.ID, r)
		}()
		return nil
	})
}

// PaySplit takes part of the sale in cash (given handed over; 0: exactly
// part) and asks Vipps MobilePay for the rest: on the customer's phone when
// one is identified, else with a QR code. The cash part is a whole number of
// cash units (no rounding) and leaves at least the smallest Vipps amount.
func (t *Till) PaySplit(part, given int64) error {
	return t.do(func() error {
		sale, due, err := t.cashSale()
		if err != nil {
			return err
		}
		unit := money.CashUnit(t.cfg.Currency)
		switch {
		case part <= 0:
			return errors.New("type the cash part of the payment")
		case part%unit != 0:
			return fmt.Errorf("the cash part must be a whole number of %s", money.FormatCurrency(unit, t.cfg.Currency))
		case due-part < minAmount(t.cfg.Currency):
			return fmt.Errorf("the cash part leaves less than Vipps MobilePay takes; take all %s in cash instead", money.FormatCurrency(money.RoundCash(due, unit), t.cfg.Currency))
		}
		if given == 0 {
			given = part
		}
		if given < part {
			return fmt.Errorf("the cash part is %s; the customer gave %s", money.FormatCurrency(part, t.cfg.Currency), money.FormatCurrency(given, t.cfg.Currency))
		}
		td := journal.TenderData{Method: journal.TenderCash, Amount: part, Given: given, Change: given - part}
		if sale, err = t.takeCash(sale, td, "cash part of a split payment"); err != nil {
			return err
		}
		t.update(func(s *screen) {
			s.cash = cashScreen{paid: sale.CashPaid(), rounding: sale.CashRounding(), given: td.Given, change: td.Change}
		})
		t.kickLater(journal.DrawerSale)
		t.mu.Lock()
		flow := epayment.FlowPushMessage
		if t.pushOff || t.customer.IsZero() {
			flow = epayment.FlowQR
		}
		t.mu.Unlock()
		if err := t.payWith(flow); err != nil {
			return err
		}
		// The change is given now, while Vipps asks for the rest.
		t.update(func(s *screen) {
			s.notice = t.tr().T("Cash {{.Amount}} taken. Vipps MobilePay asks for the rest.", "Amount", money.FormatCurrency(part, t.cfg.Currency))
			if td.Change > 0 {
				s.notice = t.tr().T("Cash {{.Amount}} taken; give {{.Change}} change. Vipps MobilePay asks for the rest.", "Amount", money.FormatCurrency(part, t.cfg.Currency), "Change", money.FormatCurrency(td.Change, t.cfg.Currency))
			}
		})
		return nil
	})
}

// ReturnCash hands back the cash taken for a sale that was not finished (the
// Vipps part of a split was declined and the customer leaves): journaled,
// then the drawer opens. The basket may change again.
func (t *Till) ReturnCash(cashier string) error {
	if err := t.allowed(ActionReturnCash); err != nil {
		return err
	}
	return t.do(func() error {
		t.mu.Lock()
		id, paid, ok := t.sale, t.cash.paid, t.editable() && !t.cash.done
		t.mu.Unlock()
		if paid <= 0 || !ok || id == 0 {
			return errors.New("there is no cash to hand back")
		}
		return t.returnCash(cashier, id)
	})
}

// returnCash journals the cash of sale id as handed back and opens the
// drawer; it runs on the till's goroutine.
func (t *Till) returnCash(cashier string, id uint64) error {
	sale, err := t.cfg.Journal.Get(id)
	if err != nil {
		return t.payFailed(err)
	}
	td := journal.TenderData{Method: journal.TenderCash, Amount: sale.CashPaid(), Rounding: sale.CashRounding()}
	if _, err := t.cfg.Journal.Append(
		journal.Record{Kind: journal.KindTenderReturn, Sale: id, Cashier: cashier, Tender: &td, Note: "cash handed back"},
		journal.Record{Kind: journal.KindDrawerOpened, Cashier: cashier, Drawer: &journal.DrawerData{Reason: journal.DrawerReturned, Sale: id, Receipt: sale.ReceiptNumber}},
	); err != nil {
		return t.payFailed(err)
	}
	t.update(func(s *screen) {
		s.cash = cashScreen{}
		s.notice = t.tr().T("Hand back {{.Amount}} in cash.", "Amount", money.FormatCurrency(td.Amount, t.cfg.Currency))
	})
	t.kickLater(journal.DrawerReturned)
	return nil
}

// cashSale checks that cash may be taken now, journals the sale and its
// receipt number if they are not yet, and returns it with the amount due.
// It runs on the till's goroutine.
func (t *Till) cashSale() (*journal.Sale, int64, error) {
	t.mu.Lock()
	s := t.screen
	t.mu.Unlock()
	switch {
	case s.phase() == PhaseDone || s.cash.done:
		return nil, 0, errors.New("this sale has just been paid; its receipt is on screen")
	case !s.editable():
		return nil, 0, errBusy
	case s.basket.Empty():
		return nil, 0, errors.New("the basket is empty")
	case s.unsettled():
		return nil, 0, errors.New("Vipps MobilePay has not said how the last request ended; tap Retry, or wait for it, before taking cash")
	}
	var sale *journal.Sale
	var err error
	if s.sale != 0 {
		if sale, err = t.cfg.Journal.Get(s.sale); err != nil {
			return nil, 0, t.payFailed(err)
		}
	}
	var recs []journal.Record
	if sale == nil {
		recs = append(recs, t.opened())
		for _, l := range s.basket.Lines {
			recs = append(recs, journal.Record{Kind: journal.KindLineAdded, Line: &journal.LineEdit{Line: l}})
		}
	}
	if sale == nil || sale.ReceiptNumber == "" {
		recs = append(recs, journal.Record{Kind: journal.KindSaleNumbered, Sale: s.sale, Numbered: &journal.Numbered{}})
	}
	if len(recs) > 0 {
		stored, err := t.cfg.Journal.Append(recs...)
		if err != nil {
			return nil, 0, t.payFailed(err)
		}
		if sale, err = t.cfg.Journal.Get(stored[0].Sale); err != nil {
			return nil, 0, t.payFailed(err)
		}
		t.update(func(sc *screen) { sc.sale, sc.receipt = sale.ID, sale.ReceiptNumber })
	}
	due := sale.Basket.Totals().Gross - sale.CashPaid()
	if due <= 0 {
		return nil, 0, errors.New("nothing is left to pay")
	}
	return sale, due, nil
}

// takeCash journals a cash tender and the drawer's opening for it, in one
// append, and returns the sale as it is after them.
func (t *Till) takeCash(sale *journal.Sale, td journal.TenderData, note string) (*journal.Sale, error) {
	if _, err := t.cfg.Journal.Append(
		journal.Record{Kind: journal.KindTenderCash, Sale: sale.ID, Tender: &td, Note: note},
		journal.Record{Kind: journal.KindDrawerOpened, Drawer: &journal.DrawerData{Reason: journal.DrawerSale, Sale: sale.ID, Receipt: sale.ReceiptNumber}},
	); err != nil {
		return nil, t.payFailed(err)
	}
	if t.cfg.Trace != nil {
		t.cfg.Trace(TraceCashTaken, sale.ReceiptNumber)
	}
	s, err := t.cfg.Journal.Get(sale.ID)
	if err != nil {
		return nil, t.payFailed(err)
	}
	return s, nil
}

// kick opens the drawer. It is called only after the opening is journaled.
func (t *Till) kick(reason string) {
	if t.cfg.Drawer == nil {
		return
	}
	ctx, cancel := context.WithTimeout(t.ctx, 10*time.Second)
	defer cancel()
	if err := t.cfg.Drawer.OpenDrawer(ctx); err != nil {
		t.log.Warn("open the cash drawer", "reason", reason, "err", err)
		t.SetStatus("printer", "the cash drawer did not open: check the printer and its drawer cable")
		t.Notify(i18n.Key("The cash drawer did not open. Open it with its key; the sale is recorded."))
	}
}

// kickLater opens the drawer off the caller's goroutine (the printer may
// take its time); the opening is journaled already.
func (t *Till) kickLater(reason string) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		t.kick(reason)
	}()
}

// OpenDrawer opens the drawer without a sale ("no sale"), for a manager,
// with the reason journaled. Config.Allowed decides who may.
func (t *Till) OpenDrawer(cashier, reason string) error {
	if reason == "" {
		return errors.New("say why the drawer is opened")
	}
	if err := t.allowed(ActionOpenDrawer); err != nil {
		return err
	}
	if _, err := t.cfg.Journal.Append(journal.Record{Kind: journal.KindDrawerOpened, Cashier: cashier, Note: reason,
		Drawer: &journal.DrawerData{Reason: journal.DrawerNoSale}}); err != nil {
		t.journalFailed(err)
		return err
	}
	t.kickLater(journal.DrawerNoSale)
	return nil
}

// CashIn journals cash put into the drawer (reason journal.CashFloat for the
// day's float, or change fetched), then opens the drawer.
func (t *Till) CashIn(cashier string, amount int64, reason string) error {
	return t.moveCash(journal.KindCashIn, ActionCashIn, journal.DrawerCashIn, cashier, amount, reason)
}

// CashOut journals cash taken out of the drawer (a bank drop, a payout), then
// opens the drawer.
func (t *Till) CashOut(cashier string, amount int64, reason string) error {
	return t.moveCash(journal.KindCashOut, ActionCashOut, journal.DrawerCashOut, cashier, amount, reason)
}

func (t *Till) moveCash(kind journal.Kind, action, drawer, cashier string, amount int64, reason string) error {
	switch {
	case amount <= 0:
		return errors.New("type an amount above zero")
	case reason == "":
		return errors.New("say why (float, bank drop, …)")
	}
	if err := t.allowed(action); err != nil {
		return err
	}
	if _, err := t.cfg.Journal.Append(
		journal.Record{Kind: kind, Cashier: cashier, Cash: &journal.CashData{Amount: amount, Reason: reason, Day: t.cfg.Journal.BusinessDay()}},
		journal.Record{Kind: journal.KindDrawerOpened, Cashier: cashier, Note: reason, Drawer: &journal.DrawerData{Reason: drawer}},
	); err != nil {
		t.journalFailed(err)
		return err
	}
	t.kickLater(drawer)
	return nil
}

// CountCash journals the cash the cashier counted in the drawer; the Z report
// sets the day's last count against the cash expected.
func (t *Till) CountCash(cashier string, counted int64) error {
	if counted < 0 {
		return errors.New("the counted cash cannot be negative")
	}
	if err := t.allowed(ActionCountCash); err != nil {
		return err
	}
	if _, err := t.cfg.Journal.Append(journal.Record{Kind: journal.KindCashCounted, Cashier: cashier,
		Cash: &journal.CashData{Amount: counted, Day: t.cfg.Journal.BusinessDay()}}); err != nil {
		t.journalFailed(err)
		return err
	}
	return nil
}

// saleReceipt is the receipt of a finished sale: paid in cash, by Vipps
// MobilePay, or both.
func (t *Till) saleReceipt(s *journal.Sale) Receipt {
	if a := capturedAttempt(s); a != nil {
		return t.buildReceipt(s, a)
	}
	if s.Settled != nil {
		return t.exchangeReceipt(s)
	}
	// The lines as paid: each carries its share of a basket discount, as a
	// Vipps payment's frozen basket does.
	paid := s.Basket.Settled()
	r := Receipt{
		Shop: t.cfg.Shop, Number: s.ReceiptNumber, Cashier: s.Cashier, Time: s.CashSettled(), POSID: s.POSID,
		Lines: paid.Lines, Totals: s.Totals, Discount: paid.Discount,
		Currency: s.Currency, Method: MethodCash, URL: s.ReceiptURL, Printed: s.Printed, Lang: t.rtr().Lang(),
		Training: s.Training, Copies: s.Copies,
	}
	r.CashPart = cashPartOf(s, nil)
	r.Exchange = len(s.Basket.Returns()) > 0
	return r
}

// cashPartOf is a receipt's cash part: the tenders kept and the Vipps part a
// (nil when cash paid it all).
func cashPartOf(s *journal.Sale, a *journal.Attempt) CashPart {
	var c CashPart
	if s.CashPaid() <= 0 {
		return c
	}
	c.Rounding = s.CashRounding()
	c.Tenders = []Tender{{Method: MethodCash, Amount: s.CashPaid()}}
	for _, td := range s.Tenders {
		if td.Returned { // a return hands back all the cash before it
			c.Given, c.Change = 0, 0
			continue
		}
		c.Given += td.Given
		c.Change += td.Change
	}
	if a != nil {
		c.Tenders = append(c.Tenders, Tender{Method: MethodVipps, Amount: a.Request.Amount.Value})
	}
	return c
}

// cashHeld, on start, names the sales that hold cash but are not paid (the
// till stopped between a split's cash part and its Vipps part, or the Vipps
// part failed): the customer's cash is in the drawer. The newest comes back
// on screen, if the screen is free, so the cashier takes the rest or hands
// the cash back.
func (t *Till) cashHeld() {
	var held []*journal.Sale
	_ = t.cfg.Journal.Each(func(s *journal.Sale) bool {
		if s.CashPaid() > 0 && !s.PaidInCash() && capturedAttempt(s) == nil && len(s.Open()) == 0 && len(s.Basket.Lines) > 0 {
			held = append(held, s)
		}
		return true
	})
	for i, s := range held {
		t.report(fmt.Sprintf("Receipt %s: %s was taken in cash but the sale was not finished. Take the rest, or hand the cash back.",
			s.ReceiptNumber, money.FormatCurrency(s.CashPaid(), s.Currency)))
		if i > 0 {
			continue // Each lists the newest first
		}
		t.mu.Lock()
		if t.sale == 0 && t.pay.Reference == "" && t.basket.Empty() {
			t.sale, t.receipt = s.ID, s.ReceiptNumber
			t.basket = s.Basket.Clone()
			t.cash = cashScreen{paid: s.CashPaid(), rounding: s.CashRounding()}
			if a := s.Current(); a != nil {
				// The failed Vipps part stays on screen, dismissed.
				t.pay = payment.Snapshot{Reference: a.Reference, State: a.State, Amount: a.Request.Amount.Value}
				t.dismissed = true
			}
		}
		t.mu.Unlock()
		t.changed()
	}
}
