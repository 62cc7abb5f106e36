package sim

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"time"

	"github.com/kasse-pos/kasse/payments/epayment"
)

// Behaviour is how the simulated customer answers the payments created from
// now on, whatever their phone number; the demo's scenarios set it. The zero
// value answers by the phone number's last digit (see DeclineDigit).
type Behaviour struct {
	// Answer is AnswerApprove, AnswerDecline, AnswerIgnore or "" (by number).
	Answer string
	// Delay, if > 0, is how long the customer takes instead of
	// Config.ApproveDelay.
	Delay time.Duration
	// ExpireAfter, if > 0, is how long an unanswered request lives instead
	// of Config.ExpireAfter (unless the request sets expiresAt).
	ExpireAfter time.Duration
}

// Answers of Behaviour.
const (
	AnswerApprove = "approve"
	AnswerDecline = "decline"
	AnswerIgnore  = "ignore"
)

// PhoneIdle is how long after the test-phone page was last loaded the
// simulated customer takes over again.
const PhoneIdle = 10 * time.Second

// SetBehaviour sets how the simulated customer answers the payments created
// after it.
func (s *Sim) SetBehaviour(b Behaviour) {
	s.mu.Lock()
	s.behaviour = b
	s.mu.Unlock()
	s.log.Info("customer behaviour set", "answer", b.Answer, "delay", b.Delay, "expireAfter", b.ExpireAfter)
}

// answerFor is what the simulated customer does with p. Call with s.mu held.
func (s *Sim) answerFor(p *payment) (customerAnswer, time.Duration) {
	b := s.behaviour
	d := s.cfg.ApproveDelay
	if b.Delay > 0 {
		d = b.Delay
	}
	switch b.Answer {
	case AnswerApprove:
		return willApprove, d
	case AnswerDecline:
		return willDecline, d
	case AnswerIgnore:
		return willIgnore, d
	}
	return answerOf(p.msisdn), d
}

// phoneActive says a test-phone page was open lately: a person answers, not
// the simulated customer. Call with s.mu held.
func (s *Sim) phoneActive() bool {
	return !s.phoneSeen.IsZero() && s.clock.Now().Sub(s.phoneSeen) < PhoneIdle
}

// PhoneHandler serves the test-phone page: the payment requests waiting for
// a customer, with Approve and Decline as in the app, for a sales person's
// phone in the demo. While the page is open (it reloads every 2 s), the
// simulated customer leaves requests to it. It has no credentials: serve it
// only in demo mode.
func (s *Sim) PhoneHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.phonePage)
	mux.HandleFunc("POST /approve", func(w http.ResponseWriter, r *http.Request) { s.phoneAnswer(w, r, s.Approve) })
	mux.HandleFunc("POST /decline", func(w http.ResponseWriter, r *http.Request) { s.phoneAnswer(w, r, s.Decline) })
	return mux
}

// phoneRequest is one line of the test-phone page.
type phoneRequest struct {
	MSN, Reference, Amount, Text, Customer, State string
	Waiting                                       bool
}

func (s *Sim) phoneRequests() []phoneRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phoneSeen = s.clock.Now()
	var out []phoneRequest
	for _, p := range slices.Backward(s.order) {
		waiting := p.state == epayment.StateCreated
		if !waiting && len(out) >= 6 {
			continue
		}
		who := p.msisdn
		if who == "" {
			who = "QR"
		}
		out = append(out, phoneRequest{
			MSN: p.msn, Reference: p.req.Reference, Amount: formatAmount(p.req.Amount),
			Text: p.req.PaymentDescription, Customer: who, State: string(p.state), Waiting: waiting,
		})
	}
	return out
}

// formatAmount writes minor units as "123,45 NOK".
func formatAmount(a epayment.Amount) string {
	v, sign := a.Value, ""
	if v < 0 {
		v, sign = -v, "-"
	}
	return fmt.Sprintf("%s%d,%02d %s", sign, v/100, v%100, a.Currency)
}

var phoneTemplate = template.Must(template.New("phone").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="2">
<title>Kasse demo phone</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f6f4f1;color:#111}
header{background:#ff5b24;color:#fff;padding:14px 18px;font-size:1.3em;font-weight:bold}
main{padding:12px}
.req{background:#fff;border-radius:12px;padding:16px;margin:12px 0;box-shadow:0 1px 3px #0003}
.amount{font-size:2em;font-weight:bold}
.meta{color:#555;margin:4px 0 12px}
form{display:inline}
button{font-size:1.2em;padding:14px 0;width:48%;border:0;border-radius:10px;color:#fff}
.approve{background:#1b7a2f}.decline{background:#b00020}
.done{color:#555}
</style></head><body>
<header>Vipps MobilePay · demo phone</header><main>
{{range .}}{{if .Waiting}}<div class="req">
<div class="amount">{{.Amount}}</div>
<div class="meta">{{if .Text}}{{.Text}} · {{end}}to {{.Customer}} · {{.Reference}}</div>
<form method="post" action="approve"><input type="hidden" name="msn" value="{{.MSN}}"><input type="hidden" name="reference" value="{{.Reference}}"><button class="approve" type="submit">Approve</button></form>
<form method="post" action="decline"><input type="hidden" name="msn" value="{{.MSN}}"><input type="hidden" name="reference" value="{{.Reference}}"><button class="decline" type="submit">Decline</button></form>
</div>{{end}}{{else}}<p>No payment requests yet. Press Pay on the till.</p>{{end}}
<h3>Earlier</h3>
{{range .}}{{if not .Waiting}}<div class="done">{{.Amount}} · {{.State}} · {{.Reference}}</div>{{end}}{{end}}
<p class="done">While this page is open, the simulated customer waits for you.</p>
</main></body></html>
`))

func (s *Sim) phonePage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := phoneTemplate.Execute(w, s.phoneRequests()); err != nil {
		s.log.Warn("phone page", "err", err)
	}
}

func (s *Sim) phoneAnswer(w http.ResponseWriter, r *http.Request, answer func(msn, reference string) error) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	if err := answer(r.PostForm.Get("msn"), r.PostForm.Get("reference")); err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	http.Redirect(w, r, "./", http.StatusSeeOther)
}
