package backoffice

import (
	"errors"
	"fmt"
	"time"

	"github.com/kasse-pos/kasse/app/events"
	"github.com/kasse-pos/kasse/app/journal"
)

// XReport makes an X report (everything since the last Z report; it resets
// nothing), numbers it in the X series and stores it whole in the journal,
// before it is shown or printed.
func XReport(j *journal.Journal, h events.Header, now time.Time) (*events.Report, error) {
	rp, err := events.Build(j, journal.ReportX, h, now)
	if err != nil {
		return nil, fmt.Errorf("x report: %w", err)
	}
	rec, err := rp.Record()
	if err != nil {
		return nil, err
	}
	if _, err := j.Append(rec); err != nil {
		return nil, fmt.Errorf("x report: %w", err)
	}
	return rp, nil
}

// zRecords are the records that close a day: the Z report, numbered in the Z
// series and kept whole, and the closing itself, in one Append so there is
// never a Z without its closed day or the other way round.
func zRecords(j *journal.Journal, h events.Header, z *ZReport, next string, now time.Time) (*events.Report, []journal.Record, error) {
	rp, err := events.Build(j, journal.ReportZ, h, now)
	if err != nil {
		return nil, nil, fmt.Errorf("z report: %w", err)
	}
	rec, err := rp.Record()
	if err != nil {
		return nil, nil, err
	}
	closed := journal.Record{Kind: journal.KindDayClosed, Note: rp.Title() + " printed",
		Day: &journal.DayData{Closed: z.Day, Next: next, Report: z.Text()}}
	return rp, []journal.Record{rec, closed}, nil
}

// ErrNoSuchReport means the journal holds no report of that type and number.
var ErrNoSuchReport = errors.New("no such report in the journal")

// StoredReport is one report kept in the journal: its figures and the text
// exactly as it was printed.
type StoredReport struct {
	Seq    uint64
	Report *events.Report
	Text   string
}

// Reports lists the X and Z reports in the journal, oldest first.
func Reports(j *journal.Journal) ([]StoredReport, error) {
	var out []StoredReport
	var bad error
	err := j.EachStationRecord(1, func(r journal.Record) bool {
		if r.Kind != journal.KindReport {
			return true
		}
		rp, err := events.FromRecord(r)
		if err != nil {
			bad = err
			return false
		}
		out = append(out, StoredReport{Seq: r.Seq, Report: rp, Text: r.Report.Text})
		return true
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return out, nil
}

// Reprint finds the report of type typ ("X" or "Z") and number n, to print
// it again exactly as it was.
func Reprint(j *journal.Journal, typ string, n int) (StoredReport, error) {
	all, err := Reports(j)
	if err != nil {
		return StoredReport{}, err
	}
	for _, r := range all {
		if r.Report.Type == typ && r.Report.Number == n {
			return r, nil
		}
	}
	return StoredReport{}, fmt.Errorf("%s report %d: %w", typ, n, ErrNoSuchReport)
}
