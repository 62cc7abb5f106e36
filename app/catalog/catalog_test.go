package catalog_test

import (
	"strings"
	"testing"

	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/assets"
)

func TestDemoCatalog(t *testing.T) {
	c, err := catalog.Parse(assets.DemoCatalog)
	if err != nil {
		t.Fatal(err)
	}
	all := c.All()
	if len(all) < 24 {
		t.Errorf("demo catalog has %d products, want at least 24", len(all))
	}
	if n := len(c.Categories()); n < 4 {
		t.Errorf("demo catalog has %d categories, want at least 4", n)
	}
	rates := map[int]int{}
	for _, p := range all {
		rates[int(p.VATRate)/100]++
		if p.Color == "" {
			t.Errorf("%s has no tile colour", p.Name)
		}
		if got, ok := c.ByEAN(p.EAN); !ok || got.ID != p.ID {
			t.Errorf("ByEAN(%s) does not find %s", p.EAN, p.Name)
		}
	}
	if rates[25] == 0 || rates[15] == 0 {
		t.Errorf("VAT rates in demo catalog: %v, want both 25 and 15", rates)
	}
}

func TestSearch(t *testing.T) {
	c, _ := catalog.Parse(assets.DemoCatalog)
	got := c.Search("kaffe")
	if len(got) < 2 {
		t.Fatalf("search kaffe found %v", got)
	}
	for _, p := range got {
		if p.Category != "Kaffe" && p.Name != "Kaffebønner 500 g" {
			t.Errorf("search kaffe found %s", p.Name)
		}
	}
	if got := c.Search("BAGUETTE kylling"); len(got) != 1 || got[0].Name != "Baguette med kylling" {
		t.Errorf("two-word search found %v", got)
	}
	if got := c.Search(""); got != nil {
		t.Errorf("empty search found %v", got)
	}
}

func TestParseRefusesBadProducts(t *testing.T) {
	for name, js := range map[string]string{
		"bad ean":  `{"currency":"NOK","categories":["A"],"products":[{"id":"1","name":"x","category":"A","price":100,"vat":25,"ean":"7038010001070"}]}`,
		"no price": `{"currency":"NOK","categories":["A"],"products":[{"id":"1","name":"x","category":"A","price":0,"vat":25,"ean":"7038010001079"}]}`,
		"dup ean":  `{"currency":"NOK","categories":["A"],"products":[{"id":"1","name":"x","category":"A","price":1,"vat":25,"ean":"7038010001079"},{"id":"2","name":"y","category":"A","price":1,"vat":25,"ean":"7038010001079"}]}`,
		"bad cat":  `{"currency":"NOK","categories":["A"],"products":[{"id":"1","name":"x","category":"B","price":100,"vat":25,"ean":"7038010001079"}]}`,
		"not json": `{`,
		"no curr":  `{"categories":[],"products":[]}`,
	} {
		if _, err := catalog.Parse([]byte(js)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPLU(t *testing.T) {
	base := `{"currency":"NOK","categories":["Frukt"],"products":[
		{"id":"A","name":"Epler","category":"Frukt","price":3490,"vat":15,"ean":"2300001000008","plu":"00001","perKg":true},
		{"id":"B","name":"Pærer","category":"Frukt","price":3990,"vat":15,"ean":"7038010001079"%s}]}`
	c, err := catalog.Parse([]byte(strings.Replace(base, "%s", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := c.ByPLU("00001"); !ok || p.ID != "A" || !p.PerKg {
		t.Fatalf("ByPLU = %+v, %v", p, ok)
	}
	if _, ok := c.ByPLU("00002"); ok {
		t.Fatal("ByPLU found a code no product has")
	}
	for _, bad := range []string{`,"plu":"00001"`, `,"plu":"1"`, `,"plu":"0000x"`} {
		if _, err := catalog.Parse([]byte(strings.Replace(base, "%s", bad, 1))); err == nil {
			t.Errorf("a catalog with %s was taken", bad)
		}
	}
}
