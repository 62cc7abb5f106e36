package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kasse-pos/kasse/app/journal"
)

// kasse journal verify: 0 and OK for a whole journal, 1 and DAMAGED for one
// with a changed record, 2 for a file it cannot read; the file is never
// changed.
func TestJournalVerifyCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kasse.db")
	j, err := journal.Open(path, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(journal.Record{Kind: journal.KindSaleOpened, Opened: &journal.Opened{POSID: "1", Currency: "NOK"}},
		journal.Record{Kind: journal.KindSaleNumbered, Numbered: &journal.Numbered{}, Note: "first receipt of the day"}); err != nil {
		t.Fatal(err)
	}
	j.Close()

	var out, errb bytes.Buffer
	if code := journalCommand([]string{"verify", path}, &out, &errb); code != 0 || !strings.Contains(out.String(), "OK") {
		t.Fatalf("verify of a whole journal: exit %d\n%s%s", code, out.String(), errb.String())
	}
	// A record changed in the file, as a failing disk (or a hand) would.
	data, _ := os.ReadFile(path)
	old := []byte("first receipt of the day")
	if !bytes.Contains(data, old) {
		t.Fatal("test setup: the note is not in the file")
	}
	data = bytes.ReplaceAll(data, old, []byte("FIRST receipt of the day"))
	os.WriteFile(path, data, 0o600)
	out.Reset()
	if code := journalCommand([]string{"verify", path}, &out, &errb); code != 1 || !strings.Contains(out.String(), "DAMAGED") {
		t.Errorf("verify of a changed record: exit %d\n%s", code, out.String())
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, data) {
		t.Error("verify changed the file")
	}
	if code := journalCommand([]string{"verify", filepath.Join(t.TempDir(), "none.db")}, &out, &errb); code != 2 {
		t.Errorf("verify of a missing file: exit %d", code)
	}
	if code := journalCommand([]string{"check"}, &out, &errb); code != 2 {
		t.Errorf("a wrong command: exit %d", code)
	}
}
