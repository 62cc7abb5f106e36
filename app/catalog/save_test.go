package catalog

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writePNG writes a w×h picture to path.
func writePNG(t *testing.T, path string, w, h int) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, 0, color.NRGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCSVExportRoundTrips(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "img"), 0o755); err != nil {
		t.Fatal(err)
	}
	writePNG(t, filepath.Join(dir, "img", "kopp.png"), 40, 20)
	in := "name,price,vat,ean,category,image\n" +
		"\"Kaffe; liten\",32,15,7038010001079,Kaffe,\n" +
		"Termokopp,1299.50,25,7038010009457,Butikk,img/kopp.png\n" +
		"Kanelbolle,42,25.5,7038010000010,Bakst,\n"
	c, err := ParseCSVIn([]byte(in), "EUR", dir)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := c.ByEAN("7038010009457"); p.Image != filepath.Join(dir, "img", "kopp.png") {
		t.Errorf("image read as %q", p.Image)
	}
	// The same products after export and import, also in another folder.
	for _, to := range []string{dir, t.TempDir()} {
		out := c.CSV(to)
		back, err := ParseCSVIn(out, "EUR", to)
		if err != nil {
			t.Fatalf("export to %s does not import: %v\n%s", to, err, out)
		}
		if !reflect.DeepEqual(back.All(), c.All()) || !reflect.DeepEqual(back.Categories(), c.Categories()) {
			t.Errorf("round trip:\n%+v\n%+v", back.All(), c.All())
		}
	}
	if out := string(c.CSV(dir)); !strings.Contains(out, ";img/kopp.png;") || !strings.Contains(out, "1299,50;25") || !strings.Contains(out, "25,5") {
		t.Errorf("export:\n%s", out)
	}
	// A catalog with ids, item codes and weighed goods keeps them.
	w, err := New("NOK", []string{"Frukt"}, []Product{{ID: "apple", Name: "Epler", Category: "Frukt", Price: 3490, VATRate: 1500, EAN: "7038010001079", PLU: "12345", PerKg: true, Color: "#aa0000"}})
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseCSVIn(w.CSV(dir), "NOK", dir)
	if err != nil || !reflect.DeepEqual(back.All(), w.All()) {
		t.Errorf("round trip of %+v: %+v, %v", w.All(), back, err)
	}
}

func TestCSVImageColumn(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "ok.png"), 8, 8)
	if err := os.WriteFile(filepath.Join(dir, "notes.png"), []byte("not a picture"), 0o644); err != nil {
		t.Fatal(err)
	}
	big := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, MaxImageBytes)...)
	if err := os.WriteFile(filepath.Join(dir, "big.png"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	in := "name;price;vat;ean;category;image\n" +
		"A;10;25;7038010001079;X;ok.png\n" +
		"B;10;25;7038010009457;X;missing.png\n" +
		"C;10;25;7038010000010;X;notes.png\n" +
		"D;10;25;7038010000027;X;big.png\n"
	_, err := ParseCSVIn([]byte(in), "NOK", dir)
	var ce *CSVError
	if !errors.As(err, &ce) || len(ce.Rows) != 3 || ce.Rows[0].Row != 3 {
		t.Fatalf("bad images: %v", err)
	}
	for _, want := range []string{`"missing.png" is not there`, `"notes.png" is not a PNG or JPEG`, `"big.png" is 2.0 MB; at most 2 MB`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("report %q lacks %q", err, want)
		}
	}
}

func TestSaveIsAtomic(t *testing.T) {
	dir := t.TempDir()
	c, err := New("NOK", nil, []Product{{ID: "a", Name: "Kaffe", Category: "Kaffe", Price: 3200, VATRate: 1500, EAN: "7038010001079"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"products.csv", "products.json"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		// A journal that refuses the change: the old file stays.
		if err := Save(path, c, func() error { return errors.New("journal full") }); err == nil {
			t.Fatal("saved although the commit failed")
		}
		// A crash before the rename: the old file stays, and no temp file.
		rename = func(string, string) error { return errors.New("power cut") }
		err := Save(path, c, nil)
		rename = os.Rename
		if err == nil {
			t.Fatal("saved although the rename failed")
		}
		if b, _ := os.ReadFile(path); string(b) != "old" {
			t.Errorf("%s after a failed save: %q", name, b)
		}
		committed := false
		if err := Save(path, c, func() error { committed = true; return nil }); err != nil || !committed {
			t.Fatalf("save: %v (committed %v)", err, committed)
		}
		b, _ := os.ReadFile(path)
		back, err := Load(path, b, "NOK")
		if err != nil || !reflect.DeepEqual(back.All(), c.All()) {
			t.Errorf("%s reads back as %+v, %v", name, back, err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".catalog-*")); len(left) != 0 {
		t.Errorf("temp files left: %v", left)
	}
}

func TestThumbnail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wide.png")
	writePNG(t, path, 400, 100)
	b, err := Thumbnail(path, 128)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() != 128 || img.Bounds().Dy() != 32 {
		t.Fatalf("thumbnail %v, %v", img.Bounds(), err)
	}
	if _, err := Thumbnail(filepath.Join(t.TempDir(), "none.png"), 128); err == nil || !strings.Contains(err.Error(), "is not there") {
		t.Errorf("missing image: %v", err)
	}
}
