package money

import "testing"

func TestSplitSeedExample(t *testing.T) {
	// The seed basket: 299,00 and 199,00 NOK at 25 %.
	for _, c := range []struct{ gross, net, vat int64 }{
		{29900, 23920, 5980},
		{19900, 15920, 3980},
		{29900 + 19900, 39840, 9960},
	} {
		net, vat := Split(c.gross, Percent(25))
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
		net, vat := Split(c.gross, Percent(c.percent))
		if net != c.net || net+vat != c.gross {
			t.Errorf("Split(%d, %d) = %d + %d, want net %d summing to gross", c.gross, c.percent, net, vat, c.net)
		}
	}
}

func FuzzSplit(f *testing.F) {
	for _, g := range []int64{0, 1, 99, 29900, 19900, 65000000} {
		f.Add(g, 2500)
		f.Add(g, 1500)
		f.Add(g, 2550)
		f.Add(g, 1350)
	}
	f.Fuzz(func(t *testing.T, gross int64, bp int) {
		rate := Rate(bp)
		if gross < -65000000 || gross > 65000000 || !rate.Valid() {
			t.Skip()
		}
		net, vat := Split(gross, rate)
		if net+vat != gross {
			t.Fatalf("Split(%d,%d): %d+%d != gross", gross, bp, net, vat)
		}
		// net*(10000+r) must be within half a unit of gross*10000.
		diff := net*int64(10000+bp) - gross*10000
		if diff < 0 {
			diff = -diff
		}
		if 2*diff > int64(10000+bp) {
			t.Fatalf("Split(%d,%d) net %d is not the nearest", gross, bp, net)
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
	for _, c := range []struct{ cur, want string }{
		{"NOK", "kr\u00a01\u00a0234,50"}, {"DKK", "1.234,50\u00a0kr"}, {"EUR", "1\u00a0234,50\u00a0€"},
	} {
		if got := FormatCurrency(123450, c.cur); got != c.want {
			t.Errorf("FormatCurrency(123450, %s) = %q, want %q", c.cur, got, c.want)
		}
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
