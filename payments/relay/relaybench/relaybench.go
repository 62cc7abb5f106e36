// Package relaybench measures the relay the way a shop uses it: signed
// webhooks over loopback HTTP into a real bbolt file, the time from the
// relay's 2xx to a till's Poller holding the event, and the memory of a relay
// process with many idle long-polling tills. `kasse-relay bench` runs it;
// timings live here, never in tests.
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
	only := fs.String("only", "all", "ingest, latency, memory or all")
	runs := fs.Int("runs", 3, "repeat the ingest and latency runs; the median is reported")
	webhooks := fs.Int("webhooks", 20000, "ingest: webhooks per run")
	conc := fs.Int("concurrency", 64, "ingest: deliveries in flight at once")
	events := fs.Int("events", 1000, "latency: events per run")
	tills := fs.Int("tills", 10000, "memory: idle long-polling tills")
	hold := fs.Duration("hold", time.Minute, "memory: how long the tills keep polling before the figure is taken (covers long-poll cycles)")
	exe := fs.String("relay", "", "memory: the kasse-relay binary to run (default: this program)")
	dir := fs.String("dir", "", "where to put the bbolt files (default: a temporary directory); use a real disk")
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
	if want("ingest") {
		var rates []float64
		for i := range *runs {
			r, err := Ingest(ctx, filepath.Join(tmp, fmt.Sprintf("ingest-%d.db", i)), *webhooks, *conc)
			if err != nil {
				return fmt.Errorf("ingest: %w", err)
			}
			fmt.Fprintf(out, "ingest run %d: %d webhooks, %d in flight: %.0f/s (%d commits, %.1f webhooks per commit)\n",
				i+1, r.Webhooks, *conc, r.PerSecond, r.Commits, float64(r.Webhooks)/float64(max(r.Commits, 1)))
			rates = append(rates, r.PerSecond)
		}
		fmt.Fprintf(out, "INGEST median: %.0f signed webhooks/s, each committed before its 2xx (goal >= 5000)\n", median(rates))
	}
	if want("latency") {
		var p50s, p99s, t50s, t99s []time.Duration
		for i := range *runs {
			r, err := Latency(ctx, filepath.Join(tmp, fmt.Sprintf("latency-%d.db", i)), *events)
			if err != nil {
				return fmt.Errorf("latency: %w", err)
			}
			fmt.Fprintf(out, "latency run %d: %d events, 2xx -> poller: p50 %s p99 %s max %s (%d reached the poller before the 2xx reached the sender); POST sent -> poller: p50 %s p99 %s\n",
				i+1, r.N, r.P50, r.P99, r.Max, r.Early, r.Total.P50, r.Total.P99)
			p50s, p99s = append(p50s, r.P50), append(p99s, r.P99)
			t50s, t99s = append(t50s, r.Total.P50), append(t99s, r.Total.P99)
		}
		fmt.Fprintf(out, "LATENCY median: relay 2xx -> till poller holds the event: p50 %s, p99 %s (goal p99 <= 20ms)\n", median(p50s), median(p99s))
		fmt.Fprintf(out, "LATENCY median: webhook POST sent -> till poller holds the event (verify, commit, wake): p50 %s, p99 %s\n", median(t50s), median(t99s))
		g, err := PollingLatency(ctx, 300, 2*time.Second)
		if err != nil {
			return fmt.Errorf("polling: %w", err)
		}
		fmt.Fprintf(out, "LATENCY beside it: polling GET payment every 2s: p50 %s, p99 %s (%d payments)\n", g.P50, g.P99, g.N)
	}
	if want("memory") {
		bin := *exe
		if bin == "" {
			var err error
			if bin, err = os.Executable(); err != nil {
				return err
			}
		}
		r, err := Memory(ctx, bin, filepath.Join(tmp, "memory.db"), *tills, *hold)
		if err != nil {
			return fmt.Errorf("memory: %w", err)
		}
		fmt.Fprintf(out, "MEMORY: relay process RSS %.1f MB idle; with %d tills long-polling for %s: %.1f MB, %d waiting at the end, peak %.1f MB (goal < 300 MB); all %d connected in %s\n",
			mb(r.IdleRSS), *tills, *hold, mb(r.RSS), r.Waiting, mb(r.PeakRSS), *tills, r.AllWaiting.Round(time.Millisecond))
		if g := r.Go; g != nil {
			fmt.Fprintf(out, "memory detail (relay's runtime): %d goroutines, heap objects %.1f MB, stacks %.1f MB, total mapped %.1f MB\n",
				g.Goroutines, mb(g.HeapObjects), mb(g.Stacks), mb(g.Total))
		}
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
	store  *relay.Store
	server *relay.Server
	http   *http.Server
	url    string
	tokens []string
}

func startRelay(path string, tills int, longPoll time.Duration) (*relayUnderTest, error) {
	st, err := relay.OpenStore(path)
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
	r.server, err = relay.NewServer(relay.Config{Store: st, PublicURL: r.url, LongPoll: longPoll, Logger: slog.New(slog.DiscardHandler)})
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
	r.store.Close()
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
	Commits   int // bbolt write transactions during the run
}

// Ingest posts n distinct signed webhooks with conc in flight to a fresh relay
// and reports the rate of 2xx answers; each 2xx follows its commit.
func Ingest(ctx context.Context, path string, n, conc int) (IngestResult, error) {
	r, err := startRelay(path, 10, time.Second)
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
	commits0 := r.store.WriteTransactions()
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
	return IngestResult{Webhooks: n, PerSecond: float64(n) / elapsed.Seconds(), Commits: r.store.WriteTransactions() - commits0}, nil
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
func Latency(ctx context.Context, path string, n int) (LatencyResult, error) {
	r, err := startRelay(path, 1, relay.DefaultLongPoll)
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
func Memory(ctx context.Context, bin, path string, tills int, hold time.Duration) (MemoryResult, error) {
	if runtime.GOOS != "linux" {
		return MemoryResult{}, errors.New("needs Linux /proc to read the relay's memory")
	}
	st, err := relay.OpenStore(path)
	if err != nil {
		return MemoryResult{}, err
	}
	var tokens []string
	for i := range tills {
		tok, err := st.AddTill(fmt.Sprintf("till-%d", i), benchMSN, fmt.Sprintf("t%d-", i))
		if err != nil {
			st.Close()
			return MemoryResult{}, err
		}
		tokens = append(tokens, tok)
	}
	if err := st.Close(); err != nil {
		return MemoryResult{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "-db", path, "-listen", "127.0.0.1:0", "-public-url", "http://127.0.0.1", "-log-format", "json")
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return MemoryResult{}, err
	}
	if err := cmd.Start(); err != nil {
		return MemoryResult{}, err
	}
	defer func() { cancel(); cmd.Wait() }()
	addr, err := listeningAddr(stderr)
	if err != nil {
		return MemoryResult{}, err
	}
	go io.Copy(io.Discard, stderr)
	base := "http://" + addr
	time.Sleep(500 * time.Millisecond) // let the relay settle for the idle figure
	var res MemoryResult
	if res.IdleRSS, _, err = rss(cmd.Process.Pid); err != nil {
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
	res.RSS, res.PeakRSS, err = rss(cmd.Process.Pid)
	if h, herr := health(ctx, base, tokens[0]); herr == nil {
		res.Go = h.Runtime
	}
	return res, err
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
