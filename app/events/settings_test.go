package events

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/journal"
)

func TestSettingsChangedMasksSecrets(t *testing.T) {
	j, err := journal.Open(filepath.Join(t.TempDir(), "kasse.db"), journal.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := SettingsChanged(j, "kari", Setting{"printer", "tcp:10.0.0.9:9100"}, Setting{"vipps.clientSecret", "s3cr3t-value"},
		Setting{"relay.token", "tok-123"}); err != nil {
		t.Fatal(err)
	}
	var got []journal.Record
	_ = j.EachStationRecord(1, func(r journal.Record) bool {
		if r.Kind == journal.KindSettings {
			got = append(got, r)
		}
		return true
	})
	if len(got) != 1 {
		t.Fatalf("%d settings records", len(got))
	}
	text := got[0].Station.Text
	if strings.Contains(text, "s3cr3t") || strings.Contains(text, "tok-123") || !strings.Contains(text, "printer = tcp:10.0.0.9:9100") ||
		!strings.Contains(text, "vipps.clientSecret changed") || got[0].Cashier != "kari" {
		t.Errorf("journaled %q by %q", text, got[0].Cashier)
	}
	if c, ok := EventOf(got[0], false); !ok || c.Predefined != "13021" {
		t.Errorf("settings change is event %+v", c)
	}
}
