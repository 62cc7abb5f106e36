package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDamagedOrMissingStoreExitsClearly runs the commands on a 0-byte, a
// truncated and a missing file: each exits 1 with a message that names the
// problem, none crashes, and none writes the file (a 0-byte one would have
// become an empty relay that refuses every webhook).
func TestDamagedOrMissingStoreExitsClearly(t *testing.T) {
	bin := build(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	prepare(t, good)
	whole, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.db")
	truncated := filepath.Join(dir, "truncated.db")
	missing := filepath.Join(dir, "missing.db")
	os.WriteFile(empty, nil, 0o600)
	os.WriteFile(truncated, whole[:4096*3], 0o600)

	cases := []struct {
		db, want string
		args     []string
	}{
		{empty, "damaged", []string{"serve", "-listen", "127.0.0.1:0", "-public-url", testPublic}},
		{empty, "damaged", []string{"till", "add", "t2", "-msn", testMSN, "-prefix", "x-"}},
		{empty, "damaged", []string{"till", "list"}},
		{empty, "damaged", []string{"backup", "-o", filepath.Join(dir, "b.db")}},
		{truncated, "damaged", []string{"serve", "-listen", "127.0.0.1:0", "-public-url", testPublic}},
		{truncated, "damaged", []string{"till", "revoke", "till-1"}},
		{empty, "damaged", []string{"register", "-msn", testMSN, "-url", testPublic, "-api", "http://127.0.0.1:1"}},
		{truncated, "damaged", []string{"list", "-msn", testMSN, "-api", "http://127.0.0.1:1"}},
		{missing, "does not exist", []string{"till", "add", "t2", "-msn", testMSN, "-prefix", "x-"}},
		{missing, "does not exist", []string{"till", "list"}},
	}
	for _, c := range cases {
		before, _ := os.ReadFile(c.db)
		args := append(append([]string{}, c.args...), "-db", c.db)
		cmd := exec.Command(bin, args...)
		cmd.Env = append(cmd.Environ(), "VIPPS_CLIENT_ID=id", "VIPPS_CLIENT_SECRET=secret", "VIPPS_SUBSCRIPTION_KEY=key")
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Errorf("%s on %s: %v, want exit status 1\n%s", c.args[:2], filepath.Base(c.db), err, out)
			continue
		}
		if !strings.Contains(string(out), c.want) || strings.Contains(string(out), "panic") || strings.Contains(string(out), "SIGSEGV") {
			t.Errorf("%s on %s said:\n%s\nwant %q and no crash", c.args[:2], filepath.Base(c.db), out, c.want)
		}
		after, err := os.ReadFile(c.db)
		if c.db == missing {
			if !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s created %s", c.args[:2], c.db)
			}
		} else if string(after) != string(before) {
			t.Errorf("%s changed %s: %d → %d bytes", c.args[:2], filepath.Base(c.db), len(before), len(after))
		}
	}
}
