package catalog

import (
	"errors"
	"strings"
	"testing"
)

func TestCSVImport(t *testing.T) {
	good := "\xef\xbb\xbfname;price;vat;ean;category\nKaffe, liten;32,00;15;7038010001079;Kaffe\nTermokopp;199.00;25 %;7038010009457;Butikk\n\n"
	c, err := ParseCSV([]byte(good), "NOK")
	if err != nil {
		t.Fatal(err)
	}
	p, ok := c.ByEAN("7038010009457")
	if !ok || p.Name != "Termokopp" || p.Price != 19900 || p.VATRate != 2500 || p.Category != "Butikk" {
		t.Errorf("Termokopp read as %+v", p)
	}
	if got := c.Categories(); len(got) != 2 || got[0] != "Kaffe" {
		t.Errorf("categories %v", got)
	}
	bad := "name,price,vat,ean,category\nOk,10,25,7038010009457,A\n,abc,15,123,A\nDup,5,twelve,7038010009457,\n"
	_, err = ParseCSV([]byte(bad), "NOK")
	var ce *CSVError
	if !errors.As(err, &ce) || len(ce.Rows) != 2 || ce.Rows[0].Row != 3 || ce.Rows[1].Row != 4 {
		t.Fatalf("bad rows: %v", err)
	}
	for _, want := range []string{"row 3: no name", "not an amount", "not a valid EAN-13", "row 4", "also on row 2", "is not a percent", "no category", "nothing imported"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("report %q lacks %q", err, want)
		}
	}
	if _, err := ParseCSV([]byte("name,price\nA,1\n"), "NOK"); err == nil || !strings.Contains(err.Error(), `"vat"`) {
		t.Errorf("missing column: %v", err)
	}
}
