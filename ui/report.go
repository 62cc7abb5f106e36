package ui

import (
	"context"
	"log/slog"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/cashier"
)

// reportScreen shows the Z report of the open business day, exports it as
// CSV, and closes the day.
type reportScreen struct {
	bo       *backOffice
	text     *widget.Label
	message  *widget.Label
	refresh  *widget.Button
	export   *widget.Button
	print    *widget.Button
	closeDay *widget.Button
	xReport  *widget.Button
	z        *backoffice.ZReport
	dlg      *dialog.CustomDialog
	building bool
}

func newReportScreen(bo *backOffice) *reportScreen {
	r := &reportScreen{bo: bo}
	r.text = &widget.Label{TextStyle: fyne.TextStyle{Monospace: true}}
	r.text.ExtendBaseWidget(r.text)
	r.message = &widget.Label{Wrapping: fyne.TextWrapWord}
	r.message.ExtendBaseWidget(r.message)
	r.refresh = &widget.Button{Text: lang.L("Check again"), Icon: theme.ViewRefreshIcon(), OnTapped: r.build}
	r.refresh.ExtendBaseWidget(r.refresh)
	r.export = &widget.Button{Text: lang.L("Export CSV…"), Icon: theme.DocumentSaveIcon(), OnTapped: r.onExport}
	r.export.ExtendBaseWidget(r.export)
	r.print = &widget.Button{Text: lang.L("Print"), Icon: theme.DocumentPrintIcon(), OnTapped: r.onPrint}
	r.print.ExtendBaseWidget(r.print)
	r.closeDay = &widget.Button{Text: lang.L("Close day…"), Icon: theme.LogoutIcon(), Importance: widget.DangerImportance, OnTapped: r.onCloseDay}
	r.closeDay.ExtendBaseWidget(r.closeDay)
	r.xReport = r.newXButton()
	return r
}

func (r *reportScreen) content() fyne.CanvasObject {
	buttons := container.NewGridWithColumns(5, sized(r.refresh, 0, touch), sized(r.xReport, 0, touch), sized(r.export, 0, touch), sized(r.print, 0, touch), sized(r.closeDay, 0, touch))
	return container.NewBorder(nil, container.NewVBox(r.message, buttons), nil, nil, container.NewScroll(r.text))
}

func (r *reportScreen) open() {
	if r.dlg == nil {
		r.dlg = dialog.NewCustom(lang.L("End of day (Z report)"), lang.L("Close"), r.content(), r.bo.win)
	}
	r.bo.big(r.dlg)
	r.dlg.Show()
	r.build()
}

// build makes the report in the background: each payment is checked with the
// API, which takes a moment per sale.
func (r *reportScreen) build() {
	if r.building {
		return
	}
	r.building = true
	r.setEnabled(false)
	r.message.SetText(lang.L("Checking the day's payments with Vipps MobilePay…"))
	deps := r.bo.deps
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		z, err := deps.Office.BuildZ(ctx, deps.Now())
		r.bo.do(func() {
			r.building = false
			r.refresh.Enable()
			if err != nil {
				slog.Error("report: build", "err", err)
				r.message.SetText(cashierError(err, lang.L("The report could not be made: the journal could not be read. Tap Check again; if it keeps failing, restart Kasse.")))
				r.bo.event("report")
				return
			}
			r.show(z)
			r.bo.event("report")
		})
	}()
}

func (r *reportScreen) setEnabled(on bool) {
	for _, b := range []*widget.Button{r.refresh, r.export, r.print, r.closeDay} {
		if on && (b != r.print || r.bo.deps.ReportPrinter != nil) {
			b.Enable()
		} else {
			b.Disable()
		}
	}
}

func (r *reportScreen) show(z *backoffice.ZReport) {
	r.z = z
	r.text.SetText(z.Text())
	r.setEnabled(true)
	switch {
	case len(z.Mismatches) > 0:
		r.message.SetText(lang.L("{{.N}} payment(s) differ between the journal and Vipps MobilePay; see MISMATCHES before closing the day.", map[string]any{"N": len(z.Mismatches)}))
	case len(z.Unchecked) > 0:
		r.message.SetText(lang.L("{{.N}} payment(s) could not be checked with Vipps MobilePay; try Check again.", map[string]any{"N": len(z.Unchecked)}))
	default:
		r.message.SetText(lang.L("Every payment agrees with Vipps MobilePay."))
	}
}

func (r *reportScreen) onExport() {
	if r.z == nil {
		return
	}
	z := r.z
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			slog.Error("report: export", "err", err)
			r.message.SetText(lang.L("Export failed: the file could not be written. Choose another folder and try again."))
			return
		}
		if w == nil {
			return // cancelled
		}
		werr := z.WriteCSV(w)
		if cerr := w.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			r.message.SetText(lang.L("Export failed:") + " " + werr.Error())
			return
		}
		r.message.SetText(lang.L("Exported to {{.File}}.", map[string]any{"File": w.URI().Name()}))
	}, r.bo.win)
	d.SetFileName("z-report-" + z.Day + ".csv")
	d.Show()
}

// onPrint prints the report on the receipt printer.
func (r *reportScreen) onPrint() {
	if r.z == nil || r.bo.deps.ReportPrinter == nil {
		return
	}
	text, p := r.z.Text(), r.bo.deps.ReportPrinter
	title := r.bo.deps.Shop.Name
	r.message.SetText(lang.L("Printing…"))
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := p.PrintText(ctx, title, text)
		r.bo.do(func() {
			if err != nil {
				slog.Warn("report: print", "err", err)
				r.message.SetText(lang.L("The report did not print. Check the printer's paper, cover and cable, then print again."))
				return
			}
			r.message.SetText(lang.L("Report printed."))
		})
	}()
}

func (r *reportScreen) onCloseDay() {
	if r.z == nil || !r.bo.may(cashier.ActCloseDay) {
		return
	}
	z := r.z
	next := &widget.Entry{Text: backoffice.NextDay(z.Day, r.bo.deps.Now())}
	next.ExtendBaseWidget(next)
	warn := ""
	if len(z.Mismatches) > 0 || len(z.Unchecked) > 0 || z.PendingRefunds > 0 {
		warn = lang.L("The report shows payments that differ, were not checked, or refunds still pending.") + " "
	}
	for _, s := range z.States {
		if s.Category == backoffice.CatOpen && s.Count > 0 {
			warn += lang.L("{{.N}} payment(s) are not finished yet.", map[string]any{"N": s.Count}) + " "
		}
	}
	msg := &widget.Label{Text: warn + lang.L("Close business day {{.Day}}? Sales from now on count to the next day below. Receipt numbers continue.", map[string]any{"Day": z.Day}), Wrapping: fyne.TextWrapWord}
	msg.ExtendBaseWidget(msg)
	content := container.NewVBox(msg, widget.NewLabel(lang.L("Next business day (YYYY-MM-DD):")), sized(next, 0, touch))
	d := dialog.NewCustomConfirm(lang.L("Close the day"), lang.L("Close day"), lang.L("Cancel"), content, func(ok bool) {
		if !ok {
			return
		}
		zr, err := r.bo.deps.Office.CloseDay(z, next.Text)
		if err != nil {
			slog.Error("report: close the day", "err", err)
			r.message.SetText(cashierError(err, lang.L("The day was not closed: the journal could not be written. Check the disk, then try again.")))
			return
		}
		r.z = nil // the reconciliation was of the closed day
		r.setEnabled(false)
		r.refresh.Enable()
		r.xReport.Enable()
		r.showFiscal(zr) // the numbered Z report, shown and printed
	}, r.bo.win)
	d.Resize(fyne.NewSize(520, 320))
	d.Show()
}
