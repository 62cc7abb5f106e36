package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/kasse-pos/kasse/payments/webhook"
)

// Paths the relay serves.
const (
	// PathWebhooks + "/{msn}" is where Vipps posts the webhooks of one MSN.
	PathWebhooks = "/v1/webhooks"
	// PathEvents is the tills' long-poll: GET ?after=CURSOR[&wait=SECONDS].
	PathEvents = "/v1/events"
	// PathReceipts is where a till uploads a finished receipt (POST).
	PathReceipts = "/v1/receipts"
	// PathReceiptPage + "/{id}" is the receipt a customer's phone opens.
	PathReceiptPage = "/r"
	// PathHealth answers 200 while the store answers.
	PathHealth = "/healthz"
)

// Defaults of Config.
const (
	// DefaultReplayWindow is how far x-ms-date may be from the relay's clock.
	// The Webhooks API's x-ms-* HMAC comes from Azure's shared-key scheme, which
	// allows 15 minutes; a replay inside the window is harmless anyway, because
	// the event is stored once.
	DefaultReplayWindow = 15 * time.Minute
	// DefaultLongPoll is how long a till's GET waits for an event; under the
	// idle timeouts of common NAT routers and proxies (30-60 s).
	DefaultLongPoll = 25 * time.Second
	// DefaultMaxBody bounds a webhook body; real ones are under 1 KiB.
	DefaultMaxBody = 64 << 10
	// MaxMaxBody is the largest MaxBody allowed: a feed page holds at least
	// one body and must stay readable by the poller.
	MaxMaxBody = 1 << 20
	// DefaultRetention is how long events are kept: beyond Vipps' 7 days of
	// retries, so that a late retry is still recognised as a duplicate.
	DefaultRetention = 14 * 24 * time.Hour
	// DefaultReceiptRetention is how long a receipt page stays available.
	DefaultReceiptRetention = 90 * 24 * time.Hour
	// MaxReceiptBody bounds an uploaded receipt.
	MaxReceiptBody = 256 << 10
	feedLimit      = 200
	// storeTimeout bounds one store call of a request.
	storeTimeout = 10 * time.Second
	// feedMaxBytes bounds a page of the feed by its bodies' size, well under
	// the poller's 16 MiB cap even at the largest body (MaxBody is capped at
	// 1 MiB for that reason).
	feedMaxBytes = 1 << 20
	// feedEventOverhead is the JSON around one body in a page.
	feedEventOverhead = len(`{"cursor":18446744073709551615,"event":},`)
)

// Config configures a Server.
type Config struct {
	// Store is the relay's state: a *Store (bbolt) or a *JetStore.
	Store Backend
	// PublicURL is the base URL Vipps posts to (https://relay.example.com). The
	// HMAC covers host and path of the URL each registration stored; PublicURL
	// is the fallback and the base for WebhookURL.
	PublicURL string
	// ReplayWindow bounds |x-ms-date - now|; 0 means DefaultReplayWindow.
	ReplayWindow time.Duration
	// LongPoll is the longest a till's GET waits; 0 means DefaultLongPoll.
	LongPoll time.Duration
	// MaxBody bounds a webhook body in bytes; 0 means DefaultMaxBody.
	MaxBody int64
	// ReceiptBaseURL is the base of receipt links; "" means PublicURL.
	ReceiptBaseURL string
	// Retention and ReceiptRetention bound how long events and receipts are
	// kept; 0 means the defaults, negative keeps them forever.
	Retention, ReceiptRetention time.Duration
	// PruneEvery is how often old data is pruned; 0 means hourly.
	PruneEvery time.Duration
	// WebhookAPI gives the Webhooks API client of an MSN, for the periodic
	// check that the stored registrations still exist at Vipps; nil turns the
	// check off.
	WebhookAPI func(msn string) (WebhookAPI, error)
	// CheckEvery is how often registrations are checked; 0 means
	// DefaultCheckEvery.
	CheckEvery time.Duration
	// ReRegister registers a registration that Vipps deleted again, instead
	// of only reporting it in the log and on /healthz.
	ReRegister bool
	Logger     *slog.Logger
	// Now is the clock; nil means time.Now. Tests move it.
	Now func() time.Time
}

// Server is the relay's HTTP side: webhook ingress, the tills' long-poll, the
// receipt upload and page, and /healthz.
type Server struct {
	cfg   Config
	store Backend
	log   *slog.Logger
	mux   *http.ServeMux
	now   func() time.Time

	wake      *signals
	waiting   atomic.Int64   // long-polls waiting now, for /healthz
	parked    sync.WaitGroup // parked long-polls not yet answered
	regs      regCheck
	done      chan struct{}
	closeOnce sync.Once
	bg        sync.WaitGroup
}

// NewServer checks cfg and builds a server. It starts the pruning loop, which
// Close stops.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("relay: Config.Store is nil")
	}
	if cfg.PublicURL != "" {
		if _, err := parseBaseURL(cfg.PublicURL); err != nil {
			return nil, fmt.Errorf("relay: PublicURL: %w", err)
		}
	}
	if cfg.ReplayWindow == 0 {
		cfg.ReplayWindow = DefaultReplayWindow
	}
	if cfg.LongPoll == 0 {
		cfg.LongPoll = DefaultLongPoll
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.MaxBody > MaxMaxBody {
		return nil, fmt.Errorf("relay: MaxBody %d is over %d", cfg.MaxBody, MaxMaxBody)
	}
	if cfg.ReceiptBaseURL == "" {
		cfg.ReceiptBaseURL = cfg.PublicURL
	}
	if cfg.Retention == 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.ReceiptRetention == 0 {
		cfg.ReceiptRetention = DefaultReceiptRetention
	}
	if cfg.PruneEvery == 0 {
		cfg.PruneEvery = time.Hour
	}
	if cfg.CheckEvery <= 0 {
		cfg.CheckEvery = DefaultCheckEvery
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{
		cfg:   cfg,
		store: cfg.Store,
		log:   cfg.Logger,
		now:   cfg.Now,
		wake:  newSignals(),
		done:  make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathWebhooks+"/{msn}", s.handleWebhook)
	mux.HandleFunc("GET "+PathEvents, s.handleEvents)
	mux.HandleFunc("POST "+PathReceipts, s.handleReceiptUpload)
	mux.HandleFunc("GET "+PathReceiptPage+"/{id}", s.handleReceiptPage)
	mux.HandleFunc("GET "+PathHealth, s.handleHealth)
	mux.HandleFunc("GET "+PathTill, s.handleTill)
	s.mux = mux
	if w, ok := cfg.Store.(waker); ok {
		w.setWake(s.wake.notify)
	}
	s.bg.Add(1)
	go s.pruneLoop()
	if cfg.WebhookAPI != nil {
		s.bg.Add(1)
		go s.checkLoop()
	}
	return s, nil
}

// Handler serves every path of the relay.
func (s *Server) Handler() http.Handler { return s.mux }

// ReceiptHandler serves only the receipt pages, for a listener that phones
// on the shop's network reach (demo mode) while the rest stays on loopback.
func (s *Server) ReceiptHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathReceiptPage+"/{id}", s.handleReceiptPage)
	return mux
}

// HTTPServer returns an http.Server for h with timeouts that suit the relay:
// bounded reads for webhooks and uploads, and writes long enough for a long-poll.
// Serve it on s.Listener(ln) so that waiting long-polls park.
func (s *Server) HTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      s.cfg.LongPoll + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		ConnContext:       connContext, // lets long-polls park (see Listener)
	}
}

// Close wakes every long-poll (each answers with what it has) and stops the
// pruning loop. Every acknowledged webhook is already committed, so nothing is
// left to flush; call it before http.Server.Shutdown so that waiting polls do
// not hold the shutdown up, and close the Store after both.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		for _, wt := range s.wake.close() {
			go wt.fire()
		}
	})
	s.parked.Wait()
	s.bg.Wait()
	return nil
}

func (s *Server) pruneLoop() {
	defer s.bg.Done()
	t := time.NewTicker(s.cfg.PruneEvery)
	defer t.Stop()
	for {
		s.prune()
		select {
		case <-s.done:
			return
		case <-t.C:
		}
	}
}

func (s *Server) prune() {
	far := time.Unix(0, 0) // negative retention keeps forever
	cut, rcut := far, far
	now := s.now()
	if s.cfg.Retention > 0 {
		cut = now.Add(-s.cfg.Retention)
	}
	if s.cfg.ReceiptRetention > 0 {
		rcut = now.Add(-s.cfg.ReceiptRetention)
	}
	ev, rc, err := s.store.Prune(cut, rcut)
	if err != nil {
		s.log.Error("prune", "err", err)
		return
	}
	if ev > 0 || rc > 0 {
		s.log.Info("pruned", "events", ev, "receipts", rc)
	}
}

// WebhookURL is the URL to register with the Webhooks API for msn.
func WebhookURL(publicURL, msn string) string {
	return strings.TrimRight(publicURL, "/") + PathWebhooks + "/" + url.PathEscape(msn)
}

func parseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL", s)
	}
	return u, nil
}

// --- answers -----------------------------------------------------------------

type problem struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, problem{Error: msg})
}

// --- ingress -----------------------------------------------------------------

// handleWebhook verifies and stores one delivery. 200 means committed to disk;
// every refusal is a 4xx (Vipps retries those too, so a relay misconfigured
// for a while loses nothing) and a storage failure is a 503.
func (s *Server) handleWebhook(w http.ResponseWriter, r *http.Request) {
	msn := r.PathValue("msn")
	log := s.log.With("msn", msn, "remote", r.RemoteAddr)
	regs := s.store.RegistrationsFor(msn)
	if len(regs) == 0 {
		// Refused before the body is read: no secret, nothing to verify with.
		log.Warn("webhook refused", "reason", "no registration for MSN")
		writeError(w, http.StatusNotFound, "unknown merchant serial number")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			log.Warn("webhook refused", "reason", "content type", "type", ct)
			writeError(w, http.StatusUnsupportedMediaType, "want application/json")
			return
		}
	}
	if r.ContentLength > s.cfg.MaxBody {
		log.Warn("webhook refused", "reason", "body too large", "bytes", r.ContentLength)
		writeError(w, http.StatusRequestEntityTooLarge, "body too large")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			log.Warn("webhook refused", "reason", "body too large")
			writeError(w, http.StatusRequestEntityTooLarge, "body too large")
			return
		}
		log.Warn("webhook read", "err", err)
		writeError(w, http.StatusBadRequest, "cannot read body")
		return
	}
	now := s.now()
	if err := s.verify(r.Header, body, msn, regs, now); err != nil {
		status := http.StatusUnauthorized
		if errors.Is(err, webhook.ErrContentHash) {
			status = http.StatusBadRequest
		}
		log.Warn("webhook refused", "reason", err.Error())
		writeError(w, status, "verification failed")
		return
	}
	if !utf8.Valid(body) {
		// JSON is UTF-8 (RFC 8259); stored raw, such a body would be served
		// to tills as something other than what Vipps signed.
		log.Warn("webhook refused", "reason", "body is not valid UTF-8")
		writeError(w, http.StatusBadRequest, "body is not valid UTF-8")
		return
	}
	var ev webhook.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		log.Warn("webhook refused", "reason", "not a JSON event", "err", err)
		writeError(w, http.StatusBadRequest, "body is not a JSON event")
		return
	}
	if ev.MSN != msn || ev.Reference == "" || ev.Name == "" {
		// A signed body of one MSN must not reach another MSN's tills.
		log.Warn("webhook refused", "reason", "event fields", "eventMsn", ev.MSN, "reference", ev.Reference)
		writeError(w, http.StatusBadRequest, "event msn, reference or name wrong")
		return
	}
	// Bounded: a JetStream cluster electing a new leader may not answer for
	// a while, and Vipps is better served by a 503 it retries than a hang.
	actx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	res, err := s.store.Append(actx, ev, body, now)
	cancel()
	if err != nil {
		log.Error("webhook not stored", "reference", ev.Reference, "err", err)
		writeError(w, http.StatusServiceUnavailable, "not stored, retry")
		return
	}
	for _, t := range res.Tills {
		s.wake.notify(t)
	}
	log.Info("webhook stored", "reference", ev.Reference, "name", ev.Name, "seq", res.Seq, "duplicate", res.Duplicate, "tills", len(res.Tills))
	w.WriteHeader(http.StatusOK)
}

// verify tries the MSN's registrations (usually one; two while re-registering
// a new URL) and reports the first's error when none signed the delivery.
func (s *Server) verify(h http.Header, body []byte, msn string, regs []Registration, now time.Time) error {
	var first error
	for i, reg := range regs {
		raw := reg.URL
		if raw == "" {
			raw = WebhookURL(s.cfg.PublicURL, msn)
		}
		u, err := url.Parse(raw)
		if err != nil {
			if first == nil {
				first = fmt.Errorf("registration %d has a bad URL: %w", i, err)
			}
			continue
		}
		err = webhook.Verify(h, body, reg.Secret, u.Host, u.RequestURI(), now, s.cfg.ReplayWindow)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
		// Hash and date do not depend on the secret: no other one can help.
		if !errors.Is(err, webhook.ErrSignature) {
			return err
		}
	}
	return first
}

// --- egress ------------------------------------------------------------------

// EventsPage is the answer to a till's GET /v1/events.
type EventsPage struct {
	Events []FeedEvent `json:"events"`
	// Cursor is the last event's cursor, or the request's after when empty.
	Cursor uint64 `json:"cursor"`
}

// cursorAhead is the 409 body: the till's cursor is beyond the relay's log
// (its file was replaced), so the till starts over from 0.
type cursorAhead struct {
	Error string `json:"error"`
	Head  uint64 `json:"head"`
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

func (s *Server) unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="kasse-relay"`)
	writeError(w, http.StatusUnauthorized, "unauthorized")
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	till := s.store.TillByToken(bearer(r))
	if till == nil {
		s.log.Warn("events refused", "reason", "bad token", "remote", r.RemoteAddr)
		s.unauthorized(w)
		return
	}
	q := r.URL.Query()
	var after uint64
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "after: want a cursor")
			return
		}
		after = n
	}
	wait := s.cfg.LongPoll
	if v := q.Get("wait"); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "wait: want seconds")
			return
		}
		wait = min(wait, time.Duration(n*float64(time.Second)))
	}
	// Take the wake channel before reading, so that an event committed between
	// the read and the wait still wakes this request.
	ch := s.wake.wait(till.Name)
	evs, head, err := s.store.Feed(r.Context(), till.Name, after, feedLimit, feedMaxBytes)
	if err == nil && len(evs) == 0 && wait > 0 {
		select {
		case <-s.done:
			// Closing: a new poll is told to come back, not answered empty at
			// once, which would have the till ask again in a tight loop.
			w.Header().Set("Connection", "close")
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, "shutting down")
			return
		default:
			if s.park(w, r, till, after, wait, ch) {
				return
			}
		}
		timer := time.NewTimer(wait)
		s.waiting.Add(1)
		select {
		case <-ch:
		case <-timer.C:
		case <-r.Context().Done():
			s.waiting.Add(-1)
			timer.Stop()
			return
		case <-s.done:
			w.Header().Set("Connection", "close")
		}
		s.waiting.Add(-1)
		timer.Stop()
		if !s.store.Active(till) {
			s.unauthorized(w)
			return
		}
		evs, head, err = s.store.Feed(r.Context(), till.Name, after, feedLimit, feedMaxBytes)
	}
	switch {
	case errors.Is(err, ErrCursorAhead):
		s.log.Warn("till cursor ahead of log", "till", till.Name, "after", after, "head", head)
		writeJSON(w, http.StatusConflict, cursorAhead{Error: "cursor ahead of the relay's log; start from 0", Head: head})
		return
	case errors.Is(err, ErrNoTill): // revoked while we looked
		s.unauthorized(w)
		return
	case err != nil:
		s.log.Error("read feed", "till", till.Name, "err", err)
		writeError(w, http.StatusServiceUnavailable, "store unavailable")
		return
	}
	page := EventsPage{Events: evs, Cursor: after}
	if page.Events == nil {
		page.Events = []FeedEvent{}
	}
	if n := len(evs); n > 0 {
		page.Cursor = evs[n-1].Cursor
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(encodePage(page))
}

// encodePage is a feed page as JSON. HTML escaping is off: it would turn
// each '<' of a body into six bytes and could push a page past the size the
// poller reads.
func encodePage(page EventsPage) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(page) // a page of checked JSON always encodes
	return b.Bytes()
}

// Health is the answer of /healthz. Anyone gets Status; a request with a
// till's token also gets the counts, which say something about the business.
type Health struct {
	// Status is "ok", or "registration missing" while a stored webhook
	// registration is gone at Vipps (MissingRegistrations says which); the
	// relay still answers 200 then, as its other MSNs still work.
	Status               string   `json:"status"`
	MissingRegistrations []string `json:"missingRegistrations,omitempty"` // MSN/id

	Head    uint64        `json:"head,omitempty"`    // last event sequence
	Tills   int           `json:"tills,omitempty"`   // active tills
	Waiting int64         `json:"waiting,omitempty"` // long-polls waiting for an event
	Runtime *RuntimeStats `json:"runtime,omitempty"`
}

// RuntimeStats is the relay process's memory as the Go runtime sees it.
type RuntimeStats struct {
	Goroutines  int64 `json:"goroutines"`
	HeapObjects int64 `json:"heapObjects"` // bytes
	Stacks      int64 `json:"stacks"`      // bytes
	Total       int64 `json:"total"`       // bytes mapped by the runtime
}

func readRuntimeStats() *RuntimeStats {
	samples := []metrics.Sample{
		{Name: "/sched/goroutines:goroutines"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/stacks:bytes"},
		{Name: "/memory/classes/total:bytes"},
	}
	metrics.Read(samples)
	v := func(i int) int64 {
		if samples[i].Value.Kind() == metrics.KindUint64 {
			return int64(samples[i].Value.Uint64())
		}
		return 0
	}
	return &RuntimeStats{Goroutines: v(0), HeapObjects: v(1), Stacks: v(2), Total: v(3)}
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	head, err := s.store.Head(r.Context()) // a read transaction: proves the file answers
	if err != nil {
		s.log.Error("health", "err", err)
		writeError(w, http.StatusServiceUnavailable, "store unavailable")
		return
	}
	h := Health{Status: "ok"}
	if missing := s.regs.list(); len(missing) > 0 {
		h.Status, h.MissingRegistrations = "registration missing", missing
	}
	if s.store.TillByToken(bearer(r)) != nil {
		h.Head, h.Tills, h.Waiting = head, s.store.ActiveTills(), s.waiting.Load()
		h.Runtime = readRuntimeStats()
	}
	writeJSON(w, http.StatusOK, h)
}

// --- wake-ups ----------------------------------------------------------------

// signals wakes the long-polls of one till. Waiting handlers hold the
// current channel, which notify closes and replaces; parked polls are a set
// that notify answers. An idle till costs a map entry and a channel.
type signals struct {
	mu     sync.Mutex
	ch     map[string]chan struct{}
	parked map[string]map[*waiter]struct{}
	closed bool
}

func newSignals() *signals {
	return &signals{ch: map[string]chan struct{}{}, parked: map[string]map[*waiter]struct{}{}}
}

func (g *signals) wait(name string) <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	c, ok := g.ch[name]
	if !ok {
		c = make(chan struct{})
		g.ch[name] = c
	}
	return c
}

func (g *signals) notify(name string) {
	g.mu.Lock()
	if c, ok := g.ch[name]; ok {
		close(c)
		delete(g.ch, name) // the next wait makes a fresh one
	}
	set := g.parked[name]
	delete(g.parked, name)
	g.mu.Unlock()
	for wt := range set {
		go wt.fire()
	}
}

// parkWaiter adds a parked poll; false once the server is closing. A poll
// answered already (its timer ran) is not added.
func (g *signals) parkWaiter(name string, wt *waiter) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	if wt.fired.Load() {
		return true
	}
	set := g.parked[name]
	if set == nil {
		set = map[*waiter]struct{}{}
		g.parked[name] = set
	}
	set[wt] = struct{}{}
	return true
}

func (g *signals) unpark(name string, wt *waiter) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if set := g.parked[name]; set != nil {
		delete(set, wt)
		if len(set) == 0 {
			delete(g.parked, name)
		}
	}
}

// close refuses new parked polls and returns the ones waiting.
func (g *signals) close() []*waiter {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	var out []*waiter
	for _, set := range g.parked {
		for wt := range set {
			out = append(out, wt)
		}
	}
	g.parked = map[string]map[*waiter]struct{}{}
	return out
}
