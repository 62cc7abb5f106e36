package sim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// idemEntry is the first successful answer given to an Idempotency-Key, and
// what it was an answer to.
type idemEntry struct {
	method, path string
	body         []byte // canonical JSON
	ans          *answer
}

func idemKey(msn, key string) string { return msn + "\x00" + key }

// canonical makes two JSON bodies that mean the same compare equal, whatever
// their spacing or key order; a body that is not JSON compares as bytes.
func canonical(body []byte) []byte {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return body
	}
	b, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return b
}

// replay returns the stored answer for a retry with the same key and body, or
// a 409 for a key reused with another request. Keys are per merchant, like
// Vipps'. Call with s.mu held.
func (s *Sim) replay(c call) (*answer, bool) {
	e := s.idem[idemKey(c.msn, c.idemKey)]
	if e == nil {
		return nil, false
	}
	if e.method == c.r.Method && e.path == c.r.URL.Path && bytes.Equal(e.body, canonical(c.body)) {
		a := *e.ans
		a.header = http.Header{"Idempotent-Replayed": {"true"}}
		s.log.Info("idempotent replay", "msn", c.msn, "path", c.r.URL.Path, "key", c.idemKey)
		return &a, true
	}
	code := CodeIdempotency
	if e.path == c.r.URL.Path {
		switch {
		case strings.HasSuffix(e.path, "/capture"):
			code = CodeCaptureIdempotency
		case strings.HasSuffix(e.path, "/refund"):
			code = CodeReferenceConflict
		}
	}
	return problem(c.r, http.StatusConflict, code, "Conflict",
		"The Idempotency-Key was already used for another request; use a new key for a new operation, or repeat the original request exactly."), true
}

// remember stores a successful answer for later retries. Failures are not
// stored, so a retry after a refused request is judged afresh (a capture
// refused with 6080 succeeds once the customer has approved).
func (s *Sim) remember(c call, a *answer) {
	if a.status < 200 || a.status > 299 {
		return
	}
	s.idem[idemKey(c.msn, c.idemKey)] = &idemEntry{method: c.r.Method, path: c.r.URL.Path, body: canonical(c.body), ans: a}
}
