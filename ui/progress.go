package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/skip2/go-qrcode"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/i18n"
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
	// qr is the merchant-presented QR code the customer scans.
	qr     *canvas.Image
	qrFor  string
	qrHint *canvas.Text
	view   checkout.View
}

// stepNames are the steps in English; lang.L puts them in words when shown.
var stepNames = [4]string{i18n.Key("Sent to the customer's phone"), i18n.Key("Waiting for approval"), i18n.Key("Approved"), i18n.Key("Payment captured")}

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
	s.cancel = &widget.Button{Text: lang.L("Cancel payment"), Icon: theme.CancelIcon(), Importance: widget.DangerImportance, OnTapped: s.onCancel}
	s.back = &widget.Button{Text: lang.L("Back to basket"), Icon: theme.NavigateBackIcon(), OnTapped: s.onBack}
	s.again = &widget.Button{Text: lang.L("Send again"), Icon: theme.MailSendIcon(), Importance: widget.HighImportance, OnTapped: s.onAgain}
	s.retry = &widget.Button{Text: lang.L("Retry (safe)"), Icon: theme.ViewRefreshIcon(), Importance: widget.HighImportance, OnTapped: s.onRetry}
	for _, b := range []*widget.Button{s.cancel, s.back, s.again, s.retry} {
		b.ExtendBaseWidget(b)
	}
	s.qr = &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScalePixels}
	s.qr.SetMinSize(fyne.NewSize(300, 300))
	s.qr.Hide()
	s.qrHint = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	s.qrHint.TextSize = 20
	s.qrHint.Alignment = fyne.TextAlignCenter
	s.qrHint.Hide()
	return s
}

func (s *progressScreen) content() fyne.CanvasObject {
	steps := container.NewVBox()
	for _, l := range s.steps {
		steps.Add(l)
	}
	buttons := container.NewVBox(sized(s.cancel, 0, 72), sized(s.retry, 0, 72), sized(s.again, 0, 72), sized(s.back, 0, 72))
	top := container.NewVBox(s.title, s.amount, s.who, s.qr, s.qrHint, widget.NewSeparator(), steps, s.countdown, s.left, s.message)
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
	s.qrHint.Text = lang.L("Scan with the {{.Brand}} app", map[string]any{"Brand": brand(v)})
	s.who.SetText(lang.L("Customer {{.Customer}}", map[string]any{"Customer": v.Customer}))
	show(s.who, v.Customer != "")
	s.showQR(v.QR)
	switch v.Phase {
	case checkout.PhaseSending:
		s.title.Text = lang.L("Sending…")
	case checkout.PhaseWaiting:
		s.title.Text = lang.L("Waiting for the customer")
		if v.QR != "" {
			s.title.Text = lang.L("Scan to pay")
		}
	case checkout.PhaseCancelling:
		s.title.Text = lang.L("Cancelling…")
	case checkout.PhaseCapturing:
		s.title.Text = lang.L("Approved")
	case checkout.PhaseEnded:
		s.title.Text = endTitle(v.Outcome, v.CanRetry)
	}
	s.title.Color = theme.Color(theme.ColorNameForeground)
	if v.Phase == checkout.PhaseEnded {
		s.title.Color = theme.Color(theme.ColorNameError)
	}
	s.title.Refresh()
	for i, st := range stepMarks(v) {
		s.steps[i].SetText(st.text)
		s.steps[i].Importance = st.imp
		s.steps[i].Refresh()
	}
	s.message.SetText(plainPayment(v.Message))
	show(s.cancel, v.Phase == checkout.PhaseWaiting || v.Phase == checkout.PhaseSending)
	show(s.retry, v.Phase == checkout.PhaseEnded && v.CanRetry)
	show(s.again, v.Phase == checkout.PhaseEnded && !v.CanRetry && v.CanPay)
	show(s.back, v.Phase == checkout.PhaseEnded)
	s.tick(time.Now())
}

// showQR draws the merchant-presented code large while the customer may scan
// it, and takes it away when the payment moves on.
func (s *progressScreen) showQR(url string) {
	if url != s.qrFor {
		s.qrFor = url
		s.qr.Resource = nil
		if url != "" {
			if png, err := qrcode.Encode(url, qrcode.Medium, 600); err == nil {
				s.qr.Resource = fyne.NewStaticResource("pay-qr.png", png)
			}
		}
		s.qr.Refresh()
	}
	show(s.qr, s.qr.Resource != nil)
	show(s.qrHint, s.qr.Resource != nil)
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
	s.left.Text = lang.L("{{.Time}} left to approve", map[string]any{"Time": fmt.Sprintf("%d:%02d", int(left.Minutes()), int(left.Seconds())%60)})
	s.left.Refresh()
}

func endTitle(o journal.State, retry bool) string {
	switch {
	case retry:
		return lang.L("No answer from Vipps MobilePay")
	case o == journal.StateAborted:
		return lang.L("Declined")
	case o == journal.StateExpired:
		return lang.L("Expired")
	case o == journal.StateCancelled:
		return lang.L("Cancelled")
	}
	return lang.L("Payment failed")
}

func show(o fyne.CanvasObject, visible bool) {
	if visible {
		o.Show()
	} else {
		o.Hide()
	}
}

type step struct {
	text string
	imp  widget.Importance
}

// stepMarks are the four steps of the payment on screen, each with what
// happened to it: done (✓), now (●), failed (✗), unknown (?) or not reached
// (○). A payment that ended keeps the steps it passed.
func stepMarks(v checkout.View) [4]step {
	var out [4]step
	var names [4]string
	for i, n := range stepNames {
		names[i] = lang.L(n)
	}
	if v.QR != "" {
		names[0] = lang.L("QR code shown") // a merchant-presented request reaches no phone
	}
	for i, n := range names {
		out[i] = step{"○  " + n, widget.MediumImportance}
	}
	done := func(i int) { out[i] = step{"✓  " + names[i], widget.SuccessImportance} }
	now := func(i int, text string) { out[i] = step{"●  " + text, widget.HighImportance} }
	failed := func(i int, text string) { out[i] = step{"✗  " + text, widget.DangerImportance} }
	switch v.Phase {
	case checkout.PhaseSending:
		now(0, lang.L("Sending to the customer's phone…"))
	case checkout.PhaseWaiting:
		done(0)
		now(1, names[1])
	case checkout.PhaseCancelling:
		done(0)
		now(1, lang.L("Cancelling…"))
	case checkout.PhaseCapturing:
		done(0)
		done(1)
		done(2)
		now(3, lang.L("Capturing the payment…"))
	case checkout.PhaseDone:
		for i := range out {
			done(i)
		}
	case checkout.PhaseEnded:
		switch {
		case v.CanRetry:
			out[0] = step{"?  " + lang.L("Sent, but Vipps MobilePay did not answer"), widget.WarningImportance}
		case v.Outcome == journal.StateAborted:
			done(0)
			failed(1, lang.L("Declined by the customer"))
		case v.Outcome == journal.StateExpired:
			done(0)
			failed(1, lang.L("Expired: no answer in time"))
		case v.Outcome == journal.StateCancelled, v.Outcome == journal.StateTerminated:
			done(0)
			failed(1, lang.L("Cancelled"))
		default:
			if v.Sent.IsZero() {
				failed(0, lang.L("Not sent: refused by Vipps MobilePay"))
			} else {
				done(0)
				failed(1, lang.L("Payment failed"))
			}
		}
	}
	return out
}

// plainPayment is the payment's message as a cashier reads it: a program's
// error in it is left to the log and the history.
func plainPayment(msg string) string {
	text, _ := plain(msg, lang.L("Something went wrong with the payment. Nothing more is charged; the details are in the history."))
	return text
}
