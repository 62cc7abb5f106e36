package ui

import (
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Trainer switches the till's training mode; *checkout.Till is one.
type Trainer interface {
	Training() bool
	SetTraining(on bool) error
}

// newTrainingButton is the header's training switch: it asks first, since
// every sale after it is (or is no longer) a training sale.
func (b *backOffice) newTrainingButton() *widget.Button {
	btn := &widget.Button{Icon: theme.AccountIcon()}
	btn.ExtendBaseWidget(btn)
	label := func() {
		if b.deps.Training.Training() {
			btn.SetText(lang.L("Training: on"))
			btn.Importance = widget.WarningImportance
		} else {
			btn.SetText(lang.L("Training: off"))
			btn.Importance = widget.MediumImportance
		}
		btn.Refresh()
	}
	btn.OnTapped = func() {
		on := !b.deps.Training.Training()
		q := lang.L("Switch training mode on? Sales after this are training sales: marked TRENINGSKVITTERING, paid on the simulator, never with real money, and not in the sales totals.")
		if !on {
			q = lang.L("Switch training mode off? Sales after this are real sales again.")
		}
		dialog.ShowConfirm(lang.L("Training mode"), q, func(ok bool) {
			if !ok {
				return
			}
			if err := b.deps.Training.SetTraining(on); err != nil {
				dialog.ShowInformation(lang.L("Training mode"), err.Error(), b.win)
			}
			label()
			b.event("training")
		}, b.win)
	}
	label()
	return btn
}
