package money

import "testing"

func TestSplitSeedExample(t *testing.T) {
	// The seed basket: 299,00 and 199,00 NOK at 25 %.
	for _, c := range []struct{ gross, net, vat int64 }{
		{29900, 23920, 5980},
		{19900, 15920, 3980},
		{29900 + 19900, 39840, 9960},
	} {
		net, vat := Split(c.gross, 25)
		if net != c.net || vat != c.vat {
			t.Errorf("Split(%d, 25) = %d + %d, want %d + %d", c.gross, net, vat, c.net, c.vat)
		}
	}
}

func TestSplitRounding(t *testing.T) {
	cases := []struct {
		gross   int64
		percent int
		net     int64
	}{
		{100, 25, 80},
		{1, 25, 1}, // 0.8 rounds up to 1; VAT 0
		{3, 15, 3}, // 2.61 → 3
		{2990, 15, 2600},
		{4990, 15, 4339}, // 4339.13
		{-2990, 15, -2600},
		{500, 0, 500},
	}
	for _, c := range cases {
		net, vat := Split(c.gross, c.percent)
		if net != c.net || net+vat != c.gross {
			t.Errorf("Split(%d, %d) = %d + %d, want net %d summing to gross", c.gross, c.percent, net, vat, c.net)
		}
	}
}

func FuzzSplit(f *testing.F) {
	for _, g := range []int64{0, 1, 99, 29900, 19900, 65000000} {
		f.Add(g, 25)
		f.Add(g, 15)
	}
	f.Fuzz(func(t *testing.T, gross int64, percent int) {
		if gross < -65000000 || gross > 65000000 || percent < 0 || percent > 100 {
			t.Skip()
		}
		net, vat := Split(gross, percent)
		if net+vat != gross {
			t.Fatalf("Split(%d,%d): %d+%d != gross", gross, percent, net, vat)
		}
		// net*(100+p) must be within half a unit of gross*100.
		diff := net*int64(100+percent) - gross*100
		if diff < 0 {
			diff = -diff
		}
		if 2*diff > int64(100+percent) {
			t.Fatalf("Split(%d,%d) net %d is not the nearest", gross, percent, net)
		}
	})
}

func TestFormat(t *testing.T) {
	for in, want := range map[int64]string{
		0: "0,00", 5: "0,05", 29900: "299,00", 123450: "1\u00a0234,50", 100000000: "1\u00a0000\u00a0000,00", -4990: "-49,90",
	} {
		if got := Format(in); got != want {
			t.Errorf("Format(%d) = %q, want %q", in, got, want)
		}
	}
	if got := FormatCurrency(29900, "NOK"); got != "299,00\u00a0kr" {
		t.Errorf("FormatCurrency = %q", got)
	}
}

func TestParse(t *testing.T) {
	ok := map[string]int64{"199": 19900, "199,5": 19950, "1 234,50": 123450, "12.30": 1230, "0,01": 1}
	for in, want := range ok {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "abc", "1,234", "-5", "1e5"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}
