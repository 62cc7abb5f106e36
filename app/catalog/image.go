package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // JPEG product images
	"image/png"
	"io/fs"
	"os"

	xdraw "golang.org/x/image/draw"
)

// MaxImageBytes is the largest product image file Kasse takes: a tile needs
// far less, and a big file slows the till's start.
const MaxImageBytes = 2 << 20

// maxImagePixels bounds an image's width and height, so that a small file
// that claims a huge picture is refused before it is decoded.
const maxImagePixels = 4096

// CheckImage says whether path is a PNG or JPEG file Kasse can show on a
// tile, in a sentence naming the file when it is not.
func CheckImage(path string) error {
	if reason := imageProblem(path); reason != "" {
		return fmt.Errorf("image %s %s", path, reason)
	}
	return nil
}

func imageProblem(path string) string {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "is not there"
	case err != nil:
		return "cannot be read: " + err.Error()
	case st.IsDir():
		return "is a folder, not a picture"
	case st.Size() > MaxImageBytes:
		return fmt.Sprintf("is %.1f MB; at most %d MB", float64(st.Size())/(1<<20), MaxImageBytes>>20)
	}
	f, err := os.Open(path)
	if err != nil {
		return "cannot be read: " + err.Error()
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	switch {
	case err != nil || (format != "png" && format != "jpeg"):
		return "is not a PNG or JPEG picture"
	case cfg.Width > maxImagePixels || cfg.Height > maxImagePixels:
		return fmt.Sprintf("is %d×%d pixels; at most %d×%d", cfg.Width, cfg.Height, maxImagePixels, maxImagePixels)
	}
	return ""
}

// Thumbnail reads the image at path, checked as CheckImage does, and scales
// it to fit in px×px, keeping its shape. It returns the result as PNG, the
// form a tile draws from without decoding the original again.
func Thumbnail(path string, px int) ([]byte, error) {
	if err := CheckImage(path); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", path, err)
	}
	src, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", path, err)
	}
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	if w > px || h > px {
		if w >= h {
			w, h = px, max(1, h*px/w)
		} else {
			w, h = max(1, w*px/h), px
		}
	}
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	xdraw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), xdraw.Src, nil)
	var out bytes.Buffer
	if err := png.Encode(&out, dst); err != nil {
		return nil, fmt.Errorf("image %s: %w", path, err)
	}
	return out.Bytes(), nil
}
