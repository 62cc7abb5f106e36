package epayment

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const pathAccessToken = "/accesstoken/get"

// Token refresh margins: a token is replaced tokenMargin before it expires, or
// a quarter of its lifetime before if that is shorter (a simulator's tokens
// may live only minutes).
const (
	tokenMargin = 2 * time.Minute
	// maxClockSkew is how far expires_on may disagree with fetch time plus
	// expires_in before the client trusts its own clock instead.
	maxClockSkew = 5 * time.Minute
)

// accessToken returns a valid access token, fetching one if none is cached or
// the cached one is about to expire. Concurrent callers share one fetch.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	if tok, ok := c.cachedToken(); ok {
		return tok, nil
	}
	select {
	case c.tokenFetch <- struct{}{}:
		defer func() { <-c.tokenFetch }()
	case <-ctx.Done():
		return "", ctx.Err()
	}
	if tok, ok := c.cachedToken(); ok { // fetched while we waited
		return tok, nil
	}
	tok, until, err := c.fetchToken(ctx)
	if err != nil {
		return "", fmt.Errorf("access token: %w", err)
	}
	c.tokenMu.Lock()
	c.token, c.tokenUntil = tok, until
	c.tokenMu.Unlock()
	return tok, nil
}

func (c *Client) cachedToken() (string, bool) {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	return c.token, c.token != "" && c.now().Before(c.tokenUntil)
}

// dropToken forgets tok after the API refused it, unless it has already been
// replaced.
func (c *Client) dropToken(tok string) {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	if c.token == tok {
		c.token, c.tokenUntil = "", time.Time{}
	}
}

// fetchToken makes one POST /accesstoken/get and returns the token and the
// moment to stop using it.
func (c *Client) fetchToken(ctx context.Context) (string, time.Time, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+pathAccessToken, nil)
	if err != nil {
		return "", time.Time{}, err
	}
	for k := range c.system {
		req.Header.Set(k, c.system.Get(k))
	}
	// Header names are case-insensitive (RFC 9110); Go sends these as
	// Client_id and Client_secret, which the gateway accepts.
	req.Header.Set("client_id", c.cfg.ClientID)
	req.Header.Set("client_secret", c.cfg.ClientSecret)
	req.Header.Set("Ocp-Apim-Subscription-Key", c.cfg.SubscriptionKey)
	req.Header.Set("Merchant-Serial-Number", c.cfg.MSN)
	req.Header.Set("Accept", "application/json")

	start := c.now()
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", time.Time{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("read %d answer: %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", time.Time{}, decodeError(resp, data, c.now())
	}
	var at AccessToken
	if err := json.Unmarshal(data, &at); err != nil {
		return "", time.Time{}, fmt.Errorf("%w: %w", errBadAnswer, err)
	}
	if at.Token == "" {
		return "", time.Time{}, fmt.Errorf("%w: no access_token", errBadAnswer)
	}
	if at.TokenType != "" && !strings.EqualFold(at.TokenType, "Bearer") {
		return "", time.Time{}, fmt.Errorf("%w: token_type %q, not Bearer", errBadAnswer, at.TokenType)
	}
	expires, lifetime, err := tokenExpiry(at, start)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("%w: %w", errBadAnswer, err)
	}
	until := expires.Add(-min(tokenMargin, lifetime/4))
	c.log.DebugContext(ctx, "vipps: new access token", "expires", expires, "refreshAfter", until)
	return at.Token, until, nil
}

// tokenExpiry reads when a token fetched at start expires, and how long it
// lives. Every value in the answer is a string. expires_on (epoch seconds) is
// the API's word; if it disagrees with start plus expires_in by more than
// maxClockSkew, this machine's clock is off, and start plus expires_in is used.
func tokenExpiry(at AccessToken, start time.Time) (time.Time, time.Duration, error) {
	in, inErr := strconv.ParseInt(strings.TrimSpace(at.ExpiresIn), 10, 64)
	on, onErr := strconv.ParseInt(strings.TrimSpace(at.ExpiresOn), 10, 64)
	switch {
	case inErr == nil && in > 0:
		lifetime := time.Duration(in) * time.Second
		local := start.Add(lifetime)
		if onErr == nil {
			if t := time.Unix(on, 0); t.Sub(local).Abs() <= maxClockSkew {
				return t, lifetime, nil
			}
		}
		return local, lifetime, nil
	case onErr == nil && time.Unix(on, 0).After(start):
		t := time.Unix(on, 0)
		return t, t.Sub(start), nil
	}
	return time.Time{}, 0, fmt.Errorf("no usable expires_in (%q) or expires_on (%q)", at.ExpiresIn, at.ExpiresOn)
}
