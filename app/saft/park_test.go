package saft

import (
	"strings"
	"testing"

	"github.com/kasse-pos/kasse/app/events"
	"github.com/kasse-pos/kasse/app/journal"
)

// Parking, recalling and dropping a basket are the register's suspend (13010),
// resume (13011) and an own event, in a file that validates.
func TestParkedBasketsAreEvents(t *testing.T) {
	dir := t.TempDir()
	j := openJournal(t, dir)
	for _, end := range []journal.Record{{Kind: journal.KindRecalled}, {Kind: journal.KindDropped, Note: "kunden kom ikke tilbake"}} {
		out := must(t, j, journal.Record{Kind: journal.KindSaleOpened, Opened: &journal.Opened{POSID: "KASSE-1", Currency: "NOK"}},
			journal.Record{Kind: journal.KindLineAdded, Line: &journal.LineEdit{Line: bread}},
			journal.Record{Kind: journal.KindParked})
		end.Sale = out[0].Sale
		must(t, j, end)
	}
	af, _ := exportDay(t, j, dir)
	var types []string
	for _, e := range af.Company.Locations[0].CashRegisters[0].Events {
		types = append(types, e.EventType)
		if e.EventType == events.EventParkDrop.ID && !strings.Contains(e.EventText, "kunden kom ikke tilbake") {
			t.Errorf("drop event text %q", e.EventText)
		}
	}
	if got, want := strings.Join(types, " "), "PARK RESUME PARK PARKDROP"; got != want {
		t.Errorf("events %s, want %s", got, want)
	}
}
