package relaybench

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kasse-pos/kasse/payments/relay"
)

// FloodResult is what a flood of connections that never send a request did
// to a relay process.
type FloodResult struct {
	Conns           int   // opened
	Held, Refused   int   // kept open by the relay; answered 503 and closed
	Other           int   // closed without an answer, or failed to connect
	IdleRSS, RSS    int64 // before, and with the flood holding on
	PeakRSS         int64
	Elapsed         time.Duration // to open them all
	MaxConns, PerIP string
}

// Flood runs bin as a bbolt relay with extra serve flags, opens conns
// connections to it from this process that send nothing (as the attack the
// limits are for), and reads the relay's memory while they are held, before
// ReadHeaderTimeout (10 s) would drop them.
func Flood(ctx context.Context, bin, dir string, conns int, maxConns, perIP string) (FloodResult, error) {
	if runtime.GOOS != "linux" {
		return FloodResult{}, errors.New("needs Linux /proc to read the relay's memory")
	}
	res := FloodResult{Conns: conns, MaxConns: maxConns, PerIP: perIP}
	path := filepath.Join(dir, "flood.db")
	st, err := relay.OpenStore(path)
	if err != nil {
		return res, err
	}
	st.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd, addr, err := relayCmd(ctx, bin, "-db", path, "-max-conns", maxConns, "-max-conns-per-client", perIP)
	if err != nil {
		return res, err
	}
	defer func() { cancel(); cmd.Wait() }()
	time.Sleep(500 * time.Millisecond)
	if res.IdleRSS, _, err = rss(cmd.Process.Pid); err != nil {
		return res, err
	}
	cs := make([]net.Conn, conns)
	sem := make(chan struct{}, 200)
	var wg sync.WaitGroup
	var failed atomic.Int64
	start := time.Now()
	for i := range cs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			d := net.Dialer{Timeout: 5 * time.Second}
			c, err := d.DialContext(ctx, "tcp", addr)
			if err != nil {
				failed.Add(1)
				return
			}
			cs[i] = c
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	time.Sleep(time.Second) // let the relay accept and answer the backlog
	res.RSS, res.PeakRSS, err = rss(cmd.Process.Pid)
	if err != nil {
		return res, err
	}
	var held, refused, other atomic.Int64
	other.Add(failed.Load())
	for _, c := range cs {
		if c == nil {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			defer c.Close()
			c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			b := make([]byte, 64)
			n, err := c.Read(b)
			var ne net.Error
			switch {
			case n > 0 && strings.HasPrefix(string(b[:n]), "HTTP/1.1 503"):
				refused.Add(1)
			case errors.As(err, &ne) && ne.Timeout():
				held.Add(1)
			default:
				other.Add(1)
			}
		})
	}
	wg.Wait()
	res.Held, res.Refused, res.Other = int(held.Load()), int(refused.Load()), int(other.Load())
	return res, nil
}
