package relay

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// Defaults of the connection limits (kasse-relay serve -max-conns,
// -max-conns-per-client). A parked long-poll costs a few hundred bytes, but a
// connection that has not finished its headers holds a goroutine and its
// buffers (about 12 KB) until ReadHeaderTimeout: the total bounds that memory
// at some 200 MB, the per-client limit keeps one host from taking it all.
// Tills behind one NAT share an address, hence the generous per-client figure.
const (
	DefaultMaxConns          = 16384
	DefaultMaxConnsPerClient = 256
)

// refusedAnswer is written to a connection over a limit, so that a client
// (and whoever reads its logs) learns why; the connection is then closed.
const refusedAnswer = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 26\r\n\r\ntoo many connections, wait"

// LimitListener bounds the connections open at once through ln, in total and
// per client IP address. A connection over a limit is answered 503 (when
// answer is true; a TLS listener above this one could not read the plain
// text, so pass false there) and closed. Zero or negative limits mean none.
// Wrap the TCP listener, below TLS and Listener, so that handshakes and parked
// long-polls count.
func LimitListener(ln net.Listener, total, perClient int, answer bool) net.Listener {
	return &limitListener{Listener: ln, total: total, perClient: perClient, answer: answer, byIP: map[netip.Addr]int{}}
}

type limitListener struct {
	net.Listener
	total, perClient int
	answer           bool

	mu   sync.Mutex
	open int
	byIP map[netip.Addr]int
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := clientIP(c.RemoteAddr())
		if l.take(ip) {
			return &limitConn{Conn: c, l: l, ip: ip}, nil
		}
		l.refuse(c)
	}
}

func (l *limitListener) take(ip netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if (l.total > 0 && l.open >= l.total) || (l.perClient > 0 && l.byIP[ip] >= l.perClient) {
		return false
	}
	l.open++
	l.byIP[ip]++
	return true
}

func (l *limitListener) release(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.byIP[ip]--; l.byIP[ip] <= 0 {
		delete(l.byIP, ip)
	}
}

// refuse answers without reading: the request is not wanted, and reading
// would wait on the very kind of client the limit is for. A fresh socket's
// send buffer takes the few bytes at once; the deadline is for the odd one
// that does not, so that a flood cannot stall the accept loop.
func (l *limitListener) refuse(c net.Conn) {
	if l.answer {
		c.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
		c.Write([]byte(refusedAnswer))
	}
	c.Close()
}

// Open is the number of connections held now (for tests and /healthz).
func (l *limitListener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

type limitConn struct {
	net.Conn
	l    *limitListener
	ip   netip.Addr
	once sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.ip) })
	return err
}

func clientIP(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(ta.IP); ok {
			return ip.Unmap()
		}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}
