package checkout

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/app/msisdn"
)

// An exchange: in the sale on screen, lines of an earlier sale come back as
// return lines (negative, at what the customer paid for them, each naming
// its sale and line) beside the new items, and the sale's total is the net.
// Each return line is journaled on the new sale together with a
// sale.exchanged record on the original, in one append, so the line counts
// as returned there at once (the back office cannot refund it, nor another
// exchange take it); taking the line out again releases it.
//
// A positive net is paid as any sale (Vipps MobilePay or cash); a net of
// zero or less ends with SettleExchange, which refunds the difference to the
// original Vipps MobilePay payment, or pays it out in cash when the original
// was paid in cash.

// RefundSender sends a sale's journaled refunds that are not confirmed yet;
// app/backoffice's Refunder is one. The till journals an exchange's
// difference and leaves the sending to it.
type RefundSender interface {
	SendRefunds(ctx context.Context, saleID uint64) error
}

// SetRefunds gives the till the Refunder that sends an exchange's refund of
// its difference (the Refunder is made after the till: it shares its engine).
func (t *Till) SetRefunds(r RefundSender) {
	t.mu.Lock()
	t.refunds = r
	t.mu.Unlock()
}

// ExchangeLine is a quantity of one line of an earlier sale, by product id.
type ExchangeLine struct {
	ProductID string
	Quantity  int
}

// ExchangeView is the exchange side of the view.
type ExchangeView struct {
	// Returns is the money of the basket's return lines (positive).
	Returns int64
	// CanSettle says the basket is an exchange that comes to zero or less:
	// SettleExchange ends it (Pay and Cash are for a positive net).
	CanSettle bool
	// Settled is the difference handed back by the sale just settled
	// (positive), with Method journal.SettleNone, SettleVipps or SettleCash.
	Settled int64
	Method  string
}

// exchangeScreen is the state of an exchange just settled.
type exchangeScreen struct {
	done   bool
	amount int64
	method string
}

// Exchange takes lines of the earlier sale saleID back into the basket on
// screen as return lines, for the customer to take other goods instead.
func (t *Till) Exchange(saleID uint64, lines []ExchangeLine) error {
	if t.allowed(ActionRefund) != nil {
		return errors.New("exchanges need a manager at this till")
	}
	if len(lines) == 0 {
		return errors.New("choose what is brought back")
	}
	return t.do(func() error {
		t.mu.Lock()
		if t.phase() == PhaseDone {
			t.startNewSaleLocked()
		}
		editable, cash, sale, training := t.editable(), t.cash.paid, t.sale, t.training
		before := t.basket.Clone()
		t.mu.Unlock()
		switch {
		case !editable:
			return errBusy
		case cash != 0:
			return errCashHeld
		case sale == saleID && sale != 0:
			return errors.New("that is the sale on screen")
		}
		orig, err := t.cfg.Journal.Get(saleID)
		if err != nil {
			return fmt.Errorf("find the sale to exchange: %w", err)
		}
		if orig.Training != training {
			return errors.New("a sale of training mode and a real one cannot be exchanged against each other")
		}
		rls, err := returnLines(orig, before, lines)
		if err != nil {
			return err
		}
		if sale == 0 {
			stored, err := t.cfg.Journal.Append(t.opened())
			if err != nil {
				return t.payFailed(err)
			}
			sale = stored[0].Sale
		}
		var recs []journal.Record
		for _, l := range rls {
			recs = append(recs,
				journal.Record{Kind: journal.KindLineAdded, Sale: sale, Line: &journal.LineEdit{Line: l}},
				journal.Record{Kind: journal.KindExchanged, Sale: orig.ID,
					Note:     fmt.Sprintf("%d × %s exchanged in sale %d", -l.Quantity, l.Return.ProductID, sale),
					Exchange: &journal.ExchangeData{Sale: sale, ProductID: l.Return.ProductID, Quantity: -l.Quantity, Amount: l.Return.Amount}})
		}
		if _, err := t.cfg.Journal.Append(recs...); err != nil {
			return t.payFailed(err)
		}
		t.update(func(s *screen) {
			s.basket.Lines = append(s.basket.Lines, rls...)
			s.sale = sale
			s.notice, s.unknown, s.status.Journal = t.tr().T("Receipt {{.Receipt}}: returned goods are in the basket; add what the customer takes instead.", "Receipt", orig.ReceiptNumber), "", ""
			if s.phase() == PhaseEnded && s.pay.Reference != "" && !s.pay.Unknown {
				s.dismissed = true
			}
		})
		return nil
	})
}

// returnLines are the return lines for lines of orig, checked against what
// is still left of each (its refunds and exchanges, and b's own return
// lines). The amount of each is what the back office's books take for the
// same quantity: its part of the line's total, the last of a line what is
// left of it, so the lines' refunds and returns add up to the line exactly.
func returnLines(orig *journal.Sale, b basket.Basket, lines []ExchangeLine) ([]basket.Line, error) {
	if capturedAttempt(orig) == nil && !orig.PaidInCash() {
		return nil, fmt.Errorf("receipt %s was not paid, so nothing of it can be returned", orig.ReceiptNumber)
	}
	type left struct {
		qty   int
		gross int64
	}
	lefts := map[string]*left{}
	settled := orig.Basket.Settled()
	for _, l := range settled.Lines {
		lefts[l.ProductID] = &left{qty: l.Quantity, gross: l.Total()}
	}
	book := func(id string, q int) error {
		lf, l := lefts[id], line(settled, id)
		if lf == nil || l == nil || q <= 0 || q > lf.qty {
			return fmt.Errorf("receipt %s was changed by a refund this till cannot follow; refund it in the history", orig.ReceiptNumber)
		}
		g := l.Part(q)
		if q == lf.qty {
			g = lf.gross
		}
		lf.qty, lf.gross = lf.qty-q, lf.gross-g
		return nil
	}
	x := 0
	for _, rf := range orig.Refunds {
		if !(rf.Done || rf.Error == "") || rf.Exchange {
			continue
		}
		for ; x < len(orig.Exchanges) && orig.Exchanges[x].At.Before(rf.At); x++ {
			if err := book(orig.Exchanges[x].ProductID, orig.Exchanges[x].Quantity); err != nil {
				return nil, err
			}
		}
		if len(rf.Lines) == 0 {
			return nil, fmt.Errorf("part of receipt %s was refunded by amount; refund the rest in the history", orig.ReceiptNumber)
		}
		for _, s := range rf.Lines {
			i := strings.LastIndexByte(s, ':')
			q, err := strconv.Atoi(s[i+1:])
			if i <= 0 || err != nil {
				return nil, fmt.Errorf("receipt %s has a refund line %q this till cannot read", orig.ReceiptNumber, s)
			}
			if err := book(s[:i], q); err != nil {
				return nil, err
			}
		}
	}
	for ; x < len(orig.Exchanges); x++ {
		if err := book(orig.Exchanges[x].ProductID, orig.Exchanges[x].Quantity); err != nil {
			return nil, err
		}
	}
	var out []basket.Line
	for _, lq := range lines {
		l := line(settled, lq.ProductID)
		switch {
		case l == nil || l.Return != nil || l.Quantity <= 0:
			return nil, fmt.Errorf("receipt %s has no line %s to return", orig.ReceiptNumber, lq.ProductID)
		case b.Has(basket.ReturnID(orig.ID, l.ProductID)):
			return nil, fmt.Errorf("%s is in the basket already; take it out to choose again", l.Name)
		case lq.Quantity <= 0:
			return nil, fmt.Errorf("return at least one %s", l.Name)
		case lq.Quantity > lefts[l.ProductID].qty:
			return nil, fmt.Errorf("only %d of %s on receipt %s can still be returned", lefts[l.ProductID].qty, l.Name, orig.ReceiptNumber)
		}
		before := lefts[l.ProductID].gross
		if err := book(l.ProductID, lq.Quantity); err != nil {
			return nil, err
		}
		out = append(out, basket.ReturnLine(orig.ID, orig.ReceiptNumber, *l, lq.Quantity, before-lefts[l.ProductID].gross))
	}
	return out, nil
}

func line(b basket.Basket, productID string) *basket.Line {
	for i := range b.Lines {
		if b.Lines[i].ProductID == productID {
			return &b.Lines[i]
		}
	}
	return nil
}

// releases are the records that give the return lines of before that after
// no longer has back to their original sales.
func releases(sale uint64, before, after basket.Basket) []journal.Record {
	var recs []journal.Record
	for _, l := range before.Returns() {
		if after.Has(l.ProductID) {
			continue
		}
		recs = append(recs, journal.Record{Kind: journal.KindExchanged, Sale: l.Return.Sale,
			Note:     fmt.Sprintf("%s taken out of sale %d", l.Return.ProductID, sale),
			Exchange: &journal.ExchangeData{Sale: sale, ProductID: l.Return.ProductID, Release: true}})
	}
	return recs
}

// exchangeView fills v.Exchange; t.mu is held.
func (t *Till) exchangeView(v *View) {
	s := &t.screen
	if s.exchanged.done {
		v.Exchange = ExchangeView{Settled: s.exchanged.amount, Method: s.exchanged.method}
		v.Outcome = journal.StateCaptured
		amount := money.FormatCurrency(s.exchanged.amount, t.cfg.Currency)
		switch s.exchanged.method {
		case journal.SettleVipps:
			v.Message = t.tr().T("Exchanged: {{.Amount}} goes back to the customer's {{.Brand}}.", "Amount", amount, "Brand", t.cfg.Brand)
		case journal.SettleCash:
			v.Message = t.tr().T("Exchanged: give {{.Amount}} back in cash.", "Amount", amount)
		default:
			v.Message = t.tr().T("Exchanged: nothing to pay.")
		}
		return
	}
	for _, l := range s.basket.Returns() {
		v.Exchange.Returns += l.Return.Amount
	}
	if v.Exchange.Returns == 0 {
		return
	}
	net := s.basket.Totals().Gross
	v.Exchange.CanSettle = s.editable() && net <= 0 && s.cash.paid == 0 && !s.unsettled()
	if net < minAmount(t.cfg.Currency) {
		v.CanPay, v.CanShowQR = false, false
		v.Cash.CanCash, v.Cash.CanSplit = false, false
	}
}

// SettleExchange ends an exchange that comes to zero or less. Even: the sale
// ends with its receipt and nothing moves. Less: the difference goes back to
// the original sale's Vipps MobilePay payment (a refund under the same
// engine, sent by the Refunder) or, when cash paid the original, is paid out
// in cash. The sale's number, the settlement and the refund's Intent (or the
// drawer's opening) are journaled in one append before anything moves.
func (t *Till) SettleExchange() error {
	return t.do(func() error {
		t.mu.Lock()
		s := t.screen
		refunds := t.refunds
		t.mu.Unlock()
		net := s.basket.Totals().Gross
		rets := s.basket.Returns()
		switch {
		case s.phase() == PhaseDone:
			return errors.New("this sale has just been settled; its receipt is on screen")
		case !s.editable() || s.unsettled():
			return errBusy
		case len(rets) == 0:
			return errors.New("there is no exchange in the basket")
		case net > 0:
			return errors.New("the customer has more to pay: take the payment instead")
		case s.cash.paid != 0:
			return errCashHeld
		}
		sale, err := t.cfg.Journal.Get(s.sale)
		if err != nil {
			return t.payFailed(err)
		}
		var recs []journal.Record
		if sale.ReceiptNumber == "" {
			recs = append(recs, journal.Record{Kind: journal.KindSaleNumbered, Sale: sale.ID, Numbered: &journal.Numbered{Training: s.training}})
		}
		st := journal.SettleData{Amount: net, Method: journal.SettleNone}
		var after []journal.Record
		if net < 0 {
			origID := rets[0].Return.Sale
			for _, l := range rets {
				if l.Return.Sale != origID {
					return errors.New("the difference goes back to one payment: return the goods of one receipt at a time, or add more items")
				}
			}
			orig, err := t.cfg.Journal.Get(origID)
			if err != nil {
				return t.payFailed(err)
			}
			switch a := capturedAttempt(orig); {
			case a != nil:
				if refunds == nil {
					return errors.New("this till cannot send refunds; pay the difference out from the history")
				}
				left := a.Captured
				for _, rf := range orig.Refunds {
					if rf.Cash == 0 && (rf.Done || rf.Error == "") {
						left -= rf.Amount
					}
				}
				if -net > left {
					// A split sale: Vipps holds only its part.
					return fmt.Errorf("only %s of receipt %s was paid by %s; add items so that less goes back", money.FormatCurrency(max(left, 0), t.cfg.Currency), orig.ReceiptNumber, t.cfg.Brand)
				}
				st.Method, st.Reference, st.Key = journal.SettleVipps, a.Reference, exchangeKey(a.Reference, sale.ID)
				after = append(after, journal.Record{Kind: journal.KindIntent, Sale: sale.ID, Ref: a.Reference,
					Note: fmt.Sprintf("exchange: %s back to receipt %s", money.Format(-net), orig.ReceiptNumber),
					Intent: &journal.Intent{Action: journal.ActRefund, Key: st.Key, Amount: -net,
						Refund: &journal.RefundData{Reason: "exchange, receipt " + orig.ReceiptNumber, Exchange: true}}})
			case orig.PaidInCash():
				st.Method, st.Paid = journal.SettleCash, money.RoundCash(-net, money.CashUnit(t.cfg.Currency))
				after = append(after, journal.Record{Kind: journal.KindDrawerOpened, Note: "exchange",
					Drawer: &journal.DrawerData{Reason: journal.DrawerRefund, Sale: sale.ID}})
			default:
				return fmt.Errorf("receipt %s was not paid", orig.ReceiptNumber)
			}
		}
		recs = append(recs, journal.Record{Kind: journal.KindExchangeSettled, Sale: sale.ID, Settle: &st,
			Note: fmt.Sprintf("exchange settled: %s (%s)", money.Format(net), st.Method)})
		if _, err := t.cfg.Journal.Append(append(recs, after...)...); err != nil {
			return t.payFailed(err)
		}
		if sale, err = t.cfg.Journal.Get(sale.ID); err != nil {
			return t.payFailed(err)
		}
		r := t.exchangeReceipt(sale)
		back := -net
		if st.Method == journal.SettleCash {
			back = st.Paid
		}
		t.update(func(sc *screen) {
			sc.exchanged = exchangeScreen{done: true, amount: back, method: st.Method}
			sc.shown = &r
			sc.receipt = sale.ReceiptNumber
			sc.basket = basket.Basket{}
			sc.customer, sc.customerInput, sc.customerErr = msisdn.Number{}, "", ""
			sc.notice = ""
		})
		t.log.Info("exchange settled", "receipt", sale.ReceiptNumber, "net", net, "method", st.Method)
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			switch st.Method {
			case journal.SettleCash:
				t.kick(journal.DrawerRefund)
			case journal.SettleVipps:
				ctx, cancel := context.WithTimeout(t.ctx, 30*time.Second)
				if err := refunds.SendRefunds(ctx, sale.ID); err != nil {
					t.log.Warn("exchange refund not confirmed yet", "receipt", sale.ReceiptNumber, "err", err)
					t.Notify(t.tr().T("The refund of the difference is not confirmed yet; Kasse sends it again (it cannot be paid twice)."))
				}
				cancel()
			}
			t.sign(sale.ID)
			t.deliverReceipt(t.ctx, sale.ID, r)
		}()
		return nil
	})
}

// exchangeKey is the idempotency key of an exchange's refund: at most 50
// characters, as the API requires.
func exchangeKey(reference string, sale uint64) string {
	k := fmt.Sprintf("%s-x%d", reference, sale)
	if len(k) <= 50 {
		return k
	}
	h := sha256.Sum256([]byte(k))
	return "x-" + hex.EncodeToString(h[:])[:40]
}

// exchangeReceipt is the receipt of a settled exchange: the returned lines
// and the new ones, and how the difference went back.
func (t *Till) exchangeReceipt(s *journal.Sale) Receipt {
	r := Receipt{
		Shop: t.cfg.Shop, Number: s.ReceiptNumber, Cashier: s.Cashier, Time: s.Settled.At, POSID: s.POSID,
		Lines: append([]basket.Line(nil), s.Basket.Lines...), Totals: s.Totals,
		Currency: s.Currency, Method: t.rtr().T("Exchange, nothing to pay"), URL: s.ReceiptURL, Printed: s.Printed, Lang: t.rtr().Lang(),
		Reference: s.Settled.Reference, Training: s.Training, Copies: s.Copies, Exchange: true,
	}
	switch s.Settled.Method {
	case journal.SettleVipps:
		r.Method = t.rtr().T("Refunded to {{.Brand}}", "Brand", t.cfg.Brand)
	case journal.SettleCash:
		r.Method = t.rtr().T("Cash, paid out")
		if d := s.Settled.Paid + s.Settled.Amount; d != 0 {
			r.Rounding = -d
		}
	}
	return r
}

// releaseAbandoned gives back the lines held by exchanges that a stop left
// unfinished (not paid, not settled, not parked, no payment in flight): the
// basket is not restored after a restart, so its returned goods may be
// refunded or exchanged again. Called once at start, after recovery.
func (t *Till) releaseAbandoned() {
	t.mu.Lock()
	onScreen := t.sale
	t.mu.Unlock()
	var recs []journal.Record
	err := t.cfg.Journal.Each(func(s *journal.Sale) bool {
		if s.ID == onScreen || s.Parked || s.Settled != nil || len(s.Basket.Returns()) == 0 ||
			capturedAttempt(s) != nil || s.PaidInCash() || len(s.Open()) > 0 {
			return true
		}
		recs = append(recs, journal.Record{Kind: journal.KindBasketCleared, Sale: s.ID, Note: "exchange left unfinished when the till stopped"})
		recs = append(recs, releases(s.ID, s.Basket, basket.Basket{})...)
		return true
	})
	if err == nil && len(recs) > 0 {
		_, err = t.cfg.Journal.Append(recs...)
	}
	if err != nil {
		t.log.Error("release unfinished exchanges", "err", err)
	}
}
