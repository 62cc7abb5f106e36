package escpos

import (
	"image"
	"image/color"
	"image/draw"
	"sync"

	"github.com/skip2/go-qrcode"
	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Paper geometry in printer dots, as on an 80 mm, 203 dpi printer with Font A.
const (
	// PaperDots is the printable width of 80 mm paper; 58 mm paper has 384.
	PaperDots  = 576
	cellW      = 12 // Font A character cell
	cellH      = 24
	lineDots   = 30 // default line spacing (ESC 2)
	margin     = 16 // white paper around the print, in the picture only
	maxPicture = 16000
)

// parsed are Go Mono and Go Mono Bold, which have the Nordic letters.
var parsed = sync.OnceValues(func() ([2]*opentype.Font, error) {
	var fs [2]*opentype.Font
	for i, ttf := range [][]byte{gomono.TTF, gomonobold.TTF} {
		f, err := opentype.Parse(ttf)
		if err != nil {
			return fs, err
		}
		fs[i] = f
	}
	return fs, nil
})

// fonts makes the faces for one Render: a Face is not safe for concurrent
// use, a parsed Font is. At 20 px a character is 12 dots wide, the width of
// the printer's Font A.
func fonts() ([2]font.Face, error) {
	var faces [2]font.Face
	fs, err := parsed()
	if err != nil {
		return faces, err
	}
	for i, f := range fs {
		if faces[i], err = opentype.NewFace(f, &opentype.FaceOptions{Size: 20, DPI: 72, Hinting: font.HintingFull}); err != nil {
			return faces, err
		}
	}
	return faces, nil
}

// Render draws a decoded stream as the printed paper: black on white, width
// dots wide (PaperDots if 0) plus a white margin. Text is drawn in a monospace
// font, QR codes printed natively are drawn from their payload, and raster
// images as sent. A picture taller than a long receipt is cut off. Its work is
// bounded by the picture: what falls off the paper is not drawn, and a QR code
// printed again and again is made once.
func Render(d Decoded, width int) image.Image {
	if width <= 0 {
		width = PaperDots
	}
	// First pass: the items that fit on the paper, and its height.
	qrs := map[qrKey]*image.Gray{}
	var heights []int
	h := 0
	for _, it := range d.items {
		ih := itemHeight(it, qrs)
		if h+ih > maxPicture {
			break
		}
		heights = append(heights, ih)
		h += ih
	}
	img := image.NewGray(image.Rect(0, 0, width+2*margin, h+2*margin))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	paper := image.Rect(margin, margin, margin+width, margin+h)
	faces, fontErr := fonts()
	// Drawing through a sub-image clips to the paper without bending the
	// scaling of what sticks out.
	pap := img.SubImage(paper).(*image.Gray)

	y := margin
	for i, ih := range heights {
		it := d.items[i]
		switch it.kind {
		case itemText:
			if fontErr == nil {
				drawLine(pap, y, it, faces)
			}
		case itemImage:
			src := it.img
			dw, dh := src.Bounds().Dx()*it.sx, src.Bounds().Dy()*it.sy
			x := alignX(paper, dw, it.align)
			xdraw.NearestNeighbor.Scale(pap, image.Rect(x, y, x+dw, y+dh), src, src.Bounds(), draw.Src, nil)
		case itemQR:
			if q := qrs[keyOf(it)]; q != nil {
				x := alignX(paper, q.Bounds().Dx(), it.align)
				draw.Draw(pap, q.Bounds().Add(image.Pt(x, y)), q, image.Point{}, draw.Src)
			}
		case itemCut:
			for x := paper.Min.X; x < paper.Max.X; x += 8 {
				for i := 0; i < 4 && x+i < paper.Max.X; i++ {
					img.SetGray(x+i, y+ih/2, color.Gray{Y: 0x80})
				}
			}
		}
		y += ih
	}
	return img
}

// itemHeight is the height of it on paper. A QR code is drawn to know it, and
// kept in qrs for drawing.
func itemHeight(it item, qrs map[qrKey]*image.Gray) int {
	switch it.kind {
	case itemText:
		h := 1
		for _, s := range it.spans {
			h = max(h, s.h)
		}
		return cellH*h + (lineDots - cellH)
	case itemImage:
		return it.img.Bounds().Dy() * it.sy
	case itemQR:
		k := keyOf(it)
		q, ok := qrs[k]
		if !ok {
			q = qrImage(k)
			qrs[k] = q
		}
		if q != nil {
			return q.Bounds().Dy()
		}
		return 0
	case itemFeed:
		return it.dots
	case itemCut:
		return lineDots
	}
	return 0
}

func alignX(paper image.Rectangle, w int, a Align) int {
	switch a {
	case Center:
		return paper.Min.X + (paper.Dx()-w)/2
	case Right:
		return paper.Max.X - w
	}
	return paper.Min.X
}

// qrKey is what a native QR code looks like: its payload, module size in
// dots (1 to 16, as a printer takes it) and error correction level.
type qrKey struct {
	qr     string
	module int
	level  byte
}

func keyOf(it item) qrKey {
	return qrKey{qr: it.qr, module: max(1, min(it.module, 16)), level: it.level}
}

// qrImage draws a native QR code the way the printer would, or nil if its
// payload cannot be a QR code.
func qrImage(k qrKey) *image.Gray {
	level := map[byte]qrcode.RecoveryLevel{'0': qrcode.Low, '1': qrcode.Medium, '2': qrcode.High, '3': qrcode.Highest}[k.level]
	q, err := qrcode.New(k.qr, level)
	if err != nil {
		return nil
	}
	bm := q.Bitmap()
	m := k.module
	img := image.NewGray(image.Rect(0, 0, len(bm)*m, len(bm)*m))
	for y := range img.Rect.Dy() {
		row := img.Pix[y*img.Stride : y*img.Stride+img.Rect.Dx()]
		for x := range row {
			if !bm[y/m][x/m] {
				row[x] = 0xff
			}
		}
	}
	return img
}

// drawLine draws one text line: each span in its own magnification, the whole
// line aligned, on a common baseline at the bottom of the line.
func drawLine(dst *image.Gray, y int, it item, faces [2]font.Face) {
	lineH, total := 1, 0
	for _, s := range it.spans {
		lineH = max(lineH, s.h)
		total += len([]rune(s.text)) * cellW * s.w
	}
	x := alignX(dst.Rect, total, it.align)
	for _, s := range it.spans {
		runes := []rune(s.text)
		cw := cellW * s.w
		// Only the characters on the paper are drawn: a line much longer
		// than the paper costs no more than one that fits.
		first := min(max(0, (dst.Rect.Min.X-x)/cw), len(runes))
		last := min(len(runes), max(first, (dst.Rect.Max.X-x+cw-1)/cw))
		x0 := x + first*cw
		x += len(runes) * cw
		runes = runes[first:last]
		if len(runes) == 0 {
			continue
		}
		// Draw at size 1 in fixed cells, then scale as the printer does:
		// blocky.
		cell := image.NewGray(image.Rect(0, 0, len(runes)*cellW, cellH))
		draw.Draw(cell, cell.Bounds(), image.White, image.Point{}, draw.Src)
		face := faces[0]
		if s.bold {
			face = faces[1]
		}
		dr := font.Drawer{Dst: cell, Src: image.Black, Face: face}
		for i, r := range runes {
			dr.Dot = fixed.P(i*cellW, 19)
			dr.DrawString(string(r))
		}
		w, h := len(runes)*cw, cellH*s.h
		top := y + (lineH-s.h)*cellH
		xdraw.NearestNeighbor.Scale(dst, image.Rect(x0, top, x0+w, top+h), cell, cell.Bounds(), draw.Src, nil)
	}
}
