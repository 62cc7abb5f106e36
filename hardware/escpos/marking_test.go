package escpos

import (
	"slices"
	"testing"
)

// The receipt's name and markings print at least 50 % larger than every
// amount, the double-height total included, with the cash point's id, and a
// return names the sale it returns.
func TestNamesAndMarkingsAreDoubleSize(t *testing.T) {
	size := func(d Decoded, text string) (w, h int) {
		for _, it := range d.items {
			for _, s := range it.spans {
				if s.text == text {
					return s.w, s.h
				}
			}
		}
		t.Fatalf("no %q in\n%s", text, d.Text())
		return 0, 0
	}
	for _, c := range []struct {
		name  string
		edit  func(*Receipt)
		marks []string
		lines []string
	}{
		{"sale", func(*Receipt) {}, []string{"Salgskvittering"}, []string{"Kasse KASSE-1"}},
		{"copy", func(r *Receipt) { r.Copy = true }, []string{"Salgskvittering", "KOPI"}, nil},
		{"return", func(r *Receipt) { r.Refund, r.Of = true, "000122" }, []string{"Returkvittering"},
			[]string{"Retur av kvittering nr.                   000122"}},
		{"training", func(r *Receipt) { r.Training = true }, []string{"TRENINGSKVITTERING"},
			[]string{"Treningsmodus - ikke gyldig kvittering"}},
	} {
		r := sample()
		r.Register = "KASSE-1"
		c.edit(&r)
		data, err := Encode(r, Options{})
		if err != nil {
			t.Fatal(err)
		}
		d, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		_, amount := size(d, "Totalt NOK                              1 609,00")
		for _, m := range c.marks {
			if w, h := size(d, m); w != 2 || 2*h < 3*amount {
				t.Errorf("%s: %q is %dx%d, the total %d high", c.name, m, w, h, amount)
			}
		}
		for _, l := range c.lines {
			if !slices.Contains(d.Lines, l) {
				t.Errorf("%s: no line %q in\n%s", c.name, l, d.Text())
			}
		}
		if c.name != "training" && slices.Contains(d.Lines, "TRENINGSKVITTERING") {
			t.Errorf("%s: marked as training", c.name)
		}
	}
}
