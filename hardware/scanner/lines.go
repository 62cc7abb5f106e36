package scanner

import (
	"bytes"
	"strings"
	"unicode"
)

// splitter cuts a byte stream into codes. A code ends at CR, LF or the
// configured suffix; CRLF, and any run of terminators, ends one code, because
// empty codes are dropped. It is the whole protocol of a serial scanner.
//
// A line longer than max is cut: its first max bytes are passed on, so the
// till says "not recognised", and the rest is skipped up to the next
// terminator, suffix included, so the codes after it come through whole.
type splitter struct {
	suffix   []byte
	max      int
	buf      []byte
	overflow bool // the current line passed max: its tail is being skipped
}

func newSplitter(suffix string, max int) *splitter {
	return &splitter{suffix: []byte(suffix), max: max, buf: make([]byte, 0, 64)}
}

// feed takes the bytes of one read and calls emit for every code they end.
func (s *splitter) feed(p []byte, emit func(string)) {
	for _, c := range p {
		if c == '\r' || c == '\n' {
			s.end(emit)
			continue
		}
		s.buf = append(s.buf, c)
		if len(s.suffix) > 0 && bytes.HasSuffix(s.buf, s.suffix) {
			s.buf = s.buf[:len(s.buf)-len(s.suffix)]
			s.end(emit)
			continue
		}
		if s.overflow {
			// Skipping: keep only what could be the start of the suffix.
			s.keepTail()
			continue
		}
		if len(s.buf) >= s.max+len(s.suffix) {
			// A line this long is noise or a scanner without terminator: pass
			// on its first max bytes and skip the rest instead of growing.
			// The bytes past max may already hold part of the suffix.
			emitCode(s.buf[:s.max], emit)
			s.buf = s.buf[s.max:]
			s.keepTail()
			s.overflow = true
		}
	}
}

// keepTail drops all of buf but its last len(suffix)-1 bytes: the most of a
// suffix that can be there without having ended the line already.
func (s *splitter) keepTail() {
	k := max(len(s.suffix)-1, 0)
	if len(s.buf) > k {
		s.buf = s.buf[:copy(s.buf, s.buf[len(s.buf)-k:])]
	}
}

// end ends the current line: its code is passed on unless the line was cut,
// whose code has been passed on already.
func (s *splitter) end(emit func(string)) {
	if !s.overflow {
		emitCode(s.buf, emit)
	}
	s.buf = s.buf[:0]
	s.overflow = false
}

func emitCode(b []byte, emit func(string)) {
	if code := clean(b); code != "" {
		emit(code)
	}
}

// clean trims white space and control characters (STX/ETX framing some
// scanners add) from both ends; the inside is left for the classifier.
func clean(b []byte) string {
	return strings.TrimFunc(string(b), func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	})
}
