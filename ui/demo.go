package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/skip2/go-qrcode"
)

// DemoControl is the demo's simulator as a sales person plays it: scenarios
// for the next payment, the test-phone page, and a fresh start. app/demo's
// *Demo implements it (cmd/kasse adds Reset).
type DemoControl interface {
	// Scenarios are the scenario names in menu order.
	Scenarios() []string
	// Describe says in a sentence what a scenario shows.
	Describe(name string) string
	// Play sets a scenario for the payments that follow.
	Play(name string) error
	// Playing is the scenario in force.
	Playing() string
	// PhoneURL is the test-phone page a phone on the LAN opens; "" if none.
	PhoneURL() string
	// Reset starts the demo again with no sales (a fresh journal).
	Reset()
}

// demoButton opens the demo menu from the till's header.
func demoButton(w fyne.Window, d DemoControl) fyne.CanvasObject {
	b := &widget.Button{Text: lang.L("Demo"), Icon: theme.SettingsIcon(), OnTapped: func() { showDemoMenu(w, d) }}
	b.ExtendBaseWidget(b)
	return sized(b, 0, touch)
}

// demoMenu is the open demo menu, for tests.
type demoMenu struct {
	dlg     *dialog.CustomDialog
	buttons map[string]*widget.Button
	reset   *widget.Button
	status  *widget.Label
	phone   *canvas.Image
}

// lastDemoMenu is the demo menu shown last (tests tap it).
var lastDemoMenu *demoMenu

// showDemoMenu shows the scenarios, the test phone's QR and Reset demo data.
func showDemoMenu(w fyne.Window, d DemoControl) {
	m := &demoMenu{buttons: map[string]*widget.Button{}}
	lastDemoMenu = m
	m.status = widget.NewLabel("")
	m.status.Wrapping = fyne.TextWrapWord
	list := container.NewVBox()
	mark := func() {
		for name, b := range m.buttons {
			b.Importance = widget.MediumImportance
			if name == d.Playing() {
				b.Importance = widget.HighImportance
			}
			b.Refresh()
		}
		m.status.SetText(lang.L("Next payment") + ": " + lang.L(d.Playing()) + ". " + lang.L(d.Describe(d.Playing())))
	}
	for _, name := range d.Scenarios() {
		name := name
		b := &widget.Button{Text: lang.L(name), Alignment: widget.ButtonAlignLeading, OnTapped: func() {
			if err := d.Play(name); err != nil {
				dialog.ShowError(err, w)
			}
			mark()
		}}
		b.ExtendBaseWidget(b)
		m.buttons[name] = b
		about := widget.NewLabel(lang.L(d.Describe(name)))
		about.Wrapping = fyne.TextWrapWord
		about.SizeName = theme.SizeNameCaptionText
		list.Add(container.NewBorder(nil, nil, sized(b, 260, touch), nil, about))
	}
	mark()
	m.reset = &widget.Button{Text: lang.L("Reset demo data"), Icon: theme.DeleteIcon(), Importance: widget.DangerImportance, OnTapped: func() {
		dialog.ShowConfirm(lang.L("Reset demo data"), lang.L("Delete every demo sale and start again?"), func(ok bool) {
			if ok {
				d.Reset()
			}
		}, w)
	}}
	m.reset.ExtendBaseWidget(m.reset)
	right := container.NewVBox()
	if url := d.PhoneURL(); url != "" {
		m.phone = &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScalePixels}
		if png, err := qrcode.Encode(url, qrcode.Medium, 480); err == nil {
			m.phone.Resource = fyne.NewStaticResource("demo-phone-qr.png", png)
		}
		m.phone.SetMinSize(fyne.NewSize(240, 240))
		hint := widget.NewLabel(lang.L("Scan with a phone on the same network to play the customer: approve or decline there."))
		hint.Wrapping = fyne.TextWrapWord
		link := widget.NewLabel(url)
		link.Wrapping = fyne.TextWrapBreak
		right.Add(widget.NewLabelWithStyle(lang.L("Test phone"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true}))
		right.Add(m.phone)
		right.Add(hint)
		right.Add(link)
	}
	body := container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), m.status, sized(m.reset, 0, touch)), nil,
		sized(container.NewVScroll(right), 260, 0), container.NewVScroll(list)) // the kiosk's large type makes the phone's column taller than the dialog
	m.dlg = dialog.NewCustom(lang.L("Demo menu"), lang.L("Close"), body, w)
	s := w.Canvas().Size()
	m.dlg.Resize(fyne.NewSize(min(max(s.Width*0.9, 640), 1100), min(max(s.Height*0.9, 480), 760)))
	m.dlg.Show()
}
