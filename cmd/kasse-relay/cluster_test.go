package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kasse-pos/kasse/payments/relay"
	"github.com/kasse-pos/kasse/payments/webhook"
)

// freePort finds a loopback port that is free now. The cluster's routes
// must be known before the nodes start, so the ports are chosen up front.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// clusterNode is one host of a three-node HA relay: a kasse-relay process
// with its embedded NATS node.
type clusterNode struct {
	name                  string
	dir                   string
	http, client, cluster int
	routes                string
	p                     *proc
}

func (n *clusterNode) start(t *testing.T, bin string) {
	t.Helper()
	n.p = startCmd(t, exec.Command(bin, "serve",
		"-listen", fmt.Sprintf("127.0.0.1:%d", n.http), "-public-url", testPublic, "-log-format", "json",
		"-long-poll", "5s",
		"-node-name", n.name, "-nats-dir", n.dir,
		"-nats-listen", fmt.Sprintf("127.0.0.1:%d", n.client),
		"-cluster-listen", fmt.Sprintf("127.0.0.1:%d", n.cluster), "-cluster", n.routes))
}

// startCluster runs three nodes on loopback, each with its own store
// directory, and waits until every relay instance listens.
func startCluster(t *testing.T, bin string) []*clusterNode {
	t.Helper()
	nodes := make([]*clusterNode, 3)
	var routes []string
	for i := range nodes {
		nodes[i] = &clusterNode{name: fmt.Sprintf("n%d", i+1), dir: filepath.Join(t.TempDir(), "nats"),
			http: freePort(t), client: freePort(t), cluster: freePort(t)}
		routes = append(routes, fmt.Sprintf("127.0.0.1:%d", nodes[i].cluster))
	}
	var wg sync.WaitGroup
	for _, n := range nodes {
		n.routes = strings.Join(routes, ",")
		// Together: JetStream answers once a quorum has met, and each
		// instance waits for that before it listens.
		wg.Go(func() { n.start(t, bin) })
	}
	wg.Wait()
	for _, n := range nodes {
		if n.p == nil {
			t.FailNow() // start reported why
		}
	}
	return nodes
}

// balancer is the load balancer in front of the relay instances: each
// request goes to the next instance, and to the one after when that one
// refuses the connection.
type balancer struct {
	mu       sync.Mutex
	backends []string
	next     int
	client   *http.Client
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	start := b.next
	b.next++
	backends := slices.Clone(b.backends) // the test swaps an entry when a node restarts
	b.mu.Unlock()
	for i := range backends {
		base := backends[(start+i)%len(backends)]
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, base+r.URL.RequestURI(), r.Body)
		req.Header = r.Header.Clone()
		resp, err := b.client.Do(req)
		if err != nil {
			if r.Method == http.MethodGet && r.Context().Err() == nil {
				continue
			}
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
		resp.Body.Close()
		return
	}
	http.Error(w, "no relay instance answers", http.StatusBadGateway)
}

// delivery is one event as a till's poller handed it over.
type delivery struct {
	ref    string
	cursor uint64
	at     time.Time
}

// cursorLog is a till's cursor store that also records the order of saves.
type cursorLog struct {
	mu sync.Mutex
	c  uint64
}

func (c *cursorLog) LoadCursor() (uint64, error) { c.mu.Lock(); defer c.mu.Unlock(); return c.c, nil }
func (c *cursorLog) SaveCursor(v uint64) error   { c.mu.Lock(); c.c = v; c.mu.Unlock(); return nil }

// TestClusterSurvivesSIGKILLOfANode runs three kasse-relay processes with
// embedded NATS (R3) on loopback. Signed webhooks are posted through two of
// the instances while the second is killed with SIGKILL and restarted on the
// same store directory; two tills follow their feeds through a load balancer
// over all three. Every acknowledged event must reach its till exactly once,
// in cursor order. It reports how long the tills' feeds paused.
func TestClusterSurvivesSIGKILLOfANode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node cluster")
	}
	bin := build(t)
	nodes := startCluster(t, bin)

	// Register the MSN and two tills, as `kasse-relay till add -nats` would.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := relay.OpenJetStore(ctx, relay.JetStoreConfig{URL: fmt.Sprintf("nats://127.0.0.1:%d", nodes[0].client), Replicas: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.AddRegistration(testMSN, "reg-1", testSecret, relay.WebhookURL(testPublic, testMSN)); err != nil {
		t.Fatal(err)
	}
	prefixes := []string{"k-a-", "k-b-"}
	var tokens []string
	for i, p := range prefixes {
		// The operator's way, on another node than the registration's.
		out := cli(t, bin, "till", "add", fmt.Sprintf("till-%d", i), "-nats", fmt.Sprintf("nats://127.0.0.1:%d", nodes[2].client), "-msn", testMSN, "-prefix", p)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		tokens = append(tokens, lines[len(lines)-1])
	}
	// The CLI left the stream as the relays made it: three replicas.
	nc, err := nats.Connect(fmt.Sprintf("nats://127.0.0.1:%d", nodes[0].client))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	stream, err := js.Stream(ctx, "KASSE_EVENTS")
	if err != nil {
		t.Fatal(err)
	}
	if info, err := stream.Info(ctx); err != nil || info.Config.Replicas != 3 {
		t.Fatalf("stream after till add: %v replicas, %v", info.Config.Replicas, err)
	}
	// The instances learn of the registration by their watches.
	for _, n := range nodes {
		waitFor(t, ctx, "registration on "+n.name, func() bool {
			ok, err := post(ctx, n.p.base, "k-a-warmup-"+n.name)
			return err == nil && ok
		})
	}

	lb := &balancer{client: &http.Client{}}
	for _, n := range nodes {
		lb.backends = append(lb.backends, n.p.base)
	}
	lbLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lbSrv := &http.Server{Handler: lb}
	go lbSrv.Serve(lbLn)
	defer lbSrv.Close()

	// The tills.
	got := make([][]delivery, len(tokens))
	var gotMu sync.Mutex
	pctx, pcancel := context.WithCancel(ctx)
	defer pcancel()
	var pollers sync.WaitGroup
	for i, tok := range tokens {
		p := &relay.Poller{BaseURL: "http://" + lbLn.Addr().String(), Token: tok, Cursor: &cursorLog{},
			MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
			OnEvent: func(_ context.Context, ev webhook.Event) error {
				gotMu.Lock()
				got[i] = append(got[i], delivery{ref: ev.Reference, at: time.Now()})
				gotMu.Unlock()
				return nil
			}}
		// The cursor of each delivery, read after OnEvent returned: the
		// poller saves it right after, so read it from the next LoadCursor.
		pollers.Go(func() { p.Run(pctx) })
	}

	// Posters: two instances take the webhooks; a refused or broken delivery
	// is retried (on the other instance), as Vipps would retry it.
	entry := []string{nodes[0].p.base, nodes[1].p.base}
	var ackMu sync.Mutex
	acked := map[string]bool{}
	var stopPosting atomic.Bool
	var posters sync.WaitGroup
	for w := range 4 {
		posters.Go(func() {
			client := &http.Client{Timeout: 15 * time.Second}
			for i := 0; !stopPosting.Load(); i++ {
				ref := fmt.Sprintf("%s%d-%05d", prefixes[w%2], w, i)
				for try := 0; ; try++ {
					ok, err := postClient(ctx, client, entry[(w+try)%2], ref)
					if err == nil && ok {
						break
					}
					if ctx.Err() != nil {
						return
					}
					time.Sleep(20 * time.Millisecond)
				}
				ackMu.Lock()
				acked[ref] = true
				ackMu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	countAcked := func() int { ackMu.Lock(); defer ackMu.Unlock(); return len(acked) }
	waitFor(t, ctx, "100 acknowledged webhooks", func() bool { return countAcked() >= 100 })

	// SIGKILL node 2 (one the webhooks come through), keep posting, restart it.
	victim := nodes[1]
	killed := time.Now()
	victim.p.cmd.Process.Signal(syscall.SIGKILL)
	<-victim.p.done
	before := countAcked()
	waitFor(t, ctx, "100 webhooks acknowledged by the survivors", func() bool { return countAcked() >= before+100 })
	victim.start(t, bin)
	lb.mu.Lock()
	lb.backends[1] = victim.p.base
	lb.mu.Unlock()
	restarted := time.Now()
	before = countAcked()
	waitFor(t, ctx, "100 webhooks after the restart", func() bool { return countAcked() >= before+100 })
	stopPosting.Store(true)
	posters.Wait()

	// Every acknowledged event reaches its till, once.
	ackMu.Lock()
	want := make([]map[string]bool, len(tokens))
	for i := range want {
		want[i] = map[string]bool{}
	}
	for ref := range acked {
		want[slices.IndexFunc(prefixes, func(p string) bool { return strings.HasPrefix(ref, p) })][ref] = true
	}
	ackMu.Unlock()
	waitFor(t, ctx, "every acknowledged event at its till", func() bool {
		gotMu.Lock()
		defer gotMu.Unlock()
		for i := range want {
			seen := map[string]bool{}
			for _, d := range got[i] {
				seen[d.ref] = true
			}
			for ref := range want[i] {
				if !seen[ref] {
					return false
				}
			}
		}
		return true
	})
	pcancel()
	pollers.Wait()

	for i := range got {
		seen := map[string]int{}
		var longest time.Duration
		var gapAt time.Time
		for j, d := range got[i] {
			if !strings.HasPrefix(d.ref, prefixes[i]) {
				t.Errorf("till %d got %s", i, d.ref)
			}
			if seen[d.ref]++; seen[d.ref] == 2 {
				t.Errorf("till %d got %s twice", i, d.ref)
			}
			if j > 0 && d.at.After(killed) && got[i][j-1].at.Before(restarted.Add(5*time.Second)) {
				if gap := d.at.Sub(got[i][j-1].at); gap > longest {
					longest, gapAt = gap, got[i][j-1].at
				}
			}
		}
		// Per-poster order: a poster sends its next event only after the
		// previous was acknowledged, so the till must see them in that order.
		last := map[string]string{}
		for _, d := range got[i] {
			poster := d.ref[:strings.LastIndex(d.ref, "-")]
			if prev, ok := last[poster]; ok && d.ref < prev {
				t.Errorf("till %d: %s after %s", i, d.ref, prev)
			}
			last[poster] = d.ref
		}
		t.Logf("till %d: %d events (%d acknowledged), longest pause in its feed around the kill: %v (from %v after the kill)",
			i, len(got[i]), len(want[i]), longest.Round(time.Millisecond), gapAt.Sub(killed).Round(time.Millisecond))
	}
}

func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("waited 60 s for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
