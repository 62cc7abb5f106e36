package checkout

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/app/msisdn"
)

// Parked is a basket put aside while the till serves the next customer. It
// stays in the journal as its sale, so it survives a restart.
type Parked struct {
	Sale     uint64
	At       time.Time // when it was parked
	Items    int       // how many items (quantities summed)
	Total    int64
	Currency string
	Customer string // masked, if the customer was identified
	// Summary names the first lines, so the cashier knows whose it is.
	Summary string
}

// ErrBasketNotEmpty: a parked basket is recalled onto an empty basket only;
// park or clear the one on screen first.
var ErrBasketNotEmpty = errors.New("the basket on screen is not empty: park it or clear it first")

// Why a basket cannot be parked.
var (
	errParkPaid    = errors.New("this sale is paid; there is nothing to park")
	errParkEmpty   = errors.New("the basket is empty: there is nothing to park")
	errParkUnknown = errors.New("Vipps MobilePay has not answered about this basket's payment yet; retry it or start a new sale before parking")
)

// canPark says why the basket on screen cannot be parked now, or nil; the
// screen's lock is held.
func (s *screen) canPark() error {
	switch {
	case s.phase() == PhaseDone:
		return errParkPaid
	case !s.editable():
		return errBusy
	case s.basket.Empty():
		return errParkEmpty
	case s.pay.Reference != "" && !s.pay.State.Final():
		// Vipps did not answer about the last request: it could still be
		// approved, so the basket stays until Retry or New sale settles it.
		return errParkUnknown
	}
	return nil
}

// Park puts the basket on screen (with its customer) aside, journaled, and
// empties the screen for the next customer. Only a basket with no payment in
// flight can be parked.
func (t *Till) Park() error {
	return t.do(func() error {
		t.mu.Lock()
		err := t.canPark()
		b, customer, id := t.basket.Clone(), t.customer, t.sale
		t.mu.Unlock()
		if err != nil {
			return err
		}
		var recs []journal.Record
		var sale *journal.Sale
		if id != 0 {
			if sale, err = t.cfg.Journal.Get(id); err != nil {
				return fmt.Errorf("park: %w", err)
			}
		} else {
			recs = append(recs, t.opened())
			recs = append(recs, lineRecords(basket.Basket{}, b)...)
		}
		if (sale == nil && !customer.IsZero()) || (sale != nil && sale.Customer != customer.MSISDN()) {
			c := &journal.CustomerData{}
			if !customer.IsZero() {
				c.MSISDN, c.Masked = customer.MSISDN(), customer.Masked()
			}
			recs = append(recs, journal.Record{Kind: journal.KindCustomer, Sale: id, Customer: c})
		}
		tot := b.Totals()
		recs = append(recs, journal.Record{Kind: journal.KindParked, Sale: id,
			Note: fmt.Sprintf("%d lines, %s", len(b.Lines), money.Format(tot.Gross))})
		stored, err := t.cfg.Journal.Append(recs...)
		if err != nil {
			t.journalFailed(err)
			return err
		}
		last := stored[len(stored)-1]
		s, err := t.cfg.Journal.Get(last.Sale)
		if err != nil {
			return fmt.Errorf("park: %w", err)
		}
		p := parkedOf(s, last.At)
		t.update(func(sc *screen) {
			sc.parked = append(sc.parked, p)
			t.startNewSaleLocked()
			sc.notice = t.tr().T("Basket parked: {{.Summary}}. Recall it from Parked when the customer is back.", "Summary", p.Summary)
		})
		t.log.Info("basket parked", "sale", s.ID, "total", tot.Gross)
		return nil
	})
}

// Recall puts a parked basket back on screen, with its customer, to be
// changed and paid like any other. The basket on screen must be empty.
func (t *Till) Recall(saleID uint64) error {
	return t.do(func() error {
		t.mu.Lock()
		if t.phase() == PhaseDone {
			t.startNewSaleLocked()
		}
		busy := !t.editable() || (t.pay.Reference != "" && !t.pay.State.Final())
		empty := t.basket.Empty()
		known := slices.ContainsFunc(t.parked, func(p Parked) bool { return p.Sale == saleID })
		t.mu.Unlock()
		switch {
		case busy:
			return errBusy
		case !empty:
			return ErrBasketNotEmpty
		case !known:
			return errors.New("that basket is no longer parked")
		}
		s, err := t.cfg.Journal.Get(saleID)
		if err != nil {
			return fmt.Errorf("recall: %w", err)
		}
		if !s.Parked {
			return errors.New("that basket is no longer parked")
		}
		if _, err := t.cfg.Journal.Append(journal.Record{Kind: journal.KindRecalled, Sale: saleID}); err != nil {
			t.journalFailed(err)
			return err
		}
		n, _ := msisdn.FromMSISDN(s.Customer)
		t.update(func(sc *screen) {
			t.startNewSaleLocked()
			sc.parked = slices.DeleteFunc(sc.parked, func(p Parked) bool { return p.Sale == saleID })
			sc.sale, sc.receipt = s.ID, s.ReceiptNumber
			sc.basket = s.Basket.Clone()
			if !n.IsZero() {
				sc.customer, sc.customerInput = n, n.String()
			}
		})
		return nil
	})
}

// Drop gives a parked basket up (the customer did not come back), journaled
// with the reason; the sale stays in the history as dropped.
func (t *Till) Drop(saleID uint64, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		reason = "dropped by the cashier"
	}
	return t.do(func() error {
		t.mu.Lock()
		known := slices.ContainsFunc(t.parked, func(p Parked) bool { return p.Sale == saleID })
		t.mu.Unlock()
		if !known {
			return errors.New("that basket is no longer parked")
		}
		recs := []journal.Record{{Kind: journal.KindDropped, Sale: saleID, Note: reason}}
		if s, err := t.cfg.Journal.Get(saleID); err == nil {
			recs = append(recs, releases(saleID, s.Basket, basket.Basket{})...) // exchange.go
		}
		if _, err := t.cfg.Journal.Append(recs...); err != nil {
			t.journalFailed(err)
			return err
		}
		t.update(func(sc *screen) {
			sc.parked = slices.DeleteFunc(sc.parked, func(p Parked) bool { return p.Sale == saleID })
		})
		return nil
	})
}

// parkedOf describes a parked sale.
func parkedOf(s *journal.Sale, at time.Time) Parked {
	p := Parked{Sale: s.ID, At: at, Total: s.Basket.Totals().Gross, Currency: s.Currency, Customer: s.CustomerMasked}
	var names []string
	for _, l := range s.Basket.Lines {
		p.Items += l.Quantity
		if len(names) < 2 {
			names = append(names, l.Name)
		}
	}
	p.Summary = strings.Join(names, ", ")
	if len(s.Basket.Lines) > len(names) {
		p.Summary += fmt.Sprintf(" and %d more", len(s.Basket.Lines)-len(names))
	}
	p.Summary += " (" + money.FormatCurrency(p.Total, s.Currency) + ")"
	return p
}

// remember reads what the journal keeps for the till across restarts: the
// parked baskets and whether Vipps refused push requests for the sales unit.
func (t *Till) remember() error {
	var parked []Parked
	var again []journal.Record
	err := t.cfg.Journal.Each(func(s *journal.Sale) bool {
		if s.Recalled && !s.Basket.Empty() && len(s.Open()) == 0 && capturedAttempt(s) == nil {
			// Recalled, then the till stopped before it was paid or
			// cleared: the customer may still be at the counter.
			again = append(again, journal.Record{Kind: journal.KindParked, Sale: s.ID, Note: "parked again after a restart"})
		}
		if s.Parked {
			parked = append(parked, parkedOf(s, s.Created))
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("read parked baskets: %w", err)
	}
	if len(again) > 0 {
		// Without the journal the baskets stay in the history only; the
		// till still starts.
		stored, err := t.cfg.Journal.Append(again...)
		if err != nil {
			t.log.Error("park recalled baskets again", "err", err)
		}
		for _, r := range stored {
			if s, err := t.cfg.Journal.Get(r.Sale); err == nil {
				parked = append(parked, parkedOf(s, r.At))
			}
		}
	}
	for i, p := range parked {
		recs, err := t.cfg.Journal.Records(p.Sale)
		if err != nil {
			return fmt.Errorf("read parked baskets: %w", err)
		}
		for _, r := range recs {
			if r.Kind == journal.KindParked {
				parked[i].At = r.At
			}
		}
	}
	// Oldest parked first, as they were put aside.
	slices.SortStableFunc(parked, func(a, b Parked) int { return a.At.Compare(b.At) })
	t.parked = parked
	refused, err := t.cfg.Journal.Setting(pushSetting(t.cfg.SalesUnit))
	if err != nil {
		return err
	}
	t.pushOff = refused != ""
	return nil
}

// TryPushAgain forgets that Vipps refused push requests for the sales unit
// (5080), journaled, for when the shop has been approved for them since: Pay
// sends requests to phones again, and a new refusal is remembered again.
func (t *Till) TryPushAgain() error {
	return t.do(func() error {
		if _, err := t.cfg.Journal.Append(journal.Record{Kind: journal.KindSetting, Note: "push requests tried again",
			Setting: &journal.SettingData{Name: pushSetting(t.cfg.SalesUnit)}}); err != nil {
			t.journalFailed(err)
			return err
		}
		t.update(func(s *screen) { s.pushOff = false })
		return nil
	})
}
