package epayment_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/payments/epayment"
)

func TestTokenFetchedOnceAndReused(t *testing.T) {
	f := newFake(t)
	f.on("GET /epayment/v1/payments/"+ref, answer(http.StatusOK, "application/json", payment(epayment.StateCreated)))
	f.on("GET /epayment/v1/payments/"+ref+"/events", answer(http.StatusOK, "application/json", []epayment.PaymentEvent{{
		Reference: ref, PSPReference: "psp-1", Name: epayment.EventCreated, Amount: nok(49900),
		Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Success: true,
	}}))
	c := f.client()
	ctx := t.Context()

	var wg sync.WaitGroup
	for range 5 { // concurrent first calls share one fetch
		wg.Go(func() {
			if _, err := c.GetPayment(ctx, ref); err != nil {
				t.Errorf("GetPayment: %v", err)
			}
		})
	}
	wg.Wait()
	events, err := c.GetEvents(ctx, ref)
	if err != nil {
		t.Fatalf("GetEvents: %v", err)
	}
	if len(events) != 1 || events[0].Name != epayment.EventCreated || events[0].IdempotencyKey != nil {
		t.Errorf("events = %+v", events)
	}
	if n := len(f.tokens()); n != 1 {
		t.Errorf("%d token fetches, want 1", n)
	}
	for _, r := range f.requests() {
		if got := r.Header.Get("Authorization"); got != "Bearer tok-1" {
			t.Errorf("%s %s: Authorization %q, want the cached token", r.Method, r.Path, got)
		}
	}
}

func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	f := newFake(t)
	f.on("GET /epayment/v1/payments/"+ref, answer(http.StatusOK, "application/json", payment(epayment.StateCreated)))
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	f.now = clock
	c := f.client()
	epayment.SetClock(c, clock)

	get := func(wantToken string) {
		t.Helper()
		if _, err := c.GetPayment(t.Context(), ref); err != nil {
			t.Fatalf("GetPayment: %v", err)
		}
		reqs := f.requests()
		if got := reqs[len(reqs)-1].Header.Get("Authorization"); got != "Bearer "+wantToken {
			t.Errorf("Authorization %q, want Bearer %s", got, wantToken)
		}
	}
	get("tok-1")
	advance(57 * time.Minute) // a 1 h token is kept until 2 min before it expires
	get("tok-1")
	advance(time.Minute + time.Second)
	get("tok-2")
	get("tok-2")
	if n := len(f.tokens()); n != 2 {
		t.Errorf("%d token fetches, want 2", n)
	}
}

func TestTokenRefreshedOnceAfter401(t *testing.T) {
	f := newFake(t)
	f.allowUndeclared(http.StatusUnauthorized)
	f.on("GET /epayment/v1/payments/"+ref,
		problem(http.StatusUnauthorized, ""),
		answer(http.StatusOK, "application/json", payment(epayment.StateAuthorized)))
	c := f.client()

	p, err := c.GetPayment(t.Context(), ref)
	if err != nil {
		t.Fatalf("GetPayment: %v", err)
	}
	if p.State != epayment.StateAuthorized {
		t.Errorf("state %s", p.State)
	}
	reqs := f.requests()
	if len(reqs) != 2 || len(f.tokens()) != 2 {
		t.Fatalf("%d calls and %d token fetches, want 2 and 2", len(reqs), len(f.tokens()))
	}
	if a, b := reqs[0].Header.Get("Authorization"), reqs[1].Header.Get("Authorization"); a != "Bearer tok-1" || b != "Bearer tok-2" {
		t.Errorf("Authorization %q then %q, want tok-1 then tok-2", a, b)
	}

	// A token refused twice in a row is a real 401: one refresh, no more.
	f2 := newFake(t)
	f2.allowUndeclared(http.StatusUnauthorized)
	f2.on("GET /epayment/v1/payments/"+ref, problem(http.StatusUnauthorized, ""))
	_, err = f2.client().GetPayment(t.Context(), ref)
	if !errors.Is(err, epayment.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if len(f2.requests()) != 2 || len(f2.tokens()) != 2 {
		t.Errorf("%d calls and %d token fetches, want 2 and 2", len(f2.requests()), len(f2.tokens()))
	}
}

func TestTokenRefusedIsNotRetried(t *testing.T) {
	f := newFake(t)
	f.on("POST /accesstoken/get", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnauthorized) // the spec's 401 has no body
	})
	_, err := f.client().CreatePayment(t.Context(), key1, pushRequest())
	if !errors.Is(err, epayment.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if errors.Is(err, epayment.ErrOutcomeUnknown) {
		t.Errorf("a refused token is a certain failure, got %v", err)
	}
	if len(f.tokens()) != 1 || len(f.requests()) != 0 {
		t.Errorf("%d token fetches and %d calls, want 1 and 0", len(f.tokens()), len(f.requests()))
	}
}

func TestHeaders(t *testing.T) {
	f := newFake(t)
	f.on("POST /epayment/v1/payments", created)
	f.on("GET /epayment/v1/payments/"+ref, answer(http.StatusOK, "application/json", payment(epayment.StateCreated)))
	c := f.client()
	if _, err := c.CreatePayment(t.Context(), key1, pushRequest()); err != nil {
		t.Fatalf("CreatePayment: %v", err)
	}
	if _, err := c.GetPayment(t.Context(), ref); err != nil {
		t.Fatalf("GetPayment: %v", err)
	}
	system := map[string]string{
		"Vipps-System-Name":           "kasse",
		"Vipps-System-Version":        "0.1.0",
		"Vipps-System-Plugin-Name":    "kasse-pos",
		"Vipps-System-Plugin-Version": "0.1.0",
	}
	check := func(what string, h http.Header, want map[string]string) {
		t.Helper()
		for name, v := range want {
			if got := h.Get(name); got != v {
				t.Errorf("%s: %s = %q, want %q", what, name, got, v)
			}
		}
	}
	tok := f.tokens()[0]
	check("token", tok.Header, system)
	check("token", tok.Header, map[string]string{
		"client_id": clientID, "client_secret": secret, "Ocp-Apim-Subscription-Key": subKey, "Merchant-Serial-Number": msn,
	})
	if len(tok.Body) != 0 {
		t.Errorf("token request has a body: %q", tok.Body)
	}

	reqs := f.requests()
	common := map[string]string{"Authorization": "Bearer tok-1", "Ocp-Apim-Subscription-Key": subKey, "Merchant-Serial-Number": msn}
	check("create", reqs[0].Header, system)
	check("create", reqs[0].Header, common)
	check("create", reqs[0].Header, map[string]string{"Idempotency-Key": key1, "Content-Type": "application/json"})
	check("get", reqs[1].Header, system)
	check("get", reqs[1].Header, common)
	for _, h := range []string{"Idempotency-Key", "Content-Type", "client_secret"} {
		if v := reqs[1].Header.Get(h); v != "" {
			t.Errorf("get: unexpected %s %q", h, v)
		}
	}
	if v := reqs[0].Header.Get("client_secret"); v != "" {
		t.Errorf("the client secret went to the ePayment API")
	}

	// Configured names replace the defaults.
	f2 := newFake(t)
	f2.on("GET /epayment/v1/payments/"+ref, answer(http.StatusOK, "application/json", payment(epayment.StateCreated)))
	c2 := f2.client(func(cfg *epayment.Config) {
		cfg.SystemName, cfg.SystemVersion, cfg.PluginName, cfg.PluginVersion = "butikk", "2.0.0", "butikk-kasse", "3.1.4"
	})
	if _, err := c2.GetPayment(t.Context(), ref); err != nil {
		t.Fatalf("GetPayment: %v", err)
	}
	check("configured", f2.requests()[0].Header, map[string]string{
		"Vipps-System-Name": "butikk", "Vipps-System-Version": "2.0.0",
		"Vipps-System-Plugin-Name": "butikk-kasse", "Vipps-System-Plugin-Version": "3.1.4",
	})
	if got := c2.MSN(); got != msn {
		t.Errorf("MSN() = %q", got)
	}
}

func TestCreatePaymentBody(t *testing.T) {
	f := newFake(t)
	f.on("POST /epayment/v1/payments", created)
	res, err := f.client().CreatePayment(t.Context(), key1, pushRequest())
	if err != nil {
		t.Fatalf("CreatePayment: %v", err)
	}
	if res.Reference != ref || res.RedirectURL != "" {
		t.Errorf("answer = %+v", res)
	}
	// The minimal in-store PUSH body of API-NOTES.md §3, field for field.
	want := `{"amount":{"currency":"NOK","value":49900},"paymentMethod":{"type":"WALLET"},
	 "customer":{"phoneNumber":"4791234567"},"customerInteraction":"CUSTOMER_PRESENT",
	 "reference":"kasse-0001-000123","userFlow":"PUSH_MESSAGE","paymentDescription":"Kasse 1 kvittering 123",
	 "receipt":{"orderLines":[{"name":"Kaffe","id":"SKU-1","totalAmount":49900,"totalAmountExcludingTax":39920,
	   "totalTaxAmount":9980,"taxPercentage":25,"unitInfo":{"unitPrice":49900,"quantity":"1","quantityUnit":"PCS"}}],
	   "bottomLine":{"currency":"NOK","posId":"kasse-1","receiptNumber":"000123"}}}`
	assertJSON(t, f.requests()[0].Body, want)
}

func TestQRFlowAnswer(t *testing.T) {
	f := newFake(t)
	f.on("POST /epayment/v1/payments", answer(http.StatusCreated, "application/json", epayment.CreatePaymentResponse{
		Reference: ref, RedirectURL: "https://qr-image.vipps.no/v1?token=abc",
	}))
	req := pushRequest()
	req.UserFlow, req.Customer = epayment.FlowQR, nil
	res, err := f.client().CreatePayment(t.Context(), key1, req)
	if err != nil {
		t.Fatalf("CreatePayment: %v", err)
	}
	if res.RedirectURL != "https://qr-image.vipps.no/v1?token=abc" {
		t.Errorf("redirectUrl %q", res.RedirectURL)
	}
}

func assertJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want: %v", err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("body\n got %s\nwant %s", gb, wb)
	}
}

// assertSame checks that every request carried the same Idempotency-Key and
// byte-identical body, and that there were exactly n.
func assertSame(t *testing.T, reqs []seen, n int, key string) {
	t.Helper()
	if len(reqs) != n {
		t.Fatalf("%d requests, want %d", len(reqs), n)
	}
	for i, r := range reqs {
		if got := r.Header.Get("Idempotency-Key"); got != key {
			t.Errorf("try %d: Idempotency-Key %q, want %q", i+1, got, key)
		}
		if !bytes.Equal(r.Body, reqs[0].Body) {
			t.Errorf("try %d: body changed:\n%s\nwas\n%s", i+1, r.Body, reqs[0].Body)
		}
	}
}

func TestRetry(t *testing.T) {
	cases := []struct {
		name   string
		fail   reply
		status int // undeclared status answered on purpose, if any
	}{
		{"500", problem(http.StatusInternalServerError, ""), http.StatusInternalServerError},
		{"503", withHeader("Retry-After", "0", problem(http.StatusServiceUnavailable, "")), http.StatusServiceUnavailable},
		{"429", withHeader("Retry-After", "1", problem(http.StatusTooManyRequests, "")), http.StatusTooManyRequests},
		{"423", problem(http.StatusLocked, ""), http.StatusLocked},
		{"6160 in progress", problem(http.StatusConflict, "6160"), 0},
		{"network drop", drop, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name+"/create", func(t *testing.T) {
			f := newFake(t)
			f.allowUndeclared(tc.status)
			f.on("POST /epayment/v1/payments", tc.fail, tc.fail, created)
			c := f.client(f.noKeepAlive)
			if _, err := c.CreatePayment(t.Context(), key1, pushRequest()); err != nil {
				t.Fatalf("CreatePayment: %v", err)
			}
			assertSame(t, f.requests(), 3, key1)
		})
		t.Run(tc.name+"/capture", func(t *testing.T) {
			f := newFake(t)
			f.allowUndeclared(tc.status)
			f.on("POST /epayment/v1/payments/"+ref+"/capture", tc.fail, modified(49900))
			c := f.client(f.noKeepAlive)
			res, err := c.Capture(t.Context(), ref, key1, nok(49900))
			if err != nil {
				t.Fatalf("Capture: %v", err)
			}
			if res.Aggregate.CapturedAmount.Value != 49900 {
				t.Errorf("captured %d", res.Aggregate.CapturedAmount.Value)
			}
			assertSame(t, f.requests(), 2, key1)
			assertJSON(t, f.requests()[0].Body, `{"modificationAmount":{"currency":"NOK","value":49900}}`)
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	for _, header := range []string{"7", time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)} {
		f := newFake(t)
		f.allowUndeclared(http.StatusTooManyRequests)
		f.on("GET /epayment/v1/payments/"+ref,
			withHeader("Retry-After", header, problem(http.StatusTooManyRequests, "")),
			answer(http.StatusOK, "application/json", payment(epayment.StateCreated)))
		c := f.client(func(cfg *epayment.Config) { cfg.Retry.NoSleep = false })
		waits := epayment.Sleeps(c)
		if _, err := c.GetPayment(t.Context(), ref); err != nil {
			t.Fatalf("GetPayment: %v", err)
		}
		w := waits()
		if len(w) != 1 || w[0] < 5*time.Second || w[0] > 30*time.Second {
			t.Errorf("Retry-After %q: waits %v, want one of at least the header's", header, w)
		}
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	f := newFake(t)
	f.allowUndeclared(http.StatusBadGateway)
	f.on("GET /epayment/v1/payments/"+ref, problem(http.StatusBadGateway, ""))
	c := f.client(func(cfg *epayment.Config) {
		cfg.Retry = epayment.RetryPolicy{MaxAttempts: 6, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	})
	waits := epayment.Sleeps(c)
	_, err := c.GetPayment(t.Context(), ref)
	if !errors.Is(err, epayment.ErrServer) {
		t.Fatalf("err = %v, want ErrServer", err)
	}
	if errors.Is(err, epayment.ErrOutcomeUnknown) {
		t.Errorf("a failed read is not an unknown outcome: %v", err)
	}
	w := waits()
	if len(w) != 5 || len(f.requests()) != 6 {
		t.Fatalf("%d waits, %d requests; want 5 and 6", len(w), len(f.requests()))
	}
	for i, d := range w {
		ideal := min(100*time.Millisecond*time.Duration((i+1)*(i+1)), time.Second)
		if d > ideal || d < ideal*3/4 {
			t.Errorf("wait %d = %v, want within 75–100 %% of %v", i+1, d, ideal)
		}
	}
}

func TestNoRetryOnFinalAnswers(t *testing.T) {
	cases := []struct {
		status int
		code   string
		kind   error
	}{
		{http.StatusBadRequest, "6080", epayment.ErrInvalid},
		{http.StatusNotFound, "", epayment.ErrNotFound},
		{http.StatusConflict, "4020", epayment.ErrConflict},
	}
	for _, tc := range cases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			f := newFake(t)
			f.on("POST /epayment/v1/payments/"+ref+"/capture", problem(tc.status, tc.code))
			_, err := f.client().Capture(t.Context(), ref, key1, nok(100))
			if len(f.requests()) != 1 {
				t.Errorf("%d requests, want 1", len(f.requests()))
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("err = %v, want %v", err, tc.kind)
			}
			if errors.Is(err, epayment.ErrOutcomeUnknown) {
				t.Errorf("a %d is a refusal, not an unknown outcome", tc.status)
			}
			apiErr, ok := errors.AsType[*epayment.APIError](err)
			if !ok {
				t.Fatalf("err %T is no *APIError", err)
			}
			want := epayment.APIError{
				Status: tc.status, Title: http.StatusText(tc.status), Detail: "scripted " + strconv.Itoa(tc.status),
				Instance: "/v1/payments/" + ref, TraceID: "00-trace-" + strconv.Itoa(tc.status) + "-" + tc.code, Code: tc.code,
			}
			if apiErr.Status != want.Status || apiErr.Title != want.Title || apiErr.Detail != want.Detail ||
				apiErr.Instance != want.Instance || apiErr.TraceID != want.TraceID || apiErr.Code != want.Code {
				t.Errorf("APIError = %+v\nwant %+v", apiErr, want)
			}
			if apiErr.Retryable() {
				t.Errorf("%d %s reported retryable", tc.status, tc.code)
			}
			for _, s := range []string{want.Title, want.Detail, want.TraceID} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Error() %q lacks %q", err.Error(), s)
				}
			}
			if tc.code != "" && !strings.Contains(err.Error(), "code "+tc.code) {
				t.Errorf("Error() %q lacks the code", err.Error())
			}
			if !strings.Contains(f.logs.String(), "traceId="+want.TraceID) {
				t.Errorf("traceId not logged:\n%s", f.logs.String())
			}
		})
	}
}

func TestRetriesExhausted(t *testing.T) {
	f := newFake(t)
	f.allowUndeclared(http.StatusServiceUnavailable)
	f.on("POST /epayment/v1/payments", problem(http.StatusServiceUnavailable, ""))
	c := f.client(func(cfg *epayment.Config) { cfg.Retry.MaxAttempts = 3 })
	_, err := c.CreatePayment(t.Context(), key1, pushRequest())
	assertSame(t, f.requests(), 3, key1)
	if !errors.Is(err, epayment.ErrServer) || !errors.Is(err, epayment.ErrOutcomeUnknown) {
		t.Errorf("err = %v, want ErrServer and ErrOutcomeUnknown", err)
	}
	if apiErr, ok := errors.AsType[*epayment.APIError](err); !ok || !apiErr.Retryable() {
		t.Errorf("err = %v, want a retryable *APIError", err)
	}
}

func TestUncertainThenRefusedStaysUncertain(t *testing.T) {
	// The first try may have created the payment; the 409 of the second
	// does not prove otherwise.
	f := newFake(t)
	f.allowUndeclared(http.StatusBadGateway)
	f.on("POST /epayment/v1/payments", problem(http.StatusBadGateway, ""), problem(http.StatusConflict, "4150"))
	_, err := f.client().CreatePayment(t.Context(), key1, pushRequest())
	if !errors.Is(err, epayment.ErrConflict) || !errors.Is(err, epayment.ErrOutcomeUnknown) {
		t.Errorf("err = %v, want ErrConflict and ErrOutcomeUnknown", err)
	}
	assertSame(t, f.requests(), 2, key1)
}

func TestTimeoutIsUnknownOutcome(t *testing.T) {
	f := newFake(t)
	hang := func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() } // until the client gives up
	f.on("POST /epayment/v1/payments/"+ref+"/capture", hang, modified(49900))

	// Retried, with the same key, after the attempt's timeout.
	c := f.client(f.noKeepAlive, func(cfg *epayment.Config) { cfg.HTTPClient.Timeout = 50 * time.Millisecond })
	if _, err := c.Capture(t.Context(), ref, key1, nok(49900)); err != nil {
		t.Fatalf("Capture: %v", err)
	}
	assertSame(t, f.requests(), 2, key1)

	// Without retries, a timeout is an unknown outcome, not a refusal.
	f2 := newFake(t)
	f2.on("POST /epayment/v1/payments/"+ref+"/capture", hang)
	c2 := f2.client(f2.noKeepAlive, func(cfg *epayment.Config) {
		cfg.HTTPClient.Timeout = 50 * time.Millisecond
		cfg.Retry.MaxAttempts = 1
	})
	_, err := c2.Capture(t.Context(), ref, key1, nok(49900))
	if !errors.Is(err, epayment.ErrOutcomeUnknown) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want ErrOutcomeUnknown and DeadlineExceeded", err)
	}
	if _, ok := errors.AsType[*epayment.APIError](err); ok {
		t.Errorf("a timeout is not an *APIError: %v", err)
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	f := newFake(t)
	f.allowUndeclared(http.StatusServiceUnavailable)
	f.on("POST /epayment/v1/payments", problem(http.StatusServiceUnavailable, ""))
	ctx, cancel := context.WithCancel(t.Context())
	f.onRequest = func(n int) {
		if n == 2 {
			cancel() // the cashier gives up during the second try
		}
	}
	c := f.client(func(cfg *epayment.Config) { cfg.Retry.MaxAttempts = 10 })
	_, err := c.CreatePayment(ctx, key1, pushRequest())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if !errors.Is(err, epayment.ErrOutcomeUnknown) {
		t.Errorf("err = %v, want ErrOutcomeUnknown: the tries may have reached Vipps", err)
	}
	assertSame(t, f.requests(), 2, key1)

	// A context done before the call sends nothing.
	done, stop := context.WithCancel(t.Context())
	stop()
	if _, err := c.GetPayment(done, ref); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if len(f.requests()) != 2 {
		t.Errorf("a call with a done context was sent")
	}
}

func TestInvalidCallsSendNothing(t *testing.T) {
	f := newFake(t)
	c := f.client()
	ctx := t.Context()
	long := strings.Repeat("k", 51)
	badRef := pushRequest()
	badRef.Reference = "kasse 1!"
	calls := map[string]func() error{
		"create empty key":   func() error { _, err := c.CreatePayment(ctx, "", pushRequest()); return err },
		"create long key":    func() error { _, err := c.CreatePayment(ctx, long, pushRequest()); return err },
		"create spaced key":  func() error { _, err := c.CreatePayment(ctx, " "+key1, pushRequest()); return err },
		"create bad ref":     func() error { _, err := c.CreatePayment(ctx, key1, badRef); return err },
		"capture empty key":  func() error { _, err := c.Capture(ctx, ref, "", nok(100)); return err },
		"refund empty key":   func() error { _, err := c.Refund(ctx, ref, "", nok(100)); return err },
		"cancel empty key":   func() error { _, err := c.Cancel(ctx, ref, "", true); return err },
		"get path traversal": func() error { _, err := c.GetPayment(ctx, "../../webhooks/v1/webhooks"); return err },
		"events short ref":   func() error { _, err := c.GetEvents(ctx, "abc"); return err },
		"capture bad ref":    func() error { _, err := c.Capture(ctx, "a/b/c/d/e/f", key1, nok(100)); return err },
		"delete non-uuid":    func() error { return c.DeleteWebhook(ctx, "../payments") },
		"register no events": func() error { _, err := c.RegisterWebhook(ctx, "https://relay.example/hook", nil); return err },
		"exchange empty":     func() error { _, err := c.ExchangeQR(ctx, ""); return err },
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, epayment.ErrInvalid) || errors.Is(err, epayment.ErrOutcomeUnknown) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	if len(f.tokens()) != 0 || len(f.requests()) != 0 {
		t.Errorf("%d token fetches and %d calls, want none", len(f.tokens()), len(f.requests()))
	}
}

func TestForceApprove(t *testing.T) {
	f := newFake(t)
	f.on("POST /epayment/v1/test/payments/"+ref+"/approve", func(w http.ResponseWriter, _ *http.Request) {})
	c := f.client()
	err := c.ForceApprove(t.Context(), ref, epayment.ForceApproveRequest{Customer: &epayment.Customer{PhoneNumber: "4791234567"}})
	if err != nil {
		t.Fatalf("ForceApprove: %v", err)
	}
	r := f.requests()[0]
	assertJSON(t, r.Body, `{"customer":{"phoneNumber":"4791234567"}}`)
	if r.Header.Get("Idempotency-Key") != "" {
		t.Errorf("approve sent an Idempotency-Key")
	}

	prod, err := epayment.New(epayment.Config{BaseURL: epayment.ProductionURL, ClientID: clientID, ClientSecret: secret, SubscriptionKey: subKey, MSN: msn,
		HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			t.Errorf("production was called: %s %s", r.Method, r.URL)
			return nil, errors.New("no")
		})}})
	if err != nil {
		t.Fatal(err)
	}
	if err := prod.ForceApprove(t.Context(), ref, epayment.ForceApproveRequest{Token: "x"}); !errors.Is(err, epayment.ErrInvalid) {
		t.Errorf("ForceApprove on production: %v, want ErrInvalid", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestCancelAndRefundBodies(t *testing.T) {
	f := newFake(t)
	f.on("POST /epayment/v1/payments/"+ref+"/cancel", modified(0))
	f.on("POST /epayment/v1/payments/"+ref+"/refund", modified(49900))
	c := f.client()
	ctx := t.Context()
	if _, err := c.Cancel(ctx, ref, "cancel-1", true); err != nil {
		t.Fatalf("Cancel(transactionOnly): %v", err)
	}
	if _, err := c.Cancel(ctx, ref, "cancel-2", false); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	if _, err := c.Refund(ctx, ref, "refund-1", nok(10000)); err != nil {
		t.Fatalf("Refund: %v", err)
	}
	reqs := f.requests()
	assertJSON(t, reqs[0].Body, `{"cancelTransactionOnly":true}`)
	if reqs[0].Header.Get("Content-Type") != "application/json" || reqs[0].Header.Get("Idempotency-Key") != "cancel-1" {
		t.Errorf("cancel headers %v", reqs[0].Header)
	}
	if len(reqs[1].Body) != 0 || reqs[1].Header.Get("Content-Type") != "" || reqs[1].Header.Get("Idempotency-Key") != "cancel-2" {
		t.Errorf("plain cancel: body %q, headers %v; want no body, as in spec 1.4.1", reqs[1].Body, reqs[1].Header)
	}
	assertJSON(t, reqs[2].Body, `{"modificationAmount":{"currency":"NOK","value":10000}}`)
	if reqs[2].Header.Get("Idempotency-Key") != "refund-1" {
		t.Errorf("refund key %q", reqs[2].Header.Get("Idempotency-Key"))
	}
}

func TestModificationAnswerAsPlainJSON(t *testing.T) {
	// The spec says problem+json for a 200 to capture; a real server may say
	// application/json. Both are read. (The contract check flags the second.)
	f := newFake(t)
	f.allowed = func(msg string) bool {
		return strings.Contains(msg, `Content-Type has unexpected value: "application/json"`)
	}
	f.on("POST /epayment/v1/payments/"+ref+"/capture", answer(http.StatusOK, "application/json", epayment.ModificationResponse{
		Amount: nok(100), State: epayment.StateAuthorized, Aggregate: aggregate(100, 100), PSPReference: "p", Reference: ref,
	}))
	res, err := f.client().Capture(t.Context(), ref, key1, nok(100))
	if err != nil || res.Aggregate.CapturedAmount.Value != 100 {
		t.Fatalf("Capture = %+v, %v", res, err)
	}
}

func TestWebhooks(t *testing.T) {
	f := newFake(t)
	events := []string{"epayments.payment.authorized.v1", "epayments.payment.aborted.v1"}
	f.on("POST /webhooks/v1/webhooks", answer(http.StatusCreated, "application/json", epayment.WebhookRegistration{ID: webhookID, Secret: "090a478d-37ff"}))
	f.on("GET /webhooks/v1/webhooks", answer(http.StatusOK, "application/json", epayment.WebhookList{Webhooks: []epayment.Webhook{
		{ID: webhookID, URL: "https://relay.example/hook", Events: events},
	}}))
	f.on("DELETE /webhooks/v1/webhooks/"+webhookID, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	c := f.client()
	ctx := t.Context()

	reg, err := c.RegisterWebhook(ctx, "https://relay.example/hook", events)
	if err != nil {
		t.Fatalf("RegisterWebhook: %v", err)
	}
	if reg.ID != webhookID || reg.Secret != "090a478d-37ff" {
		t.Errorf("registration %+v", reg)
	}
	list, err := c.ListWebhooks(ctx)
	if err != nil {
		t.Fatalf("ListWebhooks: %v", err)
	}
	if len(list) != 1 || list[0].ID != webhookID || list[0].URL != "https://relay.example/hook" || len(list[0].Events) != 2 {
		t.Errorf("list %+v", list)
	}
	if err := c.DeleteWebhook(ctx, webhookID); err != nil {
		t.Fatalf("DeleteWebhook: %v", err)
	}
	reqs := f.requests()
	assertJSON(t, reqs[0].Body, `{"url":"https://relay.example/hook","events":["epayments.payment.authorized.v1","epayments.payment.aborted.v1"]}`)
	if reqs[2].Method != http.MethodDelete || reqs[2].Path != "/webhooks/v1/webhooks/"+webhookID {
		t.Errorf("delete went to %s %s", reqs[2].Method, reqs[2].Path)
	}
	for _, r := range reqs {
		if r.Header.Get("Authorization") != "Bearer tok-1" || r.Header.Get("Merchant-Serial-Number") != msn || r.Header.Get("Idempotency-Key") != "" {
			t.Errorf("%s %s headers %v", r.Method, r.Path, r.Header)
		}
	}
}

func TestRegisterWebhookNotResentWhenUncertain(t *testing.T) {
	// No idempotency key: a registration that may have happened is not sent
	// again (that would register twice), but one refused with 429 is.
	f := newFake(t)
	f.allowUndeclared(http.StatusInternalServerError)
	f.on("POST /webhooks/v1/webhooks", problem(http.StatusInternalServerError, ""))
	_, err := f.client().RegisterWebhook(t.Context(), "https://relay.example/hook", []string{"epayments.payment.authorized.v1"})
	if !errors.Is(err, epayment.ErrOutcomeUnknown) || len(f.requests()) != 1 {
		t.Errorf("err = %v after %d requests; want ErrOutcomeUnknown after 1", err, len(f.requests()))
	}

	f2 := newFake(t)
	f2.allowUndeclared(http.StatusTooManyRequests)
	f2.on("POST /webhooks/v1/webhooks", problem(http.StatusTooManyRequests, ""),
		answer(http.StatusCreated, "application/json", epayment.WebhookRegistration{ID: webhookID, Secret: "s"}))
	if _, err := f2.client().RegisterWebhook(t.Context(), "https://relay.example/hook", []string{"epayments.payment.authorized.v1"}); err != nil {
		t.Errorf("RegisterWebhook after 429: %v", err)
	}
	if len(f2.requests()) != 2 {
		t.Errorf("%d requests, want 2", len(f2.requests()))
	}
}

func TestExchangeQR(t *testing.T) {
	const qr = "https://qr.vipps.no/p/qwjhewqhueheuqwhuqwhe"
	f := newFake(t)
	f.on("POST /qr/v1/exchange",
		answer(http.StatusOK, "application/json", epayment.QRExchangeResponse{MSISDN: "4798765432", Timestamp: 1634025600, Version: "2.0"}),
		// The QR API's 400 is application/json, not problem+json.
		answer(http.StatusBadRequest, "application/json", map[string]any{
			"title": "Bad request", "status": 400, "detail": "The request body contains one or more invalid parameters.",
			"extraDetails": []epayment.ExtraDetail{{Name: "qrCode", Reason: "The complete data contained in the QR code is required."}},
		}))
	c := f.client()
	res, err := c.ExchangeQR(t.Context(), qr)
	if err != nil {
		t.Fatalf("ExchangeQR: %v", err)
	}
	if res.MSISDN != "4798765432" || res.Version != "2.0" || res.Timestamp != 1634025600 {
		t.Errorf("answer %+v", res)
	}
	assertJSON(t, f.requests()[0].Body, `{"qrCode":"`+qr+`","requestedData":["MSISDN"]}`)

	_, err = c.ExchangeQR(t.Context(), "https://qr.vipps.no/p/")
	apiErr, ok := errors.AsType[*epayment.APIError](err)
	if !ok || !errors.Is(err, epayment.ErrInvalid) || len(apiErr.Extra) != 1 || apiErr.Extra[0].Name != "qrCode" || apiErr.Code != "" {
		t.Errorf("err = %#v", err)
	}
	if len(f.requests()) != 2 {
		t.Errorf("%d requests, want 2", len(f.requests()))
	}
}

func TestNew(t *testing.T) {
	ok := epayment.Config{BaseURL: epayment.TestURL, ClientID: clientID, ClientSecret: secret, SubscriptionKey: subKey, MSN: msn}
	if _, err := epayment.New(ok); err != nil {
		t.Fatalf("New(valid) = %v", err)
	}
	cases := map[string]func(*epayment.Config){
		"no base URL":      func(c *epayment.Config) { c.BaseURL = "" },
		"relative URL":     func(c *epayment.Config) { c.BaseURL = "api.vipps.no" },
		"ftp URL":          func(c *epayment.Config) { c.BaseURL = "ftp://api.vipps.no" },
		"URL with query":   func(c *epayment.Config) { c.BaseURL = "https://api.vipps.no?x=1" },
		"no client id":     func(c *epayment.Config) { c.ClientID = "" },
		"no secret":        func(c *epayment.Config) { c.ClientSecret = " " },
		"no key":           func(c *epayment.Config) { c.SubscriptionKey = "" },
		"MSN short":        func(c *epayment.Config) { c.MSN = "123" },
		"MSN long":         func(c *epayment.Config) { c.MSN = "1234567" },
		"MSN letters":      func(c *epayment.Config) { c.MSN = "12a45" },
		"MSN newline":      func(c *epayment.Config) { c.MSN = "12345\n" },
		"long system name": func(c *epayment.Config) { c.SystemName = strings.Repeat("x", 31) },
		"negative retries": func(c *epayment.Config) { c.Retry.MaxAttempts = -1 },
	}
	for name, mod := range cases {
		cfg := ok
		mod(&cfg)
		if _, err := epayment.New(cfg); !errors.Is(err, epayment.ErrInvalid) {
			t.Errorf("%s: New = %v, want ErrInvalid", name, err)
		}
	}
}

func TestExchangeQRRetriedAsARead(t *testing.T) {
	f := newFake(t)
	f.on("POST /qr/v1/exchange", problem(http.StatusInternalServerError, ""),
		answer(http.StatusOK, "application/json", epayment.QRExchangeResponse{MSISDN: "4712345678", Version: "1.0"}))
	c := f.client()
	res, err := c.ExchangeQR(t.Context(), "https://qr.vipps.no/28/2/01/031/4712345678?v=1")
	if err != nil || res.MSISDN != "4712345678" {
		t.Fatalf("ExchangeQR = %+v, %v", res, err)
	}
	if len(f.requests()) != 2 {
		t.Errorf("%d requests, want 2", len(f.requests()))
	}

	// When the tries run out, a failed exchange is a failed read: nothing
	// was changed, so the outcome is not unknown.
	f2 := newFake(t)
	f2.on("POST /qr/v1/exchange", problem(http.StatusInternalServerError, ""))
	_, err = f2.client().ExchangeQR(t.Context(), "https://qr.vipps.no/p/abc")
	if !errors.Is(err, epayment.ErrServer) || errors.Is(err, epayment.ErrOutcomeUnknown) {
		t.Errorf("err = %v, want ErrServer and not ErrOutcomeUnknown", err)
	}
}
