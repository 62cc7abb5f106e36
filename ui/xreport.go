package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/events"
)

// newXButton is the end-of-day screen's "X report" button: an X report any
// time, numbered and stored in the journal, then shown and printed.
func (r *reportScreen) newXButton() *widget.Button {
	b := &widget.Button{Text: lang.L("X report"), Icon: theme.DocumentIcon(), OnTapped: r.onXReport}
	b.ExtendBaseWidget(b)
	return b
}

func (r *reportScreen) onXReport() {
	deps := r.bo.deps
	go func() {
		x, err := deps.Office.XReport(deps.Now())
		r.bo.do(func() {
			defer r.bo.event("x report")
			if err != nil {
				r.message.SetText(lang.L("The X report could not be made:") + " " + err.Error())
				return
			}
			r.showFiscal(x)
		})
	}()
}

// showFiscal shows a stored X or Z report as it was printed, and prints it
// when the back office has a printer: the rules want both on paper.
func (r *reportScreen) showFiscal(rp *events.Report) {
	text := rp.Text()
	r.text.SetText(text)
	r.message.SetText(rp.Title() + " " + lang.L("is stored in the journal."))
	p := r.bo.deps.ReportPrinter
	if p == nil {
		return
	}
	title := r.bo.deps.Shop.Name
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := p.PrintText(ctx, title, text)
		r.bo.do(func() {
			if err != nil {
				r.message.SetText(rp.Title() + " " + lang.L("is stored in the journal but did not print:") + " " + err.Error())
			}
		})
	}()
}
