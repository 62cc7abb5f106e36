package journal

import "time"

// ExchangeData is a KindExchanged's payload, on the original sale: Quantity
// of its line ProductID came back in sale Sale (the exchange) for Amount
// (what the customer paid for them, positive, VAT included).
type ExchangeData struct {
	Sale      uint64 `json:"sale"`
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
	Amount    int64  `json:"amount"`
	// Release: the return line was taken out of the exchange's basket
	// before it was paid; the quantity may be refunded or returned again.
	Release bool `json:"release,omitempty"`
	// At is the record's time, filled in by Apply.
	At time.Time `json:"at,omitempty"`
}

// Settle methods: how the difference of an exchange went back.
const (
	SettleNone  = "none"  // even: nothing moved
	SettleVipps = "vipps" // refunded to the original payment (Reference, Key)
	SettleCash  = "cash"  // paid out in cash (Paid, rounded as cash is)
)

// SettleData is a KindExchangeSettled's payload: the exchange's net (zero or
// negative, VAT included) and how the difference went back.
type SettleData struct {
	Amount    int64  `json:"amount"`
	Method    string `json:"method"`
	Reference string `json:"reference,omitempty"` // the original Vipps payment
	Key       string `json:"key,omitempty"`       // its refund's idempotency key
	Paid      int64  `json:"paid,omitempty"`      // cash handed out
	// At is the record's time, filled in by Apply.
	At time.Time `json:"at,omitempty"`
}

// applyExchange keeps one entry per exchange sale and line.
func applyExchange(s *Sale, x ExchangeData) {
	for i, e := range s.Exchanges {
		if e.Sale == x.Sale && e.ProductID == x.ProductID {
			s.Exchanges = append(s.Exchanges[:i:i], s.Exchanges[i+1:]...)
			break
		}
	}
	if !x.Release {
		s.Exchanges = append(s.Exchanges, x)
	}
}

// ExchangedTotal is the money of the sale's lines brought back in exchanges.
func (s *Sale) ExchangedTotal() int64 {
	var n int64
	for _, x := range s.Exchanges {
		n += x.Amount
	}
	return n
}
