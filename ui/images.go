package ui

import (
	"log/slog"
	"path/filepath"
	"sync"

	"fyne.io/fyne/v2"

	"github.com/kasse-pos/kasse/app/catalog"
)

// tileImagePx is the size a product's picture is scaled to, once: enough
// for a tile on a large screen, small enough to keep hundreds in memory.
const tileImagePx = 256

// maxImages bounds the picture cache; past it the cache starts over.
const maxImages = 1024

// images caches a product picture's fyne resource by the picture's path;
// a path that cannot be read is kept as nil, so it is tried (and logged)
// once.
var images = struct {
	sync.Mutex
	m map[string]fyne.Resource
}{m: map[string]fyne.Resource{}}

// productImage is p's picture, scaled for a tile, or nil when p has none or
// its file cannot be read. It decodes each file once; it is safe to call
// from any goroutine. A tile shows it with canvas.NewImageFromResource
// (FillMode canvas.ImageFillContain).
func productImage(p catalog.Product) fyne.Resource {
	if p.Image == "" {
		return nil
	}
	images.Lock()
	res, ok := images.m[p.Image]
	images.Unlock()
	if ok {
		return res
	}
	b, err := catalog.Thumbnail(p.Image, tileImagePx)
	if err != nil {
		slog.Warn("product image", "product", p.ID, "err", err)
	} else {
		res = fyne.NewStaticResource(filepath.Base(p.Image), b)
	}
	images.Lock()
	if len(images.m) >= maxImages {
		clear(images.m)
	}
	images.m[p.Image] = res
	images.Unlock()
	return res
}

// warmImages decodes the pictures of products in the background, so that
// the first view of a category does not wait for them.
func warmImages(products []catalog.Product) {
	go func() {
		for _, p := range products {
			productImage(p)
		}
	}()
}

// forgetImage drops path's picture from the cache: the catalog editor calls
// it when a product's picture is chosen again, since the file may be new.
func forgetImage(path string) {
	images.Lock()
	delete(images.m, path)
	images.Unlock()
}
