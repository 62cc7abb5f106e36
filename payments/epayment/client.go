package epayment

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Base URLs of the two Vipps MobilePay environments.
const (
	ProductionURL = "https://api.vipps.no"
	TestURL       = "https://apitest.vipps.no"
)

// clientVersion is the default Vipps-System-Version and -Plugin-Version.
const clientVersion = "0.1.0"

// Config is what a Client needs to know about the sales unit and itself. The
// keys come from portal.vippsmobilepay.com (Developer section).
type Config struct {
	BaseURL string // "https://api.vipps.no", "https://apitest.vipps.no", or a simulator URL
	// ClientID, ClientSecret and SubscriptionKey are the sales unit's API keys;
	// MSN is its merchant serial number (4–6 digits).
	ClientID, ClientSecret, SubscriptionKey, MSN string
	// Vipps-System-* headers, each at most 30 characters; defaults "kasse",
	// the client version, "kasse-pos", the client version.
	SystemName, SystemVersion, PluginName, PluginVersion string

	HTTPClient *http.Client // nil: a client with sane timeouts
	Logger     *slog.Logger // nil: slog.Default()
	Retry      RetryPolicy  // zero value: defaults
}

// Client calls the ePayment, access token, Webhooks and QR exchange APIs for one
// sales unit. It owns the access token, and is safe for concurrent use.
//
// A call that ends in a timeout or a dropped connection has not failed: see
// ErrOutcomeUnknown.
type Client struct {
	base   string
	cfg    Config
	hc     *http.Client
	log    *slog.Logger
	retry  RetryPolicy
	system http.Header // the Vipps-System-* headers, sent on every call

	// Hooks that tests replace (export_test.go).
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	tokenFetch chan struct{} // a 1-slot semaphore: one token fetch at a time
	tokenMu    sync.Mutex
	token      string    // guarded by tokenMu
	tokenUntil time.Time // refresh from this moment on; guarded by tokenMu
}

var msnPattern = regexp.MustCompile(`^[0-9]{4,6}$`)

// maxSystemHeader is the spec's maxLength of each Vipps-System-* header.
const maxSystemHeader = 30

// New checks cfg and returns a Client. It makes no call: a wrong key shows on
// the first call as ErrUnauthorized.
func New(cfg Config) (*Client, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: config: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, bad("BaseURL %q is not an http(s) URL with a host and nothing after the path", cfg.BaseURL)
	}
	for name, v := range map[string]string{"ClientID": cfg.ClientID, "ClientSecret": cfg.ClientSecret, "SubscriptionKey": cfg.SubscriptionKey} {
		if strings.TrimSpace(v) == "" {
			return nil, bad("%s is empty", name)
		}
		if !visibleASCII(v) {
			return nil, bad("%s has characters that cannot go in a header", name)
		}
	}
	if !msnPattern.MatchString(cfg.MSN) {
		return nil, bad("MSN %q is not 4 to 6 digits", cfg.MSN)
	}
	if cfg.SystemName == "" {
		cfg.SystemName = "kasse"
	}
	if cfg.SystemVersion == "" {
		cfg.SystemVersion = clientVersion
	}
	if cfg.PluginName == "" {
		cfg.PluginName = "kasse-pos"
	}
	if cfg.PluginVersion == "" {
		cfg.PluginVersion = clientVersion
	}
	system := http.Header{}
	for name, v := range map[string]string{
		"Vipps-System-Name":           cfg.SystemName,
		"Vipps-System-Version":        cfg.SystemVersion,
		"Vipps-System-Plugin-Name":    cfg.PluginName,
		"Vipps-System-Plugin-Version": cfg.PluginVersion,
	} {
		if len(v) > maxSystemHeader || !visibleASCII(v) {
			return nil, bad("%s %q is not 1 to %d visible ASCII characters", name, v, maxSystemHeader)
		}
		system.Set(name, v)
	}
	if err := cfg.Retry.validate(); err != nil {
		return nil, err
	}
	c := &Client{
		base:       strings.TrimRight(u.String(), "/"),
		cfg:        cfg,
		hc:         cfg.HTTPClient,
		log:        cfg.Logger,
		retry:      cfg.Retry.withDefaults(),
		system:     system,
		now:        time.Now,
		sleep:      sleep,
		tokenFetch: make(chan struct{}, 1),
	}
	if c.hc == nil {
		c.hc = defaultHTTPClient()
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if cfg.Retry.NoSleep {
		c.sleep = noSleep
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		c.log.Warn("vipps: base URL is plain http off this machine; only a simulator should be there", "baseURL", c.base)
	}
	return c, nil
}

// MSN returns the merchant serial number the client acts for.
func (c *Client) MSN() string { return c.cfg.MSN }

// defaultHTTPClient bounds every stage of a call, and does not follow
// redirects: the API never sends them, and following one would take the token
// along.
func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ResponseHeaderTimeout = 20 * time.Second
	t.IdleConnTimeout = 60 * time.Second
	return &http.Client{
		Transport: t,
		Timeout:   30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// visibleASCII reports whether s is printable ASCII without spaces, so it can go
// in a header unchanged.
func visibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return s != ""
}

// replaySafePOST lists the POSTs that change nothing, so that sending them
// twice is harmless even without an idempotency key.
var replaySafePOST = map[string]bool{pathQRExchange: true}

// do sends one API call and decodes its 2xx answer into out (nil: discard). It
// owns the access token (fetched, cached, refreshed once after a 401), the
// headers, the retries and the error decoding. body, if not nil, is sent as
// JSON; idemKey, if not empty, as the Idempotency-Key. A retry sends the
// identical bytes with the same key.
//
// A failed write (anything but a GET or a read-only POST) that may have
// reached the API without a definite answer is wrapped with ErrOutcomeUnknown.
func (c *Client) do(ctx context.Context, method, path, idemKey string, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("epayment: %s %s: encode body: %w", method, path, err)
		}
	}
	readOnly := method == http.MethodGet || (method == http.MethodPost && replaySafePOST[path])
	replayable := readOnly || method == http.MethodDelete || idemKey != ""
	var (
		uncertain bool // some attempt may have done the work unseen
		refreshed bool // the token was refreshed after a 401 already
		err       error
	)
	for attempt := 1; ; attempt++ {
		if err = ctx.Err(); err != nil {
			break
		}
		var token string
		sent := false
		if token, err = c.accessToken(ctx); err == nil {
			sent = true
			err = c.send(ctx, token, method, path, idemKey, payload, out, attempt)
			if err == nil {
				return nil
			}
			if apiErr, ok := errors.AsType[*APIError](err); ok && apiErr.Status == http.StatusUnauthorized && !refreshed {
				// The token was refused (expired early, or revoked): the
				// call was not carried out. Fetch a new one and try again,
				// once, without counting an attempt.
				refreshed = true
				c.dropToken(token)
				c.log.InfoContext(ctx, "vipps: token refused, fetching a new one", "method", method, "path", path, "traceId", apiErr.TraceID)
				attempt--
				continue
			}
			if !readOnly && mayHaveHappened(err) {
				uncertain = true
			}
		}
		retry, reason := c.shouldRetry(ctx, err, attempt, replayable || !sent)
		if !retry {
			c.logFailure(ctx, method, path, attempt, reason, err)
			break
		}
		wait := c.delay(attempt, err)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			c.logFailure(ctx, method, path, attempt, "deadline before the next attempt", err)
			break
		}
		c.log.WarnContext(ctx, "vipps: call failed, retrying", append(errAttrs(err),
			"method", method, "path", path, "attempt", attempt, "reason", reason, "wait", wait)...)
		if c.sleep(ctx, wait) != nil {
			break
		}
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		// Stopped because the caller gave up: say so, next to the last
		// attempt's error.
		err = fmt.Errorf("%w; gave up: %w", err, cerr)
	}
	if uncertain {
		return fmt.Errorf("%w: %s %s: %w", ErrOutcomeUnknown, method, path, err)
	}
	return fmt.Errorf("epayment: %s %s: %w", method, path, err)
}

// mayHaveHappened reports whether a failed attempt may still have been carried
// out by the API: anything but a 4xx answer.
func mayHaveHappened(err error) bool {
	if apiErr, ok := errors.AsType[*APIError](err); ok {
		return apiErr.Status >= 500
	}
	return true
}

func errAttrs(err error) []any {
	if apiErr, ok := errors.AsType[*APIError](err); ok {
		return []any{"status", apiErr.Status, "code", apiErr.Code, "traceId", apiErr.TraceID, "err", err}
	}
	return []any{"err", err}
}

func (c *Client) logFailure(ctx context.Context, method, path string, attempt int, reason string, err error) {
	level := slog.LevelWarn
	if apiErr, ok := errors.AsType[*APIError](err); ok && apiErr.Status < 500 {
		level = slog.LevelInfo // a refusal is an answer; the caller decides
	}
	c.log.Log(ctx, level, "vipps: call failed", append(errAttrs(err),
		"method", method, "path", path, "attempts", attempt, "reason", reason)...)
}

// maxAnswer bounds how much of an answer is read.
const maxAnswer = 1 << 20

// send makes one attempt.
func (c *Client) send(ctx context.Context, token, method, path, idemKey string, payload []byte, out any, attempt int) error {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if payload != nil {
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(payload)), nil }
		req.Header.Set("Content-Type", "application/json")
	}
	for k := range c.system {
		req.Header.Set(k, c.system.Get(k))
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Ocp-Apim-Subscription-Key", c.cfg.SubscriptionKey)
	req.Header.Set("Merchant-Serial-Number", c.cfg.MSN)
	req.Header.Set("Accept", "application/json, application/problem+json")
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	start := c.now()
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	c.log.DebugContext(ctx, "vipps: call", "method", method, "path", path, "status", resp.StatusCode,
		"attempt", attempt, "took", c.now().Sub(start))
	if err != nil {
		return fmt.Errorf("read %d answer: %w", resp.StatusCode, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return decodeError(resp, data, c.now())
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if !isJSON(resp.Header.Get("Content-Type"), data) {
		return fmt.Errorf("%w: %d answer is %q, not JSON", errBadAnswer, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: %d answer: %w", errBadAnswer, resp.StatusCode, err)
	}
	return nil
}
