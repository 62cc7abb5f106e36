package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Parking: a long-poll that has to wait takes over its connection (Hijack),
// and the handler returns. net/http would otherwise keep two goroutines, their
// stacks and about 10 KB of buffers per waiting till, some 40 KB in all; a
// parked poll is a few hundred bytes and a stopped timer. When an event comes,
// the timer fires or the server closes, the answer is written on the raw
// connection, which then goes back to the http.Server through the Listener's
// Accept, keep-alive intact. Without Listener (or over HTTP/2) polls wait in
// their handler as before: slower to scale, same behaviour.

type parkKey struct{}

// Listener wraps ln so that the relay can park waiting long-polls and hand
// their connections back after answering. Serve the relay with
// s.HTTPServer(...).Serve(relay.Listener(ln)); for TLS, wrap the TLS listener.
// The http.Server needs the ConnContext that Server.HTTPServer sets.
func Listener(ln net.Listener) net.Listener {
	l := &parkListener{Listener: ln, conns: make(chan net.Conn), errs: make(chan error), done: make(chan struct{})}
	go l.acceptLoop()
	return l
}

type parkListener struct {
	net.Listener
	conns chan net.Conn
	errs  chan error
	done  chan struct{}
	once  sync.Once
}

func (l *parkListener) acceptLoop() {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			select {
			case l.errs <- err:
			case <-l.done:
				return
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		select {
		case l.conns <- &parkConn{Conn: c, l: l}:
		case <-l.done:
			c.Close()
			return
		}
	}
}

func (l *parkListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case err := <-l.errs:
		return nil, err
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *parkListener) Close() error {
	var err error
	l.once.Do(func() {
		close(l.done)
		err = l.Listener.Close()
	})
	return err
}

// giveBack returns an answered connection to the http.Server, or closes it
// when the server no longer accepts.
func (l *parkListener) giveBack(c *parkConn) {
	select {
	case l.conns <- c:
	case <-l.done:
		c.Close()
	}
}

// parkConn is a connection accepted through a parkListener; pre holds bytes
// the server had buffered when it was hijacked, read before the socket.
type parkConn struct {
	net.Conn
	l   *parkListener
	pre []byte
}

func (c *parkConn) Read(p []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(p, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// connContext is the http.Server's ConnContext: it lets a handler find the
// parkConn under its request.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if pc, ok := c.(*parkConn); ok {
		return context.WithValue(ctx, parkKey{}, pc)
	}
	return ctx
}

// waiter is one parked long-poll.
type waiter struct {
	s     *Server
	conn  *parkConn
	till  *Till
	after uint64
	close bool // the client asked for Connection: close
	fired atomic.Bool

	mu    sync.Mutex
	timer *time.Timer
}

// park takes over the connection of a long-poll that found nothing, and
// returns true if it did; woke is the till's wake channel taken before the
// feed was read, so that an event stored since then is not missed.
func (s *Server) park(w http.ResponseWriter, r *http.Request, till *Till, after uint64, wait time.Duration, woke <-chan struct{}) bool {
	pc, _ := r.Context().Value(parkKey{}).(*parkConn)
	if pc == nil || r.ProtoMajor != 1 {
		return false
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return false
	}
	if n := brw.Reader.Buffered(); n > 0 {
		pc.pre, _ = brw.Reader.Peek(n)
		pc.pre = bytes.Clone(pc.pre)
	}
	if conn != net.Conn(pc) {
		// Not the connection we know (another wrapper in between): answer
		// at once and let it close; nothing is lost, the till polls again.
		conn.Close()
		return true
	}
	wt := &waiter{s: s, conn: pc, till: till, after: after, close: r.Close || r.ProtoMinor == 0}
	s.parked.Add(1)
	s.waiting.Add(1)
	wt.mu.Lock()
	wt.timer = time.AfterFunc(wait, wt.fire)
	wt.mu.Unlock()
	if !s.wake.parkWaiter(till.Name, wt) { // the server is closing
		go wt.fire()
		return true
	}
	select {
	case <-woke:
		go wt.fire()
	case <-s.done:
		go wt.fire()
	default:
	}
	return true
}

// fire answers a parked poll once: with the till's events after its cursor,
// or an empty page.
func (wt *waiter) fire() {
	if !wt.fired.CompareAndSwap(false, true) {
		return
	}
	s := wt.s
	defer s.parked.Done()
	s.waiting.Add(-1)
	wt.mu.Lock()
	wt.timer.Stop()
	wt.mu.Unlock()
	s.wake.unpark(wt.till.Name, wt)
	// No request context here: the handler returned when the poll parked.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	status, body := http.StatusOK, []byte(nil)
	extra := ""
	if !s.store.Active(wt.till) {
		status, extra = http.StatusUnauthorized, "WWW-Authenticate: Bearer realm=\"kasse-relay\"\r\n"
		body, _ = json.Marshal(problem{Error: "unauthorized"})
	} else if evs, _, err := s.store.Feed(ctx, wt.till.Name, wt.after, feedLimit, feedMaxBytes); err != nil {
		s.log.Error("read feed", "till", wt.till.Name, "err", err)
		status = http.StatusServiceUnavailable
		body, _ = json.Marshal(problem{Error: "store unavailable"})
	} else {
		page := EventsPage{Events: evs, Cursor: wt.after}
		if page.Events == nil {
			page.Events = []FeedEvent{}
		}
		if n := len(evs); n > 0 {
			page.Cursor = evs[n-1].Cursor
		}
		body = encodePage(page)
	}
	if body[len(body)-1] != '\n' {
		body = append(body, '\n')
	}
	conn := "keep-alive"
	select {
	case <-s.done: // shutting down: let the till reconnect elsewhere or later
		conn = "close"
	default:
		if wt.close || status != http.StatusOK {
			conn = "close"
		}
	}
	head := fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n%sConnection: %s\r\nContent-Length: %d\r\nDate: %s\r\n\r\n",
		status, http.StatusText(status), extra, conn, len(body), time.Now().UTC().Format(http.TimeFormat))
	c := wt.conn
	c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := c.Write(append([]byte(head), body...))
	if err != nil || conn == "close" {
		c.Close()
		return
	}
	c.SetDeadline(time.Time{})
	c.l.giveBack(c)
}
