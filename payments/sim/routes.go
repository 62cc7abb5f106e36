package sim

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
)

// Operation names, as the specs' operationIds spell them where they have one.
// Faults.Ops selects operations by these names.
const (
	OpAccessToken    = "fetchAuthorizationTokenUsingPost"
	OpCreatePayment  = "createPayment"
	OpGetPayment     = "getPayment"
	OpGetEvents      = "getPaymentEventLog"
	OpCapture        = "capturePayment"
	OpRefund         = "refundPayment"
	OpCancel         = "cancelPayment"
	OpForceApprove   = "forceApprove"
	OpExchangeQR     = "exchangeQr"
	OpRegisterHook   = "registerWebhook"
	OpListHooks      = "getWebhooks"
	OpDeleteHook     = "deleteWebhook"
	maxBodyBytes     = 1 << 20
	maxIdempotentKey = 50
)

var referencePattern = regexp.MustCompile(`^[a-zA-Z0-9-]{8,50}$`)

// Handler is the whole API: access token, ePayment, QR exchange and Webhooks,
// under the paths api.vipps.no serves them on, plus the simulator's own control
// API under /sim/v1/ (faults, ledger, personal QR codes).
func (s *Sim) Handler() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern, op string, h http.HandlerFunc) {
		mux.Handle(pattern, s.withFaults(op, h))
	}
	handle("POST /accesstoken/get", OpAccessToken, s.handleToken)
	handle("POST /epayment/v1/payments", OpCreatePayment, s.api(true, s.createPayment))
	handle("GET /epayment/v1/payments/{reference}", OpGetPayment, s.api(false, s.getPayment))
	handle("GET /epayment/v1/payments/{reference}/events", OpGetEvents, s.api(false, s.getEvents))
	handle("POST /epayment/v1/payments/{reference}/capture", OpCapture, s.api(true, s.capture))
	handle("POST /epayment/v1/payments/{reference}/refund", OpRefund, s.api(true, s.refund))
	handle("POST /epayment/v1/payments/{reference}/cancel", OpCancel, s.api(true, s.cancelPayment))
	handle("POST /epayment/v1/test/payments/{reference}/approve", OpForceApprove, s.api(false, s.forceApprove))
	handle("POST /qr/v1/exchange", OpExchangeQR, s.api(false, s.exchangeQR))
	handle("POST /webhooks/v1/webhooks", OpRegisterHook, s.api(false, s.registerWebhook))
	handle("GET /webhooks/v1/webhooks", OpListHooks, s.api(false, s.listWebhooks))
	handle("DELETE /webhooks/v1/webhooks/{id}", OpDeleteHook, s.api(false, s.deleteWebhook))
	s.adminRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		problem(r, http.StatusNotFound, "", "Not Found", fmt.Sprintf("%s %s is not an API the simulator serves", r.Method, r.URL.Path)).write(w)
	})
	return mux
}

// call is one authenticated API request as an operation sees it.
type call struct {
	r       *http.Request
	msn     string
	body    []byte
	idemKey string
}

// api wraps an operation: it reads the body, checks the credentials and, for
// operations that take an Idempotency-Key, replays or refuses a reused key. The
// operation runs with s.mu held, so check and change are one step.
func (s *Sim) api(idempotent bool, op func(c call) *answer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			problem(r, http.StatusBadRequest, "", "Bad Request", "could not read the request body: "+err.Error()).write(w)
			return
		}
		s.mu.Lock()
		a := s.serve(r, body, idempotent, op)
		s.mu.Unlock()
		a.write(w)
	}
}

func (s *Sim) serve(r *http.Request, body []byte, idempotent bool, op func(c call) *answer) *answer {
	if s.closed {
		return problem(r, http.StatusServiceUnavailable, "", "Service Unavailable", "the simulator is shutting down")
	}
	msn, denied := s.checkAuth(r)
	if denied != nil {
		return denied
	}
	if ref := r.PathValue("reference"); ref != "" && !referencePattern.MatchString(ref) {
		return invalid(r, "", "reference", "The reference must match the regular expression ^[a-zA-Z0-9-]{8,50}$.")
	}
	c := call{r: r, msn: msn, body: body}
	if !idempotent {
		return op(c)
	}
	c.idemKey = r.Header.Get("Idempotency-Key")
	switch {
	case c.idemKey == "":
		return invalid(r, CodeMissingParameter, "Idempotency-Key", "The Idempotency-Key header is required.")
	case len(c.idemKey) > maxIdempotentKey:
		return invalid(r, "", "Idempotency-Key", "The Idempotency-Key header must be at most 50 characters.")
	}
	if a, seen := s.replay(c); seen {
		return a
	}
	a := op(c)
	s.remember(c, a)
	return a
}
