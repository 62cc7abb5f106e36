package scanner

import (
	"strings"
	"time"
)

// Wedge tells a keyboard-wedge (USB HID) scanner apart from a person typing.
// Such a scanner types its code as keystrokes much faster than any hand and
// ends it with Enter. The UI feeds Wedge the runes typed while no text field
// has focus, stamped with their arrival time; a burst of at least MinLen
// keystrokes, each within MaxGap of the one before, ended by Enter within
// MaxGap, is one scan.
//
// Wedge is pure logic with no clock or goroutine of its own, so tests feed it
// made-up times. It is not safe for concurrent use: the UI's event loop owns it.
type Wedge struct {
	// MaxGap is the longest pause between keystrokes of one scan; 0 means
	// DefaultMaxGap. Raise it for a scanner set to a slow keystroke rate.
	MaxGap time.Duration
	// MinLen is the fewest characters a scan has; 0 means DefaultMinLen.
	MinLen int

	buf  strings.Builder
	n    int
	last time.Time
}

// Defaults for Wedge. Scanners type a character every 1–20 ms; people, even
// fast ones, leave 60 ms or more between keys.
const (
	DefaultMaxGap = 50 * time.Millisecond
	DefaultMinLen = 4
	wedgeMaxLen   = 1024 // a burst longer than this is dropped, not kept growing
)

func (w *Wedge) maxGap() time.Duration {
	if w.MaxGap > 0 {
		return w.MaxGap
	}
	return DefaultMaxGap
}

func (w *Wedge) minLen() int {
	if w.MinLen > 0 {
		return w.MinLen
	}
	return DefaultMinLen
}

// Key records one typed rune. A CR or LF rune counts as Enter, and then the
// scan, if any, is returned with ok true.
func (w *Wedge) Key(r rune, at time.Time) (code string, ok bool) {
	if r == '\r' || r == '\n' {
		return w.Enter(at)
	}
	if w.n > 0 && (at.Sub(w.last) > w.maxGap() || at.Before(w.last)) {
		w.Reset() // too slow: that was a person, start a new burst here
	}
	if w.n >= wedgeMaxLen {
		w.last = at
		return "", false
	}
	w.buf.WriteRune(r)
	w.n++
	w.last = at
	return "", false
}

// Enter ends a burst. It returns the scan when the burst was fast and long
// enough and ok false otherwise (a person pressed Enter); either way the
// burst is forgotten.
func (w *Wedge) Enter(at time.Time) (code string, ok bool) {
	defer w.Reset()
	if w.n < w.minLen() || at.Sub(w.last) > w.maxGap() || at.Before(w.last) || w.n >= wedgeMaxLen {
		return "", false
	}
	code = strings.TrimSpace(w.buf.String())
	return code, code != ""
}

// Reset forgets the keystrokes seen so far, for example when a text field
// takes the focus.
func (w *Wedge) Reset() {
	w.buf.Reset()
	w.n = 0
	w.last = time.Time{}
}

// Pending reports whether a burst is under way, so the UI can hold back
// keyboard shortcuts that would otherwise fire on a scanned character.
func (w *Wedge) Pending() bool { return w.n > 0 }
