package escpos

import (
	"bytes"
	"context"
	"errors"
	"image"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func TestRenderShowsQR(t *testing.T) {
	for _, native := range []bool{true, false} {
		data, err := Encode(sample(), Options{NativeQR: native})
		if err != nil {
			t.Fatal(err)
		}
		d, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		img := Render(d, 0)
		if b := img.Bounds(); b.Dx() != PaperDots+2*margin || b.Dy() < 30*lineDots {
			t.Errorf("picture is %v", b)
		}
		if got := readQR(t, img); got != sample().QRURL {
			t.Errorf("native=%v: rendered QR reads %q", native, got)
		}
		// The shop name, double size, is ink on the top of the paper.
		if n := ink(img, image.Rect(margin, margin, margin+PaperDots, margin+2*cellH)); n < 500 {
			t.Errorf("native=%v: shop name has %d black dots", native, n)
		}
	}
}

func TestRenderNarrowPaper(t *testing.T) {
	data, _ := Encode(sample(), Options{Width: 32})
	d, _ := Decode(data)
	img := Render(d, 384)
	if img.Bounds().Dx() != 384+2*margin {
		t.Errorf("width %d", img.Bounds().Dx())
	}
	if got := readQR(t, img); got != sample().QRURL {
		t.Errorf("QR reads %q", got)
	}
}

func ink(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if g, _, _, _ := img.At(x, y).RGBA(); g < 0x8000 {
				n++
			}
		}
	}
	return n
}

func TestVirtual(t *testing.T) {
	p, err := Open("virtual:")
	if err != nil {
		t.Fatal(err)
	}
	v, ok := p.(*Virtual)
	if !ok {
		t.Fatalf("virtual: gave %T", p)
	}
	if v.Image() != nil {
		t.Error("image before the first print")
	}
	ctx := context.Background()
	data, _ := Encode(sample(), Options{})
	if err := v.Print(ctx, data); err != nil {
		t.Fatal(err)
	}
	if got := readQR(t, v.Image()); got != sample().QRURL {
		t.Errorf("QR reads %q", got)
	}
	if d, n := v.Last(); n != 1 || !d.Cut || d.Lines[0] != "Kaffebrenneriet Ås" {
		t.Errorf("last = %d %v %q", n, d.Cut, d.Lines)
	}

	v.SetError(ErrPaperOut)
	if err := v.Print(ctx, data); !errors.Is(err, ErrPaperOut) {
		t.Errorf("Print = %v, want ErrPaperOut", err)
	}
	if err := v.Status(ctx); !errors.Is(err, ErrPaperOut) {
		t.Errorf("Status = %v", err)
	}
	if _, n := v.Last(); n != 1 {
		t.Errorf("a failed print counted: %d", n)
	}
	v.SetError(nil)
	if err := v.Print(ctx, []byte{0x1b, 'Z', 0}); !errors.Is(err, ErrUnknown) {
		t.Errorf("bad stream: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, c := range []struct {
		data []byte
		want error
	}{
		{[]byte{0x1b}, ErrShort},
		{[]byte{0x1d, 'v', '0', 0, 2, 0, 2, 0, 1, 2, 3}, ErrShort},
		{[]byte{0x1d, '(', 'k', 10, 0, '1'}, ErrShort},
		{[]byte{0x1b, 'Z'}, ErrUnknown},
		{[]byte{0x01}, ErrUnknown},
	} {
		if _, err := Decode(c.data); !errors.Is(err, c.want) {
			t.Errorf("Decode(% x) = %v, want %v", c.data, err, c.want)
		}
	}
}

// TestDecodeRenderBounded: streams that are small but ask for a lot (blank
// lines by the thousand, one big QR code printed again and again, a line
// much longer than the paper) decode and render in bounded work and memory.
func TestDecodeRenderBounded(t *testing.T) {
	bigQR := append([]byte{gs, '(', 'k', 3, 0, '1', 'C', 16, gs, '(', 'k', 0xff, 0x08, '1', 'P', '0'}, bytes.Repeat([]byte("A"), 0x8ff-3)...)
	for _, c := range []struct {
		name string
		data []byte
		want error
	}{
		{"blank lines", bytes.Repeat([]byte{esc, 'd', 255}, 2*maxLines/255), ErrTooLong},
		{"line feeds", bytes.Repeat([]byte{lf}, maxLines+1), ErrTooLong},
		{"a roll of lines", bytes.Repeat([]byte{lf}, maxLines), nil},
		{"one QR printed 2000 times", append(bigQR, bytes.Repeat([]byte{gs, '(', 'k', 3, 0, '1', 'Q', '0'}, 2000)...), nil},
		{"a line of a million characters", append(bytes.Repeat([]byte("x"), 1<<20), lf), nil},
		{"the same, twice as wide, centred", append([]byte{esc, 'a', 1, gs, '!', 0x10}, append(bytes.Repeat([]byte("x"), 1<<20), lf)...), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			done := make(chan struct{})
			var (
				d   Decoded
				err error
				img image.Image
			)
			go func() {
				defer close(done)
				d, err = Decode(c.data)
				img = Render(d, 0)
			}()
			// Each takes well under a second; before the bounds, minutes.
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				t.Fatal("Decode and Render still busy after 60 s")
			}
			if !errors.Is(err, c.want) {
				t.Errorf("Decode = %v, want %v", err, c.want)
			}
			// On ErrTooLong, d holds what came before: one line too many.
			if len(d.Lines) > maxLines+1 {
				t.Errorf("%d lines", len(d.Lines))
			}
			if b := img.Bounds(); b.Dy() > maxPicture+2*margin || b.Dx() != PaperDots+2*margin {
				t.Errorf("picture %v", b)
			}
		})
	}
}

// maxFuzzInput bounds one fuzz input, and fuzzPaper is the paper it renders
// on: a few characters wide, so that a run costs microseconds. Both matter
// because the fuzzer minimises every new input it finds, trying to drop each
// run of bytes in turn (for n bytes, n²/2 runs), and does nothing else
// meanwhile: with whole receipts rendered on full paper, minimising one input
// took the whole -fuzztime and the fuzzer never got past its seventh run.
// Every command and its arguments fit in far fewer bytes.
const (
	maxFuzzInput = 256
	fuzzPaper    = 8 * cellW
)

// FuzzDecode: any bytes decode or fail with one of Decode's errors, never
// panic, and what decodes is consistent, reads the same however the stream
// is cut in two, and renders within the paper. The same bytes taken as text,
// through Kasse's encoder, come back as the text they are and never as a
// command; taken as a receipt's QR code, they come back whole.
func FuzzDecode(f *testing.F) {
	small := Receipt{ShopName: "Kafé", Lines: []Line{{Name: "Bolle", Qty: 2, UnitPrice: 3900, Total: 7800}}, Total: 7800, Currency: "NOK", QRURL: "https://k.example/r/1"}
	for _, native := range []bool{true, false} {
		data, _ := Encode(small, Options{NativeQR: native, Width: 24, QRModule: 1})
		f.Add(data)
	}
	f.Add([]byte("hello\n\x1b!\x38big\n\x1dV\x00"))
	f.Add([]byte{0x1d, 'v', '0', 3, 1, 0, 2, 0, 0xff, 0x81})
	f.Add([]byte{0x1d, '(', 'k', 4, 0, '1', 'P', '0', 'x', 0x1d, '(', 'k', 3, 0, '1', 'Q', '0'})
	f.Add(EncodeText("Z-rapport", "Salg\t  12\nÅpent æøå €\x1b@\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		data = data[:min(len(data), maxFuzzInput)]
		d, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrShort) && !errors.Is(err, ErrUnknown) && !errors.Is(err, ErrTooLong) {
				t.Fatalf("Decode: %v", err)
			}
		} else {
			checkDecoded(t, d)
			checkCut(t, data, d)
			img := Render(d, fuzzPaper)
			if b := img.Bounds(); b.Dy() > maxPicture+2*margin || b.Dx() != fuzzPaper+2*margin {
				t.Fatalf("picture %v", b)
			}
		}
		checkText(t, string(data))
		checkQR(t, string(data))
	})
}

// checkDecoded: the parts of a Decoded agree with each other and with what a
// printer can show.
func checkDecoded(t *testing.T, d Decoded) {
	t.Helper()
	var text, qrs, imgs int
	for _, it := range d.items {
		switch it.kind {
		case itemText:
			text++
		case itemQR:
			qrs++
		case itemImage:
			imgs++
			if it.img.Rect.Empty() {
				t.Fatalf("empty image %v", it.img.Rect)
			}
			for _, p := range it.img.Pix {
				if p != 0 && p != 0xff {
					t.Fatalf("image dot %#x", p)
				}
			}
		}
	}
	if text != len(d.Lines) || qrs != len(d.QR) || imgs != len(d.Images) || len(d.Lines) > maxLines {
		t.Fatalf("%d lines, %d QR, %d images; items: %d, %d, %d", len(d.Lines), len(d.QR), len(d.Images), text, qrs, imgs)
	}
	for _, l := range d.Lines {
		if !utf8.ValidString(l) || strings.HasSuffix(l, " ") || strings.ContainsFunc(l, unicode.IsControl) {
			t.Fatalf("line %q", l)
		}
	}
	for _, n := range d.StatusRequests {
		if n < 0 || n > 0x1ff {
			t.Fatalf("status request %#x", n)
		}
	}
}

// checkCut: a printer reads a stream as it comes, so data cut at a command
// boundary decodes to the start of what the whole decodes to. Only the last
// line may be unfinished.
func checkCut(t *testing.T, data []byte, whole Decoded) {
	t.Helper()
	cut := 0
	for cut < len(data)/2 {
		n, err := commandLen(data[cut:])
		if err != nil {
			t.Fatalf("at %d: %v in a stream that decodes", cut, err)
		}
		cut += n
	}
	part, err := Decode(data[:cut])
	if err != nil {
		t.Fatalf("first %d bytes: %v", cut, err)
	}
	prefix := func(what string, a, b []string) {
		if len(a) > len(b) || !slices.Equal(a, b[:len(a)]) {
			t.Fatalf("cut at %d: %s %q, whole %q", cut, what, a, b)
		}
	}
	prefix("QR", part.QR, whole.QR)
	if n := len(part.Lines); n > 0 {
		prefix("lines", part.Lines[:n-1], whole.Lines)
		if n > len(whole.Lines) || !strings.HasPrefix(whole.Lines[n-1], part.Lines[n-1]) {
			t.Fatalf("cut at %d: last line %q, whole %q", cut, part.Lines[n-1], whole.Lines)
		}
	}
	if len(part.Images) > len(whole.Images) || len(part.StatusRequests) > len(whole.StatusRequests) ||
		!slices.Equal(part.StatusRequests, whole.StatusRequests[:len(part.StatusRequests)]) || part.Cut && !whole.Cut {
		t.Fatalf("cut at %d: %+v, whole %+v", cut, part, whole)
	}
}

// checkText: text printed with EncodeText reads back as one line per line,
// nothing in it becomes a command, and what reads back prints the same again.
func checkText(t *testing.T, text string) {
	t.Helper()
	src := strings.Split(strings.TrimRight(text, "\n"), "\n")
	d, err := Decode(EncodeText("", text))
	if err != nil {
		t.Fatalf("EncodeText(%q) does not decode: %v", text, err)
	}
	if len(d.Lines) != len(src)+2 || len(d.QR)+len(d.Images)+len(d.StatusRequests) > 0 || !d.Cut {
		t.Fatalf("EncodeText(%q) reads back as %+v", text, d)
	}
	for i, l := range d.Lines[:len(src)] {
		if ascii(src[i]) {
			want := strings.TrimRight(strings.Map(func(r rune) rune {
				if r < 0x20 || r == 0x7f {
					return -1
				}
				return r
			}, src[i]), " ")
			if l != want {
				t.Fatalf("line %q reads back as %q, want %q", src[i], l, want)
			}
		}
		again, err := Decode(EncodeText("", l))
		// The code page's no-break space prints as a space.
		want := strings.TrimRight(strings.ReplaceAll(l, "\u00a0", " "), " ")
		if err != nil || len(again.Lines) != 3 || again.Lines[0] != want {
			t.Fatalf("line %q printed again reads %q, %v", l, again.Lines, err)
		}
	}
}

func ascii(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// checkQR: a receipt's QR code, printed natively, is read back byte for byte.
func checkQR(t *testing.T, url string) {
	t.Helper()
	r := Receipt{ShopName: "K", QRURL: url[:min(len(url), 7089)]}
	data, err := Encode(r, Options{NativeQR: true})
	if err != nil {
		t.Fatalf("Encode with QR %q: %v", r.QRURL, err)
	}
	d, err := Decode(data)
	if err != nil || !d.Cut {
		t.Fatalf("receipt with QR %q: %v", r.QRURL, err)
	}
	want := []string{r.QRURL}
	if r.QRURL == "" {
		want = nil
	}
	if !slices.Equal(d.QR, want) {
		t.Fatalf("QR %q reads back as %q", r.QRURL, d.QR)
	}
}
