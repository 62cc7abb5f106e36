// Package market holds what differs between the countries Kasse sells in:
// Norway (Vipps, NOK), Denmark (MobilePay, DKK) and Finland (MobilePay, EUR).
// The app's brand the customer knows, the currency, the default language and
// the VAT rates a new catalog or an open item starts from.
package market

import (
	"fmt"

	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/app/msisdn"
)

// Market is one country's settings.
type Market struct {
	Code msisdn.Market // NO, DK, FI; also the phone-number rules (app/msisdn)
	// Brand is the app the customer pays with, as the customer knows it.
	Brand    string
	Currency string // ISO 4217
	// Language is the market's language (BCP 47): a till follows the
	// computer's language unless configured, and receipts default to this.
	Language string
	// VATRates are the country's current rates, highest first.
	VATRates []money.Rate
}

// The markets. VAT rates as of December 2026:
//   - Norway: 25 % standard, 15 % food, 12 % transport, cinema, hotels; 0 %.
//   - Denmark: 25 % and 0 % only.
//   - Finland: 25.5 % standard since 1 September 2024; the reduced 14 % (food,
//     restaurants, books, medicines, transport) became 13.5 % on 1 January 2026;
//     10 % (newspapers, periodicals) unchanged; 0 %. Sources:
//     https://www.vatcalc.com/finland/finland-cuts-reduced-vat-to-13-5-jan-2026/ and
//     https://vatapi.com/news/article/finland-lowers-reduced-vat-rate-to-13-5-effective-1-january-2026
var (
	Norway  = Market{Code: msisdn.Norway, Brand: "Vipps", Currency: "NOK", Language: "nb", VATRates: []money.Rate{2500, 1500, 1200, 0}}
	Denmark = Market{Code: msisdn.Denmark, Brand: "MobilePay", Currency: "DKK", Language: "da", VATRates: []money.Rate{2500, 0}}
	Finland = Market{Code: msisdn.Finland, Brand: "MobilePay", Currency: "EUR", Language: "fi", VATRates: []money.Rate{2550, 1350, 1000, 0}}
)

// All lists the markets in the order a settings screen offers them.
func All() []Market { return []Market{Norway, Denmark, Finland} }

// Of finds a market by its code ("NO", "DK", "FI"); empty means Norway, where
// Kasse began.
func Of(code string) (Market, error) {
	switch msisdn.Market(code) {
	case "", msisdn.Norway:
		return Norway, nil
	case msisdn.Denmark:
		return Denmark, nil
	case msisdn.Finland:
		return Finland, nil
	}
	return Market{}, fmt.Errorf("market %q: want NO, DK or FI", code)
}

// Money is an amount in the market's currency as its shops print it.
func (m Market) Money(minor int64) string { return money.FormatCurrency(minor, m.Currency) }
