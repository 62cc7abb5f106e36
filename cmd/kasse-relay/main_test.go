package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/relay"
	"github.com/kasse-pos/kasse/payments/webhook"
)

var interrupt = syscall.SIGTERM

const (
	testMSN    = "123456"
	testSecret = "kill-test-secret"
	// The URL registered with Vipps. The relay verifies the HMAC against it,
	// not against the address a request arrives at (as behind a proxy), so
	// the test can register it before the relay has a port.
	testPublic = "https://relay.test"
)

// build compiles kasse-relay once per test binary (linking nats-server in
// takes a while) into a temporary directory that TestMain removes.
func build(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			buildErr = err
			return
		}
		dir, err := os.MkdirTemp("", "kasse-relay-test")
		if err != nil {
			buildErr = err
			return
		}
		buildDir = dir
		bin := filepath.Join(dir, "kasse-relay")
		out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		builtBin = bin
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

var (
	buildOnce          sync.Once
	buildDir, builtBin string
	buildErr           error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// prepare makes a relay file with a registration and one till.
func prepare(t *testing.T, path string) string {
	t.Helper()
	st, err := relay.OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.AddRegistration(testMSN, "reg-1", testSecret, relay.WebhookURL(testPublic, testMSN)); err != nil {
		t.Fatal(err)
	}
	tok, err := st.AddTill("till-1", testMSN, "k-")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type proc struct {
	cmd  *exec.Cmd
	base string
	logs *bytes.Buffer
	done chan struct{} // closed when the process has exited
	err  error         // its exit, once done is closed
}

// start runs the relay binary on a free loopback port and waits for its
// "listening" log line.
func start(t *testing.T, bin, db string) *proc {
	t.Helper()
	return startCmd(t, exec.Command(bin, "serve", "-db", db, "-listen", "127.0.0.1:0", "-public-url", testPublic, "-log-format", "json"))
}

// startCmd runs a kasse-relay serve command (with -log-format json) and waits
// for its "listening" log line.
func startCmd(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, logs: &bytes.Buffer{}, done: make(chan struct{})}
	addr := make(chan string, 1)
	// p.logs is read only after p.done, when this goroutine has finished.
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.logs.Write(sc.Bytes())
			p.logs.WriteByte('\n')
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				addr <- line.Addr
			}
		}
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	select {
	case a := <-addr:
		p.base = "http://" + a
	case <-p.done:
		t.Fatalf("relay exited before listening: %v\n%s", p.err, p.logs)
	case <-time.After(30 * time.Second):
		t.Fatal("relay did not start listening")
	}
	return p
}

// post delivers one signed webhook; ok means the relay answered 200.
func post(ctx context.Context, base, ref string) (ok bool, err error) {
	return postClient(ctx, http.DefaultClient, base, ref)
}

func postClient(ctx context.Context, client *http.Client, base, ref string) (ok bool, err error) {
	body, _ := json.Marshal(webhook.Event{
		MSN: testMSN, Reference: ref, PSPReference: "psp-" + ref, Name: epayment.EventAuthorized,
		Amount: epayment.Amount{Currency: epayment.NOK, Value: 100}, Timestamp: time.Now().UTC(), Success: true,
	})
	signed, _ := http.NewRequest(http.MethodPost, relay.WebhookURL(testPublic, testMSN), bytes.NewReader(body))
	webhook.Sign(signed, body, testSecret, time.Now())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, relay.WebhookURL(base, testMSN), bytes.NewReader(body))
	req.Header = signed.Header.Clone()
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return false, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK, nil
}

// feed reads the till's whole feed over HTTP.
func feed(t *testing.T, base, token string) []string {
	t.Helper()
	var refs []string
	var after uint64
	for {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s%s?after=%d&wait=0", base, relay.PathEvents, after), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page relay.EventsPage
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("feed: %s %v", resp.Status, err)
		}
		if len(page.Events) == 0 {
			return refs
		}
		for _, fe := range page.Events {
			var ev webhook.Event
			json.Unmarshal(fe.Event, &ev)
			refs = append(refs, ev.Reference)
		}
		after = page.Cursor
	}
}

func TestKill9AfterAcknowledgeLosesNothing(t *testing.T) {
	bin := build(t)
	db := filepath.Join(t.TempDir(), "relay.db")
	token := prepare(t, db)
	p := start(t, bin, db)

	// Deliveries keep coming while the relay is killed: some are acknowledged,
	// some die with the connection (Vipps retries those).
	var mu sync.Mutex
	acked := map[string]bool{}
	killAt := make(chan struct{})
	var once sync.Once
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				ref := fmt.Sprintf("k-%02d-%05d", w, i)
				ok, err := post(ctx, p.base, ref)
				if err != nil {
					return // the relay is gone
				}
				if !ok {
					t.Errorf("%s refused", ref)
					return
				}
				mu.Lock()
				acked[ref] = true
				if len(acked) >= 300 {
					once.Do(func() { close(killAt) })
				}
				mu.Unlock()
			}
		})
	}
	select {
	case <-killAt:
	case <-time.After(60 * time.Second):
		t.Fatal("300 webhooks were not acknowledged")
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
	wg.Wait()
	cancel()

	mu.Lock()
	n := len(acked)
	mu.Unlock()
	p2 := start(t, bin, db)
	got := map[string]bool{}
	for _, ref := range feed(t, p2.base, token) {
		if got[ref] {
			t.Errorf("%s delivered twice", ref)
		}
		got[ref] = true
	}
	for ref := range acked {
		if !got[ref] {
			t.Errorf("%s was acknowledged but is gone after kill -9", ref)
		}
	}
	t.Logf("%d acknowledged before kill -9, %d held after restart", n, len(got))

	// Vipps retries what it saw acknowledged too (a 2xx lost on the way):
	// stored once.
	for ref := range acked {
		if ok, err := post(context.Background(), p2.base, ref); err != nil || !ok {
			t.Fatalf("retry of %s: %v %v", ref, ok, err)
		}
		break
	}
	if again := feed(t, p2.base, token); len(again) != len(got) {
		t.Fatalf("a retried event was stored again: %d, was %d", len(again), len(got))
	}
}

func TestGracefulShutdownAnswersLongPollsAndExits(t *testing.T) {
	bin := build(t)
	db := filepath.Join(t.TempDir(), "relay.db")
	token := prepare(t, db)
	p := start(t, bin, db)
	if ok, err := post(context.Background(), p.base, "k-1"); err != nil || !ok {
		t.Fatalf("post: %v %v", ok, err)
	}
	// A till waits on a long-poll (after its one event) when SIGTERM comes.
	polled := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, p.base+relay.PathEvents+"?after=1", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			polled <- 0
			return
		}
		resp.Body.Close()
		polled <- resp.StatusCode
	}()
	waitWaiting(t, p.base, token, 1)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-polled:
		if code != http.StatusOK {
			t.Fatalf("long-poll at shutdown: %d", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("long-poll not answered at shutdown")
	}
	select {
	case <-p.done:
		if p.err != nil {
			t.Fatalf("exit: %v\n%s", p.err, p.logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("relay did not exit on SIGTERM")
	}
	if !strings.Contains(p.logs.String(), `"msg":"stopped"`) {
		t.Fatalf("no clean stop in the log:\n%s", p.logs)
	}
	// And the file is whole and free.
	st, err := relay.OpenStore(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if h, _ := st.Head(context.Background()); h != 1 {
		t.Fatalf("head %d after restart", h)
	}
}

// waitWaiting waits until the relay reports n long-polls waiting.
func waitWaiting(t *testing.T, base, token string, n int64) {
	t.Helper()
	waitWaitingClient(t, http.DefaultClient, base, token, n)
}

func waitWaitingClient(t *testing.T, client *http.Client, base, token string, n int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest(http.MethodGet, base+relay.PathHealth, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var h relay.Health
		json.NewDecoder(resp.Body).Decode(&h)
		resp.Body.Close()
		if h.Waiting >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("fewer than %d long-polls waiting", n)
}
