package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/cashier"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
)

// BackOffice is what the back-office screens (history, refunds, end of day)
// need from the till.
type BackOffice struct {
	// Office is the till's back office (the station's).
	Office backoffice.Office
	Now    func() time.Time // default time.Now
	// Shop is printed on refund receipts (optional).
	Shop checkout.Shop
	// ReportPrinter prints the Z report (optional).
	ReportPrinter TextPrinter
	// Training, if set, adds the training mode switch.
	Training Trainer
	// Allowed, if set, is asked before a refund, the end of day and closing
	// the day (app/cashier's Act* names); nil allows everything.
	Allowed func(action string) bool
}

// TextPrinter prints a plain text report.
type TextPrinter interface {
	PrintText(ctx context.Context, title, text string) error
}

// backOfficeButtons returns the header's "History" and "End of day" buttons,
// each opening its screen over w.
func backOfficeButtons(w fyne.Window, deps BackOffice) []fyne.CanvasObject {
	return newBackOffice(w, deps).buttons()
}

// backOffice holds the back-office screens of one window.
type backOffice struct {
	deps    BackOffice
	win     fyne.Window
	history *historyScreen
	report  *reportScreen
	// refundDialog is the last refund dialog opened.
	refundDialog *refundDialog

	historyBtn *widget.Button
	reportBtn  *widget.Button

	// lock and redraw, set by the till's screen, serialise what a finished
	// back-office call draws with the screen's own redraws (see do).
	lock   *sync.Mutex
	redraw func()

	// exchange, if set, takes lines of a sale back into the till's basket
	// for an exchange (the refund dialog's Exchange button; exchange.go).
	exchange func(saleID uint64, lines []checkout.ExchangeLine) error

	// notify, if set, is told when background work has been drawn ("refund",
	// "report", "delivered"); tests wait on it.
	notify func(event string)
}

func newBackOffice(w fyne.Window, deps BackOffice) *backOffice {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	b := &backOffice{deps: deps, win: w}
	b.historyBtn = &widget.Button{Text: lang.L("History"), Icon: theme.HistoryIcon(), OnTapped: b.onHistory}
	b.reportBtn = &widget.Button{Text: lang.L("End of day"), Icon: theme.DocumentIcon(), OnTapped: b.onEndOfDay}
	return b
}

func (b *backOffice) buttons() []fyne.CanvasObject {
	out := []fyne.CanvasObject{sized(b.historyBtn, 0, touch), sized(b.reportBtn, 0, touch)}
	if b.deps.Training != nil {
		out = append(out, sized(b.newTrainingButton(), 0, touch))
	}
	return out
}

func (b *backOffice) event(e string) {
	if b.notify != nil {
		b.notify(e)
	}
}

func (b *backOffice) onHistory() {
	if b.history == nil {
		b.history = newHistoryScreen(b)
	}
	b.history.open()
}

// may asks Allowed, and says who may when the cashier may not.
func (b *backOffice) may(action string) bool {
	if b.deps.Allowed == nil || b.deps.Allowed(action) {
		return true
	}
	dialog.ShowInformation(lang.L("A manager's task"), lang.L("Only a manager may do this. Ask a manager to log in with Switch cashier."), b.win)
	return false
}

func (b *backOffice) onEndOfDay() {
	if !b.may(cashier.ActEndOfDay) {
		return
	}
	if b.report == nil {
		b.report = newReportScreen(b)
	}
	b.report.open()
}

// big sizes a screen-sized dialog to most of the window.
func (b *backOffice) big(d dialog.Dialog) {
	s := b.win.Canvas().Size()
	d.Resize(fyne.NewSize(max(s.Width*0.95, 640), max(s.Height*0.95, 480)))
}

// historyScreen lists sales, searchable, with one sale's lines, steps and
// refunds beside the list.
type historyScreen struct {
	bo      *backOffice
	search  *widget.Entry
	list    *widget.List
	entries []backoffice.Entry
	sel     *journal.Sale
	detail  *fyne.Container
	// detailText is the detail as plain text, for tests and the log.
	detailText string
	refund     *widget.Button
	retry      *widget.Button
	message    *message
	dlg        *dialog.CustomDialog
}

func newHistoryScreen(bo *backOffice) *historyScreen {
	h := &historyScreen{bo: bo}
	h.search = &widget.Entry{PlaceHolder: lang.L("Receipt no., phone or amount"), OnChanged: h.onSearch}
	h.search.ExtendBaseWidget(h.search)
	h.list = widget.NewList(h.count, h.newRow, h.updateRow)
	h.list.OnSelected = h.onSelected
	h.detail = container.NewVBox()
	h.refund = &widget.Button{Text: lang.L("Refund…"), Icon: theme.ContentUndoIcon(), Importance: widget.HighImportance, OnTapped: h.onRefund}
	h.refund.ExtendBaseWidget(h.refund)
	h.retry = &widget.Button{Text: lang.L("Send pending refund again"), Icon: theme.ViewRefreshIcon(), OnTapped: h.onRetry}
	h.retry.ExtendBaseWidget(h.retry)
	h.message = newMessage(bo.win, lang.L("History"), 3, widget.MediumImportance)
	h.refund.Disable()
	h.retry.Hide()
	return h
}

func (h *historyScreen) content() fyne.CanvasObject {
	left := container.NewBorder(sized(h.search, 0, touch), nil, nil, nil, h.list)
	buttons := container.NewVBox(h.message, sized(h.retry, 0, touch), sized(h.refund, 0, touch))
	h.message.relayout = buttons.Refresh
	right := container.NewBorder(nil, buttons, nil, nil, container.NewVScroll(container.NewPadded(h.detail)))
	split := container.NewHSplit(left, right)
	split.Offset = 0.45
	return split
}

func (h *historyScreen) open() {
	if h.dlg == nil {
		h.dlg = dialog.NewCustom(lang.L("Sales history"), lang.L("Close"), h.content(), h.bo.win)
	}
	h.reload()
	h.bo.big(h.dlg)
	h.dlg.Show()
	h.bo.win.Canvas().Focus(h.search)
}

func (h *historyScreen) onSearch(string) { h.reload() }

// reload searches the journal again and keeps the selected sale selected.
func (h *historyScreen) reload() {
	es, err := h.bo.deps.Office.Search(backoffice.Query{Text: h.search.Text})
	if err != nil {
		h.message.Set(lang.L("Could not read the journal. Close the history and open it again; if it keeps failing, restart Kasse."), err.Error())
	}
	h.entries = es
	h.list.UnselectAll()
	h.list.Refresh()
	if h.sel != nil {
		for i, e := range es {
			if e.Sale.ID == h.sel.ID {
				h.list.Select(i)
				return
			}
		}
	}
	h.show(nil)
}

func (h *historyScreen) count() int { return len(h.entries) }

func (h *historyScreen) newRow() fyne.CanvasObject {
	l := &widget.Label{TextStyle: fyne.TextStyle{Monospace: true}, Truncation: fyne.TextTruncateEllipsis}
	l.ExtendBaseWidget(l)
	return sized(l, 0, touch)
}

func (h *historyScreen) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(h.entries) {
		return
	}
	o.(*fyne.Container).Objects[0].(*widget.Label).SetText(entryLine(h.entries[id]))
}

// entryLine is a sale's row: receipt number, time, amount, state, refunded.
func entryLine(e backoffice.Entry) string {
	when := e.Time.Format("15:04")
	if e.Time.Format("2006-01-02") != time.Now().Format("2006-01-02") {
		when = e.Time.Format("02.01 15:04")
	}
	s := fmt.Sprintf("%s  %-11s %10s  %-10s", e.Receipt, when, money.FormatAmount(e.Amount, e.Sale.Currency), saleWord(e))
	if e.Refunded > 0 {
		s += "  " + lang.L("refunded {{.Amount}}", map[string]any{"Amount": money.FormatAmount(e.Refunded, e.Sale.Currency)})
	}
	if e.Pending > 0 {
		s += "  " + lang.L("pending {{.Amount}}", map[string]any{"Amount": money.FormatAmount(e.Pending, e.Sale.Currency)})
	}
	return s
}

func (h *historyScreen) onSelected(id widget.ListItemID) {
	if id < 0 || id >= len(h.entries) {
		return
	}
	h.show(h.entries[id].Sale)
}

// show puts one sale in the detail pane; nil clears it.
func (h *historyScreen) show(s *journal.Sale) {
	h.sel = s
	if s == nil {
		h.setDetail("Choose a sale to see its lines, its payment's steps and its refunds.", []fyne.CanvasObject{wrapped(lang.L("Choose a sale to see its lines, its payments, its refunds and its steps."))})
		h.refund.Disable()
		h.retry.Hide()
		return
	}
	e := backoffice.Summarize(s)
	h.setDetail(saleText(e), saleDetail(e))
	if e.Refundable > 0 {
		h.refund.Enable()
	} else {
		h.refund.Disable()
	}
	show(h.retry, e.Pending > 0)
}

func (h *historyScreen) setDetail(text string, objs []fyne.CanvasObject) {
	h.detailText = text
	h.detail.Objects = objs
	h.detail.Refresh()
}

// wrapped is a label that wraps, so that no detail is cut at the right.
func wrapped(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// row is a name on the left and an amount on the right.
func row(left, right string, bold bool) fyne.CanvasObject {
	l := wrapped(left)
	l.TextStyle.Bold = bold
	r := widget.NewLabelWithStyle(right, fyne.TextAlignTrailing, fyne.TextStyle{Bold: bold})
	return container.NewBorder(nil, nil, nil, r, l)
}

func section(title string) fyne.CanvasObject {
	return container.NewVBox(widget.NewSeparator(), heading(title))
}

// shortState is a state in one word, for the history's list.
func shortState(st journal.State) string {
	switch st {
	case journal.StateCaptured:
		return lang.L("paid")
	case journal.StateAborted:
		return lang.L("declined")
	case journal.StateTerminated:
		return lang.L("cancelled")
	case journal.StateAuthorized, journal.StateCapturing:
		return lang.L("approved")
	case journal.StateRequested:
		return lang.L("waiting")
	}
	return string(st)
}

// stateWords says a payment's state the way a cashier does.
func stateWords(st journal.State) string {
	switch st {
	case journal.StateNew, journal.StateCreating:
		return lang.L("Being sent")
	case journal.StateRequested:
		return lang.L("Sent, waiting for the customer")
	case journal.StateAuthorized:
		return lang.L("Approved, not yet captured")
	case journal.StateCapturing:
		return lang.L("Approved, capturing")
	case journal.StateCaptured:
		return lang.L("Paid")
	case journal.StateCancelling:
		return lang.L("Being cancelled")
	case journal.StateReleasing:
		return lang.L("Approval being released")
	case journal.StateCancelled:
		return lang.L("Cancelled by the till")
	case journal.StateAborted:
		return lang.L("Declined by the customer")
	case journal.StateExpired:
		return lang.L("Expired (no answer in time)")
	case journal.StateTerminated:
		return lang.L("Cancelled")
	case journal.StateFailed:
		return lang.L("Failed")
	}
	return string(st)
}

// saleDetail lays one sale out for people: who and when, its lines and total,
// its payments, its refunds and its steps, each line wrapping.
func saleDetail(e backoffice.Entry) []fyne.CanvasObject {
	s := e.Sale
	title := lang.L("Sale {{.Time}}", map[string]any{"Time": s.Created.Format("02.01.2006 15:04")})
	if s.ReceiptNumber != "" {
		title = lang.L("Receipt {{.Receipt}}", map[string]any{"Receipt": s.ReceiptNumber})
	}
	objs := []fyne.CanvasObject{heading(title)}
	sub := s.Created.Format("02.01.2006 15:04") + " · " + lang.L("business day {{.Day}}", map[string]any{"Day": s.Day})
	if s.CustomerMasked != "" {
		sub += " · " + lang.L("customer {{.Customer}}", map[string]any{"Customer": s.CustomerMasked})
	}
	objs = append(objs, wrapped(sub))
	state := widget.NewLabelWithStyle(saleWords(e), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	switch e.State {
	case journal.StateCaptured:
		state.Importance = widget.SuccessImportance
	case journal.StateAborted, journal.StateExpired, journal.StateFailed, journal.StateCancelled, journal.StateTerminated:
		state.Importance = widget.DangerImportance
	}
	objs = append(objs, state)
	objs = append(objs, asideDetail(e)...)
	if e.Captured > 0 {
		objs = append(objs, row(lang.L("Paid"), money.FormatCurrency(e.Captured, s.Currency), false))
	}
	if e.Refunded > 0 {
		objs = append(objs, row(lang.L("Refunded"), money.FormatCurrency(e.Refunded, s.Currency), false))
	}
	if e.Pending > 0 {
		objs = append(objs, row(lang.L("Refund pending (not yet confirmed)"), money.FormatCurrency(e.Pending, s.Currency), false))
	}
	if e.Exchanged > 0 {
		objs = append(objs, row(lang.L("Returned in exchanges"), money.FormatCurrency(e.Exchanged, s.Currency), false))
	}
	if e.Captured > 0 {
		objs = append(objs, row(lang.L("Left to refund"), money.FormatCurrency(e.Refundable, s.Currency), false))
	}

	objs = append(objs, section(lang.L("Lines")))
	for _, hl := range saleLines(s.Basket, true) {
		objs = append(objs, row(hl.what, hl.amount, false))
	}
	objs = append(objs, row(lang.L("Total")+" "+s.Currency, money.FormatAmount(s.Totals.Gross, s.Currency), true))
	for _, v := range s.Totals.ByVAT {
		objs = append(objs, row(lang.L("VAT {{.Rate}} of {{.Gross}}", map[string]any{"Rate": v.Rate.Format(","), "Gross": money.FormatAmount(v.Gross, s.Currency)}), money.FormatAmount(v.VAT, s.Currency), false))
	}

	if len(s.Attempts) > 0 {
		objs = append(objs, section(lang.L("Payments")))
		for i, a := range s.Attempts {
			what := fmt.Sprintf("%d. %s", i+1, stateWords(a.State))
			if !a.Sent.IsZero() {
				what += ", " + lang.L("sent {{.Time}}", map[string]any{"Time": a.Sent.Format("15:04:05")})
			}
			objs = append(objs, row(what, money.Format(a.Totals.Gross), false))
			if a.Hold != "" {
				objs = append(objs, wrapped(a.Hold))
			}
			ref := wrapped(lang.L("Reference {{.Reference}}", map[string]any{"Reference": a.Reference}))
			ref.SizeName = theme.SizeNameCaptionText
			objs = append(objs, ref)
		}
	}

	if len(s.Refunds) > 0 {
		objs = append(objs, section(lang.L("Refunds")))
		for i, rf := range s.Refunds {
			status := lang.L("pending")
			switch {
			case rf.Done:
				status = lang.L("done")
			case rf.Error != "":
				status = lang.L("refused: {{.Reason}}", map[string]any{"Reason": rf.Error})
			}
			objs = append(objs, row(fmt.Sprintf("R%d  %s  %s, %s", i+1, rf.At.Format("02.01 15:04"), rf.Reason, status), money.FormatAmount(rf.Amount, s.Currency), false))
			if len(rf.Lines) > 0 {
				objs = append(objs, wrapped("   "+strings.Join(rf.Lines, ", ")))
			}
		}
	}

	objs = append(objs, section(lang.L("Steps")))
	for _, st := range s.Steps {
		text := st.At.Format("15:04:05") + "  " + stateWords(st.State)
		if st.Note != "" {
			text += ": " + st.Note
		}
		objs = append(objs, wrapped(text))
	}
	return objs
}

// saleText is the detail of one sale in fixed columns.
func saleText(e backoffice.Entry) string {
	s := e.Sale
	var b strings.Builder
	fmt.Fprintf(&b, "Receipt %s   %s   day %s\n", s.ReceiptNumber, s.Created.Format("2006-01-02 15:04"), s.Day)
	if s.CustomerMasked != "" {
		fmt.Fprintf(&b, "Customer %s\n", s.CustomerMasked)
	}
	fmt.Fprintf(&b, "State %s   captured %s   refunded %s   left %s\n", e.State, money.Format(e.Captured), money.Format(e.Refunded), money.Format(e.Refundable))
	if e.Pending > 0 {
		fmt.Fprintf(&b, "Refund pending: %s (not yet confirmed)\n", money.Format(e.Pending))
	}
	b.WriteString(asideText(e))
	b.WriteString("\nLINES\n")
	for _, hl := range saleLines(s.Basket, true) {
		fmt.Fprintf(&b, "%-34s %10s\n", truncate(hl.what, 34), hl.amount)
	}
	fmt.Fprintf(&b, "Total %s (VAT %s)\n", money.Format(s.Totals.Gross), money.Format(s.Totals.VAT))
	if len(s.Refunds) > 0 {
		b.WriteString("\nREFUNDS\n")
		for i, rf := range s.Refunds {
			status := "pending"
			switch {
			case rf.Done:
				status = "done"
			case rf.Error != "":
				status = "refused: " + rf.Error
			}
			fmt.Fprintf(&b, "R%d %s %10s  %s  %s", i+1, rf.At.Format("02.01 15:04"), money.Format(rf.Amount), status, rf.Reason)
			if len(rf.Lines) > 0 {
				fmt.Fprintf(&b, "  [%s]", strings.Join(rf.Lines, ", "))
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\nSTEPS\n")
	for _, st := range s.Steps {
		fmt.Fprintf(&b, "%s  %-14s %s\n", st.At.Format("15:04:05"), st.State, st.Note)
		if st.Reference != "" {
			fmt.Fprintf(&b, "          %s\n", st.Reference)
		}
	}
	return b.String()
}

func (h *historyScreen) onRefund() {
	if h.sel == nil {
		return
	}
	// Read the sale afresh: the journal is the truth, not the list's copy.
	s, err := h.bo.deps.Office.Sale(h.sel.ID)
	if err != nil {
		h.message.Set(lang.L("Could not read the sale. Choose it again; if it keeps failing, restart Kasse."), err.Error())
		return
	}
	if !h.bo.may(cashier.ActRefund) {
		return
	}
	h.bo.refundDialog = newRefundDialog(h.bo, s)
	h.bo.refundDialog.open()
}

func (h *historyScreen) onRetry() {
	if h.sel == nil {
		return
	}
	id := h.sel.ID
	h.retry.Disable()
	h.message.Set(lang.L("Sending the pending refund again…"), "")
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		done, err := h.bo.deps.Office.RetryRefunds(ctx, id)
		h.bo.do(func() {
			h.retry.Enable()
			switch {
			case err != nil:
				h.message.Set(plain(errText(err), lang.L("The refund could not be sent again. It is kept; try again later.")))
			case len(done) > 0:
				h.message.Set(lang.L("Refund confirmed: {{.Amount}}.", map[string]any{"Amount": money.FormatCurrency(done[0].Receipt.Totals.Gross, done[0].Receipt.Currency)}), "")
			}
			h.reload()
			for _, r := range done {
				h.bo.deliver(r.Receipt)
			}
			h.bo.event("refund")
		})
	}()
}

// deliver prints and publishes a confirmed refund's receipt in the background
// and says how it went in the history's message line.
func (b *backOffice) deliver(rc backoffice.RefundReceipt) {
	if !b.deps.Office.DeliversRefunds() {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := b.deps.Office.DeliverRefund(ctx, rc)
		b.do(func() {
			if err != nil && b.history != nil {
				b.history.message.Set(lang.L("Refund {{.Receipt}} is made, but its receipt did not print or could not be published. Print it again from the history later.", map[string]any{"Receipt": rc.Number}), err.Error())
			}
			b.event("delivered")
		})
	}()
}

// errText is an error as a cashier reads it.
func errText(err error) string {
	switch {
	case errors.Is(err, backoffice.ErrPending):
		return lang.L("Vipps MobilePay did not confirm the refund yet. It is kept and sent again with the same key, so it cannot be paid twice. Use \"Send pending refund again\" or restart later.")
	}
	return err.Error()
}

// do runs fn, which draws what a back-office call running off the UI's
// goroutine brought, as the UI's redraws run: one at a time. The real driver
// runs fyne.Do on the main goroutine anyway; the test driver runs it on the
// caller's, beside the till's own redraws. A redraw that arrived meanwhile
// is made after.
func (b *backOffice) do(fn func()) {
	fyne.Do(func() {
		if b.lock == nil {
			fn()
			return
		}
		b.lock.Lock()
		fn()
		b.lock.Unlock()
		if b.redraw != nil {
			b.redraw()
		}
	})
}
