package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// journalWithSales writes a journal of n sales, some paid, some waiting, and
// returns its path (closed).
func journalWithSales(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kasse.db")
	j := openAt(t, path)
	j.log = quiet
	for i := range n {
		id := openSale(t, j, fmt.Sprintf("Product-%03d", i))
		st := StateCaptured
		if i%3 == 0 {
			st = StateRequested
		}
		pay(t, j, id, fmt.Sprintf("ref-%03d", i), st)
	}
	j.Close()
	return path
}

// snapshot is everything a till reads from a journal, as JSON.
func snapshot(t *testing.T, j *Journal) map[uint64]string {
	t.Helper()
	out := map[uint64]string{}
	if err := j.Each(func(s *Sale) bool {
		v, _ := json.Marshal(s)
		out[s.ID] = string(v)
		return true
	}); err != nil {
		t.Errorf("Each: %v", err)
	}
	return out
}

func TestDamagedRecordIsReadPast(t *testing.T) {
	path := journalWithSales(t, 3)
	j := openAt(t, path)
	before := snapshot(t, j)
	j.Close()

	// Flip one byte inside the JSON of sale 2's line record, in the file, as
	// a failing disk would: bbolt still reads the page, the JSON is broken.
	data, _ := os.ReadFile(path)
	rec := []byte(`"line":{"line":{"productId":"P-Product-001","name"`)
	// bbolt copies pages on write, so stale copies of the record's page may
	// be in the file too: break every copy.
	if !bytes.Contains(data, rec) {
		t.Fatal("test setup: the line record is not in the file")
	}
	for i := bytes.Index(data, rec); i >= 0; i = bytes.Index(data, rec) {
		data[i+len(rec)-1] = '!' // the closing quote of "name"
	}
	os.WriteFile(path, data, 0o600)

	j = openAt(t, path)
	j.log = quiet
	defer j.Close()
	dmg := j.Damage()
	if len(dmg) != 1 || dmg[0].Sale != 2 || !strings.Contains(dmg[0].String(), fmt.Sprintf("record %d of sale 2 cannot be read", dmg[0].Seq)) {
		t.Fatalf("damage = %v, want the line record of sale 2", dmg)
	}
	damagedSeq := dmg[0].Seq

	after := snapshot(t, j)
	if len(after) != 3 || after[1] != before[1] || after[3] != before[3] {
		t.Errorf("Each past damage returned %d sales; the undamaged ones must be unchanged", len(after))
	}
	un, err := j.Unfinished()
	if err != nil || len(un) != 1 || un[0].ID != 1 {
		t.Errorf("unfinished = %v, %v; want the older sale 1 still found past the damage", un, err)
	}
	recs, _ := j.Records(2)
	for _, r := range recs {
		if r.Seq == damagedSeq {
			t.Error("Records returned the damaged record")
		}
	}

	// Rebuilt without the damaged record, sale 2 loses its line, and the
	// others are whole.
	if err := j.Rebuild(); err != nil {
		t.Fatal(err)
	}
	rebuilt := snapshot(t, j)
	if rebuilt[1] != before[1] || rebuilt[3] != before[3] {
		t.Error("rebuild past damage changed the undamaged sales")
	}
	if s, _ := j.Get(2); s == nil || len(s.Basket.Lines) != 0 || s.ReceiptNumber != "000002" {
		t.Errorf("sale 2 rebuilt past its damaged line = %+v", s)
	}
	// And the journal still takes new records.
	openSale(t, j, "after")
	j.Close()

	rep, err := Verify(path)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(rep.Problems, "\n")
	if rep.OK() || !strings.Contains(text, fmt.Sprintf("record %d of sale 2 cannot be read", damagedSeq)) ||
		!strings.Contains(text, fmt.Sprintf("record %d of sale 2: the chain is broken", damagedSeq+1)) {
		t.Errorf("verify of a damaged journal:\n%s", rep)
	}
}

func TestDamagedIndexEntryIsFoldedFromRecords(t *testing.T) {
	path := journalWithSales(t, 2)
	j := openAt(t, path)
	before := snapshot(t, j)
	j.Close()
	db, _ := bolt.Open(path, 0o600, nil)
	db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketSales).Put(itob(1), []byte("{not json")) })
	db.Close()

	j = openAt(t, path) // rebuilds: an entry does not parse
	defer j.Close()
	if after := snapshot(t, j); after[1] != before[1] || after[2] != before[2] {
		t.Errorf("after open over a damaged index entry:\n%v\n%v", before, after)
	}
	if len(j.Damage()) != 0 {
		t.Errorf("damage = %v: the records are whole, only the cache was lost", j.Damage())
	}
}

// TestDamagedFilesNeverCrash cuts and flips a real journal at many places and
// opens each copy in a child process, since a bbolt fault would kill this
// one: Open must refuse with ErrCorrupt and leave the file as it was, or
// succeed and either give back the same sales or say what is damaged.
func TestDamagedFilesNeverCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("opens hundreds of damaged files")
	}
	path := journalWithSales(t, 12)
	data, _ := os.ReadFile(path)
	j := openAt(t, path)
	want := snapshot(t, j)
	j.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "good.db"), data, 0o600)
	w, _ := json.Marshal(want)
	os.WriteFile(filepath.Join(dir, "want.json"), w, 0o600)

	cmd := exec.Command(os.Args[0], "-test.run=^TestDamagedFilesChild$", "-test.v")
	cmd.Env = append(os.Environ(), "KASSE_DAMAGE_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		var last string
		var after []string // what the child said after its last case began
		for _, l := range lines {
			if strings.HasPrefix(l, "case ") {
				last, after = l, nil
			} else {
				after = append(after, l)
			}
		}
		t.Fatalf("child: %v; last %s\n%s", err, last, head(after, 60))
	}
	if !strings.Contains(string(out), "cases done") {
		t.Fatalf("child did not run the cases:\n%s", out)
	}
	t.Log(lastLine(string(out), "cases done"))
}

func head(lines []string, n int) string {
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

func lastLine(s, prefix string) string {
	for _, l := range slices.Backward(strings.Split(s, "\n")) {
		if strings.Contains(l, prefix) {
			return l
		}
	}
	return ""
}

type damageCase struct {
	name string
	data []byte
}

func damageCases(good []byte) []damageCase {
	var cs []damageCase
	cut := func(n int) {
		if n >= 0 && n < len(good) {
			cs = append(cs, damageCase{fmt.Sprintf("cut at %d", n), slices.Clone(good[:n])})
		}
	}
	for n := 0; n < len(good); n += 4096 {
		cut(n)
	}
	for _, n := range []int{1, 15, 100, 1023, 4095, 4097, 8191, 8192 + 16, 10000, 12345, 20000, 33333, len(good) - 1} {
		cut(n)
	}
	flip := func(at int, mask byte) {
		d := slices.Clone(good)
		d[at] ^= mask
		cs = append(cs, damageCase{fmt.Sprintf("flip %#x at %d", mask, at), d})
	}
	// Flip bytes across the pages in use (beyond them is free space bbolt
	// never reads), some 600 places.
	used := min(len(good), int(readMeta(good[pageHeaderSize:]).pgid)*4096)
	for at := 0; at < used; at += max(used/600, 1) | 1 {
		flip(at, 0xff)
	}
	// The page headers and metas, bit by bit at a few places.
	for _, at := range []int{0, 8, 10, 12, 16, 20, 24, 32, 48, 56, 64, 72, 4096, 4096 + 16, 4096 + 56, 8192, 8192 + 8, 8192 + 10, 12288 + 10, 16384 + 12} {
		if at < len(good) {
			flip(at, 0x01)
			flip(at, 0x80)
		}
	}
	return cs
}

// TestDamagedFilesChild is the child of TestDamagedFilesNeverCrash.
func TestDamagedFilesChild(t *testing.T) {
	dir := os.Getenv("KASSE_DAMAGE_DIR")
	if dir == "" {
		t.Skip("run by TestDamagedFilesNeverCrash")
	}
	good, _ := os.ReadFile(filepath.Join(dir, "good.db"))
	var want map[uint64]string
	w, _ := os.ReadFile(filepath.Join(dir, "want.json"))
	json.Unmarshal(w, &want)
	path := filepath.Join(dir, "kasse.db")
	var refused, damaged, clean int
	for _, c := range damageCases(good) {
		if only := os.Getenv("KASSE_DAMAGE_CASE"); only != "" && c.name != only {
			continue
		}
		fmt.Printf("case %s\n", c.name)
		os.Remove(path)
		os.WriteFile(path, c.data, 0o600)
		os.WriteFile(path+".before", c.data, 0o600)
		j, err := Open(path, Options{Timeout: time.Second, Logger: quiet})
		if err != nil {
			refused++
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("%s: open = %v, want ErrCorrupt", c.name, err)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, c.data) {
				t.Errorf("%s: a refused file was changed", c.name)
			}
			if _, err := Verify(path); err == nil {
				// Verify may open what Open refused (it reads less), but
				// it must report the problem.
				if rep, _ := Verify(path); rep.OK() {
					t.Errorf("%s: Open refused the file and Verify finds it OK", c.name)
				}
			}
			continue
		}
		got := snapshot(t, j)
		un, err := j.Unfinished()
		if err != nil && !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: unfinished = %v", c.name, err)
		}
		_ = j.EachRecord(1, func(Record) bool { return true })
		for id := range want {
			_, _ = j.Get(id)
		}
		dmg := j.Damage()
		j.Close()
		// Open may rebuild the index of a file it accepts, but the
		// records are never written again.
		if before, err := storedRecords(path + ".before"); err == nil {
			if after, err := storedRecords(path); err != nil || fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("%s: the records changed: %v", c.name, err)
			}
		}
		rep, err := Verify(path)
		if err != nil {
			t.Errorf("%s: Open succeeded but Verify cannot open: %v", c.name, err)
		}
		same := len(got) == len(want)
		for id, s := range want {
			same = same && got[id] == s
		}
		wantUn := 0
		for id := range want {
			if (id-1)%3 == 0 {
				wantUn++
			}
		}
		same = same && len(un) == wantUn
		switch {
		case same && len(dmg) == 0:
			clean++
		case len(dmg) > 0 || !rep.OK():
			damaged++
		default:
			t.Errorf("%s: the sales read differ from those written, and neither Damage nor Verify says so", c.name)
		}
	}
	fmt.Printf("cases done: %d refused, %d opened with damage reported, %d opened with the same sales\n", refused, damaged, clean)
}

// storedRecords reads the stored bytes of every record, read-only and
// guarded as the journal reads.
func storedRecords(path string) (map[uint64]string, error) {
	db, err := openBolt(path, time.Second, true)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	out := map[uint64]string{}
	err = withFaultsAsPanics(func() error {
		return db.View(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketRecords)
			if b == nil {
				return errors.New("no records")
			}
			return b.ForEach(func(k, v []byte) error { out[u64(k)] = string(v); return nil })
		})
	})
	return out, err
}

func TestAppendReadsPastADamagedIndexEntry(t *testing.T) {
	j, _ := openTemp(t)
	id := openSale(t, j, "A")
	j.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketSales).Put(itob(id), []byte("{not json")) })
	mustAppend(t, j, Record{Kind: KindLineAdded, Sale: id, Line: line("B", "B", 100, 2)})
	s, err := j.Get(id)
	if err != nil || len(s.Basket.Lines) != 2 || s.ReceiptNumber != "000001" {
		t.Errorf("sale after an append over its damaged index entry = %+v, %v", s, err)
	}
	if d := j.Damage(); len(d) != 1 || d[0].Seq != 0 || d[0].Sale != id || !strings.Contains(d[0].String(), "index entry of sale 1") {
		t.Errorf("damage = %v", d)
	}
}
