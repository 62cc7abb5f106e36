package catalog

import (
	"encoding/json"
	"fmt"
	"github.com/kasse-pos/kasse/app/money"
	"math/rand/v2"
)

// Generate makes a catalog of n products in the file format of
// assets/catalog.json, for measuring a large shop: 20 categories, names
// from a small vocabulary with sizes and units, valid and unique EAN-13s,
// product ids G00001…. The same n always gives the same catalog.
func Generate(n int) []byte {
	cats := []string{"Kaffe", "Bakst", "Frukt", "Grønt", "Meieri", "Kjøtt", "Fisk", "Brød", "Drikke", "Snacks",
		"Frys", "Tørrvarer", "Krydder", "Hermetikk", "Baby", "Dyr", "Hus", "Hygiene", "Papir", "Butikk"}
	colors := []string{"#6d4c41", "#c17d11", "#2e7d32", "#558b2f", "#1565c0", "#ad1457", "#00838f", "#8d6e63", "#0277bd", "#ef6c00",
		"#4527a0", "#795548", "#9e9d24", "#5d4037", "#d81b60", "#6a1b9a", "#37474f", "#00695c", "#455a64", "#283593"}
	nouns := []string{"Kaffe", "Te", "Brød", "Melk", "Ost", "Yoghurt", "Juice", "Vann", "Kjeks", "Sjokolade", "Pasta", "Ris",
		"Suppe", "Saus", "Pølse", "Skinke", "Laks", "Eple", "Banan", "Tomat", "Potet", "Løk", "Smør", "Egg", "Boller"}
	kinds := []string{"økologisk", "grov", "lett", "ekstra", "mild", "sterk", "original", "fin", "stor", "liten", "familie", "premium"}
	sizes := []string{"0,5 l", "1 l", "1,5 l", "33 cl", "250 g", "500 g", "1 kg", "750 g", "6 stk", "12 stk", "200 g", "2 dl"}
	rng := rand.New(rand.NewPCG(uint64(n), 15))
	f := file{Currency: "NOK", Categories: cats, Products: make([]Product, 0, n)}
	for i := range n {
		c := rng.IntN(len(cats))
		vat := money.Percent(15)
		if c >= 15 {
			vat = money.Percent(25)
		}
		f.Products = append(f.Products, Product{
			ID:       fmt.Sprintf("G%05d", i+1),
			Name:     fmt.Sprintf("%s %s %s", nouns[rng.IntN(len(nouns))], kinds[rng.IntN(len(kinds))], sizes[rng.IntN(len(sizes))]),
			Category: cats[c],
			Price:    int64(500 + rng.IntN(60000)),
			VATRate:  vat,
			EAN:      withCheckDigit(fmt.Sprintf("20%010d", i+1)),
			Color:    colors[c],
		})
	}
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		panic(err) // plain values always marshal
	}
	return b
}

// withCheckDigit appends the EAN-13 check digit to 12 digits.
func withCheckDigit(s string) string {
	sum := 0
	for i, r := range s {
		d := int(r - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return s + string(rune('0'+(10-sum%10)%10))
}
