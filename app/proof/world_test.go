package proof

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/demo"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/station"
	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/sim"
)

// Phones of the simulated customer (by last digit).
const (
	phoneApproves = "91234567"
	phoneDeclines = "91234560"
	phoneSilent   = "91234569" // never answers
)

// world is one shop: the simulator and the relay in this process, which
// outlive every till process started over the same data folder.
type world struct {
	t      testing.TB
	demo   *demo.Demo
	cfg    station.Config
	dir    string
	starts int
	faults *faultLog
}

func newWorld(t testing.TB) *world {
	t.Helper()
	dir := t.TempDir()
	fl := &faultLog{delivered: map[string]int{}}
	d, err := demo.Start(context.Background(), demo.Options{
		DataDir: dir, ApproveDelay: 100 * time.Millisecond, ExpireAfter: 2 * time.Minute,
		Logger: slog.New(fl),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	cfg := d.Config
	cfg.EventGrace = station.Duration(time.Second)
	cfg.PollInterval = station.Duration(200 * time.Millisecond)
	return &world{t: t, demo: d, cfg: cfg, dir: dir, faults: fl}
}

// books is what a store owner checks after the day: the simulator's ledger
// (Vipps' side) against the till's journal.
type books struct {
	Sales, Payments, Captured, Ended, Refunds int
	// These must stay 0.
	Double, Left, NoReceipt, RefundsDoubled, RefundsLost int
	Problems                                             []string
}

func (b *books) problem(format string, args ...any) {
	b.Problems = append(b.Problems, fmt.Sprintf(format, args...))
}

// audit reads the ledger and the journal (no till process may be running).
func (w *world) audit() books {
	w.t.Helper()
	var b books
	ledger := map[string]sim.LedgerEntry{}
	for _, e := range w.demo.Sim.Ledger() {
		ledger[e.Reference] = e
		b.Payments++
		agg := e.Aggregate
		switch {
		case e.Captures > 1 || agg.CapturedAmount.Value > e.Amount.Value:
			b.Double++
			b.problem("%s charged twice: %d captures, %d of %d", e.Reference, e.Captures, agg.CapturedAmount.Value, e.Amount.Value)
		case e.Captures == 1 && agg.CapturedAmount.Value != e.Amount.Value:
			b.problem("%s captured %d of %d", e.Reference, agg.CapturedAmount.Value, e.Amount.Value)
		case e.Captures == 1:
			b.Captured++
		case e.State == epayment.StateCreated:
			b.problem("%s still waits on the customer's phone", e.Reference)
		default:
			b.Ended++
		}
		if e.Outstanding() != 0 {
			b.Left++
			b.problem("%s left authorized: %d outstanding (state %s)", e.Reference, e.Outstanding(), e.State)
		}
	}
	j, err := journal.Open(filepath.Join(w.dir, "kasse.db"), journal.Options{Timeout: 2 * time.Second})
	if err != nil {
		w.t.Fatalf("open journal: %v", err)
	}
	defer j.Close()
	un, err := j.Unfinished()
	if err != nil {
		w.t.Fatal(err)
	}
	for _, s := range un {
		for _, a := range s.Open() {
			b.problem("journal: %s still %s", a.Reference, a.State)
		}
	}
	inJournal := map[string]bool{}
	err = j.Each(func(s *journal.Sale) bool {
		b.Sales++
		charged := 0
		for _, a := range s.Attempts {
			inJournal[a.Reference] = true
			b.agree(s, a, ledger)
			if e, ok := ledger[a.Reference]; ok && e.Captures > 0 {
				charged++
			}
		}
		// The audit looks at the sale, not one reference: two captures on
		// two requests for one basket is a double charge too.
		if charged > 1 {
			b.Double++
			b.problem("receipt %s charged on %d requests", s.ReceiptNumber, charged)
		}
		if (capturedAttempt(s) != nil || s.PaidInCash()) && s.ReceiptURL == "" && !s.Printed {
			b.NoReceipt++
			b.problem("receipt %s was paid but its receipt never went out", s.ReceiptNumber)
		}
		b.refunds(s, ledger)
		return true
	})
	if err != nil {
		w.t.Fatal(err)
	}
	for ref := range ledger {
		if !inJournal[ref] {
			b.problem("%s is at Vipps but not in the journal", ref)
		}
	}
	sort.Strings(b.Problems)
	return b
}

// refunds checks a sale's refunds against the ledger: every refund the journal
// holds is made once at Vipps, and Vipps refunded nothing the journal lacks.
func (b *books) refunds(s *journal.Sale, ledger map[string]sim.LedgerEntry) {
	a := capturedAttempt(s)
	var done, journaled int64
	for _, rf := range s.Refunds {
		b.Refunds++
		journaled += rf.Amount
		switch {
		case rf.Done:
			done += rf.Amount
		case rf.Error == "":
			b.RefundsLost++
			b.problem("receipt %s: refund %s still unconfirmed", s.ReceiptNumber, rf.Key)
		}
	}
	if a == nil {
		if journaled != 0 {
			b.problem("receipt %s: refunds journaled on a sale never captured", s.ReceiptNumber)
		}
		return
	}
	refunded := ledger[a.Reference].Aggregate.RefundedAmount.Value
	switch {
	case refunded > journaled:
		b.RefundsDoubled++
		b.problem("receipt %s: Vipps refunded %d, the journal holds refunds of %d", s.ReceiptNumber, refunded, journaled)
	case refunded != done:
		b.RefundsLost++
		b.problem("receipt %s: Vipps refunded %d, the journal says %d done", s.ReceiptNumber, refunded, done)
	}
}

// agree checks one journaled attempt against the ledger.
func (b *books) agree(s *journal.Sale, a *journal.Attempt, ledger map[string]sim.LedgerEntry) {
	e, atVipps := ledger[a.Reference]
	captured := e.Aggregate.CapturedAmount.Value
	switch a.State {
	case journal.StateCaptured:
		// Vipps was asked for what the cash (of a split) left.
		due := s.Totals.Gross - (s.CashPaid() - s.CashRounding())
		if !atVipps || e.Captures != 1 || captured != due || a.Captured != captured {
			b.problem("journal says %s captured %d of %d; Vipps: %d captures, %d", a.Reference, a.Captured, due, e.Captures, captured)
		}
	case journal.StateFailed:
		if atVipps {
			b.problem("journal says %s never reached Vipps; Vipps has it %s", a.Reference, e.State)
		}
	case journal.StateCancelled:
		released := e.State == epayment.StateAuthorized && e.Aggregate.CancelledAmount.Value == e.Amount.Value
		if !atVipps || captured != 0 || (e.State != epayment.StateTerminated && !released) {
			b.problem("journal says %s cancelled; Vipps: %s, captured %d", a.Reference, e.State, captured)
		}
	case journal.StateAborted, journal.StateExpired:
		want := map[journal.State]epayment.State{journal.StateAborted: epayment.StateAborted, journal.StateExpired: epayment.StateExpired}[a.State]
		if e.State != want || captured != 0 {
			b.problem("journal says %s %s; Vipps: %s", a.Reference, a.State, e.State)
		}
	}
}

// ok fails the test with every problem the books show.
func (b books) ok(t testing.TB) {
	t.Helper()
	if len(b.Problems) > 0 {
		t.Errorf("the books do not add up:\n  %s", strings.Join(b.Problems, "\n  "))
	}
}

// faultLog is the simulator's log handler: it counts the faults injected into
// requests and the webhooks delivered more than once, and drops the rest.
type faultLog struct {
	mu        sync.Mutex
	requests  int
	dups      int
	delivered map[string]int
}

func (f *faultLog) Enabled(context.Context, slog.Level) bool { return true }
func (f *faultLog) WithAttrs([]slog.Attr) slog.Handler       { return f }
func (f *faultLog) WithGroup(string) slog.Handler            { return f }

func (f *faultLog) Handle(_ context.Context, r slog.Record) error {
	switch r.Message {
	case "fault injected":
		f.mu.Lock()
		f.requests++
		f.mu.Unlock()
	case "webhook delivered":
		var key string
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "id" || a.Key == "reference" || a.Key == "event" {
				key += a.Value.String() + "/"
			}
			return true
		})
		f.mu.Lock()
		f.delivered[key]++
		if f.delivered[key] > 1 {
			f.dups++
		}
		f.mu.Unlock()
	}
	return nil
}

// counts returns the faults injected so far.
func (f *faultLog) counts() (requests, dupWebhooks int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests, f.dups
}

// captures is how often Vipps captured ref so far.
func (w *world) captures(ref string) int {
	e, _ := w.demo.Sim.Payment(sim.DemoMSN, ref)
	return e.Captures
}

// state reads ref's state from the journal (no till process may be running).
func (w *world) state(ref string) journal.State {
	w.t.Helper()
	j, err := journal.Open(filepath.Join(w.dir, "kasse.db"), journal.Options{Timeout: 2 * time.Second})
	if err != nil {
		w.t.Fatal(err)
	}
	defer j.Close()
	s, err := j.ByReference(ref)
	if err != nil {
		w.t.Fatalf("journal: %s: %v", ref, err)
	}
	return s.Attempt(ref).State
}
