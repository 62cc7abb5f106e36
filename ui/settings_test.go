package ui

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/kasse-pos/kasse/app/cashier"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/station"
)

func TestSettingsBehindTheManagerPIN(t *testing.T) {
	d, _ := staff(t)
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	path := filepath.Join(t.TempDir(), "kasse.json")
	saved := station.Config{POSID: "1", Market: "NO", Shop: checkout.Shop{Name: "Butikken"},
		Vipps: station.VippsConfig{BaseURL: station.TestURL, ClientID: "id", ClientSecret: "secret-abcd", SubscriptionKey: "key-wxyz", MSN: "123456"}}
	saved.Cashiers = []cashier.Account{{Name: "Anna", Role: cashier.RoleManager, PIN: "x"}} // replaced below by the desk's
	var applied *station.Config
	s := NewSettings(w, SettingsOptions{
		Config: func() station.Config { return saved }, Path: path, Cashiers: d,
		Apply: func(c station.Config) bool { applied = &c; d.SetAccounts(c.Cashiers, c.IdleLock()); return true },
	})
	s.Open()
	test.Type(s.pin, "1234") // Ola is a cashier
	s.onPIN()
	if s.Window() != nil || !strings.Contains(s.pinMsg.Text, "not a manager") {
		t.Fatalf("a cashier's PIN opened the settings (%q)", s.pinMsg.Text)
	}
	test.Type(s.pin, "4711")
	s.onPIN()
	if s.Window() == nil {
		t.Fatalf("Anna's PIN did not open the settings: %q", s.pinMsg.Text)
	}
	t.Cleanup(func() {
		if s.Window() != nil {
			s.Window().Close()
		}
	})
	f := s.form
	if f.secret.Text != "" || !strings.Contains(f.secret.PlaceHolder, "••••abcd") || strings.Contains(f.secret.PlaceHolder, "secret-") {
		t.Errorf("the stored secret shows as %q / %q", f.secret.Text, f.secret.PlaceHolder)
	}
	f.shopName.SetText("Butikken på hjørnet")
	s.cfg.Cashiers = nil
	s.onSave()
	if applied != nil || !strings.Contains(s.msg.Text, "Add a manager") {
		t.Fatalf("saved with no manager: %q", s.msg.Text)
	}
	// Add a manager and a cashier on the Cashiers tab, then save.
	add := func(name string, manager bool, pin, again string) {
		test.Type(s.addName, name)
		s.addRole.SetSelectedIndex(0)
		if manager {
			s.addRole.SetSelectedIndex(1)
		}
		test.Type(s.addPIN, pin)
		test.Type(s.addPIN2, again)
		test.Tap(s.addBtn)
	}
	add("Per", false, "2222", "2223")
	if len(s.cfg.Cashiers) != 0 || !strings.Contains(s.addMsg.Text, "not the same") {
		t.Fatalf("two different PINs added a cashier: %q", s.addMsg.Text)
	}
	s.addName.SetText("")
	s.addPIN.SetText("")
	s.addPIN2.SetText("")
	add("Anna", true, "4711", "4711")
	add("Per", false, "2222", "2222")
	if len(s.cfg.Cashiers) != 2 || s.cfg.Cashiers[0].Role != cashier.RoleManager || s.cfg.Cashiers[1].Role != cashier.RoleCashier {
		t.Fatalf("cashiers %+v (%q)", s.cfg.Cashiers, s.addMsg.Text)
	}
	s.lockSel.SetSelectedIndex(0) // 1 minute
	s.onSave()
	if applied == nil || !strings.Contains(s.msg.Text, "after Kasse is restarted") {
		t.Fatalf("not saved: %q", s.msg.Text)
	}
	got, err := station.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Shop.Name != "Butikken på hjørnet" || got.Vipps.ClientSecret != "secret-abcd" || got.IdleLock() != time.Minute || len(got.Cashiers) != 2 {
		t.Errorf("saved %+v", got)
	}
	// The new cashier applies without a restart.
	if _, err := d.Login("Per", "2222"); err != nil {
		t.Errorf("Per cannot log in after the save: %v", err)
	}
}
