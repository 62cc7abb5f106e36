package checkout

import (
	"errors"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/journal"
)

// UndoWindow is how long after removing a line or clearing the basket the
// cashier can take it back.
const UndoWindow = 10 * time.Second

// ErrNothingToUndo says the last change of the basket was not a removal, or
// it is older than UndoWindow.
var ErrNothingToUndo = errors.New("nothing to undo")

// Undo puts back the line the cashier last removed, or the basket the cashier
// last cleared, if that was the basket's last change and at most UndoWindow
// ago. It reads what was removed from the sale's journal and adds it again
// through the ordinary edit path, so the undo is itself a new line record:
// nothing in the journal is deleted.
func (t *Till) Undo() error {
	t.mu.Lock()
	sale, editable := t.sale, t.editable()
	t.mu.Unlock()
	if sale == 0 || !editable {
		return ErrNothingToUndo
	}
	recs, err := t.cfg.Journal.Records(sale)
	if err != nil {
		return err
	}
	lost, ok := lastRemoval(recs, t.cfg.Now())
	if !ok {
		return ErrNothingToUndo
	}
	return t.edit(func(b *basket.Basket) error {
		have := map[string]bool{}
		for _, l := range b.Lines {
			have[l.ProductID] = true
		}
		for _, l := range lost {
			// A returned line was released when it was taken out; it comes
			// back only through Exchange, which holds it again.
			if !have[l.ProductID] && l.Return == nil {
				b.Lines = append(b.Lines, l)
			}
		}
		return nil
	})
}

// lastRemoval folds a sale's line records and returns the lines its last
// basket change took away, if that change was a removal or a clear made
// within UndoWindow before now.
func lastRemoval(recs []journal.Record, now time.Time) ([]basket.Line, bool) {
	var lines []basket.Line
	var lost []basket.Line
	var at time.Time
	for _, r := range recs {
		switch r.Kind {
		case journal.KindLineAdded, journal.KindLineChanged:
			if r.Line == nil {
				continue
			}
			lost = nil
			replaced := false
			for i := range lines {
				if lines[i].ProductID == r.Line.Line.ProductID {
					lines[i], replaced = r.Line.Line, true
				}
			}
			if !replaced {
				lines = append(lines, r.Line.Line)
			}
		case journal.KindLineRemoved:
			if r.Line == nil {
				continue
			}
			kept := lines[:0:0]
			for _, l := range lines {
				if l.ProductID == r.Line.Line.ProductID {
					continue
				}
				kept = append(kept, l)
			}
			lines = kept
			// Removals journaled together (one edit) are undone together.
			if at.Equal(r.At) && lost != nil {
				lost = append(lost, r.Line.Line)
			} else {
				lost = []basket.Line{r.Line.Line}
			}
			at = r.At
		case journal.KindBasketCleared:
			if len(lines) > 0 {
				lost, at = lines, r.At
			}
			lines = nil
		}
	}
	if len(lost) == 0 || now.Sub(at) > UndoWindow {
		return nil, false
	}
	return lost, true
}
