package station_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kasse-pos/kasse/app/demo/demotest"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/station"
)

// A till whose journal file is empty or cut short refuses to start with a
// plain error, and leaves the file as it found it: it never starts afresh with
// a new till id and receipt numbers from 000001.
func TestDamagedJournalStopsTheTillAndIsKept(t *testing.T) {
	r := demotest.Start(t, demotest.Options{})
	r.Fill("912 34 567", "P001")
	saleID, wantTill := uint64(0), r.Station.Journal.TillID()
	_ = r.Station.Journal.Each(func(s *journal.Sale) bool { saleID = s.ID; return false })
	r.Station.Close()
	path := filepath.Join(r.Config.DataDir, "kasse.db")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{0, 100, 4096, 8192, 12288, len(good) / 2, len(good) - 1} {
		if size > len(good) {
			continue
		}
		if err := os.WriteFile(path, good[:size], 0o600); err != nil {
			t.Fatal(err)
		}
		st, err := station.Start(context.Background(), r.Config, station.Options{Logger: demotest.Quiet})
		if err == nil {
			// Only the unused tail of the file was cut (bbolt grows its file
			// ahead of need): then every record must still be there.
			s, gerr := st.Journal.Get(saleID)
			tillID := st.Journal.TillID()
			st.Close()
			if gerr != nil || len(s.Basket.Lines) != 1 || tillID != wantTill {
				t.Errorf("a journal cut to %d bytes was opened without its sale (%v) or as another till (%s)", size, gerr, tillID)
			}
			continue
		}
		if !errors.Is(err, journal.ErrCorrupt) {
			t.Errorf("cut to %d bytes: %v; want the journal named as damaged", size, err)
		}
		if now, _ := os.ReadFile(path); !bytes.Equal(now, good[:size]) {
			t.Errorf("cut to %d bytes: the file was changed (%d bytes now)", size, len(now))
		}
	}
}
