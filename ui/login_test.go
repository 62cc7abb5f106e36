package ui

import (
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/kasse-pos/kasse/app/cashier"
	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/assets"
)

// staff is a desk with a manager (Anna, 4711) and a cashier (Ola, 1234) on
// a real journal.
func staff(t *testing.T) (*cashier.Desk, *journal.Journal) {
	t.Helper()
	j, err := journal.Open(filepath.Join(t.TempDir(), "kasse.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	acc := func(name string, role cashier.Role, pin string) cashier.Account {
		h, err := cashier.HashPIN(pin)
		if err != nil {
			t.Fatal(err)
		}
		return cashier.Account{Name: name, Role: role, PIN: h}
	}
	d := cashier.New(cashier.Config{Journal: j, Accounts: []cashier.Account{
		acc("Anna", cashier.RoleManager, "4711"), acc("Ola", cashier.RoleCashier, "1234")}})
	j.SetCashier(d.Name)
	return d, j
}

func newLockedTill(t *testing.T, d *cashier.Desk) (*UI, *fakeRegister, fyne.Window) {
	t.Helper()
	cat, err := catalog.Parse(assets.DemoCatalog)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRegister{cat: cat}
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	u := Create(a, w, f, Options{Title: "Butikken", Cashiers: d})
	t.Cleanup(u.Close) // its ticker stops with the test
	return u, f, w
}

func (l *loginScreen) typePIN(pin string) {
	for _, r := range pin {
		l.onKey(string(r))
	}
	l.onKey("OK")
}

func TestLoginSwitchAndLockout(t *testing.T) {
	d, _ := staff(t)
	u, f, _ := newLockedTill(t, d)
	l := u.lock
	if l.overlay.Hidden || l.main.Visible() {
		t.Fatal("the till is open with nobody logged in")
	}
	test.Tap(l.screen.nameBtns["Ola"])
	l.screen.typePIN("1234")
	if !l.overlay.Hidden || !l.main.Visible() || l.switchB.Text != "Ola" {
		t.Fatalf("after Ola's PIN: overlay hidden %v, name %q, message %q", l.overlay.Hidden, l.switchB.Text, l.screen.msg.Text)
	}
	// A tap on a tile counts as activity and reaches the till.
	test.Tap(u.products.tileFor("P001"))
	if !strings.Contains(strings.Join(f.calls, ","), "add P001") {
		t.Errorf("calls %v", f.calls)
	}
	if d.Allowed(cashier.ActRefund) {
		t.Error("Ola may refund")
	}
	// Switch cashier without closing the till: the login comes back, Ola's
	// name chosen; Anna taps hers.
	test.Tap(l.switchB)
	if l.overlay.Hidden || d.Name() != "" {
		t.Fatal("Switch cashier did not lock the till")
	}
	test.Tap(l.screen.nameBtns["Anna"])
	for i := 0; i < 3; i++ {
		l.screen.typePIN("0000")
	}
	if !strings.Contains(l.screen.msg.Text, "Too many wrong PINs") {
		t.Errorf("after 3 wrong PINs: %q", l.screen.msg.Text)
	}
	l.screen.typePIN("4711")
	if d.Name() != "" || l.overlay.Hidden {
		t.Error("the right PIN worked during the pause")
	}
	test.Tap(l.screen.nameBtns["Ola"])
	l.screen.typePIN("1234")
	if d.Name() != "Ola" || !l.overlay.Hidden {
		t.Errorf("Ola could not log in while Anna's name was paused: %q", l.screen.msg.Text)
	}
}

func TestNoCashiersSaysSo(t *testing.T) {
	d := cashier.New(cashier.Config{})
	u, _, _ := newLockedTill(t, d)
	if !u.lock.overlay.Hidden || u.lock.who.Text != "No cashiers set up" {
		t.Errorf("a till with no cashiers: overlay hidden %v, %q", u.lock.overlay.Hidden, u.lock.who.Text)
	}
}

var _ checkout.Register = touching{}

// A cashier gets the end of day only through a manager.
func TestEndOfDayNeedsAManager(t *testing.T) {
	d, _ := staff(t)
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	b := newBackOffice(w, BackOffice{Allowed: d.Allowed})
	if _, err := d.Login("Ola", "1234"); err != nil {
		t.Fatal(err)
	}
	b.onEndOfDay()
	if b.report != nil {
		t.Error("a cashier opened the end of day")
	}
	if b.may(cashier.ActRefund) || b.may(cashier.ActCloseDay) {
		t.Error("a cashier may refund or close the day")
	}
	if _, err := d.Login("Anna", "4711"); err != nil {
		t.Fatal(err)
	}
	if !b.may(cashier.ActRefund) || !b.may(cashier.ActCloseDay) || !b.may(cashier.ActEndOfDay) {
		t.Error("the manager may not")
	}
}

// Cashiers added in the settings of a till that had none: the login shows.
func TestCashiersAddedShowTheLogin(t *testing.T) {
	d := cashier.New(cashier.Config{})
	u, _, _ := newLockedTill(t, d)
	if !u.lock.overlay.Hidden {
		t.Fatal("locked with no cashiers")
	}
	h, err := cashier.HashPIN("4711")
	if err != nil {
		t.Fatal(err)
	}
	d.SetAccounts([]cashier.Account{{Name: "Anna", Role: cashier.RoleManager, PIN: h}}, 0)
	u.CashiersChanged()
	if u.lock.overlay.Hidden || u.lock.screen.nameBtns["Anna"] == nil {
		t.Error("no login after a manager was added")
	}
}
