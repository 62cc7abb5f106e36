package sim

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/kasse-pos/kasse/payments/epayment"
)

// Personal QR formats (API notes §8).
const (
	legacyQRPrefix    = "https://qr.vipps.no/28/2/01/031/"
	tokenisedQRPrefix = "https://qr.vipps.no/p/"
)

var legacyQR = regexp.MustCompile(`^https://qr\.vipps\.no/28/2/01/031/(\d{10,15})\?v=1$`)

// Demo personal QR codes: tokenised codes that never expire, one for each
// answer of the simulated customer, plus one that is always expired.
const (
	DemoQRApproves     = tokenisedQRPrefix + "kasse-demo-approves"      // PhoneApproves
	DemoQRDeclines     = tokenisedQRPrefix + "kasse-demo-declines"      // PhoneDeclines
	DemoQRNeverAnswers = tokenisedQRPrefix + "kasse-demo-never-answers" // PhoneNeverAnswers
	DemoQRExpired      = tokenisedQRPrefix + "kasse-demo-expired"       // always refused as expired
)

// qrToken is a tokenised personal QR the simulator knows.
type qrToken struct {
	msisdn  string
	issued  time.Time
	forever bool // demo codes never expire
	expired bool // the demo code that is always expired
}

func (s *Sim) addDemoQRTokens() {
	add := func(qr, msisdn string, expired bool) {
		s.qrTokens[strings.TrimPrefix(qr, tokenisedQRPrefix)] = qrToken{msisdn: msisdn, issued: s.start, forever: !expired, expired: expired}
	}
	add(DemoQRApproves, PhoneApproves, false)
	add(DemoQRDeclines, PhoneDeclines, false)
	add(DemoQRNeverAnswers, PhoneNeverAnswers, false)
	add(DemoQRExpired, "4712345677", true)
}

// IssuePersonalQR makes a tokenised personal QR (https://qr.vipps.no/p/<token>)
// for msisdn, as the customer's app would show it. It can be exchanged, or sent
// as customer.personalQr, until Config.PersonalQRMaxAge has passed.
func (s *Sim) IssuePersonalQR(msisdn string) (string, error) {
	if !phonePattern.MatchString(msisdn) {
		return "", fmt.Errorf("sim: issue personal QR: %q is not an MSISDN (10-15 digits)", msisdn)
	}
	b := make([]byte, 16)
	rand.Read(b)
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	tok := string(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", ErrClosed
	}
	s.qrTokens[tok] = qrToken{msisdn: msisdn, issued: s.clock.Now()}
	return tokenisedQRPrefix + tok, nil
}

// qrProblem is the QR API's 400 body, which (unlike the ePayment Problem) has
// neither type nor traceId.
type qrProblem struct {
	Title        string                 `json:"title"`
	Status       int                    `json:"status"`
	Detail       string                 `json:"detail"`
	ExtraDetails []epayment.ExtraDetail `json:"extraDetails"`
}

// Reasons of a refused personal QR.
const (
	qrReasonIncomplete = "The complete data contained in the QR code is required."
	qrReasonExpired    = "The QR code has expired. Ask the customer to show the code again."
)

// readQR turns personal QR content into an MSISDN and the exchange answer, or
// the reason it is refused. Call with s.mu held.
func (s *Sim) readQR(qr string) (epayment.QRExchangeResponse, string) {
	if m := legacyQR.FindStringSubmatch(qr); m != nil {
		return epayment.QRExchangeResponse{MSISDN: m[1], Version: "1.0"}, ""
	}
	tok, ok := strings.CutPrefix(qr, tokenisedQRPrefix)
	t, known := s.qrTokens[tok]
	switch {
	case !ok || !known:
		return epayment.QRExchangeResponse{}, qrReasonIncomplete
	case t.expired || !t.forever && s.clock.Now().Sub(t.issued) > s.cfg.PersonalQRMaxAge:
		return epayment.QRExchangeResponse{}, qrReasonExpired
	}
	return epayment.QRExchangeResponse{MSISDN: t.msisdn, Timestamp: t.issued.Unix(), Version: "2.0"}, ""
}

// exchangeQR answers POST /qr/v1/exchange.
func (s *Sim) exchangeQR(c call) *answer {
	var req epayment.QRExchangeRequest
	if err := json.Unmarshal(c.body, &req); err != nil || req.QRCode == "" {
		return qrRefusal(qrReasonIncomplete)
	}
	for _, d := range req.RequestedData {
		if d != "MSISDN" {
			return jsonAnswer(http.StatusBadRequest, ctJSON, qrProblem{Title: "Bad request", Status: http.StatusBadRequest,
				Detail:       "The request body contains one or more invalid parameters.",
				ExtraDetails: []epayment.ExtraDetail{{Name: "requestedData", Reason: "Only MSISDN can be requested."}}})
		}
	}
	res, reason := s.readQR(req.QRCode)
	if reason != "" {
		return qrRefusal(reason)
	}
	return jsonAnswer(http.StatusOK, ctJSON, res)
}

func qrRefusal(reason string) *answer {
	return jsonAnswer(http.StatusBadRequest, ctJSON, qrProblem{
		Title:        "Bad request",
		Status:       http.StatusBadRequest,
		Detail:       "The request body contains one or more invalid parameters.",
		ExtraDetails: []epayment.ExtraDetail{{Name: "qrCode", Reason: reason}},
	})
}

// resolveCustomer finds the phone number behind a createPayment customer: the
// number itself, or the number a personal QR stands for (error 4060 if the QR
// is unknown or expired). A customerToken has no known number. Call with s.mu
// held.
func (s *Sim) resolveCustomer(r *http.Request, c *epayment.Customer) (string, *answer) {
	switch {
	case c == nil:
		return "", nil
	case c.PhoneNumber != "":
		return c.PhoneNumber, nil
	case c.PersonalQR != "":
		res, reason := s.readQR(c.PersonalQR)
		if reason != "" {
			return "", invalid(r, CodeInvalidPersonalQR, "customer.personalQr", reason)
		}
		return res.MSISDN, nil
	}
	return "", nil
}
