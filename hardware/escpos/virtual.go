package escpos

import (
	"context"
	"fmt"
	"image"
	"sync"
)

// Virtual is the printer of demo mode: it decodes each job and keeps the last
// one, which Image draws as the paper would look. It is safe for concurrent
// use. SetError makes it fail like a real printer, to try the till's
// "print again" path.
type Virtual struct {
	mu    sync.Mutex
	last  Decoded
	img   image.Image
	err   error
	count int
	width int
	kicks int
}

// NewVirtual returns a virtual printer with 80 mm paper.
func NewVirtual() *Virtual { return &Virtual{width: PaperDots} }

// Print implements Printer. A stream it cannot decode is an error, so demo
// mode catches a broken receipt early.
func (v *Virtual) Print(ctx context.Context, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d, err := Decode(data)
	if err != nil {
		return fmt.Errorf("virtual printer: %w", err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.err != nil {
		return v.err
	}
	v.kicks += len(d.Pulses)
	if len(d.Lines) == 0 && len(d.Images) == 0 && len(d.QR) == 0 && !d.Cut {
		// A drawer kick alone is not a receipt: the last one stays.
		return nil
	}
	v.last, v.img = d, nil
	v.count++
	return nil
}

// Status implements Printer.
func (v *Virtual) Status(ctx context.Context) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.err
}

// SetError makes every Print and Status fail with err (ErrPaperOut, say)
// until it is called with nil.
func (v *Virtual) SetError(err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.err = err
}

// Last is the last receipt printed, decoded, and how many were printed.
func (v *Virtual) Last() (Decoded, int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.last, v.count
}

// Image draws the last receipt printed, or returns nil before the first.
func (v *Virtual) Image() image.Image {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.count == 0 {
		return nil
	}
	if v.img == nil {
		w := v.width
		if w == 0 {
			w = PaperDots
		}
		v.img = Render(v.last, w)
	}
	return v.img
}

// Kicks is how many times the drawer was kicked open (ESC p).
func (v *Virtual) Kicks() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.kicks
}
