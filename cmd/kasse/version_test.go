package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/kasse-pos/kasse/app/station"
)

// The package's version (FyneApp.toml) and the one the program reports and
// sends to Vipps MobilePay are the same.
func TestVersionMatchesFyneApp(t *testing.T) {
	b, err := os.ReadFile("../../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*Version\s*=\s*"([^"]+)"`).FindSubmatch(b)
	if m == nil || string(m[1]) != station.Version {
		t.Errorf("FyneApp.toml version %q, station.Version %q", m, station.Version)
	}
	if id := regexp.MustCompile(`(?m)^\s*ID\s*=\s*"([^"]+)"`).FindSubmatch(b); id == nil || string(id[1]) != "no.kasse.till" {
		t.Errorf("FyneApp.toml ID %q differs from the app's no.kasse.till", id)
	}
	if v := versionLine(); !strings.HasPrefix(v, "kasse "+station.Version+" (commit ") {
		t.Errorf("versionLine = %q", v)
	}
}
