package main

import (
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
	_ "github.com/getkin/kin-openapi/openapi3"
	_ "github.com/getkin/kin-openapi/openapi3filter"
	_ "github.com/getkin/kin-openapi/routers/gorillamux"
	_ "github.com/makiuchi-d/gozxing/qrcode"
	_ "github.com/creack/pty"
	_ "github.com/makiuchi-d/gozxing"
	_ "github.com/skip2/go-qrcode"
	_ "github.com/tarm/serial"
	_ "go.etcd.io/bbolt"
)

func main() {
	a := app.New()
	w := a.NewWindow("x")
	w.SetContent(widget.NewLabel("x"))
	w.ShowAndRun()
}
