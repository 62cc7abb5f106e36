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
		{"too long, tab suffix", "\t", 8, []string{strings.Repeat("x", 20) + "\tOK\t" + strings.Repeat("y", 20) + "\tOK2\t"}, []string{"xxxxxxxx", "OK", "yyyyyyyy", "OK2"}},
		{"too long, tab suffix split", "\t", 8, []string{"xxxxxx", "xxxxxx", "xxxxxx", "\t", "OK", "\t"}, []string{"xxxxxxxx", "OK"}},
		{"too long, enter suffix", "\r", 8, []string{strings.Repeat("x", 20) + "\rOK\r"}, []string{"xxxxxxxx", "OK"}},
		{"too long, suffix across the cut", "#END", 8, []string{"xxxxxxxxxx#E", "ND", "OK#END"}, []string{"xxxxxxxx", "OK"}},
		{"too long, suffix in the skipped tail", "#END", 8, []string{strings.Repeat("x", 30) + "#E", "ND", "OK#END"}, []string{"xxxxxxxx", "OK"}},
		{"exactly max, suffix", "\t", 8, []string{"xxxxxxxx\tOK\t"}, []string{"xxxxxxxx", "OK"}},
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
// and free of terminators; and whatever came before, a code sent after a
// terminator comes through whole.
func FuzzSplitter(f *testing.F) {
	f.Add([]byte("A1\rB2\nC3\r\nD4"), 3)
	f.Add([]byte("\x00\xff\r\n"), 1)
	f.Add([]byte(strings.Repeat("x", 40)+"#"), 7)
	f.Add([]byte(strings.Repeat("x", 18)+"#E"), 19)
	f.Fuzz(func(t *testing.T, data []byte, cut int) {
		if cut < 0 {
			cut = -cut
		}
		cut %= len(data) + 1
		for _, suffix := range []string{"#", "#END"} {
			whole := collect(newSplitter(suffix, 16), data)
			parts := collect(newSplitter(suffix, 16), data[:cut], data[cut:])
			if !slices.Equal(whole, parts) {
				t.Fatalf("suffix %q: whole %q, cut at %d %q", suffix, whole, cut, parts)
			}
			for _, c := range whole {
				if c == "" || len(c) > 16 || strings.ContainsAny(c, "\r\n") {
					t.Fatalf("suffix %q: code %q", suffix, c)
				}
			}
			// "#END" does not overlap itself, so the first one sent ends
			// the line, whatever data left unfinished.
			for _, end := range []string{suffix, "\r"} {
				got := collect(newSplitter(suffix, 16), data, []byte(end+"OK"+end))
				if len(got) == 0 || got[len(got)-1] != "OK" {
					t.Fatalf("suffix %q: after %q the next code is lost: %q", suffix, data, got)
				}
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
