package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"time"
)

// The control API under /sim/v1/ lets a process that is not written in Go (or
// not in this process) do what tests do with the Sim's methods: set faults,
// read the ledger and issue personal QR codes. It is not part of any Vipps API
// and needs no credentials; the simulator is a test tool.

// faultsJSON is Faults on the wire, with durations as Go duration strings.
type faultsJSON struct {
	Seed             uint64   `json:"seed"`
	Ops              []string `json:"ops,omitempty"`
	Limit            int      `json:"limit,omitempty"`
	ServerError      float64  `json:"serverError,omitempty"`
	RateLimit        float64  `json:"rateLimit,omitempty"`
	RetryAfter       string   `json:"retryAfter,omitempty"`
	Hang             float64  `json:"hang,omitempty"`
	DropBefore       float64  `json:"dropBefore,omitempty"`
	DropAfter        float64  `json:"dropAfter,omitempty"`
	Slow             float64  `json:"slow,omitempty"`
	SlowDelay        string   `json:"slowDelay,omitempty"`
	DuplicateWebhook float64  `json:"duplicateWebhook,omitempty"`
	ReorderWebhook   float64  `json:"reorderWebhook,omitempty"`
	ReorderHold      string   `json:"reorderHold,omitempty"`
}

func (j faultsJSON) faults() (Faults, error) {
	f := Faults{Seed: j.Seed, Ops: j.Ops, Limit: j.Limit, ServerError: j.ServerError, RateLimit: j.RateLimit,
		Hang: j.Hang, DropBefore: j.DropBefore, DropAfter: j.DropAfter, Slow: j.Slow,
		DuplicateWebhook: j.DuplicateWebhook, ReorderWebhook: j.ReorderWebhook}
	for _, d := range []struct {
		s   string
		out *time.Duration
	}{{j.RetryAfter, &f.RetryAfter}, {j.SlowDelay, &f.SlowDelay}, {j.ReorderHold, &f.ReorderHold}} {
		if d.s == "" {
			continue
		}
		v, err := time.ParseDuration(d.s)
		if err != nil {
			return Faults{}, err
		}
		*d.out = v
	}
	return f, nil
}

func toFaultsJSON(f Faults) faultsJSON {
	return faultsJSON{Seed: f.Seed, Ops: f.Ops, Limit: f.Limit, ServerError: f.ServerError, RateLimit: f.RateLimit,
		RetryAfter: f.RetryAfter.String(), Hang: f.Hang, DropBefore: f.DropBefore, DropAfter: f.DropAfter,
		Slow: f.Slow, SlowDelay: f.SlowDelay.String(), DuplicateWebhook: f.DuplicateWebhook,
		ReorderWebhook: f.ReorderWebhook, ReorderHold: f.ReorderHold.String()}
}

// ParseFaults reads Faults from the JSON the control API and kasse-sim's
// -faults flag take, e.g. {"seed":1,"ops":["capturePayment"],"dropAfter":0.2,
// "slowDelay":"3s"}. Durations are Go duration strings.
func ParseFaults(b []byte) (Faults, error) {
	var j faultsJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return Faults{}, fmt.Errorf("sim: faults JSON: %w", err)
	}
	f, err := j.faults()
	if err != nil {
		return Faults{}, fmt.Errorf("sim: faults JSON: %w", err)
	}
	return f, nil
}

// Faults returns the faults in force.
func (s *Sim) Faults() Faults {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return s.faults.f
}

func (s *Sim) adminRoutes(outer *http.ServeMux) {
	mux := http.NewServeMux()
	outer.Handle("/sim/v1/", s.adminGuard(mux))
	mux.HandleFunc("GET /sim/v1/faults", func(w http.ResponseWriter, r *http.Request) {
		jsonAnswer(http.StatusOK, ctJSON, toFaultsJSON(s.Faults())).write(w)
	})
	mux.HandleFunc("PUT /sim/v1/faults", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			problem(r, http.StatusBadRequest, "", "Bad Request", "could not read the body: "+err.Error()).write(w)
			return
		}
		f, err := ParseFaults(body)
		if err != nil {
			problem(r, http.StatusBadRequest, "", "Bad Request", err.Error()).write(w)
			return
		}
		s.SetFaults(f)
		jsonAnswer(http.StatusOK, ctJSON, toFaultsJSON(s.Faults())).write(w)
	})
	mux.HandleFunc("GET /sim/v1/ledger", func(w http.ResponseWriter, r *http.Request) {
		jsonAnswer(http.StatusOK, ctJSON, s.Ledger()).write(w)
	})
	mux.HandleFunc("POST /sim/v1/personal-qr", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			MSISDN string `json:"msisdn"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes)).Decode(&req); err != nil {
			problem(r, http.StatusBadRequest, "", "Bad Request", "The body must be {\"msisdn\":\"47…\"}.").write(w)
			return
		}
		qr, err := s.IssuePersonalQR(req.MSISDN)
		if err != nil {
			problem(r, http.StatusBadRequest, "", "Bad Request", err.Error()).write(w)
			return
		}
		jsonAnswer(http.StatusOK, ctJSON, map[string]string{"qrCode": qr}).write(w)
	})
}

// adminGuard lets only loopback clients reach the control API, unless
// Config.AdminFromAnywhere: the simulator may listen on 0.0.0.0 for phones in
// a demo, and the control API must not be open to that network.
func (s *Sim) adminGuard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.cfg.AdminFromAnywhere && !loopbackPeer(r.RemoteAddr) {
			problem(r, http.StatusForbidden, "", "Forbidden", "the simulator's control API answers only loopback clients (kasse-sim -admin-from-anywhere)").write(w)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func loopbackPeer(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
