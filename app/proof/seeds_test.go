//go:build unix

package proof

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/payments/sim"
)

// killSteps are the steps a random run may kill the till at.
var killSteps = []string{
	checkout.TraceCreateBefore, checkout.TraceCreateAfter, checkout.TraceAuthorized,
	checkout.TraceCaptureBefore, checkout.TraceCaptureAfter, checkout.TraceCaptured,
	checkout.TraceCancelBefore, checkout.TraceRefundBefore, checkout.TraceRefundAfter,
}

// tally adds up what many random runs did.
type tally struct {
	mu                                 sync.Mutex
	seeds, processes, kills, sales     int
	payments, captured, ended          int
	faults, dupWebhooks, double, left  int
	refunds, noReceipt, refundsDoubled int
	refundsLost, randomKills           int
	failedSeeds                        []uint64
}

func (t *tally) add(seed uint64, w *world, r seedRun, b books) {
	req, dups := w.faults.counts()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seeds++
	t.processes += r.processes
	t.kills += r.kills
	t.sales += b.Sales
	t.payments += b.Payments
	t.captured += b.Captured
	t.ended += b.Ended
	t.faults += req
	t.dupWebhooks += dups
	t.double += b.Double
	t.left += b.Left
	t.refunds += b.Refunds
	t.noReceipt += b.NoReceipt
	t.refundsDoubled += b.RefundsDoubled
	t.refundsLost += b.RefundsLost
	t.randomKills += r.randomKills
}

// fail notes a seed whose run or books failed.
func (t *tally) fail(seed uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failedSeeds = append(t.failedSeeds, seed)
}

func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fmt.Sprintf("%d seeds: %d till processes, %d killed with SIGKILL (%d at a random moment); %d sales, %d payments "+
		"(%d captured once, %d ended without money), %d refunds; %d request faults injected, %d webhooks delivered twice; "+
		"double charges: %d; authorizations left: %d; captured without receipt: %d; refunds doubled: %d; refunds lost: %d; failed seeds: %v",
		t.seeds, t.processes, t.kills, t.randomKills, t.sales, t.payments, t.captured, t.ended, t.refunds,
		t.faults, t.dupWebhooks, t.double, t.left, t.noReceipt, t.refundsDoubled, t.refundsLost, t.failedSeeds)
}

// TestManySeeds runs random days at the till: random sales and customers,
// random faults, and a kill at a random step of a random till process; then a
// last start with Vipps healthy settles everything, and the books must add up.
// The short version runs a few seeds; KASSE_LONG=1 runs KASSE_SEEDS of them
// (default 200), starting at KASSE_SEED (default 1).
func TestManySeeds(t *testing.T) {
	first, n := uint64(1), 2
	if os.Getenv("KASSE_LONG") != "" {
		n = 200
		if v, err := strconv.Atoi(os.Getenv("KASSE_SEEDS")); err == nil && v > 0 {
			n = v
		}
	}
	if v, err := strconv.ParseUint(os.Getenv("KASSE_SEED"), 10, 64); err == nil {
		first = v
	}
	var sum tally
	t.Run("seeds", func(t *testing.T) {
		for seed := first; seed < first+uint64(n); seed++ {
			t.Run(fmt.Sprint(seed), func(t *testing.T) {
				t.Parallel()
				defer func() {
					if t.Failed() {
						sum.fail(seed)
					}
				}()
				w := newWorld(t)
				r := randomDay(t, w, seed)
				b := w.audit()
				sum.add(seed, w, r, b)
				b.ok(t)
			})
		}
	})
	t.Log(sum.String())
	if sum.double > 0 || sum.left > 0 || sum.noReceipt > 0 || sum.refundsDoubled > 0 || sum.refundsLost > 0 || len(sum.failedSeeds) > 0 {
		t.Errorf("double charges %d, authorizations left %d, captured without receipt %d, refunds doubled %d, refunds lost %d, failed seeds %v",
			sum.double, sum.left, sum.noReceipt, sum.refundsDoubled, sum.refundsLost, sum.failedSeeds)
	}
}

// seedRun is what one random day did.
type seedRun struct{ processes, kills, randomKills int }

// randomDay runs up to three till processes with random sales, faults and a
// random kill, then a healthy one that settles the journal.
func randomDay(t *testing.T, w *world, seed uint64) seedRun {
	rng := rand.New(rand.NewPCG(seed, 0x6b696c6c))
	var r seedRun
	approveOrNot := func(ev childEvent) {
		if ev.Ev != "resumed" {
			return
		}
		// The customer with the request on the phone approves, declines or
		// lets it expire; the simulated phone may have answered already.
		switch rng.IntN(3) {
		case 0:
			_ = w.demo.Sim.Approve(sim.DemoMSN, ev.Ref)
		case 1:
			_ = w.demo.Sim.Decline(sim.DemoMSN, ev.Ref)
		default:
			_ = w.demo.Sim.Expire(sim.DemoMSN, ev.Ref)
		}
	}
	rounds := 1 + rng.IntN(3)
	for round := range rounds {
		var f sim.Faults
		if rng.IntN(3) > 0 {
			f = randomFaults(rng, seed*10+uint64(round))
		}
		w.demo.Sim.SetFaults(f)
		p := plan{HTTPTimeout: time.Second}
		for range 1 + rng.IntN(3) {
			p.Sales = append(p.Sales, randomSale(rng))
		}
		switch x := rng.IntN(10); {
		case x < 2:
		case x < 4:
			// Anywhere at all: inside a journal commit, a release, a refund.
			p.KillAfter = time.Duration(100+rng.IntN(2500)) * time.Millisecond
		default:
			p.KillStep = killSteps[rng.IntN(len(killSteps))]
			p.KillNth = 1 + rng.IntN(2)
		}
		p.OnResume = []string{"cancel", "wait"}[rng.IntN(2)]
		on := approveOrNot
		if p.OnResume == "cancel" {
			on = nil
		}
		res := w.run(p, on)
		r.processes++
		if res.Killed {
			r.kills++
			if p.KillAfter > 0 {
				r.randomKills++
			}
		}
	}
	w.demo.Sim.SetFaults(sim.Faults{})
	// The last start: Vipps is healthy and the customer with a resumed
	// request answers one way or the other.
	res := w.run(plan{OnResume: "wait", Settle: true}, func(ev childEvent) {
		if ev.Ev != "resumed" {
			return
		}
		if rng.IntN(2) == 0 {
			_ = w.demo.Sim.Approve(sim.DemoMSN, ev.Ref)
		} else {
			_ = w.demo.Sim.Decline(sim.DemoMSN, ev.Ref)
		}
	})
	r.processes++
	if _, ok := res.event("settled"); !ok {
		t.Errorf("the last start did not settle the journal: %+v", res.Events)
	}
	return r
}

// randomSale is one customer: most approve, some decline, some never answer
// (and the cashier cancels); now and then the cashier cancels just as an
// approving customer answers.
func randomSale(rng *rand.Rand) saleSpec {
	products := []string{"P001", "P002", "P007", "P010", "P025", "P026"}
	s := saleSpec{Retries: rng.IntN(3)}
	for range 1 + rng.IntN(3) {
		s.Products = append(s.Products, products[rng.IntN(len(products))])
	}
	switch x := rng.IntN(20); {
	case x < 13:
		s.Phone = phoneApproves
		s.CancelWhenWaiting = x == 0
		if x%3 == 1 {
			s.Refund = int64(100 * (1 + rng.IntN(50))) // a returned item, up to 50 kr
		}
	case x < 17:
		s.Phone = phoneDeclines
	default:
		s.Phone, s.CancelWhenWaiting = phoneSilent, true
	}
	return s
}

// randomFaults turns on a random few of the simulator's faults at low rates.
func randomFaults(rng *rand.Rand, seed uint64) sim.Faults {
	rate := func() float64 {
		if rng.IntN(2) == 0 {
			return 0
		}
		return rng.Float64() * 0.12
	}
	return sim.Faults{
		Seed:        seed,
		ServerError: rate(), RateLimit: rate(), RetryAfter: time.Second,
		Hang: rate() / 2, DropBefore: rate(), DropAfter: rate(),
		Slow: rate(), SlowDelay: 300 * time.Millisecond,
		DuplicateWebhook: rate() * 4, ReorderWebhook: rate() * 4, ReorderHold: 500 * time.Millisecond,
	}
}
