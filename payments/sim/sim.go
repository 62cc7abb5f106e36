// Package sim is a simulator of the Vipps MobilePay APIs a till uses: access
// token, ePayment (with the test environment's approve call), personal QR
// exchange and Webhooks, including signed webhook delivery. It is Kasse's
// stripe-mock: demo mode runs the till against it over loopback HTTP, tests
// drive it, and integrators run it as kasse-sim.
//
// It answers with the wire types of payments/epayment and checks requests the
// way the contract in payments/contract/vipps describes. Where the spec files
// and the live API disagree, it enforces the stricter rule, so a till that works
// here works against both.
//
// A simulated customer answers push requests: see the Phone* constants for the
// phone numbers that decline or never answer.
package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"sync"
	"time"
)

// Demo credentials: the merchant a Sim serves when Config.Merchants is empty.
const (
	DemoMSN             = "123456"
	DemoClientID        = "6a2f3c1e-4b7d-4e8a-9c2b-5d1e0f7a8b9c"
	DemoClientSecret    = "kasse-demo-client-secret"
	DemoSubscriptionKey = "kasse-demo-subscription-key"
)

// Defaults for the zero values of Config.
const (
	DefaultTokenLifetime  = time.Hour
	DefaultApproveDelay   = 3 * time.Second
	DefaultExpireAfter    = 5 * time.Minute
	DefaultPersonalQRAge  = 10 * time.Minute
	DefaultWebhookTimeout = 10 * time.Second
	DefaultRetryMin       = time.Second
	DefaultRetryMax       = 5 * time.Minute
	DefaultRetryFor       = 7 * 24 * time.Hour
	DefaultWebhookLimit   = 25
)

// Merchant is one sales unit with its own API keys.
type Merchant struct {
	MSN             string // 4-6 digits
	ClientID        string
	ClientSecret    string
	SubscriptionKey string // Ocp-Apim-Subscription-Key
}

// DemoMerchant is the merchant with the Demo* credentials.
func DemoMerchant() Merchant {
	return Merchant{MSN: DemoMSN, ClientID: DemoClientID, ClientSecret: DemoClientSecret, SubscriptionKey: DemoSubscriptionKey}
}

// Config sets up a Sim. Zero durations take the Default* values.
type Config struct {
	// Merchants the simulator serves; empty means DemoMerchant only.
	Merchants []Merchant
	// TokenLifetime is how long an access token from /accesstoken/get is valid.
	TokenLifetime time.Duration
	// ApproveDelay is how long the simulated customer takes to answer a request.
	ApproveDelay time.Duration
	// ExpireAfter is how long an unanswered payment stays CREATED before it
	// becomes EXPIRED (unless the request set expiresAt).
	ExpireAfter time.Duration
	// ManualCustomer turns the simulated customer off: payments then only change
	// through Approve, Decline, the approve endpoint, cancel and expiry.
	ManualCustomer bool
	// PersonalQRMaxAge is how long a personal QR issued by IssuePersonalQR can be
	// exchanged.
	PersonalQRMaxAge time.Duration
	// AllowPlainHTTPWebhooks lets webhooks be registered to http:// URLs on
	// hosts other than loopback. Loopback http:// is always allowed.
	AllowPlainHTTPWebhooks bool
	// AdminFromAnywhere serves the control API under /sim/v1/ to clients on
	// any address. By default only loopback clients reach it: it sets faults
	// and reads every merchant's ledger without credentials.
	AdminFromAnywhere bool
	// WebhookLimit is how many registrations one MSN may have per event type.
	WebhookLimit int
	// WebhookTimeout is how long a delivery may take before it counts as failed.
	WebhookTimeout time.Duration
	// WebhookRetryMin and WebhookRetryMax bound the exponential backoff between
	// delivery attempts; WebhookRetryFor is how long an event is retried before
	// it is dropped.
	WebhookRetryMin, WebhookRetryMax, WebhookRetryFor time.Duration
	// WebhookTransport sends deliveries; nil means a clone of
	// http.DefaultTransport.
	WebhookTransport http.RoundTripper
	// Clock is the simulator's time; nil means the wall clock.
	Clock Clock
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
}

var msnPattern = regexp.MustCompile(`^[0-9]{4,6}$`)

func (c Config) withDefaults() (Config, error) {
	if len(c.Merchants) == 0 {
		c.Merchants = []Merchant{DemoMerchant()}
	}
	seen := map[string]bool{}
	for _, m := range c.Merchants {
		if !msnPattern.MatchString(m.MSN) {
			return c, fmt.Errorf("sim: merchant serial number %q is not 4-6 digits", m.MSN)
		}
		if m.ClientID == "" || m.ClientSecret == "" || m.SubscriptionKey == "" {
			return c, fmt.Errorf("sim: merchant %s lacks a client id, secret or subscription key", m.MSN)
		}
		if seen[m.MSN] || seen["id:"+m.ClientID] {
			return c, fmt.Errorf("sim: merchant %s or client id %s given twice", m.MSN, m.ClientID)
		}
		seen[m.MSN], seen["id:"+m.ClientID] = true, true
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.TokenLifetime, DefaultTokenLifetime)
	def(&c.ApproveDelay, DefaultApproveDelay)
	def(&c.ExpireAfter, DefaultExpireAfter)
	def(&c.PersonalQRMaxAge, DefaultPersonalQRAge)
	def(&c.WebhookTimeout, DefaultWebhookTimeout)
	def(&c.WebhookRetryMin, DefaultRetryMin)
	def(&c.WebhookRetryMax, DefaultRetryMax)
	def(&c.WebhookRetryFor, DefaultRetryFor)
	if c.WebhookLimit <= 0 {
		c.WebhookLimit = DefaultWebhookLimit
	}
	if c.Clock == nil {
		c.Clock = realClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.WebhookTransport == nil {
		c.WebhookTransport = http.DefaultTransport.(*http.Transport).Clone()
	}
	return c, nil
}

// Sim is a running simulator. Its methods are safe for concurrent use.
type Sim struct {
	cfg   Config
	clock Clock
	log   *slog.Logger
	start time.Time
	hooks *http.Client

	// ctx ends at Close; it stops deliveries and releases hanging requests.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// mu guards all API state. Each request does its whole check-and-change
	// under it, so concurrent retries of one operation never both do the work.
	mu         sync.Mutex
	closed     bool
	merchants  map[string]*Merchant // by MSN
	byClientID map[string]*Merchant
	tokens     map[string]accessToken
	payments   map[string]*payment // by msn+"/"+reference
	order      []*payment
	idem       map[string]*idemEntry
	regs       map[string]*registration // by id
	regOrder   []*registration
	qrTokens   map[string]qrToken
	servers    []*http.Server
	pushOff    map[string]bool // sales units refused PUSH_MESSAGE (5080)
	behaviour  Behaviour       // the customer's answers (demo scenarios)
	phoneSeen  time.Time       // the test-phone page's last load

	faults faultState
}

// New starts a simulator. Close it to stop its timers and goroutines.
func New(cfg Config) (*Sim, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sim{
		cfg:   cfg,
		clock: cfg.Clock,
		log:   cfg.Logger,
		hooks: &http.Client{
			Transport: cfg.WebhookTransport,
			Timeout:   cfg.WebhookTimeout,
			// Vipps does not follow redirects; a 3xx is a failed delivery.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		ctx:        ctx,
		cancel:     cancel,
		merchants:  map[string]*Merchant{},
		byClientID: map[string]*Merchant{},
		tokens:     map[string]accessToken{},
		payments:   map[string]*payment{},
		idem:       map[string]*idemEntry{},
		regs:       map[string]*registration{},
		qrTokens:   map[string]qrToken{},
	}
	s.start = s.clock.Now()
	for i := range cfg.Merchants {
		m := cfg.Merchants[i]
		s.merchants[m.MSN] = &m
		s.byClientID[m.ClientID] = &m
	}
	s.addDemoQRTokens()
	s.faults.set(Faults{})
	return s, nil
}

// ErrClosed is returned by methods of a closed Sim.
var ErrClosed = errors.New("sim: closed")

// Close stops every timer, delivery goroutine and server the Sim started. It
// waits for the goroutines to end and is safe to call more than once.
func (s *Sim) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for _, p := range s.order {
		p.stopTimers()
	}
	servers := s.servers
	s.servers = nil
	for _, r := range s.regOrder {
		r.stop()
	}
	s.mu.Unlock()
	s.cancel()
	var errs []error
	for _, srv := range servers {
		if err := srv.Close(); err != nil {
			errs = append(errs, fmt.Errorf("sim: close server: %w", err))
		}
	}
	s.wg.Wait()
	return errors.Join(errs...)
}

// Serve answers the API on ln until ctx ends or the Sim is closed, then shuts
// the server down gracefully (waiting at most 5 s for open requests).
func (s *Sim) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return s.ctx },
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return ErrClosed
	}
	s.servers = append(s.servers, srv)
	s.mu.Unlock()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("sim: serve: %w", err)
	case <-ctx.Done():
		shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutCtx); err != nil {
			srv.Close()
			<-errc
			return fmt.Errorf("sim: shutdown: %w", err)
		}
		<-errc
		return nil
	}
}
