//go:build unix

package proof

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/station"
	"github.com/kasse-pos/kasse/payments/contract"
)

// childEnv carries the plan (JSON) to a till process; without it TestChildTill
// does nothing.
const childEnv = "KASSE_PROOF_CHILD"

// plan is what one till process does: start over the journal in the data dir,
// recover, sell, and perhaps die at a chosen step.
type plan struct {
	Config station.Config
	// Reset starts the relay feed from its beginning: only for the first start
	// against a fresh relay.
	Reset bool
	// KillStep is a checkout.Trace* step; at its KillNth occurrence (1: the
	// first) the process sends itself SIGKILL.
	KillStep string
	KillNth  int
	// KillAfter, if set, kills the process that long after it starts,
	// wherever it is: inside a journal commit, a release, a refund.
	KillAfter time.Duration
	// OnResume is what the cashier does with a payment that recovery put back
	// on screen: "cancel", or "wait" for the customer (the parent plays the
	// phone when it reads the "resumed" event).
	OnResume string
	Sales    []saleSpec
	// Settle waits, after the sales, until the journal has no unfinished
	// payment.
	Settle bool
	// HTTPTimeout bounds each call to Vipps, so that a hanging answer becomes
	// an unknown outcome quickly.
	HTTPTimeout time.Duration
	// Deadline bounds the whole process's work.
	Deadline time.Duration
	// Reports makes, after the sales, an X report and the Z report that
	// closes the day (the kill steps StepZBuilt and StepZStored are in it).
	Reports bool
	// DiskFull makes the journal's writes fail, as on a full disk: "pay" just
	// before the first sale's Pay, or a checkout.Trace* step at its first
	// occurrence. The disk has room again after that sale.
	DiskFull string
}

// saleSpec is one sale the cashier rings up.
type saleSpec struct {
	Products []string
	Phone    string
	// CancelWhenWaiting makes the cashier tap Cancel as soon as the payment
	// waits for the customer (and races the customer's approval).
	CancelWhenWaiting bool
	// Retries is how often the cashier taps Retry after Vipps did not answer.
	Retries int
	// Again taps Pay again for the basket still on screen, instead of ringing
	// up a new sale.
	Again bool
	// Refund, if set, is refunded of the sale once it is paid.
	Refund int64
	// Cash, if set, pays the sale in cash with this much handed over;
	// SplitCash takes this cash part and asks Vipps for the rest.
	Cash, SplitCash int64
}

// childEvent is one line the till process writes to the parent (fd 3).
type childEvent struct {
	Ev      string   `json:"ev"` // killed, recovered, resumed, sale, settled
	Step    string   `json:"step,omitempty"`
	Ref     string   `json:"ref,omitempty"`
	Phase   string   `json:"phase,omitempty"`
	Outcome string   `json:"outcome,omitempty"`
	Message string   `json:"message,omitempty"`
	Notice  string   `json:"notice,omitempty"`
	Lines   []string `json:"lines,omitempty"`
	// Journal and Relay are the status bar's fields.
	Journal string `json:"journal,omitempty"`
	Relay   string `json:"relay,omitempty"`
	// Calls are the Vipps calls made while the disk was full.
	Calls []string `json:"calls,omitempty"`
}

// TestChildTill is the till process of the kill tests: the parent test runs the
// test binary again with only this test and the plan in the environment.
func TestChildTill(t *testing.T) {
	raw := os.Getenv(childEnv)
	if raw == "" {
		t.Skip("a till process started by the kill tests")
	}
	var p plan
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		t.Fatalf("plan: %v", err)
	}
	out := os.NewFile(3, "events")
	var outMu sync.Mutex
	emit := func(ev childEvent) {
		b, _ := json.Marshal(ev)
		outMu.Lock()
		defer outMu.Unlock()
		// One write per line, so a kill never leaves half a line.
		_, _ = out.Write(append(b, '\n'))
	}
	disk := &diskFull{}
	var seen atomic.Int64
	trace := func(step, ref string) {
		if step == p.DiskFull && !disk.used.Swap(true) {
			disk.fill(t)
		}
		if step != p.KillStep || seen.Add(1) != int64(max(p.KillNth, 1)) {
			return
		}
		emit(childEvent{Ev: "killed", Step: step, Ref: ref})
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way; do nothing more
	}
	if p.KillAfter > 0 {
		time.AfterFunc(p.KillAfter, func() {
			emit(childEvent{Ev: "killed", Step: "at " + p.KillAfter.String()})
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		})
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	hc := &http.Client{Transport: &callLog{base: contract.Transport(nil, t.Errorf), disk: disk}, Timeout: p.HTTPTimeout}
	ctx := context.Background()
	// NoRecover: the process runs the till's own Recover itself, to know when
	// it has finished before the cashier starts selling.
	st, err := station.Start(ctx, p.Config, station.Options{Logger: log, HTTPClient: hc, Trace: trace, NoRecover: true, ResetRelayCursor: p.Reset})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	defer st.Close()
	c := &cashier{t: t, till: st.Till, st: st, wake: make(chan struct{}, 1), deadline: time.Now().Add(p.Deadline)}
	if p.DiskFull == "pay" {
		// The disk fills up after the basket is rung up, as the cashier taps Pay.
		c.beforePay = func() {
			if !disk.used.Swap(true) {
				disk.fill(t)
			}
		}
	}
	c.till.OnChange(c.poke)

	if err := st.Till.Recover(ctx); err != nil {
		t.Fatalf("recover: %v", err)
	}
	// What a crash left unsigned is signed now, as station.Start does.
	if st.Signer != nil {
		if _, err := st.Signer.SignPending(ctx); err != nil {
			t.Errorf("sign pending: %v", err)
		}
	}
	// Refunds journaled but not confirmed are sent again, with their keys.
	if _, err := st.Refunder.Resume(ctx); err != nil {
		log.Warn("refunds still pending", "err", err)
	}
	emit(childEvent{Ev: "recovered", Lines: st.Till.View().Recovery})
	if v := st.Till.View(); v.Phase == checkout.PhaseWaiting {
		emit(childEvent{Ev: "resumed", Ref: v.Reference})
		if p.OnResume == "cancel" {
			if err := st.Till.Cancel(); err != nil {
				t.Errorf("cancel the resumed payment: %v", err)
			}
		}
		v := c.await("the resumed payment to end", settledPhase)
		emit(childEvent{Ev: "sale", Ref: v.Reference, Phase: v.Phase.String(), Outcome: string(v.Outcome), Message: v.Message})
	}
	for _, s := range p.Sales {
		v := c.sell(s)
		ev := childEvent{Ev: "sale", Ref: v.Reference, Phase: v.Phase.String(), Outcome: string(v.Outcome), Message: v.Message,
			Notice: v.Notice, Journal: v.Status.Journal, Relay: v.Status.Relay}
		ev.Calls = disk.free(t)
		emit(ev)
	}
	if p.Settle {
		c.awaitJournal()
		emit(childEvent{Ev: "settled"})
	}
	if p.Reports {
		c.reports(trace)
		emit(childEvent{Ev: "reported"})
	}
}

// diskFull switches the journal's disk between full and not, and remembers
// the Vipps calls made while it was full.
type diskFull struct {
	used  atomic.Bool // the plan's DiskFull has happened
	mu    sync.Mutex
	full  bool
	calls []string
}

func (d *diskFull) fill(t *testing.T) {
	d.mu.Lock()
	defer d.mu.Unlock()
	// Errorf, not Fatalf: the trace hook runs on the till's goroutines.
	if err := setDiskFull(true); err != nil {
		t.Errorf("fill the disk: %v", err)
		return
	}
	d.full = true
}

// free makes room again and returns the calls made while the disk was full.
func (d *diskFull) free(t *testing.T) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.full {
		return nil
	}
	if err := setDiskFull(false); err != nil {
		t.Errorf("free the disk: %v", err)
	}
	d.full = false
	calls := d.calls
	d.calls = nil
	return calls
}

// callLog records the Vipps calls made while the disk is full.
type callLog struct {
	base http.RoundTripper
	disk *diskFull
}

func (l *callLog) RoundTrip(r *http.Request) (*http.Response, error) {
	l.disk.mu.Lock()
	if l.disk.full {
		l.disk.calls = append(l.disk.calls, r.Method+" "+r.URL.Path)
	}
	l.disk.mu.Unlock()
	return l.base.RoundTrip(r)
}
