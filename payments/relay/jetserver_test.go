package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/webhook"
)

const sharedPublic = "https://relay.test" // the one URL in front of every instance

// instance is one relay server on its own JetStore connection.
type instance struct {
	st  *JetStore
	srv *Server
	url string
}

func startInstance(t *testing.T, natsURL string) *instance {
	t.Helper()
	st := openTestJetStore(t, natsURL)
	srv, err := NewServer(Config{Store: st, PublicURL: sharedPublic, LongPoll: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(srv.Handler())
	hs.Listener = Listener(hs.Listener)
	hs.Config.ConnContext = connContext
	hs.Start()
	t.Cleanup(func() { srv.Close(); hs.Close(); st.Close() })
	return &instance{st: st, srv: srv, url: hs.URL}
}

// postVia signs ev for the shared public URL and posts it to one instance,
// as a load balancer would pass it on.
func postVia(t *testing.T, base string, ev webhook.Event) int {
	t.Helper()
	body, _ := json.Marshal(ev)
	signed, _ := http.NewRequest(http.MethodPost, WebhookURL(sharedPublic, ev.MSN), bytes.NewReader(body))
	webhook.Sign(signed, body, secretA, time.Now())
	req, _ := http.NewRequest(http.MethodPost, WebhookURL(base, ev.MSN), bytes.NewReader(body))
	req.Header = signed.Header.Clone()
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func pollVia(t *testing.T, base, token string, after uint64, wait int) (int, EventsPage) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s%s?after=%d&wait=%d", base, PathEvents, after, wait), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page EventsPage
	if resp.StatusCode == http.StatusOK {
		json.NewDecoder(resp.Body).Decode(&page)
	}
	return resp.StatusCode, page
}

// TestInstancesShareOneJetStream: two relay instances on one JetStream serve
// the same tills. A till added through one is known to the other, a webhook
// stored by one wakes the poll waiting on the other (a poll that slept
// instead would come back empty after its 20 s), and a revocation through
// one is refused by the other.
func TestInstancesShareOneJetStream(t *testing.T) {
	n := startTestNode(t, t.TempDir())
	a, b := startInstance(t, n.ClientURL()), startInstance(t, n.ClientURL())
	if err := a.st.AddRegistration(msnA, "reg-a", secretA, WebhookURL(sharedPublic, msnA)); err != nil {
		t.Fatal(err)
	}
	tok, err := b.st.AddTill("till-1", msnA, "shop1-")
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "instance A knows the till and the registration", func() bool {
		return a.st.TillByToken(tok) != nil && len(b.st.RegistrationsFor(msnA)) == 1
	})

	got := make(chan EventsPage, 1)
	go func() {
		_, page := pollVia(t, b.url, tok, 0, 20)
		got <- page
	}()
	waitUntil(t, "the poll waits on B", func() bool { return b.srv.waiting.Load() == 1 })
	if code := postVia(t, a.url, event(msnA, "shop1-0001", epayment.EventAuthorized)); code != http.StatusOK {
		t.Fatalf("webhook through A: %d", code)
	}
	page := <-got
	if len(page.Events) != 1 || page.Cursor != page.Events[0].Cursor {
		t.Fatalf("the poll on B got %+v", page)
	}
	// The same delivery through B is a duplicate: nothing new for the till.
	if code := postVia(t, b.url, event(msnA, "shop1-0001", epayment.EventAuthorized)); code != http.StatusOK {
		t.Fatalf("retry through B: %d", code)
	}
	if _, page := pollVia(t, a.url, tok, 0, 0); len(page.Events) != 1 {
		t.Fatalf("after the retry A serves %d events", len(page.Events))
	}

	if err := a.st.RevokeTill("till-1"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "B refuses the revoked token", func() bool {
		code, _ := pollVia(t, b.url, tok, 0, 0)
		return code == http.StatusUnauthorized
	})
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 15 s for: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestBindKeepsTheRelaysSettings: `kasse-relay till add -nats` opens the
// store bound to what the relay created, and must not reset its retention.
func TestBindKeepsTheRelaysSettings(t *testing.T) {
	n := startTestNode(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	relaySt, err := OpenJetStore(ctx, JetStoreConfig{URL: n.ClientURL(), Retention: 48 * time.Hour, ReceiptRetention: 72 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer relaySt.Close()
	cli, err := OpenJetStore(ctx, JetStoreConfig{URL: n.ClientURL(), Bind: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.AddTill("till-1", msnA, "p-"); err != nil {
		t.Fatal(err)
	}
	cli.Close()
	info, err := relaySt.stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := relaySt.rcpts.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.MaxAge != 48*time.Hour || rs.TTL() != 72*time.Hour {
		t.Fatalf("after the CLI: MaxAge %v, receipt TTL %v; want 48h, 72h", info.Config.MaxAge, rs.TTL())
	}
	// Opened without Bind, with other settings, the store applies them.
	again, err := OpenJetStore(ctx, JetStoreConfig{URL: n.ClientURL(), Retention: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if info, _ := again.stream.Info(ctx); info.Config.MaxAge != 24*time.Hour {
		t.Fatalf("a relay with -retention 24h left MaxAge %v", info.Config.MaxAge)
	}
}
