// Command kasse-bench measures the till's window with a large catalog, in a
// real window (run it under xvfb-run): start to first frame, idle memory, a
// tile's tap to the basket on screen, and Pay to createPayment arriving at
// a loopback simulator. It prints the median of each beside its goal.
//
//	xvfb-run -a -s "-screen 0 1280x800x24" kasse-bench [-runs 5] [-products 10000]
//
// Each run starts a fresh till process (this program with -child) against a
// demo simulator and relay in this process, as a real shop's till starts
// with -config; a proxy in front of the simulator notes when each
// createPayment arrives.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/demo"
)

// goals are the targets, in the order printed.
var goals = []struct {
	key, name, unit string
	goal            float64
}{
	{"frame", "start to first frame", "ms", 500},
	{"rss", "idle memory (RSS)", "MB", 150},
	{"uss", "  of it, private to this process (USS)", "MB", 0},
	{"gosys", "  of it, Go's own (runtime.MemStats.Sys)", "MB", 0},
	{"tap", "tap on a tile to the basket on screen", "ms", 50},
	{"pay", "Pay to createPayment at the simulator", "ms", 5},
}

func main() {
	child := flag.String("child", "", "internal: run the till with this configuration file and report")
	runs := flag.Int("runs", 5, "till starts to take the median of")
	products := flag.Int("products", 10000, "products in the generated catalog")
	flag.Parse()
	if *child != "" {
		if err := runChild(*child); err != nil {
			fmt.Fprintln(os.Stderr, "kasse-bench child:", err)
			os.Exit(1)
		}
		return
	}
	if err := runParent(*runs, *products); err != nil {
		fmt.Fprintln(os.Stderr, "kasse-bench:", err)
		os.Exit(1)
	}
}

func runParent(runs, products int) error {
	dir, err := os.MkdirTemp("", "kasse-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	catPath := filepath.Join(dir, "catalog.json")
	if err := os.WriteFile(catPath, catalog.Generate(products), 0o644); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	got := map[string][]float64{}
	for i := range runs {
		r, err := oneRun(self, filepath.Join(dir, fmt.Sprint(i)), catPath)
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		for k, v := range r {
			got[k] = append(got[k], v...)
		}
		fmt.Fprintf(os.Stderr, "run %d/%d: first frame %.0f ms, RSS %.0f MB\n", i+1, runs, r["frame"][0], r["rss"][0])
	}
	fmt.Printf("Kasse with %d products, %d till starts (median, min–max):\n", products, runs)
	for _, g := range goals {
		v := got[g.key]
		if len(v) == 0 {
			continue
		}
		slices.Sort(v)
		med := v[len(v)/2]
		goal := ""
		switch {
		case g.goal == 0:
		case med < g.goal:
			goal = fmt.Sprintf("goal < %g %s   ok", g.goal, g.unit)
		default:
			goal = fmt.Sprintf("goal < %g %s   MISSED", g.goal, g.unit)
		}
		fmt.Printf("  %-40s %8.2f %-2s (%.2f–%.2f, n=%d)   %s\n", g.name, med, g.unit, v[0], v[len(v)-1], len(v), goal)
	}
	return nil
}

// oneRun starts a demo back end and one till process on it, and collects
// the till's figures.
func oneRun(self, dir, catPath string) (map[string][]float64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	d, err := demo.Start(ctx, demo.Options{DataDir: filepath.Join(dir, "demo"), ApproveDelay: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	proxy, arrivals, err := noteCreates(d.SimURL)
	if err != nil {
		return nil, err
	}
	defer proxy.Close()
	cfg := d.Config
	cfg.DataDir = filepath.Join(dir, "till")
	cfg.CatalogFile = catPath
	cfg.Vipps.BaseURL = proxy.URL
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, "config.json")
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		return nil, err
	}

	cmd := exec.CommandContext(ctx, self, "-child", cfgPath)
	cmd.Env = append(os.Environ(), "LANG=en_US.UTF-8")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	res := map[string][]float64{}
	var pays []time.Time
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		n, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "frame":
			res["frame"] = append(res["frame"], ms(time.Unix(0, n).Sub(start)))
		case "rss", "uss", "gosys":
			res[f[0]] = append(res[f[0]], float64(n)/1024)
		case "tap":
			res["tap"] = append(res["tap"], float64(n)/1e6)
		case "pay":
			pays = append(pays, time.Unix(0, n))
		}
	}
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("till: %w", err)
	}
	got := arrivals()
	if len(got) != len(pays) {
		return nil, fmt.Errorf("%d Pay taps but %d createPayment requests arrived", len(pays), len(got))
	}
	for i := range pays {
		res["pay"] = append(res["pay"], ms(got[i].Sub(pays[i])))
	}
	if len(res["frame"]) == 0 || len(res["rss"]) == 0 {
		return nil, fmt.Errorf("the till reported no first frame or memory")
	}
	return res, nil
}

// noteCreates is a proxy to the simulator that notes when each
// createPayment request arrives, before forwarding it.
func noteCreates(simURL string) (*httpServer, func() []time.Time, error) {
	u, err := url.Parse(simURL)
	if err != nil {
		return nil, nil, err
	}
	var (
		mu   sync.Mutex
		seen []time.Time
	)
	rp := httputil.NewSingleHostReverseProxy(u)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/epayment/v1/payments" {
			now := time.Now()
			mu.Lock()
			seen = append(seen, now)
			mu.Unlock()
		}
		rp.ServeHTTP(w, r)
	})
	s, err := serve(h)
	if err != nil {
		return nil, nil, err
	}
	return s, func() []time.Time { mu.Lock(); defer mu.Unlock(); return slices.Clone(seen) }, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
