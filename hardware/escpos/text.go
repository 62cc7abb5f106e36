package escpos

import "strings"

// EncodeText lays out plain text (a report) as an ESC/POS stream: a bold
// title, the lines as they are in the normal font, and a cut. Lines longer
// than the paper wraps them; give it text made for the paper's width.
func EncodeText(title, text string) []byte {
	var b builder
	b.init()
	if title != "" {
		b.align(Center)
		b.bold(true)
		b.line(title)
		b.bold(false)
		b.align(Left)
		b.feed(1)
	}
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		b.line(l)
	}
	b.feed(2)
	b.cut()
	return b.Bytes()
}
