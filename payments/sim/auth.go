package sim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kasse-pos/kasse/payments/epayment"
)

// accessToken is an issued bearer token and whom it was issued to.
type accessToken struct {
	msn     string
	expires time.Time
}

// handleToken answers POST /accesstoken/get: it checks the three credential
// headers against a merchant and issues a bearer token for it.
func (s *Sim) handleToken(w http.ResponseWriter, r *http.Request) {
	id, secret, key := r.Header.Get("client_id"), r.Header.Get("client_secret"), r.Header.Get("Ocp-Apim-Subscription-Key")
	if id == "" || secret == "" || key == "" {
		problem(r, http.StatusBadRequest, "", "Bad Request", "client_id, client_secret and Ocp-Apim-Subscription-Key are required").write(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.byClientID[id]
	if m == nil || !equal(secret, m.ClientSecret) || !equal(key, m.SubscriptionKey) {
		problem(r, http.StatusUnauthorized, "", "Unauthorized", "unknown client_id, or wrong client_secret or subscription key").write(w)
		return
	}
	if msn := r.Header.Get("Merchant-Serial-Number"); msn != "" && msn != m.MSN {
		problem(r, http.StatusUnauthorized, "", "Unauthorized", "these credentials do not serve merchant serial number "+msn).write(w)
		return
	}
	now := s.clock.Now()
	tok := newTokenString()
	exp := now.Add(s.cfg.TokenLifetime)
	s.tokens[tok] = accessToken{msn: m.MSN, expires: exp}
	life := strconv.FormatInt(int64(s.cfg.TokenLifetime/time.Second), 10)
	jsonAnswer(http.StatusOK, ctJSONUTF8, epayment.AccessToken{
		TokenType:    "Bearer",
		ExpiresIn:    life,
		ExtExpiresIn: life,
		ExpiresOn:    strconv.FormatInt(exp.Unix(), 10),
		NotBefore:    strconv.FormatInt(now.Unix(), 10),
		Resource:     "00000002-0000-0000-c000-000000000000",
		Token:        tok,
	}).write(w)
}

// newTokenString is standard base64, which the spec's format: byte asks for.
func newTokenString() string {
	b := make([]byte, 48)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// checkAuth checks the headers every API call but the token call needs:
// Merchant-Serial-Number, a valid Bearer token and the subscription key of the
// merchant the token was issued to. Call it with s.mu held. It returns the
// merchant's MSN, or the answer to send instead.
func (s *Sim) checkAuth(r *http.Request) (string, *answer) {
	msn := r.Header.Get("Merchant-Serial-Number")
	if !msnPattern.MatchString(msn) {
		return "", invalid(r, "", "Merchant-Serial-Number", "The Merchant-Serial-Number header must be 4-6 digits.")
	}
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	tok, found := s.tokens[raw]
	if !ok || !found {
		return "", problem(r, http.StatusUnauthorized, "", "Unauthorized", "The access token is missing or invalid; fetch one from /accesstoken/get.")
	}
	if !s.clock.Now().Before(tok.expires) {
		return "", problem(r, http.StatusUnauthorized, "", "Unauthorized", "The access token has expired; fetch a new one from /accesstoken/get.")
	}
	m := s.merchants[tok.msn]
	if !equal(r.Header.Get("Ocp-Apim-Subscription-Key"), m.SubscriptionKey) {
		return "", problem(r, http.StatusUnauthorized, "", "Unauthorized", "The Ocp-Apim-Subscription-Key is missing or does not belong to the access token's merchant.")
	}
	if _, known := s.merchants[msn]; !known || msn != tok.msn {
		return "", problem(r, http.StatusForbidden, "", "Forbidden", "Merchant serial number "+msn+" is unknown or not served by these API keys.")
	}
	return msn, nil
}
