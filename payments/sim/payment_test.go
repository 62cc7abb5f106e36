package sim_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/sim"
)

func TestSuccessfulSale(t *testing.T) {
	e := newEnv(t, nil)
	ref := "kasse-0001-000001"
	r := e.must(http.MethodPost, "/epayment/v1/payments", newKey(), pushRequest(ref, sim.PhoneApproves, 49900))
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var created epayment.CreatePaymentResponse
	r.decode(t, &created)
	if created.Reference != ref || created.RedirectURL != "" {
		t.Errorf("create answered %+v, want the reference and no redirectUrl for PUSH_MESSAGE", created)
	}
	if p := e.payment(ref); p.State != epayment.StateCreated {
		t.Fatalf("state before the customer answered = %s", p.State)
	}

	e.clock.Advance(sim.DefaultApproveDelay) // the simulated phone approves
	p := e.payment(ref)
	if p.State != epayment.StateAuthorized {
		t.Fatalf("state after ApproveDelay = %s, want AUTHORIZED", p.State)
	}
	wantAggregate(t, p.Aggregate, 49900, 0, 0, 0)

	capKey := newKey()
	r = e.must(http.MethodPost, paymentPath(ref, "capture"), capKey, modification(49900))
	if r.status != http.StatusOK {
		t.Fatalf("capture: %d %s", r.status, r.body)
	}
	var m epayment.ModificationResponse
	r.decode(t, &m)
	if m.State != epayment.StateAuthorized || m.Reference != ref || m.PSPReference != p.PSPReference {
		t.Errorf("capture answered %+v", m)
	}
	wantAggregate(t, m.Aggregate, 49900, 49900, 0, 0)

	evs := e.events(ref)
	if got, want := eventNames(evs), []epayment.EventName{epayment.EventCreated, epayment.EventAuthorized, epayment.EventCaptured}; !slices.Equal(got, want) {
		t.Fatalf("events = %v, want %v", got, want)
	}
	if evs[0].PSPReference != p.PSPReference {
		t.Errorf("CREATED pspReference %s, payment %s: they should match", evs[0].PSPReference, p.PSPReference)
	}
	if evs[2].IdempotencyKey == nil || *evs[2].IdempotencyKey != capKey || !evs[2].Success || evs[2].Amount.Value != 49900 {
		t.Errorf("CAPTURED event = %+v, want key %s, success, 49900", evs[2], capKey)
	}
	if evs[1].IdempotencyKey != nil {
		t.Errorf("AUTHORIZED event has idempotencyKey %q; the customer's approval has none", *evs[1].IdempotencyKey)
	}

	led, ok := e.sim.Payment(sim.DemoMSN, ref)
	if !ok || led.Captures != 1 || led.Outstanding() != 0 || len(led.Events) != 3 {
		t.Errorf("ledger entry = %+v, want one capture and nothing outstanding", led)
	}
}

func TestPartialCapturesAndTooMuch(t *testing.T) {
	e := newEnv(t, nil)
	ref := "kasse-partial-01"
	e.create(pushRequest(ref, sim.PhoneApproves, 10000))
	e.clock.Advance(sim.DefaultApproveDelay)
	for _, v := range []int64{4000, 6000} {
		if r := e.must(http.MethodPost, paymentPath(ref, "capture"), newKey(), modification(v)); r.status != http.StatusOK {
			t.Fatalf("capture %d: %d %s", v, r.status, r.body)
		}
	}
	r := e.must(http.MethodPost, paymentPath(ref, "capture"), newKey(), modification(100))
	if r.status != http.StatusBadRequest || r.code(t) != sim.CodeCaptureTooHigh {
		t.Fatalf("capture beyond authorized: %d %s, want 400/6090", r.status, r.body)
	}
	led, _ := e.sim.Payment(sim.DemoMSN, ref)
	if led.Captures != 2 {
		t.Errorf("captures = %d, want 2", led.Captures)
	}
	wantAggregate(t, led.Aggregate, 10000, 10000, 0, 0)
}

func TestDecline(t *testing.T) {
	e := newEnv(t, nil)
	ref := "kasse-decline-01"
	e.create(pushRequest(ref, sim.PhoneDeclines, 2500))
	e.clock.Advance(sim.DefaultApproveDelay)
	p := e.payment(ref)
	if p.State != epayment.StateAborted {
		t.Fatalf("state = %s, want ABORTED for a number ending in %c", p.State, sim.DeclineDigit)
	}
	wantAggregate(t, p.Aggregate, 0, 0, 0, 0)
	r := e.must(http.MethodPost, paymentPath(ref, "capture"), newKey(), modification(2500))
	if r.status != http.StatusBadRequest || r.code(t) != sim.CodeCannotCapture {
		t.Errorf("capture of an aborted payment: %d %s, want 400/6200", r.status, r.body)
	}
}

func TestExpiry(t *testing.T) {
	e := newEnv(t, func(c *sim.Config) { c.ExpireAfter = 90 * 1e9 })
	ref := "kasse-expire-01"
	e.create(pushRequest(ref, sim.PhoneNeverAnswers, 2500))
	e.clock.Advance(89 * 1e9)
	if p := e.payment(ref); p.State != epayment.StateCreated {
		t.Fatalf("state before ExpireAfter = %s, want CREATED", p.State)
	}
	e.clock.Advance(1e9)
	if p := e.payment(ref); p.State != epayment.StateExpired {
		t.Fatalf("state after ExpireAfter = %s, want EXPIRED", p.State)
	}
	if got := eventNames(e.events(ref)); !slices.Equal(got, []epayment.EventName{epayment.EventCreated, epayment.EventExpired}) {
		t.Errorf("events = %v", got)
	}
}

func TestManualCustomer(t *testing.T) {
	e := newEnv(t, func(c *sim.Config) { c.ManualCustomer = true })
	a, b, c := "kasse-manual-01", "kasse-manual-02", "kasse-manual-03"
	for _, ref := range []string{a, b, c} {
		e.create(pushRequest(ref, sim.PhoneApproves, 1000))
	}
	e.clock.Advance(sim.DefaultApproveDelay * 10)
	if p := e.payment(a); p.State != epayment.StateCreated {
		t.Fatalf("with ManualCustomer the phone must not answer; state = %s", p.State)
	}
	// The test environment's approve endpoint, as a test against Vipps MT would call it.
	r := e.must(http.MethodPost, "/epayment/v1/test/payments/"+a+"/approve", "",
		epayment.ForceApproveRequest{Customer: &epayment.Customer{PhoneNumber: sim.PhoneApproves}})
	if r.status != http.StatusOK {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	if err := e.sim.Decline(sim.DemoMSN, b); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.Approve(sim.DemoMSN, c); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.Approve(sim.DemoMSN, c); err == nil {
		t.Error("approving an authorized payment again succeeded")
	}
	for ref, want := range map[string]epayment.State{a: epayment.StateAuthorized, b: epayment.StateAborted, c: epayment.StateAuthorized} {
		if got := e.payment(ref).State; got != want {
			t.Errorf("%s: state %s, want %s", ref, got, want)
		}
	}
}

func TestCancel(t *testing.T) {
	e := newEnv(t, func(c *sim.Config) { c.ManualCustomer = true })
	cancelBody := epayment.CancelRequest{CancelTransactionOnly: true}

	t.Run("before authorization terminates", func(t *testing.T) {
		ref := "kasse-cancel-01"
		e.create(pushRequest(ref, sim.PhoneApproves, 3000))
		r := e.must(http.MethodPost, paymentPath(ref, "cancel"), newKey(), cancelBody)
		if r.status != http.StatusOK {
			t.Fatalf("cancel: %d %s", r.status, r.body)
		}
		var m epayment.ModificationResponse
		r.decode(t, &m)
		if m.State != epayment.StateTerminated {
			t.Errorf("state = %s, want TERMINATED", m.State)
		}
		wantAggregate(t, m.Aggregate, 0, 0, 0, 0)
		if err := e.sim.Approve(sim.DemoMSN, ref); err == nil {
			t.Error("a terminated payment could still be approved")
		}
		// Asking again (a retry with a fresh key) changes nothing and succeeds.
		if r := e.must(http.MethodPost, paymentPath(ref, "cancel"), newKey(), nil); r.status != http.StatusOK {
			t.Errorf("second cancel: %d %s", r.status, r.body)
		}
		if got := eventNames(e.events(ref)); !slices.Equal(got, []epayment.EventName{epayment.EventCreated, epayment.EventTerminated}) {
			t.Errorf("events = %v", got)
		}
	})

	t.Run("cancelTransactionOnly after authorization is 6060 and changes nothing", func(t *testing.T) {
		ref := "kasse-cancel-02"
		e.create(pushRequest(ref, sim.PhoneApproves, 3000))
		e.sim.Approve(sim.DemoMSN, ref)
		r := e.must(http.MethodPost, paymentPath(ref, "cancel"), newKey(), cancelBody)
		if r.status != http.StatusBadRequest || r.code(t) != sim.CodeCancelAuthorized {
			t.Fatalf("cancel: %d %s, want 400/6060", r.status, r.body)
		}
		p := e.payment(ref)
		if p.State != epayment.StateAuthorized {
			t.Errorf("state = %s", p.State)
		}
		wantAggregate(t, p.Aggregate, 3000, 0, 0, 0)
	})

	t.Run("after authorization releases the rest", func(t *testing.T) {
		ref := "kasse-cancel-03"
		e.create(pushRequest(ref, sim.PhoneApproves, 3000))
		e.sim.Approve(sim.DemoMSN, ref)
		e.must(http.MethodPost, paymentPath(ref, "capture"), newKey(), modification(1000))
		r := e.must(http.MethodPost, paymentPath(ref, "cancel"), newKey(), nil)
		if r.status != http.StatusOK {
			t.Fatalf("cancel: %d %s", r.status, r.body)
		}
		var m epayment.ModificationResponse
		r.decode(t, &m)
		if m.State != epayment.StateAuthorized {
			t.Errorf("state = %s, want AUTHORIZED (it stays so after a cancel)", m.State)
		}
		wantAggregate(t, m.Aggregate, 3000, 1000, 2000, 0)
		r = e.must(http.MethodPost, paymentPath(ref, "capture"), newKey(), modification(500))
		if r.status != http.StatusBadRequest || r.code(t) != sim.CodeCaptureCancelled {
			t.Errorf("capture after cancel: %d %s, want 400/6070", r.status, r.body)
		}
	})

	t.Run("after full capture is 6040", func(t *testing.T) {
		ref := "kasse-cancel-04"
		e.create(pushRequest(ref, sim.PhoneApproves, 3000))
		e.sim.Approve(sim.DemoMSN, ref)
		e.must(http.MethodPost, paymentPath(ref, "capture"), newKey(), modification(3000))
		r := e.must(http.MethodPost, paymentPath(ref, "cancel"), newKey(), nil)
		if r.status != http.StatusBadRequest || r.code(t) != sim.CodeCancelCaptured {
			t.Fatalf("cancel: %d %s, want 400/6040", r.status, r.body)
		}
	})
}

func TestRefund(t *testing.T) {
	e := newEnv(t, nil)
	ref := "kasse-refund-01"
	e.create(pushRequest(ref, sim.PhoneApproves, 5000))

	r := e.must(http.MethodPost, paymentPath(ref, "refund"), newKey(), modification(100))
	if r.status != http.StatusBadRequest || r.code(t) != sim.CodeRefundBeforeAuth {
		t.Errorf("refund before authorization: %d %s, want 400/6020", r.status, r.body)
	}
	e.clock.Advance(sim.DefaultApproveDelay)
	r = e.must(http.MethodPost, paymentPath(ref, "refund"), newKey(), modification(100))
	if r.status != http.StatusBadRequest || r.code(t) != sim.CodeRefundTooHigh {
		t.Errorf("refund before capture: %d %s, want 400/6150", r.status, r.body)
	}
	e.must(http.MethodPost, paymentPath(ref, "capture"), newKey(), modification(5000))
	r = e.must(http.MethodPost, paymentPath(ref, "refund"), newKey(), modification(2000))
	if r.status != http.StatusOK {
		t.Fatalf("refund: %d %s", r.status, r.body)
	}
	var m epayment.ModificationResponse
	r.decode(t, &m)
	wantAggregate(t, m.Aggregate, 5000, 5000, 0, 2000)
	r = e.must(http.MethodPost, paymentPath(ref, "refund"), newKey(), modification(3001))
	if r.status != http.StatusBadRequest || r.code(t) != sim.CodeRefundTooHigh {
		t.Errorf("refund beyond captured: %d %s, want 400/6150", r.status, r.body)
	}
	if r := e.must(http.MethodPost, paymentPath(ref, "refund"), newKey(), modification(3000)); r.status != http.StatusOK {
		t.Errorf("refund of the rest: %d %s", r.status, r.body)
	}
	if got := eventNames(e.events(ref)); !slices.Equal(got, []epayment.EventName{
		epayment.EventCreated, epayment.EventAuthorized, epayment.EventCaptured, epayment.EventRefunded, epayment.EventRefunded}) {
		t.Errorf("events = %v", got)
	}
}

func TestCaptureBeforeAuthorization(t *testing.T) {
	e := newEnv(t, nil)
	ref := "kasse-early-001"
	e.create(pushRequest(ref, sim.PhoneApproves, 5000))
	key := newKey()
	r := e.must(http.MethodPost, paymentPath(ref, "capture"), key, modification(5000))
	if r.status != http.StatusBadRequest || r.code(t) != sim.CodeCaptureBeforeAuth {
		t.Fatalf("capture before authorization: %d %s, want 400/6080", r.status, r.body)
	}
	p := r.problem(t)
	if p.TraceID == "" || p.Type == "" || p.Instance != paymentPath(ref, "capture") {
		t.Errorf("problem lacks traceId, type or instance: %+v", p)
	}
	// A refusal is not remembered: the same key works once the customer approved.
	e.clock.Advance(sim.DefaultApproveDelay)
	if r := e.must(http.MethodPost, paymentPath(ref, "capture"), key, modification(5000)); r.status != http.StatusOK {
		t.Errorf("capture with the same key after approval: %d %s", r.status, r.body)
	}
}

func TestIdempotency(t *testing.T) {
	e := newEnv(t, nil)
	ref := "kasse-idem-0001"
	req := pushRequest(ref, sim.PhoneApproves, 7000)
	key := newKey()
	first := e.must(http.MethodPost, "/epayment/v1/payments", key, req)
	again := e.must(http.MethodPost, "/epayment/v1/payments", key, req)
	if first.status != http.StatusCreated || again.status != first.status || string(again.body) != string(first.body) {
		t.Fatalf("create retried with the same key: %d %s, then %d %s; want the same 201", first.status, first.body, again.status, again.body)
	}
	if n := len(e.events(ref)); n != 1 {
		t.Errorf("%d events after a retried create, want 1 CREATED", n)
	}

	other := req
	other.Amount.Value, other.Receipt = 8000, nil
	r := e.must(http.MethodPost, "/epayment/v1/payments", key, other)
	if r.status != http.StatusConflict || r.code(t) != sim.CodeIdempotency {
		t.Errorf("same key, other body: %d %s, want 409/4020", r.status, r.body)
	}
	r = e.must(http.MethodPost, "/epayment/v1/payments", newKey(), req)
	if r.status != http.StatusConflict || r.code(t) != sim.CodeReferenceConflict {
		t.Errorf("existing reference, new key: %d %s, want 409/4150", r.status, r.body)
	}

	e.clock.Advance(sim.DefaultApproveDelay)
	capKey := newKey()
	c1 := e.must(http.MethodPost, paymentPath(ref, "capture"), capKey, modification(7000))
	c2 := e.must(http.MethodPost, paymentPath(ref, "capture"), capKey, modification(7000))
	if c1.status != http.StatusOK || c2.status != http.StatusOK || string(c1.body) != string(c2.body) {
		t.Fatalf("capture retried: %d %s then %d %s; want the same 200", c1.status, c1.body, c2.status, c2.body)
	}
	if c2.header.Get("Idempotent-Replayed") != "true" {
		t.Error("the replayed answer is not marked Idempotent-Replayed")
	}
	r = e.must(http.MethodPost, paymentPath(ref, "capture"), capKey, modification(6000))
	if r.status != http.StatusConflict || r.code(t) != sim.CodeCaptureIdempotency {
		t.Errorf("capture with the same key, other amount: %d %s, want 409/4010", r.status, r.body)
	}
	led, _ := e.sim.Payment(sim.DemoMSN, ref)
	if led.Captures != 1 || led.Aggregate.CapturedAmount.Value != 7000 {
		t.Errorf("ledger after retries: %d captures of %d øre, want exactly one of 7000", led.Captures, led.Aggregate.CapturedAmount.Value)
	}
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t, nil)
	good := func() epayment.CreatePaymentRequest { return pushRequest("kasse-valid-0001", sim.PhoneApproves, 10000) }
	cases := []struct {
		name   string
		change func(*epayment.CreatePaymentRequest)
		code   string
		field  string
	}{
		{"amount below 1 NOK", func(r *epayment.CreatePaymentRequest) { r.Amount.Value, r.Receipt = 99, nil }, sim.CodeAmountTooSmall, "amount.value"},
		{"push without customer", func(r *epayment.CreatePaymentRequest) { r.Customer = nil }, sim.CodeMissingParameter, "customer"},
		{"receipt does not add up", func(r *epayment.CreatePaymentRequest) { r.Amount.Value = 10100 }, "", "receipt.orderLines"},
		{"receipt VAT does not add up", func(r *epayment.CreatePaymentRequest) { r.Receipt.OrderLines[0].TotalTaxAmount++ }, "", "receipt.orderLines[0]"},
		{"cash part does not add up", func(r *epayment.CreatePaymentRequest) {
			r.Amount.Value, r.Receipt.BottomLine.PaymentSources = 6000, &epayment.PaymentSources{Cash: 3000}
		}, "", "receipt.orderLines"},
		{"long-living without receipt", func(r *epayment.CreatePaymentRequest) {
			r.Receipt, r.ExpiresAt = nil, t0.Add(24*3600e9).Format("2006-01-02T15:04:05Z")
		}, sim.CodeLongLivingReceipt, "receipt"},
		{"expiresAt too soon", func(r *epayment.CreatePaymentRequest) { r.ExpiresAt = t0.Add(60e9).Format("2006-01-02T15:04:05Z") }, sim.CodeExpiresTooSoon, "expiresAt"},
		{"http returnUrl", func(r *epayment.CreatePaymentRequest) { r.ReturnURL = "http://example.com/" }, sim.CodeInvalidURL, "returnUrl"},
		{"unknown personal QR", func(r *epayment.CreatePaymentRequest) {
			r.Customer = &epayment.Customer{PersonalQR: "https://qr.vipps.no/p/nobody-knows-this"}
		}, sim.CodeInvalidPersonalQR, "customer.personalQr"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := good()
			c.change(&req)
			r := e.must(http.MethodPost, "/epayment/v1/payments", newKey(), req)
			if r.status != http.StatusBadRequest || r.code(t) != c.code {
				t.Fatalf("%d %s, want 400 with code %q", r.status, r.body, c.code)
			}
			if !slices.ContainsFunc(r.problem(t).ExtraDetails, func(d epayment.ExtraDetail) bool { return d.Name == c.field }) {
				t.Errorf("extraDetails do not name %s: %s", c.field, r.body)
			}
		})
	}
	if n := len(e.sim.Ledger()); n != 0 {
		t.Errorf("%d payments exist after refused creates", n)
	}
	// A split sale: the lines are the whole basket, the amount what cash did
	// not pay.
	split := good()
	split.Reference, split.Amount.Value, split.Receipt.BottomLine.PaymentSources = "kasse-valid-split", 6000, &epayment.PaymentSources{Cash: 4000}
	if r := e.must(http.MethodPost, "/epayment/v1/payments", newKey(), split); r.status != http.StatusCreated {
		t.Errorf("a split receipt was refused: %d %s", r.status, r.body)
	}
}

// TestRequestsTheSpecRefuses sends bodies and headers that break the spec; the
// contract check would report them, so they go through a plain client.
func TestRequestsTheSpecRefuses(t *testing.T) {
	e := newEnv(t, nil)
	e.client = &http.Client{}
	cases := []struct {
		name   string
		req    epayment.CreatePaymentRequest
		mutate func(*http.Request)
		status int
		code   string
	}{
		{"reference with a space", pushRequest("kasse 0001 bad", sim.PhoneApproves, 1000), nil, http.StatusBadRequest, ""},
		{"short reference", pushRequest("short", sim.PhoneApproves, 1000), nil, http.StatusBadRequest, ""},
		{"phone with plus", pushRequest("kasse-phone-001", "+4791234567", 1000), nil, http.StatusBadRequest, sim.CodeInvalidPhone},
		{"two customer identities", func() epayment.CreatePaymentRequest {
			r := pushRequest("kasse-two-cust1", sim.PhoneApproves, 1000)
			r.Customer.PersonalQR = sim.DemoQRApproves
			return r
		}(), nil, http.StatusBadRequest, ""},
		{"no idempotency key", pushRequest("kasse-nokey-001", sim.PhoneApproves, 1000),
			func(r *http.Request) { r.Header.Del("Idempotency-Key") }, http.StatusBadRequest, sim.CodeMissingParameter},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var mut []func(*http.Request)
			if c.mutate != nil {
				mut = append(mut, c.mutate)
			}
			r := e.must(http.MethodPost, "/epayment/v1/payments", newKey(), c.req, mut...)
			if r.status != c.status || r.code(t) != c.code {
				t.Errorf("%d %s, want %d with code %q", r.status, r.body, c.status, c.code)
			}
		})
	}
}

func TestAuthErrors(t *testing.T) {
	e := newEnv(t, func(c *sim.Config) {
		c.Merchants = []sim.Merchant{sim.DemoMerchant(), {MSN: "654321", ClientID: "other-id", ClientSecret: "other-secret", SubscriptionKey: "other-key"}}
	})
	e.allow(http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound)
	ref := "kasse-auth-0001"
	req := pushRequest(ref, sim.PhoneApproves, 1000)
	post := func(m ...func(*http.Request)) reply {
		return e.must(http.MethodPost, "/epayment/v1/payments", newKey(), req, m...)
	}
	if r := post(func(r *http.Request) { r.Header.Set("Authorization", "Bearer not-a-token") }); r.status != http.StatusUnauthorized {
		t.Errorf("bad token: %d %s, want 401", r.status, r.body)
	}
	if r := post(func(r *http.Request) { r.Header.Set("Ocp-Apim-Subscription-Key", "other-key") }); r.status != http.StatusUnauthorized {
		t.Errorf("another merchant's subscription key: %d %s, want 401", r.status, r.body)
	}
	if r := post(func(r *http.Request) { r.Header.Set("Merchant-Serial-Number", "99999") }); r.status != http.StatusForbidden {
		t.Errorf("unknown MSN: %d %s, want 403", r.status, r.body)
	}
	if r := post(func(r *http.Request) { r.Header.Set("Merchant-Serial-Number", "654321") }); r.status != http.StatusForbidden {
		t.Errorf("a known MSN the token does not serve: %d %s, want 403", r.status, r.body)
	}

	// The second merchant has its own keys and its own payments.
	tok := e.fetchToken(sim.Merchant{MSN: "654321", ClientID: "other-id", ClientSecret: "other-secret", SubscriptionKey: "other-key"})
	other := func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+tok)
		r.Header.Set("Ocp-Apim-Subscription-Key", "other-key")
		r.Header.Set("Merchant-Serial-Number", "654321")
	}
	if r := post(other); r.status != http.StatusCreated {
		t.Fatalf("create for the second merchant: %d %s", r.status, r.body)
	}
	if r := e.must(http.MethodGet, paymentPath(ref), "", nil); r.status != http.StatusNotFound {
		t.Errorf("the demo merchant sees the other merchant's payment: %d %s", r.status, r.body)
	}

	// Tokens run out after TokenLifetime.
	e.clock.Advance(sim.DefaultTokenLifetime)
	if r := e.must(http.MethodGet, paymentPath(ref), "", nil, other); r.status != http.StatusUnauthorized {
		t.Errorf("expired token: %d %s, want 401", r.status, r.body)
	}

	r, err := http.Post(e.base+"/accesstoken/get", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusBadRequest {
		t.Errorf("token without credentials: %d, want 400", r.StatusCode)
	}
}

func TestUnknownReference(t *testing.T) {
	e := newEnv(t, nil)
	e.allow(http.StatusNotFound)
	if r := e.must(http.MethodGet, paymentPath("kasse-nobody-01"), "", nil); r.status != http.StatusNotFound {
		t.Errorf("get: %d %s, want 404", r.status, r.body)
	}
	if r := e.must(http.MethodPost, paymentPath("kasse-nobody-01", "capture"), newKey(), modification(100)); r.status != http.StatusNotFound {
		t.Errorf("capture: %d %s, want 404", r.status, r.body)
	}
}
