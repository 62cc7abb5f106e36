package scanner_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/kasse-pos/kasse/hardware/scanner"
)

// deadline bounds every wait on an event; a healthy run needs milliseconds.
const deadline = 10 * time.Second

// device is a scanner made of a pseudo-terminal pair: the test writes to the
// master as the scanner would, the till opens the slave through a stable link,
// like /dev/serial/by-id/... on a real machine.
type device struct {
	t             *testing.T
	link          string
	master, slave *os.File
}

func plug(t *testing.T, link string) *device {
	t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatalf("pty: %v", err)
	}
	if err := os.Symlink(slave.Name(), link); err != nil {
		t.Fatal(err)
	}
	d := &device{t: t, link: link, master: master, slave: slave}
	t.Cleanup(d.unplug)
	return d
}

// unplug makes the device vanish the way a USB scanner does: its node goes
// and the line hangs up.
func (d *device) unplug() {
	os.Remove(d.link)
	d.master.Close()
	d.slave.Close()
}

func (d *device) write(s string) {
	d.t.Helper()
	if _, err := io.WriteString(d.master, s); err != nil {
		d.t.Fatalf("write to scanner: %v", err)
	}
}

// till runs scanner.Run as the app would and records what it hears.
type till struct {
	codes    chan string
	statuses chan scanner.Status
	done     chan error
	cancel   context.CancelFunc
}

func startTill(t *testing.T, cfg scanner.Config) *till {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	tl := &till{codes: make(chan string, 100), statuses: make(chan scanner.Status, 100), done: make(chan error, 1), cancel: cancel}
	if cfg.Retry == 0 {
		cfg.Retry = 20 * time.Millisecond
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	go func() {
		tl.done <- scanner.Run(ctx, cfg,
			func(code string) { tl.codes <- code },
			func(s scanner.Status) { tl.statuses <- s })
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-tl.done:
		case <-time.After(deadline):
			t.Error("Run did not return after cancel")
		}
	})
	return tl
}

func (tl *till) code(t *testing.T) string {
	t.Helper()
	select {
	case c := <-tl.codes:
		return c
	case <-time.After(deadline):
		t.Fatal("no code arrived")
	}
	return ""
}

func (tl *till) status(t *testing.T) scanner.Status {
	t.Helper()
	select {
	case s := <-tl.statuses:
		return s
	case <-time.After(deadline):
		t.Fatal("no status arrived")
	}
	return scanner.Status{}
}

// waitConnected waits for the till to hold the port open. Writing earlier
// would meet the pty in canonical mode with echo on.
func (tl *till) waitConnected(t *testing.T) {
	t.Helper()
	for {
		if s := tl.status(t); s.Connected {
			return
		}
	}
}

func TestCodesThroughPTY(t *testing.T) {
	link := filepath.Join(t.TempDir(), "scanner")
	dev := plug(t, link)
	tl := startTill(t, scanner.Config{Port: link, MaxLen: 300})
	s := tl.status(t)
	if !s.Connected || s.Err != nil || !strings.Contains(s.Message(), link) {
		t.Fatalf("first status %+v %q", s, s.Message())
	}

	dev.write("7038010009457\r\n")
	if got := tl.code(t); got != "7038010009457" {
		t.Errorf("code %q", got)
	}

	// Split writes: one code in pieces, however the reads fall.
	for _, p := range []string{"https://qr.vipps.no/", "28/2/01/031/", "4791234567?v=1", "\r", "\n"} {
		dev.write(p)
	}
	if got := tl.code(t); got != "https://qr.vipps.no/28/2/01/031/4791234567?v=1" {
		t.Errorf("code %q", got)
	}

	// Several codes in one write, each terminator style.
	dev.write("96385074\r036000291452\n7038010001079\r\n")
	for _, want := range []string{"96385074", "036000291452", "7038010001079"} {
		if got := tl.code(t); got != want {
			t.Errorf("code %q, want %q", got, want)
		}
	}

	// Garbage bytes are passed on as they are, but for the control bytes
	// around them, for the classifier (app/scan) to turn away; the stream
	// goes on.
	dev.write("\x00\xff\xfe\x1b[31m\x07\r\n7038010009457\r\n")
	if garbage := tl.code(t); garbage != "\xff\xfe\x1b[31m" {
		t.Errorf("garbage came as %q", garbage)
	}
	if got := tl.code(t); got != "7038010009457" {
		t.Errorf("code after garbage %q", got)
	}

	// A very long line is cut to MaxLen, and the next code is whole.
	dev.write(strings.Repeat("A", 10000) + "\r\n7038010009457\r\n")
	if got := tl.code(t); got != strings.Repeat("A", 300) {
		t.Errorf("long line gave %d bytes", len(got))
	}
	if got := tl.code(t); got != "7038010009457" {
		t.Errorf("code after long line %q", got)
	}
}

func TestSuffix(t *testing.T) {
	link := filepath.Join(t.TempDir(), "scanner")
	dev := plug(t, link)
	tl := startTill(t, scanner.Config{Port: link, Suffix: "\t", Baud: 115200})
	tl.waitConnected(t)
	dev.write("ABC\t7038010009457\t")
	for _, want := range []string{"ABC", "7038010009457"} {
		if got := tl.code(t); got != want {
			t.Errorf("code %q, want %q", got, want)
		}
	}
}

// TestLongCodesThenMore: a scanner ending its codes with Enter, or with a Tab
// suffix, sends over-long codes between good ones. Each long one is cut to
// MaxLen and every good code after it still comes through whole.
func TestLongCodesThenMore(t *testing.T) {
	for _, c := range []struct{ name, suffix, end string }{
		{"enter", "", "\r"},
		{"tab", "\t", "\t"},
	} {
		t.Run(c.name, func(t *testing.T) {
			link := filepath.Join(t.TempDir(), "scanner")
			dev := plug(t, link)
			tl := startTill(t, scanner.Config{Port: link, Suffix: c.suffix, MaxLen: 300})
			tl.waitConnected(t)
			long := strings.Repeat("A", 10000)
			for _, code := range []string{"7038010009457", "96385074"} {
				dev.write(long + c.end + code + c.end)
				if got := tl.code(t); got != long[:300] {
					t.Fatalf("long code gave %d bytes %.20q…", len(got), got)
				}
				if got := tl.code(t); got != code {
					t.Fatalf("code after long one %.40q, want %q", got, code)
				}
			}
		})
	}
}

func TestUnplugAndReplug(t *testing.T) {
	link := filepath.Join(t.TempDir(), "scanner")
	dev := plug(t, link)
	tl := startTill(t, scanner.Config{Port: link})
	tl.waitConnected(t)
	dev.write("7038010009457\r\n")
	if got := tl.code(t); got != "7038010009457" {
		t.Fatalf("code %q", got)
	}

	dev.unplug()
	s := tl.status(t)
	if s.Connected || !errors.Is(s.Err, scanner.ErrDisconnected) {
		t.Fatalf("after unplug: %+v", s)
	}
	if msg := s.Message(); !strings.Contains(msg, "disconnected") || !strings.Contains(msg, link) || !strings.Contains(msg, "sale is kept") {
		t.Errorf("message %q", msg)
	}

	// Back in: a new device under the same name.
	dev = plug(t, link)
	tl.waitConnected(t)
	dev.write("96385074\r\n")
	if got := tl.code(t); got != "96385074" {
		t.Errorf("code after replug %q", got)
	}
}

func TestMissingPort(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttyUSB9")
	tl := startTill(t, scanner.Config{Port: link})
	s := tl.status(t)
	var pe *scanner.PortError
	if s.Connected || !errors.As(s.Err, &pe) || pe.Port != link || !errors.Is(s.Err, fs.ErrNotExist) {
		t.Fatalf("status %+v", s)
	}
	if msg := s.Message(); !strings.Contains(msg, "No scanner at "+link) {
		t.Errorf("message %q", msg)
	}
	if !strings.Contains(s.Err.Error(), link) {
		t.Errorf("error %q does not name the port", s.Err)
	}
	// The scanner is plugged in later: Run finds it without being told.
	dev := plug(t, link)
	tl.waitConnected(t)
	dev.write("7038010009457\n")
	if got := tl.code(t); got != "7038010009457" {
		t.Errorf("code %q", got)
	}
}

func TestNotASerialPort(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plain-file")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tl := startTill(t, scanner.Config{Port: path})
	s := tl.status(t)
	if s.Connected || s.Err == nil || !strings.Contains(s.Message(), path) {
		t.Fatalf("status %+v %q", s, s.Message())
	}
}

func TestCancel(t *testing.T) {
	link := filepath.Join(t.TempDir(), "scanner")
	plug(t, link)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	connected := make(chan struct{}, 1)
	go func() {
		done <- scanner.Run(ctx, scanner.Config{Port: link, Logger: slog.New(slog.DiscardHandler)},
			func(string) {}, func(s scanner.Status) {
				if s.Connected {
					connected <- struct{}{}
				}
			})
	}()
	select {
	case <-connected:
	case <-time.After(deadline):
		t.Fatal("never connected")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v after cancel", err)
		}
	case <-time.After(deadline):
		t.Fatal("Run did not return after cancel")
	}
}

func TestBadConfig(t *testing.T) {
	for _, cfg := range []scanner.Config{{}, {Port: "/dev/null", Baud: 12345}} {
		err := scanner.Run(context.Background(), cfg, func(string) {}, func(scanner.Status) {})
		if !errors.Is(err, scanner.ErrConfig) {
			t.Errorf("Run(%+v) = %v, want ErrConfig", cfg, err)
		}
	}
}

// TestSocat drives the scanner through socat, the way docs/hardware.md tells
// a developer to try a till without a scanner.
func TestSocat(t *testing.T) {
	if _, err := exec.LookPath("socat"); err != nil {
		t.Skip("socat not installed")
	}
	dir := t.TempDir()
	scannerEnd, appEnd := filepath.Join(dir, "scanner"), filepath.Join(dir, "app")
	start := func() *exec.Cmd {
		cmd := exec.Command("socat", "-d", "-d",
			"pty,raw,echo=0,link="+scannerEnd, "pty,raw,echo=0,link="+appEnd)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	socat := start()
	tl := startTill(t, scanner.Config{Port: appEnd})
	// Run retries until socat has made its links; the scanner end is made
	// first, so it exists once the app end is open.
	tl.waitConnected(t)
	send := func(s string) {
		f, err := os.OpenFile(scannerEnd, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := io.WriteString(f, s); err != nil {
			t.Fatal(err)
		}
	}
	send("7038010009457\r\n")
	if got := tl.code(t); got != "7038010009457" {
		t.Errorf("code %q", got)
	}

	// socat gone is a scanner unplugged; started again, it is back.
	socat.Process.Signal(os.Interrupt)
	socat.Wait()
	if s := tl.status(t); s.Connected || !errors.Is(s.Err, scanner.ErrDisconnected) {
		t.Fatalf("after socat stopped: %+v", s)
	}
	start()
	tl.waitConnected(t)
	send("96385074\r\n")
	if got := tl.code(t); got != "96385074" {
		t.Errorf("code after restart %q", got)
	}
}
