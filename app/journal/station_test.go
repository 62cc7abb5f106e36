package journal

import (
	"path/filepath"
	"testing"
	"time"
)

// Till-level records belong to no sale, fold into the cash point's state, and
// X and Z reports are numbered in series of their own with no hole.
func TestStationRecordsAndReportNumbers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kasse.db")
	j, err := Open(path, Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { j.Close() }()
	rep := func(typ string, n int) Record {
		return Record{Kind: KindReport, Report: &ReportData{Type: typ, Number: n, Text: typ}}
	}
	out, err := j.Append(Record{Kind: KindTillStarted, Station: &StationData{Text: "Kasse test"}}, Record{Kind: KindTrainingOn},
		rep(ReportX, 0), rep(ReportX, 0), rep(ReportZ, 0))
	if err != nil {
		t.Fatal(err)
	}
	if out[2].Report.Number != 1 || out[3].Report.Number != 2 || out[4].Report.Number != 1 {
		t.Errorf("numbers X %d, %d, Z %d; want 1, 2, 1", out[2].Report.Number, out[3].Report.Number, out[4].Report.Number)
	}
	for _, r := range out {
		if r.Sale != 0 {
			t.Errorf("%s got sale %d", r.Kind, r.Sale)
		}
	}
	for name, r := range map[string]Record{
		"a repeated number": rep(ReportZ, 1), "a skipped number": rep(ReportX, 4), "no type": rep("Y", 0),
		"no payload": {Kind: KindPriceLookup}, "about a sale": {Kind: KindTrainingOff, Sale: 1},
	} {
		if _, err := j.Append(r); err == nil {
			t.Errorf("%s was appended", name)
		}
	}
	// Reopened, the state is folded again from the records.
	j.Close()
	if j, err = Open(path, Options{Timeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	st, err := j.Station()
	if err != nil {
		t.Fatal(err)
	}
	if !st.Training || st.LastX != 2 || st.LastZ != 1 || st.LastZSeq != out[4].Seq || st.Started.IsZero() {
		t.Errorf("station state %+v", st)
	}
	out, err = j.Append(rep(ReportZ, 2), Record{Kind: KindTrainingOff})
	if err != nil || out[0].Report.Number != 2 {
		t.Fatalf("next Z: %v %+v", err, out)
	}
	if st, _ = j.Station(); st.Training || st.LastZ != 2 {
		t.Errorf("after training off and Z 2: %+v", st)
	}
	// Training receipts have their own series; the receipt numbers go on.
	s, err := j.Append(Record{Kind: KindSaleOpened, Opened: &Opened{Training: true}}, Record{Kind: KindSaleNumbered, Numbered: &Numbered{Training: true}},
		Record{Kind: KindSaleOpened, Opened: &Opened{}}, Record{Kind: KindSaleNumbered, Numbered: &Numbered{}})
	if err != nil {
		t.Fatal(err)
	}
	if s[1].Numbered.Number != "T000001" || s[3].Numbered.Number != "000001" {
		t.Errorf("numbers %s and %s", s[1].Numbered.Number, s[3].Numbered.Number)
	}
	if sale, _ := j.Get(s[0].Sale); !sale.Training {
		t.Error("the training sale is not marked")
	}
}
