package backoffice_test

import (
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/events"
	"github.com/kasse-pos/kasse/app/fiscal"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/app/saft"
	"github.com/kasse-pos/kasse/hardware/escpos"
)

// A day of sales through the real till, engine and simulator, as issue 16
// asks: Vipps and cash, a split, a copy, a refund through Vipps and one in
// cash, a return without receipt, a line correction, a discount, a drawer
// opened without a sale, cash in and a count, a price look-up, a training
// sale, a change of cashier, an X and a Z report. The day's SAF-T file
// passes the XSD and the signature verifier, the journal's chain verifies,
// every finished sale is signed exactly once, and the file's totals (per
// payment type, per VAT rate, sales, returns, rounding, training) are the Z
// report's.
func TestADayOfSalesExportsWhatTheZReportSays(t *testing.T) {
	r := newRig(t)
	ctx := t.Context()
	till, office, desk := r.Till.Till, r.Station.Office, r.Station.Cashiers
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	printed := func(what string) checkout.View {
		t.Helper()
		return r.Await(what, func(v checkout.View) bool {
			return v.Phase == checkout.PhaseDone && v.Receipt != nil && (v.Receipt.Printed || v.Receipt.PrintError != "")
		})
	}
	saleOf := func(v checkout.View) *journal.Sale {
		t.Helper()
		var found *journal.Sale
		_ = r.j.Each(func(s *journal.Sale) bool {
			if s.ReceiptNumber == v.Receipt.Number {
				found = s
			}
			return found == nil
		})
		if found == nil {
			t.Fatalf("no sale has receipt %s", v.Receipt.Number)
		}
		return found
	}

	must(till.CashIn("Anna", 100000, journal.CashFloat))

	// A: Vipps. P025 199,00 at 10 % off and P001 32,00, one P001 corrected
	// away; the one copy.
	till.NewSale()
	for _, id := range []string{"P025", "P001", "P001"} {
		must(till.AddProduct(id))
	}
	must(till.SetQuantity("P001", 1))
	must(till.DiscountLine("P025", &basket.Off{Percent: 10, Reason: "dented"}))
	must(till.SetCustomer("91234567"))
	must(till.Pay())
	a := saleOf(printed("the Vipps sale"))
	must(till.Reprint(ctx))

	// B: cash, 45,45 paid with 100,00: rounded to 45,00.
	till.NewSale()
	must(till.AddOpenItem(checkout.OpenItem{Description: "Kake", Price: 4545, VATRate: money.Percent(15)}))
	must(till.PayCash(10000))
	vb := printed("the cash sale")
	paper(t, r, "receipt-cash.png", "Salgskvittering", "Betalt med")
	onPaper(t, r, "Øreavrunding                               -0,45", "  Kontant                                  45,00")
	b := saleOf(vb)

	// C: split, 498,00 with 100,00 in cash.
	till.NewSale()
	r.Fill("91234567", "P025", "P026")
	must(till.PaySplit(10000, 0))
	c := saleOf(printed("the split sale"))

	// The cashier changes: Ola sells D through Vipps, then Anna is back.
	must(desk.Logout("switch"))
	if _, err := desk.Login("Ola", "0000"); err != nil {
		t.Fatal(err)
	}
	till.NewSale()
	r.Fill("41234567", "P026")
	must(till.Pay())
	d := saleOf(printed("Ola's sale"))
	must(desk.Logout("switch"))
	if _, err := desk.Login("Anna", "1234"); err != nil {
		t.Fatal(err)
	}
	till.NewSale()

	// A refund through Vipps (A's P001) and one in cash (all of B).
	res, err := office.Refund(ctx, backoffice.RefundRequest{SaleID: a.ID, Lines: []backoffice.LineQty{{ProductID: "P001", Quantity: 1}}, Reason: "cold"})
	must(err)
	_, err = office.DeliverRefund(ctx, res.Receipt)
	must(err)
	res, err = office.Refund(ctx, backoffice.RefundRequest{SaleID: b.ID, Full: true, Reason: "dry"})
	must(err)
	_, err = office.DeliverRefund(ctx, res.Receipt)
	must(err)
	paper(t, r, "receipt-cash-return.png", "Returkvittering", "Betalt med")
	onPaper(t, r, "Øreavrunding                                0,45", "  Kontant                                 -45,00")

	// A return without receipt, paid out in cash.
	_, err = till.ReturnWithoutReceipt(ctx, checkout.ReturnNoReceipt{Reason: "gift", Items: []checkout.ReturnItem{{ProductID: "P001"}}})
	must(err)

	must(till.OpenDrawer("Anna", "change for the café next door"))
	must(till.CashIn("Anna", 5000, "coins from the bank"))
	_, err = till.LookUpPrice("P026")
	must(err)

	// A training sale: signed in the chain, marked, only in Training.
	must(till.SetTraining(true))
	r.fill("91234567", "P001")
	printed("the training sale")
	till.NewSale()
	must(till.SetTraining(false))

	x, err := office.XReport(time.Now())
	must(err)
	zr, err := office.BuildZ(ctx, time.Now())
	must(err)
	// Expected in the drawer: float + cash sales − cash refunds + cash in.
	cashExpected := int64(100000 + 4500 + 10000 - 4500 - 3200 + 5000)
	if zr.Cash.Expected != cashExpected || zr.Cash.NoSale != 1 {
		t.Errorf("the day's cash: %+v, want %d expected and one opening without a sale", zr.Cash, cashExpected)
	}
	must(till.CountCash("Anna", cashExpected))
	zr, err = office.BuildZ(ctx, time.Now())
	must(err)
	z, err := office.CloseDay(zr, backoffice.NextDay(zr.Day, time.Now()))
	must(err)
	if len(z.Problems) != 0 || len(x.Problems) != 0 || z.Unsigned != 0 {
		t.Fatalf("the reports found problems: X %v, Z %v (unsigned %d)", x.Problems, z.Problems, z.Unsigned)
	}

	// The Z's own figures, worked out by hand: the sales A (179,10 + 32,00),
	// B 45,45, C 498,00, D 299,00; the returns 32,00, 45,45 and 32,00.
	wantSales := int64(17910 + 3200 + 4545 + 49800 + 29900)
	if z.Sales.Count != 4 || z.Sales.Amount != wantSales || z.Returns.Count != 3 || z.Returns.Amount != -(3200+4545+3200) {
		t.Errorf("Z sales %+v (want 4, %d), returns %+v", z.Sales, wantSales, z.Returns)
	}
	pay := map[string]int64{}
	for _, l := range z.Payments {
		pay[l.Key] = l.Amount
	}
	// Cash: B's 45,00 less its 45,00 back, C's 100,00, the return's 32,00
	// out. Vipps: A, C's rest and D, less A's refund.
	wantPay := map[string]int64{events.PayCash.ID: 4500 - 4500 + 10000 - 3200, events.PayVipps.ID: 17910 + 3200 + 39800 + 29900 - 3200}
	if fmt.Sprint(pay) != fmt.Sprint(wantPay) {
		t.Errorf("Z per means of payment %v, want %v", pay, wantPay)
	}
	if z.Training.Count != 1 || z.Training.Amount != 3200 || z.Copies.Count != 1 || z.NoSaleOpenings != 3 || z.Logins < 2 ||
		len(z.PriceLookups) != 1 || z.Discounts.Count != 1 || len(z.Corrections) != 1 || z.XReports != 1 {
		t.Errorf("Z counts: training %+v, copies %+v, no-sale %d, logins %d, look-ups %v, discounts %+v, corrections %v, X %d",
			z.Training, z.Copies, z.NoSaleOpenings, z.Logins, z.PriceLookups, z.Discounts, z.Corrections, z.XReports)
	}
	// Openings without a sale or refund (nullinnslag, § 1-2 c): the
	// drawer opened for nothing and the two cash-ins.
	if z.Rounding != 0 { // B's rounding (−0,45) went back with its refund (+0,45)
		t.Errorf("Z rounding %d", z.Rounding)
	}

	// Every finished sale is signed exactly once per transaction, and the
	// chain verifies.
	keys, err := fiscal.HistoryFile(fiscal.HistoryPath(filepath.Join(r.Config.DataDir, "fiscal")))
	must(err)
	must(fiscal.VerifyJournal(r.j, keys))
	signedOnce(t, r.j)
	for _, s := range []*journal.Sale{a, b, c, d} {
		if s.Cashier == "" {
			t.Errorf("sale %s names no cashier", s.ReceiptNumber)
		}
	}
	if d.Cashier != "Ola" {
		t.Errorf("Ola's sale is %q's", d.Cashier)
	}

	// The SAF-T file of the day.
	day := time.Now().In(fiscal.Norway)
	cfg := saft.ShopConfig(r.Config.Shop.Name, r.Config.Shop.Address, r.Config.Shop.OrgNumber, r.Config.POSID)
	path, err := saft.Export(ctx, r.j, cfg, day.AddDate(0, 0, -1).Format(time.DateOnly), day.AddDate(0, 0, 1).Format(time.DateOnly), t.TempDir(), time.Now())
	must(err)
	validateSAFT(t, path)
	rep, err := saft.Verify(path, keys)
	must(err)
	if !rep.OK() || rep.Registers[0].Verified != rep.Registers[0].Transactions {
		t.Fatalf("the SAF-T verifier:\n%s", rep)
	}
	f := fileTotals(t, path)
	if f.sales != z.Sales || f.returns != z.Returns || f.training != z.Training || f.rounding != z.Rounding {
		t.Errorf("SAF-T sales %+v returns %+v training %+v rounding %d; Z %+v %+v %+v %d",
			f.sales, f.returns, f.training, f.rounding, z.Sales, z.Returns, z.Training, z.Rounding)
	}
	if fmt.Sprint(f.payments) != fmt.Sprint(pay) {
		t.Errorf("SAF-T per payment type %v, Z %v", f.payments, pay)
	}
	zVAT := map[string][3]int64{}
	for _, v := range z.VAT {
		zVAT[v.Rate.String()] = [3]int64{v.Net, v.VAT, v.Gross}
	}
	if fmt.Sprint(f.vat) != fmt.Sprint(zVAT) {
		t.Errorf("SAF-T per VAT rate (net, VAT, gross) %v, Z %v", f.vat, zVAT)
	}
	if f.splitLines != 2 {
		t.Errorf("the split sale has %d payment lines in the file, want cash and Vipps", f.splitLines)
	}
	if f.returnNoReceipt != 1 {
		t.Errorf("%d returns without receipt in the file, want 1", f.returnNoReceipt)
	}
}

// onPaper checks that the last paper printed has these lines.
func onPaper(t *testing.T, r *rig, lines ...string) {
	t.Helper()
	d, _ := r.Station.Printer.Device.(*escpos.Virtual).Last()
	for _, l := range lines {
		if !slices.Contains(d.Lines, l) {
			t.Errorf("no line %q on the paper:\n%s", l, d.Text())
		}
	}
}

// signedOnce checks that every completed transaction in j has exactly one
// signature, and no signature is left over.
func signedOnce(t *testing.T, j *journal.Journal) {
	t.Helper()
	err := j.Each(func(s *journal.Sale) bool {
		n := map[string]int{}
		for _, sg := range s.Signatures {
			n[sg.Of]++
		}
		for _, c := range fiscal.Transactions(s) {
			if n[c.Of] != 1 {
				t.Errorf("sale %s (%s): %d signatures", s.ReceiptNumber, c.Of, n[c.Of])
			}
			delete(n, c.Of)
		}
		for of := range n {
			t.Errorf("sale %s: a signature of %s, which is no transaction", s.ReceiptNumber, of)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
}

// validateSAFT runs xmllint against the official schema.
func validateSAFT(t *testing.T, path string) {
	t.Helper()
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Skip("xmllint not installed (apt-get install libxml2-utils; scripts/deps.sh --with-tools): cannot check the file against the XSD")
	}
	xsd := filepath.Join("..", "saft", "testdata", "Norwegian_SAF-T_Cash_Register_Schema_v_1.00.xsd")
	if out, err := exec.Command("xmllint", "--noout", "--schema", xsd, path).CombinedOutput(); err != nil {
		t.Fatalf("xmllint: %v\n%s", err, out)
	}
}

// saftTotals are a SAF-T file's totals, summed from its transactions the
// way an auditor would, training kept apart.
type saftTotals struct {
	sales, returns, training    events.Total
	payments                    map[string]int64
	vat                         map[string][3]int64 // rate → net, VAT, gross
	rounding                    int64
	splitLines, returnNoReceipt int
}

func fileTotals(t *testing.T, path string) saftTotals {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var af saft.AuditFile
	if err := xml.Unmarshal(raw, &af); err != nil {
		t.Fatal(err)
	}
	amt := func(s string) int64 {
		t.Helper()
		n, err := fiscal.ParseAmount(s)
		if err != nil {
			t.Fatalf("amount %q: %v", s, err)
		}
		return n
	}
	f := saftTotals{payments: map[string]int64{}, vat: map[string][3]int64{}}
	for _, ct := range af.Company.Locations[0].CashRegisters[0].Transactions {
		in := amt(ct.TransAmntIn)
		if ct.TrainingID {
			f.training.Count++
			f.training.Amount += in
			continue
		}
		if ct.TransType == saft.TransReturn {
			f.returns.Count++
			f.returns.Amount += in
		} else {
			f.sales.Count++
			f.sales.Amount += in
		}
		if len(ct.Payments) == 2 {
			f.splitLines = 2
		}
		if ct.RefID == "" && ct.TransType == saft.TransReturn {
			f.returnNoReceipt++
		}
		for _, p := range ct.Payments {
			f.payments[p.PaymentType] += amt(p.PaidAmnt)
		}
		if ct.Rounding != nil {
			f.rounding += amt(ct.Rounding.RoundingAmnt)
		}
		for _, v := range ct.Vat {
			rate, err := money.ParseRate(v.VatPerc)
			if err != nil {
				t.Fatal(err)
			}
			k := rate.String()
			s := f.vat[k]
			s[0] += amt(v.VatBasAmnt)
			s[1] += amt(v.VatAmnt)
			s[2] += amt(v.VatBasAmnt) + amt(v.VatAmnt)
			f.vat[k] = s
		}
	}
	return f
}
