package escpos

import (
	"bytes"

	"golang.org/x/text/encoding/charmap"
)

// ESC/POS bytes, named as in Epson's command reference.
const (
	esc = 0x1b
	gs  = 0x1d
	dle = 0x10
	eot = 0x04
	lf  = 0x0a
)

// codePage is the character table Kasse selects (ESC t 5, PC865 Nordic): it
// holds æ ø å and the other letters of the three markets' languages.
const codePage = 5

var nordic = charmap.CodePage865

// Align is the justification of a line (ESC a).
type Align byte

// Justifications.
const (
	Left Align = iota
	Center
	Right
)

// builder writes an ESC/POS stream.
type builder struct {
	bytes.Buffer
	// cur is the receipt's currency, for how amounts group thousands.
	cur string
}

// amount formats minor units as the receipt's currency writes them.
func (b *builder) amount(minor int64) string { return formatAmountIn(minor, b.cur) }

func (b *builder) init() {
	b.Write([]byte{esc, '@'})           // initialise
	b.Write([]byte{esc, 't', codePage}) // character table
	b.Write([]byte{esc, '2'})           // default line spacing
}

func (b *builder) align(a Align)  { b.Write([]byte{esc, 'a', byte(a)}) }
func (b *builder) bold(on bool)   { b.Write([]byte{esc, 'E', bit(on)}) }
func (b *builder) size(w, h int)  { b.Write([]byte{gs, '!', byte((w-1)<<4 | (h - 1))}) }
func (b *builder) feed(lines int) { b.Write([]byte{esc, 'd', byte(lines)}) }
func (b *builder) cut()           { b.Write([]byte{gs, 'V', 'B', 3}) } // feed 3 lines' worth, then cut
func (b *builder) line(s string)  { b.text(s); b.WriteByte(lf) }
func (b *builder) text(s string)  { b.Write(encodeText(s)) }

func bit(on bool) byte {
	if on {
		return 1
	}
	return 0
}

// encodeText turns text into the printer's code page. Control characters
// are dropped, so a product name can never smuggle in a command, and runes
// the code page lacks print as '?'.
func encodeText(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			continue
		case r == '\u00a0' || r == '\u202f' || r == '\u2009':
			out = append(out, ' ') // the spaces money formatting uses
		case r == '€':
			out = append(out, 'E', 'U', 'R')
		case r == '–' || r == '—':
			out = append(out, '-')
		default:
			if c, ok := nordic.EncodeRune(r); ok && c >= 0x20 {
				out = append(out, c)
			} else {
				out = append(out, '?')
			}
		}
	}
	return out
}

// qrNative prints data as a QR code with GS ( k: model 2, module size in
// dots, error correction M, store, print.
func (b *builder) qrNative(data string, module int) {
	b.Write([]byte{gs, '(', 'k', 4, 0, '1', 'A', '2', 0})       // fn 165: model 2
	b.Write([]byte{gs, '(', 'k', 3, 0, '1', 'C', byte(module)}) // fn 167: module size
	b.Write([]byte{gs, '(', 'k', 3, 0, '1', 'E', '1'})          // fn 169: level M
	n := len(data) + 3
	b.Write([]byte{gs, '(', 'k', byte(n), byte(n >> 8), '1', 'P', '0'}) // fn 180: store
	b.WriteString(data)
	b.Write([]byte{gs, '(', 'k', 3, 0, '1', 'Q', '0'}) // fn 181: print
}

// raster prints a 1-bit image with GS v 0. rows[y][x] true is a black dot.
func (b *builder) raster(rows [][]bool) {
	if len(rows) == 0 {
		return
	}
	w := len(rows[0])
	xBytes := (w + 7) / 8
	h := len(rows)
	b.Write([]byte{gs, 'v', '0', 0, byte(xBytes), byte(xBytes >> 8), byte(h), byte(h >> 8)})
	for _, row := range rows {
		for x := 0; x < xBytes; x++ {
			var c byte
			for bitN := 0; bitN < 8; bitN++ {
				if i := x*8 + bitN; i < len(row) && row[i] {
					c |= 0x80 >> bitN
				}
			}
			b.WriteByte(c)
		}
	}
}
