package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/kasse-pos/kasse/app/fiscal"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/saft"
	"github.com/kasse-pos/kasse/app/station"
)

const exportUsage = `usage:
  kasse export saft -from YYYY-MM-DD -to YYYY-MM-DD [-config kasse.json] [-journal FILE] [-out DIR] [-sign]
  kasse export verify [-config kasse.json | -keys keys.json | -key public.pem] FILE
  kasse export keys [-config kasse.json]`

// runExport is `kasse export …`: the SAF-T Cash Register file and its checks.
// It returns the exit status: 0 done (or the file verifies), 1 the file does
// not verify, 2 the command could not run.
func runExport(args []string) int {
	return exportCommand(context.Background(), args, os.Stdout, os.Stderr)
}

func exportCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, exportUsage)
		return 2
	}
	var err error
	status := 0
	switch args[0] {
	case "saft":
		err = exportSAFT(ctx, args[1:], stdout, stderr)
	case "verify":
		status, err = exportVerify(args[1:], stdout, stderr)
	case "keys":
		err = exportKeys(args[1:], stdout, stderr)
	default:
		fmt.Fprintln(stderr, exportUsage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "kasse export:", err)
		return 2
	}
	return status
}

// place is where an installation keeps its journal and keys.
type place struct {
	cfg     station.Config
	dataDir string
}

func loadPlace(configPath string) (place, error) {
	var p place
	if configPath != "" {
		cfg, err := station.Load(configPath)
		if err != nil {
			return p, err
		}
		p.cfg = cfg
	}
	p.dataDir = p.cfg.DataDir
	if p.dataDir == "" {
		dir, err := station.DefaultDataDir()
		if err != nil {
			return p, err
		}
		p.dataDir = dir
	}
	return p, nil
}

func (p place) keyDir() string { return filepath.Join(p.dataDir, "fiscal") }

func exportSAFT(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("kasse export saft", flag.ContinueOnError)
	fl.SetOutput(stderr)
	from := fl.String("from", "", "first day of the period, YYYY-MM-DD (Norwegian time)")
	to := fl.String("to", "", "last day of the period, YYYY-MM-DD")
	configPath := fl.String("config", "", "the till's configuration (shop name, address, org number, POS id, data folder)")
	journalPath := fl.String("journal", "", "journal file (default: kasse.db in the data folder)")
	out := fl.String("out", ".", "folder to write the file into")
	sign := fl.Bool("sign", false, "first sign, with this installation's key, completed transactions the till left unsigned")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *from == "" || *to == "" || fl.NArg() != 0 {
		fmt.Fprintln(stderr, exportUsage)
		return flag.ErrHelp
	}
	p, err := loadPlace(*configPath)
	if err != nil {
		return err
	}
	path := *journalPath
	if path == "" {
		path = filepath.Join(p.dataDir, "kasse.db")
	}
	// journal.Open creates a missing file; an export must not.
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no journal at %s", path)
	}
	j, err := journal.Open(path, journal.Options{Logger: slog.New(slog.NewTextHandler(stderr, nil))})
	if err != nil {
		return err
	}
	defer j.Close()
	if *sign {
		keys, err := fiscal.OpenKeys(p.keyDir())
		if err != nil {
			return err
		}
		n, err := fiscal.NewSigner(j, keys, nil).SignPending(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "signed %d transactions\n", n)
	}
	shop := p.cfg.Shop
	cfg := saft.ShopConfig(shop.Name, shop.Address, shop.OrgNumber, p.cfg.POSID)
	if p.cfg.Currency != "" {
		cfg.Currency = p.cfg.Currency
	}
	file, err := saft.Export(ctx, j, cfg, *from, *to, *out, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, file)
	return nil
}

func exportVerify(args []string, stdout, stderr io.Writer) (int, error) {
	fl := flag.NewFlagSet("kasse export verify", flag.ContinueOnError)
	fl.SetOutput(stderr)
	configPath := fl.String("config", "", "the till's configuration: use the key history in its data folder")
	history := fl.String("keys", "", "a key history (keys.json from the data folder's fiscal/)")
	pem := fl.String("key", "", "one public key (PEM), for every key version")
	if err := fl.Parse(args); err != nil {
		return 2, err
	}
	if fl.NArg() != 1 {
		fmt.Fprintln(stderr, exportUsage)
		return 2, flag.ErrHelp
	}
	var keys fiscal.PublicKeys
	var err error
	switch {
	case *pem != "":
		keys, err = fiscal.PublicKeyFile(*pem)
	case *history != "":
		keys, err = fiscal.HistoryFile(*history)
	default:
		var p place
		if p, err = loadPlace(*configPath); err == nil {
			keys, err = fiscal.HistoryFile(fiscal.HistoryPath(p.keyDir()))
		}
	}
	if err != nil {
		return 2, err
	}
	rep, err := saft.Verify(fl.Arg(0), keys)
	if err != nil {
		return 2, err
	}
	fmt.Fprint(stdout, rep.String())
	if !rep.OK() {
		return 1, nil
	}
	return 0, nil
}

// exportKeys prints the installation's public keys, every version, for the
// shop's records and for whoever checks its files. The first key is made
// when the till (or export saft -sign) first signs.
func exportKeys(args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("kasse export keys", flag.ContinueOnError)
	fl.SetOutput(stderr)
	configPath := fl.String("config", "", "the till's configuration (its data folder)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	p, err := loadPlace(*configPath)
	if err != nil {
		return err
	}
	// Read only the history: asking for the keys must not make one.
	history, err := fiscal.ReadHistory(fiscal.HistoryPath(p.keyDir()))
	if err != nil {
		return err
	}
	for _, k := range history {
		state := "current"
		if !k.Retired.IsZero() {
			state = "retired " + k.Retired.Format(time.RFC3339)
		}
		fmt.Fprintf(stdout, "keyVersion %s (created %s, %s)\n%s\n", k.Version, k.Created.Format(time.RFC3339), state, k.PublicKey)
	}
	return nil
}
