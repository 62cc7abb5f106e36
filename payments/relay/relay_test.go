package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/webhook"
)

const (
	msnA    = "123456"
	msnB    = "654321"
	secretA = "secret-of-shop-a"
	secretB = "secret-of-shop-b"
)

// swap lets a test start the loopback listener before the server exists, so
// that the registered URL (which the HMAC covers) is the listener's.
type swap struct {
	mu sync.RWMutex
	h  http.Handler
}

func (s *swap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	h := s.h
	s.mu.RUnlock()
	if h == nil {
		http.Error(w, "relay down", http.StatusServiceUnavailable)
		return
	}
	h.ServeHTTP(w, r)
}

type harness struct {
	t      testing.TB
	path   string
	store  *Store
	server *Server
	http   *httptest.Server
	h      *swap
	cfg    Config
}

// newHarness runs a relay over real loopback HTTP with a real bbolt file and
// two MSNs registered.
func newHarness(t testing.TB, mod func(*Config)) *harness {
	t.Helper()
	h := &harness{t: t, path: filepath.Join(t.TempDir(), "relay.db"), h: &swap{}}
	// Served as kasse-relay serves: long-polls park on the Listener.
	h.http = httptest.NewUnstartedServer(h.h)
	h.http.Listener = Listener(h.http.Listener)
	h.http.Config.ConnContext = connContext
	h.http.Start()
	t.Cleanup(h.http.Close)
	st, err := OpenStore(h.path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ msn, id, secret string }{{msnA, "reg-a", secretA}, {msnB, "reg-b", secretB}} {
		if err := st.AddRegistration(r.msn, r.id, r.secret, WebhookURL(h.http.URL, r.msn)); err != nil {
			t.Fatal(err)
		}
	}
	h.cfg = Config{PublicURL: h.http.URL, LongPoll: time.Minute}
	if mod != nil {
		mod(&h.cfg)
	}
	h.start(st)
	t.Cleanup(h.stop)
	return h
}

func (h *harness) start(st *Store) {
	h.t.Helper()
	h.store = st
	cfg := h.cfg
	cfg.Store = st
	srv, err := NewServer(cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	h.server = srv
	h.h.mu.Lock()
	h.h.h = srv.Handler()
	h.h.mu.Unlock()
}

// stop takes the relay down the way the binary does on SIGTERM.
func (h *harness) stop() {
	if h.server == nil {
		return
	}
	h.h.mu.Lock()
	h.h.h = nil
	h.h.mu.Unlock()
	h.server.Close()
	h.store.Close()
	h.server, h.store = nil, nil
}

// unparked serves the relay from a plain httptest server instead, where
// long-polls cannot park.
func (h *harness) unparked() {
	h.t.Helper()
	h.http = httptest.NewServer(h.h)
	h.t.Cleanup(h.http.Close)
	for _, r := range []struct{ msn, id, secret string }{{msnA, "reg-a", secretA}, {msnB, "reg-b", secretB}} {
		if err := h.store.AddRegistration(r.msn, r.id, r.secret, WebhookURL(h.http.URL, r.msn)); err != nil {
			h.t.Fatal(err)
		}
	}
}

// restart closes and reopens the relay on the same file.
func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	st, err := OpenStore(h.path)
	if err != nil {
		h.t.Fatal(err)
	}
	h.start(st)
}

func event(msn, ref string, name epayment.EventName) webhook.Event {
	return webhook.Event{
		MSN: msn, Reference: ref, PSPReference: "psp-" + ref, Name: name,
		Amount:    epayment.Amount{Currency: epayment.NOK, Value: 35000},
		Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Success: true,
	}
}

// postRaw signs body for msn with secret at date and posts it; mutate may
// spoil the request after signing.
func (h *harness) postRaw(msn string, body []byte, secret string, date time.Time, mutate func(*http.Request)) *http.Response {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, WebhookURL(h.http.URL, msn), bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	webhook.Sign(req, body, secret, date)
	if mutate != nil {
		mutate(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func secretFor(msn string) string {
	if msn == msnB {
		return secretB
	}
	return secretA
}

// post delivers ev the way Vipps does and insists on a 200.
func (h *harness) post(ev webhook.Event) {
	h.t.Helper()
	body, _ := json.Marshal(ev)
	if resp := h.postRaw(ev.MSN, body, secretFor(ev.MSN), time.Now(), nil); resp.StatusCode != http.StatusOK {
		h.t.Fatalf("webhook %s %s: %s", ev.Reference, ev.Name, resp.Status)
	}
}

func (h *harness) addTill(name, msn, prefix string) string {
	h.t.Helper()
	tok, err := h.store.AddTill(name, msn, prefix)
	if err != nil {
		h.t.Fatal(err)
	}
	return tok
}

// poll is one GET of the feed; wait is in seconds (the relay's cap applies).
func (h *harness) poll(token string, after uint64, wait string) (int, EventsPage) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u := fmt.Sprintf("%s%s?after=%d", h.http.URL, PathEvents, after)
	if wait != "" {
		u += "&wait=" + wait
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var page EventsPage
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
			h.t.Fatal(err)
		}
	}
	return resp.StatusCode, page
}

func refs(t *testing.T, page EventsPage) []string {
	t.Helper()
	var out []string
	for _, fe := range page.Events {
		var ev webhook.Event
		if err := json.Unmarshal(fe.Event, &ev); err != nil {
			t.Fatal(err)
		}
		out = append(out, ev.Reference+"/"+string(ev.Name))
	}
	return out
}

func TestSignedWebhookReachesItsTill(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.addTill("till-1", msnA, "shop1-t1-")
	h.post(event(msnA, "shop1-t1-0001", epayment.EventAuthorized))
	code, page := h.poll(tok, 0, "0")
	if code != http.StatusOK {
		t.Fatalf("poll: %d", code)
	}
	if got := refs(t, page); len(got) != 1 || got[0] != "shop1-t1-0001/AUTHORIZED" {
		t.Fatalf("events = %v", got)
	}
	if page.Cursor != page.Events[0].Cursor || page.Cursor == 0 {
		t.Fatalf("cursor %d, event cursor %d", page.Cursor, page.Events[0].Cursor)
	}
	// The relay hands the body on as Vipps sent it, fields it does not know included.
	raw := []byte(`{"msn":"123456","reference":"shop1-t1-0002","pspReference":"p2","name":"AUTHORIZED","amount":{"currency":"NOK","value":100},"timestamp":"2026-01-02T03:04:05Z","success":true,"captureGuaranteedUntil":"2026-01-09T03:04:05Z"}`)
	if resp := h.postRaw(msnA, raw, secretA, time.Now(), nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("raw webhook: %s", resp.Status)
	}
	_, page = h.poll(tok, page.Cursor, "0")
	if len(page.Events) != 1 || !bytes.Equal(page.Events[0].Event, raw) {
		t.Fatalf("body changed on the way: %s", page.Events[0].Event)
	}
}

func TestBehindReverseProxyVerifiesTheRegisteredURL(t *testing.T) {
	// Vipps signs the public URL; a proxy forwards to another host and path.
	h := newHarness(t, nil)
	public := "https://relay.example.com/vipps/hook?shop=7"
	if err := h.store.AddRegistration("777777", "reg-7", "s7", public); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(event("777777", "x-1", epayment.EventAuthorized))
	req, _ := http.NewRequest(http.MethodPost, public, bytes.NewReader(body))
	webhook.Sign(req, body, "s7", time.Now())
	fwd, _ := http.NewRequest(http.MethodPost, WebhookURL(h.http.URL, "777777"), bytes.NewReader(body))
	fwd.Header = req.Header.Clone()
	resp, err := http.DefaultClient.Do(fwd)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("proxied delivery: %s", resp.Status)
	}
}

func TestRefusals(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxBody = 1024 })
	tok := h.addTill("till-1", msnA, "r-")
	good, _ := json.Marshal(event(msnA, "r-1", epayment.EventAuthorized))
	now := time.Now()
	big := append([]byte(`{"msn":"123456","reference":"r-2","name":"AUTHORIZED","pad":"`), bytes.Repeat([]byte("x"), 2000)...)
	big = append(big, `"}`...)
	cases := []struct {
		name   string
		msn    string
		body   []byte
		secret string
		date   time.Time
		mutate func(*http.Request)
		want   int
	}{
		{"wrong secret", msnA, good, "guess", now, nil, http.StatusUnauthorized},
		{"other shop's secret", msnA, good, secretB, now, nil, http.StatusUnauthorized},
		{"body changed after signing", msnA, good, secretA, now, func(r *http.Request) {
			b := bytes.Replace(good, []byte("35000"), []byte("1"), 1)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		}, http.StatusBadRequest},
		{"hash header forged to match a new body", msnA, good, secretA, now, func(r *http.Request) {
			b := bytes.Replace(good, []byte("35000"), []byte("1"), 1)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
			r.Header.Set(webhook.HeaderContentHash, webhook.ContentHash(b))
		}, http.StatusUnauthorized},
		{"date too old", msnA, good, secretA, now.Add(-DefaultReplayWindow - time.Minute), nil, http.StatusUnauthorized},
		{"date in the future", msnA, good, secretA, now.Add(DefaultReplayWindow + time.Minute), nil, http.StatusUnauthorized},
		{"date missing", msnA, good, secretA, now, func(r *http.Request) { r.Header.Del(webhook.HeaderDate) }, http.StatusUnauthorized},
		{"signature missing", msnA, good, secretA, now, func(r *http.Request) { r.Header.Del("Authorization") }, http.StatusUnauthorized},
		{"too large, declared", msnA, big, secretA, now, nil, http.StatusRequestEntityTooLarge},
		{"too large, chunked", msnA, big, secretA, now, func(r *http.Request) {
			r.Body, r.ContentLength = io.NopCloser(io.MultiReader(bytes.NewReader(big))), -1
		}, http.StatusRequestEntityTooLarge},
		{"not JSON, signed", msnA, []byte("msn=123456&reference=r-3"), secretA, now, nil, http.StatusBadRequest},
		{"JSON array, signed", msnA, []byte(`[1,2]`), secretA, now, nil, http.StatusBadRequest},
		{"invalid UTF-8, signed", msnA, []byte("{\"msn\":\"123456\",\"reference\":\"r-4\",\"name\":\"AUTHORIZED\",\"x\":\"\xff\xfe\"}"), secretA, now, nil, http.StatusBadRequest},
		{"overlong UTF-8 '<', signed", msnA, []byte("{\"msn\":\"123456\",\"reference\":\"r-5\",\"name\":\"AUTHORIZED\",\"x\":\"\xc0\xbc\"}"), secretA, now, nil, http.StatusBadRequest},
		{"content type not JSON", msnA, good, secretA, now, func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }, http.StatusUnsupportedMediaType},
		{"unknown MSN", "999999", good, secretA, now, nil, http.StatusNotFound},
		{"event of another MSN signed with this MSN's secret", msnB, good, secretB, now, nil, http.StatusBadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if resp := h.postRaw(c.msn, c.body, c.secret, c.date, c.mutate); resp.StatusCode != c.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, c.want)
			}
		})
	}
	st, err := h.store.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Head != 0 || st.Events != 0 {
		t.Fatalf("a refused delivery was stored: %+v", st)
	}
	if _, page := h.poll(tok, 0, "0"); len(page.Events) != 0 {
		t.Fatalf("till sees refused events: %v", refs(t, page))
	}
	// The same delivery, unspoiled, is taken.
	if resp := h.postRaw(msnA, good, secretA, now, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("good delivery: %s", resp.Status)
	}
}

func TestReplayWindowIsConfigurable(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.ReplayWindow = time.Minute })
	body, _ := json.Marshal(event(msnA, "w-1", epayment.EventAuthorized))
	if resp := h.postRaw(msnA, body, secretA, time.Now().Add(-2*time.Minute), nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("2 min old with a 1 min window: %s", resp.Status)
	}
}

func TestDuplicateStoredOnce(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.addTill("till-1", msnA, "d-")
	ev := event(msnA, "d-1", epayment.EventAuthorized)
	// Vipps retries: the same event, signed afresh each time, some at once.
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() { h.post(ev) })
	}
	wg.Wait()
	h.post(ev)
	h.post(event(msnA, "d-1", epayment.EventCaptured)) // another event of the same payment is new
	_, page := h.poll(tok, 0, "0")
	if got := refs(t, page); len(got) != 2 || got[0] != "d-1/AUTHORIZED" || got[1] != "d-1/CAPTURED" {
		t.Fatalf("events = %v", got)
	}
	if st, _ := h.store.Stats(); st.Events != 2 {
		t.Fatalf("stored %d events, want 2", st.Events)
	}
}

func TestTillsSeeOnlyTheirOwn(t *testing.T) {
	h := newHarness(t, nil)
	t1 := h.addTill("till-1", msnA, "s1-t1-")
	t2 := h.addTill("till-2", msnA, "s1-t2-")
	t3 := h.addTill("shop-b", msnB, "s1-t1-") // same prefix, other shop
	h.post(event(msnA, "s1-t1-0001", epayment.EventAuthorized))
	h.post(event(msnA, "s1-t2-0001", epayment.EventAuthorized))
	h.post(event(msnB, "s1-t1-0001", epayment.EventAborted))
	h.post(event(msnA, "other-0001", epayment.EventAuthorized))
	h.post(event(msnA, "s1-t1-0002", epayment.EventExpired))
	want := map[string][]string{
		t1: {"s1-t1-0001/AUTHORIZED", "s1-t1-0002/EXPIRED"},
		t2: {"s1-t2-0001/AUTHORIZED"},
		t3: {"s1-t1-0001/ABORTED"},
	}
	for tok, w := range want {
		_, page := h.poll(tok, 0, "0")
		if got := refs(t, page); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("till sees %v, want %v", got, w)
		}
	}
	if _, err := h.store.AddTill("till-3", msnA, "s1-t"); err == nil {
		t.Fatal("a prefix covering two tills' payments was accepted")
	}
	if _, err := h.store.AddTill("till-1", msnA, "s1-t9-"); err == nil {
		t.Fatal("a second till-1 was accepted")
	}
}

func TestTokens(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.addTill("till-1", msnA, "k-")
	h.post(event(msnA, "k-1", epayment.EventAuthorized))
	for _, bad := range []string{"", "kt_wrong", tok[:len(tok)-1], tok + "x", strings.ToUpper(tok)} {
		code, page := h.poll(bad, 0, "0")
		if code != http.StatusUnauthorized || len(page.Events) != 0 {
			t.Fatalf("token %q: %d, %d events", bad, code, len(page.Events))
		}
	}
	// The 401 body names nothing: no till, no MSN, no event.
	req, _ := http.NewRequest(http.MethodGet, h.http.URL+PathEvents+"?after=0", nil)
	req.Header.Set("Authorization", "Bearer kt_wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(b), "k-1") || strings.Contains(string(b), msnA) || strings.Contains(string(b), "till") {
		t.Fatalf("401 body leaks: %s", b)
	}
	if code, page := h.poll(tok, 0, "0"); code != http.StatusOK || len(page.Events) != 1 {
		t.Fatalf("good token: %d, %d events", code, len(page.Events))
	}
	if err := h.store.RevokeTill("till-1"); err != nil {
		t.Fatal(err)
	}
	if code, _ := h.poll(tok, 0, "0"); code != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d", code)
	}
	h.restart()
	if code, _ := h.poll(tok, 0, "0"); code != http.StatusUnauthorized {
		t.Fatalf("revoked token after restart: %d", code)
	}
	// The name can be given out again, with a new token and none of the old feed.
	tok2 := h.addTill("till-1", msnA, "k-")
	if code, page := h.poll(tok2, 0, "0"); code != http.StatusOK || len(page.Events) != 0 {
		t.Fatalf("re-added till: %d, %v", code, refs(t, page))
	}
}

func TestLongPollWakesOnEvent(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.LongPoll = time.Hour })
	tok := h.addTill("till-1", msnA, "lp-")
	type result struct {
		code int
		page EventsPage
	}
	got := make(chan result, 1)
	go func() {
		code, page := h.poll(tok, 0, "")
		got <- result{code, page}
	}()
	// Whether the poll is already waiting or not, it must come back with the
	// event: either it reads it at once or the wake-up brings it.
	h.post(event(msnA, "lp-1", epayment.EventAuthorized))
	select {
	case r := <-got:
		if r.code != http.StatusOK || len(r.page.Events) != 1 {
			t.Fatalf("%d %v", r.code, refs(t, r.page))
		}
	case <-time.After(15 * time.Second):
		t.Fatal("long-poll did not wake on a new event")
	}
}

func TestLongPollEndsEmpty(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.LongPoll = 50 * time.Millisecond })
	tok := h.addTill("till-1", msnA, "e-")
	code, page := h.poll(tok, 0, "")
	if code != http.StatusOK || len(page.Events) != 0 || page.Cursor != 0 {
		t.Fatalf("%d %+v", code, page)
	}
}

func (h *harness) waitWaiting(token string, n int64) {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, h.http.URL+PathHealth, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			h.t.Fatal(err)
		}
		var hl Health
		json.NewDecoder(resp.Body).Decode(&hl)
		resp.Body.Close()
		if hl.Waiting >= n {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%d long-polls waiting, want %d", hl.Waiting, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCloseAnswersWaitingLongPolls(t *testing.T) {
	for _, park := range []bool{true, false} {
		t.Run(fmt.Sprintf("park=%v", park), func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.LongPoll = time.Hour })
			if !park {
				h.unparked()
			}
			tok := h.addTill("till-1", msnA, "c-")
			done := make(chan int, 2)
			for range 2 {
				go func() {
					code, _ := h.poll(tok, 0, "")
					done <- code
				}()
			}
			h.waitWaiting(tok, 2)
			h.server.Close()
			for range 2 {
				select {
				case code := <-done:
					if code != http.StatusOK {
						t.Fatalf("waiting poll answered %d at Close", code)
					}
				case <-time.After(15 * time.Second):
					t.Fatal("Close left a long-poll waiting")
				}
			}
			// A poll that comes after Close is sent away, not held.
			if code, _ := h.poll(tok, 0, ""); code != http.StatusServiceUnavailable {
				t.Fatalf("poll after Close: %d", code)
			}
		})
	}
}

func TestLongPollWithoutParking(t *testing.T) {
	// Handler() behind a plain http.Server (as an embedding program may do):
	// polls wait in their handlers and still wake at once.
	h := newHarness(t, func(c *Config) { c.LongPoll = time.Hour })
	h.unparked()
	tok := h.addTill("till-1", msnA, "np-")
	got := make(chan EventsPage, 1)
	go func() {
		_, page := h.poll(tok, 0, "")
		got <- page
	}()
	h.waitWaiting(tok, 1)
	h.post(event(msnA, "np-1", epayment.EventAuthorized))
	select {
	case page := <-got:
		if r := refs(t, page); fmt.Sprint(r) != "[np-1/AUTHORIZED]" {
			t.Fatalf("%v", r)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("long-poll did not wake")
	}
}

func TestCursorResumesAfterRelayRestart(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.addTill("till-1", msnA, "cr-")
	for i := 1; i <= 3; i++ {
		h.post(event(msnA, fmt.Sprintf("cr-%d", i), epayment.EventAuthorized))
	}
	_, page := h.poll(tok, 0, "0")
	second := page.Events[1].Cursor
	h.restart()
	h.post(event(msnA, "cr-4", epayment.EventAuthorized))
	_, page = h.poll(tok, second, "0")
	if got := refs(t, page); fmt.Sprint(got) != "[cr-3/AUTHORIZED cr-4/AUTHORIZED]" {
		t.Fatalf("after restart: %v", got)
	}
	// A retry of an event from before the restart is still a duplicate.
	h.post(event(msnA, "cr-1", epayment.EventAuthorized))
	if _, page = h.poll(tok, page.Cursor, "0"); len(page.Events) != 0 {
		t.Fatalf("duplicate after restart delivered: %v", refs(t, page))
	}
}

func TestCursorAheadOfLogIsRefused(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.addTill("till-1", msnA, "a-")
	if code, _ := h.poll(tok, 99, "0"); code != http.StatusConflict {
		t.Fatalf("status %d, want 409", code)
	}
}

func TestRetentionPrunes(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := newHarness(t, func(c *Config) { c.Now = clock; c.Retention = 24 * time.Hour })
	tok := h.addTill("till-1", msnA, "p-")
	h.post(event(msnA, "p-1", epayment.EventAuthorized))
	mu.Lock()
	now = now.Add(25 * time.Hour)
	mu.Unlock()
	h.server.prune()
	// Signed at the moved clock's time, since the relay checks the date against it.
	body, _ := json.Marshal(event(msnA, "p-2", epayment.EventAuthorized))
	if resp := h.postRaw(msnA, body, secretA, clock(), nil); resp.StatusCode != http.StatusOK {
		t.Fatal(resp.Status)
	}
	_, page := h.poll(tok, 0, "0")
	if got := refs(t, page); fmt.Sprint(got) != "[p-2/AUTHORIZED]" {
		t.Fatalf("after pruning: %v", got)
	}
	if st, _ := h.store.Stats(); st.Events != 1 || st.Head != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestHealthz(t *testing.T) {
	h := newHarness(t, nil)
	resp, err := http.Get(h.http.URL + PathHealth)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatal(resp.Status)
	}
}

func TestParkedPollKeepsItsConnection(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.LongPoll = time.Hour })
	tok := h.addTill("till-1", msnA, "ka-")
	client := &http.Client{Transport: &http.Transport{}}
	var reused []bool
	get := func(after uint64) EventsPage {
		t.Helper()
		ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
			GotConn: func(i httptrace.GotConnInfo) { reused = append(reused, i.Reused) },
		})
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s%s?after=%d", h.http.URL, PathEvents, after), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var page EventsPage
		if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
			t.Fatal(err)
		}
		return page
	}
	for i := range 3 {
		done := make(chan EventsPage, 1)
		after := uint64(i)
		go func() { done <- get(after) }()
		h.waitWaiting(tok, 1) // parked
		h.post(event(msnA, fmt.Sprintf("ka-%d", i), epayment.EventAuthorized))
		select {
		case page := <-done:
			if len(page.Events) != 1 || page.Cursor != after+1 {
				t.Fatalf("poll %d: %+v", i, page)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("parked poll not answered")
		}
	}
	if fmt.Sprint(reused) != "[false true true]" {
		t.Fatalf("connection reuse %v: a parked poll's connection should serve the next poll", reused)
	}
}

func TestReceiptsArePruned(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := newHarness(t, func(c *Config) { c.Now = clock; c.ReceiptRetention = 48 * time.Hour })
	tok := h.addTill("till-1", msnA, "rp-")
	c := &TillClient{BaseURL: h.http.URL, Token: tok}
	u, err := c.UploadReceipt(context.Background(), ReceiptDoc{ShopName: "S", Number: "1", Time: now, Currency: "NOK",
		Lines: []ReceiptLine{{Name: "x", Qty: "1", Amount: 100}}, Total: 100})
	if err != nil {
		t.Fatal(err)
	}
	status := func() int {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	h.server.prune()
	if got := status(); got != http.StatusOK {
		t.Fatalf("fresh receipt: %d", got)
	}
	mu.Lock()
	now = now.Add(49 * time.Hour)
	mu.Unlock()
	h.server.prune()
	if got := status(); got != http.StatusNotFound {
		t.Fatalf("receipt past retention: %d", got)
	}
}

func TestHotBackupIsAWholeStore(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.addTill("till-1", msnA, "hb-")
	h.post(event(msnA, "hb-1", epayment.EventAuthorized))
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := h.store.BackupFile(backup); err != nil {
		t.Fatal(err)
	}
	h.post(event(msnA, "hb-2", epayment.EventAuthorized)) // after the backup
	st, err := OpenStore(backup)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.TillByToken(tok) == nil {
		t.Fatal("the backup lost the till")
	}
	if len(st.Registrations()) != 2 {
		t.Fatalf("the backup has %d registrations", len(st.Registrations()))
	}
	evs, head, err := st.Feed(context.Background(), "till-1", 0, 10, 1<<20)
	if err != nil || len(evs) != 1 || head != 1 {
		t.Fatalf("backup feed: %d events, head %d, %v", len(evs), head, err)
	}
}

func FuzzRecord(f *testing.F) {
	f.Add(int64(0), "123456|ref|AUTHORIZED|psp", []byte(`{"a":1}`))
	f.Add(int64(1767225600000000000), "", []byte{})
	f.Fuzz(func(t *testing.T, nanos int64, key string, body []byte) {
		if len(key) > 0xffff {
			return
		}
		at, k, b, ok := decodeRecord(encodeRecord(time.Unix(0, nanos), key, body))
		if !ok || at.UnixNano() != nanos || k != key || !bytes.Equal(b, body) {
			t.Fatalf("round trip: %v %q %q %v", at, k, b, ok)
		}
		decodeRecord(body) // never panics on anything
	})
}
