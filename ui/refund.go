package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
)

// refundReasons are offered in the reason field; the cashier may type another.
var refundReasons = []string{i18n.Key("Returned goods"), i18n.Key("Faulty item"), i18n.Key("Wrong price"), i18n.Key("Charged twice"), i18n.Key("Goodwill")}

// refundLine is one sale line's stepper in the refund dialog.
type refundLine struct {
	id    string
	left  int
	qty   int
	label *widget.Label
	minus *widget.Button
	plus  *widget.Button
}

// refundDialog chooses what to refund of one sale (lines and quantities, an
// amount, or everything left), and why, and confirms it.
type refundDialog struct {
	bo      *backOffice
	sale    *journal.Sale
	lines   []*refundLine
	all     *widget.Check
	amount  *widget.Entry
	reason  *widget.SelectEntry
	summary *widget.Label
	confirm *widget.Button
	cancel  *widget.Button
	// exch takes the chosen lines into the till's basket for an exchange
	// instead (exchange.go); nil without a till.
	exch *widget.Button
	dlg  *dialog.CustomDialog
	busy bool
}

func newRefundDialog(bo *backOffice, s *journal.Sale) *refundDialog {
	d := &refundDialog{bo: bo, sale: s}
	left := backoffice.Remaining(s)
	for _, l := range s.Basket.Lines {
		rl := &refundLine{id: l.ProductID, left: left[l.ProductID]}
		rl.label = &widget.Label{}
		rl.label.ExtendBaseWidget(rl.label)
		rl.minus = &widget.Button{Icon: theme.ContentRemoveIcon(), OnTapped: func() { d.step(rl, -1) }}
		rl.minus.ExtendBaseWidget(rl.minus)
		rl.plus = &widget.Button{Icon: theme.ContentAddIcon(), OnTapped: func() { d.step(rl, +1) }}
		rl.plus.ExtendBaseWidget(rl.plus)
		d.lines = append(d.lines, rl)
	}
	e := backoffice.Summarize(s)
	d.all = &widget.Check{Text: lang.L("Everything left: {{.Amount}}", map[string]any{"Amount": money.FormatCurrency(e.Refundable, s.Currency)}), OnChanged: d.onAll}
	d.all.ExtendBaseWidget(d.all)
	d.amount = &widget.Entry{PlaceHolder: lang.L("or an amount, e.g. 50,00"), OnChanged: d.onChanged}
	d.amount.ExtendBaseWidget(d.amount)
	reasons := make([]string, len(refundReasons))
	for i, r := range refundReasons {
		reasons[i] = lang.L(r)
	}
	d.reason = widget.NewSelectEntry(reasons)
	d.reason.PlaceHolder = lang.L("Reason (required)")
	d.reason.OnChanged = d.onChanged
	d.summary = &widget.Label{Wrapping: fyne.TextWrapWord}
	d.summary.ExtendBaseWidget(d.summary)
	d.confirm = &widget.Button{Text: lang.L("Refund"), Icon: theme.ConfirmIcon(), Importance: widget.DangerImportance, OnTapped: d.onConfirm}
	d.confirm.ExtendBaseWidget(d.confirm)
	d.cancel = &widget.Button{Text: lang.L("Cancel"), Icon: theme.CancelIcon(), OnTapped: d.onCancel}
	d.cancel.ExtendBaseWidget(d.cancel)
	if bo.exchange != nil {
		d.exch = &widget.Button{Text: lang.L("Exchange"), Icon: theme.ViewRefreshIcon(), OnTapped: d.onExchange}
		d.exch.ExtendBaseWidget(d.exch)
	}
	return d
}

func (d *refundDialog) content() fyne.CanvasObject {
	rows := container.NewVBox()
	paid := d.sale.Basket.Settled() // what each line cost, discounts taken off
	for i, rl := range d.lines {
		l := paid.Lines[i]
		name := widget.NewLabel(fmt.Sprintf("%s  %s  (%s)", l.Name, money.FormatAmount(l.Total(), d.sale.Currency), lang.L("{{.Sold}} sold, {{.Left}} left", map[string]any{"Sold": l.Quantity, "Left": rl.left})))
		name.Truncation = fyne.TextTruncateEllipsis
		if rl.left == 0 {
			rl.plus.Disable()
		}
		rl.minus.Disable()
		controls := container.NewHBox(sized(rl.minus, touch, touch), sized(rl.label, 40, touch), sized(rl.plus, touch, touch))
		rows.Add(container.NewBorder(nil, nil, nil, controls, name))
		d.drawLine(rl)
	}
	form := container.NewVBox(
		heading(lang.L("Refund receipt {{.Receipt}}", map[string]any{"Receipt": d.sale.ReceiptNumber})),
		widget.NewLabel(lang.L("Choose the lines and quantities to refund:")),
		rows,
		sized(d.all, 0, touch),
		sized(d.amount, 0, touch),
		sized(d.reason, 0, touch),
		d.summary,
	)
	buttons := container.NewGridWithColumns(2, sized(d.cancel, 0, touch), sized(d.confirm, 0, touch))
	if d.exch != nil {
		buttons = container.NewGridWithColumns(3, sized(d.cancel, 0, touch), sized(d.exch, 0, touch), sized(d.confirm, 0, touch))
	}
	return container.NewBorder(nil, buttons, nil, nil, container.NewVScroll(form))
}

func (d *refundDialog) open() {
	d.dlg = dialog.NewCustomWithoutButtons(lang.L("Refund"), d.content(), d.bo.win)
	s := d.bo.win.Canvas().Size()
	d.dlg.Resize(fyne.NewSize(max(min(s.Width*0.9, 720), 480), max(s.Height*0.9, 420)))
	d.update()
	d.dlg.Show()
}

func (d *refundDialog) drawLine(rl *refundLine) {
	rl.label.SetText(strconv.Itoa(rl.qty))
	if rl.qty > 0 {
		rl.minus.Enable()
	} else {
		rl.minus.Disable()
	}
	if rl.qty < rl.left {
		rl.plus.Enable()
	} else {
		rl.plus.Disable()
	}
}

func (d *refundDialog) step(rl *refundLine, by int) {
	rl.qty = min(max(rl.qty+by, 0), rl.left)
	d.drawLine(rl)
	if by > 0 && d.all.Checked {
		d.all.SetChecked(false) // also updates
		return
	}
	d.update()
}

func (d *refundDialog) onAll(bool)       { d.update() }
func (d *refundDialog) onChanged(string) { d.update() }
func (d *refundDialog) onCancel()        { d.dlg.Hide() }

// request reads the dialog; lines chosen and an amount typed are both passed,
// so that the plan can say to choose one.
func (d *refundDialog) request() (backoffice.RefundRequest, error) {
	req := backoffice.RefundRequest{SaleID: d.sale.ID, Full: d.all.Checked, Reason: strings.TrimSpace(d.reason.Text)}
	if req.Full {
		return req, nil
	}
	for _, rl := range d.lines {
		if rl.qty > 0 {
			req.Lines = append(req.Lines, backoffice.LineQty{ProductID: rl.id, Quantity: rl.qty})
		}
	}
	if t := strings.TrimSpace(d.amount.Text); t != "" {
		a, err := money.Parse(t)
		if err != nil {
			return req, i18n.M("“{{.Text}}” is not an amount; type it like 50,00.", "Text", t)
		}
		req.Amount = a
	}
	return req, nil
}

// update plans the refund as chosen so far and says what it would return.
func (d *refundDialog) update() {
	if d.busy {
		return
	}
	d.updateExchange()
	req, err := d.request()
	var bd backoffice.Breakdown
	if err == nil {
		bd, _, err = backoffice.Plan(d.sale, req)
	}
	if err != nil {
		if len(req.Lines) == 0 && req.Amount == 0 && !req.Full {
			d.summary.SetText(lang.L("Nothing chosen yet."))
		} else {
			d.summary.SetText(cashierError(err, lang.L("This refund cannot be made as chosen; change the amount or the lines.")))
		}
		d.confirm.SetText(lang.L("Refund"))
		d.confirm.Disable()
		return
	}
	var vat []string
	for _, v := range bd.Totals.ByVAT {
		vat = append(vat, lang.L("VAT {{.Rate}}: {{.VAT}}", map[string]any{"Rate": v.Rate.Format(","), "VAT": money.FormatAmount(v.VAT, d.sale.Currency)}))
	}
	text := lang.L("Refunds {{.Amount}} to {{.Customer}} ({{.VAT}}).", map[string]any{"Amount": money.FormatCurrency(bd.Totals.Gross, d.sale.Currency), "Customer": d.sale.CustomerMasked, "VAT": strings.Join(vat, ", ")})
	if req.Reason == "" {
		text += " " + lang.L("Give a reason.")
	}
	d.summary.SetText(text)
	d.confirm.SetText(lang.L("Refund {{.Amount}}", map[string]any{"Amount": money.FormatCurrency(bd.Totals.Gross, d.sale.Currency)}))
	if req.Reason == "" {
		d.confirm.Disable()
	} else {
		d.confirm.Enable()
	}
}

func (d *refundDialog) onConfirm() {
	req, err := d.request()
	if err != nil || d.busy {
		return
	}
	d.busy = true
	d.confirm.Disable()
	d.cancel.Disable()
	d.summary.SetText(lang.L("Refunding… (journaled first; it cannot be paid twice)"))
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		res, err := d.bo.deps.Office.Refund(ctx, req)
		d.bo.do(func() { d.finish(res, err) })
	}()
}

// finish shows how the refund went. A pending refund is kept and shown in the
// history; a refused or impossible one leaves the dialog open to change it.
func (d *refundDialog) finish(res *backoffice.RefundResult, err error) {
	d.busy = false
	d.cancel.Enable()
	h := d.bo.history
	switch {
	case err == nil:
		d.dlg.Hide()
		if h != nil {
			h.message.Set(lang.L("Refunded {{.Amount}} ({{.Receipt}}).", map[string]any{"Amount": money.FormatCurrency(res.Receipt.Totals.Gross, d.sale.Currency), "Receipt": res.Receipt.Number}), "")
		}
		d.bo.deliver(res.Receipt)
		d.showReceipt(res.Receipt)
	case res != nil && errors.Is(err, backoffice.ErrPending):
		d.dlg.Hide()
		if h != nil {
			h.message.Set(plain(errText(err), lang.L("The refund did not go through. Nothing was refunded twice; try again, or later.")))
		}
	default:
		d.summary.SetText(errText(err))
		d.update()
		d.summary.SetText(errText(err))
	}
	if h != nil {
		h.reload()
	}
	d.bo.event("refund")
}

func (d *refundDialog) showReceipt(rc backoffice.RefundReceipt) {
	l := &widget.Label{Text: rc.TextIn(d.bo.deps.Shop, current), TextStyle: fyne.TextStyle{Monospace: true}}
	l.ExtendBaseWidget(l)
	dlg := dialog.NewCustom(lang.L("Refund receipt {{.Receipt}}", map[string]any{"Receipt": rc.Number}), lang.L("Close"), container.NewVScroll(l), d.bo.win)
	s := d.bo.win.Canvas().Size()
	dlg.Resize(fyne.NewSize(min(s.Width*0.9, 520), s.Height*0.9))
	dlg.Show()
}
