package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/demo/demotest"
	"github.com/kasse-pos/kasse/app/station"
)

// BenchmarkSearch10k is a search typed into the box of a 10,000-product
// shop, to the grid showing the matches (the README's "search" figure).
func BenchmarkSearch10k(b *testing.B) {
	u, _ := newLargeFake(b, 10000)
	qs := []string{"kaffe", "ost mild", "2000000012", "sjokolade 200 g", "x", ""}
	var took []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		u.products.search.SetText(qs[i%len(qs)])
		took = append(took, time.Since(start))
		i++
	}
	b.ReportMetric(median(took), "ms/search")
}

// BenchmarkTapToBasket10k is a tap on a tile to its line on screen, with a
// real till (its journal on disk) and 10,000 products.
func BenchmarkTapToBasket10k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "catalog.json")
	if err := os.WriteFile(path, catalog.Generate(10000), 0o644); err != nil {
		b.Fatal(err)
	}
	r := demotest.Start(b, demotest.Options{Configure: func(c *station.Config) { c.CatalogFile = path }})
	a := test.NewTempApp(b)
	w := test.NewTempWindow(b, nil)
	w.Resize(fyne.NewSize(1280, 800))
	u := Create(a, w, r.Till, Options{Title: "Stor Butikk"})
	ids := []string{"G00001", "G00002", "G00003", "G00004", "G00005", "G00006", "G00007", "G00008"}
	var took []time.Duration
	n := 0
	for b.Loop() {
		id := ids[n%len(ids)]
		want := fmt.Sprint(n/len(ids) + 1)
		n++
		start := time.Now()
		test.Tap(u.products.tileFor(id))
		for deadline := time.Now().Add(5 * time.Second); ; {
			var shown string
			u.inspect(func() {
				if row := u.basket.lineRows[id]; row != nil {
					shown = row.qty.Text
				}
			})
			if shown == want {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%s's line does not show quantity %s (shows %q)", id, want, shown)
			}
			time.Sleep(100 * time.Microsecond)
		}
		took = append(took, time.Since(start))
	}
	b.ReportMetric(median(took), "ms/tap")
}

// median is the middle of ds in milliseconds.
func median(ds []time.Duration) float64 {
	slices.Sort(ds)
	return float64(ds[len(ds)/2]) / 1e6
}
