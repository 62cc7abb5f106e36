package ui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/i18n"
)

// message is a text that never widens the window: it wraps into at most
// lines lines, cuts the rest with "…", and a tap shows the whole text (and the
// technical detail, if any) in a dialog.
type message struct {
	widget.BaseWidget
	label  *widget.Label
	lines  int
	title  string
	text   string
	detail string
	win    fyne.Window
	// relayout, if set, lays the message's parent out again when an empty
	// message hides itself or a new one shows.
	relayout func()
}

func newMessage(win fyne.Window, title string, lines int, imp widget.Importance) *message {
	m := &message{lines: lines, title: title, win: win}
	m.label = &widget.Label{Wrapping: fyne.TextWrapWord, Truncation: fyne.TextTruncateEllipsis, Importance: imp}
	m.label.ExtendBaseWidget(m.label)
	m.ExtendBaseWidget(m)
	m.Hidden = true // until it has something to say
	return m
}

// Set shows text; detail, if not empty, is shown only after a tap. An empty
// message takes no room.
func (m *message) Set(text, detail string) {
	if m.text == text && m.detail == detail {
		return
	}
	m.text, m.detail = text, detail
	m.label.SetText(text)
	if (text == "") != m.Hidden {
		show(m, text != "")
		if m.relayout != nil {
			m.relayout()
		}
	}
}

// Text is what the message says in full.
func (m *message) Text() string { return m.text }

func (m *message) CreateRenderer() fyne.WidgetRenderer {
	m.ExtendBaseWidget(m)
	return widget.NewSimpleRenderer(container.New(linesLayout{m}, m.label))
}

// Tapped shows the whole message.
func (m *message) Tapped(*fyne.PointEvent) {
	if m.text == "" || m.win == nil {
		return
	}
	body := m.text
	if m.detail != "" && m.detail != m.text {
		body += "\n\n" + lang.L("Details:") + " " + m.detail
	}
	l := widget.NewLabel(body)
	l.Wrapping = fyne.TextWrapWord
	sc := container.NewVScroll(l)
	s := m.win.Canvas().Size()
	sc.SetMinSize(fyne.NewSize(min(560, s.Width*0.8), min(280, s.Height*0.5)))
	dialog.ShowCustom(m.title, lang.L("Close"), sc, m.win)
}

// linesLayout gives a message the height of its lines and no width of its own.
type linesLayout struct{ m *message }

func (l linesLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	// A wrapped, cut label asks for one line: its own measure of a line.
	one := l.m.label.MinSize().Height
	th := l.m.label.Theme()
	pad := th.Size(theme.SizeNameInnerPadding)
	n := float32(l.m.lines)
	return fyne.NewSize(20, one+(n-1)*(one-2*pad+th.Size(theme.SizeNameLineSpacing))+1)
}

func (l linesLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	objs[0].Move(fyne.NewPos(0, 0))
	// Fyne's cut text panics when it has no room for one line; the window
	// is not laid out yet then.
	objs[0].Resize(size.Max(objs[0].MinSize()))
}

// technical reports whether a message reads like a program's error rather
// than a sentence for a cashier: a chain of "x: y: z", a path or an address.
func technical(s string) bool {
	if strings.Count(s, ": ") >= 2 {
		return true
	}
	for _, w := range []string{"://", "/dev/", "dial ", "tcp ", "EOF", "errno", "no such file", "connection refused", "context deadline", "Get \"", "Post \""} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// plain is msg as a cashier reads it: msg itself when it is a sentence, or
// fallback when it is a program's error (which then goes to the detail).
func plain(msg, fallback string) (text, detail string) {
	if msg == "" || !technical(msg) {
		return msg, ""
	}
	return fallback, msg
}

// brand is the app the customer pays with, as the till's market names it.
func brand(v checkout.View) string {
	if v.Brand == "" {
		return "Vipps MobilePay"
	}
	return v.Brand
}

// tr is s in the window's language when s is one of the translated English
// sentences (app/ keeps some in English, e.g. a receipt's PrintError), else s.
func tr(s string) string {
	if i18n.Known(s) {
		return lang.L(s)
	}
	return s
}

// cashierError is err as a sentence for the cashier: its own text when it is
// one, else fallback (the error itself goes to the dialog's detail and the log).
// An app/ error that is an i18n.Msg (or wraps one) is put into the window's
// language with its values; another is looked up as an English sentence.
func cashierError(err error, fallback string) string {
	var m i18n.Msg
	if errors.As(err, &m) && err.Error() == m.Error() {
		return lang.L(m.Key, m.Args)
	}
	text, _ := plain(err.Error(), fallback)
	if text == err.Error() && i18n.Known(text) {
		return lang.L(text)
	}
	return text
}
