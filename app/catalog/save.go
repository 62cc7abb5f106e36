package catalog

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// CSV writes the catalog as a CSV file in folder dir, as spreadsheets in
// Norway, Denmark and Finland read it (semicolons, decimal commas): the
// columns of CSVColumns and CSVOptional, image paths relative to dir when
// the image is inside it. ParseCSVIn(c.CSV(dir), c.Currency, dir) gives the
// same products back.
func (c *Catalog) CSV(dir string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = ';'
	_ = w.Write(append(append([]string(nil), CSVColumns...), CSVOptional...))
	for _, p := range c.products {
		perKg := ""
		if p.PerKg {
			perKg = "yes"
		}
		_ = w.Write([]string{p.Name, formatPrice(p.Price), p.VATRate.Format(","), p.EAN, p.Category,
			relImage(dir, p.Image), p.ID, p.PLU, perKg, p.Color})
	}
	w.Flush() // writes to memory: it cannot fail
	return b.Bytes()
}

// formatPrice is "49,00": no thousands separator, so that no spreadsheet
// reads it as something else.
func formatPrice(minor int64) string {
	return fmt.Sprintf("%d,%02d", minor/100, minor%100)
}

// relImage is path relative to dir when it lies inside it, so that a shop's
// folder of a catalog and its pictures can move as a whole.
func relImage(dir, path string) string {
	if path == "" || dir == "" {
		return path
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return path
	}
	rel, err := filepath.Rel(absDir, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return path
	}
	return filepath.ToSlash(rel)
}

// JSON writes the catalog as a catalog file in folder dir (image paths
// relative to it when inside it), as Parse and Load read it.
func (c *Catalog) JSON(dir string) ([]byte, error) {
	f := file{Currency: c.Currency, Categories: c.categories, Products: make([]Product, len(c.products))}
	for i, p := range c.products {
		p.Image = relImage(dir, p.Image)
		f.Products[i] = p
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return append(b, '\n'), nil
}

// rename is os.Rename; a test replaces it to simulate a crash mid-save.
var rename = os.Rename

// Save writes the catalog to path, as CSV when the name ends in .csv and as
// JSON otherwise, atomically: the new file is written beside the old one and
// synced, then commit runs (to journal the change before it takes effect; an
// error from it leaves the old file), then the new file is renamed over the
// old one. A crash at any moment leaves either the old file or the new one,
// whole. commit may be nil.
func Save(path string, c *Catalog, commit func() error) error {
	dir := filepath.Dir(path)
	var data []byte
	if strings.HasSuffix(strings.ToLower(path), ".csv") {
		data = c.CSV(dir)
	} else {
		var err error
		if data, err = c.JSON(dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("catalog folder: %w", err)
	}
	f, err := os.CreateTemp(dir, ".catalog-*"+filepath.Ext(path))
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done {
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("catalog: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("catalog: write: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("catalog: sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	if commit != nil {
		if err := commit(); err != nil {
			return err
		}
	}
	if err := rename(tmp, path); err != nil {
		return fmt.Errorf("catalog: replace %s: %w", path, err)
	}
	done = true
	// The rename is durable only once the folder's entry is on disk.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // not every OS can sync a folder (Windows)
		d.Close()
	}
	return nil
}
