package relay

import (
	"strings"
	"testing"
)

// subjectMatches is NATS's rule: tokens split at '.', '*' matches one token,
// a final '>' one or more.
func subjectMatches(filter, subject string) bool {
	f, s := strings.Split(filter, "."), strings.Split(subject, ".")
	for i, tok := range f {
		if tok == ">" {
			return len(s) > i
		}
		if i >= len(s) || (tok != "*" && tok != s[i]) {
			return false
		}
	}
	return len(f) == len(s)
}

// FuzzFeedFilter: a till's JetStream subject filter must take every event
// the bbolt store would give it, except references that cannot be subject
// tokens when the filter is a token prefix; and the subject must be a valid
// one. What the filter takes beyond the prefix, Feed drops by comparing.
func FuzzFeedFilter(f *testing.F) {
	for _, c := range [][3]string{
		{"123456", "kasse-ab12-", "kasse-ab12-0001"},
		{"123456", "kasse-ab12-", "kasse-ab1-0001"},
		{"123456", "ab1", "ab10005"},
		{"123456", "ab1", "ab1--weird"},
		{"12 34", "x-", "x-y"},
		{"123456", "a-", "a-b.c"},
		{"123456", "-", "-a"},
	} {
		f.Add(c[0], c[1], c[2])
	}
	s := &JetStore{cfg: JetStoreConfig{Prefix: "kasse"}}
	f.Fuzz(func(t *testing.T, msn, prefix, ref string) {
		subj := s.eventSubject(msn, ref)
		for _, tok := range strings.Split(subj, ".") {
			if tok == "" || strings.ContainsAny(tok, " \t\r\n*>") {
				t.Fatalf("subject %q of %q/%q has a bad token", subj, msn, ref)
			}
		}
		filter := s.feedFilter(msn, prefix)
		if !strings.HasPrefix(ref, prefix) {
			return
		}
		_, tokenRef := refTokens(ref)
		if !subjectMatches(filter, subj) && tokenRef {
			t.Fatalf("till %q/%q: filter %q misses %q (subject %q)", msn, prefix, filter, ref, subj)
		}
		if !tokenRef && !strings.HasSuffix(filter, "."+msnToken(msn)+".>") && subjectMatches(filter, subj) {
			t.Fatalf("odd reference %q matched a token filter %q", ref, filter)
		}
	})
}
