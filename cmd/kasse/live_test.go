package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/kasse-pos/kasse/app/demo"
	"github.com/kasse-pos/kasse/app/station"
	"github.com/kasse-pos/kasse/ui"
)

// buttons are the texts of the buttons under o.
func buttons(o fyne.CanvasObject) []string {
	var out []string
	switch o := o.(type) {
	case *widget.Button:
		out = append(out, o.Text)
	case *fyne.Container:
		for _, c := range o.Objects {
			out = append(out, buttons(c)...)
		}
	case fyne.Widget:
		r := test.WidgetRenderer(o)
		for _, c := range r.Objects() {
			out = append(out, buttons(c)...)
		}
	}
	return out
}

func hasButton(w fyne.Window, prefix string) bool {
	for _, b := range buttons(w.Content()) {
		if strings.HasPrefix(b, prefix) {
			return true
		}
	}
	return false
}

// Settings' language applies without a restart: the window is drawn again
// in Norwegian (Pay → Betal) and the till's own texts follow, on the same
// running till.
func TestSettingsLanguageAppliesAtOnce(t *testing.T) {
	a := test.NewTempApp(t)
	t.Cleanup(func() { _ = ui.UseLanguage("en") })
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d, err := demo.Start(context.Background(), demo.Options{DataDir: t.TempDir(), Logger: log, Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	k := &kasse{app: a, win: w, log: log, demo: d}
	t.Cleanup(k.close)
	cfg := d.Config
	cfg.Language = "en"
	if err := k.startTill(cfg, station.Options{Logger: log, NoStartCheck: true}, ""); err != nil {
		t.Fatal(err)
	}
	if !hasButton(w, "Pay") || hasButton(w, "Betal") {
		t.Fatalf("an English till shows %q", buttons(w.Content()))
	}
	old := k.live.till

	c := cfg
	c.Language = "nb"
	if err := k.live.setLanguage(c); err != nil {
		t.Fatal(err)
	}
	if !hasButton(w, "Betal") || hasButton(w, "Pay") {
		t.Errorf("after choosing Norwegian the window shows %q", buttons(w.Content()))
	}
	if k.live.till == old {
		t.Error("the screens were not built again")
	}
	k.live.st.Till.Notify("Refunds need a manager at this till.")
	if got := k.live.st.Till.View().Notice; got != "Tilbakebetalinger krever en leder ved denne kassen." {
		t.Errorf("the till's notice after choosing Norwegian: %q", got)
	}
}
