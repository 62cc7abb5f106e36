package backoffice

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
)

// CashReport is the cash drawer of one business day: what should be in it
// against what was counted.
//
// Expected = Float + Sales − Refunds + In − Out. Sales is the cash the day's
// sales hold (tenders less cash handed back, rounding included), so a split
// sale counts its cash part. Refunds is the cash handed back by refunds of
// cash sales made on the day (rounded as cash is).
type CashReport struct {
	Float, Sales, Refunds, In, Out int64
	Expected                       int64
	// Counted is the day's last count, if Counts > 0; Difference is Counted
	// − Expected (negative: cash is missing).
	Counted    int64
	Counts     int
	Difference int64
	// Openings counts the drawer's openings since the day began; NoSale
	// those without a sale (their reasons are in NoSaleReasons).
	Openings, NoSale int
	NoSaleReasons    []string
}

// buildCash fills z.Cash from the day's sales and the drawer's records.
func (z *ZReport) buildCash(j *journal.Journal, daySales, refundedSales []*journal.Sale) error {
	c := &z.Cash
	for _, s := range daySales {
		c.Sales += s.CashPaid()
		if s.Return != nil {
			c.Refunds += s.Return.Amount // a return without receipt, paid out in cash
		}
		if st := s.Settled; st != nil && st.Method == journal.SettleCash {
			c.Refunds += st.Paid // an exchange's difference, paid out
		}
	}
	for _, s := range append(append([]*journal.Sale(nil), daySales...), refundedSales...) {
		for _, rf := range s.Refunds {
			if rf.Done && rf.Cash > 0 && RefundDay(rf) == z.Day {
				c.Refunds += rf.Cash
			}
		}
	}
	// Drawer openings name no day: they belong to the day that was open,
	// so the count starts again after each day.closed.
	err := j.EachRecord(0, func(r journal.Record) bool {
		switch r.Kind {
		case journal.KindDayClosed:
			c.Openings, c.NoSale, c.NoSaleReasons = 0, 0, nil
		case journal.KindDrawerOpened:
			c.Openings++
			if r.Drawer.Reason == journal.DrawerNoSale {
				c.NoSale++
				c.NoSaleReasons = append(c.NoSaleReasons, strings.TrimSpace(r.Cashier+" "+r.Note))
			}
		case journal.KindCashIn, journal.KindCashOut, journal.KindCashCounted:
			if r.Cash.Day != z.Day {
				break
			}
			switch {
			case r.Kind == journal.KindCashCounted:
				c.Counted, c.Counts = r.Cash.Amount, c.Counts+1
			case r.Kind == journal.KindCashOut:
				c.Out += r.Cash.Amount
			case r.Cash.Reason == journal.CashFloat:
				c.Float += r.Cash.Amount
			default:
				c.In += r.Cash.Amount
			}
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("z report: cash: %w", err)
	}
	c.Expected = c.Float + c.Sales - c.Refunds + c.In - c.Out
	if c.Counts > 0 {
		c.Difference = c.Counted - c.Expected
	}
	return nil
}

// cashText is the CASH section of the printed report.
func (z *ZReport) cashText(b *strings.Builder, lr func(left, right string)) {
	c := z.Cash
	b.WriteString("CASH\n")
	lr("Float", money.Format(c.Float))
	lr("+ Cash sales", money.Format(c.Sales))
	lr("- Cash refunds", money.Format(c.Refunds))
	lr("+ Cash in", money.Format(c.In))
	lr("- Cash out", money.Format(c.Out))
	lr("= Expected in drawer", money.Format(c.Expected))
	if c.Counts > 0 {
		lr("Counted", money.Format(c.Counted))
		lr("Difference", money.Format(c.Difference))
	} else {
		b.WriteString("Not counted.\n")
	}
	lr("Drawer openings", fmt.Sprint(c.Openings))
	lr("  without a sale", fmt.Sprint(c.NoSale))
	for _, why := range c.NoSaleReasons {
		b.WriteString("    " + truncate(why, ReportWidth-4) + "\n")
	}
}

// cashFigures are the CASH section's amounts as the CSV names them.
func (c *CashReport) cashFigures() []struct {
	name string
	v    *int64
} {
	return []struct {
		name string
		v    *int64
	}{{"float", &c.Float}, {"sales", &c.Sales}, {"refunds", &c.Refunds}, {"in", &c.In}, {"out", &c.Out},
		{"expected", &c.Expected}, {"counted", &c.Counted}, {"difference", &c.Difference}}
}

// writeCashCSV writes the CASH section: one record per amount, the counts,
// and one record per drawer opening without a sale.
func (z *ZReport) writeCashCSV(rec func(kind string, set func(r []string))) {
	c := &z.Cash
	for _, f := range c.cashFigures() {
		rec(recCash, func(r []string) { r[colState], r[colGross] = f.name, dec(*f.v) })
	}
	for _, n := range []struct {
		name string
		v    int
	}{{"counts", c.Counts}, {"openings", c.Openings}, {"no_sale", c.NoSale}} {
		rec(recCash, func(r []string) { r[colState], r[colCount] = n.name, strconv.Itoa(n.v) })
	}
	for _, why := range c.NoSaleReasons {
		rec(recNoSale, func(r []string) { r[colNote] = why })
	}
}

// readCashCSV reads one record writeCashCSV wrote.
func (z *ZReport) readCashCSV(r []string, p *parser) {
	c := &z.Cash
	if r[colRecord] == recNoSale {
		c.NoSaleReasons = append(c.NoSaleReasons, r[colNote])
		return
	}
	switch r[colState] {
	case "counts":
		c.Counts = p.int(r[colCount])
	case "openings":
		c.Openings = p.int(r[colCount])
	case "no_sale":
		c.NoSale = p.int(r[colCount])
	default:
		for _, f := range c.cashFigures() {
			if f.name == r[colState] {
				*f.v = p.dec(r[colGross])
				return
			}
		}
		p.fail(fmt.Errorf("unknown cash figure %q", r[colState]))
	}
}
