package checkout_test

import (
	"testing"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/journal"
)

// Training mode switches only between sales, is journaled, and lasts across
// a restart; a price look-up is journaled and leaves the basket alone.
func TestTrainingModeAndPriceLookUp(t *testing.T) {
	r := newRig(t, false)
	r.Fill("912 34 567", "P025")
	if err := r.Till.SetTraining(true); err == nil {
		t.Fatal("training switched on with a basket on screen")
	}
	if _, err := r.Till.LookUpPrice("P001"); err != nil {
		t.Fatal(err)
	}
	if v := r.Till.View(); len(v.Lines) != 1 || v.Lines[0].ProductID != "P025" {
		t.Errorf("the look-up changed the basket: %+v", v.Lines)
	}
	if err := r.Till.Clear(); err != nil {
		t.Fatal(err)
	}
	r.Till.NewSale()
	if err := r.Till.SetTraining(true); err != nil {
		t.Fatal(err)
	}
	if !r.Till.View().Training {
		t.Error("the view does not say training")
	}
	r.Restart()
	if !r.Till.Training() {
		t.Error("training mode was lost on restart")
	}
	if err := r.Till.SetTraining(false); err != nil {
		t.Fatal(err)
	}
	kinds := map[journal.Kind]int{}
	var lookup *journal.StationData
	_ = r.Station.Journal.EachStationRecord(1, func(rec journal.Record) bool {
		kinds[rec.Kind]++
		if rec.Kind == journal.KindPriceLookup {
			lookup = rec.Station
		}
		return true
	})
	if kinds[journal.KindTrainingOn] != 1 || kinds[journal.KindTrainingOff] != 1 || kinds[journal.KindTillStarted] != 2 || kinds[journal.KindTillStopped] != 1 {
		t.Errorf("till records %v", kinds)
	}
	if lookup == nil || lookup.ProductID != "P001" || lookup.Amount != 3200 || lookup.VAT != 1500 {
		t.Errorf("price look-up journaled as %+v", lookup)
	}
	if _, err := r.Till.LookUpPrice("nope"); err == nil {
		t.Error("an unknown product's price was looked up")
	}
	if !checkout.IsTrainingReference("kasse-1-abc234-T000001-1") || checkout.IsTrainingReference("kasse-T1-abc234-000001-1") {
		t.Error("IsTrainingReference")
	}
}
