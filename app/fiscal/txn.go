package fiscal

import (
	"strconv"
	"strings"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
)

// What a completed transaction is: a sale whose payment was captured, or a
// refund the API confirmed.
const (
	OfSale         = "sale"
	OfRefundPrefix = "refund:"
	// OfReturn is a return without the original sale (journal.KindReturned):
	// goods taken back and paid out in cash, a transaction of its own.
	OfReturn = "return"
)

// Line is one line of a completed transaction, with its own exact VAT split.
// Returns have negative quantities and amounts.
type Line struct {
	ProductID string
	Name      string
	Quantity  int
	UnitPrice int64 // incl. VAT, minor units, always positive
	VATRate   money.Rate
	AmountIn  int64
	AmountEx  int64
}

// Completed is one transaction of a sale that must be signed.
type Completed struct {
	Of        string // OfSale, or OfRefundPrefix + the refund's key
	Reference string // the Vipps payment reference
	Return    bool
	// At is when it completed: the capture's journal time, or for a refund
	// when the cashier registered it. Zero if the journal does not say.
	At       time.Time
	Lines    []Line
	AmountIn int64
	AmountEx int64
}

// Transactions lists a sale's completed transactions in the order they
// happened: the captured payment first, then each confirmed refund. Amounts
// are exactly the sums of the lines. The same function feeds the Signer and
// the SAF-T export, so what is signed is what is exported.
//
// An exchange (return lines of earlier sales, negative, beside the new
// items) is one transaction of its net: the money that moved. Its return
// lines are in it with their own negative amounts and VAT, so the VAT per
// rate is exact; the original sale's signed transaction is left as it was
// (the goods it sold were sold), and the original gets no refund
// transaction for the lines (they are returned here, once). An exchange
// that came to less than nothing is a return transaction (negative); the
// refund of its difference to the original payment is its money, not a
// transaction of its own.
func Transactions(s *journal.Sale) []Completed {
	if s.Return != nil {
		// Completed when it was journaled: the return and its sale are one
		// append, so the sale's opening time is the return's.
		c := Completed{Of: OfReturn, Return: true, At: s.Created}
		for _, l := range s.Return.Lines {
			c.add(fromBasket(l, -l.Quantity))
		}
		return []Completed{c}
	}
	if st := s.Settled; st != nil {
		c := Completed{Of: OfSale, Reference: st.Reference, Return: st.Amount < 0, At: st.At}
		for _, l := range s.Basket.Lines {
			c.add(fromBasket(l, l.Quantity))
		}
		return []Completed{c}
	}
	var captured *journal.Attempt
	for _, a := range s.Attempts {
		if a.State == journal.StateCaptured {
			captured = a
		}
	}
	if captured == nil {
		if s.PaidInCash() {
			// A cash sale: no payment reference; completed when the cash
			// that paid it in full was taken.
			sale := Completed{Of: OfSale, At: s.CashSettled()}
			// Settled: each line's share of a basket discount is part of
			// what it cost, as in a Vipps payment's frozen basket.
			paid := s.Basket.Settled()
			for _, l := range paid.Lines {
				sale.add(fromBasket(l, l.Quantity))
			}
			out := []Completed{sale}
			for _, rf := range s.Refunds {
				if rf.Done && rf.Cash > 0 { // refunded in cash at the till
					c := Completed{Of: OfRefundPrefix + rf.Key, Return: true, At: rf.At}
					for _, l := range refundLines(paid, rf) {
						c.add(l)
					}
					out = append(out, c)
				}
			}
			return out
		}
		return nil
	}
	sale := Completed{Of: OfSale, Reference: captured.Reference}
	for _, st := range s.Steps {
		if st.State == journal.StateCaptured && st.Reference == captured.Reference {
			sale.At = st.At
		}
	}
	for _, l := range captured.Basket.Lines {
		sale.add(fromBasket(l, l.Quantity))
	}
	out := []Completed{sale}
	for _, rf := range s.Refunds {
		if !rf.Done {
			continue
		}
		c := Completed{Of: OfRefundPrefix + rf.Key, Reference: rf.Reference, Return: true, At: rf.At}
		for _, l := range refundLines(captured.Basket, rf) {
			c.add(l)
		}
		out = append(out, c)
	}
	return out
}

func (c *Completed) add(l Line) {
	c.Lines = append(c.Lines, l)
	c.AmountIn += l.AmountIn
	c.AmountEx += l.AmountEx
}

func fromBasket(l basket.Line, q int) Line {
	// Part: what those q cost after the line's discounts, not the list price.
	in := l.Part(q)
	net, _ := money.Split(in, l.VATRate)
	// CatalogID: the article, not which weighing of it.
	return Line{ProductID: l.CatalogID(), Name: l.Name, Quantity: q, UnitPrice: l.UnitPrice, VATRate: l.VATRate,
		AmountIn: in, AmountEx: net}
}

// refundLines are the return lines of a refund: the products and quantities
// it names when they cover its amount exactly, otherwise (a refund of an
// amount) the amount spread over the sale's VAT rates in proportion to their
// share of the sale, so the VAT returned is the VAT charged.
func refundLines(b basket.Basket, rf journal.Refund) []Line {
	var named []Line
	var sum int64
	for _, s := range rf.Lines {
		// Refund lines are "productID:quantity" (app/backoffice).
		i := strings.LastIndexByte(s, ':')
		q, err := strconv.Atoi(s[i+1:])
		if i <= 0 || err != nil || q <= 0 {
			named = nil
			break
		}
		for _, l := range b.Lines {
			if l.ProductID == s[:i] {
				nl := fromBasket(l, -q)
				named = append(named, nl)
				sum += nl.AmountIn
				break
			}
		}
	}
	if len(named) > 0 && sum == -rf.Amount {
		return named
	}
	t := b.Totals()
	var out []Line
	left := rf.Amount
	for i, r := range t.ByVAT {
		part := left
		if i < len(t.ByVAT)-1 && t.Gross != 0 {
			part = rf.Amount * r.Gross / t.Gross
		}
		left -= part
		net, _ := money.Split(-part, r.Rate)
		out = append(out, Line{Name: "Refusjon " + strings.Replace(r.Rate.String(), ".", ",", 1) + " % MVA", Quantity: -1,
			UnitPrice: part, VATRate: r.Rate, AmountIn: -part, AmountEx: net})
	}
	return out
}
