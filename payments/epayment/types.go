package epayment

import "time"

// Currency is an ISO 4217 code the API accepts.
type Currency string

// Currencies of the three markets.
const (
	NOK Currency = "NOK"
	DKK Currency = "DKK"
	EUR Currency = "EUR"
)

// Amount is a sum in minor units (øre, cents). Money is never a float.
type Amount struct {
	Currency Currency `json:"currency"`
	Value    int64    `json:"value"`
}

// State is the state of a payment as the API reports it.
type State string

// Payment states. Every state but Created is final.
const (
	StateCreated    State = "CREATED"
	StateAuthorized State = "AUTHORIZED"
	StateAborted    State = "ABORTED"
	StateExpired    State = "EXPIRED"
	StateTerminated State = "TERMINATED"
)

// EventName names one entry of a payment's event log and of a webhook.
type EventName string

// Event names of the payment event log and of ePayment webhooks.
const (
	EventCreated    EventName = "CREATED"
	EventAborted    EventName = "ABORTED"
	EventExpired    EventName = "EXPIRED"
	EventCancelled  EventName = "CANCELLED"
	EventCaptured   EventName = "CAPTURED"
	EventRefunded   EventName = "REFUNDED"
	EventAuthorized EventName = "AUTHORIZED"
	EventTerminated EventName = "TERMINATED"
)

// User flows.
const (
	FlowPushMessage = "PUSH_MESSAGE"
	FlowQR          = "QR"
)

// CustomerPresent is the customerInteraction a till must send.
const CustomerPresent = "CUSTOMER_PRESENT"

// PaymentMethod names how the customer pays; WALLET for in-store.
type PaymentMethod struct {
	Type    string `json:"type"`
	CardBin string `json:"cardBin,omitempty"`
}

// Customer identifies who is asked to pay. Exactly one field is set.
type Customer struct {
	PhoneNumber   string `json:"phoneNumber,omitempty"`
	PersonalQR    string `json:"personalQr,omitempty"`
	CustomerToken string `json:"customerToken,omitempty"`
}

// OrderLine is one line of the receipt (Order Management Receipt schema).
type OrderLine struct {
	Name                    string `json:"name"`
	ID                      string `json:"id"`
	TotalAmount             int64  `json:"totalAmount"`
	TotalAmountExcludingTax int64  `json:"totalAmountExcludingTax"`
	TotalTaxAmount          int64  `json:"totalTaxAmount"`
	// Exactly one of TaxPercentage (a whole percent, Order Management 2.0)
	// and TaxRate (hundredths of a percent, 2.1) is set: see SetTax.
	TaxPercentage *int      `json:"taxPercentage,omitempty"`
	TaxRate       *int      `json:"taxRate,omitempty"`
	UnitInfo      *UnitInfo `json:"unitInfo,omitempty"`
	Discount      int64     `json:"discount,omitempty"`
	IsReturn      bool      `json:"isReturn,omitempty"`
}

// SetTax sets the line's tax rate, given in hundredths of a percent (2550 is
// 25.5 %): as taxPercentage when it is a whole percent, which every version
// of the receipt schema accepts, and as taxRate when it is not.
func (l *OrderLine) SetTax(hundredths int) {
	if hundredths%100 == 0 {
		p := hundredths / 100
		l.TaxPercentage, l.TaxRate = &p, nil
		return
	}
	r := hundredths
	l.TaxPercentage, l.TaxRate = nil, &r
}

// TaxHundredths is the line's tax rate in hundredths of a percent, from
// whichever field is set, and whether exactly one is.
func (l OrderLine) TaxHundredths() (int, bool) {
	switch {
	case l.TaxPercentage != nil && l.TaxRate == nil:
		return *l.TaxPercentage * 100, true
	case l.TaxRate != nil && l.TaxPercentage == nil:
		return *l.TaxRate, true
	}
	return 0, false
}

// UnitInfo says how a line's total was made: unit price times quantity.
type UnitInfo struct {
	UnitPrice    int64  `json:"unitPrice"`
	Quantity     string `json:"quantity"`
	QuantityUnit string `json:"quantityUnit"`
}

// BottomLine is the receipt's footer: currency and which till made it.
type BottomLine struct {
	Currency      Currency `json:"currency"`
	POSID         string   `json:"posId,omitempty"`
	ReceiptNumber string   `json:"receiptNumber,omitempty"`
	// PaymentSources says how much of the receipt was paid by other means
	// than this payment (a split sale: the cash part), in minor units.
	PaymentSources *PaymentSources `json:"paymentSources,omitempty"`
}

// PaymentSources is Order Management's split of a receipt by means of
// payment; the lines' total less these is the payment's amount.
type PaymentSources struct {
	GiftCard int64 `json:"giftCard,omitempty"`
	Card     int64 `json:"card,omitempty"`
	Voucher  int64 `json:"voucher,omitempty"`
	Cash     int64 `json:"cash,omitempty"`
}

// Total is the sum of the other sources.
func (p *PaymentSources) Total() int64 {
	if p == nil {
		return 0
	}
	return p.GiftCard + p.Card + p.Voucher + p.Cash
}

// Receipt is attached to a payment so the customer sees the lines in the app.
type Receipt struct {
	OrderLines []OrderLine `json:"orderLines"`
	BottomLine BottomLine  `json:"bottomLine"`
}

// CreatePaymentRequest is the body of POST /epayment/v1/payments.
type CreatePaymentRequest struct {
	Amount              Amount            `json:"amount"`
	Customer            *Customer         `json:"customer,omitempty"`
	CustomerInteraction string            `json:"customerInteraction,omitempty"`
	PaymentMethod       PaymentMethod     `json:"paymentMethod"`
	Reference           string            `json:"reference"`
	UserFlow            string            `json:"userFlow"`
	ReturnURL           string            `json:"returnUrl,omitempty"`
	ExpiresAt           string            `json:"expiresAt,omitempty"`
	PaymentDescription  string            `json:"paymentDescription,omitempty"`
	Receipt             *Receipt          `json:"receipt,omitempty"`
	Metadata            map[string]string `json:"metadata,omitempty"`
	ReceiptURL          string            `json:"receiptUrl,omitempty"`
	// QRFormat asks a QR userFlow for the shape of its redirectUrl;
	// QRTargetURL makes it the URL to encode in a QR code yourself.
	QRFormat *QRFormat `json:"qrFormat,omitempty"`
}

// QRFormat is the shape of a QR payment's redirectUrl.
type QRFormat struct {
	Format string `json:"format"`
	Size   int    `json:"size,omitempty"`
}

// QRTargetURL is the qrFormat whose redirectUrl is the URL to encode.
const QRTargetURL = "TEXT/TARGETURL"

// CreatePaymentResponse is the 201 answer to createPayment.
type CreatePaymentResponse struct {
	Reference   string `json:"reference"`
	RedirectURL string `json:"redirectUrl,omitempty"`
}

// Aggregate is the money that has moved on a payment; the only reliable picture
// after AUTHORIZED.
type Aggregate struct {
	AuthorizedAmount Amount `json:"authorizedAmount"`
	CancelledAmount  Amount `json:"cancelledAmount"`
	CapturedAmount   Amount `json:"capturedAmount"`
	RefundedAmount   Amount `json:"refundedAmount"`
}

// Profile is the user's profile reference; empty unless a scope was asked for.
type Profile struct {
	Sub string `json:"sub,omitempty"`
}

// Payment is the answer to GET /epayment/v1/payments/{reference}.
type Payment struct {
	Aggregate     Aggregate         `json:"aggregate"`
	Amount        Amount            `json:"amount"`
	State         State             `json:"state"`
	PaymentMethod PaymentMethod     `json:"paymentMethod"`
	Profile       Profile           `json:"profile"`
	PSPReference  string            `json:"pspReference"`
	Reference     string            `json:"reference"`
	RedirectURL   string            `json:"redirectUrl,omitempty"`
	Metadata      map[string]string `json:"metadata,omitempty"`
}

// ModificationRequest is the body of capture and refund.
type ModificationRequest struct {
	ModificationAmount Amount `json:"modificationAmount"`
}

// CancelRequest is the (live API) body of cancel. With CancelTransactionOnly the
// API refuses (error 6060) to cancel a payment the customer has already approved,
// so a cashier's cancel can never silently void a fresh approval.
type CancelRequest struct {
	CancelTransactionOnly bool `json:"cancelTransactionOnly"`
}

// ModificationResponse is the answer to capture, refund and cancel.
type ModificationResponse struct {
	Amount       Amount    `json:"amount"`
	State        State     `json:"state"`
	Aggregate    Aggregate `json:"aggregate"`
	PSPReference string    `json:"pspReference"`
	Reference    string    `json:"reference"`
}

// PaymentEvent is one entry of GET /epayment/v1/payments/{reference}/events.
type PaymentEvent struct {
	Reference      string    `json:"reference"`
	PSPReference   string    `json:"pspReference"`
	Name           EventName `json:"name"`
	Amount         Amount    `json:"amount"`
	Timestamp      time.Time `json:"timestamp"`
	IdempotencyKey *string   `json:"idempotencyKey"`
	Success        bool      `json:"success"`
}

// ForceApproveRequest is the body of the test environment's approve call.
type ForceApproveRequest struct {
	Customer *Customer `json:"customer,omitempty"`
	Token    string    `json:"token,omitempty"`
}

// AccessToken is the answer of POST /accesstoken/get. Every value is a string,
// the numbers included, as the API sends them.
type AccessToken struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    string `json:"expires_in"`
	ExtExpiresIn string `json:"ext_expires_in"`
	ExpiresOn    string `json:"expires_on"`
	NotBefore    string `json:"not_before"`
	Resource     string `json:"resource"`
	Token        string `json:"access_token"`
}

// QRExchangeRequest is the body of POST /qr/v1/exchange.
type QRExchangeRequest struct {
	QRCode        string   `json:"qrCode"`
	RequestedData []string `json:"requestedData,omitempty"`
}

// QRExchangeResponse is the answer of the personal QR exchange.
type QRExchangeResponse struct {
	MSISDN    string `json:"msisdn"`
	Timestamp int64  `json:"timestamp,omitempty"`
	Version   string `json:"version"`
}

// Problem is an RFC 7807 error body, with the live API's extraDetails.
type Problem struct {
	Type         string        `json:"type"`
	Title        string        `json:"title"`
	Detail       string        `json:"detail,omitempty"`
	Instance     string        `json:"instance,omitempty"`
	Status       int           `json:"status"`
	TraceID      string        `json:"traceId"`
	ExtraDetails []ExtraDetail `json:"extraDetails,omitempty"`
}

// ExtraDetail is one name/reason pair of a Problem; name "ErrorCode" carries the
// Vipps error code.
type ExtraDetail struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// RegisterWebhookRequest is the body of POST /webhooks/v1/webhooks.
type RegisterWebhookRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// WebhookRegistration is the 201 answer to a webhook registration. The secret
// is shown only once: store it with the registration, it keys the HMAC.
type WebhookRegistration struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
}

// Webhook is one registered webhook as GET /webhooks/v1/webhooks lists it.
type Webhook struct {
	ID     string   `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// WebhookList is the answer of GET /webhooks/v1/webhooks.
type WebhookList struct {
	Webhooks []Webhook `json:"webhooks"`
}
