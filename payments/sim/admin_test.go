package sim_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
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

// TestControlAPIOnlyForLoopbackClients: the control API sets faults and shows
// every ledger without credentials, so a client off loopback is refused unless
// AdminFromAnywhere; the Vipps API itself answers anyone.
func TestControlAPIOnlyForLoopbackClients(t *testing.T) {
	for _, anywhere := range []bool{false, true} {
		s, err := sim.New(sim.Config{AdminFromAnywhere: anywhere})
		if err != nil {
			t.Fatal(err)
		}
		h := s.Handler()
		for _, c := range []struct {
			remote string
			want   int
		}{
			{"127.0.0.1:40000", http.StatusOK},
			{"[::1]:40000", http.StatusOK},
			{"192.0.2.7:40000", http.StatusForbidden},
			{"[2001:db8::7]:40000", http.StatusForbidden},
			{"[::ffff:10.0.0.7]:40000", http.StatusForbidden},
		} {
			want := c.want
			if anywhere {
				want = http.StatusOK
			}
			for _, path := range []string{"/sim/v1/faults", "/sim/v1/ledger"} {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.RemoteAddr = c.remote
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != want {
					t.Errorf("anywhere=%v %s from %s: %d, want %d", anywhere, path, c.remote, rec.Code, want)
				}
			}
			// A Vipps route stays open to every address (it has its own auth).
			req := httptest.NewRequest(http.MethodPost, "/accesstoken/get", nil)
			req.RemoteAddr = c.remote
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code == http.StatusForbidden {
				t.Errorf("anywhere=%v: access token route refused %s", anywhere, c.remote)
			}
		}
		s.Close()
	}
}
