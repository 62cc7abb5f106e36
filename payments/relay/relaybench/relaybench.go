// Package relaybench measures the relay the way a shop uses it: signed
// webhooks over loopback HTTP into a real store (a bbolt file, one embedded
// JetStream node, or three in a cluster), the time from the relay's 2xx to a
// till's Poller holding the event, and the memory of a relay process with
// many idle long-polling tills, beside the disk's own fsync rate. `kasse-relay
// bench` runs it; timings live here, never in tests.
package relaybench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/relay"
	"github.com/kasse-pos/kasse/payments/webhook"
)

const (
	benchMSN    = "123456"
	benchSecret = "bench-secret-0123456789"
)

// Main parses the bench flags, runs the chosen benchmarks and prints the
// results to out.
func Main(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("kasse-relay bench", flag.ContinueOnError)
	only := fs.String("only", "all", "ingest, latency, memory, flood or all")
	floodConns := fs.Int("flood", 15000, "flood: connections that never send a request")
	runs := fs.Int("runs", 3, "repeat the ingest and latency runs; the median is reported")
	webhooks := fs.Int("webhooks", 20000, "ingest: webhooks per run")
	conc := fs.Int("concurrency", 64, "ingest: deliveries in flight at once")
	events := fs.Int("events", 1000, "latency: events per run")
	tills := fs.Int("tills", 10000, "memory: idle long-polling tills")
	hold := fs.Duration("hold", time.Minute, "memory: how long the tills keep polling before the figure is taken (covers long-poll cycles)")
	exe := fs.String("relay", "", "memory: the kasse-relay binary to run (default: this program)")
	dir := fs.String("dir", "", "where to put the stores' files (default: a temporary directory); use a real disk")
	stores := fs.String("stores", KindBolt+","+KindJet+","+KindCluster, "the stores to compare, comma-separated: bbolt, jetstream (one embedded node), cluster (three embedded nodes, R3)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tmp := *dir
	if tmp == "" {
		d, err := os.MkdirTemp("", "kasse-relay-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		tmp = d
	}
	fmt.Fprintf(out, "kasse-relay bench: %s/%s, %d CPUs (GOMAXPROCS %d), %s, files in %s\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), tmp)
	want := func(name string) bool { return *only == "all" || *only == name }
	var kinds []string
	for _, k := range strings.Split(*stores, ",") {
		if k = strings.TrimSpace(k); k != "" {
			kinds = append(kinds, k)
		}
	}
	if want("ingest") || want("latency") {
		// The disk's own limit, in the same run: durable writes one after
		// another. bbolt needs about two per commit, and shares a commit among
		// the webhooks in flight.
		rate, err := FsyncRate(tmp, 2*time.Second)
		if err != nil {
			return fmt.Errorf("fsync: %w", err)
		}
		fmt.Fprintf(out, "DISK: %.0f fdatasyncs/s of 4 KiB, one after another, in %s\n", rate, tmp)
	}
	type row struct {
		kind                   string
		ingest                 float64
		p50, p99, total50, t99 time.Duration
		mem                    *MemoryResult
	}
	var rows []row
	for _, kind := range kinds {
		rw := row{kind: kind}
		if want("ingest") {
			var rates []float64
			for i := range *runs {
				r, err := Ingest(ctx, kind, filepath.Join(tmp, fmt.Sprintf("%s-ingest-%d", kind, i)), *webhooks, *conc)
				if err != nil {
					return fmt.Errorf("%s ingest: %w", kind, err)
				}
				fmt.Fprintf(out, "%s ingest run %d: %d webhooks, %d in flight: %.0f/s", kind, i+1, r.Webhooks, *conc, r.PerSecond)
				if r.Commits > 0 {
					fmt.Fprintf(out, " (%d commits, %.1f webhooks per commit)", r.Commits, float64(r.Webhooks)/float64(r.Commits))
				}
				fmt.Fprintln(out)
				rates = append(rates, r.PerSecond)
			}
			rw.ingest = median(rates)
			fmt.Fprintf(out, "INGEST %s median: %.0f signed webhooks/s, each durable before its 2xx\n", kind, rw.ingest)
		}
		if want("latency") {
			var p50s, p99s, t50s, t99s []time.Duration
			for i := range *runs {
				r, err := Latency(ctx, kind, filepath.Join(tmp, fmt.Sprintf("%s-latency-%d", kind, i)), *events)
				if err != nil {
					return fmt.Errorf("%s latency: %w", kind, err)
				}
				fmt.Fprintf(out, "%s latency run %d: %d events, 2xx -> poller: p50 %s p99 %s max %s (%d early); POST sent -> poller: p50 %s p99 %s\n",
					kind, i+1, r.N, r.P50, r.P99, r.Max, r.Early, r.Total.P50, r.Total.P99)
				p50s, p99s = append(p50s, r.P50), append(p99s, r.P99)
				t50s, t99s = append(t50s, r.Total.P50), append(t99s, r.Total.P99)
			}
			rw.p50, rw.p99, rw.total50, rw.t99 = median(p50s), median(p99s), median(t50s), median(t99s)
			fmt.Fprintf(out, "LATENCY %s median: POST sent -> till poller holds the event: p50 %s, p99 %s; relay 2xx -> poller: p50 %s, p99 %s\n",
				kind, rw.total50, rw.t99, rw.p50, rw.p99)
		}
		if want("memory") {
			bin := *exe
			if bin == "" {
				var err error
				if bin, err = os.Executable(); err != nil {
					return err
				}
			}
			r, err := Memory(ctx, bin, kind, filepath.Join(tmp, kind+"-memory"), *tills, *hold)
			if err != nil {
				return fmt.Errorf("%s memory: %w", kind, err)
			}
			rw.mem = &r
			fmt.Fprintf(out, "MEMORY %s: relay process RSS %.1f MB idle; with %d tills long-polling for %s: %.1f MB, %d waiting at the end, peak %.1f MB; all connected in %s\n",
				kind, mb(r.IdleRSS), *tills, *hold, mb(r.RSS), r.Waiting, mb(r.PeakRSS), r.AllWaiting.Round(time.Millisecond))
			if g := r.Go; g != nil {
				fmt.Fprintf(out, "memory detail %s (relay's runtime): %d goroutines, heap objects %.1f MB, stacks %.1f MB, total mapped %.1f MB\n",
					kind, g.Goroutines, mb(g.HeapObjects), mb(g.Stacks), mb(g.Total))
			}
		}
		rows = append(rows, rw)
	}
	if want("latency") {
		g, err := PollingLatency(ctx, 300, 2*time.Second)
		if err != nil {
			return fmt.Errorf("polling: %w", err)
		}
		fmt.Fprintf(out, "LATENCY beside it: polling GET payment every 2s: p50 %s, p99 %s (%d payments)\n", g.P50, g.P99, g.N)
	}
	if want("flood") {
		bin := *exe
		if bin == "" {
			var err error
			if bin, err = os.Executable(); err != nil {
				return err
			}
		}
		for _, lim := range [][2]string{{strconv.Itoa(relay.DefaultMaxConns), strconv.Itoa(relay.DefaultMaxConnsPerClient)}, {"10000", "0"}, {"0", "0"}} {
			d := filepath.Join(tmp, "flood-"+lim[0]+"-"+lim[1])
			if err := os.MkdirAll(d, 0o700); err != nil {
				return err
			}
			r, err := Flood(ctx, bin, d, *floodConns, lim[0], lim[1])
			if err != nil {
				return fmt.Errorf("flood: %w", err)
			}
			fmt.Fprintf(out, "FLOOD -max-conns %s -max-conns-per-client %s: %d idle connections from one address: %d held, %d answered 503, %d other; relay RSS %.1f MB (idle %.1f MB, peak %.1f MB)\n",
				lim[0], lim[1], r.Conns, r.Held, r.Refused, r.Other, mb(r.RSS), mb(r.IdleRSS), mb(r.PeakRSS))
		}
	}
	if !want("ingest") && !want("latency") && !want("memory") {
		return nil
	}
	fmt.Fprintf(out, "\nSUMMARY (medians of %d runs; %d tills for memory)\n", *runs, *tills)
	fmt.Fprintf(out, "%-10s %12s %22s %14s\n", "store", "ingest/s", "POST->poller p50/p99", "RSS idle tills")
	for _, rw := range rows {
		m := "-"
		if rw.mem != nil {
			m = fmt.Sprintf("%.0f MB", mb(rw.mem.RSS))
		}
		fmt.Fprintf(out, "%-10s %12.0f %22s %14s\n", rw.kind, rw.ingest, rw.total50.Round(10*time.Microsecond).String()+" / "+rw.t99.Round(10*time.Microsecond).String(), m)
	}
	return nil
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func median[T float64 | time.Duration](v []T) T {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// relayUnderTest is an in-process relay on a loopback port.
type relayUnderTest struct {
	store  *openedStore
	server *relay.Server
	http   *http.Server
	url    string
	tokens []string
}

func startRelay(ctx context.Context, kind, dir string, tills int, longPoll time.Duration) (*relayUnderTest, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	st, err := openStore(ctx, kind, dir)
	if err != nil {
		return nil, err
	}
	r := &relayUnderTest{store: st}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		st.Close()
		return nil, err
	}
	r.url = "http://" + ln.Addr().String()
	if err := st.AddRegistration(benchMSN, "bench", benchSecret, relay.WebhookURL(r.url, benchMSN)); err != nil {
		st.Close()
		return nil, err
	}
	for i := range tills {
		tok, err := st.AddTill(fmt.Sprintf("till-%d", i), benchMSN, fmt.Sprintf("t%d-", i))
		if err != nil {
			st.Close()
			return nil, err
		}
		r.tokens = append(r.tokens, tok)
	}
	r.server, err = relay.NewServer(relay.Config{Store: st.Backend, PublicURL: r.url, LongPoll: longPoll, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		st.Close()
		return nil, err
	}
	r.http = r.server.HTTPServer("", r.server.Handler())
	go r.http.Serve(relay.Listener(ln)) // as kasse-relay serves: waiting polls park
	return r, nil
}

func (r *relayUnderTest) stop() {
	r.server.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r.http.Shutdown(ctx)
	r.store.close()
}

func eventBody(ref string, name epayment.EventName) []byte {
	b, _ := json.Marshal(webhook.Event{
		MSN: benchMSN, Reference: ref, PSPReference: "psp-" + ref, Name: name,
		Amount: epayment.Amount{Currency: epayment.NOK, Value: 35000}, Timestamp: time.Now().UTC(), Success: true,
	})
	return b
}

// deliver signs and posts one webhook as Vipps does.
func deliver(ctx context.Context, c *http.Client, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	webhook.Sign(req, body, benchSecret, time.Now())
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}

// IngestResult is one ingest run.
type IngestResult struct {
	Webhooks  int
	PerSecond float64
	Commits   int // bbolt write transactions during the run (0 for JetStream)
}

// commits is the bbolt store's write transactions so far, or 0.
func commits(st *openedStore) int {
	if b, ok := st.Backend.(*relay.Store); ok {
		return b.WriteTransactions()
	}
	return 0
}

// Ingest posts n distinct signed webhooks with conc in flight to a fresh relay
// and reports the rate of 2xx answers; each 2xx follows its commit.
func Ingest(ctx context.Context, kind, dir string, n, conc int) (IngestResult, error) {
	r, err := startRelay(ctx, kind, dir, 10, time.Second)
	if err != nil {
		return IngestResult{}, err
	}
	defer r.stop()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}}
	url := relay.WebhookURL(r.url, benchMSN)
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = eventBody(fmt.Sprintf("t%d-%08d", i%10, i), epayment.EventAuthorized)
	}
	// Warm the connections and the file up.
	for i := range conc {
		if err := deliver(ctx, client, url, eventBody(fmt.Sprintf("warm-%d", i), epayment.EventAuthorized)); err != nil {
			return IngestResult{}, err
		}
	}
	commits0 := commits(r.store)
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := deliver(ctx, client, url, bodies[i]); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return IngestResult{}, firstErr
	}
	st, err := r.store.Stats()
	if err != nil {
		return IngestResult{}, err
	}
	if st.Events != n+conc {
		return IngestResult{}, fmt.Errorf("store holds %d events after %d acknowledged", st.Events, n+conc)
	}
	return IngestResult{Webhooks: n, PerSecond: float64(n) / elapsed.Seconds(), Commits: commits(r.store) - commits0}, nil
}

// LatencyResult is a latency distribution.
type LatencyResult struct {
	N             int
	P50, P99, Max time.Duration
	Early         int            // events the poller held before the sender saw the 2xx (counted as 0)
	Total         *LatencyResult // from the start of the POST (commit included) to the poller
}

func distribution(d []time.Duration) LatencyResult {
	slices.Sort(d)
	return LatencyResult{N: len(d), P50: d[len(d)*50/100], P99: d[min(len(d)-1, len(d)*99/100)], Max: d[len(d)-1]}
}

type memCursor struct{ c atomic.Uint64 }

func (m *memCursor) LoadCursor() (uint64, error) { return m.c.Load(), nil }
func (m *memCursor) SaveCursor(c uint64) error   { m.c.Store(c); return nil }

// Latency posts n webhooks one after another for a till whose Poller is
// connected, and measures from the moment the sender holds the relay's 2xx to
// the moment OnEvent runs in the Poller.
func Latency(ctx context.Context, kind, dir string, n int) (LatencyResult, error) {
	r, err := startRelay(ctx, kind, dir, 1, relay.DefaultLongPoll)
	if err != nil {
		return LatencyResult{}, err
	}
	defer r.stop()
	got := make(chan time.Time, 1)
	connected := make(chan struct{})
	var once sync.Once
	p := &relay.Poller{
		BaseURL: r.url, Token: r.tokens[0], Cursor: &memCursor{},
		OnEvent: func(context.Context, webhook.Event) error { got <- time.Now(); return nil },
		OnState: func(s relay.PollerState, _ error) {
			if s == relay.Connected {
				once.Do(func() { close(connected) })
			}
		},
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go p.Run(pctx)
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		return LatencyResult{}, errors.New("poller did not connect")
	}
	client := &http.Client{Transport: &http.Transport{}}
	url := relay.WebhookURL(r.url, benchMSN)
	var lat, total []time.Duration
	early := 0
	for i := range n + 20 {
		body := eventBody(fmt.Sprintf("t0-%08d", i), epayment.EventAuthorized)
		sent := time.Now()
		if err := deliver(ctx, client, url, body); err != nil {
			return LatencyResult{}, err
		}
		acked := time.Now()
		var held time.Time
		select {
		case held = <-got:
		case <-time.After(10 * time.Second):
			return LatencyResult{}, fmt.Errorf("event %d never reached the poller", i)
		}
		if i < 20 { // warm-up
			continue
		}
		d := held.Sub(acked)
		if d < 0 {
			early++
			d = 0
		}
		lat = append(lat, d)
		total = append(total, held.Sub(sent))
	}
	res := distribution(lat)
	res.Early = early
	t := distribution(total)
	res.Total = &t
	return res, nil
}

// PollingLatency is the same figure for a till that polls GET payment every
// interval instead: n payments, each approved at a random moment, each watched
// by its own poller over loopback HTTP; it reports approval -> poller sees it.
func PollingLatency(ctx context.Context, n int, interval time.Duration) (LatencyResult, error) {
	var mu sync.Mutex
	approved := map[string]time.Time{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /epayment/v1/payments/{ref}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		_, ok := approved[r.PathValue("ref")]
		mu.Unlock()
		state := epayment.StateCreated
		if ok {
			state = epayment.StateAuthorized
		}
		json.NewEncoder(w).Encode(struct {
			State epayment.State `json:"state"`
		}{state})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return LatencyResult{}, err
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	for i := range n {
		ref := "poll-" + strconv.Itoa(i)
		wg.Go(func() {
			// The till polls from 0 on; the customer approves at a moment
			// unrelated to the polls' phase.
			go func() {
				time.Sleep(interval/10 + rand.N(2*interval))
				mu.Lock()
				approved[ref] = time.Now()
				mu.Unlock()
			}()
			t := time.NewTicker(interval)
			defer t.Stop()
			for {
				resp, err := client.Get(base + "/epayment/v1/payments/" + ref)
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				var p struct {
					State epayment.State `json:"state"`
				}
				json.NewDecoder(resp.Body).Decode(&p)
				resp.Body.Close()
				if p.State == epayment.StateAuthorized {
					mu.Lock()
					lat[i] = time.Since(approved[ref])
					mu.Unlock()
					return
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return LatencyResult{}, firstErr
	}
	return distribution(lat), nil
}

// MemoryResult is the relay process's resident memory.
type MemoryResult struct {
	IdleRSS, RSS, PeakRSS int64
	Waiting               int64
	AllWaiting            time.Duration       // until every till's long-poll waited
	Go                    *relay.RuntimeStats // the relay's own view
}

// Memory runs bin as a relay process with tills tills, holds one long-poll
// open for each (each answered empty after 25 s and sent again), and after
// hold reads the process's resident set size and its peak (Linux /proc).
func Memory(ctx context.Context, bin, kind, dir string, tills int, hold time.Duration) (MemoryResult, error) {
	if runtime.GOOS != "linux" {
		return MemoryResult{}, errors.New("needs Linux /proc to read the relay's memory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return MemoryResult{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	procs, err := startRelayProcs(ctx, bin, kind, dir, tills)
	if err != nil {
		return MemoryResult{}, err
	}
	defer procs.stop()
	addr, tokens, pid := procs.addr, procs.tokens, procs.pid
	base := "http://" + addr
	time.Sleep(500 * time.Millisecond) // let the relay settle for the idle figure
	var res MemoryResult
	if res.IdleRSS, _, err = rss(pid); err != nil {
		return res, err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: tills, IdleConnTimeout: time.Minute}}
	// At most 200 connections being opened at once: the listen backlog is finite.
	sem := make(chan struct{}, 200)
	started := time.Now()
	for _, tok := range tokens {
		sem <- struct{}{}
		go func() {
			released := false
			release := func() {
				if !released {
					released = true
					<-sem
				}
			}
			defer release()
			for ctx.Err() == nil {
				tctx := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { release() }})
				req, _ := http.NewRequestWithContext(tctx, http.MethodGet, base+relay.PathEvents+"?after=0", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := client.Do(req)
				if err != nil {
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		h, err := health(ctx, base, tokens[0])
		if err != nil {
			return res, err
		}
		res.Waiting = h.Waiting
		if h.Waiting >= int64(tills) {
			break
		}
		if time.Now().After(deadline) {
			return res, fmt.Errorf("only %d of %d long-polls waiting", h.Waiting, tills)
		}
		time.Sleep(100 * time.Millisecond)
	}
	res.AllWaiting = time.Since(started)
	time.Sleep(hold) // through several long-poll cycles: the steady state, garbage included
	if h, err := health(ctx, base, tokens[0]); err == nil {
		res.Waiting = h.Waiting
	}
	res.RSS, res.PeakRSS, err = rss(pid)
	if h, herr := health(ctx, base, tokens[0]); herr == nil {
		res.Go = h.Runtime
	}
	return res, err
}

// relayProcs are kasse-relay serve processes: one, or three for a cluster,
// of which the tills poll the first.
type relayProcs struct {
	addr   string
	pid    int
	tokens []string
	cmds   []*exec.Cmd
}

func (p *relayProcs) stop() {
	for _, c := range p.cmds {
		c.Process.Signal(os.Interrupt)
	}
	for _, c := range p.cmds {
		c.Wait()
	}
}

// relayCmd starts one serve process with args and waits for it to listen.
func relayCmd(ctx context.Context, bin string, args ...string) (*exec.Cmd, string, error) {
	args = append([]string{"serve", "-listen", "127.0.0.1:0", "-public-url", "http://127.0.0.1", "-log-format", "json",
		// The bench's tills all come from 127.0.0.1.
		"-max-conns-per-client", "0", "-check-registrations", "0"}, args...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	addr, err := listeningAddr(stderr)
	if err != nil {
		cmd.Wait()
		return nil, "", err
	}
	go io.Copy(io.Discard, stderr)
	return cmd, addr, nil
}

func startRelayProcs(ctx context.Context, bin, kind, dir string, tills int) (*relayProcs, error) {
	p := &relayProcs{}
	addTills := func(st relay.TillAdmin) error {
		for i := range tills {
			tok, err := st.AddTill(fmt.Sprintf("till-%d", i), benchMSN, fmt.Sprintf("t%d-", i))
			if err != nil {
				return err
			}
			p.tokens = append(p.tokens, tok)
		}
		return nil
	}
	switch kind {
	case KindBolt:
		path := filepath.Join(dir, "memory.db")
		st, err := relay.OpenStore(path)
		if err != nil {
			return nil, err
		}
		if err := addTills(st); err != nil {
			st.Close()
			return nil, err
		}
		if err := st.Close(); err != nil {
			return nil, err
		}
		cmd, addr, err := relayCmd(ctx, bin, "-db", path)
		if err != nil {
			return nil, err
		}
		p.cmds, p.addr, p.pid = []*exec.Cmd{cmd}, addr, cmd.Process.Pid
		return p, nil
	case KindJet, KindCluster:
		n := 1
		if kind == KindCluster {
			n = 3
		}
		var clients, routes []string
		for range n {
			c, err := freeAddr()
			if err != nil {
				return nil, err
			}
			r, err := freeAddr()
			if err != nil {
				return nil, err
			}
			clients, routes = append(clients, c), append(routes, r)
		}
		type started struct {
			cmd  *exec.Cmd
			addr string
			err  error
		}
		res := make([]started, n)
		var wg sync.WaitGroup
		for i := range n {
			args := []string{"-node-name", fmt.Sprintf("n%d", i+1), "-nats-dir", filepath.Join(dir, fmt.Sprintf("nats-%d", i+1)), "-nats-listen", clients[i]}
			if n > 1 {
				args = append(args, "-cluster-listen", routes[i], "-cluster", strings.Join(routes, ","))
			}
			wg.Go(func() {
				res[i].cmd, res[i].addr, res[i].err = relayCmd(ctx, bin, args...)
			})
		}
		wg.Wait()
		for _, r := range res {
			if r.cmd != nil {
				p.cmds = append(p.cmds, r.cmd)
			}
		}
		for _, r := range res {
			if r.err != nil {
				p.stop()
				return nil, r.err
			}
		}
		p.addr, p.pid = res[0].addr, res[0].cmd.Process.Pid
		// Tills added while the relay runs, as an operator would.
		st, err := relay.OpenJetStore(ctx, relay.JetStoreConfig{URL: "nats://" + clients[0], Replicas: n})
		if err != nil {
			p.stop()
			return nil, err
		}
		defer st.Close()
		if err := addTills(st); err != nil {
			p.stop()
			return nil, err
		}
		// Every instance sees them by its watch; wait until the polled one does.
		deadline := time.Now().Add(time.Minute)
		for {
			h, err := health(ctx, "http://"+p.addr, p.tokens[len(p.tokens)-1])
			if err == nil && h.Tills >= tills {
				break
			}
			if time.Now().After(deadline) {
				p.stop()
				return nil, fmt.Errorf("the relay sees %d of %d tills", h.Tills, tills)
			}
			time.Sleep(100 * time.Millisecond)
		}
		return p, nil
	}
	return nil, fmt.Errorf("store kind %q", kind)
}

func health(ctx context.Context, base, token string) (relay.Health, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+relay.PathHealth, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return relay.Health{}, err
	}
	defer resp.Body.Close()
	var h relay.Health
	err = json.NewDecoder(resp.Body).Decode(&h)
	return h, err
}

// listeningAddr reads the relay's JSON log until its "listening" line.
func listeningAddr(r io.Reader) (string, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var line struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
			return line.Addr, nil
		}
	}
	return "", errors.New("the relay exited before listening")
}

// rss reads VmRSS and VmHWM (peak) of a process, in bytes.
func rss(pid int) (cur, peak int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			cur = kb << 10
		case "VmHWM:":
			peak = kb << 10
		}
	}
	return cur, peak, nil
}
