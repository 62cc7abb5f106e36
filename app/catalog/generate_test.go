package catalog_test

import (
	"bytes"
	"testing"

	"github.com/kasse-pos/kasse/app/catalog"
)

// A generated catalog passes the checks a shop's own file must pass, and is
// the same every time.
func TestGenerate(t *testing.T) {
	data := catalog.Generate(10000)
	c, err := catalog.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.All()); n != 10000 {
		t.Fatalf("%d products, want 10000", n)
	}
	if n := len(c.Categories()); n != 20 {
		t.Errorf("%d categories, want 20", n)
	}
	if !bytes.Equal(data, catalog.Generate(10000)) {
		t.Error("two catalogs of the same size differ")
	}
}

// BenchmarkSearch10k is a cashier's search in a 10,000-product shop.
func BenchmarkSearch10k(b *testing.B) {
	c, err := catalog.Parse(catalog.Generate(10000))
	if err != nil {
		b.Fatal(err)
	}
	qs := []string{"kaffe", "ost mild", "2000000012", "sjokolade 200 g", "x"}
	i := 0
	for b.Loop() {
		c.Search(qs[i%len(qs)])
		i++
	}
}
