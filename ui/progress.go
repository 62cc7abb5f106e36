package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
)

// progressScreen follows one payment: sent → waiting (countdown) → approved →
// captured, or its end with a plain message and a way back to the basket.
type progressScreen struct {
	till      checkout.Register
	title     *canvas.Text
	amount    *canvas.Text
	who       *widget.Label
	steps     [4]*widget.Label
	countdown *widget.ProgressBar
	left      *canvas.Text
	message   *widget.Label
	cancel    *widget.Button
	back      *widget.Button
	again     *widget.Button
	retry     *widget.Button
	view      checkout.View
}

var stepNames = [4]string{"Sent to the customer's phone", "Waiting for approval", "Approved", "Payment captured"}

func newProgressScreen(till checkout.Register) *progressScreen {
	s := &progressScreen{till: till}
	s.title = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	s.title.TextSize = 30
	s.title.TextStyle.Bold = true
	s.amount = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	s.amount.TextSize = 40
	s.amount.TextStyle.Bold = true
	s.who = widget.NewLabel("")
	for i := range s.steps {
		s.steps[i] = widget.NewLabel(stepNames[i])
	}
	s.countdown = widget.NewProgressBar()
	s.countdown.TextFormatter = func() string { return "" }
	s.left = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	s.left.TextSize = 24
	s.left.Alignment = fyne.TextAlignCenter
	s.message = widget.NewLabel("")
	s.message.Wrapping = fyne.TextWrapWord
	s.cancel = &widget.Button{Text: "Cancel payment", Icon: theme.CancelIcon(), Importance: widget.DangerImportance, OnTapped: s.onCancel}
	s.back = &widget.Button{Text: "Back to basket", Icon: theme.NavigateBackIcon(), OnTapped: s.onBack}
	s.again = &widget.Button{Text: "Send again", Icon: theme.MailSendIcon(), Importance: widget.HighImportance, OnTapped: s.onAgain}
	s.retry = &widget.Button{Text: "Retry (safe)", Icon: theme.ViewRefreshIcon(), Importance: widget.HighImportance, OnTapped: s.onRetry}
	for _, b := range []*widget.Button{s.cancel, s.back, s.again, s.retry} {
		b.ExtendBaseWidget(b)
	}
	return s
}

func (s *progressScreen) content() fyne.CanvasObject {
	steps := container.NewVBox()
	for _, l := range s.steps {
		steps.Add(l)
	}
	buttons := container.NewVBox(sized(s.cancel, 0, 72), sized(s.retry, 0, 72), sized(s.again, 0, 72), sized(s.back, 0, 72))
	top := container.NewVBox(s.title, s.amount, s.who, widget.NewSeparator(), steps, s.countdown, s.left, s.message)
	return container.NewBorder(nil, buttons, nil, nil, container.NewVScroll(top))
}

func (s *progressScreen) onCancel() { _ = s.till.Cancel() }
func (s *progressScreen) onBack()   { s.till.Back() }
func (s *progressScreen) onRetry()  { _ = s.till.Retry() }
func (s *progressScreen) onAgain() {
	if err := s.till.Pay(); err != nil {
		s.till.Notify(err.Error())
	}
}

func (s *progressScreen) refresh(v checkout.View) {
	s.view = v
	s.amount.Text = money.FormatCurrency(v.Totals.Gross, v.Currency)
	s.amount.Refresh()
	s.who.SetText("Customer " + v.Customer)
	reached := 0
	switch v.Phase {
	case checkout.PhaseSending:
		s.title.Text, reached = "Sending…", 0
	case checkout.PhaseWaiting:
		s.title.Text, reached = "Waiting for the customer", 1
	case checkout.PhaseCancelling:
		s.title.Text, reached = "Cancelling…", 1
	case checkout.PhaseCapturing:
		s.title.Text, reached = "Approved", 3
	case checkout.PhaseEnded:
		s.title.Text = endTitle(v.Outcome, v.CanRetry)
	}
	s.title.Color = theme.Color(theme.ColorNameForeground)
	if v.Phase == checkout.PhaseEnded {
		s.title.Color = theme.Color(theme.ColorNameError)
	}
	s.title.Refresh()
	for i, l := range s.steps {
		mark := "○  "
		if v.Phase != checkout.PhaseEnded && i < reached {
			mark = "✓  "
		} else if v.Phase != checkout.PhaseEnded && i == reached {
			mark = "●  "
		}
		l.SetText(mark + stepNames[i])
	}
	s.message.SetText(v.Message)
	show(s.cancel, v.Phase == checkout.PhaseWaiting || v.Phase == checkout.PhaseSending)
	show(s.retry, v.Phase == checkout.PhaseEnded && v.CanRetry)
	show(s.again, v.Phase == checkout.PhaseEnded && !v.CanRetry && v.CanPay)
	show(s.back, v.Phase == checkout.PhaseEnded)
	s.tick(time.Now())
}

// tick redraws the countdown; the window calls it every second while waiting.
func (s *progressScreen) tick(now time.Time) {
	v := s.view
	waiting := v.Phase == checkout.PhaseWaiting && !v.Deadline.IsZero()
	show(s.countdown, waiting)
	if !waiting {
		s.left.Text = ""
		s.left.Refresh()
		return
	}
	total := v.Deadline.Sub(v.Sent)
	left := v.Deadline.Sub(now)
	if left < 0 {
		left = 0
	}
	if total > 0 {
		s.countdown.SetValue(float64(left) / float64(total))
	}
	s.left.Text = fmt.Sprintf("%d:%02d left to approve", int(left.Minutes()), int(left.Seconds())%60)
	s.left.Refresh()
}

func endTitle(o journal.State, retry bool) string {
	switch {
	case retry:
		return "No answer from Vipps"
	case o == journal.StateAborted:
		return "Declined"
	case o == journal.StateExpired:
		return "Expired"
	case o == journal.StateCancelled:
		return "Cancelled"
	}
	return "Payment failed"
}

func show(o fyne.CanvasObject, visible bool) {
	if visible {
		o.Show()
	} else {
		o.Hide()
	}
}
