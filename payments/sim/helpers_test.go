package sim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/payments/contract"
	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/sim"
)

var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// env is a simulator on a real loopback listener and a client whose every
// request and answer is checked against the Vipps OpenAPI contract.
type env struct {
	t      *testing.T
	sim    *sim.Sim
	clock  *sim.ManualClock
	base   string
	client *http.Client
	token  string

	mu           sync.Mutex
	undocumented []int // statuses a test expects although the spec omits them
}

// newEnv starts a simulator with a manual clock; change adjusts its Config.
func newEnv(t *testing.T, change func(*sim.Config)) *env {
	t.Helper()
	e := &env{t: t, clock: sim.NewManualClock(t0)}
	cfg := sim.Config{Clock: e.clock}
	if change != nil {
		change(&cfg)
	}
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	e.sim, e.base = s, srv.URL
	e.client = &http.Client{Transport: contract.Transport(nil, e.report), Timeout: 10 * time.Second}
	e.token = e.fetchToken(sim.DemoMerchant())
	return e
}

// report fails the test on a contract violation, except an answer status the
// test declared with allow (the spec lists no 401 or 404 for most calls), and
// the spec's own quirk of requiring a non-existent paymentAction in events.
func (e *env) report(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if strings.Contains(msg, `property "paymentAction" is missing`) {
		return
	}
	e.mu.Lock()
	allowed := slices.ContainsFunc(e.undocumented, func(st int) bool {
		return strings.Contains(msg, fmt.Sprintf("contract: answer %d ", st)) && strings.Contains(msg, "status is not supported")
	})
	e.mu.Unlock()
	if !allowed {
		e.t.Errorf("%s", msg)
	}
}

// allow lets answers with these statuses through although the spec does not
// declare them for the operation.
func (e *env) allow(statuses ...int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.undocumented = append(e.undocumented, statuses...)
}

func (e *env) fetchToken(m sim.Merchant) string {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.base+"/accesstoken/get", nil)
	req.Header.Set("client_id", m.ClientID)
	req.Header.Set("client_secret", m.ClientSecret)
	req.Header.Set("Ocp-Apim-Subscription-Key", m.SubscriptionKey)
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("token: %v", err)
	}
	defer resp.Body.Close()
	var tok epayment.AccessToken
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("token: status %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		e.t.Fatalf("token: %v", err)
	}
	return tok.Token
}

// reply is an answer as a test looks at it.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) problem(t *testing.T) epayment.Problem {
	t.Helper()
	var p epayment.Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("problem body %q: %v", r.body, err)
	}
	return p
}

// code is the Vipps ErrorCode of a problem answer, or "".
func (r reply) code(t *testing.T) string {
	t.Helper()
	for _, d := range r.problem(t).ExtraDetails {
		if d.Name == "ErrorCode" {
			return d.Reason
		}
	}
	return ""
}

func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

// headers are the ones every ePayment call carries; tests change them through
// the mutate argument of send.
func (e *env) headers(h http.Header, msn string) {
	h.Set("Authorization", "Bearer "+e.token)
	h.Set("Ocp-Apim-Subscription-Key", sim.DemoSubscriptionKey)
	h.Set("Merchant-Serial-Number", msn)
	h.Set("Vipps-System-Name", "kasse")
	h.Set("Vipps-System-Version", "1.0.0")
}

// send makes one call with the demo merchant's headers, then mutate's changes.
func (e *env) send(method, path, idemKey string, body any, mutate ...func(*http.Request)) (reply, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatalf("marshal: %v", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatalf("request: %v", err)
	}
	e.headers(req.Header, sim.DemoMSN)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	for _, m := range mutate {
		m(req)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}, err
}

// must is send for calls that have to reach the simulator and get an answer.
func (e *env) must(method, path, idemKey string, body any, mutate ...func(*http.Request)) reply {
	e.t.Helper()
	r, err := e.send(method, path, idemKey, body, mutate...)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

var keySeq atomic.Int64

func newKey() string { return fmt.Sprintf("key-%d-%d", time.Now().UnixNano(), keySeq.Add(1)) }

// pushRequest is a PUSH_MESSAGE payment of amount øre with a one-line receipt,
// as the till sends it.
func pushRequest(ref, phone string, amount int64) epayment.CreatePaymentRequest {
	net := amount * 4 / 5
	return epayment.CreatePaymentRequest{
		Amount:              epayment.Amount{Currency: epayment.NOK, Value: amount},
		Customer:            &epayment.Customer{PhoneNumber: phone},
		CustomerInteraction: epayment.CustomerPresent,
		PaymentMethod:       epayment.PaymentMethod{Type: "WALLET"},
		Reference:           ref,
		UserFlow:            epayment.FlowPushMessage,
		PaymentDescription:  "Kasse 1 kvittering " + ref,
		Receipt: &epayment.Receipt{
			OrderLines: []epayment.OrderLine{{
				Name: "Kaffe", ID: "SKU-1", TotalAmount: amount, TotalAmountExcludingTax: net,
				TotalTaxAmount: amount - net, TaxPercentage: &pct25,
				UnitInfo: &epayment.UnitInfo{UnitPrice: amount, Quantity: "1", QuantityUnit: "PCS"},
			}},
			BottomLine: epayment.BottomLine{Currency: epayment.NOK, POSID: "kasse-1", ReceiptNumber: "000123"},
		},
	}
}

func paymentPath(ref string, action ...string) string {
	return "/epayment/v1/payments/" + strings.Join(append([]string{ref}, action...), "/")
}

// create sends createPayment and requires 201.
func (e *env) create(req epayment.CreatePaymentRequest) string {
	e.t.Helper()
	key := newKey()
	r := e.must(http.MethodPost, "/epayment/v1/payments", key, req)
	if r.status != http.StatusCreated {
		e.t.Fatalf("create %s: status %d: %s", req.Reference, r.status, r.body)
	}
	return key
}

func (e *env) payment(ref string) epayment.Payment {
	e.t.Helper()
	r := e.must(http.MethodGet, paymentPath(ref), "", nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("get %s: status %d: %s", ref, r.status, r.body)
	}
	var p epayment.Payment
	r.decode(e.t, &p)
	return p
}

func (e *env) events(ref string) []epayment.PaymentEvent {
	e.t.Helper()
	r := e.must(http.MethodGet, paymentPath(ref, "events"), "", nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("events %s: status %d: %s", ref, r.status, r.body)
	}
	var evs []epayment.PaymentEvent
	r.decode(e.t, &evs)
	return evs
}

func eventNames(evs []epayment.PaymentEvent) []epayment.EventName {
	var out []epayment.EventName
	for _, ev := range evs {
		out = append(out, ev.Name)
	}
	return out
}

func nok(v int64) epayment.Amount { return epayment.Amount{Currency: epayment.NOK, Value: v} }

func modification(v int64) epayment.ModificationRequest {
	return epayment.ModificationRequest{ModificationAmount: nok(v)}
}

// wantAggregate compares the four aggregate amounts in øre.
func wantAggregate(t *testing.T, got epayment.Aggregate, authorized, captured, cancelled, refunded int64) {
	t.Helper()
	g := [4]int64{got.AuthorizedAmount.Value, got.CapturedAmount.Value, got.CancelledAmount.Value, got.RefundedAmount.Value}
	if w := [4]int64{authorized, captured, cancelled, refunded}; g != w {
		t.Errorf("aggregate authorized/captured/cancelled/refunded = %v, want %v", g, w)
	}
}

// pct25 is a receipt line's taxPercentage of 25.
var pct25 = 25
