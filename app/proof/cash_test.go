//go:build unix

package proof

import (
	"github.com/kasse-pos/kasse/app/money"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/journal"
)

// saleByReceipt reads a sale from the journal (no till process may be
// running).
func (w *world) saleByReceipt(number string) *journal.Sale {
	w.t.Helper()
	j, err := journal.Open(filepath.Join(w.dir, "kasse.db"), journal.Options{Timeout: 2 * time.Second})
	if err != nil {
		w.t.Fatalf("open journal: %v", err)
	}
	defer j.Close()
	var found *journal.Sale
	_ = j.Each(func(s *journal.Sale) bool {
		if s.ReceiptNumber == number {
			found = s
		}
		return found == nil
	})
	if found == nil {
		w.t.Fatalf("no sale has receipt %s", number)
	}
	return found
}

// TestKillBetweenCashAndReceipt kills the till after a cash tender is
// journaled, before the drawer opens and the receipt goes out: the restart
// finds the sale paid and sends its receipt.
func TestKillBetweenCashAndReceipt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	number := w.killAt(checkout.TraceCashTaken, 1, saleSpec{Products: basket, Cash: 50000})
	if s := w.saleByReceipt(number); !s.PaidInCash() || s.Printed || s.ReceiptURL != "" {
		t.Fatalf("at the kill: paid %v, printed %v, link %q; the kill was not where this test says", s.PaidInCash(), s.Printed, s.ReceiptURL)
	}
	second := w.run(plan{Sales: []saleSpec{{Products: []string{"P001"}, Phone: phoneApproves}}, Settle: true}, nil)
	rec, _ := second.event("recovered")
	if !strings.Contains(strings.Join(rec.Lines, "\n"), "Receipt "+number+" was paid but its receipt never went out") {
		t.Errorf("recovery told the cashier %q", rec.Lines)
	}
	w.audit().ok(t)
	s := w.saleByReceipt(number)
	if s.State() != journal.StateCaptured || s.CashPaid() != 49800 || !s.Printed || s.ReceiptURL == "" {
		t.Errorf("after the restart: state %s, cash %d, printed %v, link %q", s.State(), s.CashPaid(), s.Printed, s.ReceiptURL)
	}
	// Signed once, by the restarted till's SignPending.
	if len(s.Signatures) != 1 {
		t.Errorf("%d signatures, want 1", len(s.Signatures))
	}
}

// TestKillBetweenCashPartAndVipps kills the till after a split's cash part
// is journaled, before Vipps is asked for the rest: the restart puts the
// sale back on screen with its cash, and names it.
func TestKillBetweenCashPartAndVipps(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	number := w.killAt(checkout.TraceCashTaken, 1, saleSpec{Products: basket, Phone: phoneApproves, SplitCash: 20000})
	second := w.run(plan{Settle: true}, nil)
	rec, _ := second.event("recovered")
	if !strings.Contains(strings.Join(rec.Lines, "\n"), "Receipt "+number+": "+money.FormatCurrency(20000, "NOK")) {
		t.Errorf("recovery told the cashier %q", rec.Lines)
	}
	w.audit().ok(t)
	if s := w.saleByReceipt(number); s.CashPaid() != 20000 || len(s.Attempts) != 0 || s.PaidInCash() {
		t.Errorf("after the restart: cash %d, attempts %d", s.CashPaid(), len(s.Attempts))
	}
}
