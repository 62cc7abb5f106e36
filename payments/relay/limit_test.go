package relay

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// dialFrom opens a TCP connection from a loopback source address of its own
// (Linux routes all of 127.0.0.0/8 to lo), so that a test can be several
// clients.
func dialFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", src, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// refused reports whether the server answered c with the limit's 503 and
// closed it, without c sending anything.
func refused(t *testing.T, c net.Conn) bool {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	b, err := io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false // held open, waiting for a request
	}
	return strings.HasPrefix(string(b), "HTTP/1.1 503")
}

// healthy sends a real request from src and wants the relay's answer.
func healthy(t *testing.T, src, addr string) bool {
	t.Helper()
	c := dialFrom(t, src, addr)
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n", PathHealth)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// TestConnectionLimits floods the relay with connections that never send a
// request: each client is held to its limit, all of them to the total, the
// ones over are answered 503 at once, and a closed connection frees its place.
func TestConnectionLimits(t *testing.T) {
	st, err := OpenStore(t.TempDir() + "/relay.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := NewServer(Config{Store: st, PublicURL: "http://relay.example"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	limited := LimitListener(ln, 12, 5, true).(*limitListener)
	hs := httptest.NewUnstartedServer(srv.Handler())
	hs.Listener = Listener(limited)
	hs.Config.ConnContext = connContext
	hs.Start()
	defer hs.Close()
	addr := ln.Addr().String()

	// Client A: five idle connections are held, the sixth is refused.
	var idleA []net.Conn
	for range 5 {
		idleA = append(idleA, dialFrom(t, "127.0.0.2", addr))
	}
	waitOpen(t, limited, 5)
	if !refused(t, dialFrom(t, "127.0.0.2", addr)) {
		t.Fatal("client A's sixth connection was not refused")
	}
	for _, c := range idleA[:1] {
		if refused(t, c) {
			t.Fatal("a held connection was answered 503")
		}
	}
	// Another client is not held back by A.
	if !healthy(t, "127.0.0.3", addr) {
		t.Fatal("client B refused while A is at its limit")
	}
	waitOpen(t, limited, 5) // B's request closed its connection
	// Fill the total from B and C: 5 + 5 + 2 = 12.
	for range 5 {
		dialFrom(t, "127.0.0.3", addr)
	}
	for range 2 {
		dialFrom(t, "127.0.0.4", addr)
	}
	waitOpen(t, limited, 12)
	if !refused(t, dialFrom(t, "127.0.0.5", addr)) {
		t.Fatal("a connection over the total was not refused")
	}
	// A closes one: its place is free again, for anyone.
	idleA[0].Close()
	waitOpen(t, limited, 11)
	if !healthy(t, "127.0.0.5", addr) {
		t.Fatal("a freed place was not given to a new client")
	}
}

func waitOpen(t *testing.T, l *limitListener, want int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for l.Open() != want {
		if ctx.Err() != nil {
			t.Fatalf("open connections: %d, want %d", l.Open(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
