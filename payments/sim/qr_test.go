package sim_test

import (
	"net/http"
	"testing"

	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/sim"
)

func (e *env) exchange(qr string) reply {
	e.t.Helper()
	return e.must(http.MethodPost, "/qr/v1/exchange", "", epayment.QRExchangeRequest{QRCode: qr, RequestedData: []string{"MSISDN"}})
}

// qrRefusal is the QR API's 400 body.
type qrRefusal struct {
	Title        string                 `json:"title"`
	Status       int                    `json:"status"`
	Detail       string                 `json:"detail"`
	ExtraDetails []epayment.ExtraDetail `json:"extraDetails"`
}

func TestQRExchange(t *testing.T) {
	e := newEnv(t, func(c *sim.Config) { c.PersonalQRMaxAge = 60e9 })

	var got epayment.QRExchangeResponse
	r := e.exchange("https://qr.vipps.no/28/2/01/031/4712345678?v=1")
	if r.status != http.StatusOK {
		t.Fatalf("legacy: %d %s", r.status, r.body)
	}
	r.decode(t, &got)
	if got != (epayment.QRExchangeResponse{MSISDN: "4712345678", Version: "1.0"}) {
		t.Errorf("legacy = %+v, want msisdn and version 1.0 without timestamp", got)
	}

	qr, err := e.sim.IssuePersonalQR("4798765432")
	if err != nil {
		t.Fatal(err)
	}
	r = e.exchange(qr)
	if r.status != http.StatusOK {
		t.Fatalf("tokenised: %d %s", r.status, r.body)
	}
	r.decode(t, &got)
	if got != (epayment.QRExchangeResponse{MSISDN: "4798765432", Timestamp: t0.Unix(), Version: "2.0"}) {
		t.Errorf("tokenised = %+v", got)
	}

	r = e.exchange(sim.DemoQRApproves)
	r.decode(t, &got)
	if r.status != http.StatusOK || got.MSISDN != sim.PhoneApproves {
		t.Errorf("demo QR: %d %s", r.status, r.body)
	}

	refused := func(name, qr, reason string) {
		t.Helper()
		r := e.exchange(qr)
		var p qrRefusal
		r.decode(t, &p)
		if r.status != http.StatusBadRequest || p.Status != 400 || len(p.ExtraDetails) != 1 ||
			p.ExtraDetails[0].Name != "qrCode" || p.ExtraDetails[0].Reason != reason {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	const incomplete = "The complete data contained in the QR code is required."
	refused("unknown token", "https://qr.vipps.no/p/qwjhewqhueheuqwhuqwhe", incomplete)
	refused("not a personal QR", "7038010001234", incomplete)
	refused("cut-off legacy code", "https://qr.vipps.no/28/2/01/031/47123", incomplete)
	const expired = "The QR code has expired. Ask the customer to show the code again."
	refused("demo expired", sim.DemoQRExpired, expired)
	e.clock.Advance(61e9)
	refused("issued, then too old", qr, expired)
	r = e.exchange(sim.DemoQRApproves)
	if r.status != http.StatusOK {
		t.Errorf("demo codes never expire: %d %s", r.status, r.body)
	}
}

func TestPaymentWithPersonalQR(t *testing.T) {
	e := newEnv(t, nil)
	approve := pushRequest("kasse-pqr-00001", "", 1000)
	approve.Customer = &epayment.Customer{PersonalQR: sim.DemoQRApproves}
	decline := pushRequest("kasse-pqr-00002", "", 1000)
	decline.Customer = &epayment.Customer{PersonalQR: sim.DemoQRDeclines}
	e.create(approve)
	e.create(decline)
	e.clock.Advance(sim.DefaultApproveDelay)
	if s := e.payment(approve.Reference).State; s != epayment.StateAuthorized {
		t.Errorf("approving QR: %s", s)
	}
	if s := e.payment(decline.Reference).State; s != epayment.StateAborted {
		t.Errorf("declining QR: %s", s)
	}
}
