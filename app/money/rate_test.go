package money

import (
	"encoding/json"
	"testing"
)

func TestSplitFinnishStandardRate(t *testing.T) {
	// 10,00 € at 25.5 %: net 10/1.255 = 7.968… → 7,97; VAT 2,03.
	net, vat := Split(1000, 2550)
	if net != 797 || vat != 203 {
		t.Errorf("Split(1000, 25.5 %%) = %d + %d, want 797 + 203", net, vat)
	}
	// 4,90 € at 13.5 %: 490/1.135 = 431.72… → 432; VAT 58.
	if net, vat := Split(490, 1350); net != 432 || vat != 58 {
		t.Errorf("Split(490, 13.5 %%) = %d + %d, want 432 + 58", net, vat)
	}
}

func TestRateJSONReadsOldWholePercents(t *testing.T) {
	var v struct {
		VAT Rate `json:"vat"`
	}
	for in, want := range map[string]Rate{`{"vat":25}`: 2500, `{"vat":0}`: 0, `{"vat":25.5}`: 2550, `{"vat":13.50}`: 1350, `{"vat":14}`: 1400} {
		v.VAT = -1
		if err := json.Unmarshal([]byte(in), &v); err != nil || v.VAT != want {
			t.Errorf("%s → %d, %v; want %d", in, v.VAT, err, want)
		}
	}
	for _, bad := range []string{`{"vat":25.555}`, `{"vat":-1}`, `{"vat":101}`, `{"vat":"25"}`, `{"vat":2.5e1}`} {
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("%s accepted as %d", bad, v.VAT)
		}
	}
	// A whole rate is written exactly as before the change.
	for r, want := range map[Rate]string{2500: `{"vat":25}`, 2550: `{"vat":25.5}`, 1350: `{"vat":13.5}`, 5: `{"vat":0.05}`} {
		v.VAT = r
		b, _ := json.Marshal(v)
		if string(b) != want {
			t.Errorf("Marshal(%d) = %s, want %s", r, b, want)
		}
	}
}

func TestRateStringAndWhole(t *testing.T) {
	if s := Rate(2550).Format(","); s != "25,5\u00a0%" {
		t.Errorf("Format = %q", s)
	}
	if p, ok := Rate(2500).Whole(); !ok || p != 25 {
		t.Errorf("Whole(2500) = %d, %v", p, ok)
	}
	if _, ok := Rate(2550).Whole(); ok {
		t.Error("25.5 % called whole")
	}
	for _, in := range []string{"25,5", "25.5 %", " 14 "} {
		if _, err := ParseRate(in); err != nil {
			t.Errorf("ParseRate(%q): %v", in, err)
		}
	}
}
