package escpos

// CashPart is what a receipt says of cash: the rounding of a cash total and,
// when a sale was paid by more than one means or in cash, each tender.
type CashPart struct {
	// Rounding is the cash rounding (Norway: to whole kroner), printed as
	// its own line under the total, so that the lines and the rounding add
	// up to the cash paid exactly.
	Rounding int64
	// Tenders are the means of payment and what each paid, in order. With
	// tenders set, PaymentMethod is not printed.
	Tenders []Tender
	// Given and Change are the cash the customer handed over and got back.
	Given, Change int64
}

// Tender is one means of payment of a sale.
type Tender struct {
	Cash   bool   // printed with the Cash label
	Method string // otherwise, e.g. "Vipps MobilePay"
	Amount int64
}

func word(s, norwegian string) string {
	if s == "" {
		return norwegian
	}
	return s
}

func (b *builder) rounding(c CashPart, l Labels, w int) {
	if c.Rounding != 0 {
		b.line(pad(word(l.Rounding, Norwegian.Rounding), b.amount(c.Rounding), w))
	}
}

func (b *builder) tenders(c CashPart, l Labels, w int) {
	if len(c.Tenders) == 0 {
		return
	}
	b.line(l.PaidWith)
	for _, t := range c.Tenders {
		name := t.Method
		if t.Cash {
			name = word(l.Cash, Norwegian.Cash)
		}
		b.line(pad("  "+name, b.amount(t.Amount), w))
	}
	if c.Given != 0 {
		b.line(pad("  "+word(l.Given, Norwegian.Given), b.amount(c.Given), w))
		b.line(pad("  "+word(l.Change, Norwegian.Change), b.amount(c.Change), w))
	}
}
