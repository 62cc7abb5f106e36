package epayment

import (
	"context"
	"fmt"
	"net/http"
)

const pathQRExchange = "/qr/v1/exchange"

// ExchangeQR turns the complete text of a customer's personal QR code (Vipps
// or MobilePay, legacy or tokenised) into the customer's phone number (POST
// /qr/v1/exchange). Pass the scanned text unchanged: the format changes without
// warning. The result's MSISDN goes into Customer.PhoneNumber.
//
// An unreadable or foreign code is a 400 (ErrInvalid) whose Extra names
// qrCode. The exchange changes nothing, so it is retried like a read.
func (c *Client) ExchangeQR(ctx context.Context, qr string) (*QRExchangeResponse, error) {
	if qr == "" {
		return nil, fmt.Errorf("%w: empty QR code", ErrInvalid)
	}
	var out QRExchangeResponse
	req := QRExchangeRequest{QRCode: qr, RequestedData: []string{"MSISDN"}}
	if err := c.do(ctx, http.MethodPost, pathQRExchange, "", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
