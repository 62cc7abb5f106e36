//go:build unix

package proof

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// run starts a till process with p (filling in the world's configuration) and
// waits for it to end; on, if not nil, sees each event as it comes.
func (w *world) run(p plan, on func(childEvent)) childResult {
	w.t.Helper()
	p.Config = w.cfg
	p.Reset = w.starts == 0
	w.starts++
	if p.HTTPTimeout == 0 {
		p.HTTPTimeout = 2 * time.Second
	}
	if p.Deadline == 0 {
		p.Deadline = 60 * time.Second
	}
	raw, err := json.Marshal(p)
	if err != nil {
		w.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.Deadline+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestChildTill$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+string(raw))
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	events, ew, err := os.Pipe()
	if err != nil {
		w.t.Fatal(err)
	}
	cmd.ExtraFiles = []*os.File{ew}
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	ew.Close() // the child holds the only write end: EOF when it is gone
	var res childResult
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(events)
		for sc.Scan() {
			var ev childEvent
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				continue
			}
			res.Events = append(res.Events, ev)
			if on != nil {
				on(ev)
			}
		}
	}()
	werr := cmd.Wait()
	<-read
	events.Close()
	res.Output = output.String()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL && ctx.Err() == nil {
		res.Killed = true
		return res
	}
	if werr != nil {
		w.t.Fatalf("till process failed (%v):\n%s", werr, tail(res.Output, 6000))
	}
	return res
}

// childResult is how a till process ended.
type childResult struct {
	Killed bool
	Events []childEvent
	Output string
}

// event returns the first event named ev, or a zero one.
func (r childResult) event(ev string) (childEvent, bool) {
	for _, e := range r.Events {
		if e.Ev == ev {
			return e, true
		}
	}
	return childEvent{}, false
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
