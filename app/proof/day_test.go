//go:build unix

package proof

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/fiscal"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/saft"
)

// Kill steps of the child's reports (plan.Reports): the Z report built, not
// yet stored; and stored with its closed day, not yet printed.
const (
	StepZBuilt  = "z built"
	StepZStored = "z stored"
)

// reports makes an X report and closes the day with a Z report, as the
// manager does at closing time.
func (c *cashier) reports(trace func(step, ref string)) {
	c.t.Helper()
	office := c.st.Office
	if _, err := office.XReport(time.Now()); err != nil {
		c.t.Fatalf("x report: %v", err)
	}
	z, err := office.BuildZ(context.Background(), time.Now())
	if err != nil {
		c.t.Fatalf("z report: %v", err)
	}
	trace(StepZBuilt, z.Day)
	if _, err := office.CloseDay(z, backoffice.NextDay(z.Day, time.Now())); err != nil {
		c.t.Fatalf("close the day: %v", err)
	}
	trace(StepZStored, z.Day)
}

// daySales are a day's sales: Vipps with a refund, cash, a split, and Vipps.
var daySales = []saleSpec{
	{Products: []string{"P025"}, Phone: phoneApproves, Refund: 5000},
	{Products: []string{"P001"}, Cash: 5000},
	{Products: basket, Phone: phoneApproves, SplitCash: 10000},
	{Products: []string{"P026"}, Phone: phoneApproves},
}

// TestKillDuringADay kills the till with SIGKILL at points of a day of
// sales and its Z report, starts it again, finishes the day, and checks what
// an auditor would: the books add up, the journal's signature chain verifies
// whole, every finished sale and refund is signed exactly once, the Z
// reports are numbered without a gap, and the SAF-T export of the day
// passes the signature verifier with every signed transaction in it.
func TestKillDuringADay(t *testing.T) {
	cases := []struct {
		name string
		step string
		nth  int
	}{
		{"during a Vipps capture", checkout.TraceCaptureAfter, 1},
		{"during the split's Vipps capture", checkout.TraceCaptureAfter, 2},
		{"between a cash tender and its receipt", checkout.TraceCashTaken, 1},
		{"between a split's cash part and Vipps", checkout.TraceCashTaken, 2},
		{"during a refund, before it is sent", checkout.TraceRefundBefore, 1},
		{"during a refund, made but not journaled", checkout.TraceRefundAfter, 1},
		{"during the Z report, before it is stored", StepZBuilt, 1},
		{"during the Z report, stored but not printed", StepZStored, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			first := w.run(plan{KillStep: c.step, KillNth: c.nth, Sales: daySales, Settle: true, Reports: true}, nil)
			if ev, ok := first.event("killed"); !first.Killed || !ok {
				t.Fatalf("the till was not killed at %s #%d: %+v\n%s", c.step, c.nth, first.Events, tail(first.Output, 4000))
			} else {
				t.Logf("killed at %s (%s)", ev.Step, ev.Ref)
			}
			// The restarted till finishes what was left, sells on, and
			// closes the day.
			second := w.run(plan{Sales: []saleSpec{{Products: []string{"P001"}, Phone: phoneApproves}}, Settle: true, Reports: true}, nil)
			if second.Killed {
				t.Fatalf("the second till died: %+v", second.Events)
			}
			if _, ok := second.event("reported"); !ok {
				t.Fatalf("the second till made no reports:\n%s", tail(second.Output, 4000))
			}
			w.audit().ok(t)
			w.auditChain(t)
		})
	}
}

// auditChain checks the signatures after a day (no till process may run).
func (w *world) auditChain(t *testing.T) {
	t.Helper()
	j, err := journal.Open(filepath.Join(w.dir, "kasse.db"), journal.Options{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	keys, err := fiscal.HistoryFile(fiscal.HistoryPath(filepath.Join(w.dir, "fiscal")))
	if err != nil {
		t.Fatal(err)
	}
	if err := fiscal.VerifyJournal(j, keys); err != nil {
		t.Errorf("the journal's chain: %v", err)
	}
	signed := 0
	err = j.Each(func(s *journal.Sale) bool {
		n := map[string]int{}
		for _, sg := range s.Signatures {
			n[sg.Of]++
		}
		for _, c := range fiscal.Transactions(s) {
			if n[c.Of] != 1 {
				t.Errorf("receipt %s (%s): %d signatures, want 1", s.ReceiptNumber, c.Of, n[c.Of])
			}
			signed++
		}
		if (capturedAttempt(s) != nil || s.PaidInCash()) && n[fiscal.OfSale] == 0 {
			t.Errorf("receipt %s was paid and is not signed", s.ReceiptNumber)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	// At least the sales before the kill and the one after the restart.
	if signed < 2 {
		t.Errorf("%d signed transactions", signed)
	}
	reports, err := backoffice.Reports(j)
	if err != nil {
		t.Fatal(err)
	}
	next := map[string]int{journal.ReportX: 1, journal.ReportZ: 1}
	for _, r := range reports {
		if r.Report.Number != next[r.Report.Type] {
			t.Errorf("%s report nr %d, want nr %d", r.Report.Type, r.Report.Number, next[r.Report.Type])
		}
		next[r.Report.Type] = r.Report.Number + 1
	}
	if next[journal.ReportZ] < 2 {
		t.Error("no Z report was stored")
	}

	cfg := saft.ShopConfig(w.cfg.Shop.Name, w.cfg.Shop.Address, w.cfg.Shop.OrgNumber, w.cfg.POSID)
	day := time.Now().In(fiscal.Norway)
	path, err := saft.Export(context.Background(), j, cfg, day.AddDate(0, 0, -1).Format(time.DateOnly), day.AddDate(0, 0, 1).Format(time.DateOnly), t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := saft.Verify(path, keys)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Registers[0].Transactions != signed || rep.Registers[0].Verified != signed {
		t.Errorf("the SAF-T file:\n%s", rep)
	}
}
