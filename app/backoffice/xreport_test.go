package backoffice_test

import (
	"errors"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/events"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/hardware/escpos"
	"github.com/kasse-pos/kasse/payments/sim"
)

var writeDocs = flag.Bool("docs", false, "write the pictures of the receipts and the Z report into docs/")

// paper checks the last paper the till's (virtual) printer printed, and with
// -docs keeps its picture for the documentation.
func paper(t *testing.T, r *rig, name string, want ...string) {
	t.Helper()
	v, ok := r.Station.Printer.Device.(*escpos.Virtual)
	if !ok {
		t.Fatalf("the demo till's printer is %T", r.Station.Printer.Device)
	}
	d, _ := v.Last()
	for _, w := range want {
		if !slices.Contains(d.Lines, w) {
			t.Errorf("%s: no line %q in\n%s", name, w, d.Text())
		}
	}
	keep(t, name, v.Image())
}

func keep(t *testing.T, name string, img image.Image) {
	t.Helper()
	if !*writeDocs {
		return
	}
	f, err := os.Create(filepath.Join("..", "..", "docs", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// A day through the real till and the simulator: X and Z count what the rules
// ask for, the Z is numbered and stored whole, a second copy is refused, and
// a training sale is marked and kept out of the sales.
func TestXAndZReportsOfADay(t *testing.T) {
	r := newRig(t)
	ctx := t.Context()
	office := r.Station.Office

	// Sale A: P025 199,00 (25 %) and P001 32,00 (15 %), with one P001
	// corrected away before paying.
	r.Till.NewSale()
	for _, id := range []string{"P025", "P001", "P001"} {
		if err := r.Till.AddProduct(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Till.SetQuantity("P001", 1); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.SetCustomer("91234567"); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	r.Await("paid and printed", func(v checkout.View) bool {
		return v.Phase == checkout.PhaseDone && v.Receipt != nil && v.Receipt.Printed && v.Receipt.URL != ""
	})
	paper(t, r, "receipt-sale.png", "Salgskvittering", "Kasse 1", "Org.nr. 999 999 999 MVA")
	if err := r.Till.Reprint(ctx); err != nil {
		t.Fatalf("the copy: %v", err)
	}
	paper(t, r, "receipt-copy.png", "Salgskvittering", "KOPI")
	if err := r.Till.Reprint(ctx); !errors.Is(err, checkout.ErrCopyMade) {
		t.Fatalf("a second copy: %v, want ErrCopyMade", err)
	}
	a := r.sale(r.Till.View().Reference)
	if a.Copies != 1 {
		t.Fatalf("copies journaled: %d", a.Copies)
	}
	r.decline("P001")
	r.cancelled("P001")
	if _, err := r.Till.LookUpPrice("P025"); err != nil {
		t.Fatal(err)
	}
	res, err := office.Refund(ctx, backoffice.RefundRequest{SaleID: a.ID, Lines: []backoffice.LineQty{{ProductID: "P001", Quantity: 1}}, Reason: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := office.DeliverRefund(ctx, res.Receipt); err != nil {
		t.Fatal(err)
	}
	paper(t, r, "receipt-return.png", "Returkvittering", "Retur av kvittering nr.                   "+a.ReceiptNumber)

	x, err := office.XReport(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if x.Number != 1 || x.Type != journal.ReportX {
		t.Errorf("X report %s nr %d", x.Type, x.Number)
	}
	check := func(name string, rp *events.Report) {
		t.Helper()
		want := map[string][2]int64{
			"sales": {1, 23100}, "returns": {1, -3200}, "copies": {1, 23100}, "training": {0, 0},
		}
		got := map[string][2]int64{
			"sales": {int64(rp.Sales.Count), rp.Sales.Amount}, "returns": {int64(rp.Returns.Count), rp.Returns.Amount},
			"copies": {int64(rp.Copies.Count), rp.Copies.Amount}, "training": {int64(rp.Training.Count), rp.Training.Amount},
		}
		if name == "Z" {
			want["training"] = [2]int64{1, 3200}
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s: %s = %v, want %v", name, k, got[k], w)
			}
		}
		if rp.Receipts != 1 || rp.ReturnReceipts != 1 {
			t.Errorf("%s: %d sales receipts, %d return receipts; want 1 and 1", name, rp.Receipts, rp.ReturnReceipts)
		}
		lines := func(ls []events.Line) map[string]events.Total {
			m := map[string]events.Total{}
			for _, l := range ls {
				m[l.Key] = l.Total
			}
			return m
		}
		for what, c := range map[string]struct {
			got  map[string]events.Total
			want map[string]events.Total
		}{
			"corrections": {lines(rp.Corrections), map[string]events.Total{events.CorrReduced: {Count: 1, Amount: -3200}}},
			"other":       {lines(rp.Other), map[string]events.Total{events.OtherDecline: {Count: 1, Amount: 3200}, events.OtherCancel: {Count: 1, Amount: 3200}}},
			"look-ups":    {lines(rp.PriceLookups), map[string]events.Total{"04003": {Count: 1, Amount: 19900}}},
			"payments":    {lines(rp.Payments), map[string]events.Total{events.PayVipps.ID: {Count: 2, Amount: 19900}}},
			"groups":      {lines(rp.Groups), map[string]events.Total{"04003": {Count: 1, Amount: 19900}, "04006": {Count: 0, Amount: 0}}},
		} {
			if len(c.got) != len(c.want) {
				t.Errorf("%s: %s = %v, want %v", name, what, c.got, c.want)
				continue
			}
			for k, w := range c.want {
				if c.got[k] != w {
					t.Errorf("%s: %s %s = %+v, want %+v", name, what, k, c.got[k], w)
				}
			}
		}
		if rp.GrandSales != 23100 || rp.GrandReturns != -3200 || rp.GrandNet != 19900 || rp.Net != 19900 {
			t.Errorf("%s: grand %d/%d/%d, net %d", name, rp.GrandSales, rp.GrandReturns, rp.GrandNet, rp.Net)
		}
		if len(rp.Problems) != 0 {
			t.Errorf("%s: problems %v", name, rp.Problems)
		}
	}
	check("X", x)

	// A training sale: its own number, marked, paid on the training
	// simulator, counted only as training.
	if err := r.Till.SetTraining(true); err != nil {
		t.Fatal(err)
	}
	r.fill("91234567", "P001")
	// Printed: the till signs a sale before it delivers its receipt.
	v := r.Await("training sale paid and printed", func(v checkout.View) bool {
		return v.Phase == checkout.PhaseDone && v.Receipt != nil && v.Receipt.Printed
	})
	if !v.Training || !v.Receipt.Training || v.Receipt.Number != "T000001" || !checkout.IsTrainingReference(v.Reference) {
		t.Errorf("training sale: view training %v, receipt %+v", v.Training, v.Receipt)
	}
	if _, ok := r.Demo.Sim.Payment(sim.DemoMSN, v.Reference); ok {
		t.Error("a training payment reached the till's Vipps MobilePay (the demo simulator)")
	}
	paper(t, r, "receipt-training.png", "TRENINGSKVITTERING", "Treningsmodus - ikke gyldig kvittering")
	r.Till.NewSale()
	if err := r.Till.SetTraining(false); err != nil {
		t.Fatal(err)
	}

	zr, err := office.BuildZ(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	z, err := office.CloseDay(zr, backoffice.NextDay(zr.Day, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if z.Number != 1 || z.XReports != 1 {
		t.Errorf("Z nr %d, X reports %d", z.Number, z.XReports)
	}
	check("Z", z)
	if !strings.Contains(z.Text(), "Z-RAPPORT nr 1") || !strings.Contains(z.Text(), "Treningssalg (ikke i salget) (1)") {
		t.Errorf("Z text:\n%s", z.Text())
	}

	// Stored whole: the reprint is the same page.
	again, err := backoffice.Reprint(r.j, journal.ReportZ, 1)
	if err != nil {
		t.Fatal(err)
	}
	if again.Text != z.Text() || again.Report.Sales != z.Sales || again.Report.Number != 1 {
		t.Errorf("reprinted Z differs:\n%s\nwant\n%s", again.Text, z.Text())
	}
	d, err := escpos.Decode(escpos.EncodeText(zr.Day, again.Text))
	if err != nil || !strings.Contains(d.Text(), "Z-RAPPORT nr 1") {
		t.Errorf("the printed Z: %v\n%s", err, d.Text())
	}
	keep(t, "z-report.png", escpos.Render(d, 0))
	all, err := office.Reports()
	if err != nil || len(all) != 2 {
		t.Fatalf("reports %v, %v", all, err)
	}

	// After the Z the day's counters start from zero; the grand totals go on.
	x2, err := office.XReport(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if x2.Number != 2 || x2.Sales.Count != 0 || x2.Copies.Count != 0 || x2.GrandNet != 19900 || x2.FromSeq <= z.ToSeq {
		t.Errorf("X after Z: %+v", x2)
	}
}
