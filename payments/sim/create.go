package sim

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kasse-pos/kasse/payments/epayment"
)

// Limits of createPayment, from the spec and the live error table.
const (
	maxAmount        = 65_000_000
	minExpiresAhead  = 10 * time.Minute
	maxExpiresAhead  = 28 * 24 * time.Hour // the spec's <28 days, stricter than live's 60
	maxMetadataPairs = 5
	maxMetadataKey   = 100
	maxMetadataValue = 500
)

var phonePattern = regexp.MustCompile(`^\d{10,15}$`)

// createRequest is the body of createPayment; its qrFormat only decides the
// shape of the simulator's redirectUrl.
type createRequest struct {
	epayment.CreatePaymentRequest
}

// decode reads a JSON body into v. A fractional or quoted amount is error 4040,
// as Vipps answers it; anything else unreadable is a plain 400.
func decode(c call, v any) *answer {
	err := json.Unmarshal(c.body, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && strings.HasSuffix(strings.ToLower(te.Field), "amount.value") {
		return invalid(c.r, CodeInvalidAmount, te.Field, "Amounts are integers in minor units (100 = 1.00).")
	}
	return problem(c.r, http.StatusBadRequest, "", "Bad Request", "The request body is not valid JSON for this operation: "+err.Error())
}

// createPayment answers POST /epayment/v1/payments.
func (s *Sim) createPayment(c call) *answer {
	var req createRequest
	if a := decode(c, &req); a != nil {
		return a
	}
	if a := s.validateCreate(c.r, &req.CreatePaymentRequest); a != nil {
		return a
	}
	if req.UserFlow == epayment.FlowPushMessage && s.pushOff[c.msn] {
		return problem(c.r, http.StatusForbidden, CodePushDisabled, "Forbidden",
			"The sales unit is not allowed to use userFlow PUSH_MESSAGE.")
	}
	msisdn, a := s.resolveCustomer(c.r, req.Customer)
	if a != nil {
		return a
	}
	key := paymentKey(c.msn, req.Reference)
	if s.payments[key] != nil {
		return problem(c.r, http.StatusConflict, CodeReferenceConflict, "Conflict",
			"A payment with reference "+req.Reference+" already exists for this merchant.")
	}
	cur := req.Amount.Currency
	p := &payment{
		msn:        c.msn,
		req:        req.CreatePaymentRequest,
		msisdn:     msisdn,
		state:      epayment.StateCreated,
		approveTok: randHex(16),
		agg: epayment.Aggregate{
			AuthorizedAmount: epayment.Amount{Currency: cur},
			CancelledAmount:  epayment.Amount{Currency: cur},
			CapturedAmount:   epayment.Amount{Currency: cur},
			RefundedAmount:   epayment.Amount{Currency: cur},
		},
	}
	switch req.UserFlow {
	case epayment.FlowQR:
		p.redirectURL = "https://qr-image.vipps.no/v1?token=" + p.approveTok
		if req.QRFormat != nil && req.QRFormat.Format == epayment.QRTargetURL {
			p.redirectURL = "https://landing.vipps.no?token=" + p.approveTok
		}
	case "WEB_REDIRECT":
		p.redirectURL = "https://landing.vipps.no?token=" + p.approveTok
	case "NATIVE_REDIRECT":
		p.redirectURL = "vipps://?token=" + p.approveTok
	}
	s.payments[key] = p
	s.order = append(s.order, p)
	s.record(p, epayment.EventCreated, req.Amount.Value, c.idemKey)

	expireIn := s.cfg.ExpireAfter
	if s.behaviour.ExpireAfter > 0 {
		expireIn = s.behaviour.ExpireAfter
	}
	if req.ExpiresAt != "" {
		at, _ := time.Parse(time.RFC3339, req.ExpiresAt) // validated above
		expireIn = at.Sub(s.clock.Now())
	}
	s.after(p, expireIn, func() { s.expirePayment(p) })
	s.scheduleCustomer(p)
	return jsonAnswer(http.StatusCreated, ctJSON, epayment.CreatePaymentResponse{Reference: req.Reference, RedirectURL: p.redirectURL})
}

// validateCreate checks what the spec and the API notes require of a
// createPayment body, answering with the field and error code Vipps uses.
func (s *Sim) validateCreate(r *http.Request, req *epayment.CreatePaymentRequest) *answer {
	if !referencePattern.MatchString(req.Reference) {
		return invalid(r, "", "reference", "The reference must match the regular expression ^[a-zA-Z0-9-]{8,50}$.")
	}
	if a := checkAmount(r, "amount", req.Amount); a != nil {
		return a
	}
	switch req.PaymentMethod.Type {
	case "WALLET":
	case "CARD":
		if req.UserFlow != "WEB_REDIRECT" {
			return invalid(r, "", "paymentMethod.type", "CARD can only be used with userFlow WEB_REDIRECT.")
		}
	default:
		return invalid(r, "", "paymentMethod.type", "paymentMethod.type must be WALLET or CARD.")
	}
	switch req.CustomerInteraction {
	case "", epayment.CustomerPresent, "CUSTOMER_NOT_PRESENT":
	default:
		return invalid(r, "", "customerInteraction", "customerInteraction must be CUSTOMER_PRESENT or CUSTOMER_NOT_PRESENT.")
	}
	switch req.UserFlow {
	case epayment.FlowPushMessage:
		if req.Customer == nil || *req.Customer == (epayment.Customer{}) {
			return invalid(r, CodeMissingParameter, "customer", "userFlow PUSH_MESSAGE requires customer.")
		}
	case epayment.FlowQR, "NATIVE_REDIRECT":
	case "WEB_REDIRECT":
		if req.ReturnURL == "" {
			return invalid(r, CodeMissingParameter, "returnUrl", "userFlow WEB_REDIRECT requires returnUrl.")
		}
	default:
		return invalid(r, "", "userFlow", "userFlow must be PUSH_MESSAGE, NATIVE_REDIRECT, WEB_REDIRECT or QR.")
	}
	if a := checkCustomer(r, req.Customer); a != nil {
		return a
	}
	for field, u := range map[string]string{"returnUrl": req.ReturnURL, "receiptUrl": req.ReceiptURL} {
		if u != "" && !merchantURL(u) {
			return invalid(r, CodeInvalidURL, field, field+" must use https:// or a custom URL scheme.")
		}
	}
	if d := req.PaymentDescription; d != "" && (len([]rune(d)) < 3 || len([]rune(d)) > 100) {
		return invalid(r, "", "paymentDescription", "paymentDescription must be 3-100 characters.")
	}
	if a := checkMetadata(r, req.Metadata); a != nil {
		return a
	}
	if a := s.checkExpiresAt(r, req); a != nil {
		return a
	}
	if req.Receipt != nil {
		return checkReceipt(r, req.Receipt, req.Amount)
	}
	return nil
}

func checkAmount(r *http.Request, field string, a epayment.Amount) *answer {
	switch a.Currency {
	case epayment.NOK, epayment.DKK, epayment.EUR:
	default:
		return invalid(r, "", field+".currency", "The currency must be NOK, DKK or EUR.")
	}
	if a.Value < 0 || a.Value > maxAmount {
		return invalid(r, CodeInvalidAmount, field+".value", "The amount must be 0-65000000 minor units.")
	}
	min := int64(1)
	if a.Currency == epayment.NOK {
		min = 100
	}
	if a.Value < min {
		return invalid(r, CodeAmountTooSmall, field+".value", "The amount is below the minimum for the currency (NOK 100 øre, DKK and EUR 1).")
	}
	return nil
}

func checkCustomer(r *http.Request, c *epayment.Customer) *answer {
	if c == nil {
		return nil
	}
	n := 0
	for _, v := range []string{c.PhoneNumber, c.PersonalQR, c.CustomerToken} {
		if v != "" {
			n++
		}
	}
	switch {
	case n > 1:
		return invalid(r, "", "customer", "Specify exactly one of phoneNumber, personalQr and customerToken.")
	case c.PhoneNumber != "" && !phonePattern.MatchString(c.PhoneNumber):
		return invalid(r, CodeInvalidPhone, "customer.phoneNumber", "The phone number must be an MSISDN: country code and number, digits only (^\\d{10,15}$).")
	case c.PersonalQR != "" && (len(c.PersonalQR) < 5 || len(c.PersonalQR) > 255):
		return invalid(r, CodeInvalidPersonalQR, "customer.personalQr", "personalQr must be the complete QR content, 5-255 characters.")
	}
	return nil
}

// merchantURL accepts https:// and custom app schemes, as Vipps does; plain
// http:// is refused.
func merchantURL(u string) bool {
	scheme, rest, ok := strings.Cut(u, ":")
	if !ok || scheme == "" || rest == "" {
		return false
	}
	return !strings.EqualFold(scheme, "http")
}

func checkMetadata(r *http.Request, md map[string]string) *answer {
	if len(md) > maxMetadataPairs {
		return invalid(r, CodeMetadataCapacity, "metadata", "metadata holds at most 5 pairs.")
	}
	for k, v := range md {
		if len(k) > maxMetadataKey {
			return invalid(r, CodeMetadataKey, "metadata", "metadata keys are at most 100 characters.")
		}
		if len(v) > maxMetadataValue {
			return invalid(r, CodeMetadataValue, "metadata", "metadata values are at most 500 characters.")
		}
	}
	return nil
}

func (s *Sim) checkExpiresAt(r *http.Request, req *epayment.CreatePaymentRequest) *answer {
	if req.ExpiresAt == "" {
		return nil
	}
	at, err := time.Parse(time.RFC3339, req.ExpiresAt)
	if err != nil {
		return invalid(r, "", "expiresAt", "expiresAt must be an RFC 3339 date-time.")
	}
	if req.UserFlow != epayment.FlowPushMessage && req.UserFlow != epayment.FlowQR {
		return invalid(r, "", "expiresAt", "expiresAt can only be used with userFlow PUSH_MESSAGE or QR.")
	}
	if req.Receipt == nil {
		return invalid(r, CodeLongLivingReceipt, "receipt", "A payment with expiresAt requires a receipt.")
	}
	ahead := at.Sub(s.clock.Now())
	switch {
	case ahead < minExpiresAhead:
		return invalid(r, CodeExpiresTooSoon, "expiresAt", "expiresAt must be at least 10 minutes ahead.")
	case ahead >= maxExpiresAhead:
		return invalid(r, CodeExpiresTooLate, "expiresAt", "expiresAt must be less than 28 days ahead.")
	}
	return nil
}

// checkReceipt requires what Order Management requires, and that the lines add
// up: each line's total is its net plus tax, and the lines (returns counted
// negative) sum to the payment's amount plus what bottomLine.paymentSources
// says other means paid (a split sale's cash part). A till whose VAT or totals drift fails
// here rather than in the customer's app.
func checkReceipt(r *http.Request, rc *epayment.Receipt, amount epayment.Amount) *answer {
	if len(rc.OrderLines) == 0 {
		return invalid(r, "", "receipt.orderLines", "A receipt needs at least one order line.")
	}
	if rc.BottomLine.Currency != amount.Currency {
		return invalid(r, "", "receipt.bottomLine.currency", "The receipt's currency must be the payment's currency.")
	}
	var sum int64
	for i, l := range rc.OrderLines {
		field := "receipt.orderLines[" + strconv.Itoa(i) + "]"
		switch {
		case l.Name == "" || l.ID == "":
			return invalid(r, "", field, "Every order line needs a name and an id.")
		case l.TaxPercentage != nil && (*l.TaxPercentage < 0 || *l.TaxPercentage > 100):
			return invalid(r, "", field+".taxPercentage", "taxPercentage must be 0-100.")
		case l.TaxRate != nil && (*l.TaxRate < 0 || *l.TaxRate > 10000):
			return invalid(r, "", field+".taxRate", "taxRate must be 0-10000.")
		case (l.TaxPercentage == nil) == (l.TaxRate == nil):
			return invalid(r, "", field, "Set exactly one of taxPercentage and taxRate.")
		case l.TotalAmountExcludingTax+l.TotalTaxAmount != l.TotalAmount:
			return invalid(r, "", field, "totalAmount must equal totalAmountExcludingTax plus totalTaxAmount.")
		}
		if l.IsReturn {
			sum -= l.TotalAmount
		} else {
			sum += l.TotalAmount
		}
	}
	other := rc.BottomLine.PaymentSources.Total()
	if ps := rc.BottomLine.PaymentSources; ps != nil && (ps.GiftCard < 0 || ps.Card < 0 || ps.Voucher < 0 || ps.Cash < 0) {
		return invalid(r, "", "receipt.bottomLine.paymentSources", "paymentSources must not be negative.")
	}
	if sum != amount.Value+other {
		msg := "The order lines sum to " + strconv.FormatInt(sum, 10) + " but the amount is " + strconv.FormatInt(amount.Value, 10)
		if other != 0 {
			msg += " and paymentSources " + strconv.FormatInt(other, 10)
		}
		return invalid(r, "", "receipt.orderLines", msg+".")
	}
	return nil
}
