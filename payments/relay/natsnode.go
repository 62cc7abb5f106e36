package relay

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// NodeConfig configures an embedded NATS server with JetStream, so that a
// relay needs no other software: one node for one host, or three with routes
// to each other for a cluster (kasse-relay serve -cluster).
type NodeConfig struct {
	// Name is this node's name, unique in the cluster (e.g. the host name).
	Name string
	// StoreDir holds JetStream's files. It is created if missing.
	StoreDir string
	// Listen is the client address the relay (and `kasse-relay till`) connect
	// to; keep it on loopback or a private network. "" means 127.0.0.1:4222;
	// port 0 picks a free one.
	Listen string
	// ClusterName names the cluster; all nodes must agree. "" means
	// "kasse-relay".
	ClusterName string
	// ClusterListen is where the other nodes' routes reach this one
	// ("0.0.0.0:6222"); "" runs a single node without a cluster.
	ClusterListen string
	// Routes are the other nodes' cluster addresses (host:port). A node may
	// list itself; the server ignores a route to itself.
	Routes []string
	// ClusterTLS, if set, encrypts and authenticates the routes (mutual TLS:
	// set ClientCAs and ClientAuth to tls.RequireAndVerifyClientCert).
	ClusterTLS *tls.Config
	// SyncAlways makes JetStream fsync every write before acknowledging it.
	// A single node needs it to keep an acknowledged webhook through a power
	// loss; in a cluster a quorum in memory on separate hosts is the
	// guarantee, and JetStream syncs every SyncInterval.
	SyncAlways bool
	// MaxStore bounds JetStream's disk use; 0 means the server's default
	// (75% of the free space).
	MaxStore int64
	Logger   *slog.Logger
}

// Node is a running embedded NATS server.
type Node struct {
	srv *server.Server
}

// StartNode starts an embedded NATS server and waits until it takes
// connections. In a cluster, JetStream becomes usable once a quorum of the
// nodes has met; OpenJetStore waits for that.
func StartNode(cfg NodeConfig) (*Node, error) {
	if cfg.Name == "" || cfg.StoreDir == "" {
		return nil, errors.New("relay: a NATS node needs a name and a store directory")
	}
	host, port, err := splitHostPort(cfg.Listen, "127.0.0.1", 4222)
	if err != nil {
		return nil, fmt.Errorf("relay: NATS listen address: %w", err)
	}
	opts := &server.Options{
		ServerName: cfg.Name,
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   cfg.StoreDir,
		SyncAlways: cfg.SyncAlways,
		NoSigs:     true, // the relay handles SIGTERM
		// Clients (relay instances) carry webhooks up to 1 MiB.
		MaxPayload: MaxMaxBody + 64<<10,
	}
	if cfg.MaxStore > 0 {
		opts.JetStreamMaxStore = cfg.MaxStore
	}
	if cfg.ClusterListen != "" {
		ch, cp, err := splitHostPort(cfg.ClusterListen, "0.0.0.0", 6222)
		if err != nil {
			return nil, fmt.Errorf("relay: cluster listen address: %w", err)
		}
		name := cfg.ClusterName
		if name == "" {
			name = "kasse-relay"
		}
		opts.Cluster = server.ClusterOpts{Name: name, Host: ch, Port: cp, ConnectRetries: -1, TLSConfig: cfg.ClusterTLS}
		if cfg.ClusterTLS != nil {
			opts.Cluster.TLSTimeout = 5
		}
		scheme := "nats"
		if cfg.ClusterTLS != nil {
			scheme = "tls"
		}
		for _, r := range cfg.Routes {
			u, err := url.Parse(scheme + "://" + r)
			if err != nil || u.Host == "" {
				return nil, fmt.Errorf("relay: route %q: want host:port", r)
			}
			opts.Routes = append(opts.Routes, u)
		}
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("relay: NATS node: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	nl := &natsLogger{l: log.With("part", "nats")}
	srv.SetLoggerV2(nl, false, false, false)
	srv.Start()
	// The server reports a port it cannot bind through Fatalf and carries
	// on; take that as the failure it is.
	for deadline := time.Now().Add(30 * time.Second); !srv.ReadyForConnections(100 * time.Millisecond); {
		if err := nl.fatalErr(); err != nil || time.Now().After(deadline) {
			srv.Shutdown()
			if err == nil {
				err = errors.New("not ready after 30 s")
			}
			return nil, fmt.Errorf("relay: NATS node %s: %w", cfg.Name, err)
		}
	}
	if err := nl.fatalErr(); err != nil {
		srv.Shutdown()
		return nil, fmt.Errorf("relay: NATS node %s: %w", cfg.Name, err)
	}
	return &Node{srv: srv}, nil
}

// ClientURL is the URL relay instances connect to.
func (n *Node) ClientURL() string { return n.srv.ClientURL() }

// ClusterAddr is the address other nodes route to, or nil without a cluster.
func (n *Node) ClusterAddr() net.Addr {
	if a := n.srv.ClusterAddr(); a != nil {
		return a
	}
	return nil
}

// Shutdown stops the node; JetStream's files stay for the next start.
func (n *Node) Shutdown() {
	n.srv.Shutdown()
	n.srv.WaitForShutdown()
}

func splitHostPort(addr, defHost string, defPort int) (string, int, error) {
	if addr == "" {
		return defHost, defPort, nil
	}
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	if h == "" {
		h = defHost
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return "", 0, fmt.Errorf("port %q", p)
	}
	if n == 0 {
		n = -1 // nats-server: -1 picks a random port
	}
	return h, n, nil
}

// natsLogger passes the server's log to slog, debug and trace dropped, and
// keeps the first fatal error.
type natsLogger struct {
	l     *slog.Logger
	mu    sync.Mutex
	fatal error
}

func (n *natsLogger) fatalErr() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.fatal
}

func (n *natsLogger) Noticef(format string, v ...any) { n.l.Info(fmt.Sprintf(format, v...)) }
func (n *natsLogger) Warnf(format string, v ...any)   { n.l.Warn(fmt.Sprintf(format, v...)) }
func (n *natsLogger) Errorf(format string, v ...any)  { n.l.Error(fmt.Sprintf(format, v...)) }
func (n *natsLogger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	n.l.Error(msg)
	n.mu.Lock()
	if n.fatal == nil {
		n.fatal = errors.New(msg)
	}
	n.mu.Unlock()
}
func (n *natsLogger) Debugf(string, ...any) {}
func (n *natsLogger) Tracef(string, ...any) {}
