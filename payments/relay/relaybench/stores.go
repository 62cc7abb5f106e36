package relaybench

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kasse-pos/kasse/payments/relay"
)

// Store kinds the bench compares, as kasse-relay serve runs them.
const (
	KindBolt    = "bbolt"     // one bbolt file, fsync per commit
	KindJet     = "jetstream" // one embedded NATS node, fsync before each ack
	KindCluster = "cluster"   // three embedded nodes, R3, quorum before each ack
)

// openedStore is a store of one kind and what to stop with it.
type openedStore struct {
	relay.Backend
	close func()
	// natsURL is the client URL of the node(s), for JetStream kinds.
	natsURL string
}

// openStore opens a fresh store of kind under dir. The cluster's three nodes
// run in this process, on loopback, each with a directory of its own: the
// figure includes the replication, not separate disks or hosts.
func openStore(ctx context.Context, kind, dir string) (*openedStore, error) {
	switch kind {
	case KindBolt:
		st, err := relay.OpenStore(filepath.Join(dir, "relay.db"))
		if err != nil {
			return nil, err
		}
		return &openedStore{Backend: st, close: func() { st.Close() }}, nil
	case KindJet:
		n, err := relay.StartNode(relay.NodeConfig{Name: "bench", StoreDir: filepath.Join(dir, "nats"), Listen: "127.0.0.1:0", SyncAlways: true})
		if err != nil {
			return nil, err
		}
		st, err := relay.OpenJetStore(ctx, relay.JetStoreConfig{URL: n.ClientURL(), Replicas: 1})
		if err != nil {
			n.Shutdown()
			return nil, err
		}
		return &openedStore{Backend: st, natsURL: n.ClientURL(), close: func() { st.Close(); n.Shutdown() }}, nil
	case KindCluster:
		nodes, err := startCluster(dir)
		if err != nil {
			return nil, err
		}
		stopAll := func() {
			for _, n := range nodes {
				n.Shutdown()
			}
		}
		url := nodes[0].ClientURL()
		st, err := relay.OpenJetStore(ctx, relay.JetStoreConfig{URL: url, Replicas: 3})
		if err != nil {
			stopAll()
			return nil, err
		}
		return &openedStore{Backend: st, natsURL: url, close: func() { st.Close(); stopAll() }}, nil
	}
	return nil, fmt.Errorf("store kind %q: want %s, %s or %s", kind, KindBolt, KindJet, KindCluster)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startCluster runs three embedded NATS nodes routed to each other.
func startCluster(dir string) ([]*relay.Node, error) {
	var routes []string
	for range 3 {
		a, err := freeAddr()
		if err != nil {
			return nil, err
		}
		routes = append(routes, a)
	}
	nodes := make([]*relay.Node, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() {
			nodes[i], errs[i] = relay.StartNode(relay.NodeConfig{Name: fmt.Sprintf("n%d", i+1), StoreDir: filepath.Join(dir, fmt.Sprintf("nats-%d", i+1)),
				Listen: "127.0.0.1:0", ClusterListen: routes[i], Routes: routes})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			for _, n := range nodes {
				if n != nil {
					n.Shutdown()
				}
			}
			return nil, fmt.Errorf("node %d: %w", i+1, err)
		}
	}
	return nodes, nil
}

// FsyncRate writes 4 KiB and fdatasyncs it, again and again for d, in a file
// under dir: the disk's own bound on durable commits one after another.
func FsyncRate(dir string, d time.Duration) (float64, error) {
	f, err := os.CreateTemp(dir, "fsync-")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 4096)
	n := 0
	start := time.Now()
	for time.Since(start) < d {
		if _, err := f.WriteAt(buf, int64(n%256)*4096); err != nil {
			return 0, err
		}
		if err := fdatasync(f); err != nil {
			return 0, err
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
