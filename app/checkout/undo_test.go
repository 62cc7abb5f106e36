package checkout

import (
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/journal"
)

func TestLastRemoval(t *testing.T) {
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	a := basket.Line{ProductID: "A", Name: "A", UnitPrice: 100, Quantity: 2}
	b := basket.Line{ProductID: "B", Name: "B", UnitPrice: 200, Quantity: 1}
	rec := func(k journal.Kind, l *basket.Line, sec int) journal.Record {
		r := journal.Record{Kind: k, At: at.Add(time.Duration(sec) * time.Second)}
		if l != nil {
			r.Line = &journal.LineEdit{Line: *l}
		}
		return r
	}
	added := []journal.Record{rec(journal.KindLineAdded, &a, 0), rec(journal.KindLineAdded, &b, 1)}
	for name, c := range map[string]struct {
		recs []journal.Record
		now  int
		want []string
	}{
		"removed":           {append(added[:2:2], rec(journal.KindLineRemoved, &b, 2)), 5, []string{"B"}},
		"cleared":           {append(added[:2:2], rec(journal.KindBasketCleared, nil, 2)), 5, []string{"A", "B"}},
		"too late":          {append(added[:2:2], rec(journal.KindLineRemoved, &b, 2)), 2 + int(UndoWindow/time.Second) + 1, nil},
		"added after":       {append(added[:2:2], rec(journal.KindLineRemoved, &b, 2), rec(journal.KindLineAdded, &b, 3)), 4, nil},
		"nothing removed":   {added, 2, nil},
		"undone then again": {append(added[:2:2], rec(journal.KindLineRemoved, &a, 2), rec(journal.KindLineAdded, &a, 3), rec(journal.KindBasketCleared, nil, 4)), 5, []string{"B", "A"}},
	} {
		got, ok := lastRemoval(c.recs, at.Add(time.Duration(c.now)*time.Second))
		var ids []string
		for _, l := range got {
			ids = append(ids, l.ProductID)
		}
		if ok != (c.want != nil) || len(ids) != len(c.want) {
			t.Errorf("%s: got %v (%v), want %v", name, ids, ok, c.want)
			continue
		}
		for i := range ids {
			if ids[i] != c.want[i] {
				t.Errorf("%s: got %v, want %v", name, ids, c.want)
			}
		}
		if name == "removed" && got[0].Quantity != 1 || name == "cleared" && got[0].Quantity != 2 {
			t.Errorf("%s: quantities lost: %+v", name, got)
		}
	}
}
