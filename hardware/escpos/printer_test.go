package escpos

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// fakePrinter plays an Epson-style printer on the far end of a connection:
// it answers DLE EOT with its status and GS r 1 once it has "printed"
// everything before it, and keeps every byte it was sent.
type fakePrinter struct {
	mu         sync.Mutex
	s1, s2, s4 byte // answers to DLE EOT 1, 2 and 4
	noConfirm  bool // ignore GS r, like a printer without it
	paperOutAt int  // run out of paper on the n-th GS r (1-based); 0 never
	confirms   int
	got        []byte
}

func newFake() *fakePrinter { return &fakePrinter{s1: 0x12, s2: 0x12, s4: 0x12} }

// serve reads commands until the connection ends.
func (f *fakePrinter) serve(rw io.ReadWriter) {
	var buf []byte
	tmp := make([]byte, 4096)
	for {
		n, err := rw.Read(tmp)
		buf = append(buf, tmp[:n]...)
		for len(buf) > 0 {
			m, cerr := commandLen(buf)
			if cerr != nil {
				break // ErrShort: wait for more; ErrUnknown shows in the test's Decode
			}
			cmd := buf[:m]
			buf = buf[m:]
			if answer, ok := f.take(cmd); ok {
				rw.Write([]byte{answer})
			}
		}
		if err != nil {
			return
		}
	}
}

func (f *fakePrinter) take(cmd []byte) (byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, cmd...)
	switch {
	case cmd[0] == dle && cmd[1] == eot:
		return map[byte]byte{1: f.s1, 2: f.s2, 4: f.s4}[cmd[2]], true
	case cmd[0] == gs && cmd[1] == 'r':
		f.confirms++
		if f.confirms == f.paperOutAt {
			f.s1, f.s2, f.s4 = 0x12|0x08, 0x12|0x20, 0x12|0x60
			return 0, false
		}
		return 0x00, !f.noConfirm
	}
	return 0, false
}

func (f *fakePrinter) received() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.got)
}

// listen serves f on a loopback port and returns the printer's DSN. done
// gets a value each time a connection ends.
func listen(t *testing.T, f *fakePrinter, query string) (dsn string, done chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	done = make(chan struct{}, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { done <- struct{}{} }()
				defer c.Close()
				f.serve(c)
			}()
		}
	}()
	return "tcp:" + ln.Addr().String() + query, done
}

func receipt(t *testing.T, native bool) []byte {
	t.Helper()
	data, err := Encode(sample(), Options{NativeQR: native})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func open(t *testing.T, dsn string) Printer {
	t.Helper()
	p, err := Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTCPPrint(t *testing.T) {
	f := newFake()
	dsn, _ := listen(t, f, "")
	data := receipt(t, true)
	if err := open(t, dsn).Print(context.Background(), data); err != nil {
		t.Fatalf("Print: %v", err)
	}
	// Print returned after the printer confirmed, so all bytes are there.
	got := f.received()
	d, err := Decode(got)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got, data) {
		t.Error("the job did not arrive whole")
	}
	if !slices.Equal(d.StatusRequests, []int{1, 4, 0x101}) {
		t.Errorf("status requests %x", d.StatusRequests)
	}
	if !slices.Equal(d.QR, []string{sample().QRURL}) || !d.Cut || !slices.Contains(d.Lines, "Totalt NOK                              1 609,00") {
		t.Errorf("printed %q %v\n%s", d.QR, d.Cut, d.Text())
	}
}

func TestTCPDefaultPort(t *testing.T) {
	p := open(t, "tcp:192.0.2.1")
	if dsn := p.(*device).name; dsn != "tcp:192.0.2.1" {
		t.Errorf("name %q", dsn)
	}
}

func TestTCPStatusOff(t *testing.T) {
	f := newFake()
	dsn, done := listen(t, f, "?status=off")
	data := receipt(t, false)
	if err := open(t, dsn).Print(context.Background(), data); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("connection not closed")
	}
	if got := f.received(); !bytes.Equal(got, data) {
		t.Errorf("sent %d bytes, printer got %d", len(data), len(got))
	}
}

func TestTCPFailures(t *testing.T) {
	ctx := context.Background()
	data := receipt(t, true)

	refused := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return "tcp:" + addr
	}()
	// accepting serves every connection with handle, as a printer that
	// takes the connection but does not speak ESC/POS would.
	accepting := func(handle func(net.Conn)) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go handle(c)
			}
		}()
		return "tcp:" + ln.Addr().String()
	}
	hangUp := accepting(func(c net.Conn) { c.Close() })
	silent := accepting(func(c net.Conn) { io.Copy(io.Discard, c); c.Close() }) + "?answer=100ms"
	status := func(s1, s2, s4 byte) *fakePrinter {
		f := newFake()
		f.s1, f.s2, f.s4 = s1, s2, s4
		return f
	}
	paperOut, _ := listen(t, status(0x1a, 0x32, 0x72), "")
	coverOpen, _ := listen(t, status(0x1a, 0x16, 0x12), "")
	paperSensor, _ := listen(t, status(0x12, 0x12, 0x72), "")
	broken, _ := listen(t, status(0x1a, 0x52, 0x12), "")
	midJob := newFake()
	midJob.paperOutAt = 1
	paperMidJob, _ := listen(t, midJob, "?confirm=200ms&answer=1s")

	for _, c := range []struct {
		name, dsn string
		want      error
	}{
		{"connection refused", refused, ErrOffline},
		{"hangs up", hangUp, ErrOffline},
		{"never answers", silent, ErrOffline},
		{"out of paper", paperOut, ErrPaperOut},
		{"cover open", coverOpen, ErrCoverOpen},
		{"paper sensor", paperSensor, ErrPaperOut},
		{"printer error", broken, ErrOffline},
		{"paper runs out mid-job", paperMidJob, ErrPaperOut},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := open(t, c.dsn).Print(ctx, data)
			if !errors.Is(err, c.want) {
				t.Fatalf("Print = %v, want %v", err, c.want)
			}
			if !strings.Contains(err.Error(), strings.SplitN(c.dsn, "?", 2)[0]) {
				t.Errorf("error %q does not name the printer", err)
			}
			if msg := Message(err); !strings.HasPrefix(msg, "The receipt did not print") {
				t.Errorf("message %q", msg)
			}
		})
	}
	// A printer that says it is out of paper gets no job.
	f := status(0x1a, 0x32, 0x72)
	dsn, _ := listen(t, f, "")
	open(t, dsn).Print(ctx, data)
	if d, _ := Decode(f.received()); len(d.Lines) != 0 || !slices.Equal(d.StatusRequests, []int{1, 2}) {
		t.Errorf("printer out of paper got %q, %x", d.Lines, d.StatusRequests)
	}
}

func TestTCPNoConfirm(t *testing.T) {
	f := newFake()
	f.noConfirm = true
	dsn, _ := listen(t, f, "?confirm=100ms")
	if err := open(t, dsn).Print(context.Background(), receipt(t, true)); err != nil {
		t.Errorf("a printer without GS r that reports itself fine: %v", err)
	}
}

func TestTCPStatus(t *testing.T) {
	f := newFake()
	dsn, _ := listen(t, f, "")
	if err := open(t, dsn).Status(context.Background()); err != nil {
		t.Errorf("Status = %v", err)
	}
	f.mu.Lock()
	f.s1, f.s2 = 0x1a, 0x16
	f.mu.Unlock()
	if err := open(t, dsn).Status(context.Background()); !errors.Is(err, ErrCoverOpen) {
		t.Errorf("Status = %v, want ErrCoverOpen", err)
	}
}

func TestTCPCancel(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	res := make(chan error, 1)
	go func() { res <- open(t, "tcp:"+ln.Addr().String()+"?answer=1h").Print(ctx, []byte("x\n")) }()
	c := <-accepted
	defer c.Close()
	// The printer took the connection and is silent: cancel the wait.
	var b [3]byte
	io.ReadFull(c, b[:])
	cancel()
	select {
	case err := <-res:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Print = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Print ignored the cancelled context")
	}
}

// TestSerialPrintThroughPTY prints over tarm/serial to a printer played on
// the master side of a pseudo-terminal.
func TestSerialPrintThroughPTY(t *testing.T) {
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	f := newFake()
	served := make(chan struct{})
	go func() { defer close(served); f.serve(master) }()
	defer func() {
		// Hang up from the till's side: the master's pending read ends
		// with EIO. (Closing the master first would block on that read.)
		slave.Close()
		<-served
		master.Close()
	}()

	data := receipt(t, false)
	p := open(t, "serial:"+slave.Name()+"?baud=38400")
	if err := p.Print(context.Background(), data); err != nil {
		t.Fatalf("Print: %v", err)
	}
	got := f.received()
	if !bytes.Contains(got, data) {
		t.Fatal("job not received whole")
	}
	d, err := Decode(got)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Images) != 1 || readQR(t, d.Images[0]) != sample().QRURL || !d.Cut {
		t.Errorf("printed %d images, cut %v", len(d.Images), d.Cut)
	}
	if !slices.Contains(d.Lines, "Kaffebrenneriet Ås") {
		t.Errorf("text:\n%s", d.Text())
	}
}

func TestSerialMissing(t *testing.T) {
	port := filepath.Join(t.TempDir(), "ttyUSB7")
	err := open(t, "serial:"+port).Print(context.Background(), []byte("x\n"))
	if !errors.Is(err, ErrOffline) || !strings.Contains(err.Error(), port) {
		t.Errorf("Print = %v", err)
	}
}

func TestFilePrinter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lp0")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	data := receipt(t, true)
	p := open(t, "file:"+path)
	if err := p.Print(context.Background(), data); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if !bytes.Equal(got, data) {
		t.Errorf("file holds %d bytes, want %d", len(got), len(data))
	}
	gone := filepath.Join(t.TempDir(), "missing", "lp0")
	if err := open(t, "file:"+gone).Print(context.Background(), data); !errors.Is(err, ErrOffline) {
		t.Errorf("missing device: %v", err)
	}
}

func TestOpenDSN(t *testing.T) {
	for _, dsn := range []string{"", "lp0", "usb:/dev/lp0", "tcp:", "serial:", "file:", "serial:/dev/ttyS0?baud=x", "tcp:h?answer=soon", "tcp:h?%zz"} {
		if _, err := Open(dsn); err == nil {
			t.Errorf("Open(%q) accepted", dsn)
		}
	}
	for _, dsn := range []string{"virtual:", "tcp:printer.local", "tcp:[::1]:9100", "serial:COM3?baud=19200&status=off", "file:/dev/usb/lp0"} {
		if _, err := Open(dsn); err != nil {
			t.Errorf("Open(%q): %v", dsn, err)
		}
	}
}

func TestMessage(t *testing.T) {
	if Message(nil) != "" {
		t.Error("message for nil")
	}
	if m := Message(errors.New("boom")); !strings.Contains(m, "boom") {
		t.Errorf("message %q", m)
	}
}

func TestKickDecodes(t *testing.T) {
	d, err := Decode(Kick(DrawerPin2))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Pulses) != 1 || d.Pulses[0] != DrawerPin2 || len(d.Lines) != 0 || d.Cut {
		t.Fatalf("decoded kick = %+v", d)
	}
	v := NewVirtual()
	r, _ := Encode(Receipt{ShopName: "Butikk", Number: "1"}, Options{})
	if err := v.Print(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if err := v.Print(context.Background(), Kick(DrawerPin5)); err != nil {
		t.Fatal(err)
	}
	last, n := v.Last()
	if v.Kicks() != 1 || n != 1 || !last.Cut {
		t.Fatalf("after a kick: kicks %d, receipts %d, last cut %v; want 1, 1, true", v.Kicks(), n, last.Cut)
	}
}
