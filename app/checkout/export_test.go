package checkout

import (
	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// CreateRequestForTest is the createPayment body a till would send for b.
func CreateRequestForTest(b basket.Basket) epayment.CreatePaymentRequest {
	t := &Till{}
	s := &journal.Sale{Currency: "NOK", ReceiptNumber: "1", Basket: b}
	return t.createRequest(s, "ref", epayment.FlowQR)
}
