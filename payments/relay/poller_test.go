package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/webhook"
)

// memCursor stands in for the till's journal; it outlives a Poller the way
// the journal file outlives the till process.
type memCursor struct {
	mu    sync.Mutex
	c     uint64
	saved chan uint64 // optional: told of every save
}

func (m *memCursor) LoadCursor() (uint64, error) { m.mu.Lock(); defer m.mu.Unlock(); return m.c, nil }
func (m *memCursor) SaveCursor(c uint64) error {
	m.mu.Lock()
	m.c = c
	m.mu.Unlock()
	if m.saved != nil {
		m.saved <- c
	}
	return nil
}

// till runs a Poller and records what it was told.
type till struct {
	events chan webhook.Event
	states chan PollerState
	cancel context.CancelFunc
	done   chan error
}

func runTill(t *testing.T, baseURL, token string, cur CursorStore, onEvent func(webhook.Event) error) *till {
	t.Helper()
	tl := &till{events: make(chan webhook.Event, 100), states: make(chan PollerState, 100), done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	tl.cancel = cancel
	p := &Poller{
		BaseURL: baseURL, Token: token, Cursor: cur,
		OnEvent: func(_ context.Context, ev webhook.Event) error {
			if onEvent != nil {
				if err := onEvent(ev); err != nil {
					return err
				}
			}
			tl.events <- ev
			return nil
		},
		OnState:    func(s PollerState, _ error) { tl.states <- s },
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
	}
	go func() { tl.done <- p.Run(ctx) }()
	t.Cleanup(tl.stop)
	return tl
}

func (tl *till) stop() {
	if tl.cancel != nil {
		tl.cancel()
		<-tl.done
		tl.cancel = nil
	}
}

func (tl *till) next(t *testing.T) webhook.Event {
	t.Helper()
	select {
	case ev := <-tl.events:
		return ev
	case <-time.After(15 * time.Second):
		t.Fatal("no event reached the till")
	}
	return webhook.Event{}
}

func (tl *till) waitState(t *testing.T, want PollerState) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case s := <-tl.states:
			if s == want {
				return
			}
		case <-deadline:
			t.Fatalf("poller never reported %s", want)
		}
	}
}

func TestPollerDeliversInOrderAndResumesAfterTillRestart(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.addTill("till-1", msnA, "pt-")
	cur := &memCursor{}
	tl := runTill(t, h.http.URL, tok, cur, nil)
	tl.waitState(t, Connected)
	for i := 1; i <= 3; i++ {
		h.post(event(msnA, fmt.Sprintf("pt-%d", i), epayment.EventAuthorized))
	}
	for i := 1; i <= 3; i++ {
		if ev := tl.next(t); ev.Reference != fmt.Sprintf("pt-%d", i) {
			t.Fatalf("event %d is %s", i, ev.Reference)
		}
	}
	tl.stop()
	// The till is off; the customer approves another payment meanwhile.
	h.post(event(msnA, "pt-4", epayment.EventAuthorized))
	tl2 := runTill(t, h.http.URL, tok, cur, nil)
	if ev := tl2.next(t); ev.Reference != "pt-4" {
		t.Fatalf("after the till's restart the first event is %s, want pt-4", ev.Reference)
	}
}

func TestPollerRetriesAnEventItFailedToActOn(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.addTill("till-1", msnA, "f-")
	cur := &memCursor{saved: make(chan uint64, 10)}
	var mu sync.Mutex
	fails := 1
	tl := runTill(t, h.http.URL, tok, cur, func(webhook.Event) error {
		mu.Lock()
		defer mu.Unlock()
		if fails > 0 {
			fails--
			return errors.New("journal busy")
		}
		return nil
	})
	h.post(event(msnA, "f-1", epayment.EventAuthorized))
	if ev := tl.next(t); ev.Reference != "f-1" {
		t.Fatalf("got %s", ev.Reference)
	}
	// The cursor moves only after OnEvent succeeded, and then to the event.
	select {
	case c := <-cur.saved:
		if c != 1 {
			t.Fatalf("cursor saved as %d, want 1", c)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("cursor not saved")
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestPollerReconnectsAndResumesAfterRelayReturns(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.addTill("till-1", msnA, "rr-")
	// The relay listens on its own address, so that taking it down refuses
	// connections like a stopped process does.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	relay := &http.Server{Handler: h.h}
	go relay.Serve(ln)
	cur := &memCursor{}
	tl := runTill(t, "http://"+addr, tok, cur, nil)
	tl.waitState(t, Connected)
	h.post(event(msnA, "rr-1", epayment.EventAuthorized))
	if ev := tl.next(t); ev.Reference != "rr-1" {
		t.Fatalf("got %s", ev.Reference)
	}

	// Down: the long-poll breaks and new connections are refused.
	h.server.Close() // answer the waiting poll, as SIGTERM does
	relay.Close()
	tl.waitState(t, Reconnecting)
	h.stop()

	// Back, with an event that arrived while the till was disconnected.
	st, err := OpenStore(h.path)
	if err != nil {
		t.Fatal(err)
	}
	h.start(st)
	h.post(event(msnA, "rr-2", epayment.EventAuthorized))
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("relay cannot listen again on %s: %v", addr, err)
	}
	relay2 := &http.Server{Handler: h.h}
	go relay2.Serve(ln2)
	t.Cleanup(func() { relay2.Close() })
	tl.waitState(t, Connected)
	if ev := tl.next(t); ev.Reference != "rr-2" {
		t.Fatalf("after reconnect got %s, want rr-2 (rr-1 must not repeat)", ev.Reference)
	}
	h.post(event(msnA, "rr-3", epayment.EventAuthorized))
	if ev := tl.next(t); ev.Reference != "rr-3" {
		t.Fatalf("got %s", ev.Reference)
	}
}

func TestPollerReportsRefusedToken(t *testing.T) {
	h := newHarness(t, nil)
	states := make(chan error, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &Poller{
		BaseURL: h.http.URL, Token: "kt_revoked", Cursor: &memCursor{},
		OnEvent:    func(context.Context, webhook.Event) error { return nil },
		OnState:    func(_ PollerState, err error) { states <- err },
		MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond,
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	select {
	case err := <-states:
		if !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("state error %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no state reported")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestPollerStartsOverWhenRelayLogWasReplaced(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.addTill("till-1", msnA, "z-")
	h.post(event(msnA, "z-1", epayment.EventAuthorized))
	cur := &memCursor{c: 1000} // from a relay file that no longer exists
	tl := runTill(t, h.http.URL, tok, cur, nil)
	if ev := tl.next(t); ev.Reference != "z-1" {
		t.Fatalf("got %s", ev.Reference)
	}
}

func TestUploadReceipt(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.ReceiptBaseURL = "" })
	tok := h.addTill("till-1", msnA, "rc-")
	doc := ReceiptDoc{
		ShopName: `Kiosk <script>alert(1)</script> & Co`, ShopAddress: "Storgata 1, Oslo",
		Number: "1042", Time: time.Date(2026, 3, 4, 12, 30, 0, 0, time.UTC), Currency: "NOK",
		Lines: []ReceiptLine{{Name: "Kaffe", Qty: "2", Amount: 7000, VATPercent: 15}, {Name: "Bolle", Qty: "1", Amount: 123456, VATPercent: 15}},
		VAT:   []ReceiptVAT{{Percent: 15, Base: 113440, Amount: 17016}},
		Total: 130456, PaymentMethod: "Vipps", PaymentReference: "rc-1042",
	}
	c := &TillClient{BaseURL: h.http.URL, Token: tok}
	ctx := context.Background()
	u, err := c.UploadReceipt(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.UploadReceipt(ctx, doc)
	if err != nil || again != u {
		t.Fatalf("retried upload gave %s (%v), want %s", again, err, u)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %s", u, resp.Status)
	}
	for _, want := range []string{"Kiosk &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co", "Kaffe", "1\u00a0234,56", "1\u00a0304,56", "Vipps", "rc-1042"} {
		if !contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if contains(page, "<script>") {
		t.Error("page carries the shop's name unescaped")
	}
	if csp := resp.Header.Get("Content-Security-Policy"); csp == "" {
		t.Error("no Content-Security-Policy")
	}
	resp, err = http.Get(h.http.URL + PathReceiptPage + "/AAAAAAAAAAAAAAAAAAAAAA")
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown receipt: %s", resp.Status)
	}
	bad := &TillClient{BaseURL: h.http.URL, Token: "kt_nope"}
	if _, err := bad.UploadReceipt(ctx, doc); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("upload with a bad token: %v", err)
	}
	doc.Lines = nil
	if _, err := c.UploadReceipt(ctx, doc); err == nil {
		t.Fatal("a receipt without lines was taken")
	}
	// The LAN-only handler serves pages and nothing else.
	lan := httptest.NewServer(h.server.ReceiptHandler())
	defer lan.Close()
	for path, want := range map[string]int{PathReceiptPage + u[len(u)-23:]: http.StatusOK, PathEvents: http.StatusNotFound, PathHealth: http.StatusNotFound} {
		resp, err := http.Get(lan.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
		if resp.StatusCode != want {
			t.Errorf("LAN %s: %s, want %d", path, resp.Status, want)
		}
	}
}

// failingCursor refuses the first saves, like a full disk.
type failingCursor struct {
	memCursor
	fail atomic.Int32
}

func (f *failingCursor) SaveCursor(c uint64) error {
	if f.fail.Add(-1) >= 0 {
		return errors.New("no space left on device")
	}
	return f.memCursor.SaveCursor(c)
}

func TestPollerKeepsGoingWhenTheCursorCannotBeSaved(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.addTill("till-1", msnA, "df-")
	cur := &failingCursor{memCursor: memCursor{saved: make(chan uint64, 10)}}
	cur.fail.Store(2)
	tl := runTill(t, h.http.URL, tok, cur, nil)
	h.post(event(msnA, "df-1", epayment.EventAuthorized))
	// Delivered, not saved, delivered again... until the disk has room.
	for range 3 {
		if ev := tl.next(t); ev.Reference != "df-1" {
			t.Fatalf("got %s", ev.Reference)
		}
	}
	select {
	case c := <-cur.saved:
		if c != 1 {
			t.Fatalf("saved %d", c)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("cursor never saved")
	}
	h.post(event(msnA, "df-2", epayment.EventAuthorized))
	if ev := tl.next(t); ev.Reference != "df-2" {
		t.Fatalf("after the disk had room: %s", ev.Reference)
	}
	select {
	case err := <-tl.done:
		t.Fatalf("Run returned %v", err)
	default:
	}
}

// TestLargeEventsStayReadable: 51 signed bodies of 64 KiB of '<' were once
// one page of 19 MB (HTML-escaped six times over), past the poller's 16 MiB
// cap, and the till's feed stalled. Pages are bounded in bytes and not
// escaped, so the poller gets every event, in order.
func TestLargeEventsStayReadable(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.addTill("till-1", msnA, "big-")
	const n = 51
	for i := range n {
		ev := event(msnA, fmt.Sprintf("big-%03d", i), epayment.EventAuthorized)
		b, _ := json.Marshal(ev)
		pad := strings.Repeat("<", DefaultMaxBody-len(b)-20)
		body := append(b[:len(b)-1], `,"pad":"`+pad+`"}`...)
		if resp := h.postRaw(msnA, body, secretA, time.Now(), nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("event %d (%d bytes): %s", i, len(body), resp.Status)
		}
	}
	// One raw page: bounded, and '<' is not escaped.
	req, _ := http.NewRequest(http.MethodGet, h.http.URL+PathEvents+"?after=0&wait=0", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if len(raw) > feedMaxBytes+MaxMaxBody || bytes.Contains(raw, []byte(`\u003c`)) {
		t.Fatalf("page of %d bytes (escaped: %v)", len(raw), bytes.Contains(raw, []byte(`\u003c`)))
	}

	tl := runTill(t, h.http.URL, tok, &memCursor{}, nil)
	for i := range n {
		if ev := tl.next(t); ev.Reference != fmt.Sprintf("big-%03d", i) {
			t.Fatalf("event %d: %s", i, ev.Reference)
		}
	}
}
