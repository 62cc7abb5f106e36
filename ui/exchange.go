package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/money"
)

// exchangeControls are the basket's row for an exchange: what came back,
// and Finish exchange when the net is zero or less (a positive net is paid
// with Pay or Cash as any sale).
type exchangeControls struct {
	s      *basketScreen
	text   *widget.Label
	settle *widget.Button
	box    *fyne.Container
}

func newExchangeControls(s *basketScreen) *exchangeControls {
	c := &exchangeControls{s: s}
	c.text = &widget.Label{Wrapping: fyne.TextWrapWord}
	c.text.ExtendBaseWidget(c.text)
	c.settle = &widget.Button{Text: lang.L("Finish exchange"), Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: c.onSettle}
	c.settle.ExtendBaseWidget(c.settle)
	return c
}

// content is shown only while the basket holds returned goods.
func (c *exchangeControls) content() fyne.CanvasObject {
	c.box = container.NewBorder(nil, nil, nil, sized(c.settle, 200, touch), c.text)
	c.box.Hide()
	return c.box
}

func (c *exchangeControls) refresh(v checkout.View) {
	on := v.Exchange.Returns > 0 && v.Phase != checkout.PhaseDone
	if c.box != nil {
		show(c.box, on)
	}
	if !on {
		return
	}
	net := v.Totals.Gross
	text := lang.L("Exchange: goods back {{.Returns}}.", map[string]any{"Returns": money.FormatCurrency(v.Exchange.Returns, v.Currency)}) + " "
	switch {
	case net > 0:
		text += lang.L("The customer pays the difference.")
	case net == 0:
		text += lang.L("Even: nothing to pay.")
	default:
		text += lang.L("The customer gets {{.Amount}} back.", map[string]any{"Amount": money.FormatCurrency(-net, v.Currency)})
	}
	c.text.SetText(text)
	show(c.settle, net <= 0)
	if v.Exchange.CanSettle {
		c.settle.Enable()
	} else {
		c.settle.Disable()
	}
}

func (c *exchangeControls) onSettle() {
	if err := c.s.till.SettleExchange(); err != nil {
		c.s.till.Notify(errText(err))
	}
}

// onExchange takes the lines chosen in the refund dialog into the till's
// basket as returned goods, for the customer to take others instead.
func (d *refundDialog) onExchange() {
	var lines []checkout.ExchangeLine
	for _, rl := range d.lines {
		if rl.qty > 0 {
			lines = append(lines, checkout.ExchangeLine{ProductID: rl.id, Quantity: rl.qty})
		}
	}
	if len(lines) == 0 || d.busy {
		return
	}
	if err := d.bo.exchange(d.sale.ID, lines); err != nil {
		d.summary.SetText(errText(err))
		return
	}
	d.dlg.Hide()
}

// updateExchange enables Exchange when lines (not an amount) are chosen.
func (d *refundDialog) updateExchange() {
	if d.exch == nil {
		return
	}
	n := 0
	for _, rl := range d.lines {
		n += rl.qty
	}
	if n > 0 && !d.all.Checked && d.amount.Text == "" {
		d.exch.Enable()
	} else {
		d.exch.Disable()
	}
}
