package payment

import (
	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/app/journal"
)

// Message is the one sentence the cashier sees for where a payment stands, in
// English (as journaled). It is the only place these sentences are written.
func Message(s Snapshot) string { return Msg(s).String() }

// Msg is Message as a translatable message: the till puts it into the
// cashier's language. A refusal is said again from its error code, so that it
// translates with the code in it.
func Msg(s Snapshot) i18n.Msg {
	if s.Hold != "" {
		return i18n.M(s.Hold)
	}
	if s.State == journal.StateFailed && s.Refusal != "" && s.RefusalCode != "" {
		return RefusalMsg(s.RefusalCode)
	}
	return i18n.M(message(s))
}

func message(s Snapshot) string {
	switch s.State {
	case journal.StateNew, journal.StateCreating:
		if s.Unknown {
			return "Vipps MobilePay did not answer. The sale is kept. Tap Retry to send the same request again; it cannot charge twice. (If the customer approves meanwhile, the sale completes by itself.)"
		}
		return "Sending the payment request…"
	case journal.StateRequested:
		return "Waiting for the customer to approve in the app…"
	case journal.StateAuthorized, journal.StateCapturing:
		return "Approved. Capturing the payment…"
	case journal.StateCaptured:
		return "Paid. Thank you!"
	case journal.StateCancelling:
		return "Cancelling…"
	case journal.StateReleasing:
		return "Releasing the reservation…"
	case journal.StateCancelled:
		if s.Released {
			return "Cancelled. The customer had just approved; the reservation was released and nothing was charged."
		}
		return "The payment was cancelled. Nothing was charged. The basket is kept."
	case journal.StateAborted:
		return "The customer declined the payment in the app. The basket is kept."
	case journal.StateExpired:
		return "The customer did not answer in time; the request expired. Send it again or use another customer."
	case journal.StateTerminated:
		return "The payment was cancelled. Nothing was charged. The basket is kept."
	case journal.StateFailed:
		if s.Refusal != "" {
			return s.Refusal
		}
		return "The payment did not go through. Nothing was charged. The basket is kept."
	}
	return ""
}
