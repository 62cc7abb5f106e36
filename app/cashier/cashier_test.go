package cashier_test

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/cashier"
	"github.com/kasse-pos/kasse/app/journal"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func account(t *testing.T, name string, role cashier.Role, pin string) cashier.Account {
	t.Helper()
	h, err := cashier.HashPIN(pin)
	if err != nil {
		t.Fatal(err)
	}
	return cashier.Account{Name: name, Role: role, PIN: h}
}

type rig struct {
	desk  *cashier.Desk
	j     *journal.Journal
	clock *clock
}

func newRig(t *testing.T, idle time.Duration) rig {
	t.Helper()
	j, err := journal.Open(filepath.Join(t.TempDir(), "kasse.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	c := &clock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	d := cashier.New(cashier.Config{
		Accounts: []cashier.Account{account(t, "Anna", cashier.RoleManager, "4711"), account(t, "Ola", cashier.RoleCashier, "1234")},
		Journal:  j, IdleLock: idle, Now: c.Now,
	})
	j.SetCashier(d.Name)
	return rig{d, j, c}
}

// tillRecords are the journal's records that are not about a sale.
func (r rig) tillRecords(t *testing.T) []journal.Record {
	t.Helper()
	var out []journal.Record
	if err := r.j.EachRecord(1, func(rec journal.Record) bool {
		if rec.Kind == journal.KindCashierLogin || rec.Kind == journal.KindCashierLogout {
			out = append(out, rec)
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPINIsStoredHashedAndChecked(t *testing.T) {
	h, err := cashier.HashPIN("4711")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h, "4711") || !strings.HasPrefix(h, "$argon2id$") {
		t.Errorf("hash %q", h)
	}
	h2, _ := cashier.HashPIN("4711")
	if h == h2 {
		t.Error("two hashes of one PIN are equal: no salt")
	}
	for _, bad := range []string{"", "12", "12a4", "1234567890123"} {
		if _, err := cashier.HashPIN(bad); !errors.Is(err, cashier.ErrBadPIN) {
			t.Errorf("HashPIN(%q) = %v", bad, err)
		}
	}
}

func TestRoles(t *testing.T) {
	manager := []string{cashier.ActRefund, cashier.ActSettings, cashier.ActEndOfDay, cashier.ActCloseDay,
		cashier.ActCatalog, cashier.ActPriceOverride, cashier.ActOpenDrawer}
	for _, a := range manager {
		if cashier.Allowed(cashier.RoleCashier, a) {
			t.Errorf("a cashier may %s", a)
		}
		if !cashier.Allowed(cashier.RoleManager, a) {
			t.Errorf("a manager may not %s", a)
		}
	}
	if !cashier.Allowed(cashier.RoleCashier, cashier.ActSell) || cashier.Allowed("", cashier.ActSell) {
		t.Error("sell: cashier refused or an unknown role allowed")
	}
}

func TestLoginSwitchLogoutJournaled(t *testing.T) {
	r := newRig(t, 0)
	if r.desk.Allowed(cashier.ActSell) {
		t.Error("nobody logged in, yet selling is allowed")
	}
	if _, err := r.desk.Login("Ola", "1234"); err != nil {
		t.Fatal(err)
	}
	if !r.desk.Allowed(cashier.ActSell) || r.desk.Allowed(cashier.ActRefund) {
		t.Error("Ola's rights are wrong")
	}
	// A sale record appended now names Ola.
	recs, err := r.j.Append(journal.Record{Kind: journal.KindSaleOpened, Opened: &journal.Opened{POSID: "1", Currency: "NOK"}})
	if err != nil {
		t.Fatal(err)
	}
	if recs[0].Cashier != "Ola" {
		t.Errorf("sale opened by %q, want Ola", recs[0].Cashier)
	}
	// Switch without closing the till.
	if _, err := r.desk.Login("Anna", "4711"); err != nil {
		t.Fatal(err)
	}
	if !r.desk.Allowed(cashier.ActRefund) || r.desk.Name() != "Anna" {
		t.Error("Anna is not the manager at the till")
	}
	if err := r.desk.Logout("logout"); err != nil {
		t.Fatal(err)
	}
	got := r.tillRecords(t)
	want := []struct {
		kind journal.Kind
		who  string
		note string
	}{
		{journal.KindCashierLogin, "Ola", "cashier"},
		{journal.KindCashierLogout, "Ola", "switch to Anna"},
		{journal.KindCashierLogin, "Anna", "manager"},
		{journal.KindCashierLogout, "Anna", "logout"},
	}
	if len(got) != len(want) {
		t.Fatalf("journal: %+v", got)
	}
	for i, w := range want {
		if got[i].Kind != w.kind || got[i].Cashier != w.who || got[i].Note != w.note || got[i].Sale != 0 {
			t.Errorf("record %d: %s %q %q sale %d, want %s %q %q", i, got[i].Kind, got[i].Cashier, got[i].Note, got[i].Sale, w.kind, w.who, w.note)
		}
	}
}

func TestWrongPINsPauseTheName(t *testing.T) {
	r := newRig(t, 0)
	for i := 0; i < 2; i++ {
		if _, err := r.desk.Login("Ola", "0000"); !errors.Is(err, cashier.ErrWrongPIN) {
			t.Fatalf("try %d: %v", i+1, err)
		}
	}
	_, err := r.desk.Login("Ola", "0000")
	var le *cashier.LockedError
	if !errors.As(err, &le) || le.Wait != 30*time.Second {
		t.Fatalf("third wrong PIN: %v, want a 30 s pause", err)
	}
	// Paused: even the right PIN is not checked.
	if _, err := r.desk.Login("Ola", "1234"); !errors.As(err, &le) {
		t.Fatalf("right PIN during the pause: %v", err)
	}
	// Another name is not paused.
	if _, err := r.desk.Login("Anna", "4711"); err != nil {
		t.Fatalf("Anna: %v", err)
	}
	r.clock.Add(31 * time.Second)
	if _, err := r.desk.Login("Ola", "9999"); !errors.As(err, &le) || le.Wait != time.Minute {
		t.Fatalf("a wrong PIN after the pause: %v, want the pause doubled", err)
	}
	r.clock.Add(61 * time.Second)
	if _, err := r.desk.Login("Ola", "1234"); err != nil {
		t.Fatalf("the right PIN after the pause: %v", err)
	}
	if _, err := r.desk.Login("Nobody", "1234"); !errors.Is(err, cashier.ErrNoAccount) {
		t.Errorf("unknown name: %v", err)
	}
}

func TestManagerPINAuthorizes(t *testing.T) {
	r := newRig(t, 0)
	if _, err := r.desk.Authorize("1234"); !errors.Is(err, cashier.ErrNoManager) {
		t.Errorf("a cashier's PIN authorized settings: %v", err)
	}
	a, err := r.desk.Authorize("4711")
	if err != nil || a.Name != "Anna" || a.PIN != "" {
		t.Errorf("Authorize = %+v, %v", a, err)
	}
	if r.desk.Name() != "" {
		t.Error("Authorize logged someone in")
	}
}

func TestIdleLock(t *testing.T) {
	r := newRig(t, 5*time.Minute)
	if _, err := r.desk.Login("Ola", "1234"); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(4 * time.Minute)
	r.desk.Touch()
	r.clock.Add(4 * time.Minute)
	if r.desk.LockIfIdle() {
		t.Fatal("locked 4 minutes after a touch")
	}
	r.clock.Add(time.Minute)
	if !r.desk.LockIfIdle() || r.desk.Name() != "" {
		t.Fatal("not locked after 5 idle minutes")
	}
	recs := r.tillRecords(t)
	if last := recs[len(recs)-1]; last.Kind != journal.KindCashierLogout || last.Note != "idle lock" {
		t.Errorf("last record %+v", last)
	}
}

func TestNoAccountsMeansOpenTill(t *testing.T) {
	d := cashier.New(cashier.Config{})
	if !d.Open() || !d.Allowed(cashier.ActRefund) {
		t.Error("a till with no cashiers set up refuses")
	}
}
