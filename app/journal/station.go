package journal

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Training receipts and X and Z reports are numbered in series of their own,
// kept in meta beside receipt-seq.
var (
	keyTrainingSeq = []byte("training-seq")
	keyXReportSeq  = []byte("x-report-seq")
	keyZReportSeq  = []byte("z-report-seq")
)

// tillLevel reports whether records of kind k are about the cash point, not
// a sale: they are written with Sale 0 and folded by ApplyStation.
func tillLevel(k Kind) bool {
	switch k {
	case KindTillStarted, KindTillStopped, KindTillUpdated, KindReport, KindTrainingOn, KindTrainingOff, KindSettings, KindPriceLookup:
		return true
	}
	return false
}

// Report types (ReportData.Type).
const (
	ReportX = "X"
	ReportZ = "Z"
)

// series are the journal's numbering counters besides the receipt numbers,
// loaded once per Append and stored with it.
type series struct {
	training, x, z uint64
}

func loadSeries(meta *bolt.Bucket) *series {
	return &series{training: u64(meta.Get(keyTrainingSeq)), x: u64(meta.Get(keyXReportSeq)), z: u64(meta.Get(keyZReportSeq))}
}

func (s *series) nextTraining() string {
	s.training++
	return fmt.Sprintf("T%06d", s.training)
}

// report gives an X or Z report its number: the next of its series. A report
// that already carries a number must carry exactly that one (it was printed
// with it), so two reports can never share a number or leave a hole.
func (s *series) report(r *ReportData) error {
	var n *uint64
	switch r.Type {
	case ReportX:
		n = &s.x
	case ReportZ:
		n = &s.z
	default:
		return fmt.Errorf("report type %q is neither X nor Z", r.Type)
	}
	next := *n + 1
	if r.Number != 0 && uint64(r.Number) != next {
		return fmt.Errorf("%s report number %d is not the next one (%d)", r.Type, r.Number, next)
	}
	r.Number = int(next)
	*n = next
	return nil
}

func (s *series) store(meta *bolt.Bucket) error {
	for k, v := range map[string]uint64{string(keyTrainingSeq): s.training, string(keyXReportSeq): s.x, string(keyZReportSeq): s.z} {
		if err := meta.Put([]byte(k), itob(v)); err != nil {
			return err
		}
	}
	return nil
}

// Station is the cash point's own state, folded from its till-level records
// (ApplyStation): what a restart must know that belongs to no sale.
type Station struct {
	// Training says training mode is on, since TrainingSince.
	Training      bool      `json:"training"`
	TrainingSince time.Time `json:"trainingSince,omitempty"`
	// LastX and LastZ are the numbers of the newest X and Z reports, and
	// LastZSeq the sequence number of the newest Z: an X or Z report covers
	// what came after it.
	LastX    int    `json:"lastX"`
	LastZ    int    `json:"lastZ"`
	LastZSeq uint64 `json:"lastZSeq"`
	// Started is when the till program last started, and Version what it
	// said it was (the Text of its till.started).
	Started time.Time `json:"started,omitempty"`
	Version string    `json:"version,omitempty"`
	LastSeq uint64    `json:"lastSeq"`
}

// ApplyStation folds one record into the cash point's state. Records of a
// sale leave it as it is; it is the till-level counterpart of Apply.
func ApplyStation(st *Station, r Record) {
	st.LastSeq = r.Seq
	switch r.Kind {
	case KindTrainingOn:
		st.Training, st.TrainingSince = true, r.At
	case KindTrainingOff:
		st.Training, st.TrainingSince = false, time.Time{}
	case KindTillStarted:
		st.Started = r.At
		if r.Station != nil {
			st.Version = r.Station.Text
		}
	case KindReport:
		if r.Report == nil {
			return
		}
		switch r.Report.Type {
		case ReportX:
			st.LastX = r.Report.Number
		case ReportZ:
			st.LastZ, st.LastZSeq = r.Report.Number, r.Seq
		}
	}
}

// EachStationRecord calls fn for every till-level record (Sale 0) from seq
// from on, in order, until fn returns false.
func (j *Journal) EachStationRecord(from uint64, fn func(Record) bool) error {
	return j.EachRecord(from, func(r Record) bool {
		if r.Sale != 0 {
			return true
		}
		return fn(r)
	})
}

// Station folds the journal's till-level records into the cash point's state.
func (j *Journal) Station() (Station, error) {
	var st Station
	err := j.EachStationRecord(1, func(r Record) bool {
		ApplyStation(&st, r)
		return true
	})
	if err != nil {
		return Station{}, fmt.Errorf("journal: station state: %w", err)
	}
	return st, nil
}
