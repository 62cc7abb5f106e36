package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"
)

// The admin API lets `kasse-relay till` and `register` change a bbolt store
// while the relay runs and holds the file's lock: the running relay serves it
// on a unix socket beside the file (relay.db.sock), mode 0600, so whoever may
// read the file may use it and nobody else. JetStream needs none: every
// instance watches the buckets.

// TillAdmin is what `kasse-relay till` needs of a store; a Backend and an
// AdminClient have it.
type TillAdmin interface {
	AddTill(name, msn, prefix string) (string, error)
	RevokeTill(name string) error
	Tills() ([]Till, error)
}

// RegistrationStore is what Register and Unregister need of a store.
type RegistrationStore interface {
	RegistrationsFor(msn string) []Registration
	AddRegistration(msn, id, secret, url string) error
	RemoveRegistration(id string) error
}

// errCodes carries the store's sentinel errors over the socket.
var errCodes = map[string]error{
	"till-exists": ErrTillExists, "no-till": ErrNoTill, "prefix-overlap": ErrPrefixOverlap, "no-registration": ErrNoRegistration,
}

type adminError struct {
	Error string `json:"error"`
	Code  string `json:"code,omitempty"`
}

func writeAdminError(w http.ResponseWriter, err error) {
	e := adminError{Error: err.Error()}
	status := http.StatusInternalServerError
	for code, target := range errCodes {
		if errors.Is(err, target) {
			e.Code, status = code, http.StatusConflict
		}
	}
	writeJSON(w, status, e)
}

// AdminHandler serves the admin API for b. Serve it only on a unix socket
// that only the relay's user can open (ServeAdmin does).
func AdminHandler(b Backend) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /admin/tills", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Name, MSN, Prefix string }
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		tok, err := b.AddTill(req.Name, req.MSN, req.Prefix)
		if err != nil {
			writeAdminError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"token": tok})
	})
	mux.HandleFunc("GET /admin/tills", func(w http.ResponseWriter, r *http.Request) {
		tills, err := b.Tills()
		if err != nil {
			writeAdminError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, tills)
	})
	mux.HandleFunc("DELETE /admin/tills/{name}", func(w http.ResponseWriter, r *http.Request) {
		if err := b.RevokeTill(r.PathValue("name")); err != nil {
			writeAdminError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /admin/registrations", func(w http.ResponseWriter, r *http.Request) {
		regs := b.Registrations()
		for i := range regs {
			regs[i].Secret = "" // the CLI needs ids; secrets stay in the relay
		}
		writeJSON(w, http.StatusOK, regs)
	})
	mux.HandleFunc("POST /admin/registrations", func(w http.ResponseWriter, r *http.Request) {
		var req Registration
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		if err := b.AddRegistration(req.MSN, req.ID, req.Secret, req.URL); err != nil {
			writeAdminError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /admin/registrations/{id}", func(w http.ResponseWriter, r *http.Request) {
		if err := b.RemoveRegistration(r.PathValue("id")); err != nil {
			writeAdminError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// ServeAdmin serves the admin API for b on a unix socket at path, mode 0600.
// A stale socket left by a relay that was killed is replaced; the caller
// holds the store's lock, so no other relay can be using it. stop closes the
// listener and removes the socket.
func ServeAdmin(b Backend, path string) (stop func(), err error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		os.Remove(path)
	}
	// The umask makes the socket 0600 from the start: a chmod after Listen
	// would leave a moment in which others could connect.
	old := umask(0o177)
	ln, err := net.Listen("unix", path)
	umask(old)
	if err != nil {
		return nil, fmt.Errorf("relay: admin socket: %w", err)
	}
	srv := &http.Server{Handler: AdminHandler(b), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	var once sync.Once
	return func() {
		// Once: a second call after the store's lock is released could
		// remove the socket of a relay started since.
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(ctx)
			os.Remove(path)
		})
	}, nil
}

// AdminClient uses a running relay's admin socket.
type AdminClient struct {
	c *http.Client
}

// DialAdmin returns a client of the admin socket at path, after checking
// that a relay answers there.
func DialAdmin(ctx context.Context, path string) (*AdminClient, error) {
	a := &AdminClient{c: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}}
	if _, err := a.do(ctx, http.MethodGet, "/admin/registrations", nil, nil); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *AdminClient) do(ctx context.Context, method, path string, in, out any) ([]byte, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://relay"+path, body)
	if err != nil {
		return nil, err
	}
	resp, err := a.c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("relay: admin socket: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("relay: admin socket: %w", err)
	}
	if resp.StatusCode >= 300 {
		var e adminError
		json.Unmarshal(b, &e)
		if target := errCodes[e.Code]; target != nil {
			return nil, fmt.Errorf("%w (%s)", target, e.Error)
		}
		return nil, fmt.Errorf("relay: admin %s %s: %s: %s", method, path, resp.Status, e.Error)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return nil, fmt.Errorf("relay: admin %s: %w", path, err)
		}
	}
	return b, nil
}

func (a *AdminClient) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}

// AddTill adds a till in the running relay.
func (a *AdminClient) AddTill(name, msn, prefix string) (string, error) {
	ctx, cancel := a.ctx()
	defer cancel()
	var out struct{ Token string }
	_, err := a.do(ctx, http.MethodPost, "/admin/tills", map[string]string{"name": name, "msn": msn, "prefix": prefix}, &out)
	return out.Token, err
}

// RevokeTill revokes a till in the running relay.
func (a *AdminClient) RevokeTill(name string) error {
	ctx, cancel := a.ctx()
	defer cancel()
	_, err := a.do(ctx, http.MethodDelete, "/admin/tills/"+url.PathEscape(name), nil, nil)
	return err
}

// Tills lists the running relay's tills.
func (a *AdminClient) Tills() ([]Till, error) {
	ctx, cancel := a.ctx()
	defer cancel()
	var out []Till
	_, err := a.do(ctx, http.MethodGet, "/admin/tills", nil, &out)
	return out, err
}

// Registrations lists the running relay's registrations, without secrets.
func (a *AdminClient) Registrations() []Registration {
	ctx, cancel := a.ctx()
	defer cancel()
	var out []Registration
	a.do(ctx, http.MethodGet, "/admin/registrations", nil, &out)
	return out
}

// RegistrationsFor lists one MSN's registrations, without secrets.
func (a *AdminClient) RegistrationsFor(msn string) []Registration {
	var out []Registration
	for _, r := range a.Registrations() {
		if r.MSN == msn {
			out = append(out, r)
		}
	}
	return out
}

// AddRegistration stores a registration in the running relay.
func (a *AdminClient) AddRegistration(msn, id, secret, u string) error {
	ctx, cancel := a.ctx()
	defer cancel()
	_, err := a.do(ctx, http.MethodPost, "/admin/registrations", Registration{MSN: msn, ID: id, Secret: secret, URL: u}, nil)
	return err
}

// RemoveRegistration forgets a registration in the running relay.
func (a *AdminClient) RemoveRegistration(id string) error {
	ctx, cancel := a.ctx()
	defer cancel()
	_, err := a.do(ctx, http.MethodDelete, "/admin/registrations/"+url.PathEscape(id), nil, nil)
	return err
}
