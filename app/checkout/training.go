package checkout

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
)

// Training reports whether the till is in training mode: its sales are
// marked, numbered in their own series ("T000001"), kept out of the sales
// totals and paid on the built-in simulator, never with real money.
func (t *Till) Training() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.training
}

var errTrainingBusy = errors.New("finish or clear the sale on screen before switching training mode")

// SetTraining switches training mode on or off. The switch is journaled
// (training.on / training.off) before it takes effect, and only between
// sales, so a sale is wholly training or wholly real.
func (t *Till) SetTraining(on bool) error {
	return t.do(func() error {
		t.mu.Lock()
		p := t.phase()
		busy := !t.basket.Empty() || (p != PhaseBasket && p != PhaseDone && p != PhaseEnded)
		same := t.training == on
		t.mu.Unlock()
		if same {
			return nil
		}
		if busy {
			return errTrainingBusy
		}
		kind := journal.KindTrainingOff
		if on {
			kind = journal.KindTrainingOn
		}
		if _, err := t.cfg.Journal.Append(journal.Record{Kind: kind}); err != nil {
			t.journalFailed(err)
			return err
		}
		t.update(func(s *screen) {
			if s.phase() == PhaseDone || s.phase() == PhaseEnded {
				t.startNewSaleLocked()
			}
			t.training = on
			s.notice = "Training mode is off: sales are real again."
			if on {
				s.notice = "Training mode is on: sales are not real and are paid on the simulator."
			}
		})
		return nil
	})
}

// IsTrainingReference reports whether a payment reference belongs to a
// training sale: its receipt number (the part before the attempt number) is
// from the training series.
func IsTrainingReference(ref string) bool {
	parts := strings.Split(ref, "-")
	if len(parts) < 3 {
		return false
	}
	return strings.HasPrefix(parts[len(parts)-2], "T")
}

// LookUpPrice shows a product's price without selling it, and journals the
// look-up (price.lookup): the rules count price look-ups per product group.
func (t *Till) LookUpPrice(id string) (catalog.Product, error) {
	p, ok := t.cfg.Catalog.ByID(id)
	if !ok {
		return catalog.Product{}, fmt.Errorf("unknown product %s", id)
	}
	rec := journal.Record{Kind: journal.KindPriceLookup, Station: &journal.StationData{
		ProductID: p.ID, Name: p.Name, VAT: p.VATRate, Amount: p.Price}}
	if _, err := t.cfg.Journal.Append(rec); err != nil {
		t.journalFailed(err)
		return catalog.Product{}, err
	}
	t.Notify(t.tr().T("Price of {{.Name}}: {{.Price}} (not added to the basket).", "Name", p.Name, "Price", money.FormatCurrency(p.Price, t.cfg.Currency)))
	return p, nil
}
