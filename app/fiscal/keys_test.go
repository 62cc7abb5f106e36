package fiscal

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestKeyStoreCreatesOwnerOnlyKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fiscal")
	ks, err := OpenKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	k := ks.Current()
	if k.Version != "1" || k.Private.N.BitLen() != KeyBits || k.Private.E != 65537 {
		t.Fatalf("first key: version %q, %d bits, e %d", k.Version, k.Private.N.BitLen(), k.Private.E)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, privateFile): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", filepath.Base(path), got, want)
		}
	}
	// Reopening finds the same key, not a new one.
	again, err := OpenKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Current().Private.Equal(k.Private) || again.Current().Version != "1" {
		t.Fatal("reopening made a different key")
	}
}

func TestKeyStoreRotationKeepsOldPublicKeys(t *testing.T) {
	dir := t.TempDir()
	ks, err := openKeys(dir, func() time.Time { return time.Date(2030, 1, 2, 10, 0, 0, 0, time.UTC) })
	if err != nil {
		t.Fatal(err)
	}
	first := ks.Current()
	old, err := Chain(FirstPrevious, exampleTxs[:2], first)
	if err != nil {
		t.Fatal(err)
	}
	second, err := ks.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if second.Version != "2" || second.Private.Equal(first.Private) {
		t.Fatalf("rotation gave version %q (same key: %v)", second.Version, second.Private.Equal(first.Private))
	}
	more, err := Chain(old[1].Signature, exampleTxs[2:], second)
	if err != nil {
		t.Fatal(err)
	}
	// A chain that crosses the rotation verifies with the history, from a
	// fresh open of the folder.
	reopened, err := OpenKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	if reopened.Current().Version != "2" {
		t.Fatalf("current after reopen: %q", reopened.Current().Version)
	}
	if err := VerifyChain(append(old, more...), reopened.Public); err != nil {
		t.Fatal(err)
	}
	fromFile, err := HistoryFile(HistoryPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyChain(append(old, more...), fromFile); err != nil {
		t.Fatalf("with keys.json alone: %v", err)
	}
	h := reopened.History()
	if len(h) != 2 || h[0].Retired.IsZero() || !h[1].Retired.IsZero() {
		t.Fatalf("history: %+v", h)
	}
	// The old private key is gone from the folder.
	b, err := os.ReadFile(filepath.Join(dir, privateFile))
	if err != nil {
		t.Fatal(err)
	}
	if priv, err := ParsePrivateKey(b); err != nil || !priv.Equal(second.Private) {
		t.Fatalf("key file holds the wrong key (%v)", err)
	}
}

func TestKeyStoreRefusesAKeyOthersCanRead(t *testing.T) {
	dir := t.TempDir()
	if _, err := OpenKeys(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, privateFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenKeys(dir); err == nil {
		t.Fatal("opened a world-readable signing key")
	}
}

func TestKeyStoreRefusesAKeyNotInTheHistory(t *testing.T) {
	dir := t.TempDir()
	if _, err := OpenKeys(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join("testdata", "test-private-key-1024.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, privateFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenKeys(dir); err == nil {
		t.Fatal("opened a private key whose public key is not the history's newest")
	}
}
