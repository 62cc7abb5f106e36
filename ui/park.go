package ui

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/money"
)

// parkBar is the row under the basket with Park, the parked baskets
// ("Parked (n)") to recall or drop, and a return without receipt.
type parkBar struct {
	till   checkout.Register
	win    fyne.Window
	park   *widget.Button
	parked *widget.Button
	ret    *widget.Button
	// list is the open list of parked baskets, nil when closed.
	list *parkList
	// returns is the last return dialog opened.
	returns *returnDialog
	shown   []checkout.Parked
}

func newParkBar(till checkout.Register, win fyne.Window) *parkBar {
	p := &parkBar{till: till, win: win}
	p.park = &widget.Button{Text: lang.L("Park"), OnTapped: p.onPark}
	p.park.ExtendBaseWidget(p.park)
	p.parked = &widget.Button{Text: lang.L("Parked"), OnTapped: p.onList}
	p.parked.ExtendBaseWidget(p.parked)
	p.ret = &widget.Button{Text: lang.L("Return…"), Icon: theme.ContentUndoIcon(), OnTapped: p.onReturn}
	p.ret.ExtendBaseWidget(p.ret)
	return p
}

// buttons are Park and Parked (n), for the basket's tool row; Return…
// (p.ret) goes in the basket's More… menu.
func (p *parkBar) buttons() []fyne.CanvasObject {
	return []fyne.CanvasObject{sized(p.park, 0, touch), sized(p.parked, 0, touch)}
}

func (p *parkBar) refresh(v checkout.View) {
	if v.CanPark {
		p.park.Enable()
	} else {
		p.park.Disable()
	}
	p.parked.SetText(fmt.Sprintf("%s (%d)", lang.L("Parked"), len(v.Parked)))
	if len(v.Parked) == 0 {
		p.parked.Disable()
	} else {
		p.parked.Enable()
	}
	p.shown = v.Parked
	if p.list != nil {
		p.list.refresh(v.Parked)
	}
}

func (p *parkBar) onPark() {
	if err := p.till.Park(); err != nil {
		p.till.Notify(cashierError(err, lang.L("The basket could not be parked.")))
	}
}

func (p *parkBar) onList() {
	p.list = newParkList(p)
	p.list.refresh(p.shown)
	p.list.dlg.Show()
}

func (p *parkBar) onReturn() {
	p.returns = newReturnDialog(p.till, p.win)
	p.returns.show()
}

// parkList lists the parked baskets, each with Recall and Drop.
type parkList struct {
	bar  *parkBar
	rows *fyne.Container
	dlg  *dialog.CustomDialog
	// recall and drop are each row's buttons, by sale, for tests.
	recall map[uint64]*widget.Button
	drop   map[uint64]*widget.Button
	// confirm is the question open over the list, if any.
	confirm *confirmBox
	key     string
}

func newParkList(bar *parkBar) *parkList {
	l := &parkList{bar: bar, rows: container.NewVBox()}
	closeBtn := &widget.Button{Text: lang.L("Close"), Icon: theme.CancelIcon(), OnTapped: func() { l.dlg.Hide() }}
	closeBtn.ExtendBaseWidget(closeBtn)
	body := container.NewBorder(nil, sized(closeBtn, 0, touch), nil, nil, container.NewVScroll(l.rows))
	l.dlg = dialog.NewCustomWithoutButtons(lang.L("Parked baskets"), body, bar.win)
	l.dlg.SetOnClosed(func() {
		if bar.list == l {
			bar.list = nil
		}
	})
	s := bar.win.Canvas().Size()
	l.dlg.Resize(fyne.NewSize(max(min(s.Width*0.9, 720), 480), max(s.Height*0.8, 400)))
	return l
}

func (l *parkList) refresh(ps []checkout.Parked) {
	key := fmt.Sprint(ps)
	if key == l.key {
		return
	}
	l.key = key
	l.rows.Objects = nil
	l.recall, l.drop = map[uint64]*widget.Button{}, map[uint64]*widget.Button{}
	if len(ps) == 0 {
		l.rows.Add(wrapped(lang.L("No basket is parked.")))
	}
	for _, p := range ps {
		id := p.Sale
		text := p.At.Format("15:04") + "  " + p.Summary
		if p.Customer != "" {
			text += " · " + p.Customer
		}
		recall := &widget.Button{Text: lang.L("Recall"), Icon: theme.MediaPlayIcon(), Importance: widget.HighImportance, OnTapped: func() { l.onRecall(id) }}
		recall.ExtendBaseWidget(recall)
		drop := &widget.Button{Text: lang.L("Drop"), Icon: theme.DeleteIcon(), OnTapped: func() { l.onDrop(id, p.Summary) }}
		drop.ExtendBaseWidget(drop)
		l.recall[id], l.drop[id] = recall, drop
		buttons := container.NewHBox(sized(drop, 110, touch), sized(recall, 130, touch))
		l.rows.Add(container.NewBorder(nil, nil, nil, buttons, wrapped(text)))
	}
	l.rows.Refresh()
}

// onRecall brings the basket back; a basket on screen is offered to be
// parked first, so that nothing is lost.
func (l *parkList) onRecall(id uint64) {
	err := l.bar.till.Recall(id)
	switch {
	case err == nil:
		l.dlg.Hide()
	case errors.Is(err, checkout.ErrBasketNotEmpty):
		l.confirm = newConfirmBox(l.bar.win, lang.L("Recall a parked basket"),
			lang.L("The basket on screen is not empty. Park it, and recall this one?"), lang.L("Park and recall"),
			func() {
				if err := l.bar.till.Park(); err != nil {
					l.bar.till.Notify(cashierError(err, lang.L("The basket could not be parked.")))
					return
				}
				if err := l.bar.till.Recall(id); err != nil {
					l.bar.till.Notify(cashierError(err, lang.L("The basket could not be recalled.")))
					return
				}
				l.dlg.Hide()
			})
	default:
		l.bar.till.Notify(cashierError(err, lang.L("The basket could not be recalled.")))
	}
}

func (l *parkList) onDrop(id uint64, what string) {
	l.confirm = newConfirmBox(l.bar.win, lang.L("Drop a parked basket"),
		lang.L("Drop this parked basket? It stays in the history as dropped.")+"\n"+what, lang.L("Drop"),
		func() {
			if err := l.bar.till.Drop(id, "the customer did not come back"); err != nil {
				l.bar.till.Notify(cashierError(err, lang.L("The basket could not be dropped.")))
			}
		})
}

// confirmBox asks one question with touch-sized buttons.
type confirmBox struct {
	yes, no *widget.Button
	dlg     *dialog.CustomDialog
}

func newConfirmBox(win fyne.Window, title, question, yes string, onYes func()) *confirmBox {
	c := &confirmBox{}
	c.yes = &widget.Button{Text: yes, Importance: widget.HighImportance, OnTapped: func() { c.dlg.Hide(); onYes() }}
	c.yes.ExtendBaseWidget(c.yes)
	c.no = &widget.Button{Text: lang.L("Cancel"), OnTapped: func() { c.dlg.Hide() }}
	c.no.ExtendBaseWidget(c.no)
	body := container.NewVBox(wrapped(question), container.NewGridWithColumns(2, sized(c.no, 0, touch), sized(c.yes, 0, touch)))
	c.dlg = dialog.NewCustomWithoutButtons(title, body, win)
	c.dlg.Resize(fyne.NewSize(min(win.Canvas().Size().Width*0.9, 520), 0))
	c.dlg.Show()
	return c
}

// totalText is an amount for the cashier, with its currency.
func totalText(a int64, cur string) string { return money.FormatCurrency(a, cur) }

// saleWord is a sale's state in one word for the history's list: parked,
// dropped and returns first, then its payment's state.
func saleWord(e backoffice.Entry) string {
	switch s := e.Sale; {
	case s.Parked:
		return lang.L("parked")
	case s.Dropped:
		return lang.L("dropped")
	case s.Return != nil:
		return lang.L("return")
	}
	return shortState(e.State)
}

// saleWords is saleWord as a cashier says it, for the history's detail.
func saleWords(e backoffice.Entry) string {
	switch s := e.Sale; {
	case s.Parked:
		return lang.L("Parked: waiting to be recalled at the till")
	case s.Dropped:
		return lang.L("Parked, then dropped")
	case s.Return != nil:
		return lang.L("Return without receipt, paid out in cash")
	}
	return stateWords(e.State)
}

// asideDetail is what the history's detail adds for a return without
// receipt: its lines, the money paid out and why.
func asideDetail(e backoffice.Entry) []fyne.CanvasObject {
	rt := e.Sale.Return
	if rt == nil {
		return nil
	}
	objs := []fyne.CanvasObject{section(lang.L("Returned"))}
	for _, l := range rt.Lines {
		objs = append(objs, row(fmt.Sprintf("%d × %s  (%s %s)", l.Quantity, l.Name, lang.L("VAT"), l.VATRate.Format(",")), money.Format(l.Total()), false))
	}
	objs = append(objs, row(lang.L("Paid out in cash"), money.FormatCurrency(rt.Amount, e.Sale.Currency), true))
	objs = append(objs, wrapped(lang.L("Reason")+": "+rt.Reason))
	return objs
}

// asideText is asideDetail, and a parked or dropped basket, as plain text.
func asideText(e backoffice.Entry) string {
	s := e.Sale
	var b strings.Builder
	switch {
	case s.Parked:
		b.WriteString("PARKED\n")
	case s.Dropped:
		b.WriteString("DROPPED (was parked)\n")
	}
	if rt := s.Return; rt != nil {
		b.WriteString("\nRETURN WITHOUT RECEIPT\n")
		for _, l := range rt.Lines {
			fmt.Fprintf(&b, "%3d x %-24s %10s %5s%%\n", l.Quantity, truncate(l.Name, 24), money.Format(l.Total()), l.VATRate)
		}
		fmt.Fprintf(&b, "Paid out %s in %s. Reason: %s\n", money.Format(rt.Amount), rt.Tender, rt.Reason)
	}
	return b.String()
}

// drawPushOff turns Show QR into "Send to phone" while the till pays by QR
// because Vipps refused push requests (5080): the shop may have been
// approved since. It reports whether it drew the button.
func (s *basketScreen) drawPushOff(v checkout.View) bool {
	if !v.PushOff {
		if s.showQR.Text != lang.L("Show QR") {
			s.showQR.SetText(lang.L("Show QR"))
		}
		return false
	}
	if s.showQR.Text != lang.L("Send to phone") {
		s.showQR.SetText(lang.L("Send to phone"))
	}
	if v.CanShowQR && v.Customer != "" {
		s.showQR.Enable()
	} else {
		s.showQR.Disable()
	}
	return true
}

// onSendToPhone tries a push request again on a till that pays by QR: if
// Vipps still refuses it (5080), the QR code shows at once as before.
func (s *basketScreen) onSendToPhone() {
	if err := s.till.TryPushAgain(); err != nil {
		s.till.Notify(cashierError(err, lang.L("Could not change how Kasse asks for payment.")))
		return
	}
	s.onPay()
}
