package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/relay"
	"github.com/kasse-pos/kasse/payments/sim"
	"github.com/kasse-pos/kasse/payments/webhook"
)

// cli runs a kasse-relay command with the simulator's API keys.
func cli(t *testing.T, bin string, args ...string) string {
	t.Helper()
	m := sim.DemoMerchant()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(cmd.Environ(),
		"VIPPS_CLIENT_ID="+m.ClientID, "VIPPS_CLIENT_SECRET="+m.ClientSecret, "VIPPS_SUBSCRIPTION_KEY="+m.SubscriptionKey)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kasse-relay %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestEndToEndWithTheSimulator takes the store owner's path: register the
// relay with the (simulated) Webhooks API, add a till, start the relay; then a
// payment approved at "Vipps" reaches the till's poller through a signed
// webhook, and a receipt goes up and comes back as a page.
func TestEndToEndWithTheSimulator(t *testing.T) {
	bin := build(t)
	s, err := sim.New(sim.Config{ManualCustomer: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	simLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Serve(ctx, simLn)
	simURL := "http://" + simLn.Addr().String()

	// The relay's address must be known to register it: take a free port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	public := "http://" + addr

	db := filepath.Join(t.TempDir(), "relay.db")
	out := cli(t, bin, "register", "-db", db, "-msn", sim.DemoMSN, "-url", public, "-api", simURL)
	if !strings.Contains(out, "registered "+relay.WebhookURL(public, sim.DemoMSN)) {
		t.Fatalf("register said: %s", out)
	}
	if out := cli(t, bin, "register", "-db", db, "-msn", sim.DemoMSN, "-url", public, "-api", simURL); !strings.Contains(out, "already registered") {
		t.Fatalf("second register said: %s", out)
	}
	out = cli(t, bin, "till", "add", "till-1", "-db", db, "-msn", sim.DemoMSN, "-prefix", "e2e-1-")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	if !strings.HasPrefix(token, "kt_") {
		t.Fatalf("till add said: %s", out)
	}
	list := cli(t, bin, "list", "-db", db, "-msn", sim.DemoMSN, "-api", simURL)
	if !strings.Contains(list, relay.WebhookURL(public, sim.DemoMSN)) || !strings.Contains(list, "yes") {
		t.Fatalf("list said: %s", list)
	}

	cmd := exec.Command(bin, "serve", "-db", db, "-listen", addr, "-public-url", public, "-log-format", "json")
	p := startCmd(t, cmd)
	// While it runs, the commands go through its admin socket: listing knows
	// the secret is here, and a till added now can poll at once.
	if out := cli(t, bin, "list", "-db", db, "-msn", sim.DemoMSN, "-api", simURL); !strings.Contains(out, "yes") {
		t.Fatalf("list while running said: %s", out)
	}
	out = cli(t, bin, "till", "add", "till-2", "-db", db, "-msn", sim.DemoMSN, "-prefix", "e2e-2-")
	lines = strings.Split(strings.TrimSpace(out), "\n")
	token2 := lines[len(lines)-1]
	if code, _ := pollOnce(t, p.base, token2); code != http.StatusOK {
		t.Fatalf("till added while running: poll %d", code)
	}
	if out := cli(t, bin, "till", "revoke", "till-2", "-db", db); !strings.Contains(out, "revoked") {
		t.Fatalf("till revoke while running said: %s", out)
	}
	if code, _ := pollOnce(t, p.base, token2); code != http.StatusUnauthorized {
		t.Fatalf("till revoked while running: poll %d", code)
	}
	if out, err := exec.Command(bin, "till", "add", "till-1", "-db", db, "-msn", sim.DemoMSN, "-prefix", "e2e-9-").CombinedOutput(); err == nil || !strings.Contains(string(out), "exists") {
		t.Fatalf("till add of a taken name while running: %v %s", err, out)
	}

	events := make(chan webhook.Event, 10)
	pctx, pcancel := context.WithCancel(ctx)
	defer pcancel()
	cur := &fileCursor{}
	poller := &relay.Poller{BaseURL: p.base, Token: token, Cursor: cur,
		OnEvent: func(_ context.Context, ev webhook.Event) error { events <- ev; return nil }}
	go poller.Run(pctx)

	m := sim.DemoMerchant()
	api, err := epayment.New(epayment.Config{BaseURL: simURL, ClientID: m.ClientID, ClientSecret: m.ClientSecret, SubscriptionKey: m.SubscriptionKey, MSN: m.MSN})
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"other-till-1", "e2e-1-0001"} {
		if _, err := api.CreatePayment(ctx, "idem-"+ref, epayment.CreatePaymentRequest{
			Amount: epayment.Amount{Currency: epayment.NOK, Value: 4900}, Reference: ref,
			PaymentMethod: epayment.PaymentMethod{Type: "WALLET"}, UserFlow: epayment.FlowQR,
			CustomerInteraction: epayment.CustomerPresent, PaymentDescription: "e2e",
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.Approve(sim.DemoMSN, ref); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case ev := <-events:
		if ev.Reference != "e2e-1-0001" || ev.Name != epayment.EventAuthorized || !ev.Success {
			t.Fatalf("till got %+v", ev)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the approval never reached the till\n%s", p.logs)
	}

	tc := &relay.TillClient{BaseURL: p.base, Token: token}
	u, err := tc.UploadReceipt(ctx, relay.ReceiptDoc{ShopName: "E2E", Number: "1", Time: time.Now(), Currency: "NOK",
		Lines: []relay.ReceiptLine{{Name: "Kaffe", Qty: "1", Amount: 4900}}, Total: 4900, PaymentMethod: "Vipps", PaymentReference: "e2e-1-0001"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, public+relay.PathReceiptPage+"/") {
		t.Fatalf("receipt URL %s", u)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("receipt page: %s", resp.Status)
	}

	// The store owner stops the relay and deletes the registration.
	pcancel()
	p.cmd.Process.Signal(interrupt)
	<-p.done
	reg := strings.Fields(strings.Split(strings.TrimSpace(list), "\n")[1])[0]
	if out := cli(t, bin, "delete", "-db", db, "-msn", sim.DemoMSN, "-id", reg, "-api", simURL); !strings.Contains(out, "deleted") {
		t.Fatalf("delete said: %s", out)
	}
	if out := cli(t, bin, "list", "-db", db, "-msn", sim.DemoMSN, "-api", simURL); strings.Contains(out, reg) {
		t.Fatalf("still listed after delete: %s", out)
	}
}

type fileCursor struct{ c uint64 }

func (f *fileCursor) LoadCursor() (uint64, error) { return f.c, nil }
func (f *fileCursor) SaveCursor(c uint64) error   { f.c = c; return nil }

// pollOnce asks the relay's feed once without waiting.
func pollOnce(t *testing.T, base, token string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+relay.PathEvents+"?after=0&wait=0", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
