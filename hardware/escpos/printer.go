package escpos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tarm/serial"
)

// Why a receipt did not print. Print and Status return errors that match one
// of these with errors.Is, wrapped with the printer's name and the cause.
var (
	ErrOffline   = errors.New("printer offline")
	ErrPaperOut  = errors.New("printer out of paper")
	ErrCoverOpen = errors.New("printer cover open")
)

// Message is a plain sentence for the cashier about a failed print.
func Message(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrPaperOut):
		return "The receipt did not print: the printer is out of paper. Load paper, then print again."
	case errors.Is(err, ErrCoverOpen):
		return "The receipt did not print: the printer's cover is open. Close it, then print again."
	case errors.Is(err, ErrOffline):
		return "The receipt did not print: the printer does not answer. Check that it is on and connected, then print again."
	}
	return "The receipt did not print (" + err.Error() + "). Print again?"
}

// Printer sends ESC/POS streams to a printer.
type Printer interface {
	// Print sends one job, such as the output of Encode. It returns nil once
	// the printer has taken it and, where the printer can say so, printed it;
	// otherwise an error matching ErrOffline, ErrPaperOut or ErrCoverOpen
	// when the cause is known. After an error the till may offer to print
	// again: printing twice is better than a receipt lost.
	Print(ctx context.Context, data []byte) error
	// Status asks whether the printer is ready, without printing.
	Status(ctx context.Context) error
}

// Open returns the Printer a DSN names. It does no I/O: each Print connects
// anew, so a printer switched off and on again needs nothing from the till.
//
//	serial:/dev/ttyUSB0?baud=9600   serial port (COM3 on Windows), tarm/serial
//	file:/dev/usb/lp0               device file (Linux usblp), write-only
//	tcp:192.168.1.50:9100           network printer; the port defaults to 9100
//	virtual:                        the demo printer: keeps the receipt as a picture
//
// Options for serial and tcp, after '?':
//
//	status=off    never read from the printer (for printers that do not answer
//	              DLE EOT, or one-way cables)
//	answer=2s     how long to wait for a status answer
//	confirm=20s   how long to wait for the printer to report the job printed
//	baud=9600     serial line speed
func Open(dsn string) (Printer, error) {
	scheme, rest, ok := strings.Cut(dsn, ":")
	if !ok {
		return nil, fmt.Errorf("escpos: printer %q: want serial:, file:, tcp: or virtual:", dsn)
	}
	target, query, _ := strings.Cut(rest, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("escpos: printer %q: %w", dsn, err)
	}
	d := &device{name: dsn, status: true, answer: 2 * time.Second, confirm: 20 * time.Second, log: slog.Default().With("printer", dsn)}
	if v := q.Get("status"); v != "" {
		d.status = v != "off" && v != "0" && v != "false"
	}
	for key, dst := range map[string]*time.Duration{"answer": &d.answer, "confirm": &d.confirm} {
		if v := q.Get(key); v != "" {
			t, err := time.ParseDuration(v)
			if err != nil || t <= 0 {
				return nil, fmt.Errorf("escpos: printer %q: %s=%q is not a duration", dsn, key, v)
			}
			*dst = t
		}
	}
	switch scheme {
	case "virtual":
		return NewVirtual(), nil
	case "tcp":
		if target == "" {
			return nil, fmt.Errorf("escpos: printer %q: no host", dsn)
		}
		if _, _, err := net.SplitHostPort(target); err != nil {
			target = net.JoinHostPort(strings.Trim(target, "[]"), "9100")
		}
		d.dial = func(ctx context.Context) (link, error) { return dialTCP(ctx, target) }
	case "serial":
		baud := 9600
		if v := q.Get("baud"); v != "" {
			if baud, err = strconv.Atoi(v); err != nil || baud <= 0 {
				return nil, fmt.Errorf("escpos: printer %q: baud=%q", dsn, v)
			}
		}
		if target == "" {
			return nil, fmt.Errorf("escpos: printer %q: no port", dsn)
		}
		d.dial = func(ctx context.Context) (link, error) { return openSerial(target, baud) }
	case "file":
		if target == "" {
			return nil, fmt.Errorf("escpos: printer %q: no file", dsn)
		}
		d.status = false // a printer device file is written, not read
		d.dial = func(ctx context.Context) (link, error) { return openFile(target) }
	default:
		return nil, fmt.Errorf("escpos: printer %q: unknown kind %q (serial, file, tcp, virtual)", dsn, scheme)
	}
	return d, nil
}

// link is one connection to a printer.
type link interface {
	// write sends p, giving up when ctx is done.
	write(ctx context.Context, p []byte) error
	// readByte waits up to d for one byte; errNoAnswer when none came.
	readByte(ctx context.Context, d time.Duration) (byte, error)
	Close() error
}

var errNoAnswer = errors.New("no answer")

// device is a Printer on a serial port, a device file or a TCP socket.
type device struct {
	name    string
	dial    func(context.Context) (link, error)
	status  bool // ask the printer for its status
	answer  time.Duration
	confirm time.Duration
	log     *slog.Logger
}

func (d *device) fail(kind, cause error) error {
	if cause == nil || errors.Is(cause, kind) {
		return fmt.Errorf("printer %s: %w", d.name, kind)
	}
	return fmt.Errorf("printer %s: %w: %w", d.name, kind, cause)
}

// Status implements Printer.
func (d *device) Status(ctx context.Context) error {
	l, err := d.dial(ctx)
	if err != nil {
		return d.fail(ErrOffline, err)
	}
	defer l.Close()
	if !d.status {
		return nil
	}
	return d.check(ctx, l)
}

// Print implements Printer: status first, then the job, then GS r 1, which
// the printer answers only when it has printed everything before it.
func (d *device) Print(ctx context.Context, data []byte) error {
	l, err := d.dial(ctx)
	if err != nil {
		return d.fail(ErrOffline, err)
	}
	defer l.Close()
	if d.status {
		if err := d.check(ctx, l); err != nil {
			return err
		}
	}
	if err := l.write(ctx, data); err != nil {
		return d.fail(classify(err), err)
	}
	if !d.status {
		return nil
	}
	if err := l.write(ctx, []byte{gs, 'r', 1}); err != nil {
		return d.fail(classify(err), err)
	}
	s, err := d.read(ctx, l, d.confirm, func(b byte) bool { return b&0x90 == 0 })
	switch {
	case err == nil:
		if s&0x0c != 0 {
			d.log.Warn("printer ran out of paper at the end of a receipt")
		} else if s&0x03 != 0 {
			d.log.Info("printer paper roll near its end")
		}
		return nil
	case errors.Is(err, errNoAnswer):
		// Still printing, stopped, or a printer without GS r: ask why.
		if err := d.check(ctx, l); err != nil {
			return err
		}
		d.log.Warn("printer took the receipt but did not confirm printing it")
		return nil
	default:
		return d.fail(ErrOffline, err)
	}
}

// check asks for the real-time status (DLE EOT), which a printer answers at
// once even when it is offline, and turns it into an error.
func (d *device) check(ctx context.Context, l link) error {
	s1, err := d.query(ctx, l, 1)
	if err != nil {
		return d.fail(ErrOffline, err)
	}
	if s1&0x08 == 0 { // online; the paper may still be at its end
		if s4, err := d.query(ctx, l, 4); err == nil && s4&0x60 != 0 {
			return d.fail(ErrPaperOut, nil)
		}
		return nil
	}
	s2, err := d.query(ctx, l, 2)
	switch {
	case err != nil:
		return d.fail(ErrOffline, err)
	case s2&0x20 != 0:
		return d.fail(ErrPaperOut, nil)
	case s2&0x04 != 0:
		return d.fail(ErrCoverOpen, nil)
	case s2&0x40 != 0:
		return d.fail(ErrOffline, errors.New("printer reports an error"))
	}
	return d.fail(ErrOffline, nil)
}

// query sends DLE EOT n and reads its one-byte answer, recognised by its
// fixed bits (0xx1xx10).
func (d *device) query(ctx context.Context, l link, n byte) (byte, error) {
	if err := l.write(ctx, []byte{dle, eot, n}); err != nil {
		return 0, err
	}
	return d.read(ctx, l, d.answer, func(b byte) bool { return b&0x93 == 0x12 })
}

// read waits up to wait for a byte that want accepts, skipping stray ones
// (a late answer to an earlier question).
func (d *device) read(ctx context.Context, l link, wait time.Duration, want func(byte) bool) (byte, error) {
	end := time.Now().Add(wait)
	for {
		left := time.Until(end)
		if left <= 0 {
			return 0, errNoAnswer
		}
		b, err := l.readByte(ctx, left)
		if err != nil {
			return 0, err
		}
		if want(b) {
			return b, nil
		}
	}
}

// classify names the cause of a failed write: a device that reports paper out
// (usblp's ENOSPC) or anything else, which leaves the printer unreachable.
func classify(err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return ErrPaperOut
	}
	return ErrOffline
}

// tcpLink is a network printer's raw port.
type tcpLink struct {
	conn net.Conn
	stop func() bool
}

func dialTCP(ctx context.Context, addr string) (link, error) {
	var nd net.Dialer
	if _, ok := ctx.Deadline(); !ok {
		nd.Timeout = 5 * time.Second // a switched-off printer on the LAN never answers the SYN
	}
	conn, err := nd.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	// Cancelling ctx unblocks any read or write at once.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	return &tcpLink{conn: conn, stop: stop}, nil
}

func (t *tcpLink) write(ctx context.Context, p []byte) error {
	if dl, ok := ctx.Deadline(); ok {
		t.conn.SetWriteDeadline(dl)
	} else {
		t.conn.SetWriteDeadline(time.Now().Add(time.Minute))
	}
	if err := ctx.Err(); err != nil { // as in readByte
		return err
	}
	_, err := t.conn.Write(p)
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func (t *tcpLink) readByte(ctx context.Context, d time.Duration) (byte, error) {
	dl := time.Now().Add(d)
	if c, ok := ctx.Deadline(); ok && c.Before(dl) {
		dl = c
	}
	t.conn.SetReadDeadline(dl)
	// A cancel that came before the line above had its deadline overwritten:
	// look again, now that a later cancel can only move the deadline to now.
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var b [1]byte
	_, err := io.ReadFull(t.conn, b[:])
	var ne net.Error
	switch {
	case err == nil:
		return b[0], nil
	case ctx.Err() != nil:
		return 0, ctx.Err()
	case errors.As(err, &ne) && ne.Timeout():
		return 0, errNoAnswer
	case errors.Is(err, io.EOF):
		return 0, errors.New("printer closed the connection")
	}
	return 0, err
}

func (t *tcpLink) Close() error {
	t.stop()
	return t.conn.Close()
}

// serialLink is a printer on a serial port. Reads time out every
// serialPoll, so that waiting honours ctx and Close never hangs (a tarm/serial
// port closed during a blocking read does).
type serialLink struct{ port *serial.Port }

const serialPoll = 100 * time.Millisecond

func openSerial(name string, baud int) (link, error) {
	p, err := serial.OpenPort(&serial.Config{Name: name, Baud: baud, ReadTimeout: serialPoll})
	if err != nil {
		return nil, err
	}
	return &serialLink{port: p}, nil
}

func (s *serialLink) write(ctx context.Context, p []byte) error {
	return writeChunks(ctx, s.port, p)
}

func (s *serialLink) readByte(ctx context.Context, d time.Duration) (byte, error) {
	end := time.Now().Add(d)
	var b [1]byte
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		n, err := s.port.Read(b[:])
		if n == 1 {
			return b[0], nil
		}
		if err != nil && !errors.Is(err, io.EOF) { // EOF: the poll timed out
			return 0, err
		}
		if !time.Now().Before(end) {
			return 0, errNoAnswer
		}
	}
}

func (s *serialLink) Close() error { return s.port.Close() }

// fileLink is a printer device file such as /dev/usb/lp0.
type fileLink struct{ f *os.File }

func openFile(name string) (link, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, err
	}
	return &fileLink{f: f}, nil
}

func (f *fileLink) write(ctx context.Context, p []byte) error { return writeChunks(ctx, f.f, p) }
func (f *fileLink) readByte(context.Context, time.Duration) (byte, error) {
	return 0, errNoAnswer
}
func (f *fileLink) Close() error { return f.f.Close() }

// writeChunks writes p in pieces, checking ctx between them: a slow serial
// line takes seconds for a receipt with a raster QR code.
func writeChunks(ctx context.Context, w io.Writer, p []byte) error {
	const chunk = 1024
	for len(p) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := w.Write(p[:min(chunk, len(p))])
		if err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}
