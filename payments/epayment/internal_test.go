package epayment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 30, 8, 38, 32, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-5", 0},
		{"7", 7 * time.Second},
		{" 12 ", 12 * time.Second},
		{"99999999999", 86400 * time.Second},
		{"Mon, 30 Mar 2026 08:39:02 GMT", 30 * time.Second},
		{"Mon, 30 Mar 2026 08:38:00 GMT", 0}, // in the past
		{"soon", 0},
	}
	for _, tc := range cases {
		if got := parseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestTokenExpiry(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	epoch := func(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
	cases := []struct {
		name     string
		in, on   string
		want     time.Time
		lifetime time.Duration
		bad      bool
	}{
		{"agree", "3600", epoch(start.Add(time.Hour)), start.Add(time.Hour), time.Hour, false},
		{"small skew trusts expires_on", "3600", epoch(start.Add(time.Hour + time.Minute)), start.Add(time.Hour + time.Minute), time.Hour, false},
		{"our clock 1 h fast", "3600", epoch(start), start.Add(time.Hour), time.Hour, false},
		{"our clock 1 h slow", "3600", epoch(start.Add(2 * time.Hour)), start.Add(time.Hour), time.Hour, false},
		{"no expires_on", "86400", "", start.Add(24 * time.Hour), 24 * time.Hour, false},
		{"no expires_in", "", epoch(start.Add(time.Hour)), start.Add(time.Hour), time.Hour, false},
		{"numbers as JSON strings only", "3600.0", "x", time.Time{}, 0, true},
		{"neither", "", "", time.Time{}, 0, true},
		{"expired on arrival", "0", epoch(start.Add(-time.Second)), time.Time{}, 0, true},
	}
	for _, tc := range cases {
		got, lifetime, err := tokenExpiry(AccessToken{ExpiresIn: tc.in, ExpiresOn: tc.on}, start)
		if (err != nil) != tc.bad || !got.Equal(tc.want) || lifetime != tc.lifetime {
			t.Errorf("%s: tokenExpiry = %v, %v, %v; want %v, %v, error %v", tc.name, got, lifetime, err, tc.want, tc.lifetime, tc.bad)
		}
	}
}

func TestShouldRetry(t *testing.T) {
	c := &Client{retry: RetryPolicy{}.withDefaults()}
	ctx := context.Background()
	done, cancel := context.WithCancel(ctx)
	cancel()
	api := func(status int, code string) error {
		return fmt.Errorf("wrapped: %w", &APIError{Status: status, Code: code})
	}
	netErr := errors.New("read: connection reset by peer")
	cases := []struct {
		name    string
		ctx     context.Context
		err     error
		attempt int
		resend  bool
		want    bool
	}{
		{"500", ctx, api(500, ""), 1, true, true},
		{"502", ctx, api(502, ""), 1, true, true},
		{"503 unsafe to resend", ctx, api(503, ""), 1, false, false},
		{"429 unsafe to resend", ctx, api(429, ""), 1, false, true},
		{"423", ctx, api(423, ""), 1, false, true},
		{"429 Retry-After too long", ctx, &APIError{Status: 429, RetryAfter: 2 * time.Minute}, 1, true, false},
		{"400", ctx, api(400, ""), 1, true, false},
		{"401", ctx, api(401, ""), 1, true, false},
		{"403", ctx, api(403, ""), 1, true, false},
		{"404", ctx, api(404, ""), 1, true, false},
		{"409", ctx, api(409, "4020"), 1, true, false},
		{"6160", ctx, api(409, "6160"), 1, true, true},
		{"6250", ctx, api(400, "6250"), 1, true, true},
		{"6260", ctx, api(400, "6260"), 1, true, true},
		{"6280", ctx, api(400, "6280"), 1, true, true},
		{"6080", ctx, api(400, "6080"), 1, true, false},
		{"network", ctx, netErr, 1, true, true},
		{"network unsafe to resend", ctx, netErr, 1, false, false},
		{"unreadable answer", ctx, fmt.Errorf("%w: x", errBadAnswer), 1, true, false},
		{"last attempt", ctx, api(500, ""), 4, true, false},
		{"context done", done, api(500, ""), 1, true, false},
	}
	for _, tc := range cases {
		if got, reason := c.shouldRetry(tc.ctx, tc.err, tc.attempt, tc.resend); got != tc.want {
			t.Errorf("%s: shouldRetry = %v (%s), want %v", tc.name, got, reason, tc.want)
		}
	}
}

// FuzzDecodeError feeds error answers of every shape; the result must keep the
// status, always have a title, and take its Code from extraDetails.
func FuzzDecodeError(f *testing.F) {
	f.Add(400, "application/problem+json", `{"type":"https://httpstatuses.io/400","title":"Cannot capture before reservation","detail":"…","instance":"/v1/payments/577531734343670112/capture","status":400,"extraDetails":[{"name":"ErrorCode","reason":"6080"}],"traceId":"00-813b-01"}`)
	f.Add(400, "application/json", `{"title":"Bad request","status":400,"detail":"The request body contains one or more invalid parameters.","extraDetails":[{"name":"qrCode","reason":"The complete data contained in the QR code is required."}]}`)
	f.Add(401, "", ``)
	f.Add(502, "text/html", `<html>Bad Gateway</html>`)
	f.Add(429, "application/json", `[{"errorCode":"42"}]`)
	f.Add(409, "application/problem+json; charset=utf-8", `{"title":7}`)
	f.Fuzz(func(t *testing.T, status int, contentType, body string) {
		if status < 100 || status > 999 {
			return
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {contentType}}, Body: io.NopCloser(strings.NewReader(body))}
		e := decodeError(resp, []byte(body), time.Now())
		if e.Status != status {
			t.Errorf("Status %d, want %d", e.Status, status)
		}
		if e.Title == "" && http.StatusText(status) != "" {
			t.Errorf("no title for %d %q", status, body)
		}
		for _, x := range e.Extra {
			if strings.EqualFold(x.Name, "ErrorCode") {
				if e.Code != x.Reason {
					t.Errorf("Code %q, extraDetails say %q", e.Code, x.Reason)
				}
				break
			}
		}
		_ = e.Error()
		_ = e.Unwrap()
	})
}
