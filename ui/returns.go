package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/money"
)

// returnReasons are offered for a return without receipt; the manager may
// type another.
var returnReasons = []string{"No receipt, goods unused", "Gift without receipt", "Faulty item, no receipt"}

// returnDialog takes an item back without its sale: what it is, its price,
// VAT and quantity, and why; the money is paid out in cash.
type returnDialog struct {
	till    checkout.Register
	win     fyne.Window
	dlg     *dialog.CustomDialog
	desc    *widget.Entry
	price   *widget.Entry
	vat     *widget.RadioGroup
	qty     *widget.Entry
	reason  *widget.SelectEntry
	err     *widget.Label
	confirm *widget.Button
	// done, if set, is called when the till has answered (tests wait on it).
	done func()
}

func newReturnDialog(till checkout.Register, win fyne.Window) *returnDialog {
	d := &returnDialog{till: till, win: win}
	d.desc = &widget.Entry{PlaceHolder: lang.L("What is returned? (shown on the receipt)")}
	d.desc.ExtendBaseWidget(d.desc)
	d.price = &widget.Entry{PlaceHolder: lang.L("Price incl. VAT, e.g. 39,90")}
	d.price.ExtendBaseWidget(d.price)
	d.qty = &widget.Entry{Text: "1"}
	d.qty.ExtendBaseWidget(d.qty)
	d.vat = vatChoice(till.VATRates())
	var reasons []string
	for _, r := range returnReasons {
		reasons = append(reasons, lang.L(r))
	}
	d.reason = widget.NewSelectEntry(reasons)
	d.reason.PlaceHolder = lang.L("Reason (required)")
	d.err = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance}
	d.err.ExtendBaseWidget(d.err)
	d.confirm = &widget.Button{Text: lang.L("Pay out in cash"), Icon: theme.ConfirmIcon(), Importance: widget.DangerImportance, OnTapped: d.onConfirm}
	d.confirm.ExtendBaseWidget(d.confirm)
	cancel := &widget.Button{Text: lang.L("Cancel"), OnTapped: func() { d.dlg.Hide() }}
	cancel.ExtendBaseWidget(cancel)
	form := container.NewVBox(
		wrapped(lang.L("A return without the original sale is paid out in cash: without its payment, nothing can go back to the customer's Vipps MobilePay. To refund a sale, scan its receipt's QR code or find it in the history.")),
		widget.NewLabel(lang.L("Item description")), sized(d.desc, 420, touch),
		widget.NewLabel(lang.L("Price")), sized(d.price, 0, touch),
		widget.NewLabel(lang.L("VAT")), sized(d.vat, 0, touch),
		widget.NewLabel(lang.L("Quantity")), sized(d.qty, 120, touch),
		widget.NewLabel(lang.L("Reason")), sized(d.reason, 0, touch),
		d.err,
		container.NewGridWithColumns(2, sized(cancel, 0, touch), sized(d.confirm, 0, touch)),
	)
	d.dlg = dialog.NewCustomWithoutButtons(lang.L("Return without receipt"), container.NewVScroll(form), win)
	s := win.Canvas().Size()
	d.dlg.Resize(fyne.NewSize(max(min(s.Width*0.9, 640), 480), max(s.Height*0.9, 420)))
	return d
}

func (d *returnDialog) show() {
	d.dlg.Show()
	d.win.Canvas().Focus(d.desc)
}

// request reads the form, or says what to fix.
func (d *returnDialog) request() (checkout.ReturnNoReceipt, error) {
	price, err := money.Parse(d.price.Text)
	if err != nil {
		return checkout.ReturnNoReceipt{}, fmt.Errorf("%s", lang.L("Type the price as kroner and øre, e.g. 39,90."))
	}
	var qty int
	vat, err := money.ParseRate(d.vat.Selected)
	if err != nil {
		return checkout.ReturnNoReceipt{}, fmt.Errorf("%s", lang.L("Choose the VAT rate."))
	}
	if _, err := fmt.Sscanf(strings.TrimSpace(d.qty.Text), "%d", &qty); err != nil {
		return checkout.ReturnNoReceipt{}, fmt.Errorf("%s", lang.L("Type how many, e.g. 1."))
	}
	return checkout.ReturnNoReceipt{Reason: d.reason.Text,
		Items: []checkout.ReturnItem{{Open: checkout.OpenItem{Description: d.desc.Text, Price: price, VATRate: vat}, Quantity: qty}}}, nil
}

func (d *returnDialog) onConfirm() {
	req, err := d.request()
	if err != nil {
		d.err.SetText(err.Error())
		return
	}
	d.confirm.Disable()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		rc, err := d.till.ReturnWithoutReceipt(ctx, req)
		fyne.Do(func() { d.finish(rc, err) })
	}()
}

func (d *returnDialog) finish(rc *checkout.Receipt, err error) {
	d.confirm.Enable()
	if d.done != nil {
		defer d.done()
	}
	if err != nil {
		d.err.SetText(cashierError(err, lang.L("The return could not be recorded; nothing was paid out.")))
		return
	}
	d.dlg.Hide()
	msg := fmt.Sprintf("%s %s: %s %s.", lang.L("Return"), rc.Number, lang.L("pay out in cash"), totalText(rc.Totals.Gross, rc.Currency))
	if rc.PrintError != "" {
		msg += " " + lang.L("The return receipt did not print.")
	}
	d.till.Notify(msg)
}

// refundScanned opens the refund dialog on the sale whose receipt was just
// scanned at the till. Without a back office (a kiosk) the till's notice is
// all there is.
func (u *UI) refundScanned(v checkout.View) {
	rs := v.ReturnScan
	if rs.Seq == u.returnSeq {
		return
	}
	u.returnSeq = rs.Seq
	if u.bo == nil || rs.Sale == 0 {
		return
	}
	s, err := u.bo.deps.Office.Sale(rs.Sale)
	if err != nil {
		u.till.Notify(lang.L("Could not read the scanned receipt's sale. Find it in the history instead."))
		return
	}
	if d := u.bo.refundDialog; d != nil && d.dlg != nil && !d.busy {
		d.dlg.Hide() // one refund dialog at a time
	}
	u.bo.refundDialog = newRefundDialog(u.bo, s)
	u.bo.refundDialog.open()
}
