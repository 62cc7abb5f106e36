package demo_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo"
	"github.com/kasse-pos/kasse/app/demo/demotest"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/payments/sim"
)

func getPhone(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func tapPhone(t *testing.T, base, action, ref string) {
	t.Helper()
	resp, err := http.PostForm(base+action, url.Values{"msn": {sim.DemoMSN}, "reference": {ref}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK { // after the redirect back to the page
		t.Fatalf("%s %s: %s", action, ref, resp.Status)
	}
}

// pay sells a cappuccino to the customer who approves by number and waits
// for the request to reach them.
func pay(t *testing.T, r *demotest.Till) checkout.View {
	t.Helper()
	r.Fill("91234567", "P003")
	if err := r.Pay(); err != nil {
		t.Fatal(err)
	}
	return r.Await("the request", func(v checkout.View) bool {
		return v.Phase == checkout.PhaseWaiting || v.Phase >= checkout.PhaseCapturing
	})
}

// The test-phone page over real HTTP: a request the till sends shows on it,
// and Approve and Decline there end the till's payment.
func TestPhonePageEndsTheTillsPayment(t *testing.T) {
	r := demotest.Start(t, demotest.Options{})
	base := r.Demo.PhoneURL()
	if base == "" {
		t.Fatal("the demo serves no phone page")
	}
	getPhone(t, base) // the page is open: the simulated customer waits
	v := pay(t, r)
	if v.Phase != checkout.PhaseWaiting {
		t.Fatalf("with the phone page open the payment went on alone: %s", v.Phase)
	}
	if page := getPhone(t, base); !strings.Contains(page, v.Reference) || !strings.Contains(page, "49,00 NOK") {
		t.Fatalf("the phone page does not show %s:\n%s", v.Reference, page)
	}
	tapPhone(t, base, "approve", v.Reference)
	v = r.Await("the capture", func(v checkout.View) bool { return v.Phase == checkout.PhaseDone })
	if v.Outcome != journal.StateCaptured {
		t.Fatalf("approved on the phone, the sale ended %s", v.Outcome)
	}

	r.NewSale()
	getPhone(t, base)
	v = pay(t, r)
	tapPhone(t, base, "decline", v.Reference)
	v = r.Await("the decline", func(v checkout.View) bool { return v.Phase == checkout.PhaseEnded })
	if v.Outcome != journal.StateAborted {
		t.Errorf("declined on the phone, the payment ended %s", v.Outcome)
	}
}

// The demo menu's Decline: the next payment is declined whatever the number.
func TestScenarioDecline(t *testing.T) {
	r := demotest.Start(t, demotest.Options{})
	if err := r.Demo.Play(demo.ScenarioDecline); err != nil {
		t.Fatal(err)
	}
	pay(t, r)
	v := r.Await("the decline", func(v checkout.View) bool { return v.Phase == checkout.PhaseEnded || v.Phase == checkout.PhaseDone })
	if v.Phase != checkout.PhaseEnded || v.Outcome != journal.StateAborted {
		t.Fatalf("with Decline the sale ended %s (%s): %q", v.Phase, v.Outcome, v.Message)
	}
	if r.Demo.Playing() != demo.ScenarioDecline {
		t.Errorf("playing %q", r.Demo.Playing())
	}
}

// The demo menu's Vipps not answering: the till cannot tell, offers a safe
// retry, and with Vipps back the retry is paid once.
func TestScenarioVippsNotAnswering(t *testing.T) {
	r := demotest.Start(t, demotest.Options{})
	if err := r.Demo.Play(demo.ScenarioNoAnswer); err != nil {
		t.Fatal(err)
	}
	r.Fill("91234567", "P003")
	if err := r.Pay(); err != nil {
		t.Fatal(err)
	}
	v := r.Await("no answer", func(v checkout.View) bool { return v.Phase == checkout.PhaseEnded || v.Phase == checkout.PhaseDone })
	if v.Phase != checkout.PhaseEnded || !v.CanRetry {
		t.Fatalf("with Vipps not answering the sale ended %s (retry %v): %q", v.Phase, v.CanRetry, v.Message)
	}
	if err := r.Demo.Play(demo.ScenarioApprove); err != nil {
		t.Fatal(err)
	}
	if err := r.Retry(); err != nil {
		t.Fatal(err)
	}
	v = r.Await("the retried payment", func(v checkout.View) bool { return v.Phase == checkout.PhaseDone })
	if e := r.Ledger(v.Reference); e.Aggregate.CapturedAmount.Value != 4900 || e.Captures != 1 {
		t.Errorf("captured %d in %d captures after the retry; want 4900 once", e.Aggregate.CapturedAmount.Value, e.Captures)
	}
}

// The demo menu's relay down: the approval is found by polling.
func TestScenarioRelayDown(t *testing.T) {
	r := demotest.Start(t, demotest.Options{})
	if err := r.Demo.Play(demo.ScenarioRelayDown); err != nil {
		t.Fatal(err)
	}
	pay(t, r)
	r.Await("the capture by polling", func(v checkout.View) bool { return v.Phase == checkout.PhaseDone })
	if err := r.Demo.Play(demo.ScenarioApprove); err != nil {
		t.Fatalf("the relay did not come back: %v", err)
	}
}
