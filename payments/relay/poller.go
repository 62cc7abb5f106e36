package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kasse-pos/kasse/payments/webhook"
)

// CursorStore keeps the till's place in its relay feed. The till's journal
// implements it, so that the cursor and the sale state it acted on live in the
// same file.
type CursorStore interface {
	LoadCursor() (uint64, error)
	SaveCursor(uint64) error
}

// PollerState is the relay connection as the till's status bar shows it.
type PollerState int

// Poller states. The zero value is Reconnecting: not connected (yet).
const (
	Reconnecting PollerState = iota
	Connected
)

// String is the state as the status bar shows it: "connected" or "reconnecting".
func (s PollerState) String() string {
	switch s {
	case Connected:
		return "connected"
	case Reconnecting:
		return "reconnecting"
	}
	return "PollerState(" + strconv.Itoa(int(s)) + ")"
}

// ErrUnauthorized is the state error when the relay refuses the till's token
// (revoked or mistyped); the poller keeps trying at its slowest pace.
var ErrUnauthorized = errors.New("relay: token refused (revoked or wrong)")

// Poller follows a till's feed on the relay: it long-polls, hands each event to
// OnEvent in order, and saves the cursor after OnEvent returns nil, so delivery
// is at-least-once across crashes of either side. When the relay is away it
// reports Reconnecting and retries with capped, jittered backoff.
type Poller struct {
	BaseURL string // the relay, e.g. https://relay.example.com
	Token   string // the till's token from `kasse-relay till add`
	Cursor  CursorStore
	// HTTPClient is used for the long-polls; nil means a client of its own.
	// Its Timeout, if any, must exceed the relay's long-poll (25 s).
	HTTPClient *http.Client
	// OnEvent acts on one event. An error stops the batch; the event comes
	// again after a backoff. Events may repeat; act idempotently.
	OnEvent func(ctx context.Context, ev webhook.Event) error
	// OnState is told of each change of state, and of a new error while
	// reconnecting. It runs on the poller's goroutine.
	OnState func(PollerState, error)
	Logger  *slog.Logger

	// MinBackoff and MaxBackoff bound the wait between failed attempts;
	// zero means 250 ms and 10 s.
	MinBackoff, MaxBackoff time.Duration
	// RequestTimeout bounds one long-poll; zero means 60 s.
	RequestTimeout time.Duration
}

// Run follows the feed until ctx is done, then returns nil. It returns an
// error only when the cursor cannot be loaded at the start. A cursor that
// cannot be saved (a full disk) is logged and tried again after a backoff,
// from the last saved cursor: the events since come again, and OnEvent
// ignores what it has done.
func (p *Poller) Run(ctx context.Context) error {
	if p.OnEvent == nil {
		return errors.New("relay: Poller.OnEvent is nil")
	}
	log := p.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	client := p.HTTPClient
	if client == nil {
		client = &http.Client{Transport: newTransport()}
	}
	minB, maxB := p.MinBackoff, p.MaxBackoff
	if minB <= 0 {
		minB = 250 * time.Millisecond
	}
	if maxB <= 0 {
		maxB = 10 * time.Second
	}
	cursor, err := p.Cursor.LoadCursor()
	if err != nil {
		return fmt.Errorf("relay: load cursor: %w", err)
	}
	var (
		state    = Reconnecting
		lastErr  string
		failures int // failed polls in a row
		stuck    int // events in a row that OnEvent or SaveCursor failed on
		told     bool
	)
	report := func(s PollerState, err error) {
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if told && s == state && msg == lastErr {
			return
		}
		told, state, lastErr = true, s, msg
		if s == Connected {
			log.Info("relay connected", "cursor", cursor)
		} else {
			log.Warn("relay unreachable", "err", err)
		}
		if p.OnState != nil {
			p.OnState(s, err)
		}
	}
	sleep := func(n *int) bool {
		d := backoff(*n, minB, maxB)
		*n++
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		}
	}
	for ctx.Err() == nil {
		// Until connected, ask without waiting, so that the status bar turns
		// to connected at once rather than after the first long-poll.
		page, err := p.fetch(ctx, client, cursor, state == Connected)
		if ctx.Err() != nil {
			break
		}
		var ahead *aheadError
		switch {
		case errors.As(err, &ahead):
			// The relay's file was replaced: read its feed from the start.
			// Events may repeat; OnEvent is idempotent.
			log.Warn("relay log restarted; reading from the start", "cursor", cursor, "head", ahead.head)
			if err := p.Cursor.SaveCursor(0); err != nil {
				log.Error("cannot save the relay cursor; will retry", "err", err)
				if !sleep(&stuck) {
					return nil
				}
				continue
			}
			cursor = 0
			continue
		case err != nil:
			report(Reconnecting, err)
			if errors.Is(err, ErrUnauthorized) {
				failures = max(failures, 30) // a refused token will not heal quickly
			}
			if !sleep(&failures) {
				return nil
			}
			continue
		}
		failures = 0
		report(Connected, nil)
		for _, fe := range page.Events {
			var ev webhook.Event
			if err := json.Unmarshal(fe.Event, &ev); err != nil {
				// The relay checked it; a body that cannot parse here never will.
				log.Error("relay event unreadable; skipped", "cursor", fe.Cursor, "err", err)
			} else if err := p.OnEvent(ctx, ev); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				log.Error("acting on relay event failed; will retry", "cursor", fe.Cursor, "reference", ev.Reference, "err", err)
				if !sleep(&stuck) {
					return nil
				}
				break
			}
			if err := p.Cursor.SaveCursor(fe.Cursor); err != nil {
				// Not moving on: the event comes again after the backoff.
				log.Error("cannot save the relay cursor; will retry", "cursor", fe.Cursor, "err", err)
				if !sleep(&stuck) {
					return nil
				}
				break
			}
			cursor, stuck = fe.Cursor, 0
		}
	}
	return nil
}

// backoff is the wait after n failures: doubling from minB, capped at maxB,
// with jitter between half and all of it, so that many tills do not return to a
// restarted relay in step.
func backoff(n int, minB, maxB time.Duration) time.Duration {
	d := maxB
	if n < 30 {
		d = min(maxB, minB<<n)
	}
	return d/2 + rand.N(d/2+1)
}

type aheadError struct{ head uint64 }

func (e *aheadError) Error() string {
	return fmt.Sprintf("relay: cursor ahead of log (head %d)", e.head)
}

func (p *Poller) fetch(ctx context.Context, client *http.Client, cursor uint64, long bool) (*EventsPage, error) {
	timeout := p.RequestTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u := strings.TrimRight(p.BaseURL, "/") + PathEvents + "?after=" + strconv.FormatUint(cursor, 10)
	if !long {
		u += "&wait=0"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+p.Token)
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("relay: poll: %w", scrub(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("relay: poll: %w", err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized:
		return nil, ErrUnauthorized
	case http.StatusConflict:
		var a cursorAhead
		json.Unmarshal(body, &a)
		return nil, &aheadError{head: a.Head}
	default:
		return nil, fmt.Errorf("relay: poll: %s", resp.Status)
	}
	var page EventsPage
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("relay: poll answer: %w", err)
	}
	return &page, nil
}

// scrub drops the URL from a transport error: it is long and the status bar
// wants the cause (the token is in a header, never in the URL).
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 15 * time.Second}).DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
	}
}

// TillClient makes the till's one-off calls to the relay (receipt uploads);
// the Poller owns the long-poll.
type TillClient struct {
	BaseURL    string
	Token      string
	HTTPClient *http.Client // nil means a client of its own
}

// UploadReceipt stores a finished receipt on the relay and returns the short
// URL a phone opens; the till's receipt QR encodes it. Uploading the same
// receipt number again returns the same URL.
func (c *TillClient) UploadReceipt(ctx context.Context, doc ReceiptDoc) (string, error) {
	body, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("relay: encode receipt: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.BaseURL, "/")+PathReceipts, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("relay: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", "application/json")
	client := c.HTTPClient
	if client == nil {
		client = defaultTillClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("relay: upload receipt: %w", err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch resp.StatusCode {
	case http.StatusCreated, http.StatusOK:
	case http.StatusUnauthorized:
		return "", ErrUnauthorized
	default:
		var p problem
		json.Unmarshal(rb, &p)
		return "", fmt.Errorf("relay: upload receipt: %s %s", resp.Status, p.Error)
	}
	var up ReceiptUploaded
	if err := json.Unmarshal(rb, &up); err != nil || up.URL == "" {
		return "", fmt.Errorf("relay: upload receipt: bad answer: %v", err)
	}
	return up.URL, nil
}

var defaultTillClient = &http.Client{Transport: newTransport(), Timeout: 15 * time.Second}
