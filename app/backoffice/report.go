package backoffice

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/events"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// Category is how the Z report groups sales by the state of their payment.
type Category string

// Report categories. A refund is counted on the day it is made, whatever the
// day of its sale.
const (
	CatCaptured  Category = "captured"
	CatRefunded  Category = "refunded"
	CatCancelled Category = "cancelled" // by the till, or terminated
	CatDeclined  Category = "declined"  // by the customer
	CatExpired   Category = "expired"
	CatFailed    Category = "failed"
	CatOpen      Category = "open" // not final yet: recovery must finish it
)

var categoryOrder = []Category{CatCaptured, CatRefunded, CatCancelled, CatDeclined, CatExpired, CatFailed, CatOpen}

func categoryOf(st journal.State) Category {
	switch st {
	case journal.StateCaptured:
		return CatCaptured
	case journal.StateCancelled, journal.StateTerminated:
		return CatCancelled
	case journal.StateAborted:
		return CatDeclined
	case journal.StateExpired:
		return CatExpired
	case journal.StateFailed:
		return CatFailed
	}
	return CatOpen
}

// StateTotal is the count and money of one category.
type StateTotal struct {
	Category Category
	Count    int
	Amount   int64
}

// SaleRow is one payment of the report, with the journal's and the API's
// figures side by side.
type SaleRow struct {
	Receipt   string
	Cashier   string // who opened the sale
	Day       string
	Time      time.Time
	Reference string
	State     journal.State
	Amount    int64 // the basket's total
	Captured  int64 // journal
	Refunded  int64 // journal: refunds confirmed
	// Checked says the API answered; then APICaptured and APIRefunded are its
	// aggregate's figures.
	Checked     bool
	APICaptured int64
	APIRefunded int64
	// Note explains a mismatch or why the payment was not checked.
	Note string
}

// Match reports whether the API agrees with the journal on this payment.
func (r SaleRow) Match() bool {
	return r.Checked && r.Captured == r.APICaptured && r.Refunded == r.APIRefunded
}

// RefundRow is one refund made on the report's day.
type RefundRow struct {
	Receipt string // "000012-R1"
	Time    time.Time
	Key     string
	Amount  int64
	Reason  string
	Status  string // done, pending or refused
}

// ZReport is the end-of-day report of one business day.
type ZReport struct {
	// Lang is the language Text writes in (app/i18n); empty: English.
	Lang      string
	Day       string
	Generated time.Time
	// FirstReceipt and LastReceipt span the day's receipt numbers.
	FirstReceipt, LastReceipt string
	Sales                     int // sales started on the day
	States                    []StateTotal
	// Sold is the captured sales of the day by VAT rate; Refunded the refunds
	// made on the day; Net the difference.
	Sold, Refunded, Net basket.Totals
	Refunds             []RefundRow
	Rows                []SaleRow
	// Mismatches are the rows where the API disagrees with the journal;
	// Unchecked the rows the API could not be asked about.
	Mismatches []SaleRow
	Unchecked  []SaleRow
	// PendingRefunds counts refunds of the day not yet confirmed.
	PendingRefunds int
	// Problems are faults of the journal itself (such as a repeated receipt
	// number); an empty list is the normal case.
	Problems []string

	// Returned is the day's returns without receipt, paid out in cash (in
	// Net as money out), by VAT rate; ReturnedCount how many there were.
	Returned      basket.Totals
	ReturnedCount int
	// Cash is the drawer: expected against counted (cash.go).
	Cash CashReport
}

// BuildZ builds the Z report of the journal's open business day. With api set,
// every payment of the day (and every payment refunded on it) is compared with
// the API's aggregate; a nil api leaves the rows unchecked.
func BuildZ(ctx context.Context, j *journal.Journal, api checkout.PaymentAPI, now time.Time) (*ZReport, error) {
	day := j.BusinessDay()
	z := &ZReport{Day: day, Generated: now}
	var daySales, refundedSales []*journal.Sale
	seen := map[string]uint64{}
	err := j.Each(func(s *journal.Sale) bool {
		if other, dup := seen[s.ReceiptNumber]; dup && s.ReceiptNumber != "" { // "": a basket never paid for has none
			// Receipt numbers come from a counter that never resets; a repeat
			// would mean a damaged or spliced journal.
			z.Problems = append(z.Problems, fmt.Sprintf("receipt number %s is used by sales %d and %d", s.ReceiptNumber, other, s.ID))
		}
		seen[s.ReceiptNumber] = s.ID
		refundedToday := false
		for _, rf := range s.Refunds {
			if RefundDay(rf) == day {
				refundedToday = true
			}
		}
		if s.Day == day {
			daySales = append(daySales, s)
		} else if refundedToday {
			refundedSales = append(refundedSales, s)
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("z report: %w", err)
	}
	// The difference of an exchange goes back to the original payment: that
	// payment is reconciled with it (exchange.go).
	exchanged, err := exchangeRefunds(j, day, daySales, &refundedSales)
	if err != nil {
		return nil, fmt.Errorf("z report: %w", err)
	}
	// Oldest first, as the day happened.
	sort.Slice(daySales, func(a, b int) bool { return daySales[a].ID < daySales[b].ID })
	sort.Slice(refundedSales, func(a, b int) bool { return refundedSales[a].ID < refundedSales[b].ID })
	z.checkReceiptOrder(daySales)

	states := map[Category]*StateTotal{}
	for _, c := range categoryOrder {
		states[c] = &StateTotal{Category: c}
	}
	sold := map[money.Rate]*basket.VATLine{}
	refunded := map[money.Rate]*basket.VATLine{}
	z.Sales = len(daySales)
	if len(daySales) > 0 {
		z.FirstReceipt, z.LastReceipt = daySales[0].ReceiptNumber, daySales[len(daySales)-1].ReceiptNumber
	}
	returned := map[money.Rate]*basket.VATLine{}
	for _, s := range daySales {
		if s.Return != nil {
			z.ReturnedCount++
			for _, v := range (&basket.Basket{Lines: s.Return.Lines}).Totals().ByVAT {
				addVAT(returned, v)
			}
			continue
		}
		c := categoryOf(s.State())
		st := states[c]
		st.Count++
		if c == CatCaptured {
			// Vipps captured, and cash (a cash or split sale).
			if a := capturedAttempt(s); a != nil {
				st.Amount += a.Captured
			}
			st.Amount += s.CashPaid()
			for _, v := range s.Totals.ByVAT {
				addVAT(sold, v)
			}
		} else {
			st.Amount += s.Totals.Gross
		}
	}
	for _, s := range append(append([]*journal.Sale(nil), daySales...), refundedSales...) {
		bds, err := Breakdowns(s)
		if err != nil {
			z.Problems = append(z.Problems, err.Error())
		}
		for i, rf := range s.Refunds {
			if RefundDay(rf) != day {
				continue
			}
			row := RefundRow{Receipt: fmt.Sprintf("%s-R%d", s.ReceiptNumber, i+1), Time: rf.At, Key: rf.Key, Amount: rf.Amount, Reason: rf.Reason}
			switch {
			case rf.Done:
				row.Status = "done"
				states[CatRefunded].Count++
				states[CatRefunded].Amount += rf.Amount
				if i < len(bds) {
					for _, v := range bds[i].Totals.ByVAT {
						addVAT(refunded, v)
					}
				}
			case rf.Error != "":
				row.Status = "refused"
			default:
				row.Status = "pending"
				z.PendingRefunds++
			}
			z.Refunds = append(z.Refunds, row)
		}
	}
	for _, c := range categoryOrder {
		z.States = append(z.States, *states[c])
	}
	if err := z.buildCash(j, daySales, refundedSales); err != nil {
		return nil, err
	}
	z.Sold = totalsOf(sold)
	z.Refunded = totalsOf(refunded)
	net := map[money.Rate]*basket.VATLine{}
	for _, v := range z.Sold.ByVAT {
		addVAT(net, v)
	}
	z.Returned = totalsOf(returned)
	for _, v := range append(append([]basket.VATLine(nil), z.Refunded.ByVAT...), z.Returned.ByVAT...) {
		addVAT(net, basket.VATLine{Rate: v.Rate, Gross: -v.Gross, Net: -v.Net, VAT: -v.VAT})
	}
	z.Net = totalsOf(net)

	for _, s := range append(daySales, refundedSales...) {
		for _, a := range s.Attempts {
			r := row(s, a)
			if a.State == journal.StateCaptured {
				r.Refunded += exchanged[a.Reference]
			}
			z.Rows = append(z.Rows, r)
		}
	}
	if api != nil {
		for i := range z.Rows {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("z report: %w", err)
			}
			reconcile(ctx, api, &z.Rows[i])
		}
	}
	for _, r := range z.Rows {
		switch {
		case !r.Checked:
			z.Unchecked = append(z.Unchecked, r)
		case !r.Match():
			z.Mismatches = append(z.Mismatches, r)
		}
	}
	return z, nil
}

func addVAT(m map[money.Rate]*basket.VATLine, v basket.VATLine) {
	r := m[v.Rate]
	if r == nil {
		r = &basket.VATLine{Rate: v.Rate}
		m[v.Rate] = r
	}
	r.Gross += v.Gross
	r.Net += v.Net
	r.VAT += v.VAT
}

// checkReceiptOrder asserts that the day's receipt numbers rise with the sales:
// they come from a counter that never resets.
func (z *ZReport) checkReceiptOrder(sales []*journal.Sale) {
	var last uint64
	for _, s := range sales {
		n, err := strconv.ParseUint(s.ReceiptNumber, 10, 64)
		if err != nil {
			z.Problems = append(z.Problems, fmt.Sprintf("sale %d has receipt number %q", s.ID, s.ReceiptNumber))
			continue
		}
		if n <= last {
			z.Problems = append(z.Problems, fmt.Sprintf("receipt number %s does not follow %d", s.ReceiptNumber, last))
		}
		last = n
	}
}

func row(s *journal.Sale, a *journal.Attempt) SaleRow {
	r := SaleRow{Receipt: s.ReceiptNumber, Cashier: s.Cashier, Day: s.Day, Time: s.Created, Reference: a.Reference, State: a.State, Amount: s.Totals.Gross, Captured: a.Captured}
	if a.State == journal.StateCaptured {
		for _, rf := range s.Refunds {
			if rf.Done {
				r.Refunded += rf.Amount
			}
		}
		if a.Refunded > r.Refunded {
			// Vipps reported more returned than this till refunded: a
			// refund made in the merchant portal.
			r.Note = "refunded " + money.Format(a.Refunded-r.Refunded) + " outside Kasse (merchant portal)"
		}
	}
	return r
}

// reconcile fills in the API's figures for one payment.
func reconcile(ctx context.Context, api checkout.PaymentAPI, r *SaleRow) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	p, err := api.GetPayment(ctx, r.Reference)
	switch {
	case errors.Is(err, epayment.ErrNotFound):
		// Never reached the API: nothing moved, which is right unless the
		// journal says otherwise.
		r.Checked = true
		if r.Captured != 0 || r.Refunded != 0 {
			r.Note = "the API has no such payment"
		}
		return
	case err != nil:
		r.Note = "not checked: " + err.Error()
		return
	}
	r.Checked = true
	r.APICaptured = p.Aggregate.CapturedAmount.Value
	r.APIRefunded = p.Aggregate.RefundedAmount.Value
	switch {
	case r.APICaptured != r.Captured && r.APIRefunded != r.Refunded:
		r.Note = "captured and refunded differ"
	case r.APICaptured != r.Captured:
		r.Note = "captured differs"
	case r.APIRefunded != r.Refunded && r.Note == "":
		r.Note = "refunded differs"
	}
}

// ErrStaleReport refuses to close a day from a report of another day.
var ErrStaleReport = errors.New("the business day changed since this report was made; make the report again")

// CloseDay ends the report's business day and opens next (YYYY-MM-DD, after
// the report's day). Receipt numbers continue: the journal's counter never
// resets.
//
// The day closes with its Z report (events.Report), numbered and stored whole
// in the journal in the same write; h says whose report it is.
func CloseDay(j *journal.Journal, h events.Header, z *ZReport, next string) (*events.Report, error) {
	if j.BusinessDay() != z.Day {
		return nil, ErrStaleReport
	}
	nt, err := time.Parse("2006-01-02", next)
	if err != nil {
		return nil, fmt.Errorf("next business day %q: %w", next, err)
	}
	dt, err := time.Parse("2006-01-02", z.Day)
	if err == nil && !nt.After(dt) {
		return nil, fmt.Errorf("the next business day must come after %s", z.Day)
	}
	rp, recs, err := zRecords(j, h, z, next, time.Now())
	if err != nil {
		return nil, err
	}
	if _, err := j.Append(recs...); err != nil {
		return nil, fmt.Errorf("close day: %w", err)
	}
	return rp, nil
}

// NextDay suggests the day to open after day: the later of the day after it
// and today (a day closed after midnight opens today, not tomorrow).
func NextDay(day string, now time.Time) string {
	today := now.Format("2006-01-02")
	d, err := time.Parse("2006-01-02", day)
	if err != nil {
		return today
	}
	next := d.AddDate(0, 0, 1).Format("2006-01-02")
	if today > next {
		return today
	}
	return next
}
