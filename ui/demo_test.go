package ui

import (
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// fakeDemo records what the demo menu asks of the demo.
type fakeDemo struct {
	playing string
	played  []string
	resets  int
}

func (d *fakeDemo) Scenarios() []string         { return []string{"Approve", "Decline"} }
func (d *fakeDemo) Describe(name string) string { return name + " the next payment." }
func (d *fakeDemo) Play(name string) error {
	d.played = append(d.played, name)
	d.playing = name
	return nil
}
func (d *fakeDemo) Playing() string  { return d.playing }
func (d *fakeDemo) PhoneURL() string { return "http://192.0.2.7:5000/" }
func (d *fakeDemo) Reset()           { d.resets++ }

// The demo menu plays a scenario, shows the test phone's QR, and resets
// only after a confirmation.
func TestDemoMenuPlaysAScenario(t *testing.T) {
	_ = test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	d := &fakeDemo{playing: "Approve"}
	showDemoMenu(w, d)
	m := lastDemoMenu
	test.Tap(m.buttons["Decline"])
	if !slices.Equal(d.played, []string{"Decline"}) || m.status.Text != "Next payment: Decline. Decline the next payment." {
		t.Errorf("played %v, the menu says %q", d.played, m.status.Text)
	}
	if m.phone == nil || m.phone.Resource == nil {
		t.Error("no QR for the test phone")
	}
	test.Tap(m.reset)
	if d.resets != 0 {
		t.Fatal("Reset demo data reset with no confirmation")
	}
}
