package scanner_test

import (
	"testing"
	"time"

	"github.com/kasse-pos/kasse/hardware/scanner"
)

// typeAt feeds s to w, one rune every gap from t0, and presses Enter gap
// after the last rune.
func typeAt(w *scanner.Wedge, s string, t0 time.Time, gap time.Duration) (string, bool) {
	at := t0
	for _, r := range s {
		if code, ok := w.Key(r, at); ok {
			return code, ok
		}
		at = at.Add(gap)
	}
	return w.Enter(at)
}

func TestWedge(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	ms := time.Millisecond
	qr := "https://qr.vipps.no/p/qwjhewqhueheuqwhuqwhe"
	for _, c := range []struct {
		name string
		in   string
		gap  time.Duration
		want string
		ok   bool
	}{
		{"scanner EAN", "7038010009457", 5 * ms, "7038010009457", true},
		{"scanner QR", qr, 2 * ms, qr, true},
		{"at the limit", "12345678", 50 * ms, "12345678", true},
		{"person typing", "7038010009457", 120 * ms, "", false},
		{"too short", "123", 1 * ms, "", false},
		{"Enter as rune", "7038010009457\r", 5 * ms, "7038010009457", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var w scanner.Wedge
			code, ok := typeAt(&w, c.in, t0, c.gap)
			if code != c.want || ok != c.ok {
				t.Errorf("got %q %v, want %q %v", code, ok, c.want, c.ok)
			}
			if w.Pending() {
				t.Error("burst still pending after Enter")
			}
		})
	}
}

func TestWedgeTypingThenScan(t *testing.T) {
	var w scanner.Wedge
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	// A person types "abc" slowly, then the scanner fires a burst: only the
	// burst is the scan.
	at := t0
	for _, r := range "abc" {
		w.Key(r, at)
		at = at.Add(300 * time.Millisecond)
	}
	code, ok := typeAt(&w, "96385074", at, 3*time.Millisecond)
	if !ok || code != "96385074" {
		t.Errorf("got %q %v", code, ok)
	}
	// A late Enter after a fast burst is a person's Enter.
	for i, r := range "96385074" {
		w.Key(r, at.Add(time.Duration(i)*time.Millisecond))
	}
	if code, ok := w.Enter(at.Add(time.Second)); ok {
		t.Errorf("late Enter gave %q", code)
	}
	// A clock that steps back never yields a scan out of order.
	w.Key('1', at)
	if _, ok := typeAt(&w, "2345678", at.Add(-time.Hour), time.Millisecond); !ok {
		t.Error("burst after a clock step was lost")
	}
	w.Key('1', at)
	w.Reset()
	if w.Pending() {
		t.Error("Reset left a burst")
	}
}

func TestWedgeLongBurst(t *testing.T) {
	var w scanner.Wedge
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	long := make([]rune, 5000)
	for i := range long {
		long[i] = 'x'
	}
	if code, ok := typeAt(&w, string(long), t0, time.Millisecond); ok {
		t.Errorf("a 5000-key burst gave a %d-byte code", len(code))
	}
}
