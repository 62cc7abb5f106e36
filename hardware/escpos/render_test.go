package escpos

import (
	"context"
	"errors"
	"image"
	"testing"
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

// FuzzDecode: any bytes decode or fail cleanly, and whatever decodes renders.
func FuzzDecode(f *testing.F) {
	for _, native := range []bool{true, false} {
		data, _ := Encode(sample(), Options{NativeQR: native, Width: 32})
		f.Add(data)
	}
	f.Add([]byte("hello\n\x1b!\x38big\n\x1dV\x00"))
	f.Add([]byte{0x1d, 'v', '0', 3, 1, 0, 2, 0, 0xff, 0x81})
	f.Add([]byte{0x1d, '(', 'k', 4, 0, '1', 'P', '0', 'x', 0x1d, '(', 'k', 3, 0, '1', 'Q', '0'})
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Decode(data)
		if err != nil {
			return
		}
		img := Render(d, 0)
		if b := img.Bounds(); b.Dy() > maxPicture+2*margin || b.Dx() != PaperDots+2*margin {
			t.Fatalf("picture %v", b)
		}
	})
}
