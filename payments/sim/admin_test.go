package sim_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/payments/sim"
)

// TestControlAPI drives /sim/v1/, which is no Vipps API, with a plain client.
func TestControlAPI(t *testing.T) {
	e := newEnv(t, nil)
	ref := "kasse-admin-0001"
	e.create(pushRequest(ref, sim.PhoneApproves, 1000))

	put := func(body string) *http.Response {
		req, _ := http.NewRequest(http.MethodPut, e.base+"/sim/v1/faults", bytes.NewBufferString(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := put(`{"seed":7,"ops":["getPayment"],"rateLimit":1,"retryAfter":"5s"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("PUT faults: %d", r.StatusCode)
	}
	if f := e.sim.Faults(); f.Seed != 7 || f.RateLimit != 1 || f.RetryAfter != 5*time.Second || len(f.Ops) != 1 {
		t.Errorf("faults in force = %+v", f)
	}
	if r := put(`{"slowDelay":"soon"}`); r.StatusCode != http.StatusBadRequest {
		t.Errorf("bad duration: %d, want 400", r.StatusCode)
	}
	put(`{}`)

	resp, err := http.Get(e.base + "/sim/v1/ledger")
	if err != nil {
		t.Fatal(err)
	}
	var ledger []sim.LedgerEntry
	json.NewDecoder(resp.Body).Decode(&ledger)
	resp.Body.Close()
	if len(ledger) != 1 || ledger[0].Reference != ref || ledger[0].State != "CREATED" || len(ledger[0].Events) != 1 {
		t.Errorf("ledger = %+v", ledger)
	}

	resp, err = http.Post(e.base+"/sim/v1/personal-qr", "application/json", bytes.NewBufferString(`{"msisdn":"4790000001"}`))
	if err != nil {
		t.Fatal(err)
	}
	var qr struct{ QRCode string }
	json.NewDecoder(resp.Body).Decode(&qr)
	resp.Body.Close()
	if r := e.exchange(qr.QRCode); r.status != http.StatusOK {
		t.Errorf("exchange of an issued code: %d %s", r.status, r.body)
	}
}

func TestParseFaults(t *testing.T) {
	f, err := sim.ParseFaults([]byte(`{"seed":3,"ops":["capturePayment"],"dropAfter":0.25,"slowDelay":"3s","limit":2}`))
	if err != nil || f.Seed != 3 || f.DropAfter != 0.25 || f.SlowDelay != 3*time.Second || f.Limit != 2 || f.Ops[0] != sim.OpCapture {
		t.Errorf("ParseFaults = %+v, %v", f, err)
	}
	if _, err := sim.ParseFaults([]byte(`{"dropAfterr":1}`)); err == nil {
		t.Error("a misspelt fault was accepted")
	}
}
