package station

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/checkout"
)

func TestExampleConfigLoads(t *testing.T) {
	c, err := Load(filepath.Join("..", "..", "docs", "kasse.example.json"))
	if err != nil {
		t.Fatal(err)
	}
	if c.POSID != "1" || c.Shop.Name != "Kaffebaren" || c.Vipps.MSN != "123456" || c.Relay.URL == "" ||
		c.Scanner.Port == "" || c.Printer == "" || time.Duration(c.PushTimeout) != 5*time.Minute {
		t.Errorf("example config read as %+v", c)
	}
}

func TestBadConfigIsNamed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kasse.json")
	os.WriteFile(path, []byte(`{"pushTimeout": "five minutes"}`), 0o600)
	if _, err := Load(path); err == nil {
		t.Error("a bad duration was accepted")
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("a missing file was accepted")
	}
}

func TestConfigErrorNamesLineAndColumn(t *testing.T) {
	cases := []struct {
		name, text string
		line, col  int
	}{
		// A missing comma after "1": the parser stops at the next key.
		{"syntax", "{\n  \"posId\": \"1\"\n  \"market\": \"NO\"\n}\n", 3, 3},
		// A number where text belongs.
		{"type", "{\n  \"posId\": \"1\",\n  \"shop\": {\"name\": 42}\n}\n", 3, 21},
		{"non-ascii before", "{\"shop\": {\"name\": \"Bakeriet på hjørnet\",}}", 1, 41},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kasse.json")
			if err := os.WriteFile(path, []byte(c.text), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Load = %v, want a *ConfigError", err)
			}
			if ce.Line != c.line || ce.Column != c.col {
				t.Errorf("at line %d column %d, want %d:%d (%v)", ce.Line, ce.Column, c.line, c.col, err)
			}
			if want := fmt.Sprintf("line %d, column %d", c.line, c.col); !strings.Contains(err.Error(), want) {
				t.Errorf("message %q does not say %q", err, want)
			}
		})
	}
}

func TestSaveIsAtomicAndOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kasse.json")
	old := Config{POSID: "1", Shop: checkout.Shop{Name: "Old"}}
	if err := Save(path, old); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil {
		t.Fatal(err)
	} else if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}

	// A crash between writing the new file and renaming it over the old.
	rename = func(string, string) error { return errors.New("power cut") }
	t.Cleanup(func() { rename = os.Rename })
	if err := Save(path, Config{POSID: "2", Shop: checkout.Shop{Name: "New"}}); err == nil {
		t.Fatal("a failed rename was reported as saved")
	}
	got, err := Load(path)
	if err != nil || got.Shop.Name != "Old" || got.POSID != "1" {
		t.Errorf("after the failed save: %+v, %v; want the old file whole", got, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("the folder holds %d files, want only kasse.json (the temp file removed)", len(ents))
	}

	rename = os.Rename
	lock := Duration(2 * time.Minute)
	c := Config{POSID: "2", Vipps: VippsConfig{ClientSecret: "s3cret-abcd"}, LockAfter: &lock}
	if err := Save(path, c); err != nil {
		t.Fatal(err)
	}
	if got, err := Load(path); err != nil || got.POSID != "2" || got.IdleLock() != 2*time.Minute {
		t.Errorf("saved %+v, read back %+v, %v", c, got, err)
	}
}

func TestSecretsAreMasked(t *testing.T) {
	if got := Mask("abcdefgh1234"); got != "••••1234" {
		t.Errorf("Mask = %q", got)
	}
	if got := Mask("abc"); got != "••••" {
		t.Errorf("Mask of a short secret = %q, shows it", got)
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("config", "vipps", VippsConfig{ClientID: "id", ClientSecret: "topsecretvalue9876", SubscriptionKey: "subkeyvalue5555"},
		"relay", RelayConfig{URL: "https://r", Token: "kt_tokentokentoken4321"})
	out := buf.String()
	for _, secret := range []string{"topsecretvalue", "subkeyvalue", "kt_tokentokentoken"} {
		if strings.Contains(out, secret) {
			t.Errorf("log shows a secret: %s", out)
		}
	}
	if !strings.Contains(out, "9876") || !strings.Contains(out, "4321") {
		t.Errorf("log does not show the last 4: %s", out)
	}
}
