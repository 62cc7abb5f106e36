package escpos

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// Decoded is an ESC/POS stream read back: what the paper would show.
type Decoded struct {
	// Lines are the printed text lines in order, trailing spaces trimmed; a
	// blank line (a feed) is "".
	Lines []string
	// QR holds the payloads of the QR codes printed with the printer's own
	// command (GS ( k). QR codes sent as raster images are in Images.
	QR []string
	// Images are the raster images (GS v 0), black dots on white.
	Images []*image.Gray
	// Cut reports whether the paper was cut.
	Cut bool
	// StatusRequests are the n of each real-time status request (DLE EOT n)
	// and each GS r n, as 0x100|n, in order.
	StatusRequests []int
	// Pulses are the drawer pins (ESC p m) kicked, in order.
	Pulses []Drawer

	items []item // everything in order, for Render
}

// Text is all lines joined with newlines.
func (d Decoded) Text() string { return strings.Join(d.Lines, "\n") }

type itemKind int

const (
	itemText itemKind = iota
	itemImage
	itemQR
	itemFeed
	itemCut
)

type span struct {
	text string
	bold bool
	w, h int
}

type item struct {
	kind   itemKind
	align  Align
	spans  []span
	img    *image.Gray
	sx, sy int // raster scale
	qr     string
	module int
	level  byte
	dots   int // feed
}

// ErrShort means the stream ends in the middle of a command.
var ErrShort = errors.New("escpos: stream ends inside a command")

// ErrUnknown means the stream holds a command this package does not know.
var ErrUnknown = errors.New("escpos: unknown command")

// ErrTooLong means the stream prints more lines than a roll of paper holds.
var ErrTooLong = errors.New("escpos: more lines than a roll of paper")

// maxLines bounds the lines one stream may print: an 80 m roll holds about
// 21,000 lines of 30 dots. Without it a few bytes (ESC d 255, three bytes for
// 255 blank lines) would make Decode's work and memory far outgrow its input.
const maxLines = 1 << 15

// commandLen is the length of the command at the start of p, or ErrShort or
// ErrUnknown. Text is one byte at a time. It never reads past p.
func commandLen(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, ErrShort
	}
	need := func(n int) (int, error) {
		if len(p) < n {
			return 0, ErrShort
		}
		return n, nil
	}
	c := p[0]
	switch {
	case c >= 0x20 && c != 0x7f, c == lf, c == '\r', c == '\t', c == 0x0c:
		return 1, nil
	case c == esc:
		if len(p) < 2 {
			return 0, ErrShort
		}
		switch p[1] {
		case '@', '2':
			return 2, nil
		case 't', 'E', 'a', 'd', 'J', '-', 'M', '!', '3', 'G', 'R', '{', 'e', 'c':
			return need(3)
		case 'p':
			return need(5)
		}
	case c == gs:
		if len(p) < 2 {
			return 0, ErrShort
		}
		switch p[1] {
		case '!', 'B', 'H', 'f', 'h', 'w', 'r', 'a', 'I':
			return need(3)
		case 'L', 'W':
			return need(4)
		case 'V':
			if len(p) < 3 {
				return 0, ErrShort
			}
			switch p[2] {
			case 0, 1, '0', '1':
				return 3, nil
			case 'A', 'B', 'a', 'b', 'g', 'h':
				return need(4)
			}
		case '(':
			if len(p) < 5 {
				return 0, ErrShort
			}
			return need(5 + int(p[3]) + int(p[4])<<8)
		case 'v':
			if len(p) < 8 {
				return 0, ErrShort
			}
			if p[2] != '0' {
				break
			}
			x := int(p[4]) | int(p[5])<<8
			y := int(p[6]) | int(p[7])<<8
			return need(8 + x*y)
		}
	case c == dle:
		if len(p) < 2 {
			return 0, ErrShort
		}
		if p[1] == eot || p[1] == 0x05 {
			return need(3)
		}
	}
	return 0, fmt.Errorf("%w: % x", ErrUnknown, p[:min(len(p), 3)])
}

// state is the printer's mode while decoding.
type state struct {
	bold   bool
	w, h   int
	align  Align
	page   byte
	module int
	level  byte
	stored string
}

func (s *state) reset() { *s = state{w: 1, h: 1, module: 3, level: '0', page: 0} }

// Decode reads an ESC/POS stream as a printer would. It knows the commands
// Encode writes and the common ones around them; anything else is an error
// (ErrUnknown), as is a stream cut inside a command (ErrShort) or one that
// prints more than maxLines lines (ErrTooLong). Whatever the input, Decode
// does not panic, and its work and memory are in proportion to it.
func Decode(data []byte) (Decoded, error) {
	var (
		d   Decoded
		st  state
		cur []span
		txt strings.Builder
	)
	st.reset()
	flushSpan := func() {
		if txt.Len() > 0 {
			cur = append(cur, span{text: txt.String(), bold: st.bold, w: st.w, h: st.h})
			txt.Reset()
		}
	}
	endLine := func() {
		flushSpan()
		var b strings.Builder
		for _, s := range cur {
			b.WriteString(s.text)
		}
		d.Lines = append(d.Lines, strings.TrimRight(b.String(), " "))
		if len(cur) == 0 {
			cur = []span{{w: st.w, h: st.h}} // an empty line still has its height
		}
		d.items = append(d.items, item{kind: itemText, align: st.align, spans: cur})
		cur = nil
	}
	pending := func() bool { return txt.Len() > 0 || len(cur) > 0 }

	for pos := 0; pos < len(data); {
		n, err := commandLen(data[pos:])
		if err != nil {
			return d, fmt.Errorf("at byte %d: %w", pos, err)
		}
		p := data[pos : pos+n]
		pos += n
		switch c := p[0]; {
		case c == lf:
			endLine()
		case c == '\r', c == 0x0c:
		case c == '\t':
			txt.WriteString("    ")
		case c >= 0x20:
			txt.WriteRune(decodeByte(st.page, c))
		case c == esc:
			switch p[1] {
			case '@':
				st.reset()
			case 't':
				st.page = p[2]
			case 'E', 'G':
				flushSpan()
				st.bold = p[2]&1 == 1
			case '!':
				flushSpan()
				st.bold = p[2]&0x08 != 0
				st.w, st.h = 1, 1
				if p[2]&0x20 != 0 {
					st.w = 2
				}
				if p[2]&0x10 != 0 {
					st.h = 2
				}
			case 'a':
				st.align = Align(p[2] % 3)
				if p[2] >= '0' {
					st.align = Align((p[2] - '0') % 3)
				}
			case 'd':
				for range min(int(p[2]), maxLines+1-len(d.Lines)) {
					endLine()
				}
			case 'p':
				d.Pulses = append(d.Pulses, Drawer(p[2]&1))
			case 'J':
				if pending() {
					endLine()
				}
				d.items = append(d.items, item{kind: itemFeed, dots: int(p[2])})
			}
		case c == gs:
			switch p[1] {
			case '!':
				flushSpan()
				st.w, st.h = int(p[2]>>4&7)+1, int(p[2]&7)+1
			case 'V':
				if pending() {
					endLine()
				}
				if n == 4 {
					d.items = append(d.items, item{kind: itemFeed, dots: int(p[3])})
				}
				d.Cut = true
				d.items = append(d.items, item{kind: itemCut})
			case 'r':
				d.StatusRequests = append(d.StatusRequests, 0x100|int(p[2]))
			case '(':
				if p[2] == 'k' {
					decodeQR(&d, &st, p[5:], pending, endLine)
				}
			case 'v':
				if pending() {
					endLine()
				}
				if it := rasterItem(p, st.align); !it.img.Rect.Empty() {
					d.items = append(d.items, it)
					d.Images = append(d.Images, it.img)
				}
			}
		case c == dle:
			if p[1] == eot {
				d.StatusRequests = append(d.StatusRequests, int(p[2]))
			}
		}
		if len(d.Lines) > maxLines {
			return d, fmt.Errorf("at byte %d: %w", pos-n, ErrTooLong)
		}
	}
	if pending() {
		endLine() // a printer holds it until the next LF; show it anyway
	}
	if len(d.Lines) > maxLines {
		return d, fmt.Errorf("at byte %d: %w", len(data), ErrTooLong)
	}
	return d, nil
}

// decodeQR handles GS ( k for the QR symbol (cn '1'); args starts at cn.
func decodeQR(d *Decoded, st *state, args []byte, pending func() bool, endLine func()) {
	if len(args) < 2 || args[0] != '1' {
		return
	}
	switch args[1] {
	case 'C':
		if len(args) > 2 {
			st.module = int(args[2])
		}
	case 'E':
		if len(args) > 2 {
			st.level = args[2]
		}
	case 'P':
		if len(args) > 2 {
			st.stored = string(args[3:])
		}
	case 'Q':
		if pending() {
			endLine()
		}
		d.QR = append(d.QR, st.stored)
		d.items = append(d.items, item{kind: itemQR, align: st.align, qr: st.stored, module: st.module, level: st.level})
	}
}

// rasterItem reads GS v 0 m xL xH yL yH d….
func rasterItem(p []byte, a Align) item {
	m := p[3]
	xBytes := int(p[4]) | int(p[5])<<8
	h := int(p[6]) | int(p[7])<<8
	img := image.NewGray(image.Rect(0, 0, xBytes*8, h))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	data := p[8:]
	for y := range h {
		for x := range xBytes * 8 {
			if data[y*xBytes+x/8]&(0x80>>(x%8)) != 0 {
				img.SetGray(x, y, color.Gray{})
			}
		}
	}
	it := item{kind: itemImage, align: a, img: img, sx: 1, sy: 1}
	if m&1 != 0 {
		it.sx = 2
	}
	if m&2 != 0 {
		it.sy = 2
	}
	return it
}

func decodeByte(page, c byte) rune {
	if c < 0x80 {
		return rune(c)
	}
	if page == 0 {
		return charmap.CodePage437.DecodeByte(c)
	}
	return nordic.DecodeByte(c)
}
