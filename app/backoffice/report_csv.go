package backoffice

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
)

// csvHeader names the columns of the exported report. Each record's first
// column says what it is; a record leaves the columns it has no use for empty.
// Amounts are decimal with a point ("498.00"), exact, never rounded.
var csvHeader = []string{"record", "day", "receipt", "time", "reference", "state", "vat_percent", "count",
	"net", "vat", "gross", "captured", "refunded", "checked", "api_captured", "api_refunded", "note", "cashier"}

const (
	colRecord = iota
	colDay
	colReceipt
	colTime
	colReference
	colState
	colVATPercent
	colCount
	colNet
	colVAT
	colGross
	colCaptured
	colRefunded
	colChecked
	colAPICaptured
	colAPIRefunded
	colNote
	colCashier
	nCols
)

// Record kinds of the CSV export.
const (
	recReport   = "report"   // day, time (generated), receipt (first), reference (last), count (sales)
	recState    = "state"    // state (category), count, gross
	recSold     = "sold"     // vat_percent, net, vat, gross
	recRefunded = "refunded" // vat_percent, net, vat, gross
	recNet      = "net"      // vat_percent, net, vat, gross
	recRefund   = "refund"   // receipt, time, reference (key), state (status), gross, note (reason)
	recPayment  = "payment"  // one payment, reconciled
	recProblem  = "problem"  // note
	recCash     = "cash"     // state (what: float, sales, …), gross or count (cash.go)
	recNoSale   = "no_sale"  // note (who and why the drawer opened without a sale)
)

// WriteCSV exports the report with encoding/csv: one record per state, VAT
// rate, refund and payment. ReadCSV reads it back.
func (z *ZReport) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	rec := func(kind string, set func(r []string)) {
		r := make([]string, nCols)
		r[colRecord] = kind
		set(r)
		_ = cw.Write(r) // the error sticks; Flush reports it
	}
	_ = cw.Write(csvHeader)
	rec(recReport, func(r []string) {
		r[colDay], r[colTime], r[colReceipt], r[colReference] = z.Day, stamp(z.Generated), z.FirstReceipt, z.LastReceipt
		r[colCount] = strconv.Itoa(z.Sales)
	})
	for _, s := range z.States {
		rec(recState, func(r []string) {
			r[colState], r[colCount], r[colGross] = string(s.Category), strconv.Itoa(s.Count), dec(s.Amount)
		})
	}
	for _, t := range []struct {
		kind string
		t    basket.Totals
	}{{recSold, z.Sold}, {recRefunded, z.Refunded}, {recNet, z.Net}} {
		for _, v := range t.t.ByVAT {
			rec(t.kind, func(r []string) {
				r[colVATPercent], r[colNet], r[colVAT], r[colGross] = v.Rate.String(), dec(v.Net), dec(v.VAT), dec(v.Gross)
			})
		}
	}
	for _, f := range z.Refunds {
		rec(recRefund, func(r []string) {
			r[colReceipt], r[colTime], r[colReference], r[colState] = f.Receipt, stamp(f.Time), f.Key, f.Status
			r[colGross], r[colNote] = dec(f.Amount), f.Reason
		})
	}
	for _, p := range z.Rows {
		rec(recPayment, func(r []string) {
			r[colReceipt], r[colDay], r[colTime], r[colReference], r[colState] = p.Receipt, p.Day, stamp(p.Time), p.Reference, string(p.State)
			r[colCashier] = p.Cashier
			r[colGross], r[colCaptured], r[colRefunded] = dec(p.Amount), dec(p.Captured), dec(p.Refunded)
			r[colChecked] = strconv.FormatBool(p.Checked)
			if p.Checked {
				r[colAPICaptured], r[colAPIRefunded] = dec(p.APICaptured), dec(p.APIRefunded)
			}
			r[colNote] = p.Note
		})
	}
	for _, p := range z.Problems {
		rec(recProblem, func(r []string) { r[colNote] = p })
	}
	z.writeCashCSV(rec)
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write z report csv: %w", err)
	}
	return nil
}

// ReadCSV reads a report written by WriteCSV.
func ReadCSV(rd io.Reader) (*ZReport, error) {
	cr := csv.NewReader(rd)
	cr.FieldsPerRecord = nCols
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read z report csv: %w", err)
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != strings.Join(csvHeader, ",") {
		return nil, errors.New("read z report csv: not a Kasse Z report (header differs)")
	}
	z := &ZReport{}
	vat := map[string]map[money.Rate]*basket.VATLine{recSold: {}, recRefunded: {}, recNet: {}}
	var p parser
	for i, r := range recs[1:] {
		p.line = i + 2
		switch r[colRecord] {
		case recReport:
			z.Day, z.Generated, z.FirstReceipt, z.LastReceipt = r[colDay], p.time(r[colTime]), r[colReceipt], r[colReference]
			z.Sales = p.int(r[colCount])
		case recState:
			z.States = append(z.States, StateTotal{Category: Category(r[colState]), Count: p.int(r[colCount]), Amount: p.dec(r[colGross])})
		case recSold, recRefunded, recNet:
			addVAT(vat[r[colRecord]], basket.VATLine{Rate: p.rate(r[colVATPercent]), Net: p.dec(r[colNet]), VAT: p.dec(r[colVAT]), Gross: p.dec(r[colGross])})
		case recRefund:
			f := RefundRow{Receipt: r[colReceipt], Time: p.time(r[colTime]), Key: r[colReference], Status: r[colState], Amount: p.dec(r[colGross]), Reason: r[colNote]}
			if f.Status == "pending" {
				z.PendingRefunds++
			}
			z.Refunds = append(z.Refunds, f)
		case recPayment:
			row := SaleRow{Receipt: r[colReceipt], Day: r[colDay], Time: p.time(r[colTime]), Reference: r[colReference], State: journal.State(r[colState]),
				Amount: p.dec(r[colGross]), Captured: p.dec(r[colCaptured]), Refunded: p.dec(r[colRefunded]), Checked: r[colChecked] == "true", Note: r[colNote], Cashier: r[colCashier]}
			if row.Checked {
				row.APICaptured, row.APIRefunded = p.dec(r[colAPICaptured]), p.dec(r[colAPIRefunded])
			}
			z.Rows = append(z.Rows, row)
			switch {
			case !row.Checked:
				z.Unchecked = append(z.Unchecked, row)
			case !row.Match():
				z.Mismatches = append(z.Mismatches, row)
			}
		case recProblem:
			z.Problems = append(z.Problems, r[colNote])
		case recCash, recNoSale:
			z.readCashCSV(r, &p)
		default:
			p.fail(fmt.Errorf("unknown record %q", r[colRecord]))
		}
		if p.err != nil {
			return nil, fmt.Errorf("read z report csv: %w", p.err)
		}
	}
	z.Sold, z.Refunded, z.Net = totalsOf(vat[recSold]), totalsOf(vat[recRefunded]), totalsOf(vat[recNet])
	return z, nil
}

// parser keeps the first error of a record's fields.
type parser struct {
	line int
	err  error
}

func (p *parser) fail(err error) {
	if p.err == nil {
		p.err = fmt.Errorf("line %d: %w", p.line, err)
	}
}

func (p *parser) int(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		p.fail(err)
	}
	return n
}

func (p *parser) rate(s string) money.Rate {
	r, err := money.ParseRate(s)
	if err != nil {
		p.fail(err)
	}
	return r
}

func (p *parser) dec(s string) int64 {
	n, err := parseDec(s)
	if err != nil {
		p.fail(err)
	}
	return n
}

func (p *parser) time(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		p.fail(err)
	}
	return t
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// dec writes minor units as a decimal with two places: -1234 → "-12.34".
func dec(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// parseDec reads what dec wrote.
func parseDec(s string) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	whole, frac, ok := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if !ok || len(frac) != 2 {
		return 0, fmt.Errorf("amount %q is not like 12.34", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 {
		return 0, fmt.Errorf("amount %q is not like 12.34", s)
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("amount %q is not like 12.34", s)
	}
	v := w*100 + f
	if neg {
		v = -v
	}
	return v, nil
}
