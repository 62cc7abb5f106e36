// Command kasse-relay is Kasse's public webhook relay: Vipps MobilePay posts
// ePayment webhooks to it, and the shop's tills, behind NAT, long-poll it for
// the events of their own payments. See docs/relay.md.
//
//	kasse-relay serve    -db relay.db -public-url https://relay.example.com [-listen :8443 -tls-cert F -tls-key F]
//	kasse-relay register -db relay.db -msn 123456 -url https://relay.example.com
//	kasse-relay list     -db relay.db -msn 123456
//	kasse-relay delete   -db relay.db -msn 123456 -id UUID
//	kasse-relay till add NAME -db relay.db -msn 123456 -prefix shop1-till1-
//	kasse-relay till list|revoke NAME -db relay.db
//	kasse-relay backup   -db relay.db -o copy.db
//	kasse-relay bench    [-webhooks 20000 -tills 10000]
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/relay"
	"github.com/kasse-pos/kasse/payments/relay/relaybench"
)

const usage = `kasse-relay: the webhook relay of Kasse (see docs/relay.md)

  serve     run the relay
  register  register this relay's URL for an MSN with the Webhooks API
  list      list an MSN's webhook registrations at Vipps
  delete    delete a webhook registration at Vipps and here
  till      add NAME | list | revoke NAME: the tills that poll this relay
  backup    copy the relay's file (while the relay is stopped)
  bench     measure ingest rate, delivery latency and idle-till memory

Run 'kasse-relay COMMAND -h' for a command's flags. Vipps API keys come from
the environment: VIPPS_CLIENT_ID, VIPPS_CLIENT_SECRET, VIPPS_SUBSCRIPTION_KEY.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	cmd, args := os.Args[1], os.Args[2:]
	switch cmd {
	case "serve":
		err = serve(ctx, args)
	case "register", "list", "delete":
		err = webhooks(ctx, cmd, args)
	case "till":
		err = till(args)
	case "backup":
		err = backup(args)
	case "bench":
		err = relaybench.Main(ctx, args, os.Stdout)
	case "-h", "-help", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "kasse-relay: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kasse-relay:", err)
		os.Exit(1)
	}
}

func newFlags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("kasse-relay "+name, flag.ExitOnError)
	db := fs.String("db", "kasse-relay.db", "the relay's bbolt file")
	return fs, db
}

func serve(ctx context.Context, args []string) error {
	fs, dbPath := newFlags("serve")
	listen := fs.String("listen", ":8080", "address to listen on")
	public := fs.String("public-url", os.Getenv("KASSE_RELAY_PUBLIC_URL"), "the URL Vipps and tills reach this relay at, e.g. https://relay.example.com")
	receipts := fs.String("receipt-url", "", "base URL of receipt links (default: -public-url)")
	cert := fs.String("tls-cert", "", "TLS certificate (PEM, full chain); with -tls-key, serve HTTPS")
	key := fs.String("tls-key", "", "TLS private key (PEM)")
	window := fs.Duration("replay-window", relay.DefaultReplayWindow, "how far a webhook's x-ms-date may be from this clock")
	longPoll := fs.Duration("long-poll", relay.DefaultLongPoll, "how long a till's poll waits for an event")
	retention := fs.Duration("retention", relay.DefaultRetention, "keep events this long (at least 7 days: Vipps retries that long)")
	receiptRetention := fs.Duration("receipt-retention", relay.DefaultReceiptRetention, "keep receipt pages this long")
	backupPath := fs.String("backup", "", "write a hot backup of the file here every -backup-every")
	backupEvery := fs.Duration("backup-every", 24*time.Hour, "interval of -backup")
	maxConns := fs.Int("max-conns", relay.DefaultMaxConns, "connections held at once, in all (0: no limit); more are answered 503")
	maxPerClient := fs.Int("max-conns-per-client", relay.DefaultMaxConnsPerClient, "connections held at once from one IP address (0: no limit)")
	checkEvery := fs.Duration("check-registrations", relay.DefaultCheckEvery, "how often to ask Vipps whether the webhook registrations still exist (needs the VIPPS_* keys; 0: never)")
	reregister := fs.Bool("reregister", false, "register a registration that Vipps deleted again (default: report it in the log and on /healthz)")
	api := fs.String("api", "https://api.vipps.no", "Vipps MobilePay API base URL, for -check-registrations")
	logFormat := fs.String("log-format", "text", "text or json")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	fs.Parse(args)

	log, err := newLogger(*logFormat, *logLevel)
	if err != nil {
		return err
	}
	if *public == "" {
		return errors.New("serve: -public-url is required (the URL Vipps posts to)")
	}
	if (*cert == "") != (*key == "") {
		return errors.New("serve: give both -tls-cert and -tls-key, or neither (plain HTTP behind a TLS proxy)")
	}
	if *retention > 0 && *retention < 7*24*time.Hour {
		log.Warn("retention is shorter than Vipps' 7 days of retries: a late retry would be delivered to tills again", "retention", *retention)
	}
	st, err := relay.OpenStore(*dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	srv, err := relay.NewServer(relay.Config{
		Store: st, PublicURL: *public, ReceiptBaseURL: *receipts,
		ReplayWindow: *window, LongPoll: *longPoll,
		Retention: *retention, ReceiptRetention: *receiptRetention,
		WebhookAPI: webhookAPIs(*checkEvery, *api, log), CheckEvery: *checkEvery, ReRegister: *reregister,
		Logger: log,
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	hs := srv.HTTPServer(*listen, srv.Handler())
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	// Below TLS, so that handshakes count; a 503 in plain text only where
	// the client speaks plain HTTP.
	ln = relay.LimitListener(ln, *maxConns, *maxPerClient, *cert == "")
	if *cert != "" {
		c, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			ln.Close()
			return fmt.Errorf("serve: TLS: %w", err)
		}
		// Vipps requires TLS 1.2 or later. HTTP/1.1 only: a waiting long-poll
		// parks its connection, which HTTP/2 cannot hand over.
		ln = tls.NewListener(ln, &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{c}, NextProtos: []string{"http/1.1"}})
	}
	st0, _ := st.Stats()
	log.Info("listening", "addr", ln.Addr().String(), "tls", *cert != "", "publicURL", *public,
		"db", *dbPath, "head", st0.Head, "tills", st0.Tills, "registrations", len(st.Registrations()))

	if *backupPath != "" {
		go backupLoop(ctx, st, *backupPath, *backupEvery, log)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(relay.Listener(ln)) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	// Wake the long-polls first so that Shutdown waits only for webhooks in
	// flight; each of those answers after its commit, or not at all (and
	// Vipps retries it).
	srv.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	if err := st.Close(); err != nil {
		return fmt.Errorf("serve: close store: %w", err)
	}
	log.Info("stopped")
	return nil
}

// webhookAPIs gives the registration check its Webhooks API clients, one per
// MSN, with the keys in the environment; nil (no check) without keys.
func webhookAPIs(every time.Duration, base string, log *slog.Logger) func(string) (relay.WebhookAPI, error) {
	id, secret, sub := os.Getenv("VIPPS_CLIENT_ID"), os.Getenv("VIPPS_CLIENT_SECRET"), os.Getenv("VIPPS_SUBSCRIPTION_KEY")
	if every <= 0 {
		return nil
	}
	if id == "" || secret == "" || sub == "" {
		log.Warn("registration check off: set VIPPS_CLIENT_ID, VIPPS_CLIENT_SECRET and VIPPS_SUBSCRIPTION_KEY to have the relay notice a registration Vipps deleted")
		return nil
	}
	var mu sync.Mutex
	clients := map[string]*epayment.Client{}
	return func(msn string) (relay.WebhookAPI, error) {
		mu.Lock()
		defer mu.Unlock()
		if c := clients[msn]; c != nil {
			return c, nil
		}
		c, err := epayment.New(epayment.Config{BaseURL: base, MSN: msn, ClientID: id, ClientSecret: secret, SubscriptionKey: sub, Logger: log})
		if err != nil {
			return nil, err
		}
		clients[msn] = c
		return c, nil
	}
}

func backupLoop(ctx context.Context, st *relay.Store, path string, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := st.BackupFile(path); err != nil {
			log.Error("backup", "err", err)
		} else {
			log.Info("backup written", "path", path)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func newLogger(format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("-log-format %q: want text or json", format)
}

// webhooks runs register, list and delete against the Webhooks API.
func webhooks(ctx context.Context, cmd string, args []string) error {
	fs, dbPath := newFlags(cmd)
	msn := fs.String("msn", "", "merchant serial number (sales unit)")
	base := fs.String("url", os.Getenv("KASSE_RELAY_PUBLIC_URL"), "register: this relay's public URL, e.g. https://relay.example.com")
	id := fs.String("id", "", "delete: the registration's id")
	api := fs.String("api", "https://api.vipps.no", "Vipps MobilePay API base URL")
	test := fs.Bool("test", false, "use the test environment (https://apitest.vipps.no)")
	fs.Parse(args)
	if *msn == "" {
		return fmt.Errorf("%s: -msn is required", cmd)
	}
	if *test {
		*api = "https://apitest.vipps.no"
	}
	client, err := epayment.New(epayment.Config{
		BaseURL: *api, MSN: *msn,
		ClientID:        os.Getenv("VIPPS_CLIENT_ID"),
		ClientSecret:    os.Getenv("VIPPS_CLIENT_SECRET"),
		SubscriptionKey: os.Getenv("VIPPS_SUBSCRIPTION_KEY"),
		Logger:          slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return fmt.Errorf("%s: %w (set VIPPS_CLIENT_ID, VIPPS_CLIENT_SECRET and VIPPS_SUBSCRIPTION_KEY)", cmd, err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	// Only register creates a missing file: it is how a relay is set up.
	open := relay.OpenExistingStore
	if cmd == "register" {
		open = relay.OpenStore
	}
	st, err := open(*dbPath)
	switch {
	case cmd == "list" && errors.Is(err, relay.ErrLocked):
		// Listing needs no change here: do it while the relay runs, without
		// telling which secrets this file holds.
		st = nil
	case err != nil:
		return err
	default:
		defer st.Close()
	}
	switch cmd {
	case "register":
		if *base == "" {
			return errors.New("register: -url is required (this relay's public URL)")
		}
		reg, created, err := relay.Register(ctx, client, st, *msn, relay.WebhookURL(*base, *msn))
		if err != nil {
			return err
		}
		if created {
			fmt.Printf("registered %s for MSN %s (id %s); the secret is stored in %s\n", reg.URL, reg.MSN, reg.ID, *dbPath)
		} else {
			fmt.Printf("already registered: %s for MSN %s (id %s)\n", reg.URL, reg.MSN, reg.ID)
		}
	case "list":
		hooks, err := client.ListWebhooks(ctx)
		if err != nil {
			return err
		}
		local := map[string]string{}
		if st != nil {
			for _, r := range st.Registrations() {
				local[r.ID] = "yes"
			}
		}
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tURL\tSECRET HERE\tEVENTS")
		for _, h := range hooks {
			here := local[h.ID]
			switch {
			case st == nil:
				here = "? (relay running)"
			case here == "":
				here = "no"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%d\n", h.ID, h.URL, here, len(h.Events))
		}
		w.Flush()
	case "delete":
		if *id == "" {
			return errors.New("delete: -id is required")
		}
		if err := relay.Unregister(ctx, client, st, *id); err != nil {
			return err
		}
		fmt.Printf("deleted %s\n", *id)
	}
	return nil
}

func till(args []string) error {
	if len(args) == 0 {
		return errors.New("till: add NAME | list | revoke NAME")
	}
	sub, args := args[0], args[1:]
	var name string
	if (sub == "add" || sub == "revoke") && len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	fs, dbPath := newFlags("till " + sub)
	msn := fs.String("msn", "", "add: the till's merchant serial number")
	prefix := fs.String("prefix", "", "add: the reference prefix of the till's payments, e.g. shop1-till1-")
	fs.Parse(args)
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	}
	st, err := relay.OpenExistingStore(*dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "add":
		if name == "" {
			return errors.New("till add NAME: the name is missing")
		}
		tok, err := st.AddTill(name, *msn, *prefix)
		if err != nil {
			return err
		}
		// The one place the token is shown: stdout, for the owner to paste
		// into the till's settings.
		fmt.Printf("till %s added (MSN %s, prefix %q). Its token, shown only now:\n%s\n", name, *msn, *prefix, tok)
	case "list":
		tills, err := st.Tills()
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tMSN\tPREFIX\tCREATED\tREVOKED")
		for _, t := range tills {
			rev := "-"
			if t.Revoked != nil {
				rev = t.Revoked.Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.Name, t.MSN, t.Prefix, t.Created.Format(time.RFC3339), rev)
		}
		w.Flush()
	case "revoke":
		if name == "" {
			return errors.New("till revoke NAME: the name is missing")
		}
		if err := st.RevokeTill(name); err != nil {
			return err
		}
		fmt.Printf("till %s revoked\n", name)
	default:
		return fmt.Errorf("till: unknown %q (add, list, revoke)", sub)
	}
	return nil
}

func backup(args []string) error {
	fs, dbPath := newFlags("backup")
	out := fs.String("o", "", "where to write the copy")
	fs.Parse(args)
	if *out == "" {
		return errors.New("backup: -o is required")
	}
	st, err := relay.OpenExistingStore(*dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.BackupFile(*out); err != nil {
		return err
	}
	fmt.Printf("backup written to %s\n", *out)
	return nil
}
