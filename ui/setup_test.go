package ui

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/cashier"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/setup"
	"github.com/kasse-pos/kasse/app/station"
	"github.com/kasse-pos/kasse/payments/relay"
	"github.com/kasse-pos/kasse/payments/sim"
)

// fakeVipps is the simulator and a relay on loopback; the relay knows one
// till, "till-2", with till 2's reference prefix.
func fakeVipps(t *testing.T) (simURL, relayURL, token2 string) {
	t.Helper()
	s, err := sim.New(sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	store, err := relay.OpenStore(filepath.Join(t.TempDir(), "relay.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	srv, err := relay.NewServer(relay.Config{Store: store, PublicURL: "http://relay.invalid"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	rs := httptest.NewServer(srv.Handler())
	t.Cleanup(rs.Close)
	tok, err := store.AddTill("till-2", sim.DemoMSN, checkout.ReferencePrefix("2"))
	if err != nil {
		t.Fatal(err)
	}
	return hs.URL, rs.URL, tok
}

// runTest taps a step's Test connection button and returns the answer once
// the test has finished.
func (f *form) runTest(t *testing.T, st setup.Step) *widget.Label {
	t.Helper()
	test.Tap(f.tests[st])
	select {
	case <-f.busy:
	case <-time.After(20 * time.Second):
		t.Fatalf("the %s test did not finish", st)
	}
	return f.results[st]
}

func TestSetupStepByStep(t *testing.T) {
	simURL, relayURL, token2 := fakeVipps(t)
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1024, 768))
	var saved *station.Config
	s := ShowSetup(w, SetupOptions{Done: func(c station.Config) error { saved = &c; return nil }})
	if s.Step() != -1 {
		t.Fatal("setup does not start at the welcome page")
	}
	s.show(0)
	f := s.form
	test.Tap(s.next) // Test environment, the default
	if s.Step() != 1 {
		t.Fatalf("on step %d after Next", s.Step())
	}
	// The simulator stands in for apitest: the test points the form at it.
	f.cfg.Vipps.BaseURL = simURL
	m := sim.DemoMerchant()
	test.Type(f.clientID, m.ClientID)
	test.Type(f.secret, "not-the-secret")
	test.Type(f.subKey, m.SubscriptionKey)
	test.Type(f.msn, m.MSN)
	if res := f.runTest(t, setup.StepKeys); !strings.Contains(res.Text, "refused these keys") || res.Importance != widget.DangerImportance {
		t.Errorf("bad secret: %q", res.Text)
	}
	f.secret.SetText(m.ClientSecret)
	if res := f.runTest(t, setup.StepKeys); !strings.Contains(res.Text, "Connected") {
		t.Errorf("good keys: %q", res.Text)
	}
	test.Tap(s.next)
	test.Tap(s.next) // no shop name yet: Next still moves on; the end says what is missing
	f.posID.SetText("1")
	test.Type(f.relayURL, relayURL)
	test.Type(f.relayToken, token2)
	if res := f.runTest(t, setup.StepTill); !strings.Contains(res.Text, `"kasse-2-"`) || !strings.Contains(res.Text, `"kasse-1-"`) {
		t.Errorf("till 1 with till 2's token: %q", res.Text)
	}
	f.posID.SetText("2")
	if res := f.runTest(t, setup.StepTill); !strings.Contains(res.Text, "till-2") || res.Importance != widget.SuccessImportance {
		t.Errorf("till 2: %q", res.Text)
	}
	for s.Step() < len(setup.Steps)-1 {
		test.Tap(s.next)
	}
	test.Type(f.managerName, "Anna")
	test.Type(f.managerPIN, "4711")
	test.Type(f.managerPIN2, "4711")
	test.Tap(s.next)
	if saved != nil || s.Step() != 2 || !strings.Contains(s.err.Text, "shop's name") {
		t.Fatalf("saved without a shop name; on step %d: %q", s.Step(), s.err.Text)
	}
	test.Type(f.shopName, "Butikken")
	for s.Step() < len(setup.Steps)-1 {
		test.Tap(s.next)
	}
	test.Tap(s.next)
	if saved == nil {
		t.Fatalf("not saved: %q", s.err.Text)
	}
	if saved.Shop.Name != "Butikken" || saved.POSID != "2" || saved.Vipps.ClientSecret != m.ClientSecret || saved.Currency != "NOK" ||
		len(saved.Cashiers) != 1 || saved.Cashiers[0].Role != cashier.RoleManager || strings.Contains(saved.Cashiers[0].PIN, "4711") || saved.Demo {
		t.Errorf("saved %+v", *saved)
	}
}

func TestConfigErrorIsShownInTheWindow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kasse.json")
	os.WriteFile(path, []byte("{\n  \"posId\": \"1\"\n  \"market\": \"NO\"\n}\n"), 0o600)
	_, err := station.Load(path)
	if err == nil {
		t.Fatal("a broken file loaded")
	}
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	ShowProblem(w, err.Error(), nil, func() {})
	var found bool
	walk(w.Content(), func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && strings.Contains(l.Text, "line 3, column 3") {
			found = true
		}
	})
	if !found {
		t.Error("the window does not say line 3, column 3")
	}
}

// walk visits o and everything inside it.
func walk(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	fn(o)
	switch c := o.(type) {
	case *fyne.Container:
		for _, k := range c.Objects {
			walk(k, fn)
		}
	case *widget.Label:
	case fyne.Widget:
		for _, k := range test.WidgetRenderer(c).Objects() {
			walk(k, fn)
		}
	}
}
