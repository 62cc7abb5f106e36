package money

// CashUnit is the step a cash total is rounded to in the currency's market, in
// minor units, or 1 where cash is not rounded.
//
//   - NOK: 100 (whole kroner). Norway has had no coin below 1 krone since
//     2012, and a cash total is rounded to the nearest krone; card and Vipps
//     payments are not rounded.
//   - DKK: 50 (50 øre). The smallest Danish coin is 50 øre; cash totals round
//     to the nearest 50 øre (0–24 øre down, 25–74 to 50, 75–99 up).
//   - EUR: 5 (5 cents), the Finnish rule. Vipps MobilePay's euro market is
//     Finland, where cash totals have been rounded to 5 cents since 2002 (the
//     1 and 2 cent coins are not used there).
func CashUnit(currency string) int64 {
	switch currency {
	case "NOK":
		return 100
	case "DKK":
		return 50
	case "EUR":
		return 5
	}
	return 1
}

// RoundCash rounds amount to the nearest multiple of unit, a half away from
// zero (NOK 12,50 pays 13 kr; a refund of 12,50 pays back 13 kr), so the
// rounding of a return mirrors that of a sale.
func RoundCash(amount, unit int64) int64 {
	if unit <= 1 {
		return amount
	}
	if amount < 0 {
		return -RoundCash(-amount, unit)
	}
	return (amount + unit/2) / unit * unit
}
