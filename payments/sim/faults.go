package sim

import (
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Faults makes the simulator misbehave the ways a network and a payment API
// do, so a till's retries and recovery can be tested. Each rate is a
// probability from 0 to 1 per request (or per webhook event); one roll per
// request picks at most one request fault, in the order the fields are listed.
// The rolls come from Seed, so a test that sends the same requests in the same
// order sees the same faults. Set them with Sim.SetFaults; the zero value
// turns every fault off.
type Faults struct {
	// Seed seeds the rolls.
	Seed uint64
	// Ops limits request faults to these operations (the Op* names); empty
	// means every operation.
	Ops []string
	// Limit stops request faults after this many have been injected; 0 means
	// no limit. With a rate of 1 and Limit 1, exactly the next request fails.
	Limit int

	// ServerError answers 500, 502 or 503 without doing the work.
	ServerError float64
	// RateLimit answers 429 with a Retry-After of RetryAfter (default 1 s)
	// without doing the work.
	RateLimit  float64
	RetryAfter time.Duration
	// Hang never answers: the request is held until the client gives up (or
	// the simulator closes), and the work is not done.
	Hang float64
	// DropBefore closes the connection without an answer before doing the work.
	DropBefore float64
	// DropAfter does the work, then closes the connection without an answer:
	// the client cannot tell whether the payment moved. This is how double
	// charges happen to clients that retry without the same Idempotency-Key.
	DropAfter float64
	// Slow waits SlowDelay (default 2 s, wall-clock time) before handling the
	// request normally.
	Slow      float64
	SlowDelay time.Duration
	// Refuse answers RefuseStatus (default 403) as problem+json without
	// doing the work: keys rotated in the portal, a feature switched off.
	// Unlike the faults above it is a final answer, never worth a resend.
	Refuse       float64
	RefuseStatus int

	// DuplicateWebhook delivers an event twice.
	DuplicateWebhook float64
	// ReorderWebhook holds an event back until the next event for the same
	// registration has been queued, or ReorderHold (default 2 s on the
	// simulator's clock) has passed, so the two arrive out of order.
	ReorderWebhook float64
	ReorderHold    time.Duration
}

type faultKind int

const (
	faultNone faultKind = iota
	faultServerError
	faultRateLimit
	faultHang
	faultDropBefore
	faultDropAfter
	faultSlow
	faultRefuse
)

// faultState holds the current Faults and their random source.
type faultState struct {
	mu       sync.Mutex
	f        Faults
	rng      *rand.Rand
	injected int
}

// SetFaults replaces the active faults and restarts their random sequence from
// f.Seed. It takes effect for the next request.
func (s *Sim) SetFaults(f Faults) {
	s.faults.set(f)
	s.log.Info("faults set", "faults", f)
}

func (fs *faultState) set(f Faults) {
	if f.RetryAfter <= 0 {
		f.RetryAfter = time.Second
	}
	if f.SlowDelay <= 0 {
		f.SlowDelay = 2 * time.Second
	}
	if f.ReorderHold <= 0 {
		f.ReorderHold = 2 * time.Second
	}
	if f.RefuseStatus == 0 {
		f.RefuseStatus = http.StatusForbidden
	}
	f.Ops = slices.Clone(f.Ops)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.f = f
	fs.rng = rand.New(rand.NewPCG(f.Seed, f.Seed^0x6b61737365))
	fs.injected = 0
}

// pick rolls the request faults for one request of operation op.
func (fs *faultState) pick(op string) (faultKind, Faults) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f := fs.f
	if len(f.Ops) > 0 && !slices.Contains(f.Ops, op) || f.Limit > 0 && fs.injected >= f.Limit {
		return faultNone, f
	}
	roll := fs.rng.Float64()
	for _, c := range []struct {
		rate float64
		kind faultKind
	}{
		{f.ServerError, faultServerError},
		{f.RateLimit, faultRateLimit},
		{f.Hang, faultHang},
		{f.DropBefore, faultDropBefore},
		{f.DropAfter, faultDropAfter},
		{f.Slow, faultSlow},
		{f.Refuse, faultRefuse},
	} {
		if roll < c.rate {
			fs.injected++
			return c.kind, f
		}
		roll -= c.rate
	}
	return faultNone, f
}

// serverErrorStatus picks which 5xx a ServerError fault answers.
func (fs *faultState) serverErrorStatus() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}[fs.rng.IntN(3)]
}

// webhookFaults rolls the faults for one queued webhook event.
func (fs *faultState) webhookFaults() (dup, hold bool, holdFor time.Duration) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f := fs.f
	if f.DuplicateWebhook > 0 {
		dup = fs.rng.Float64() < f.DuplicateWebhook
	}
	if f.ReorderWebhook > 0 {
		hold = fs.rng.Float64() < f.ReorderWebhook
	}
	return dup, hold, f.ReorderHold
}

// withFaults wraps an operation's handler with the request faults.
func (s *Sim) withFaults(op string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind, f := s.faults.pick(op)
		if kind != faultNone {
			s.log.Info("fault injected", "op", op, "path", r.URL.Path, "fault", kind.String())
		}
		switch kind {
		case faultNone:
			h(w, r)
		case faultServerError:
			st := s.faults.serverErrorStatus()
			problem(r, st, "", http.StatusText(st), "Injected fault: server error.").write(w)
		case faultRateLimit:
			a := problem(r, http.StatusTooManyRequests, "", "Too Many Requests", "Injected fault: rate limited.")
			a.header = http.Header{"Retry-After": {strconv.Itoa(int(math.Ceil(f.RetryAfter.Seconds())))}}
			a.write(w)
		case faultHang:
			select {
			case <-r.Context().Done():
			case <-s.ctx.Done():
			}
			drop(w)
		case faultDropBefore:
			drop(w)
		case faultDropAfter:
			h(&sinkWriter{header: http.Header{}}, r)
			drop(w)
		case faultRefuse:
			problem(r, f.RefuseStatus, "", http.StatusText(f.RefuseStatus), "Injected fault: refused.").write(w)
		case faultSlow:
			t := time.NewTimer(f.SlowDelay)
			defer t.Stop()
			select {
			case <-t.C:
				h(w, r)
			case <-r.Context().Done():
				drop(w)
			}
		}
	})
}

func (k faultKind) String() string {
	return [...]string{"none", "server-error", "rate-limit", "hang", "drop-before", "drop-after", "slow", "refuse"}[k]
}

// drop closes the connection without answering.
func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	// HTTP/2, or hijacking failed: net/http aborts the stream for this panic.
	panic(http.ErrAbortHandler)
}

// sinkWriter takes the answer of work done under a DropAfter fault, which the
// client never gets.
type sinkWriter struct{ header http.Header }

func (w *sinkWriter) Header() http.Header         { return w.header }
func (w *sinkWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *sinkWriter) WriteHeader(int)             {}
