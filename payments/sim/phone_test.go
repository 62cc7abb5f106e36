package sim_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/sim"
)

// phonePage loads the test-phone page over HTTP and returns its HTML.
func phonePage(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("phone page: %s", resp.Status)
	}
	return string(b)
}

func phoneTap(t *testing.T, base, action, ref string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/"+action, url.Values{"msn": {sim.DemoMSN}, "reference": {ref}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s %s: %s", action, ref, resp.Status)
	}
}

// The page lists a waiting request; Approve and Decline answer it as the
// customer's app does; while the page is open the simulated customer waits.
func TestPhonePageApprovesAndDeclines(t *testing.T) {
	e := newEnv(t, nil)
	phone := httptest.NewServer(e.sim.PhoneHandler())
	t.Cleanup(phone.Close)
	if page := phonePage(t, phone.URL); !strings.Contains(page, "No payment requests yet") {
		t.Fatalf("an empty phone page reads:\n%s", page)
	}
	e.create(pushRequest("phonepage-1", sim.PhoneApproves, 4900))
	e.create(pushRequest("phonepage-2", sim.PhoneApproves, 12500))
	page := phonePage(t, phone.URL)
	for _, want := range []string{"49,00 NOK", "125,00 NOK", "phonepage-1", ">Approve<", ">Decline<"} {
		if !strings.Contains(page, want) {
			t.Errorf("the phone page lacks %q:\n%s", want, page)
		}
	}
	// The simulated customer's time passes, but a person holds the phone.
	e.clock.Advance(sim.DefaultApproveDelay)
	if st := e.payment("phonepage-1").State; st != epayment.StateCreated {
		t.Fatalf("with the phone page open the simulated customer answered: %s", st)
	}
	phoneTap(t, phone.URL, "approve", "phonepage-1")
	phoneTap(t, phone.URL, "decline", "phonepage-2")
	if st := e.payment("phonepage-1").State; st != epayment.StateAuthorized {
		t.Errorf("Approve on the page left the payment %s", st)
	}
	if st := e.payment("phonepage-2").State; st != epayment.StateAborted {
		t.Errorf("Decline on the page left the payment %s", st)
	}
	// Once the page has been closed a while, the simulated customer is back.
	e.clock.Advance(sim.PhoneIdle)
	e.create(pushRequest("phonepage-3", sim.PhoneApproves, 100))
	e.clock.Advance(sim.DefaultApproveDelay)
	if st := e.payment("phonepage-3").State; st != epayment.StateAuthorized {
		t.Errorf("with the page closed the simulated customer left the payment %s", st)
	}
}

// A Behaviour overrides the phone number's answer and the request's life.
func TestBehaviourOverridesTheNumber(t *testing.T) {
	e := newEnv(t, nil)
	e.sim.SetBehaviour(sim.Behaviour{Answer: sim.AnswerDecline})
	e.create(pushRequest("behaviour-1", sim.PhoneApproves, 100))
	e.clock.Advance(sim.DefaultApproveDelay)
	if st := e.payment("behaviour-1").State; st != epayment.StateAborted {
		t.Errorf("told to decline, the customer left the payment %s", st)
	}
	e.sim.SetBehaviour(sim.Behaviour{Answer: sim.AnswerIgnore, ExpireAfter: 20 * time.Second})
	e.create(pushRequest("behaviour-2", sim.PhoneApproves, 100))
	e.clock.Advance(19 * time.Second)
	if st := e.payment("behaviour-2").State; st != epayment.StateCreated {
		t.Fatalf("before its 20 s the payment is %s", st)
	}
	e.clock.Advance(time.Second)
	if st := e.payment("behaviour-2").State; st != epayment.StateExpired {
		t.Errorf("after its 20 s the payment is %s; want EXPIRED", st)
	}
}
