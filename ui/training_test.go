package ui

import (
	"errors"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

type fakeTrainer struct {
	on  bool
	err error
}

func (f *fakeTrainer) Training() bool { return f.on }
func (f *fakeTrainer) SetTraining(on bool) error {
	if f.err != nil {
		return f.err
	}
	f.on = on
	return nil
}

// The training switch asks before it switches, says which mode is on, and
// shows why the till refused.
func TestTrainingSwitch(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1024, 768))
	tr := &fakeTrainer{}
	bo := newBackOffice(w, BackOffice{Training: tr})
	btn := bo.newTrainingButton()
	w.SetContent(btn)
	answer := func(text string) {
		t.Helper()
		var found *widget.Button
		for _, o := range w.Canvas().Overlays().List() {
			touchables(o, func(c fyne.CanvasObject) {
				if b, ok := c.(*widget.Button); ok && b.Text == text {
					found = b
				}
			})
		}
		if found == nil {
			t.Fatalf("no %q in the dialog", text)
		}
		test.Tap(found)
	}
	if btn.Text != "Training: off" {
		t.Errorf("button %q", btn.Text)
	}
	test.Tap(btn)
	answer("No")
	if tr.on {
		t.Fatal("switched without a yes")
	}
	test.Tap(btn)
	answer("Yes")
	if !tr.on || btn.Text != "Training: on" || btn.Importance != widget.WarningImportance {
		t.Errorf("after yes: training %v, button %q", tr.on, btn.Text)
	}
	tr.err = errors.New("finish or clear the sale on screen before switching training mode")
	test.Tap(btn)
	answer("Yes")
	if !tr.on || btn.Text != "Training: on" {
		t.Errorf("after a refusal: training %v, button %q", tr.on, btn.Text)
	}
	answer("OK") // the refusal, said
}
