package checkout

import (
	"errors"
	"strconv"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/scan"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// Actions the permission hook (Config.Allowed) is asked about.
const (
	// ActionDiscount: give or take away a discount on a line or the basket.
	ActionDiscount = "discount"
	// ActionReprice: set a line's unit price by hand (a manager's override).
	ActionReprice = "price-override"
)

// ErrNotAllowed says the cashier signed in may not do this.
var ErrNotAllowed = errors.New("you may not do this; ask a manager")

// allowed asks Config.Allowed, and allows everything when it is not set.
func (t *Till) allowed(action string) error {
	if t.cfg.Allowed == nil || t.cfg.Allowed(action) {
		return nil
	}
	return ErrNotAllowed
}

// DiscountLine gives the line of productID a discount (a percentage or an
// amount, with a reason); nil takes its discount away. It is journaled as
// line.discounted before the basket shows it.
func (t *Till) DiscountLine(productID string, off *basket.Off) error {
	if err := t.allowed(ActionDiscount); err != nil {
		return err
	}
	return t.adjust(func(b *basket.Basket) (journal.Record, error) {
		if err := b.SetDiscount(productID, off); err != nil {
			return journal.Record{}, err
		}
		return journal.Record{Kind: journal.KindLineDiscounted, Line: &journal.LineEdit{Line: lineOf(b, productID)}, Note: offNote(off)}, nil
	})
}

// DiscountBasket gives the whole basket a discount, shared over its lines on
// the receipt; nil takes it away. It is journaled as basket.discounted.
func (t *Till) DiscountBasket(off *basket.Off) error {
	if err := t.allowed(ActionDiscount); err != nil {
		return err
	}
	return t.adjust(func(b *basket.Basket) (journal.Record, error) {
		if b.Empty() {
			return journal.Record{}, errors.New("the basket is empty")
		}
		if err := b.SetBasketDiscount(off); err != nil {
			return journal.Record{}, err
		}
		d := basket.Off{}
		if off != nil {
			d = *off
		}
		return journal.Record{Kind: journal.KindBasketDiscounted, Discount: &d, Note: offNote(off)}, nil
	})
}

// SetPrice sets the unit price of the line of productID (incl. VAT, minor
// units) with a reason: a manager's price override, journaled as
// line.repriced with the price it had.
func (t *Till) SetPrice(productID string, price int64, reason string) error {
	if err := t.allowed(ActionReprice); err != nil {
		return err
	}
	if price > maxOpenPrice {
		return errors.New("that price is more than 100 000,00; check it")
	}
	return t.adjust(func(b *basket.Basket) (journal.Record, error) {
		if err := b.SetPrice(productID, price, reason, ""); err != nil {
			return journal.Record{}, err
		}
		return journal.Record{Kind: journal.KindLineRepriced, Line: &journal.LineEdit{Line: lineOf(b, productID)}, Note: reason}, nil
	})
}

func lineOf(b *basket.Basket, productID string) basket.Line {
	for _, l := range b.Lines {
		if l.ProductID == productID {
			return l
		}
	}
	return basket.Line{}
}

func offNote(o *basket.Off) string {
	if o == nil {
		return "discount taken away"
	}
	return o.Reason
}

// adjust changes the basket of a journaled sale by fn and journals the one
// record fn returns before the screen shows the change, as edit does.
func (t *Till) adjust(fn func(*basket.Basket) (journal.Record, error)) error {
	return t.do(func() error {
		t.mu.Lock()
		if !t.editable() || t.phase() == PhaseDone {
			t.mu.Unlock()
			return errBusy
		}
		after := t.basket.Clone()
		sale := t.sale
		rec, err := fn(&after)
		t.mu.Unlock()
		if err == nil && sale == 0 {
			err = errors.New("the basket is empty")
		}
		if err != nil {
			t.notifyRefused(err)
			return err
		}
		rec.Sale = sale
		if _, err := t.cfg.Journal.Append(rec); err != nil {
			t.journalFailed(err)
			return err
		}
		t.update(func(s *screen) {
			s.basket = after
			s.notice, s.unknown, s.status.Journal = "", "", ""
			if s.phase() == PhaseEnded && s.pay.Reference != "" && !s.pay.Unknown {
				s.dismissed = true
			}
		})
		return nil
	})
}

// addInStore puts a scale's or price labeller's barcode in the basket: the
// product found by its item code, as a line of its own, weighed (the price
// per kilogram times the weight, see basket.Line.Gross) or at the price the
// label carries.
func (t *Till) addInStore(code string, e scan.Embedded) {
	p, ok := t.cfg.Catalog.ByPLU(e.Item)
	if !ok {
		t.update(func(s *screen) {
			s.notice = t.tr().T("Unknown item {{.Item}} on an in-store barcode ({{.Code}}). Check the catalog or add the item by hand.", "Item", e.Item, "Code", code)
			s.unknown = code
		})
		return
	}
	l := basket.Line{ProductID: p.ID, Name: p.Name, EAN: code, VATRate: p.VATRate, Quantity: 1}
	switch {
	case e.Weight && !p.PerKg:
		t.Notify(t.tr().T("{{.Name}} is not sold by weight, but the barcode carries a weight. Check the scale's item code.", "Name", p.Name))
		return
	case e.Weight:
		if e.Value <= 0 {
			t.Notify(t.tr().T("The label of {{.Name}} says 0 g. Weigh it again.", "Name", p.Name))
			return
		}
		l.UnitPrice, l.Grams = p.Price, int(e.Value)
	default:
		// A price label: its price is the item's, even for a product priced
		// per kg (the labeller weighed it).
		l.UnitPrice = e.Value
	}
	if l.Gross() <= 0 {
		t.Notify(t.tr().T("The label of {{.Name}} carries no price. Check the label.", "Name", p.Name))
		return
	}
	if err := t.edit(func(b *basket.Basket) error { b.AddLine(l); return nil }); err != nil {
		t.notifyRefused(err)
	}
}

// orderLine is one basket line of a settled basket as the ePayment receipt
// carries it: totalAmount is what the customer pays for it (tax included,
// discount taken off), discount what was taken off, and unitInfo the price
// before the discount per piece or per kilogram.
func orderLine(l basket.Line) epayment.OrderLine {
	net, vat := l.Split()
	ol := epayment.OrderLine{
		Name:                    l.Name,
		ID:                      l.ProductID,
		TotalAmount:             l.Total(),
		TotalAmountExcludingTax: net,
		TotalTaxAmount:          vat,
		Discount:                l.Discount(),
		UnitInfo:                &epayment.UnitInfo{UnitPrice: l.UnitPrice, Quantity: l.QuantityString(), QuantityUnit: l.QuantityUnit()},
	}
	ol.SetTax(int(l.VATRate)) // taxRate for 25.5 %, which taxPercentage cannot say
	if l.Return != nil {
		// The receipt schema's return line: positive amounts, isReturn.
		ol.TotalAmount, ol.TotalAmountExcludingTax, ol.TotalTaxAmount = -ol.TotalAmount, -net, -vat
		ol.Discount, ol.IsReturn = 0, true
		ol.UnitInfo.Quantity = strconv.Itoa(-l.Quantity)
	}
	return ol
}
