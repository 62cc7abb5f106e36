// Command kasse is the till: one window for selling with Vipps MobilePay.
//
//	kasse                  the saved configuration, or the setup window on first start
//	kasse -demo            built-in simulator and relay, no account needed
//	kasse -config FILE     a real merchant (see README)
//	kasse -kiosk           full screen self-checkout
//	kasse -version         version and commit
//	kasse -customer-display  a second window for the customer
package main

import (
	"context"
	"errors"
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
	if len(os.Args) > 1 && os.Args[1] == "pin" {
		os.Exit(runPin(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "export" {
		os.Exit(runExport(os.Args[2:]))
	}
	demoMode := flag.Bool("demo", false, "run against the built-in simulator (no Vipps account needed)")
	kiosk := flag.Bool("kiosk", false, "full screen self-checkout")
	configPath := flag.String("config", "", "configuration file (JSON); default: the one setup saved")
	dataDir := flag.String("data", "", "folder for the journal (default: the OS's user data folder)")
	mkt := flag.String("market", "NO", "the demo shop's market: NO, DK or FI (with -demo)")
	language := flag.String("lang", "", "the till's language: en, nb, da or fi (default: the configuration's, else the computer's)")
	showVersion := flag.Bool("version", false, "print the version and commit, and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(versionLine())
		return
	}

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(log)
	err := run(*demoMode, *kiosk, *configPath, *dataDir, *mkt, *language, log)
	if err == nil {
		err = restartIfReset()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kasse:", err)
		os.Exit(1)
	}
}

// kasse is the program's one window and what runs in it.
type kasse struct {
	app     fyne.App
	win     fyne.Window
	kiosk   bool
	dataDir string
	log     *slog.Logger
	closers []func()
	// savedDataDir is the saved file's dataDir, which -data overrides for
	// this run only: settings save the file's own value back.
	savedDataDir string
	// market and language are the -market and -lang flags; demo is the
	// running demo, for its menu.
	market, language string
	demo             *demo.Demo
	// live is the running till's screens, which Settings redraws in a new
	// language.
	live *screens
}

func run(demoMode, kiosk bool, configPath, dataDir, mkt, language string, log *slog.Logger) error {
	a := fyneapp.NewWithID("no.kasse.till")
	a.SetIcon(fyne.NewStaticResource("Icon.png", assets.Icon))
	w := a.NewWindow("Kasse")
	w.Resize(fyne.NewSize(1280, 800))
	// A till's screen may be smaller than the window Kasse asks for: fit
	// it, so that Pay and the header are never off the screen.
	a.Lifecycle().SetOnStarted(func() { fitScreen(w) })
	k := &kasse{app: a, win: w, kiosk: kiosk, dataDir: dataDir, log: log, market: mkt, language: language}
	defer k.close()

	switch {
	case demoMode:
		if err := k.startDemo(); err != nil {
			return err
		}
	case configPath != "":
		k.startFile(configPath, false)
	default:
		path, err := station.DefaultConfigPath()
		if err != nil {
			return err
		}
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			k.showSetup(path)
		} else {
			k.startFile(path, true)
		}
	}
	w.ShowAndRun()
	return nil
}

func (k *kasse) close() {
	for i := len(k.closers) - 1; i >= 0; i-- {
		k.closers[i]()
	}
	k.closers = nil
}

func (k *kasse) startDemo() error {
	dataDir := k.dataDir
	if dataDir == "" {
		base, err := station.DefaultDataDir()
		if err != nil {
			return err
		}
		dataDir = filepath.Join(base, "demo")
	}
	d, err := demo.Start(context.Background(), demo.Options{DataDir: dataDir, LAN: true, Logger: k.log, Market: k.market})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	k.closers = append(k.closers, d.Close)
	k.demo, k.dataDir = d, dataDir
	k.log.Info("demo mode", "simulator", d.SimURL, "relay", d.RelayURL, "data", dataDir)
	return k.startTill(d.Config, station.Options{Logger: k.log, ResetRelayCursor: true}, "")
}

// startFile starts the till from a configuration file; a file Kasse cannot
// read is shown in the window, with its line and column.
func (k *kasse) startFile(path string, offerSetup bool) {
	cfg, err := station.Load(path)
	if err != nil {
		k.log.Error("configuration", "err", err)
		k.showProblem(err, path, offerSetup)
		return
	}
	k.savedDataDir = cfg.DataDir
	if k.dataDir != "" {
		cfg.DataDir = k.dataDir
	}
	if err := k.startTill(cfg, station.Options{Logger: k.log}, path); err != nil {
		k.log.Error("start", "err", err)
		k.showProblem(err, path, offerSetup)
	}
}

// showSetup is the first start: the demo, or a shop's setup saved to path.
func (k *kasse) showSetup(path string) {
	k.win.SetTitle("Kasse setup")
	ui.ShowSetup(k.win, ui.SetupOptions{
		Demo: func() {
			if err := k.startDemo(); err != nil {
				k.showProblem(err, "", false)
			}
		},
		Done: func(cfg station.Config) error {
			if err := station.Save(path, cfg); err != nil {
				return err
			}
			k.log.Info("configuration saved", "path", path)
			k.savedDataDir = cfg.DataDir
			if k.dataDir != "" {
				cfg.DataDir = k.dataDir
			}
			return k.startTill(cfg, station.Options{Logger: k.log}, path)
		},
	})
}

// showProblem says in the window why the till cannot start.
func (k *kasse) showProblem(err error, path string, offerSetup bool) {
	var again func()
	if offerSetup && path != "" {
		again = func() { k.showSetup(path) }
	}
	ui.ShowProblem(k.win, err.Error(), again, k.app.Quit)
}

// startTill starts the station and puts the till in the window. path is
// where settings are saved ("" for the demo: nothing is saved).
func (k *kasse) startTill(cfg station.Config, opts station.Options, path string) error {
	if k.language != "" {
		cfg.Language = k.language
	}
	st, err := station.Start(context.Background(), cfg, opts)
	if err != nil {
		return err
	}
	k.closers = append(k.closers, st.Close)
	title := "Kasse"
	if cfg.Shop.Name != "" {
		title = cfg.Shop.Name + " — Kasse"
	}
	k.win.SetTitle(title)
	bo := &ui.BackOffice{Office: st.Office, Shop: cfg.Shop, Allowed: st.Cashiers.Allowed, Training: st.Till}
	uo := ui.Options{Title: cfg.Shop.Name, Demo: cfg.Demo, Kiosk: k.kiosk, BackOffice: bo}
	var tillUI *ui.UI // for the settings, once the screens exist
	live := &screens{k: k, st: st, cfg: cfg}
	k.live = live
	if !k.kiosk {
		uo.Cashiers = st.Cashiers
		if cfg.Demo {
			uo.LoginHint = demo.LoginHint
			if _, err := st.Cashiers.Login(demo.ManagerName, demo.ManagerPIN); err != nil {
				k.log.Warn("demo login", "err", err)
			}
		}
		current := cfg
		current.DataDir = k.savedDataDir
		settings := ui.NewSettings(k.win, ui.SettingsOptions{
			Config: func() station.Config { return current },
			Path:   path, Cashiers: st.Cashiers,
			Catalog: &ui.CatalogOptions{Current: st.Till.Catalog, Market: st.Market, Journal: st.Journal},
			Apply: func(c station.Config) bool {
				current = c
				st.Cashiers.SetAccounts(c.Cashiers, c.IdleLock())
				if tillUI != nil {
					tillUI.CashiersChanged()
				}
				if err := live.setLanguage(c); err != nil {
					k.log.Error("language", "err", err)
				}
				tillUI = live.till
				return true
			},
		})
		uo.Settings = settings.Open
	}
	if st.Printer != nil {
		bo.ReportPrinter = st.Printer
		if v, ok := st.Printer.Device.(*escpos.Virtual); ok {
			uo.Paper = v.Image
		}
	}
	live.uo = uo
	if err := live.show(st.Language, st.ReceiptLanguage(cfg)); err != nil {
		return err
	}
	tillUI = live.till
	if *customerDisplay || cfg.CustomerDisplay {
		k.win.SetMaster() // closing the till closes the customer's window too
		cw := k.app.NewWindow(title + " — customer")
		cw.Resize(fyne.NewSize(1280, 800))
		live.showCustomer(cw)
		cw.Show()
		k.closers = append(k.closers, cw.Close)
	}
	return nil
}
