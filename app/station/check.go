package station

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/relay"
)

// Check is the outcome of one connection test, in words for a shop owner.
type Check struct {
	OK      bool
	Message string
	// Routing: the relay accepts the token but would route this till's
	// payments elsewhere (another MSN or reference prefix).
	Routing bool
}

// relayStatus is the status bar's relay entry: the poller's state and what
// the start check found, so that a relay that answers but routes this
// till's payments elsewhere never reads as plainly "connected".
type relayStatus struct {
	mu             sync.Mutex
	till           *checkout.Till
	state, problem string
}

func (r *relayStatus) setState(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.state = s
	r.show()
}

func (r *relayStatus) setProblem(p string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problem = p
	r.show()
}

func (r *relayStatus) show() {
	msg := r.state
	if r.problem != "" && (msg == "" || msg == "connected") {
		msg = strings.TrimPrefix(msg+", but ", ", but ") + r.problem
	}
	if msg != "" {
		r.till.SetStatus("relay", msg)
	}
}

// Base URLs of the Vipps MobilePay API.
const (
	TestURL       = "https://apitest.vipps.no"
	ProductionURL = "https://api.vipps.no"
)

// CheckVipps asks Vipps MobilePay for an access token with v's keys.
func CheckVipps(ctx context.Context, v VippsConfig, hc *http.Client) Check {
	if v.ClientID == "" || v.ClientSecret == "" || v.SubscriptionKey == "" || v.MSN == "" {
		return Check{Message: "Fill in the client id, client secret, subscription key and merchant serial number (MSN) from the Vipps MobilePay portal."}
	}
	api, err := epayment.New(epayment.Config{
		BaseURL: v.BaseURL, ClientID: v.ClientID, ClientSecret: v.ClientSecret, SubscriptionKey: v.SubscriptionKey, MSN: v.MSN,
		SystemName: "kasse", SystemVersion: Version, PluginName: "kasse-pos", PluginVersion: Version,
		HTTPClient: hc, Retry: epayment.RetryPolicy{MaxAttempts: 1}, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return Check{Message: "These keys cannot be used: " + err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	err = api.CheckCredentials(ctx)
	var ae *epayment.APIError
	switch {
	case err == nil:
		return Check{OK: true, Message: fmt.Sprintf("Connected: Vipps MobilePay accepts these keys for sales unit %s (%s).", v.MSN, environment(v.BaseURL))}
	case errors.As(err, &ae) && (ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden || ae.Status == http.StatusBadRequest):
		return Check{Message: fmt.Sprintf("Vipps MobilePay refused these keys (%s). Check the client id, client secret, subscription key and MSN; test keys work only with Test, production keys only with Production.", environment(v.BaseURL))}
	case errors.As(err, &ae):
		return Check{Message: fmt.Sprintf("Vipps MobilePay answered with an error (HTTP %d); try again in a minute. %s", ae.Status, ae.Detail)}
	default:
		return Check{Message: "Could not reach Vipps MobilePay at " + v.BaseURL + ": is this computer online? (" + netReason(err) + ")"}
	}
}

// CheckRelay asks the relay who the till's token belongs to, and whether
// the relay routes this till's payments (its MSN and reference prefix) to it.
func CheckRelay(ctx context.Context, r RelayConfig, posID, msn string, hc *http.Client) Check {
	if r.URL == "" {
		return Check{OK: true, Message: "No relay: payments are followed by asking Vipps MobilePay every few seconds."}
	}
	if r.Token == "" {
		return Check{Message: "Fill in the till token that `kasse-relay till add` printed."}
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	info, err := (&relay.TillClient{BaseURL: r.URL, Token: r.Token, HTTPClient: hc}).Till(ctx)
	switch {
	case errors.Is(err, relay.ErrUnauthorized):
		return Check{Message: "The relay refused the till token (" + Mask(r.Token) + "): it is wrong or was revoked. Ask for a new one with `kasse-relay till add`."}
	case err != nil:
		return Check{Message: "Could not reach the relay at " + r.URL + ": " + netReason(err)}
	}
	want := checkout.ReferencePrefix(posID)
	switch {
	case msn != "" && info.MSN != msn:
		return Check{Routing: true, Message: fmt.Sprintf("The relay has this token for sales unit %s, but this till sells for %s: no payment event would arrive. Ask for a token for MSN %s.", info.MSN, msn, msn)}
	case !strings.HasPrefix(want, info.Prefix):
		return Check{Routing: true, Message: fmt.Sprintf("The relay sends this token the payments whose references start with %q, but this till's start with %q (till id %q): no payment event would arrive. Change the till id, or ask for a token with -prefix %s.", info.Prefix, want, posID, want)}
	}
	return Check{OK: true, Message: fmt.Sprintf("Connected: the relay knows this till as %q and sends it its payments (%s…).", info.Name, info.Prefix)}
}

func environment(base string) string {
	switch strings.TrimRight(base, "/") {
	case TestURL:
		return "Test"
	case ProductionURL:
		return "Production"
	}
	return base
}

// netReason is a network error in a few plain words.
func netReason(err error) string {
	var dns *net.DNSError
	var op *net.OpError
	var ue *url.Error
	switch {
	case errors.As(err, &dns):
		return "the name " + dns.Name + " is not found"
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer in time"
	case errors.As(err, &op) && op.Op == "dial":
		return "the connection was refused"
	case errors.As(err, &ue):
		return ue.Err.Error()
	}
	return err.Error()
}

// checkOnStart tests the keys and the relay before the first sale, and puts
// what is wrong in the till's notice, in plain words.
func checkOnStart(ctx context.Context, cfg Config, hc *http.Client, till *checkout.Till, rs *relayStatus, log *slog.Logger) {
	var problems []string
	if c := CheckVipps(ctx, cfg.Vipps, hc); !c.OK {
		problems = append(problems, c.Message)
	}
	// The relay gets a client of its own, as the poller does: hc is for
	// Vipps MobilePay (a test's contract checker).
	if c := CheckRelay(ctx, cfg.Relay, cfg.POSID, cfg.Vipps.MSN, nil); !c.OK {
		problems = append(problems, c.Message)
		if c.Routing {
			rs.setProblem("not for this till's payments (see the notice)")
		}
	}
	if ctx.Err() != nil || len(problems) == 0 {
		return
	}
	if cfg.CatalogFile == "" && !cfg.Demo {
		problems = append(problems, EmptyCatalogNotice) // keep the notice it replaces
	}
	log.Warn("start check", "problems", problems)
	till.Notify("Before the first sale: " + strings.Join(problems, " "))
}
