package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// fitScreen shrinks w to the primary monitor when the monitor is smaller
// than the window (a 1024×768 till). Fyne has no call for the screen's size;
// its desktop driver is GLFW, which does, on the main thread.
func fitScreen(w fyne.Window) {
	nw, ok := w.(driver.NativeWindow)
	if !ok {
		return
	}
	var sw, sh int
	nw.RunNative(func(any) {
		if m := glfw.GetPrimaryMonitor(); m != nil {
			if vm := m.GetVideoMode(); vm != nil {
				sw, sh = vm.Width, vm.Height
			}
		}
	})
	if sw == 0 || sh == 0 {
		return
	}
	scale := w.Canvas().Scale()
	if scale <= 0 {
		scale = 1
	}
	want := w.Canvas().Size()
	maxW, maxH := float32(sw)/scale, float32(sh)/scale
	if want.Width <= maxW && want.Height <= maxH {
		return
	}
	w.Resize(fyne.NewSize(min(want.Width, maxW), min(want.Height, maxH)))
}
