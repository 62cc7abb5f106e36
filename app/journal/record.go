package journal

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// Kind names what a record says happened. The set is closed: a record of an
// unknown kind is damage, never skipped silently.
type Kind string

// Record kinds. Each is one change, written once and never rewritten; the state
// of a sale is the fold (Apply) of its records in sequence order. The names are
// chosen to map onto the Norwegian electronic-journal events (see docs).
const (
	KindJournalCreated Kind = "journal.created"     // the first record of every file
	KindMigrated       Kind = "journal.migrated"    // a schema-1 file was converted; Note says from what
	KindSaleOpened     Kind = "sale.opened"         // Opened
	KindLineAdded      Kind = "line.added"          // Line (Quantity is the line's new quantity)
	KindLineChanged    Kind = "line.changed"        // Line (Before is the old quantity)
	KindLineRemoved    Kind = "line.removed"        // Line (Before is the old quantity)
	KindBasketCleared  Kind = "basket.cleared"      // no payload; Note says how many lines
	KindCustomer       Kind = "customer.identified" // Customer (empty: the customer was removed)
	KindSaleNumbered   Kind = "sale.numbered"       // Numbered: the journal assigns the receipt number
	KindIntent         Kind = "payment.intent"      // Intent: journaled before the API call it names
	KindAnswer         Kind = "payment.answer"      // Answer: what the API said to an Intent
	KindState          Kind = "payment.state"       // State: the engine moved an attempt
	KindEvent          Kind = "payment.event"       // Event: a webhook (or event-log entry) as received
	KindReceipt        Kind = "receipt.published"   // Print: the receipt's URL for phones
	KindPrinted        Kind = "receipt.printed"     // Print
	KindCopy           Kind = "receipt.copy"        // Print: a copy, marked as such
	KindDayClosed      Kind = "day.closed"          // Day
	// KindSigned is the Norwegian cash-register signature of one completed
	// transaction of the sale (its capture, or a refund), chained to the
	// signature before it in this journal (see app/fiscal).
	KindSigned Kind = "transaction.signed" // Signed
	// Discounts and price overrides; Record.Cashier says who, the payload why.
	KindLineDiscounted   Kind = "line.discounted"   // Line: the line after (Off nil: the discount was taken away)
	KindLineRepriced     Kind = "line.repriced"     // Line: the line after; its Override has the old price and the reason
	KindBasketDiscounted Kind = "basket.discounted" // Discount (no percentage and no amount: the discount was taken away)

	// Till-level events (Sale 0): what the cash point did that is not part of
	// a sale. The electronic journal must hold them (kassasystemforskrifta
	// § 2-7); app/events maps each to its SAF-T event code.
	KindTillStarted Kind = "till.started"     // Station: the till program started (Text: version)
	KindTillStopped Kind = "till.stopped"     // no payload: a clean exit
	KindTillUpdated Kind = "till.updated"     // Station: the first start of a new version (Text: from → to)
	KindReport      Kind = "report.made"      // Report: an X or Z report, kept whole
	KindTrainingOn  Kind = "training.on"      // no payload: training mode switched on
	KindTrainingOff Kind = "training.off"     // no payload: training mode switched off
	KindSettings    Kind = "settings.changed" // Station: Changed names what changed (secrets masked)
	KindPriceLookup Kind = "price.lookup"     // Station: a product's price looked up without selling it
	// Park and recall: a basket put aside while the till serves the next
	// customer, and taken up again or given up (Note says why).
	KindParked   Kind = "sale.parked"   // no payload
	KindRecalled Kind = "sale.recalled" // no payload
	KindDropped  Kind = "sale.dropped"  // no payload; Note says why
	// KindReturned is goods taken back without their original sale, and the
	// money paid out for them.
	KindReturned Kind = "sale.returned" // Return
	// KindSetting is a till-level fact that outlives a restart (e.g. that
	// Vipps refused push requests for the sales unit). Not about a sale.
	KindSetting Kind = "till.setting" // Setting

	// Cash (see cash.go). A tender and a return belong to a sale; the others
	// are about the till's cash drawer and name no sale.
	KindTenderCash   Kind = "tender.cash"     // Tender: cash taken for a sale (the whole, or its cash part)
	KindTenderReturn Kind = "tender.returned" // Tender: a cash part handed back, the sale not finished
	KindDrawerOpened Kind = "drawer.opened"   // Drawer: journaled before the drawer is kicked open
	KindCashIn       Kind = "cash.in"         // Cash: float or change put into the drawer
	KindCashOut      Kind = "cash.out"        // Cash: a bank drop or payout taken out
	KindCashCounted  Kind = "cash.counted"    // Cash: the cash counted in the drawer
	KindRefundCash   Kind = "refund.cash"     // RefundCash: money of a cash sale handed back in cash

	// A cashier logged in or out (till-level, no sale): Cashier names them,
	// Note gives the role (login) or why (logout: "logout", "idle lock",
	// "switch to NAME").
	KindCashierLogin  Kind = "cashier.login"
	KindCashierLogout Kind = "cashier.logout"

	// KindExchanged is on an original sale: some of its line was brought
	// back in an exchange, as a return line of another sale (Exchange.Sale),
	// so it cannot be refunded or returned again. Release gives it back (the
	// return line was taken out of that basket). See exchange.go.
	KindExchanged Kind = "sale.exchanged" // Exchange
	// KindExchangeSettled ends an exchange whose net is zero or negative
	// (nothing to pay): journaled before any money of the difference goes
	// back (a refund Intent, or the drawer opening, follows in its append).
	KindExchangeSettled Kind = "exchange.settled" // Settle
)

// known reports whether k is one of the kinds above.
func (k Kind) known() bool {
	switch k {
	case KindJournalCreated, KindMigrated, KindSaleOpened, KindLineAdded, KindLineChanged, KindLineRemoved,
		KindBasketCleared, KindCustomer, KindSaleNumbered, KindIntent, KindAnswer, KindState, KindEvent,
		KindReceipt, KindPrinted, KindCopy, KindDayClosed, KindSigned,
		KindLineDiscounted, KindLineRepriced, KindBasketDiscounted,
		KindTillStarted, KindTillStopped, KindTillUpdated, KindReport, KindTrainingOn, KindTrainingOff, KindSettings, KindPriceLookup,
		KindParked, KindRecalled, KindDropped, KindReturned, KindSetting,
		KindTenderCash, KindTenderReturn, KindDrawerOpened, KindCashIn, KindCashOut, KindCashCounted, KindRefundCash,
		KindCashierLogin, KindCashierLogout, KindExchanged, KindExchangeSettled:
		return true
	}
	return false
}

// Record is one entry of the journal. Seq, Prev, Till and (when zero) At are
// filled in by Append; exactly one payload pointer is set, per Kind.
type Record struct {
	Seq     uint64    `json:"seq"`
	At      time.Time `json:"at"`
	Till    string    `json:"till"`
	Cashier string    `json:"cashier,omitempty"`
	// Prev is the hex SHA-256 of the previous record's stored bytes; the
	// first record's Prev is GenesisHash. Changing or removing any record
	// breaks the chain at the record after it.
	Prev string `json:"prev"`
	Kind Kind   `json:"kind"`
	Sale uint64 `json:"sale,omitempty"`
	// Ref is the payment reference the record is about, if any.
	Ref  string `json:"ref,omitempty"`
	Note string `json:"note,omitempty"`

	Opened   *Opened       `json:"opened,omitempty"`
	Line     *LineEdit     `json:"line,omitempty"`
	Customer *CustomerData `json:"customer,omitempty"`
	Numbered *Numbered     `json:"numbered,omitempty"`
	Intent   *Intent       `json:"intent,omitempty"`
	Answer   *Answer       `json:"answer,omitempty"`
	State    *StateChange  `json:"state,omitempty"`
	Event    *EventData    `json:"event,omitempty"`
	Print    *PrintData    `json:"print,omitempty"`
	Day      *DayData      `json:"day,omitempty"`
	Signed   *SignedData   `json:"signed,omitempty"`
	Discount *basket.Off   `json:"discount,omitempty"`
	Report   *ReportData   `json:"report,omitempty"`
	Station  *StationData  `json:"station,omitempty"`
	Return   *ReturnData   `json:"return,omitempty"`
	Setting  *SettingData  `json:"setting,omitempty"`
	Tender   *TenderData   `json:"tender,omitempty"`
	Drawer   *DrawerData   `json:"drawer,omitempty"`
	Cash     *CashData     `json:"cash,omitempty"`
	// RefundCash is a KindRefundCash's payload (cash.go).
	RefundCash *RefundCashData `json:"refundCash,omitempty"`
	Exchange   *ExchangeData   `json:"exchange,omitempty"`
	Settle     *SettleData     `json:"settle,omitempty"`
}

// GenesisHash is the Prev of a journal's first record.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Opened starts a sale. Append assigns the sale id when Record.Sale is 0.
type Opened struct {
	POSID    string `json:"posId"`
	Currency string `json:"currency"`
	// Training marks a sale made in training mode: never in the sales
	// totals, numbered in its own series, paid on the simulator.
	Training bool `json:"training,omitempty"`
}

// LineEdit is a basket line as it is after the change; Before is the quantity
// it had (0 for a new line).
type LineEdit struct {
	Line   basket.Line `json:"line"`
	Before int         `json:"before,omitempty"`
}

// CustomerData is who is asked to pay.
type CustomerData struct {
	MSISDN string `json:"msisdn,omitempty"`
	Masked string `json:"masked,omitempty"`
}

// Numbered gives a sale its receipt number. Append fills Number (the next in
// the till's never-repeating sequence) and Day (the open business day) when
// they are empty.
type Numbered struct {
	Number string `json:"number"`
	Day    string `json:"day"`
	// Training takes the number from the training series ("T000001").
	Training bool `json:"training,omitempty"`
}

// Action is an API call the engine makes.
type Action string

// Actions. Each has its own idempotency key, kept in the Intent, so a resend
// after a crash or a timeout is the same call to the API.
const (
	ActCreate  Action = "create"
	ActCapture Action = "capture"
	ActCancel  Action = "cancel"  // cancelTransactionOnly: withdraw a request not yet approved
	ActRelease Action = "release" // cancel an approval in full
	ActRefund  Action = "refund"
	ActLookup  Action = "lookup" // GET payment; journaled only as an Answer
)

// Intent is journaled before the call it names. An Intent without an Answer
// after it is a call whose outcome recovery must find out.
type Intent struct {
	Action Action `json:"action"`
	Key    string `json:"key,omitempty"`
	Amount int64  `json:"amount,omitempty"`
	// Request is the whole createPayment body (ActCreate): a resend is
	// byte-for-byte the same request.
	Request   *epayment.CreatePaymentRequest `json:"request,omitempty"`
	ExpiresAt time.Time                      `json:"expiresAt,omitempty"`
	// Refund describes an ActRefund.
	Refund *RefundData `json:"refund,omitempty"`
}

// RefundData is what a refund returns and why.
type RefundData struct {
	Reason string   `json:"reason,omitempty"`
	Lines  []string `json:"lines,omitempty"`
	// Exchange: the difference of an exchange that came to less than the
	// goods brought back, refunded to the original payment; the return
	// itself is in the exchange sale's lines.
	Exchange bool `json:"exchange,omitempty"`
}

// Answer is what the API said to a call (or that it said nothing).
type Answer struct {
	Action Action `json:"action"`
	Key    string `json:"key,omitempty"`
	OK     bool   `json:"ok"`
	// Unknown: no answer came (network, timeout, 5xx): the call may or may not
	// have happened.
	Unknown bool   `json:"unknown,omitempty"`
	Status  int    `json:"status,omitempty"`
	Code    string `json:"code,omitempty"`
	Error   string `json:"error,omitempty"`
	// What the API reports of the payment after the call, when it says.
	PaymentState string `json:"paymentState,omitempty"`
	Captured     int64  `json:"captured,omitempty"`
	Refunded     int64  `json:"refunded,omitempty"`
	Cancelled    int64  `json:"cancelled,omitempty"`
	PSPReference string `json:"pspReference,omitempty"`
	// RedirectURL is createPayment's answer for a QR request: the URL the
	// customer's app opens, to be shown as a QR code.
	RedirectURL string `json:"redirectUrl,omitempty"`
}

// StateChange moves an attempt to State. Only the payment engine writes it.
type StateChange struct {
	State State `json:"state"`
	// Abandon marks an attempt the till will not capture (the cashier
	// cancelled or superseded it): an approval found later is released.
	Abandon bool `json:"abandon,omitempty"`
	// Hold says, in plain words, why an approved payment is not captured yet
	// (the API refused the capture for a reason that may pass, such as keys).
	Hold string `json:"hold,omitempty"`
	// Message is the sentence the cashier was shown for this state.
	Message string `json:"message,omitempty"`
}

// EventData is a payment event as the till received it.
type EventData struct {
	Name         epayment.EventName `json:"name"`
	Success      bool               `json:"success"`
	Amount       int64              `json:"amount,omitempty"`
	PSPReference string             `json:"pspReference,omitempty"`
	Timestamp    time.Time          `json:"timestamp,omitempty"`
	// Source is "webhook" or "event-log".
	Source string `json:"source,omitempty"`
}

// PrintData is a receipt that went to paper or a phone.
type PrintData struct {
	URL  string `json:"url,omitempty"`
	Copy bool   `json:"copy,omitempty"`
	// Of is empty for the sale's receipt, or names the refund
	// ("refund:" + its key) whose return receipt this is.
	Of     string `json:"of,omitempty"`
	Device string `json:"device,omitempty"`
	Error  string `json:"error,omitempty"`
}

// DayData closes a business day and opens the next.
type DayData struct {
	Closed string `json:"closed"`
	Next   string `json:"next"`
	// Report is the Z report as it was printed, kept whole.
	Report string `json:"report,omitempty"`
}

// SignedData is one signed transaction: the fields of the signed string as
// they were signed, the key that signed it and the signature (base64). Of says
// which transaction of the sale it covers: "sale" for the capture, or
// "refund:" followed by the refund's idempotency key.
type SignedData struct {
	Of         string `json:"of"`
	Nr         string `json:"nr"`
	Date       string `json:"date"`     // YYYY-MM-DD, Norwegian time
	Time       string `json:"time"`     // HH:MM:SS, Norwegian time
	AmountIn   int64  `json:"amountIn"` // minor units incl. VAT; negative for a return
	AmountEx   int64  `json:"amountEx"` // minor units excl. VAT
	KeyVersion string `json:"keyVersion"`
	Signature  string `json:"signature"`
}

// ReportData is an X or Z report as it was made: Number is the report's own
// series (X and Z count separately; Append checks it is the next one), Data
// the report's figures (JSON of events.Report), Text the report as printed, so
// a reprint is the same page.
type ReportData struct {
	Type   string          `json:"type"` // "X" or "Z"
	Number int             `json:"number"`
	Data   json.RawMessage `json:"data"`
	Text   string          `json:"text"`
}

// StationData describes a till-level event. Changed lists the settings a
// KindSettings changed (names, with values only where they are not secret);
// ProductID, Name, Group and Amount are the product a KindPriceLookup showed.
type StationData struct {
	Text      string     `json:"text,omitempty"`
	Changed   []string   `json:"changed,omitempty"`
	ProductID string     `json:"productId,omitempty"`
	Name      string     `json:"name,omitempty"`
	Group     string     `json:"group,omitempty"`
	VAT       money.Rate `json:"vat,omitempty"`
	Amount    int64      `json:"amount,omitempty"`
}

// ReturnData is a return without the original sale: what came back, what was
// paid out for it and in what, and why.
type ReturnData struct {
	Lines []basket.Line `json:"lines"`
	// Amount is the money paid out, VAT included, in minor units (positive).
	Amount int64  `json:"amount"`
	Tender string `json:"tender"` // TenderCash
	Reason string `json:"reason"`
}

// SettingData is one till-level setting: the newest record of a Name wins.
// An empty Value clears it.
type SettingData struct {
	Name  string `json:"name"`
	Value string `json:"value,omitempty"`
}

// Apply folds one record into the sale it belongs to. It is the only code that
// derives a sale from its records; the journal's index caches its result and
// can always be rebuilt by folding the records again.
func Apply(s *Sale, r Record) error {
	if r.Sale != 0 && s.ID != 0 && r.Sale != s.ID {
		return fmt.Errorf("record %d belongs to sale %d, not %d", r.Seq, r.Sale, s.ID)
	}
	s.LastSeq = r.Seq
	switch r.Kind {
	case KindSaleOpened:
		if r.Opened == nil {
			return errPayload(r)
		}
		s.ID, s.Created, s.POSID, s.Currency, s.Cashier = r.Sale, r.At, r.Opened.POSID, r.Opened.Currency, r.Cashier
		s.Training = r.Opened.Training
	case KindLineAdded, KindLineChanged, KindLineRemoved:
		if r.Line == nil {
			return errPayload(r)
		}
		l := r.Line.Line
		q := l.Quantity
		if r.Kind == KindLineRemoved {
			q = 0
		}
		s.Corrections += boolInt(r.Kind != KindLineAdded)
		setLine(&s.Basket, l, q)
		if len(s.Basket.Lines) == 0 {
			s.Basket.Discount = nil // as basket.SetQuantity does
		}
	case KindBasketCleared:
		s.Basket.Lines, s.Basket.Discount = nil, nil
		s.Corrections++
	case KindLineDiscounted, KindLineRepriced:
		if r.Line == nil {
			return errPayload(r)
		}
		l := r.Line.Line
		if l.Off != nil && l.Off.By == "" {
			o := *l.Off
			o.By = r.Cashier
			l.Off = &o
		}
		if l.Override != nil && l.Override.By == "" {
			o := *l.Override
			o.By = r.Cashier
			l.Override = &o
		}
		setLine(&s.Basket, l, l.Quantity)
	case KindBasketDiscounted:
		if r.Discount == nil {
			return errPayload(r)
		}
		s.Basket.Discount = nil
		if d := *r.Discount; d.Percent != 0 || d.Amount != 0 {
			if d.By == "" {
				d.By = r.Cashier
			}
			s.Basket.Discount = &d
		}
	case KindCustomer:
		if r.Customer == nil {
			return errPayload(r)
		}
		s.Customer, s.CustomerMasked = r.Customer.MSISDN, r.Customer.Masked
	case KindSaleNumbered:
		if r.Numbered == nil {
			return errPayload(r)
		}
		s.ReceiptNumber, s.Day = r.Numbered.Number, r.Numbered.Day
	case KindIntent:
		if r.Intent == nil {
			return errPayload(r)
		}
		applyIntent(s, r)
	case KindAnswer:
		if r.Answer == nil {
			return errPayload(r)
		}
		applyAnswer(s, r)
	case KindState:
		if r.State == nil {
			return errPayload(r)
		}
		a := s.Attempt(r.Ref)
		if a == nil {
			return fmt.Errorf("record %d: sale %d has no payment %s", r.Seq, s.ID, r.Ref)
		}
		a.State = r.State.State
		a.Abandon = a.Abandon || r.State.Abandon
		a.Hold = r.State.Hold
		s.Steps = append(s.Steps, Step{At: r.At, Reference: r.Ref, State: r.State.State, Note: r.Note})
	case KindEvent:
		if r.Event == nil {
			return errPayload(r)
		}
		s.Events = append(s.Events, EventSeen{At: r.At, Reference: r.Ref, EventData: *r.Event})
		note := "reported by Vipps MobilePay"
		if !r.Event.Success {
			note = "reported by Vipps MobilePay as failed"
		}
		if r.Event.Amount != 0 {
			note += " (" + money.Format(r.Event.Amount) + ")"
		}
		s.Steps = append(s.Steps, Step{At: r.At, Reference: r.Ref, State: State("event " + string(r.Event.Name)), Note: note})
	case KindReceipt:
		if r.Print == nil {
			return errPayload(r)
		}
		s.ReceiptURL = r.Print.URL
	case KindPrinted:
		if r.Print == nil {
			return errPayload(r)
		}
		if r.Print.Of == "" {
			s.Printed = s.Printed || r.Print.Error == ""
		}
	case KindCopy:
		if r.Print == nil {
			return errPayload(r)
		}
		if r.Print.Error == "" && r.Print.Of == "" {
			s.Copies++
		}
	case KindSigned:
		if r.Signed == nil {
			return errPayload(r)
		}
		s.Signatures = append(s.Signatures, *r.Signed)
	case KindReport:
		if r.Report == nil {
			return errPayload(r)
		}
	case KindTillStarted, KindTillUpdated, KindSettings, KindPriceLookup:
		if r.Station == nil {
			return errPayload(r)
		}
	case KindParked:
		s.Parked, s.Recalled = true, false
	case KindRecalled:
		s.Parked, s.Recalled = false, true
	case KindDropped:
		s.Parked, s.Recalled, s.Dropped = false, false, true
	case KindReturned:
		if r.Return == nil {
			return errPayload(r)
		}
		rt := *r.Return
		rt.Lines = append([]basket.Line(nil), rt.Lines...)
		s.Return = &rt
	case KindSetting:
		if r.Setting == nil {
			return errPayload(r)
		}
	case KindTenderCash, KindTenderReturn, KindDrawerOpened, KindCashIn, KindCashOut, KindCashCounted, KindRefundCash:
		return applyCash(s, r)
	case KindExchanged:
		if r.Exchange == nil {
			return errPayload(r)
		}
		x := *r.Exchange
		x.At = r.At
		applyExchange(s, x)
	case KindExchangeSettled:
		if r.Settle == nil {
			return errPayload(r)
		}
		st := *r.Settle
		st.At = r.At
		s.Settled = &st
		s.Totals = s.Basket.Totals()
	case KindJournalCreated, KindMigrated, KindDayClosed, KindTillStopped, KindTrainingOn, KindTrainingOff, KindCashierLogin, KindCashierLogout:
		// Not about a sale.
	default:
		return fmt.Errorf("record %d: unknown kind %q", r.Seq, r.Kind)
	}
	return nil
}

func applyIntent(s *Sale, r Record) {
	in := r.Intent
	switch in.Action {
	case ActCreate:
		if in.Request == nil {
			return
		}
		// The attempt freezes the basket the customer is asked to approve.
		s.Totals = s.Basket.Totals()
		a := &Attempt{
			Reference: r.Ref, Request: *in.Request, CreateKey: in.Key,
			CaptureKey: r.Ref + "-capture", CancelKey: r.Ref + "-cancel",
			State: StateCreating, Sent: r.At, ExpiresAt: in.ExpiresAt,
			Basket: s.Basket.Settled(), Totals: s.Totals,
		}
		s.Attempts = append(s.Attempts, a)
		s.Steps = append(s.Steps, Step{At: r.At, Reference: r.Ref, State: StateCreating, Note: r.Note})
	case ActRefund:
		rf := Refund{Key: in.Key, Amount: in.Amount, At: r.At, Reference: r.Ref}
		if in.Refund != nil {
			rf.Reason, rf.Lines, rf.Exchange = in.Refund.Reason, in.Refund.Lines, in.Refund.Exchange
		}
		s.Refunds = append(s.Refunds, rf)
		s.Steps = append(s.Steps, Step{At: r.At, Reference: r.Ref, State: StepRefunding, Note: r.Note})
	}
}

func applyAnswer(s *Sale, r Record) {
	an := r.Answer
	a := s.Attempt(r.Ref)
	if a != nil {
		if an.PSPReference != "" {
			a.PSPReference = an.PSPReference
		}
		if an.RedirectURL != "" {
			a.QR = an.RedirectURL
		}
		if an.OK || an.PaymentState != "" {
			if an.Captured > a.Captured {
				a.Captured = an.Captured
			}
			if an.Refunded > a.Refunded {
				a.Refunded = an.Refunded
			}
		}
	}
	if an.Action != ActRefund {
		return
	}
	for i := range s.Refunds {
		rf := &s.Refunds[i]
		if rf.Key != an.Key || rf.Done {
			continue
		}
		switch {
		case an.OK:
			rf.Done, rf.Error = true, ""
			s.Steps = append(s.Steps, Step{At: r.At, Reference: r.Ref, State: StepRefunded, Note: r.Note})
		case !an.Unknown:
			rf.Error = an.Error
			if rf.Error == "" {
				rf.Error = "refused"
			}
			s.Steps = append(s.Steps, Step{At: r.At, Reference: r.Ref, State: StepRefundRefused, Note: r.Note})
		}
	}
}

// setLine puts l in b with quantity q (0 removes it), keeping the line order.
// A return line (l.Return) has a negative quantity.
func setLine(b *basket.Basket, l basket.Line, q int) {
	keep := q > 0 || q < 0 && l.Return != nil
	for i := range b.Lines {
		if b.Lines[i].ProductID != l.ProductID {
			continue
		}
		if !keep {
			b.Lines = append(b.Lines[:i:i], b.Lines[i+1:]...)
			return
		}
		b.Lines[i] = l
		b.Lines[i].Quantity = q
		return
	}
	if keep {
		l.Quantity = q
		b.Lines = append(b.Lines, l)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func errPayload(r Record) error {
	return fmt.Errorf("record %d (%s) has no payload", r.Seq, r.Kind)
}
