package relay

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// goodStore writes a store with tills, a registration and enough events to
// span many pages, closes it and returns its bytes.
func goodStore(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "good.db")
	st, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddRegistration(msnA, "reg-a", secretA, "https://relay.example/v1/webhooks/"+msnA); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddTill("till-1", msnA, "shop1-"); err != nil {
		t.Fatal(err)
	}
	for i := range 60 {
		ev := event(msnA, fmt.Sprintf("shop1-%04d", i), "AUTHORIZED")
		body := fmt.Appendf(nil, `{"msn":%q,"reference":%q,"pad":%q}`, msnA, ev.Reference, make([]byte, 100+i*20))
		if _, err := st.Append(context.Background(), ev, body, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// openDamaged writes b to a fresh file and opens it as kasse-relay serve
// does. A crash would end the test binary; the test wants an error or a store
// that reads.
func openDamaged(t *testing.T, b []byte) (string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "relay.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := OpenStore(path)
	if err != nil {
		return path, err
	}
	defer st.Close()
	// What serve does at start and /healthz does on every call.
	if _, err := st.Stats(); err != nil {
		return path, err
	}
	if _, _, err := st.Feed(context.Background(), "till-1", 0, 1000, 1<<30); err != nil {
		return path, err
	}
	return path, nil
}

func TestEmptyStoreFileIsRefusedNotInitialised(t *testing.T) {
	path, err := openDamaged(t, nil)
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("open of a 0-byte file: %v, want ErrDamaged", err)
	}
	if fi, _ := os.Stat(path); fi.Size() != 0 {
		t.Errorf("the 0-byte file was written to: now %d bytes", fi.Size())
	}
	if _, err := OpenExistingStore(path); !errors.Is(err, ErrDamaged) {
		t.Errorf("OpenExistingStore: %v, want ErrDamaged", err)
	}
}

func TestMissingStoreFileIsCreatedOnlyWhenAsked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "relay.db")
	if _, err := OpenExistingStore(path); !errors.Is(err, ErrNoStore) {
		t.Fatalf("OpenExistingStore of a missing file: %v, want ErrNoStore", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("OpenExistingStore created the file: %v", err)
	}
	st, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = OpenExistingStore(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	st.Close()
}

// usedPages is the high-water mark of a good file: pages beyond it are the
// room bbolt grew the file by, and hold nothing.
func usedPages(t *testing.T, b []byte) int {
	t.Helper()
	m0, err0 := readBoltMeta(b)
	m1, err1 := readBoltMeta(b[4096:])
	if err0 != nil || err1 != nil {
		t.Fatal(err0, err1)
	}
	return int(max(m0.pgid, m1.pgid))
}

func TestTruncatedStoreFileIsRefused(t *testing.T) {
	good := goodStore(t)
	used := usedPages(t, good) * 4096
	for _, n := range []int{1, 100, 4096, 4096 * 2, 4096*3 + 17, used / 2, used - 4096, used - 1} {
		if _, err := openDamaged(t, good[:n]); !errors.Is(err, ErrDamaged) {
			t.Errorf("truncated to %d of %d bytes: %v, want ErrDamaged", n, len(good), err)
		}
	}
}

// TestDamagedStoreFileNeverCrashes overwrites each page of a good file in
// turn with garbage. A page in use must give ErrDamaged; a free page may go
// unnoticed, but then the store must read.
func TestDamagedStoreFileNeverCrashes(t *testing.T) {
	good := goodStore(t)
	const page = 4096
	refused, used := 0, usedPages(t, good)
	for off := 0; off < used*page; off += page {
		b := append([]byte(nil), good...)
		for i := off; i < off+page && i < len(b); i++ {
			b[i] = byte(i*131 + off/page*7 + 0x5a)
		}
		_, err := openDamaged(t, b)
		if err != nil {
			if !errors.Is(err, ErrDamaged) {
				t.Errorf("page %d damaged: %v, want ErrDamaged", off/page, err)
			}
			refused++
		}
	}
	// Values are opaque bytes, and free pages unread: damage there cannot be
	// seen. The structure can: both meta pages, and the root of the tree.
	m0, _ := readBoltMeta(good)
	m1, _ := readBoltMeta(good[page:])
	root := m0.root
	if m1.txid > m0.txid {
		root = m1.root
	}
	for _, pages := range [][]uint64{{0, 1}, {root}} {
		b := append([]byte(nil), good...)
		for _, p := range pages {
			for i := range page {
				b[int(p)*page+i] ^= 0xa5
			}
		}
		if _, err := openDamaged(t, b); !errors.Is(err, ErrDamaged) {
			t.Errorf("pages %v damaged: %v, want ErrDamaged", pages, err)
		}
	}
	t.Logf("%d of %d pages in use: damage refused", refused, used)
}
