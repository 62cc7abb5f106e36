package catalog

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/kasse-pos/kasse/app/money"
)

// CSVColumns are the columns every catalog CSV file has, in any order, under
// a header row: the price includes VAT ("49,00" or "49.00"), the VAT rate is
// a percent ("15", "15 %" or "25,5"), the EAN a valid EAN-13.
var CSVColumns = []string{"name", "price", "vat", "ean", "category"}

// CSVOptional are the columns a catalog CSV file may have too: image, a PNG
// or JPEG file (at most MaxImageBytes) named relative to the CSV's folder;
// id, the product's id (kept stable so the journal's sales still name the
// right product; made from the row when empty); plu, a 5-digit item code;
// perkg, "yes" when the price is per kilogram; color, the tile's colour.
// Export writes them all.
var CSVOptional = []string{"image", "id", "plu", "perkg", "color"}

// RowError is one bad row of a CSV file (Row counts from 1, the header
// being row 1).
type RowError struct {
	Row int
	Msg string
}

// CSVError lists every bad row of a CSV file; nothing of such a file is
// imported.
type CSVError struct{ Rows []RowError }

func (e *CSVError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "catalog: %d bad row(s), nothing imported:", len(e.Rows))
	for i, r := range e.Rows {
		if i == 10 {
			fmt.Fprintf(&b, " … and %d more", len(e.Rows)-10)
			break
		}
		fmt.Fprintf(&b, " row %d: %s;", r.Row, r.Msg)
	}
	return strings.TrimSuffix(b.String(), ";")
}

// ParseCSV reads a catalog from CSV (comma or semicolon separated, as
// spreadsheets in Norway, Denmark and Finland write it) in currency, with
// images named relative to the working folder. Every row is checked; one
// bad row refuses the whole file, with every bad row named.
func ParseCSV(data []byte, currency string) (*Catalog, error) {
	return ParseCSVIn(data, currency, ".")
}

// ParseCSVIn is ParseCSV for a file in folder dir: a relative image path is
// read from there, and kept as an absolute path.
func ParseCSVIn(data []byte, currency, dir string) (*Catalog, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a spreadsheet's BOM
	r := csv.NewReader(bytes.NewReader(data))
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("catalog: the CSV file has no header row (%s): %w", strings.Join(CSVColumns, ","), err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, c := range CSVColumns {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("catalog: the CSV header has no %q column; it needs %s", c, strings.Join(CSVColumns, ","))
		}
	}
	f := file{Currency: currency}
	var bad []RowError
	seenCat := map[string]bool{}
	seenEAN := map[string]int{}
	seenID := map[string]int{}
	for row := 2; ; row++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			bad = append(bad, RowError{row, err.Error()})
			continue
		}
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue // an empty line
		}
		p := Product{ID: get("id"), Name: get("name"), Category: get("category"), EAN: get("ean"), PLU: get("plu"), Color: get("color")}
		if p.ID == "" {
			p.ID = fmt.Sprintf("C%04d", row-1)
		}
		var msgs []string
		if seenID[p.ID] != 0 {
			msgs = append(msgs, fmt.Sprintf("id %s is also on row %d", p.ID, seenID[p.ID]))
		} else {
			seenID[p.ID] = row
		}
		if p.Name == "" {
			msgs = append(msgs, "no name")
		}
		if price, err := money.Parse(get("price")); err != nil || price <= 0 {
			msgs = append(msgs, fmt.Sprintf("price %q is not an amount", get("price")))
		} else {
			p.Price = price
		}
		vat, err := money.ParseRate(get("vat"))
		if err != nil {
			msgs = append(msgs, fmt.Sprintf("VAT %q is not a percent (as 25 or 25,5)", get("vat")))
		}
		p.VATRate = vat
		switch {
		case !ValidEAN13(p.EAN):
			msgs = append(msgs, fmt.Sprintf("EAN %q is not a valid EAN-13", p.EAN))
		case seenEAN[p.EAN] != 0:
			msgs = append(msgs, fmt.Sprintf("EAN %s is also on row %d", p.EAN, seenEAN[p.EAN]))
		default:
			seenEAN[p.EAN] = row
		}
		if p.Category == "" {
			msgs = append(msgs, "no category")
		}
		if p.PLU != "" && (len(p.PLU) != 5 || strings.Trim(p.PLU, "0123456789") != "") {
			msgs = append(msgs, fmt.Sprintf("PLU %q is not a 5-digit item code", p.PLU))
		}
		switch strings.ToLower(get("perkg")) {
		case "", "no", "0", "false":
		case "yes", "1", "true", "x":
			p.PerKg = true
		default:
			msgs = append(msgs, fmt.Sprintf("perkg %q is neither yes nor no", get("perkg")))
		}
		if img := get("image"); img != "" {
			path, err := imagePath(dir, img)
			reason := ""
			if err != nil {
				reason = "cannot be found: " + err.Error()
			} else {
				reason = imageProblem(path)
			}
			if reason != "" {
				msgs = append(msgs, fmt.Sprintf("image %q %s", img, reason))
			}
			p.Image = path
		}
		if len(msgs) > 0 {
			bad = append(bad, RowError{row, strings.Join(msgs, ", ")})
			continue
		}
		if !seenCat[p.Category] {
			seenCat[p.Category] = true
			f.Categories = append(f.Categories, p.Category)
		}
		f.Products = append(f.Products, p)
	}
	if len(bad) > 0 {
		return nil, &CSVError{Rows: bad}
	}
	return build(f)
}

// imagePath is name, read from folder dir when relative, made absolute.
func imagePath(dir, name string) (string, error) {
	if !filepath.IsAbs(name) {
		name = filepath.Join(dir, filepath.FromSlash(name))
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return "", fmt.Errorf("image %s: %w", name, err)
	}
	return abs, nil
}

// Load reads a catalog file: CSV when its name ends in .csv (in currency),
// JSON otherwise. Image paths are relative to the file's folder.
func Load(name string, data []byte, currency string) (*Catalog, error) {
	dir := filepath.Dir(name)
	if strings.HasSuffix(strings.ToLower(name), ".csv") {
		return ParseCSVIn(data, currency, dir)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, err
	}
	// A JSON file's missing image only loses the picture, not the till.
	for i, p := range c.products {
		if p.Image != "" {
			if abs, err := imagePath(dir, p.Image); err == nil {
				c.products[i].Image = abs
			}
		}
	}
	return c, nil
}
