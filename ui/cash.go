package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/money"
)

// cashControls are the basket's cash buttons: Cash (the dialog that takes
// cash, whole or split), Drawer (no sale, cash in and out, the count), and
// Return cash while a split's cash part is held.
type cashControls struct {
	s      *basketScreen
	cash   *widget.Button
	drawer *widget.Button
	ret    *widget.Button
	held   *widget.Label
	box    *fyne.Container
	dlg    *cashDialog
	drw    *drawerDialog
}

func newCashControls(s *basketScreen) *cashControls {
	c := &cashControls{s: s}
	c.cash = &widget.Button{Text: lang.L("Cash"), OnTapped: c.onCash}
	c.cash.ExtendBaseWidget(c.cash)
	c.drawer = &widget.Button{Text: lang.L("Drawer"), Icon: theme.StorageIcon(), OnTapped: c.onDrawer}
	c.drawer.ExtendBaseWidget(c.drawer)
	c.ret = &widget.Button{Text: lang.L("Return cash"), Icon: theme.ContentUndoIcon(), Importance: widget.WarningImportance, OnTapped: c.onReturn}
	c.ret.ExtendBaseWidget(c.ret)
	c.held = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.WarningImportance}
	c.held.ExtendBaseWidget(c.held)
	return c
}

// content is the row that says what cash is held for the sale, shown only
// while there is some; the Cash button sits in the Pay row and Drawer… in
// the basket's More… menu.
func (c *cashControls) content() fyne.CanvasObject {
	c.box = container.NewBorder(nil, nil, nil, sized(c.ret, 160, touch), c.held)
	c.box.Hide()
	return c.box
}

func (c *cashControls) refresh(v checkout.View) {
	if v.Cash.CanCash {
		c.cash.Enable()
	} else {
		c.cash.Disable()
	}
	held := v.Cash.Paid > 0 && v.Phase != checkout.PhaseDone
	show(c.ret, held && v.Cash.CanReturn)
	show(c.held, held)
	if c.box != nil {
		show(c.box, held)
	}
	if held {
		c.held.SetText(fmt.Sprintf("%s %s · %s %s", lang.L("Cash taken:"), money.FormatCurrency(v.Cash.Paid, v.Currency),
			lang.L("still due:"), money.FormatCurrency(v.Cash.Due, v.Currency)))
	}
	if c.dlg != nil {
		c.dlg.follow(v)
	}
}

func (c *cashControls) onCash() {
	c.dlg = newCashDialog(c.s.till, c.s.win)
	c.dlg.show()
}

func (c *cashControls) onDrawer() {
	c.drw = newDrawerDialog(c.s.till, c.s.win)
	c.drw.dlg.Show()
}

func (c *cashControls) onReturn() {
	if err := c.s.till.ReturnCash(""); err != nil {
		c.s.till.Notify(cashierError(err, lang.L("The cash could not be handed back. Try again.")))
	}
}

// payDue is the amount Pay asks for: what cash has not paid.
func payDue(v checkout.View) int64 {
	if v.Cash.Paid > 0 && v.Phase != checkout.PhaseDone {
		return v.Cash.Due
	}
	return v.Totals.Gross
}

// cashDialog takes cash for the sale: the amount given, with quick buttons
// for the exact amount and the notes above it, and the change, large. With
// Split on, the amount is the cash part and Vipps MobilePay asks for the rest.
type cashDialog struct {
	till    checkout.Register
	win     fyne.Window
	v       checkout.View
	dlg     *dialog.CustomDialog
	due     *canvas.Text
	dueNote *widget.Label
	given   *widget.Entry
	quick   *fyne.Container
	change  *canvas.Text
	split   *widget.Check
	part    *widget.Entry
	partBox *fyne.Container
	rest    *widget.Label
	err     *widget.Label
	take    *widget.Button
	// quickAmounts is the amounts the quick buttons show now.
	quickAmounts string
}

func newCashDialog(till checkout.Register, win fyne.Window) *cashDialog {
	d := &cashDialog{till: till, win: win, v: till.View()}
	d.due = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	d.due.TextSize = 28
	d.due.TextStyle.Bold = true
	d.dueNote = &widget.Label{SizeName: theme.SizeNameCaptionText}
	d.dueNote.ExtendBaseWidget(d.dueNote)
	d.given = &widget.Entry{PlaceHolder: lang.L("Amount given, e.g. 500"), OnChanged: func(string) { d.update() }, OnSubmitted: func(string) { d.onTake() }}
	d.given.ExtendBaseWidget(d.given)
	d.quick = container.NewGridWithColumns(3)
	d.change = canvas.NewText("", theme.Color(theme.ColorNameSuccess))
	d.change.TextSize = 40
	d.change.TextStyle.Bold = true
	d.split = &widget.Check{Text: lang.L("Split: part in cash, the rest by Vipps MobilePay"), OnChanged: func(bool) { d.update() }}
	d.split.ExtendBaseWidget(d.split)
	d.part = &widget.Entry{PlaceHolder: lang.L("Cash part, e.g. 200"), OnChanged: func(string) { d.update() }}
	d.part.ExtendBaseWidget(d.part)
	d.rest = &widget.Label{}
	d.rest.ExtendBaseWidget(d.rest)
	d.partBox = container.NewVBox(container.NewBorder(nil, nil, sized(widget.NewLabel(lang.L("Cash part")), 140, 0), nil, sized(d.part, 0, touch)), d.rest)
	d.err = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance}
	d.err.ExtendBaseWidget(d.err)
	d.take = &widget.Button{Text: lang.L("Take cash"), Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: d.onTake}
	d.take.ExtendBaseWidget(d.take)
	cancel := &widget.Button{Text: lang.L("Cancel"), OnTapped: func() { d.dlg.Hide() }}
	cancel.ExtendBaseWidget(cancel)
	form := container.NewVBox(
		d.due, d.dueNote,
		sized(d.split, 0, touch), d.partBox,
		container.NewBorder(nil, nil, sized(widget.NewLabel(lang.L("Amount given")), 140, 0), nil, sized(d.given, 300, touch)),
		d.quick,
		d.change,
		d.err,
		container.NewGridWithColumns(2, sized(cancel, 0, touch), sized(d.take, 0, touch)),
	)
	d.dlg = dialog.NewCustomWithoutButtons(lang.L("Cash"), form, win)
	d.update()
	return d
}

func (d *cashDialog) show() {
	d.dlg.Show()
	d.win.Canvas().Focus(d.given)
}

// follow takes the till's new view while the dialog is open.
func (d *cashDialog) follow(v checkout.View) {
	d.v = v
	d.update()
}

// owed is what the cash in hand must cover: the rounded amount due, or the
// split's cash part (0 while it is not typed right).
func (d *cashDialog) owed() int64 {
	if !d.split.Checked {
		return d.v.Cash.CashDue
	}
	p, err := money.Parse(d.part.Text)
	if err != nil || p <= 0 {
		return 0
	}
	return p
}

func (d *cashDialog) update() {
	c, cur := d.v.Cash, d.v.Currency
	d.due.Text = lang.L("Due") + " " + money.FormatCurrency(c.CashDue, cur)
	d.due.Refresh()
	note := ""
	if c.Rounding != 0 {
		note = fmt.Sprintf("%s %s, %s %s", lang.L("Lines"), money.FormatCurrency(c.Due, cur), lang.L("cash rounding"), money.Format(c.Rounding))
	}
	d.dueNote.SetText(note)
	show(d.dueNote, note != "")
	if c.CanSplit {
		d.split.Enable()
	} else {
		d.split.Disable()
	}
	show(d.partBox, d.split.Checked)
	owed := d.owed()
	if d.split.Checked {
		d.rest.SetText("")
		switch {
		case owed > c.SplitMax:
			d.rest.SetText(lang.L("The cash part can be at most") + " " + money.FormatCurrency(c.SplitMax, cur))
			owed = 0
		case owed > 0:
			d.rest.SetText(lang.L("Vipps MobilePay asks for") + " " + money.FormatCurrency(c.Due-owed, cur))
		}
		d.take.SetText(lang.L("Take cash, then Vipps"))
	} else {
		d.take.SetText(lang.L("Take cash"))
	}
	d.quickButtons(owed, cur)
	d.change.Text = ""
	if given, err := money.Parse(d.given.Text); err == nil && owed > 0 {
		switch {
		case given >= owed:
			d.change.Text = lang.L("Change") + " " + money.FormatCurrency(given-owed, cur)
			d.change.Color = theme.Color(theme.ColorNameSuccess)
		default:
			d.change.Text = money.FormatCurrency(owed-given, cur) + " " + lang.L("short")
			d.change.Color = theme.Color(theme.ColorNameError)
		}
	}
	d.change.Refresh()
}

// notes are the bank notes a customer hands over, in minor units.
func notes(currency string) []int64 {
	if currency == "EUR" {
		return []int64{500, 1000, 2000, 5000, 10000}
	}
	return []int64{5000, 10000, 20000, 50000, 100000}
}

// quickAmounts are the exact amount and the round sums of notes above it.
func quickAmounts(owed int64, currency string) []int64 {
	if owed <= 0 {
		return nil
	}
	out := []int64{owed}
	for _, n := range notes(currency) {
		a := (owed + n - 1) / n * n
		if a > out[len(out)-1] && len(out) < 6 {
			out = append(out, a)
		}
	}
	return out
}

func (d *cashDialog) quickButtons(owed int64, cur string) {
	amounts := quickAmounts(owed, cur)
	key := fmt.Sprint(amounts)
	if key == d.quickAmounts {
		return
	}
	d.quick.Objects = nil
	for i, a := range amounts {
		text := money.FormatCurrency(a, cur)
		if i == 0 {
			text = lang.L("Exact") + " " + text
		}
		b := &widget.Button{Text: text, OnTapped: func() { d.given.SetText(money.Format(a)) }}
		b.ExtendBaseWidget(b)
		d.quick.Add(sized(b, 0, touch))
	}
	d.quickAmounts = key
	d.quick.Refresh()
}

func (d *cashDialog) onTake() {
	d.err.SetText("")
	var given int64
	if strings.TrimSpace(d.given.Text) != "" {
		g, err := money.Parse(d.given.Text)
		if err != nil {
			d.err.SetText(lang.L("Type the amount given as kroner and øre, e.g. 500 or 199,50."))
			return
		}
		given = g
	}
	var err error
	if d.split.Checked {
		part := d.owed()
		if part <= 0 {
			d.err.SetText(lang.L("Type the cash part, e.g. 200."))
			return
		}
		err = d.till.PaySplit(part, given)
	} else {
		err = d.till.PayCash(given)
	}
	if err != nil {
		d.err.SetText(cashierError(err, lang.L("The cash could not be recorded. Nothing was taken; try again.")))
		return
	}
	d.dlg.Hide()
}

// drawerDialog is the drawer without a sale: open it (for a manager, with a
// reason), put cash in, take cash out, and count it at the end of the day.
type drawerDialog struct {
	till    checkout.Register
	dlg     *dialog.CustomDialog
	cashier *widget.Entry
	amount  *widget.Entry
	reason  *widget.Entry
	result  *widget.Label

	open, count, in, out *widget.Button
}

func newDrawerDialog(till checkout.Register, win fyne.Window) *drawerDialog {
	d := &drawerDialog{till: till}
	d.cashier = &widget.Entry{PlaceHolder: lang.L("Who (name or number)")}
	d.cashier.ExtendBaseWidget(d.cashier)
	d.amount = &widget.Entry{PlaceHolder: lang.L("Amount, e.g. 1500")}
	d.amount.ExtendBaseWidget(d.amount)
	d.reason = &widget.Entry{PlaceHolder: lang.L("Why (float, bank drop, change…)")}
	d.reason.ExtendBaseWidget(d.reason)
	d.result = &widget.Label{Wrapping: fyne.TextWrapWord}
	d.result.ExtendBaseWidget(d.result)
	btn := func(text string, icon fyne.Resource, fn func()) *widget.Button {
		b := &widget.Button{Text: text, Icon: icon, OnTapped: fn}
		b.ExtendBaseWidget(b)
		return b
	}
	d.open = btn(lang.L("Open drawer (no sale)"), theme.StorageIcon(), d.onOpen)
	d.count = btn(lang.L("Count cash"), theme.ListIcon(), d.onCount)
	d.in = btn(lang.L("Cash in"), theme.ContentAddIcon(), func() { d.move(d.till.CashIn, lang.L("Put in")) })
	d.out = btn(lang.L("Cash out"), theme.ContentRemoveIcon(), func() { d.move(d.till.CashOut, lang.L("Taken out")) })
	closeBtn := &widget.Button{Text: lang.L("Close"), OnTapped: func() { d.dlg.Hide() }}
	closeBtn.ExtendBaseWidget(closeBtn)
	form := container.NewVBox(
		widget.NewLabel(lang.L("Cashier")), sized(d.cashier, 420, touch),
		widget.NewLabel(lang.L("Amount")), sized(d.amount, 0, touch),
		widget.NewLabel(lang.L("Reason")), sized(d.reason, 0, touch),
		container.NewGridWithColumns(2, sized(d.open, 0, touch), sized(d.count, 0, touch), sized(d.in, 0, touch), sized(d.out, 0, touch)),
		d.result,
		sized(closeBtn, 0, touch),
	)
	d.dlg = dialog.NewCustomWithoutButtons(lang.L("Cash drawer"), form, win)
	return d
}

func (d *drawerDialog) say(err error, done string) {
	if err != nil {
		d.result.Importance = widget.DangerImportance
		d.result.SetText(cashierError(err, lang.L("That did not work; nothing was recorded. Try again.")))
		return
	}
	d.result.Importance = widget.SuccessImportance
	d.result.SetText(done)
	d.amount.SetText("")
}

func (d *drawerDialog) parseAmount() (int64, bool) {
	a, err := money.Parse(d.amount.Text)
	if err != nil {
		d.result.Importance = widget.DangerImportance
		d.result.SetText(lang.L("Type the amount as kroner and øre, e.g. 1500 or 99,50."))
		return 0, false
	}
	return a, true
}

func (d *drawerDialog) onOpen() {
	err := d.till.OpenDrawer(d.cashier.Text, strings.TrimSpace(d.reason.Text))
	d.say(err, lang.L("The drawer is open; the opening and its reason are recorded."))
}

func (d *drawerDialog) move(fn func(string, int64, string) error, done string) {
	a, ok := d.parseAmount()
	if !ok {
		return
	}
	d.say(fn(d.cashier.Text, a, strings.TrimSpace(d.reason.Text)), done+" "+money.Format(a)+". "+lang.L("Recorded."))
}

func (d *drawerDialog) onCount() {
	a, ok := d.parseAmount()
	if !ok {
		return
	}
	d.say(d.till.CountCash(d.cashier.Text, a), lang.L("Counted")+" "+money.Format(a)+". "+lang.L("The Z report sets it against the cash expected."))
}

// receiptCashText is the cash part of the receipt on screen.
func receiptCashText(r *checkout.Receipt) string {
	var b strings.Builder
	if r.Rounding != 0 {
		fmt.Fprintf(&b, "%-26s %10s\n", lang.L("Cash rounding"), money.Format(r.Rounding))
	}
	for _, t := range r.Tenders {
		fmt.Fprintf(&b, "%-26s %10s\n", truncate(lang.L(t.Method), 26), money.Format(t.Amount))
	}
	if r.Given != 0 {
		fmt.Fprintf(&b, "%-26s %10s\n", lang.L("Cash given"), money.Format(r.Given))
		fmt.Fprintf(&b, "%-26s %10s\n", lang.L("Change"), money.Format(r.Change))
	}
	return b.String()
}
