package station

import (
	"os"
	"path/filepath"
	"testing"
	"time"
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
