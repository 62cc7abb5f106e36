package sim_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/payments/sim"
)

func TestServeAndShutdown(t *testing.T) {
	s, err := sim.New(sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()

	req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/accesstoken/get", nil)
	req.Header.Set("client_id", sim.DemoClientID)
	req.Header.Set("client_secret", sim.DemoClientSecret)
	req.Header.Set("Ocp-Apim-Subscription-Key", sim.DemoSubscriptionKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("token over a real listener: %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
}

func TestConfigChecks(t *testing.T) {
	for name, m := range map[string]sim.Merchant{
		"short MSN":       {MSN: "12", ClientID: "a", ClientSecret: "b", SubscriptionKey: "c"},
		"no subscription": {MSN: "1234", ClientID: "a", ClientSecret: "b"},
	} {
		if _, err := sim.New(sim.Config{Merchants: []sim.Merchant{m}}); err == nil {
			t.Errorf("%s: New accepted %+v", name, m)
		}
	}
}
