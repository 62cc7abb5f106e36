// Package scanner reads barcodes and QR codes from a serial scanner and tells
// keyboard-wedge scans from typing (Wedge). It delivers raw codes; what a code
// means is the till's business (package app/scan).
//
// A serial scanner is a line protocol: the scanner sends the code and then CR,
// LF, CRLF or a configured suffix. Run owns the port: it opens it, reads codes,
// reports the connection in a Status the till shows in its status bar, and when
// the scanner is unplugged or missing it keeps trying until it is back.
package scanner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/tarm/serial"
)

// Config says where the scanner is and how it frames codes.
type Config struct {
	// Port is the serial device: "/dev/ttyACM0", "/dev/ttyUSB0",
	// "/dev/serial/by-id/…" (stable across replugging) or "COM3".
	Port string
	// Baud is the line speed; 0 means 9600. USB CDC scanners ignore it.
	Baud int
	// Suffix, if set, also ends a code, for scanners set up to send one
	// (a Tab, or ETX "\x03"). CR and LF always end a code.
	Suffix string
	// MaxLen bounds one code in bytes; 0 means DefaultMaxLen. A longer line is
	// cut to MaxLen and its rest dropped.
	MaxLen int
	// Retry is the pause between attempts to open a missing port; 0 means
	// DefaultRetry.
	Retry time.Duration
	// Logger receives connection changes; nil means slog.Default().
	Logger *slog.Logger
}

// Defaults for Config.
const (
	DefaultBaud   = 9600
	DefaultMaxLen = 1024
	DefaultRetry  = time.Second
	// pollInterval is the serial read timeout. tarm/serial's Close hangs while
	// a blocking Read is pending, so Run reads with a timeout, checks ctx in
	// between and closes the port itself.
	pollInterval = 100 * time.Millisecond
)

// bauds are the rates Run accepts: the common ones every platform knows.
var bauds = []int{1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400}

// ErrConfig is matched (errors.Is) by the error Run returns for a Config it
// cannot use at all; Run returns it at once instead of retrying.
var ErrConfig = errors.New("scanner: bad configuration")

// ErrDisconnected is the cause in a PortError when a scanner that was
// connected went away.
var ErrDisconnected = errors.New("disconnected")

// PortError is why the scanner at Port cannot be used now.
type PortError struct {
	Port string
	Op   string // "open" or "read"
	Err  error
}

func (e *PortError) Error() string { return "scanner " + e.Port + ": " + e.Op + ": " + e.Err.Error() }
func (e *PortError) Unwrap() error { return e.Err }

// Status is the state of the scanner's connection, for the status bar.
type Status struct {
	Port      string
	Connected bool
	Err       error // nil when Connected; a *PortError otherwise
}

// Message is Status as one plain sentence for the cashier.
func (s Status) Message() string {
	switch {
	case s.Connected:
		return "Scanner ready on " + s.Port + "."
	case errors.Is(s.Err, ErrDisconnected):
		return "Scanner on " + s.Port + " disconnected. The sale is kept; the scanner reconnects when it is plugged back in."
	case errors.Is(s.Err, fs.ErrNotExist):
		return "No scanner at " + s.Port + ". Use touch and keyboard; Kasse connects when the scanner is plugged in."
	case errors.Is(s.Err, fs.ErrPermission):
		return "Not allowed to open the scanner at " + s.Port + ". Add this user to the port's group (dialout on Linux)."
	case s.Err != nil:
		return "Scanner at " + s.Port + " not available (" + errText(s.Err) + "). Use touch and keyboard; Kasse keeps trying."
	}
	return "Scanner at " + s.Port + " not connected."
}

// errText is the innermost cause: "input/output error", not the whole chain.
func errText(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

func (c Config) withDefaults() Config {
	if c.Baud == 0 {
		c.Baud = DefaultBaud
	}
	if c.MaxLen <= 0 {
		c.MaxLen = DefaultMaxLen
	}
	if c.Retry <= 0 {
		c.Retry = DefaultRetry
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Run reads codes from the scanner until ctx is done, then closes the port and
// returns nil. Each code, trimmed and never empty, goes to onCode; every change
// of connection goes to onStatus (first call: connected, or why not). Both are
// called from Run's goroutine, one at a time, and should return quickly: the
// port is not read meanwhile. A missing port or an unplugged scanner is not an
// error: Run reports it and tries again every cfg.Retry. Only a Config it can
// never use (no port, a baud rate it does not know) makes Run return an error,
// at once, matching ErrConfig.
func Run(ctx context.Context, cfg Config, onCode func(string), onStatus func(Status)) error {
	cfg = cfg.withDefaults()
	switch {
	case cfg.Port == "":
		return fmt.Errorf("%w: no port", ErrConfig)
	case !slices.Contains(bauds, cfg.Baud):
		return fmt.Errorf("%w: baud rate %d (use one of %v)", ErrConfig, cfg.Baud, bauds)
	}
	if onCode == nil {
		onCode = func(string) {}
	}
	if onStatus == nil {
		onStatus = func(Status) {}
	}
	log := cfg.Logger.With("port", cfg.Port)
	var (
		last      string // the last Message reported
		connected bool   // connected at least once: later failures are "disconnected"
	)
	report := func(s Status) {
		if s.Connected {
			connected = true
		} else if connected && !errors.Is(s.Err, ErrDisconnected) {
			// Once unplugged, the node is gone and open fails; the cashier
			// still needs to read "disconnected, sale kept", not "no scanner".
			if pe, ok := s.Err.(*PortError); ok {
				s.Err = &PortError{Port: pe.Port, Op: pe.Op, Err: fmt.Errorf("%w: %w", ErrDisconnected, pe.Err)}
			}
		}
		// Say each state once: a port that stays missing must not flood the
		// status bar or the log.
		if msg := s.Message(); msg != last {
			last = msg
			if s.Connected {
				log.Info("scanner connected")
			} else {
				log.Warn("scanner not available", "err", s.Err)
			}
			onStatus(s)
		}
	}
	for {
		err := readPort(ctx, cfg, onCode, func() { report(Status{Port: cfg.Port, Connected: true}) })
		if ctx.Err() != nil {
			return nil
		}
		report(Status{Port: cfg.Port, Err: err})
		t := time.NewTimer(cfg.Retry)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// readPort opens the port, calls connected, and reads codes until ctx is done
// or the scanner goes away. It returns why it stopped, as a *PortError.
func readPort(ctx context.Context, cfg Config, onCode func(string), connected func()) error {
	port, err := serial.OpenPort(&serial.Config{Name: cfg.Port, Baud: cfg.Baud, ReadTimeout: pollInterval})
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the port is named once, by PortError
		}
		return &PortError{Port: cfg.Port, Op: "open", Err: err}
	}
	// Close here, on the reading goroutine, never from another one: see
	// pollInterval.
	defer port.Close()
	// Remember which device the name pointed to, to notice a scanner that was
	// unplugged and came back as a new device under the same name.
	opened, statErr := os.Stat(cfg.Port)
	connected()

	split := newSplitter(cfg.Suffix, cfg.MaxLen)
	buf := make([]byte, 512)
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		n, err := port.Read(buf)
		if n > 0 {
			split.feed(buf[:n], onCode)
		}
		switch {
		case err == nil:
		case errors.Is(err, io.EOF):
			// Read timed out with nothing to read, or the device hung up:
			// on a serial tty both look the same. Tell them apart by the
			// device node, which a hangup removes or replaces.
			if statErr == nil {
				now, err := os.Stat(cfg.Port)
				if err != nil || !os.SameFile(opened, now) {
					return &PortError{Port: cfg.Port, Op: "read", Err: ErrDisconnected}
				}
			}
		default:
			return &PortError{Port: cfg.Port, Op: "read", Err: fmt.Errorf("%w: %w", ErrDisconnected, err)}
		}
	}
}
