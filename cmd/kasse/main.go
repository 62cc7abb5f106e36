// Command kasse is the till: one window for selling with Vipps MobilePay.
//
//	kasse -demo            built-in simulator and relay, no account needed
//	kasse -config FILE     a real merchant (see README)
//	kasse -kiosk           full screen self-checkout
//	kasse -customer-display  a second window for the customer
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/kasse-pos/kasse/app/demo"
	"github.com/kasse-pos/kasse/app/station"
	"github.com/kasse-pos/kasse/assets"
	"github.com/kasse-pos/kasse/hardware/escpos"
	"github.com/kasse-pos/kasse/ui"
)

// customerDisplay opens the customer's window (or "customerDisplay": true in
// the configuration).
var customerDisplay = flag.Bool("customer-display", false, "open a second window for the customer (drag it to the second screen; F11 makes it full screen)")

func main() {
	if len(os.Args) > 1 && os.Args[1] == "journal" {
		os.Exit(runJournal(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "export" {
		os.Exit(runExport(os.Args[2:]))
	}
	demoMode := flag.Bool("demo", false, "run against the built-in simulator (no Vipps account needed)")
	kiosk := flag.Bool("kiosk", false, "full screen self-checkout")
	configPath := flag.String("config", "", "configuration file (JSON)")
	dataDir := flag.String("data", "", "folder for the journal (default: the OS's user data folder)")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(log)
	if err := run(*demoMode, *kiosk, *configPath, *dataDir, log); err != nil {
		fmt.Fprintln(os.Stderr, "kasse:", err)
		os.Exit(1)
	}
}

func run(demoMode, kiosk bool, configPath, dataDir string, log *slog.Logger) error {
	ctx := context.Background()
	var (
		cfg  station.Config
		opts = station.Options{Logger: log}
	)
	switch {
	case demoMode:
		if dataDir == "" {
			base, err := station.DefaultDataDir()
			if err != nil {
				return err
			}
			dataDir = filepath.Join(base, "demo")
		}
		d, err := demo.Start(ctx, demo.Options{DataDir: dataDir, LAN: true, Logger: log})
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		defer d.Close()
		cfg = d.Config
		opts.ResetRelayCursor = true
		log.Info("demo mode", "simulator", d.SimURL, "relay", d.RelayURL, "data", dataDir)
	case configPath != "":
		var err error
		if cfg, err = station.Load(configPath); err != nil {
			return err
		}
		if dataDir != "" {
			cfg.DataDir = dataDir
		}
	default:
		return fmt.Errorf("give -demo, or -config FILE for a real merchant (see README)")
	}

	st, err := station.Start(ctx, cfg, opts)
	if err != nil {
		return err
	}
	defer st.Close()

	a := fyneapp.NewWithID("no.kasse.till")
	a.SetIcon(fyne.NewStaticResource("Icon.png", assets.Icon))
	title := "Kasse"
	if cfg.Shop.Name != "" {
		title = cfg.Shop.Name + " — Kasse"
	}
	w := a.NewWindow(title)
	w.Resize(fyne.NewSize(1280, 800))
	// A till's screen may be smaller than the window Kasse asks for: fit
	// it, so that Pay and the header are never off the screen.
	a.Lifecycle().SetOnStarted(func() { fitScreen(w) })
	bo := &ui.BackOffice{Office: st.Office, Shop: cfg.Shop}
	uo := ui.Options{Title: cfg.Shop.Name, Demo: demoMode, Kiosk: kiosk, BackOffice: bo}
	if st.Printer != nil {
		bo.ReportPrinter = st.Printer
		if v, ok := st.Printer.Device.(*escpos.Virtual); ok {
			uo.Paper = v.Image
		}
	}
	ui.Create(a, w, st.Till, uo)
	if *customerDisplay || cfg.CustomerDisplay {
		w.SetMaster() // closing the till closes the customer's window too
		cw := a.NewWindow(title + " — customer")
		cw.Resize(fyne.NewSize(1280, 800))
		ui.NewCustomerDisplay(cw, st.Till, cfg.Shop.Name)
		cw.Show()
	}
	w.ShowAndRun()
	return nil
}
