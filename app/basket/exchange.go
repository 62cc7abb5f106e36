package basket

import "strconv"

// Returned says which earlier sale's line a return line brings back, and
// what the customer paid for the quantity returned (positive, VAT included,
// after that sale's discounts), so the VAT returned is the VAT charged.
type Returned struct {
	Sale      uint64 `json:"sale"`      // the original sale's journal id
	Receipt   string `json:"receipt"`   // its receipt number
	ProductID string `json:"productId"` // the line on the original sale
	Amount    int64  `json:"amount"`
}

// ReturnID is the basket product id of the line returning productID of
// sale: one return line per original line, never a catalog id.
func ReturnID(sale uint64, productID string) string {
	return "return:" + strconv.FormatUint(sale, 10) + ":" + productID
}

// ReturnLine is the return line for q of l, a line of the sale with the
// given id and receipt number, for which the customer paid amount.
func ReturnLine(sale uint64, receipt string, l Line, q int, amount int64) Line {
	return Line{
		ProductID: ReturnID(sale, l.ProductID), Name: l.Name,
		EAN: l.EAN, UnitPrice: l.UnitPrice, VATRate: l.VATRate, Quantity: -q, Grams: l.Grams,
		Return: &Returned{Sale: sale, Receipt: receipt, ProductID: l.ProductID, Amount: amount},
	}
}

// Returns lists the basket's return lines.
func (b Basket) Returns() []Line {
	var out []Line
	for _, l := range b.Lines {
		if l.Return != nil {
			out = append(out, l)
		}
	}
	return out
}
