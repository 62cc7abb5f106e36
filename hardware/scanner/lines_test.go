package scanner

import (
	"slices"
	"strings"
	"testing"
)

func TestSplitter(t *testing.T) {
	for _, c := range []struct {
		name   string
		suffix string
		max    int
		feeds  []string
		want   []string
	}{
		{"crlf", "", 64, []string{"7038010009457\r\n"}, []string{"7038010009457"}},
		{"cr", "", 64, []string{"A1\r"}, []string{"A1"}},
		{"lf", "", 64, []string{"A1\n"}, []string{"A1"}},
		{"split anywhere", "", 64, []string{"70380", "1000", "9457\r", "\n"}, []string{"7038010009457"}},
		{"several in one", "", 64, []string{"A1\rB2\nC3\r\nD4\r\n"}, []string{"A1", "B2", "C3", "D4"}},
		{"no terminator yet", "", 64, []string{"A1"}, nil},
		{"blank lines", "", 64, []string{"\r\n\r\n  \r\nA\r\n"}, []string{"A"}},
		{"trims", "", 64, []string{"\x02 A B \x03\r\n"}, []string{"A B"}},
		{"suffix", "\t", 64, []string{"A\tB\t"}, []string{"A", "B"}},
		{"suffix split", "#END", 64, []string{"A#E", "N", "D"}, []string{"A"}},
		{"suffix and crlf", "#", 64, []string{"A#\r\n"}, []string{"A"}},
		{"too long", "", 8, []string{strings.Repeat("x", 20) + "\r\nOK\r\n"}, []string{"xxxxxxxx", "OK"}},
		{"too long split", "", 8, []string{"xxxxxx", "xxxxxx", "xxxxxx\r", "\nOK\n"}, []string{"xxxxxxxx", "OK"}},
		{"garbage", "", 64, []string{"\x00\xff\xfe\x1b[31m\r\n"}, []string{"\xff\xfe\x1b[31m"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSplitter(c.suffix, c.max)
			var got []string
			for _, f := range c.feeds {
				s.feed([]byte(f), func(code string) { got = append(got, code) })
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// FuzzSplitter: any stream, cut anywhere, gives the same codes, each bounded
// and free of terminators.
func FuzzSplitter(f *testing.F) {
	f.Add([]byte("A1\rB2\nC3\r\nD4"), 3)
	f.Add([]byte("\x00\xff\r\n"), 1)
	f.Fuzz(func(t *testing.T, data []byte, cut int) {
		whole := collect(newSplitter("#", 16), data)
		if cut < 0 {
			cut = -cut
		}
		cut %= len(data) + 1
		parts := collect(newSplitter("#", 16), data[:cut], data[cut:])
		if !slices.Equal(whole, parts) {
			t.Fatalf("whole %q, cut at %d %q", whole, cut, parts)
		}
		for _, c := range whole {
			if c == "" || len(c) > 16 || strings.ContainsAny(c, "\r\n") {
				t.Fatalf("code %q", c)
			}
		}
	})
}

func collect(s *splitter, feeds ...[]byte) []string {
	var got []string
	for _, f := range feeds {
		s.feed(f, func(code string) { got = append(got, code) })
	}
	return got
}
