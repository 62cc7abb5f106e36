package checkout

import (
	"errors"
	"fmt"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/app/msisdn"
	"github.com/kasse-pos/kasse/app/payment"
)

var errBusy = errors.New("a payment is in progress; cancel it or wait for it to finish")

var errCashHeld = errors.New("cash was taken for this basket; hand it back (Return cash) before changing the basket")

// AddProduct puts one of the product with id in the basket.
func (t *Till) AddProduct(id string) error {
	p, ok := t.cfg.Catalog.ByID(id)
	if !ok {
		return i18n.M("Unknown product {{.Code}}. Check the catalog or add the item by hand.", "Code", id)
	}
	if p.PerKg {
		return fmt.Errorf("%s is sold by weight: scan the scale's label", p.Name)
	}
	return t.edit(func(b *basket.Basket) error { return b.Add(p) })
}

// SetQuantity sets a line's quantity; 0 removes it.
func (t *Till) SetQuantity(id string, q int) error {
	return t.edit(func(b *basket.Basket) error { return b.SetQuantity(id, q) })
}

// Remove drops a line.
func (t *Till) Remove(id string) error {
	return t.edit(func(b *basket.Basket) error { b.Remove(id); return nil })
}

// Clear empties the basket.
func (t *Till) Clear() error {
	return t.edit(func(b *basket.Basket) error { b.Clear(); return nil })
}

// edit changes the basket: the change is journaled (the sale opened first, if
// this is its first line) and only then shown.
func (t *Till) edit(fn func(*basket.Basket) error) error {
	return t.do(func() error {
		t.mu.Lock()
		if t.phase() == PhaseDone {
			t.startNewSaleLocked()
		}
		if !t.editable() {
			t.mu.Unlock()
			return errBusy
		}
		if t.cash.paid != 0 {
			t.mu.Unlock()
			return errCashHeld
		}
		before := t.basket.Clone()
		after := t.basket.Clone()
		err := fn(&after)
		sale := t.sale
		t.mu.Unlock()
		if err != nil {
			t.notifyErr(err)
			return err
		}
		recs := lineRecords(before, after)
		if len(recs) == 0 {
			return nil
		}
		if sale == 0 {
			recs = append([]journal.Record{t.opened()}, recs...)
		}
		for i := range recs {
			recs[i].Sale = sale
		}
		recs = append(recs, releases(sale, before, after)...) // exchange.go
		stored, err := t.cfg.Journal.Append(recs...)
		if err != nil {
			t.journalFailed(err)
			return err
		}
		t.update(func(s *screen) {
			s.basket = after
			s.sale = stored[0].Sale
			s.notice, s.unknown, s.status.Journal = "", "", ""
			if s.phase() == PhaseEnded && s.pay.Reference != "" && !s.pay.Unknown {
				s.dismissed = true
			}
		})
		return nil
	})
}

// opened is the record that starts a sale.
func (t *Till) opened() journal.Record {
	return journal.Record{Kind: journal.KindSaleOpened, Opened: &journal.Opened{POSID: t.cfg.POSID, Currency: t.cfg.Currency, Training: t.Training()}}
}

// lineRecords are the records that take a basket from before to after.
func lineRecords(before, after basket.Basket) []journal.Record {
	if len(after.Lines) == 0 && len(before.Lines) > 1 {
		return []journal.Record{{Kind: journal.KindBasketCleared, Note: fmt.Sprintf("%d lines", len(before.Lines))}}
	}
	old := map[string]basket.Line{}
	for _, l := range before.Lines {
		old[l.ProductID] = l
	}
	var recs []journal.Record
	seen := map[string]bool{}
	for _, l := range after.Lines {
		seen[l.ProductID] = true
		o, had := old[l.ProductID]
		switch {
		case !had:
			recs = append(recs, journal.Record{Kind: journal.KindLineAdded, Line: &journal.LineEdit{Line: l}})
		case o.Quantity != l.Quantity:
			recs = append(recs, journal.Record{Kind: journal.KindLineChanged, Line: &journal.LineEdit{Line: l, Before: o.Quantity}})
		}
	}
	for _, l := range before.Lines {
		if !seen[l.ProductID] {
			recs = append(recs, journal.Record{Kind: journal.KindLineRemoved, Line: &journal.LineEdit{Line: l, Before: l.Quantity}})
		}
	}
	return recs
}

// journalFailed tells the cashier the journal cannot be written; nothing that
// needed the write happened.
func (t *Till) journalFailed(err error) {
	t.log.Error("journal write failed", "err", err)
	t.update(func(s *screen) {
		s.status.Journal = err.Error()
		s.notice = i18n.Key("Could not write to the journal (is the disk full?). Nothing was changed and nothing was sent to Vipps MobilePay.")
	})
}

// SetCustomer takes the phone number the cashier typed. An invalid number is
// kept as typed with a plain message, and Pay stays off.
func (t *Till) SetCustomer(input string) error {
	t.mu.Lock()
	if !t.editable() && t.phase() != PhaseDone {
		t.mu.Unlock()
		return errBusy
	}
	t.customerInput = input
	t.customer = msisdn.Number{}
	t.customerErr = ""
	var err error
	if input != "" {
		var n msisdn.Number
		if n, err = msisdn.Parse(input, t.cfg.Market); err != nil {
			t.customerErr = err.Error()
		} else {
			t.customer = n
		}
	}
	t.mu.Unlock()
	t.changed()
	return err
}

// identify makes n the sale's customer, as if the cashier had typed it.
func (t *Till) identify(n msisdn.Number, notice string) {
	t.mu.Lock()
	if t.phase() == PhaseDone {
		t.startNewSaleLocked()
	}
	if !t.editable() {
		t.notice = errBusy.Error()
		t.mu.Unlock()
		t.changed()
		return
	}
	t.customer = n
	t.customerInput = n.String()
	t.customerErr = ""
	t.notice = notice
	t.mu.Unlock()
	t.changed()
}

// Back leaves the message of a declined, expired, cancelled or failed payment
// and returns to the basket, which is kept as it was.
func (t *Till) Back() {
	t.update(func(s *screen) {
		if s.phase() == PhaseEnded && !s.pay.Unknown {
			s.dismissed = true
		}
	})
}

// NewSale clears the finished sale and starts an empty basket. A request whose
// fate is unknown (Vipps did not answer) is withdrawn, so that it can never be
// charged with no receipt; an unpaid basket is journaled as cleared.
func (t *Till) NewSale() {
	_ = t.do(func() error {
		t.mu.Lock()
		p := t.phase()
		if p != PhaseDone && p != PhaseEnded && p != PhaseBasket {
			t.mu.Unlock()
			return errBusy
		}
		open := t.pay.Reference != "" && !t.pay.State.Final()
		ref, sale, lines, before := t.pay.Reference, t.sale, len(t.basket.Lines), t.basket.Clone()
		paid := t.pay.State == journal.StateCaptured || t.cash.done || t.exchanged.done
		held, heldAmount := t.cash.paid > 0 && !paid, t.cash.paid
		t.mu.Unlock()
		if held {
			// The customer leaves without paying the rest: the cash part
			// goes back, journaled, before the basket is dropped.
			if err := t.returnCash("", sale); err != nil {
				return err
			}
		}
		if open {
			t.engine.SetOnScreen(ref, false)
			t.engine.Send(ref, payment.Observation{Kind: payment.ObsSupersede})
		}
		if sale != 0 && !paid && lines > 0 {
			recs := append([]journal.Record{{Kind: journal.KindBasketCleared, Sale: sale, Note: "new sale"}}, releases(sale, before, basket.Basket{})...)
			if _, err := t.cfg.Journal.Append(recs...); err != nil {
				t.journalFailed(err)
				return err
			}
		}
		t.update(func(s *screen) {
			t.startNewSaleLocked()
			if held {
				s.notice = t.tr().T("Hand back {{.Amount}} in cash.", "Amount", money.FormatCurrency(heldAmount, t.cfg.Currency))
			}
		})
		return nil
	})
}

// startNewSaleLocked empties the screen for the next customer; t.mu is held.
func (t *Till) startNewSaleLocked() {
	s := &t.screen
	s.basket = basket.Basket{}
	s.sale, s.receipt = 0, ""
	s.pay = payment.Snapshot{}
	s.sent, s.deadline = timeZero, timeZero
	s.dismissed = false
	s.shown = nil
	s.notice = ""
	s.customer, s.customerInput, s.customerErr = msisdn.Number{}, "", ""
	s.cash = cashScreen{}
	s.exchanged = exchangeScreen{}
}
