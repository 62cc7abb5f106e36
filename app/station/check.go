package station

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/relay"
)

// Check is the outcome of one connection test, in words for a shop owner.
type Check struct {
	OK bool
	// Message is the outcome as a sentence of app/i18n: its String is
	// English (for the log), a Localizer or lang.L puts it into words.
	Message i18n.Msg
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
	lang           string // the cashier's, which the parts are put into
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
		msg = i18n.T(r.lang, r.problem)
		if r.state != "" {
			msg = i18n.T(r.lang, "{{.State}}, but {{.Problem}}", "State", i18n.T(r.lang, r.state), "Problem", msg)
		}
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
		return Check{Message: i18n.M("Fill in the client id, client secret, subscription key and merchant serial number (MSN) from the Vipps MobilePay portal.")}
	}
	api, err := epayment.New(epayment.Config{
		BaseURL: v.BaseURL, ClientID: v.ClientID, ClientSecret: v.ClientSecret, SubscriptionKey: v.SubscriptionKey, MSN: v.MSN,
		SystemName: "kasse", SystemVersion: Version, PluginName: "kasse-pos", PluginVersion: Version,
		HTTPClient: hc, Retry: epayment.RetryPolicy{MaxAttempts: 1}, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		slog.Warn("check the keys", "err", err)
		return Check{Message: i18n.M("These keys cannot be used: copy each one whole, without spaces, from the Vipps MobilePay portal.")}
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	err = api.CheckCredentials(ctx)
	var ae *epayment.APIError
	switch {
	case err == nil:
		return Check{OK: true, Message: i18n.M("Connected: Vipps MobilePay accepts these keys for sales unit {{.MSN}} ({{.Environment}}).", "MSN", v.MSN, "Environment", environment(v.BaseURL))}
	case errors.As(err, &ae) && (ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden || ae.Status == http.StatusBadRequest):
		return Check{Message: i18n.M("Vipps MobilePay refused these keys ({{.Environment}}). Check the client id, client secret, subscription key and MSN; test keys work only with Test, production keys only with Production.", "Environment", environment(v.BaseURL))}
	case errors.As(err, &ae):
		slog.Warn("check the keys", "status", ae.Status, "detail", ae.Detail)
		return Check{Message: i18n.M("Vipps MobilePay answered with an error (HTTP {{.Status}}); try again in a minute.", "Status", ae.Status)}
	default:
		return Check{Message: i18n.M("Could not reach Vipps MobilePay at {{.URL}}: is this computer online? ({{.Reason}})", "URL", v.BaseURL, "Reason", netReason(err))}
	}
}

// CheckRelay asks the relay who the till's token belongs to, and whether
// the relay routes this till's payments (its MSN and reference prefix) to it.
func CheckRelay(ctx context.Context, r RelayConfig, posID, msn string, hc *http.Client) Check {
	if r.URL == "" {
		return Check{OK: true, Message: i18n.M("No relay: payments are followed by asking Vipps MobilePay every few seconds.")}
	}
	if r.Token == "" {
		return Check{Message: i18n.M("Fill in the till token that `kasse-relay till add` printed.")}
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	info, err := (&relay.TillClient{BaseURL: r.URL, Token: r.Token, HTTPClient: hc}).Till(ctx)
	switch {
	case errors.Is(err, relay.ErrUnauthorized):
		return Check{Message: i18n.M("The relay refused the till token ({{.Token}}): it is wrong or was revoked. Ask for a new one with `kasse-relay till add`.", "Token", Mask(r.Token))}
	case err != nil:
		return Check{Message: i18n.M("Could not reach the relay at {{.URL}}: {{.Reason}}", "URL", r.URL, "Reason", netReason(err))}
	}
	want := checkout.ReferencePrefix(posID)
	switch {
	case msn != "" && info.MSN != msn:
		return Check{Routing: true, Message: i18n.M("The relay has this token for sales unit {{.Relay}}, but this till sells for {{.MSN}}: no payment event would arrive. Ask for a token for MSN {{.MSN}}.", "Relay", info.MSN, "MSN", msn)}
	case !strings.HasPrefix(want, info.Prefix):
		return Check{Routing: true, Message: i18n.M("The relay sends this token the payments whose references start with \"{{.Relay}}\", but this till's start with \"{{.Want}}\" (till id \"{{.POS}}\"): no payment event would arrive. Change the till id, or ask for a token with -prefix {{.Want}}.", "Relay", info.Prefix, "Want", want, "POS", posID)}
	}
	return Check{OK: true, Message: i18n.M("Connected: the relay knows this till as \"{{.Name}}\" and sends it its payments ({{.Prefix}}…).", "Name", info.Name, "Prefix", info.Prefix)}
}

func environment(base string) any {
	switch strings.TrimRight(base, "/") {
	case TestURL:
		return i18n.M("Test")
	case ProductionURL:
		return i18n.M("Production")
	}
	return base
}

// netReason is a network error in a few plain words (a sentence of
// app/i18n where Kasse knows the reason).
func netReason(err error) any {
	var dns *net.DNSError
	var op *net.OpError
	var ue *url.Error
	switch {
	case errors.As(err, &dns):
		return i18n.M("the name {{.Name}} is not found", "Name", dns.Name)
	case errors.Is(err, context.DeadlineExceeded):
		return i18n.M("no answer in time")
	case errors.As(err, &op) && op.Op == "dial":
		return i18n.M("the connection was refused")
	case errors.As(err, &ue):
		return ue.Err.Error()
	}
	return err.Error()
}

// checkOnStart tests the keys and the relay before the first sale, and puts
// what is wrong in the till's notice, in plain words.
func checkOnStart(ctx context.Context, cfg Config, hc *http.Client, till *checkout.Till, rs *relayStatus, log *slog.Logger) {
	var problems []i18n.Msg
	if c := CheckVipps(ctx, cfg.Vipps, hc); !c.OK {
		problems = append(problems, c.Message)
	}
	// The relay gets a client of its own, as the poller does: hc is for
	// Vipps MobilePay (a test's contract checker).
	if c := CheckRelay(ctx, cfg.Relay, cfg.POSID, cfg.Vipps.MSN, nil); !c.OK {
		problems = append(problems, c.Message)
		if c.Routing {
			rs.setProblem(i18n.Key("not for this till's payments (see the notice)"))
		}
	}
	if ctx.Err() != nil || len(problems) == 0 {
		return
	}
	if cfg.CatalogFile == "" && !cfg.Demo {
		problems = append(problems, i18n.M(EmptyCatalogNotice)) // keep the notice it replaces
	}
	log.Warn("start check", "problems", problems)
	l := i18n.For(ResolveLanguage(cfg.Language))
	words := make([]string, len(problems))
	for i, p := range problems {
		words[i] = l.Msg(p)
	}
	till.Notify(l.T("Before the first sale: {{.Problems}}", "Problems", strings.Join(words, " ")))
}
