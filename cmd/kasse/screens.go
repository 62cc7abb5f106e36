package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"

	"github.com/kasse-pos/kasse/app/demo"
	"github.com/kasse-pos/kasse/app/station"
	"github.com/kasse-pos/kasse/ui"
)

// showScreens puts the cashier's screens, or with -kiosk the self-checkout,
// into w; in demo mode both get the demo menu.
func showScreens(a fyne.App, w fyne.Window, st *station.Station, cfg station.Config, uo ui.Options, d *demo.Demo, dataDir string) *ui.UI {
	var menu ui.DemoControl
	if d != nil {
		menu = &demoMenu{Demo: d, app: a, dataDir: dataDir}
	}
	if !uo.Kiosk {
		uo.DemoMenu = menu
		return ui.Create(a, w, st.Till, uo)
	}
	k := cfg.Kiosk
	ui.CreateKiosk(a, w, st.Till, ui.KioskOptions{
		Title: cfg.Shop.Name, StaffPIN: k.PIN().Check, BackOffice: uo.BackOffice, Demo: menu,
		ReceiptFor: time.Duration(k.ReceiptFor), IdleAfter: time.Duration(k.IdleAfter), IdleGrace: time.Duration(k.IdleGrace),
		Logger: slog.Default(),
	})
	return nil
}

// demoMenu is the demo's menu; its Reset closes the window, and Kasse then
// starts again on a fresh journal (restartIfReset).
type demoMenu struct {
	*demo.Demo
	app     fyne.App
	dataDir string
}

// resetDemo is the demo data folder to start afresh once the window closed.
var resetDemo string

func (m *demoMenu) Reset() {
	resetDemo = m.dataDir
	m.app.Quit()
}

// restartIfReset moves the demo's journal aside (kasse.db.before-reset;
// journals are never deleted) and starts Kasse again with the same flags.
func restartIfReset() error {
	if resetDemo == "" {
		return nil
	}
	db := filepath.Join(resetDemo, "kasse.db")
	if err := os.Rename(db, db+".before-reset"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reset demo data: %w", err)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("reset demo data: %w", err)
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("reset demo data: start again: %w", err)
	}
	return nil
}

// runPin prints a PIN hashed for kiosk.staffPin: `kasse pin 4711`.
func runPin(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: kasse pin DIGITS   (prints the value for kiosk.staffPin)")
		return 2
	}
	h, err := station.HashPIN(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "kasse pin:", err)
		return 1
	}
	fmt.Println(h)
	return 0
}
