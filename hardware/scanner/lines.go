package scanner

import (
	"bytes"
	"strings"
	"unicode"
)

// splitter cuts a byte stream into codes. A code ends at CR, LF or the
// configured suffix; CRLF, and any run of terminators, ends one code, because
// empty codes are dropped. It is the whole protocol of a serial scanner.
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
		if s.overflow {
			continue
		}
		s.buf = append(s.buf, c)
		if len(s.suffix) > 0 && bytes.HasSuffix(s.buf, s.suffix) {
			s.buf = s.buf[:len(s.buf)-len(s.suffix)]
			s.end(emit)
			continue
		}
		if len(s.buf) >= s.max+len(s.suffix) {
			// A line this long is noise or a scanner without terminator: pass
			// on its first max bytes, so the till says "not recognised", and
			// drop the rest up to the next terminator instead of growing.
			s.buf = s.buf[:s.max]
			s.end(emit)
			s.overflow = true
		}
	}
}

func (s *splitter) end(emit func(string)) {
	code := clean(s.buf)
	s.buf = s.buf[:0]
	s.overflow = false
	if code != "" {
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
