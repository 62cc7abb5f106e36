package station_test

import (
	"context"
	"errors"
	"github.com/kasse-pos/kasse/app/basket"
	"strings"
	"testing"

	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/cashier"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo/demotest"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/station"
)

// Every record a sale appends names the cashier logged in, and so do the
// receipt and the Z report.
func TestCashierOnJournalReceiptAndReport(t *testing.T) {
	pin, err := cashier.HashPIN("2468")
	if err != nil {
		t.Fatal(err)
	}
	r := demotest.Start(t, demotest.Options{Configure: func(c *station.Config) {
		c.Cashiers = []cashier.Account{{Name: "Kari", Role: cashier.RoleCashier, PIN: pin}}
	}})
	if _, err := r.Station.Cashiers.Login("Kari", "2468"); err != nil {
		t.Fatal(err)
	}
	r.Fill("912 34 567", "P001")
	if err := r.Till.Pay(); err != nil {
		t.Fatal(err)
	}
	v := r.Await("captured", func(v checkout.View) bool { return v.Phase == checkout.PhaseDone })
	if v.Receipt == nil || v.Receipt.Cashier != "Kari" {
		t.Fatalf("receipt %+v does not name Kari", v.Receipt)
	}
	var saleRecs, unnamed int
	if err := r.Station.Journal.EachRecord(1, func(rec journal.Record) bool {
		if rec.Sale != 0 {
			saleRecs++
			if rec.Cashier != "Kari" {
				unnamed++
				t.Errorf("record %d (%s) names %q", rec.Seq, rec.Kind, rec.Cashier)
			}
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if saleRecs == 0 {
		t.Fatal("no sale records")
	}
	z, err := backoffice.BuildZ(context.Background(), r.Station.Journal, nil, v.Receipt.Time)
	if err != nil {
		t.Fatal(err)
	}
	if text := z.Text(); !strings.Contains(text, "BY CASHIER") || !strings.Contains(text, "Kari (1)") {
		t.Errorf("Z report has no line for Kari:\n%s", text)
	}
}

// A real till (not the demo) with no catalog file sells nothing of the
// demo's, and says why.
func TestNoCatalogFileMeansEmptyCatalog(t *testing.T) {
	r := demotest.Start(t, demotest.Options{Configure: func(c *station.Config) { c.Demo = false }})
	if err := r.Till.AddProduct("P001"); err == nil {
		t.Error("a real till sells the demo café's products")
	}
	r.Await("empty catalog notice", func(v checkout.View) bool { return strings.Contains(v.Notice, "no products") })
}

// The till asks the cashier logged in: a cashier may sell, discount and
// count the drawer; a new price, a drawer opened without a sale and cash
// taken out need a manager.
func TestTillAsksTheCashiersRole(t *testing.T) {
	kari, err := cashier.HashPIN("2468")
	if err != nil {
		t.Fatal(err)
	}
	mona, err := cashier.HashPIN("1357")
	if err != nil {
		t.Fatal(err)
	}
	r := demotest.Start(t, demotest.Options{Configure: func(c *station.Config) {
		c.Cashiers = []cashier.Account{{Name: "Kari", Role: cashier.RoleCashier, PIN: kari}, {Name: "Mona", Role: cashier.RoleManager, PIN: mona}}
	}})
	if _, err := r.Station.Cashiers.Login("Kari", "2468"); err != nil {
		t.Fatal(err)
	}
	r.Fill("912 34 567", "P001")
	if err := r.Till.DiscountLine("P001", &basket.Off{Percent: 10, Reason: "staff"}); err != nil {
		t.Errorf("a cashier's discount: %v", err)
	}
	if err := r.Till.SetPrice("P001", 1000, "damaged"); !errors.Is(err, checkout.ErrNotAllowed) {
		t.Errorf("a cashier set a price: %v", err)
	}
	if err := r.Till.OpenDrawer("Kari", "change for a customer"); !errors.Is(err, checkout.ErrNotAllowed) {
		t.Errorf("a cashier opened the drawer without a sale: %v", err)
	}
	if err := r.Till.CashOut("Kari", 100_00, "bank"); !errors.Is(err, checkout.ErrNotAllowed) {
		t.Errorf("a cashier took cash out: %v", err)
	}
	if err := r.Till.CountCash("Kari", 0); err != nil {
		t.Errorf("a cashier counting the drawer: %v", err)
	}
	if _, err := r.Station.Cashiers.Login("Mona", "1357"); err != nil {
		t.Fatal(err)
	}
	if err := r.Till.SetPrice("P001", 1000, "damaged"); err != nil {
		t.Errorf("a manager's new price: %v", err)
	}
	if err := r.Till.OpenDrawer("Mona", "change for a customer"); err != nil {
		t.Errorf("a manager opening the drawer: %v", err)
	}
}
