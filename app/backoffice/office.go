package backoffice

import (
	"context"
	"time"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/events"
	"github.com/kasse-pos/kasse/app/journal"
)

// Office is what the back-office screens need: the history, refunds and the
// end of day. *Desk implements it over a till's journal, API and refunder; a
// test can drive the screens with a fake.
type Office interface {
	Search(q Query) ([]Entry, error)
	Sale(id uint64) (*journal.Sale, error)
	Refund(ctx context.Context, req RefundRequest) (*RefundResult, error)
	RetryRefunds(ctx context.Context, saleID uint64) ([]*RefundResult, error)
	// DeliversRefunds says whether refund receipts go to a printer or a
	// phone; DeliverRefund sends one.
	DeliversRefunds() bool
	DeliverRefund(ctx context.Context, rc RefundReceipt) (url string, err error)
	BuildZ(ctx context.Context, now time.Time) (*ZReport, error)
	// CloseDay closes the day with its numbered Z report, stored whole.
	CloseDay(z *ZReport, next string) (*events.Report, error)
	// XReport makes, numbers and stores an X report; Reports lists the
	// stored X and Z reports for reprinting.
	XReport(now time.Time) (*events.Report, error)
	Reports() ([]StoredReport, error)
}

// Desk is a till's back office.
type Desk struct {
	Journal  *journal.Journal
	API      checkout.PaymentAPI
	Refunder *Refunder
	// Header is the company and cash point the X and Z reports name.
	Header events.Header
	// Lang is the language of the Z report's text (app/i18n); empty: English.
	Lang string
}

var _ Office = (*Desk)(nil)

// Search finds sales in the journal.
func (d *Desk) Search(q Query) ([]Entry, error) { return Search(d.Journal, q) }

// Sale reads one sale.
func (d *Desk) Sale(id uint64) (*journal.Sale, error) { return d.Journal.Get(id) }

// Refund makes a refund through the till's refunder.
func (d *Desk) Refund(ctx context.Context, req RefundRequest) (*RefundResult, error) {
	return d.Refunder.Refund(ctx, req)
}

// RetryRefunds sends a sale's pending refunds again.
func (d *Desk) RetryRefunds(ctx context.Context, saleID uint64) ([]*RefundResult, error) {
	return d.Refunder.Retry(ctx, saleID)
}

// DeliversRefunds reports whether refund receipts have somewhere to go.
func (d *Desk) DeliversRefunds() bool {
	return d.Refunder.Printer != nil || d.Refunder.Publisher != nil
}

// DeliverRefund prints and publishes a refund receipt.
func (d *Desk) DeliverRefund(ctx context.Context, rc RefundReceipt) (string, error) {
	return d.Refunder.Deliver(ctx, rc)
}

// BuildZ makes the Z report of the open business day.
func (d *Desk) BuildZ(ctx context.Context, now time.Time) (*ZReport, error) {
	z, err := BuildZ(ctx, d.Journal, d.API, now)
	if z != nil {
		z.Lang = d.Lang
	}
	return z, err
}

// CloseDay closes the report's day and opens next.
func (d *Desk) CloseDay(z *ZReport, next string) (*events.Report, error) {
	return CloseDay(d.Journal, d.Header, z, next)
}

// XReport makes and stores an X report.
func (d *Desk) XReport(now time.Time) (*events.Report, error) {
	return XReport(d.Journal, d.Header, now)
}

// Reports lists the stored X and Z reports.
func (d *Desk) Reports() ([]StoredReport, error) { return Reports(d.Journal) }
