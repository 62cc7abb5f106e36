package sim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/sim"
	"github.com/kasse-pos/kasse/payments/webhook"
)

// receiver is a webhook endpoint on loopback that verifies every delivery's
// HMAC the way the relay does and hands the events to the test.
type receiver struct {
	t      *testing.T
	url    string
	events chan webhook.Event
	clock  sim.Clock

	mu       sync.Mutex
	secret   string
	failNext int // answer 500 to this many deliveries first
	attempts int
}

func newReceiver(t *testing.T, clock sim.Clock) *receiver {
	rc := &receiver{t: t, events: make(chan webhook.Event, 100), clock: clock}
	srv := httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(srv.Close)
	rc.url = srv.URL + "/vipps/hook?till=1"
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.attempts++
	secret, fail := rc.secret, rc.failNext > 0
	if fail {
		rc.failNext--
	}
	rc.mu.Unlock()
	u, _ := url.Parse(rc.url)
	if err := webhook.Verify(r.Header, body, secret, u.Host, u.RequestURI(), rc.clock.Now(), 5*time.Minute); err != nil {
		rc.t.Errorf("delivery does not verify: %v", err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if fail {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	var ev webhook.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		rc.t.Errorf("delivery body %q: %v", body, err)
	}
	rc.events <- ev
}

// next waits for the next delivered event.
func (rc *receiver) next() webhook.Event {
	rc.t.Helper()
	select {
	case ev := <-rc.events:
		return ev
	case <-time.After(10 * time.Second):
		rc.t.Fatal("no webhook delivered within 10 s")
		return webhook.Event{}
	}
}

// nextNames waits for n events and returns their names.
func (rc *receiver) nextNames(n int) []epayment.EventName {
	rc.t.Helper()
	var out []epayment.EventName
	for range n {
		out = append(out, rc.next().Name)
	}
	return out
}

var allEvents = func() []string {
	var out []string
	for _, n := range []epayment.EventName{epayment.EventCreated, epayment.EventAborted, epayment.EventExpired,
		epayment.EventCancelled, epayment.EventCaptured, epayment.EventRefunded, epayment.EventAuthorized, epayment.EventTerminated} {
		out = append(out, webhook.Type(n))
	}
	return out
}()

type registered struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
}

func (e *env) register(rc *receiver, events []string) registered {
	e.t.Helper()
	r := e.must(http.MethodPost, "/webhooks/v1/webhooks", "", map[string]any{"url": rc.url, "events": events})
	if r.status != http.StatusCreated {
		e.t.Fatalf("register: %d %s", r.status, r.body)
	}
	var reg registered
	r.decode(e.t, &reg)
	rc.mu.Lock()
	rc.secret = reg.Secret
	rc.mu.Unlock()
	return reg
}

func TestWebhookSignedDeliveryInOrder(t *testing.T) {
	e := newEnv(t, nil)
	rc := newReceiver(t, e.clock)
	e.register(rc, allEvents)

	ref := "kasse-hook-0001"
	key := e.create(pushRequest(ref, sim.PhoneApproves, 12900))
	created := rc.next()
	if created.Name != epayment.EventCreated || created.MSN != sim.DemoMSN || created.Reference != ref ||
		created.Amount != nok(12900) || !created.Success || created.IdempotencyKey == nil || *created.IdempotencyKey != key {
		t.Errorf("CREATED webhook = %+v", created)
	}
	if psp := e.payment(ref).PSPReference; created.PSPReference != psp {
		t.Errorf("CREATED webhook pspReference %s, payment %s", created.PSPReference, psp)
	}
	e.clock.Advance(sim.DefaultApproveDelay)
	e.must(http.MethodPost, paymentPath(ref, "capture"), newKey(), modification(12900))
	if got := rc.nextNames(2); !slices.Equal(got, []epayment.EventName{epayment.EventAuthorized, epayment.EventCaptured}) {
		t.Errorf("webhooks = %v, want AUTHORIZED then CAPTURED", got)
	}
}

func TestWebhookOnlySubscribedEvents(t *testing.T) {
	e := newEnv(t, nil)
	rc := newReceiver(t, e.clock)
	e.register(rc, []string{webhook.Type(epayment.EventAuthorized), webhook.Type(epayment.EventAborted)})
	e.create(pushRequest("kasse-hook-sub-1", sim.PhoneDeclines, 1000))
	e.create(pushRequest("kasse-hook-sub-2", sim.PhoneApproves, 1000))
	e.clock.Advance(sim.DefaultApproveDelay)
	got := []string{}
	for range 2 {
		ev := rc.next()
		got = append(got, ev.Reference+" "+string(ev.Name))
	}
	if want := []string{"kasse-hook-sub-1 ABORTED", "kasse-hook-sub-2 AUTHORIZED"}; !slices.Equal(got, want) {
		t.Errorf("webhooks = %v, want %v", got, want)
	}
}

func TestWebhookRetryAfterFailure(t *testing.T) {
	// Real time here, with a short backoff: the retries happen on their own.
	e := newEnv(t, func(c *sim.Config) {
		c.Clock, c.ManualCustomer = nil, true
		c.WebhookRetryMin, c.WebhookRetryMax = 5*time.Millisecond, 20*time.Millisecond
	})
	rc := newReceiver(t, sim.Clock(wallClock{}))
	rc.failNext = 3
	e.register(rc, allEvents)
	ref := "kasse-hook-retry"
	e.create(pushRequest(ref, sim.PhoneApproves, 1000))
	if err := e.sim.Approve(sim.DemoMSN, ref); err != nil {
		t.Fatal(err)
	}
	// CREATED is retried until it succeeds, and AUTHORIZED waits behind it.
	if got := rc.nextNames(2); !slices.Equal(got, []epayment.EventName{epayment.EventCreated, epayment.EventAuthorized}) {
		t.Errorf("webhooks = %v, want CREATED then AUTHORIZED", got)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.attempts != 5 {
		t.Errorf("%d delivery attempts, want 3 failed + 2 delivered", rc.attempts)
	}
}

func TestWebhookBackoffOnTheClock(t *testing.T) {
	e := newEnv(t, func(c *sim.Config) { c.ManualCustomer = true })
	rc := newReceiver(t, e.clock)
	rc.failNext = 2
	e.register(rc, allEvents)
	before := e.clock.Pending()
	e.create(pushRequest("kasse-hook-back", sim.PhoneApproves, 1000))
	// After the first failure the deliverer waits WebhookRetryMin (1 s), then
	// 2 s: nothing arrives until the clock has moved that far.
	for _, wait := range []time.Duration{sim.DefaultRetryMin, 2 * sim.DefaultRetryMin} {
		waitFor(t, func() bool { return e.clock.Pending() > before+1 }) // expiry timer + backoff timer
		e.clock.Advance(wait - time.Millisecond)
		select {
		case ev := <-rc.events:
			t.Fatalf("%s delivered before its backoff was over", ev.Name)
		default:
		}
		e.clock.Advance(time.Millisecond)
	}
	if ev := rc.next(); ev.Name != epayment.EventCreated {
		t.Errorf("delivered %s, want CREATED", ev.Name)
	}
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}

type wallClock struct{}

func (wallClock) Now() time.Time                                { return time.Now() }
func (wallClock) AfterFunc(d time.Duration, f func()) sim.Timer { return time.AfterFunc(d, f) }

func TestWebhookRegistration(t *testing.T) {
	e := newEnv(t, func(c *sim.Config) { c.WebhookLimit = 2 })
	rc := newReceiver(t, e.clock)
	captured := []string{webhook.Type(epayment.EventCaptured)}
	a := e.register(rc, captured)
	b := e.register(rc, append([]string{webhook.Type(epayment.EventAuthorized)}, captured...))
	if a.ID == b.ID || a.Secret == b.Secret || len(a.Secret) < 32 {
		t.Errorf("registrations %+v and %+v: want distinct ids and long distinct secrets", a, b)
	}

	bad := map[string]map[string]any{
		"plain http off loopback":  {"url": "http://relay.example.com/hook", "events": captured},
		"over the per-event limit": {"url": rc.url, "events": captured},
		"unknown event type":       {"url": rc.url, "events": []string{"epayments.payment.paid.v1"}},
		"no events":                {"url": rc.url, "events": []string{}},
	}
	for name, body := range bad {
		r := e.must(http.MethodPost, "/webhooks/v1/webhooks", "", body)
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", name, r.status, r.body)
		}
	}
	if r := e.must(http.MethodPost, "/webhooks/v1/webhooks", "", map[string]any{"url": "https://relay.example.com/hook", "events": []string{webhook.Type(epayment.EventAuthorized)}}); r.status != http.StatusCreated {
		t.Errorf("https URL: %d %s", r.status, r.body)
	}

	var list struct {
		Webhooks []struct {
			ID     string   `json:"id"`
			URL    string   `json:"url"`
			Events []string `json:"events"`
		} `json:"webhooks"`
	}
	e.must(http.MethodGet, "/webhooks/v1/webhooks", "", nil).decode(t, &list)
	if len(list.Webhooks) != 3 || list.Webhooks[0].ID != a.ID || list.Webhooks[0].URL != rc.url {
		t.Fatalf("list = %+v", list)
	}
	if r := e.must(http.MethodDelete, "/webhooks/v1/webhooks/"+a.ID, "", nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := e.must(http.MethodDelete, "/webhooks/v1/webhooks/"+a.ID, "", nil); r.status != http.StatusBadRequest {
		t.Errorf("delete again: %d %s, want 400", r.status, r.body)
	}
	e.must(http.MethodGet, "/webhooks/v1/webhooks", "", nil).decode(t, &list)
	if len(list.Webhooks) != 2 {
		t.Errorf("%d registrations after delete, want 2", len(list.Webhooks))
	}
	// The freed slot can be taken again.
	e.register(rc, captured)
}
