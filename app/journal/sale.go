package journal

import (
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// State is where one payment attempt stands, as the till knows it.
type State string

// Payment states. Creating, Capturing and Cancelling are intents journaled before
// the API call; recovery finishes them.
const (
	StateNew        State = "new"
	StateCreating   State = "creating"   // createPayment about to be sent
	StateRequested  State = "requested"  // created; waiting for the customer
	StateAuthorized State = "authorized" // approved; not yet captured
	StateCapturing  State = "capturing"  // capture about to be sent
	StateCaptured   State = "captured"
	StateCancelling State = "cancelling" // cancelTransactionOnly about to be sent (withdraw)
	StateReleasing  State = "releasing"  // an approval is being released (cancel in full)
	StateCancelled  State = "cancelled"  // the till cancelled it
	StateAborted    State = "aborted"    // the customer declined
	StateExpired    State = "expired"    // the customer did not answer in time
	StateTerminated State = "terminated" // cancelled before authorization
	StateFailed     State = "failed"     // refused by the API, or never sent
)

// Final reports whether nothing more will happen to an attempt in this state.
func (s State) Final() bool {
	switch s {
	case StateCaptured, StateCancelled, StateAborted, StateExpired, StateTerminated, StateFailed:
		return true
	}
	return false
}

// Steps of a refund in a sale's history.
const (
	StepRefunding     State = "refunding"      // journaled; refund about to be sent
	StepRefunded      State = "refunded"       // the API confirmed it
	StepRefundRefused State = "refund refused" // the API refused it; no money moved
)

// Step is one line of a sale's history: what changed, when, and why.
type Step struct {
	At        time.Time `json:"at"`
	Reference string    `json:"reference,omitempty"`
	State     State     `json:"state"`
	Note      string    `json:"note,omitempty"`
}

// Attempt is one payment request for a sale. A declined or expired sale may be
// paid again: a new attempt, a new reference, the same basket.
type Attempt struct {
	Reference    string                        `json:"reference"`
	Request      epayment.CreatePaymentRequest `json:"request"`
	CreateKey    string                        `json:"createKey"`
	CaptureKey   string                        `json:"captureKey"`
	CancelKey    string                        `json:"cancelKey"`
	State        State                         `json:"state"`
	Sent         time.Time                     `json:"sent,omitempty"`
	ExpiresAt    time.Time                     `json:"expiresAt,omitempty"`
	PSPReference string                        `json:"pspReference,omitempty"`
	Captured     int64                         `json:"captured,omitempty"`
	Refunded     int64                         `json:"refunded,omitempty"`
	// Abandon is set when the cashier gave the attempt up: an authorization
	// found later is released instead of captured.
	Abandon bool `json:"abandon,omitempty"`
	// Hold says why an approved payment is not captured yet, in plain words.
	Hold string `json:"hold,omitempty"`
	// QR is the URL a merchant-presented QR code carries (userFlow QR).
	QR string `json:"qr,omitempty"`
	// Basket and Totals are what the customer was asked to approve.
	Basket basket.Basket `json:"basket"`
	Totals basket.Totals `json:"totals"`
}

// Refund is money returned on a captured sale.
type Refund struct {
	Key       string    `json:"key"`
	Reference string    `json:"reference,omitempty"`
	Amount    int64     `json:"amount"`
	Reason    string    `json:"reason"`
	Lines     []string  `json:"lines,omitempty"`
	At        time.Time `json:"at"`
	Done      bool      `json:"done"`
	Error     string    `json:"error,omitempty"`
	// Cash is the cash handed back for a refund in cash (Amount rounded as
	// cash is); 0 for a refund through Vipps MobilePay.
	Cash int64 `json:"cash,omitempty"`
	// Exchange: the money of an exchange's difference (see RefundData).
	Exchange bool `json:"exchange,omitempty"`
}

// Sale is one customer's purchase and everything that happened to its payment.
type Sale struct {
	ID             uint64        `json:"id"`
	ReceiptNumber  string        `json:"receiptNumber"`
	Day            string        `json:"day"`
	Created        time.Time     `json:"created"`
	POSID          string        `json:"posId"`
	Currency       string        `json:"currency"`
	Basket         basket.Basket `json:"basket"`
	Totals         basket.Totals `json:"totals"`
	Customer       string        `json:"customer"` // MSISDN
	CustomerMasked string        `json:"customerMasked"`
	Attempts       []*Attempt    `json:"attempts"`
	Steps          []Step        `json:"steps"`
	Refunds        []Refund      `json:"refunds,omitempty"`
	ReceiptURL     string        `json:"receiptUrl,omitempty"`
	Printed        bool          `json:"printed,omitempty"`
	Copies         int           `json:"copies,omitempty"`
	Cashier        string        `json:"cashier,omitempty"`
	// Training: the sale was made in training mode (see Opened).
	Training bool `json:"training,omitempty"`
	// Corrections counts line changes and removals and cleared baskets.
	Corrections int         `json:"corrections,omitempty"`
	Events      []EventSeen `json:"events,omitempty"`
	// Signatures are the sale's signed transactions, in journal order.
	Signatures []SignedData `json:"signatures,omitempty"`
	// Parked: the basket is put aside (KindParked) until it is recalled
	// (Recalled) or dropped (Dropped: given up while parked).
	Parked   bool `json:"parked,omitempty"`
	Recalled bool `json:"recalled,omitempty"`
	Dropped  bool `json:"dropped,omitempty"`
	// Return is set on a return without the original sale (KindReturned).
	Return *ReturnData `json:"return,omitempty"`
	// Tenders are the cash taken for the sale and handed back (cash.go).
	Tenders []Tender `json:"tenders,omitempty"`
	// Exchanges are its lines brought back in other sales (exchange.go).
	Exchanges []ExchangeData `json:"exchanges,omitempty"`
	// Settled ends an exchange that came to zero or less (exchange.go).
	Settled *SettleData `json:"settled,omitempty"`
	// LastSeq is the sequence number of the sale's newest record.
	LastSeq uint64 `json:"lastSeq"`
}

// EventSeen is a payment event the till received for one of the sale's
// payments, in the order it came.
type EventSeen struct {
	At        time.Time `json:"at"`
	Reference string    `json:"reference"`
	EventData
}

// Current is the latest payment attempt, or nil before the first.
func (s *Sale) Current() *Attempt {
	if len(s.Attempts) == 0 {
		return nil
	}
	return s.Attempts[len(s.Attempts)-1]
}

// Attempt finds the attempt with a reference.
func (s *Sale) Attempt(ref string) *Attempt {
	for _, a := range s.Attempts {
		if a.Reference == ref {
			return a
		}
	}
	return nil
}

// Open lists the attempts not yet in a final state: the work recovery must
// finish. Usually the latest; an attempt the cashier superseded may linger.
func (s *Sale) Open() []*Attempt {
	var out []*Attempt
	for _, a := range s.Attempts {
		if !a.State.Final() {
			out = append(out, a)
		}
	}
	return out
}

// State is the sale's state: that of its latest attempt. A sale paid in full
// in cash (PaidInCash) is StateCaptured: its money is taken.
func (s *Sale) State() State {
	if s.PaidInCash() || s.Settled != nil {
		return StateCaptured
	}
	if a := s.Current(); a != nil {
		return a.State
	}
	return StateNew
}

// RefundedTotal is the money returned so far.
func (s *Sale) RefundedTotal() int64 {
	var n int64
	for _, r := range s.Refunds {
		if r.Done {
			n += r.Amount
		}
	}
	return n
}
