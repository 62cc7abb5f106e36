// Command kasse-relay is Kasse's public webhook relay: Vipps MobilePay posts
// ePayment webhooks to it, and the shop's tills, behind NAT, long-poll it for
// the events of their own payments. See docs/relay.md.
//
//	kasse-relay serve    -db relay.db -public-url https://relay.example.com [-listen :8443 -tls-cert F -tls-key F]
//	kasse-relay serve    -public-url URL -nats-dir DIR -cluster host1:6222,host2:6222,host3:6222 (an HA node)
//	kasse-relay serve    -public-url URL -nats nats://host:4222 (state in an existing NATS JetStream)
//	kasse-relay register -db relay.db -msn 123456 -url https://relay.example.com
//	kasse-relay list     -db relay.db -msn 123456
//	kasse-relay delete   -db relay.db -msn 123456 -id UUID
//	kasse-relay till add NAME -db relay.db -msn 123456 -prefix shop1-till1-
//	kasse-relay till list|revoke NAME -db relay.db   (or -nats URL; works while the relay runs)
//	kasse-relay backup   -db relay.db -o copy.db
//	kasse-relay bench    [-webhooks 20000 -tills 10000]
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"

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
            (while it runs too: through its admin socket, or -nats)
  backup    copy the relay's bbolt file (while the relay is stopped; serve -backup while it runs)
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

// storeFlags choose the relay's store: the bbolt file -db (the default), or
// NATS JetStream with -nats.
type storeFlags struct {
	db       *string
	nats     *string
	replicas *int
	prefix   *string
	creds    *string
	ca       *string
	// serve's -retention and -receipt-retention, which a JetStream store
	// applies as MaxAge and TTL (zero: the defaults).
	retention, receiptRetention time.Duration
}

func newFlags(name string) (*flag.FlagSet, *storeFlags) {
	fs := flag.NewFlagSet("kasse-relay "+name, flag.ExitOnError)
	sf := &storeFlags{
		db:       fs.String("db", "kasse-relay.db", "the relay's bbolt file (without -nats)"),
		nats:     fs.String("nats", os.Getenv("KASSE_RELAY_NATS"), "NATS server URL(s), comma-separated: keep the relay's state in JetStream there instead of -db"),
		replicas: fs.Int("nats-replicas", 0, "JetStream replicas of the relay's stream and buckets (default 1, or 3 with -cluster)"),
		prefix:   fs.String("nats-prefix", "kasse", "prefix of the JetStream stream, buckets and subjects"),
		creds:    fs.String("nats-creds", "", "NATS credentials file (for a NATS system with authentication)"),
		ca:       fs.String("nats-ca", "", "CA certificate (PEM) to verify the NATS servers' TLS with"),
	}
	return fs, sf
}

// open opens the store the flags name. create says whether a missing bbolt
// file may be created (serve and register); JetStream creates its stream and
// buckets when they are missing in any case.
func (sf *storeFlags) open(ctx context.Context, create bool, log *slog.Logger) (relay.Backend, error) {
	if *sf.nats == "" {
		if create {
			return relay.OpenStore(*sf.db)
		}
		return relay.OpenExistingStore(*sf.db)
	}
	// Bound to what exists: the relay instances own the stream's settings.
	return sf.openJet(ctx, *sf.nats, 1, true, log)
}

func (sf *storeFlags) openJet(ctx context.Context, url string, defReplicas int, bind bool, log *slog.Logger) (*relay.JetStore, error) {
	cfg := relay.JetStoreConfig{URL: url, Replicas: *sf.replicas, Prefix: *sf.prefix, Bind: bind, Logger: log,
		Retention: sf.retention, ReceiptRetention: sf.receiptRetention}
	if cfg.Replicas == 0 {
		cfg.Replicas = defReplicas
	}
	if *sf.creds != "" {
		cfg.ConnOptions = append(cfg.ConnOptions, nats.UserCredentials(*sf.creds))
	}
	if *sf.ca != "" {
		cfg.ConnOptions = append(cfg.ConnOptions, nats.RootCAs(*sf.ca))
	}
	return openJetStore(ctx, cfg, log)
}

// openJetStore retries while JetStream is not ready: a cluster's nodes start
// one after another, and JetStream answers once a quorum has met.
func openJetStore(ctx context.Context, cfg relay.JetStoreConfig, log *slog.Logger) (*relay.JetStore, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for attempt := 0; ; attempt++ {
		actx, acancel := context.WithTimeout(ctx, 20*time.Second)
		st, err := relay.OpenJetStore(actx, cfg)
		acancel()
		if err == nil {
			return st, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("JetStream not ready: %w", err)
		}
		if attempt%10 == 0 && log != nil {
			log.Info("waiting for JetStream", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func serve(ctx context.Context, args []string) error {
	fs, sf := newFlags("serve")
	dbPath := sf.db
	cluster := fs.String("cluster", "", "run an embedded NATS node with routes to these peers (host:port of their -cluster-listen, comma-separated); state in JetStream, R3 by default")
	natsDir := fs.String("nats-dir", "", "run an embedded NATS node keeping JetStream's files here (with -cluster: default kasse-relay-nats)")
	nodeName := fs.String("node-name", hostname(), "this node's name in the cluster (unique)")
	natsListen := fs.String("nats-listen", "127.0.0.1:4222", "embedded node: client address (for this relay and `kasse-relay till -nats`)")
	clusterListen := fs.String("cluster-listen", ":6222", "embedded node: address the other nodes route to")
	clusterName := fs.String("cluster-name", "kasse-relay", "embedded node: the cluster's name (the same on every node)")
	clusterCert := fs.String("cluster-tls-cert", "", "embedded node: TLS certificate for the routes between nodes (PEM)")
	clusterKey := fs.String("cluster-tls-key", "", "embedded node: its key")
	clusterCA := fs.String("cluster-tls-ca", "", "embedded node: CA that signed every node's certificate (mutual TLS)")
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
	sf.retention, sf.receiptRetention = *retention, *receiptRetention
	jet := *cluster != "" || *natsDir != "" || *sf.nats != ""
	if jet && *backupPath != "" {
		return errors.New("serve: -backup is for the bbolt file; on JetStream see docs/relay.md (Backups and restore on JetStream)")
	}
	if *cluster != "" && *sf.nats != "" {
		return errors.New("serve: give -cluster (an embedded node) or -nats (an existing NATS system), not both")
	}
	var st relay.Backend
	where := *dbPath
	stopAdmin := func() {}
	switch {
	case *cluster != "" || *natsDir != "":
		dir := *natsDir
		if dir == "" {
			dir = "kasse-relay-nats"
		}
		ncfg := relay.NodeConfig{Name: *nodeName, StoreDir: dir, Listen: *natsListen, Logger: log,
			// One node: fsync before acknowledging. A cluster: a quorum holds it.
			SyncAlways: *cluster == ""}
		if *cluster != "" {
			ncfg.ClusterName, ncfg.ClusterListen, ncfg.Routes = *clusterName, *clusterListen, splitList(*cluster)
			if *clusterCert != "" {
				tc, err := clusterTLS(*clusterCert, *clusterKey, *clusterCA)
				if err != nil {
					return err
				}
				ncfg.ClusterTLS = tc
			}
		}
		node, err := relay.StartNode(ncfg)
		if err != nil {
			return err
		}
		defer node.Shutdown()
		replicas := 1
		if *cluster != "" {
			replicas = 3
		}
		js, err := sf.openJet(ctx, node.ClientURL(), replicas, false, log)
		if err != nil {
			return err
		}
		st, where = js, "embedded NATS "+node.ClientURL()+" in "+dir
	case *sf.nats != "":
		js, err := sf.openJet(ctx, *sf.nats, 1, false, log)
		if err != nil {
			return err
		}
		st, where = js, "NATS "+*sf.nats
	default:
		bst, err := relay.OpenStore(*dbPath)
		if err != nil {
			return err
		}
		st = bst
		if *backupPath != "" {
			go backupLoop(ctx, bst, *backupPath, *backupEvery, log)
		}
		stop, err := serveAdmin(bst, adminSocket(*dbPath), log)
		if err != nil {
			bst.Close()
			return err
		}
		stopAdmin = stop
		defer stop()
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
		"store", where, "head", st0.Head, "tills", st0.Tills, "registrations", len(st.Registrations()))
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
	stopAdmin() // before the store closes under it
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

// adminStore is what the till and registration commands use: the store
// itself, or a running relay's admin socket.
type adminStore interface {
	relay.TillAdmin
	relay.RegistrationStore
	Registrations() []relay.Registration
}

// openAdmin opens the store for a command that changes tills or
// registrations. A bbolt file that a running relay holds is changed through
// that relay's admin socket instead; JetStream needs no such detour.
func (sf *storeFlags) openAdmin(ctx context.Context, create bool) (adminStore, func(), error) {
	st, err := sf.open(ctx, create, nil)
	if err == nil {
		return st, func() { st.Close() }, nil
	}
	if *sf.nats != "" || !errors.Is(err, relay.ErrLocked) {
		return nil, nil, err
	}
	a, aerr := relay.DialAdmin(ctx, adminSocket(*sf.db))
	if aerr != nil {
		return nil, nil, fmt.Errorf("%w; and its admin socket does not answer: %w", err, aerr)
	}
	return a, func() {}, nil
}

func (sf *storeFlags) where() string {
	if *sf.nats != "" {
		return "JetStream at " + *sf.nats
	}
	return *sf.db
}

// adminSocket is where a relay on a bbolt file serves its admin API.
func adminSocket(db string) string { return db + ".sock" }

func serveAdmin(st *relay.Store, path string, log *slog.Logger) (func(), error) {
	stop, err := relay.ServeAdmin(st, path)
	if err != nil {
		return nil, err
	}
	log.Info("admin socket", "path", path)
	return stop, nil
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// clusterTLS is mutual TLS between the nodes: each presents its certificate
// and accepts only peers whose certificate the CA signed.
func clusterTLS(certFile, keyFile, caFile string) (*tls.Config, error) {
	c, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("cluster TLS: %w", err)
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{c}}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("cluster TLS: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("cluster TLS: no certificate in %s", caFile)
		}
		tc.RootCAs, tc.ClientCAs, tc.ClientAuth = pool, pool, tls.RequireAndVerifyClientCert
	}
	return tc, nil
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
	fs, sf := newFlags(cmd)
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
	st, closeStore, err := sf.openAdmin(ctx, cmd == "register")
	if err != nil {
		return err
	}
	defer closeStore()
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
			fmt.Printf("registered %s for MSN %s (id %s); the secret is stored in %s\n", reg.URL, reg.MSN, reg.ID, sf.where())
		} else {
			fmt.Printf("already registered: %s for MSN %s (id %s)\n", reg.URL, reg.MSN, reg.ID)
		}
	case "list":
		hooks, err := client.ListWebhooks(ctx)
		if err != nil {
			return err
		}
		local := map[string]string{}
		for _, r := range st.Registrations() {
			local[r.ID] = "yes"
		}
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tURL\tSECRET HERE\tEVENTS")
		for _, h := range hooks {
			here := local[h.ID]
			if here == "" {
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
	fs, sf := newFlags("till " + sub)
	msn := fs.String("msn", "", "add: the till's merchant serial number")
	prefix := fs.String("prefix", "", "add: the reference prefix of the till's payments, e.g. shop1-till1-")
	fs.Parse(args)
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	}
	st, closeStore, err := sf.openAdmin(context.Background(), false)
	if err != nil {
		return err
	}
	defer closeStore()
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
	fs, sf := newFlags("backup")
	dbPath := sf.db
	out := fs.String("o", "", "where to write the copy")
	fs.Parse(args)
	if *out == "" {
		return errors.New("backup: -o is required")
	}
	if *sf.nats != "" {
		return errors.New("backup: on JetStream, back up the stream and buckets with the NATS CLI (docs/relay.md, Backups and restore on JetStream)")
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
