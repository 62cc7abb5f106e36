package escpos

import (
	"strings"
	"testing"
)

func TestEncodeTextRoundTrip(t *testing.T) {
	text := "Z-RAPPORT 2026-11-25\nSolgt            12    4 980,00\nMVA 25 %                996,00\n\x1b@injected"
	d, err := Decode(EncodeText("Kasse Demo Kafé", text))
	if err != nil {
		t.Fatal(err)
	}
	got := d.Text()
	for _, want := range []string{"Kasse Demo Kafé", "Z-RAPPORT 2026-11-25", "Solgt            12    4 980,00", "MVA 25 %                996,00"} {
		if !strings.Contains(got, want) {
			t.Errorf("printed text lacks %q:\n%s", want, got)
		}
	}
	if !d.Cut {
		t.Error("the report is not cut off")
	}
	if strings.Contains(got, "\x1b") {
		t.Error("an escape byte in the text reached the printer")
	}
}
