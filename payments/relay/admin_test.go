package relay

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestAdminSocket: the CLI's way into a running relay's bbolt store. The
// socket is the owner's only, the store's errors keep their identity, and a
// till added through it works in the store at once.
func TestAdminSocket(t *testing.T) {
	dir := t.TempDir()
	st, err := OpenStore(filepath.Join(dir, "relay.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sock := filepath.Join(dir, "relay.db.sock")
	os.WriteFile(sock, nil, 0o600) // a plain file in the way is not a stale socket
	if _, err := ServeAdmin(st, sock); err == nil {
		t.Fatal("ServeAdmin replaced a file that is not a socket")
	}
	os.Remove(sock)
	stop, err := ServeAdmin(st, sock)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode: %v, %v", fi.Mode(), err)
	}
	a, err := DialAdmin(context.Background(), sock)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.AddTill("till-1", msnA, "p-")
	if err != nil || st.TillByToken(tok) == nil {
		t.Fatalf("AddTill through the socket: %v", err)
	}
	if _, err := a.AddTill("till-1", msnA, "q-"); !errors.Is(err, ErrTillExists) {
		t.Errorf("same name: %v, want ErrTillExists", err)
	}
	if _, err := a.AddTill("till-2", msnA, "p-x"); !errors.Is(err, ErrPrefixOverlap) {
		t.Errorf("overlap: %v, want ErrPrefixOverlap", err)
	}
	if err := a.RevokeTill("nobody"); !errors.Is(err, ErrNoTill) {
		t.Errorf("revoke unknown: %v, want ErrNoTill", err)
	}
	if err := a.AddRegistration(msnA, "reg-1", "s3cret", "https://relay.test/v1/webhooks/"+msnA); err != nil {
		t.Fatal(err)
	}
	regs := a.RegistrationsFor(msnA)
	if len(regs) != 1 || regs[0].ID != "reg-1" || regs[0].Secret != "" {
		t.Fatalf("registrations through the socket: %+v (secrets stay in the relay)", regs)
	}
	if len(st.RegistrationsFor(msnA)) != 1 || st.RegistrationsFor(msnA)[0].Secret != "s3cret" {
		t.Fatal("the registration did not reach the store with its secret")
	}
	if err := a.RemoveRegistration("reg-9"); !errors.Is(err, ErrNoRegistration) {
		t.Errorf("remove unknown: %v", err)
	}
	if err := a.RevokeTill("till-1"); err != nil || st.TillByToken(tok) != nil {
		t.Fatalf("revoke through the socket: %v", err)
	}
	stop()
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left after stop: %v", err)
	}
}
