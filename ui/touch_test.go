package ui

import (
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"github.com/kasse-pos/kasse/app/cashier"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/setup"
	"github.com/kasse-pos/kasse/app/station"
)

// tooSmall reports every control in w that a finger cannot hit: less than
// 48 px high (fields and pickers stretch, so only their height counts, and a
// check box's width is its text's). It returns how many it looked at.
func tooSmall(t *testing.T, where string, w fyne.Window) int {
	t.Helper()
	n := 0
	touchables(w.Content(), func(o fyne.CanvasObject) {
		n++
		if s := o.Size(); s.Height < 48 || s.Width < 48 {
			t.Errorf("%s: a %T is %v, smaller than 48 px %s", where, o, s, describe(o))
		}
	})
	return n
}

// Every step of the setup, its pickers and check boxes included, has
// targets at least 48 px.
func TestSetupTouchTargetsAre48(t *testing.T) {
	test.NewTempApp(t).Settings().SetTheme(newTheme()) // as Create and ShowSetup do
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1024, 768))
	s := ShowSetup(w, SetupOptions{Done: func(station.Config) error { return nil }})
	if n := tooSmall(t, "welcome", w); n < 2 {
		t.Errorf("welcome: only %d controls found", n)
	}
	for i, st := range setup.Steps {
		s.show(i)
		if n := tooSmall(t, string(st), w); n < 2 {
			t.Errorf("%s: only %d controls found", st, n)
		}
	}
}

// Every tab of the settings has targets at least 48 px.
func TestSettingsTouchTargetsAre48(t *testing.T) {
	d, _ := staff(t)
	test.NewTempApp(t).Settings().SetTheme(newTheme()) // as Create and ShowSetup do
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	cfg := station.Config{POSID: "1", Market: "NO", Shop: checkout.Shop{Name: "Butikken"},
		Cashiers: []cashier.Account{{Name: "Anna", Role: cashier.RoleManager, PIN: "x"}}}
	s := NewSettings(w, SettingsOptions{
		Config: func() station.Config { return cfg }, Path: filepath.Join(t.TempDir(), "kasse.json"), Cashiers: d,
		Apply: func(station.Config) bool { return true },
	})
	s.Open()
	test.Type(s.pin, "4711")
	s.onPIN()
	sw := s.Window()
	if sw == nil {
		t.Fatalf("the settings did not open: %q", s.pinMsg.Text)
	}
	t.Cleanup(sw.Close)
	sw.Resize(fyne.NewSize(1000, 680))
	var tabs *container.AppTabs
	var find func(o fyne.CanvasObject)
	find = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *container.AppTabs:
			tabs = x
		case *fyne.Container:
			for _, c := range x.Objects {
				find(c)
			}
		}
	}
	find(sw.Content())
	if tabs == nil {
		t.Fatal("no tabs in the settings")
	}
	for i, it := range tabs.Items {
		tabs.SelectIndex(i)
		if n := tooSmall(t, it.Text, sw); n < 2 {
			t.Errorf("%s: only %d controls found", it.Text, n)
		}
	}
}
