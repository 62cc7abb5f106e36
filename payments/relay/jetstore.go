package relay

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kasse-pos/kasse/payments/webhook"
)

// JetStore keeps the relay's state in NATS JetStream, so that several relay
// instances (on a NATS cluster, or kasse-relay's embedded one) serve the same
// tills and survive the loss of a node:
//
//   - events are messages of one stream, on subjects kasse.ev.MSN.REF where
//     REF is the reference split at '-' into subject tokens; a till's feed
//     is the messages on its MSN and prefix (kasse.ev.MSN.shop1.till1.>), and
//     its cursor is the stream sequence;
//   - an event is stored once: its key is the Nats-Msg-Id, and the stream's
//     duplicate window is the retention;
//   - tills (with their token hashes), registrations (with their secrets)
//     and receipts are in key-value buckets; each instance watches the tills
//     and registrations and keeps the same in-memory indexes as Store.
//
// A webhook is acknowledged after JetStream's: with R3, when a quorum holds
// it. Every instance is told of an event on a core subject after that
// acknowledgement, to wake its long-polls.
type JetStore struct {
	cfg     JetStoreConfig
	nc      *nats.Conn
	ownConn bool
	js      jetstream.JetStream
	stream  jetstream.Stream
	tills   jetstream.KeyValue
	regsKV  jetstream.KeyValue
	rcpts   jetstream.KeyValue
	rkeys   jetstream.KeyValue
	wakeSub *nats.Subscription
	log     *slog.Logger

	stop    context.CancelFunc
	watches sync.WaitGroup

	admin   sync.Mutex // AddTill and RevokeTill of this instance, one at a time
	mu      sync.RWMutex
	names   map[string]*Till // active tills by name
	byToken map[[sha256.Size]byte]*Till
	byMSN   map[string][]*Till
	regs    map[string]Registration // by id
	wake    func(till string)
}

// JetStoreConfig configures a JetStore.
type JetStoreConfig struct {
	// URL is the NATS server(s) to connect to, comma-separated; ignored when
	// Conn is set.
	URL string
	// Conn is a connection to use (JetStore does not close it).
	Conn *nats.Conn
	// ConnOptions are added to JetStore's own when it connects to URL
	// (credentials, TLS).
	ConnOptions []nats.Option
	// Replicas of the stream and buckets: 1 on a single node, 3 on a
	// cluster of three. 0 means 1.
	Replicas int
	// Prefix names the stream ("KASSE_EVENTS"), buckets and subjects
	// ("kasse.ev."), so that several relays can share one NATS system;
	// "" means "kasse".
	Prefix string
	// Retention and ReceiptRetention are the stream's MaxAge and the receipt
	// buckets' TTL; 0 means the defaults, negative keeps forever. JetStream
	// expires by itself, so Prune has nothing to do.
	Retention, ReceiptRetention time.Duration
	// Bind uses the stream and buckets as they are, creating only what is
	// missing: for the CLI, which must not undo the replicas or retention
	// that the relay instances set.
	Bind bool
	// Timeout bounds the administrative calls, which take no context; 0
	// means 10 s.
	Timeout time.Duration
	Logger  *slog.Logger
}

// Limits of JetStream names and subjects.
var (
	subjectToken = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	prefixName   = regexp.MustCompile(`^[a-z][a-z0-9]{0,20}$`)
)

// OpenJetStore connects (unless cfg.Conn is set), creates or updates the
// stream and buckets, and loads the tills and registrations.
func OpenJetStore(ctx context.Context, cfg JetStoreConfig) (*JetStore, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = "kasse"
	}
	if !prefixName.MatchString(cfg.Prefix) {
		return nil, fmt.Errorf("relay: JetStream prefix %q: want lower-case letters and digits", cfg.Prefix)
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	if cfg.Retention == 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.ReceiptRetention == 0 {
		cfg.ReceiptRetention = DefaultReceiptRetention
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &JetStore{cfg: cfg, nc: cfg.Conn, log: cfg.Logger,
		names: map[string]*Till{}, byToken: map[[sha256.Size]byte]*Till{}, byMSN: map[string][]*Till{}, regs: map[string]Registration{}}
	if s.nc == nil {
		opts := append([]nats.Option{
			nats.Name("kasse-relay"),
			// Keep trying for ever: the other nodes are the point of a cluster.
			nats.MaxReconnects(-1),
			nats.ReconnectWait(250 * time.Millisecond),
			nats.RetryOnFailedConnect(false),
			nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
				if err != nil { // nil: closed on purpose
					cfg.Logger.Warn("nats disconnected", "err", err)
				}
			}),
			nats.ReconnectHandler(func(nc *nats.Conn) { cfg.Logger.Info("nats reconnected", "server", nc.ConnectedUrlRedacted()) }),
		}, cfg.ConnOptions...)
		nc, err := nats.Connect(cfg.URL, opts...)
		if err != nil {
			return nil, fmt.Errorf("relay: connect to NATS %s: %w", cfg.URL, err)
		}
		s.nc, s.ownConn = nc, true
	}
	if err := s.setup(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *JetStore) name(suffix string) string { return strings.ToUpper(s.cfg.Prefix) + "_" + suffix }

func (s *JetStore) setup(ctx context.Context) error {
	js, err := jetstream.New(s.nc)
	if err != nil {
		return fmt.Errorf("relay: jetstream: %w", err)
	}
	s.js = js
	// A request to a cluster that has only just elected its meta leader can
	// go unanswered; ask something cheap, briefly, until it answers.
	for {
		actx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := js.AccountInfo(actx)
		cancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("relay: JetStream not ready: %w", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	maxAge, dupes := s.cfg.Retention, s.cfg.Retention
	if maxAge < 0 {
		maxAge, dupes = 0, DefaultRetention
	}
	scfg := jetstream.StreamConfig{
		Name:        s.name("EVENTS"),
		Description: "kasse-relay: verified webhook events; the sequence is the tills' cursor",
		Subjects:    []string{s.cfg.Prefix + ".ev.>"},
		Storage:     jetstream.FileStorage,
		Replicas:    s.cfg.Replicas,
		MaxAge:      maxAge,
		// The duplicate window is the retention: a Vipps retry days later
		// is still recognised (it holds one id per event in memory).
		Duplicates:   dupes,
		MaxMsgSize:   MaxMaxBody + 4096,
		Discard:      jetstream.DiscardOld,
		AllowRollup:  false,
		DenyDelete:   true,
		DenyPurge:    false,
		AllowDirect:  false, // reads go to the leader, which has every acknowledged event
		MaxConsumers: -1,
	}
	err = retryAsset(ctx, func(ctx context.Context) (err error) {
		if s.cfg.Bind {
			if s.stream, err = js.Stream(ctx, scfg.Name); err == nil || !errors.Is(err, jetstream.ErrStreamNotFound) {
				return err
			}
		}
		s.stream, err = js.CreateOrUpdateStream(ctx, scfg)
		return err
	})
	if err != nil {
		return fmt.Errorf("relay: create stream %s: %w", s.name("EVENTS"), err)
	}
	rttl := s.cfg.ReceiptRetention
	if rttl < 0 {
		rttl = 0
	}
	// In parallel: each new replicated bucket waits for its group to elect a
	// leader, seconds on a fresh cluster.
	buckets := []struct {
		kv   *jetstream.KeyValue
		name string
		ttl  time.Duration
		desc string
	}{
		{&s.tills, "TILLS", 0, "kasse-relay: tills and their token hashes"},
		{&s.regsKV, "REGS", 0, "kasse-relay: webhook registrations and their secrets"},
		{&s.rcpts, "RECEIPTS", rttl, "kasse-relay: receipt pages"},
		{&s.rkeys, "RECEIPTKEYS", rttl, "kasse-relay: till and receipt number to receipt id"},
	}
	errs := make([]error, len(buckets))
	var wg sync.WaitGroup
	for i, b := range buckets {
		wg.Go(func() {
			var kv jetstream.KeyValue
			err := retryAsset(ctx, func(ctx context.Context) (err error) {
				if s.cfg.Bind {
					if kv, err = js.KeyValue(ctx, s.name(b.name)); err == nil || !errors.Is(err, jetstream.ErrBucketNotFound) {
						return err
					}
				}
				kv, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
					Bucket: s.name(b.name), Description: b.desc, History: 1, TTL: b.ttl,
					Storage: jetstream.FileStorage, Replicas: s.cfg.Replicas,
				})
				return err
			})
			if err != nil {
				errs[i] = fmt.Errorf("relay: create bucket %s: %w", s.name(b.name), err)
				return
			}
			*b.kv = kv
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	wctx, stop := context.WithCancel(context.Background())
	s.stop = stop
	if err := s.watch(ctx, wctx, s.tills, s.applyTill); err != nil {
		return err
	}
	if err := s.watch(ctx, wctx, s.regsKV, s.applyReg); err != nil {
		return err
	}
	s.wakeSub, err = s.nc.Subscribe(s.cfg.Prefix+".wake", s.onWake)
	if err != nil {
		return fmt.Errorf("relay: subscribe: %w", err)
	}
	return nil
}

// retryAsset creates or updates a stream or bucket, asking again when an
// attempt goes unanswered: when several instances of a new cluster create the
// same stream at once, all but the first request can wait for ever.
// A cluster that has just met may also not know its peers yet ("no suitable
// peers for placement"); that passes within seconds too.
func retryAsset(ctx context.Context, create func(context.Context) error) error {
	for {
		actx, cancel := context.WithTimeout(ctx, 3*time.Second)
		err := create(actx)
		cancel()
		if err == nil || ctx.Err() != nil || !transientJSError(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// errCodeNoPeers is JetStream's "no suitable peers for placement".
const errCodeNoPeers jetstream.ErrorCode = 10005

func transientJSError(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) {
		return true
	}
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == errCodeNoPeers || apiErr.Code == 503)
}

// watch follows a bucket for the life of the store; it returns after the
// bucket's current values have been applied.
func (s *JetStore) watch(ctx, life context.Context, kv jetstream.KeyValue, apply func(jetstream.KeyValueEntry)) error {
	w, err := kv.WatchAll(life)
	if err != nil {
		return fmt.Errorf("relay: watch %s: %w", kv.Bucket(), err)
	}
	loaded := make(chan struct{})
	s.watches.Add(1)
	go func() {
		defer s.watches.Done()
		defer w.Stop()
		first := true
		for {
			select {
			case <-life.Done():
				return
			case e, ok := <-w.Updates():
				if !ok {
					return
				}
				if e == nil {
					if first {
						first = false
						close(loaded)
					}
					continue
				}
				apply(e)
			}
		}
	}()
	select {
	case <-loaded:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("relay: load %s: %w", kv.Bucket(), ctx.Err())
	}
}

// Close stops the watches and, if JetStore connected itself, the connection.
func (s *JetStore) Close() error {
	if s.wakeSub != nil {
		s.wakeSub.Unsubscribe()
	}
	if s.stop != nil {
		s.stop()
	}
	s.watches.Wait()
	if s.ownConn {
		s.nc.Close()
	}
	return nil
}

func (s *JetStore) opCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.cfg.Timeout)
}

// kvKey makes any name a valid bucket key.
func kvKey(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// --- subjects ----------------------------------------------------------------

// refTokens splits a reference at '-' into subject tokens; ok is false when
// some part is empty or has other characters than letters and digits.
func refTokens(ref string) (string, bool) {
	parts := strings.Split(ref, "-")
	for _, p := range parts {
		if !subjectToken.MatchString(p) {
			return "", false
		}
	}
	return strings.Join(parts, "."), true
}

func msnToken(msn string) string {
	if subjectToken.MatchString(msn) {
		return msn
	}
	return "x" + hex.EncodeToString([]byte(msn)) // letters and digits, never a valid MSN
}

// eventSubject is where an event is stored. A reference that cannot be
// tokens is stored as one hex token; a till sees those only through the
// MSN-wide filter (see feedFilter).
func (s *JetStore) eventSubject(msn, ref string) string {
	toks, ok := refTokens(ref)
	if !ok {
		toks = "_x" + hex.EncodeToString([]byte(ref))
	}
	return s.cfg.Prefix + ".ev." + msnToken(msn) + "." + toks
}

// feedFilter is the subject filter of a till's feed. A prefix that ends a
// token ("kasse-ab12-") is a subject prefix; any other is filtered by MSN,
// and the references are compared here.
func (s *JetStore) feedFilter(msn, prefix string) string {
	base := s.cfg.Prefix + ".ev." + msnToken(msn) + "."
	if strings.HasSuffix(prefix, "-") {
		if toks, ok := refTokens(strings.TrimSuffix(prefix, "-")); ok {
			return base + toks + ".>"
		}
	}
	return base + ">"
}

// --- tills -------------------------------------------------------------------

// jetTill is a till record in the bucket: a Till, and the stream sequence
// when it was added, before which its feed holds nothing (as a new bbolt
// feed holds nothing).
type jetTill struct {
	Till
	Start uint64 `json:"start"`
}

func (s *JetStore) applyTill(e jetstream.KeyValueEntry) {
	var rec jetTill
	del := e.Operation() != jetstream.KeyValuePut
	if !del && json.Unmarshal(e.Value(), &rec) != nil {
		s.log.Error("till record unreadable", "key", e.Key())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.indexTill(rec, del, e.Key())
}

// indexTill puts a till record into the indexes; mu is held.
func (s *JetStore) indexTill(rec jetTill, del bool, key string) {
	name := rec.Name
	if del {
		b, _ := base64.RawURLEncoding.DecodeString(key)
		name = string(b)
	}
	if old := s.names[name]; old != nil {
		delete(s.names, name)
		delete(s.byToken, [sha256.Size]byte(old.TokenHash))
		list := s.byMSN[old.MSN][:0:0]
		for _, o := range s.byMSN[old.MSN] {
			if o.Name != name {
				list = append(list, o)
			}
		}
		s.byMSN[old.MSN] = list
	}
	if del || rec.Revoked != nil || len(rec.TokenHash) != sha256.Size {
		return
	}
	t := rec.Till
	t.start = rec.Start
	s.names[name] = &t
	s.byToken[[sha256.Size]byte(t.TokenHash)] = &t
	s.byMSN[t.MSN] = append(s.byMSN[t.MSN], &t)
}

// AddTill creates a till; see Store.AddTill. Two instances adding
// overlapping prefixes at the same moment are not caught: add tills from one
// place at a time.
func (s *JetStore) AddTill(name, msn, prefix string) (string, error) {
	if err := checkTillArgs(name, msn, prefix); err != nil {
		return "", err
	}
	token, h := newToken()
	s.admin.Lock()
	defer s.admin.Unlock()
	s.mu.RLock()
	for _, o := range s.byMSN[msn] {
		if strings.HasPrefix(o.Prefix, prefix) || strings.HasPrefix(prefix, o.Prefix) {
			s.mu.RUnlock()
			return "", fmt.Errorf("%w: %q (till %q) and %q", ErrPrefixOverlap, o.Prefix, o.Name, prefix)
		}
	}
	s.mu.RUnlock()
	ctx, cancel := s.opCtx()
	defer cancel()
	info, err := s.stream.Info(ctx)
	if err != nil {
		return "", fmt.Errorf("relay: add till %q: %w", name, err)
	}
	rec := jetTill{Till: Till{Name: name, MSN: msn, Prefix: prefix, Created: time.Now().UTC(), TokenHash: h[:]}, Start: info.State.LastSeq}
	v, err := json.Marshal(rec)
	if err != nil {
		return "", err
	}
	key := kvKey(name)
	if _, err := s.tills.Create(ctx, key, v); err != nil {
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return "", fmt.Errorf("relay: add till %q: %w", name, err)
		}
		old, gerr := s.tills.Get(ctx, key)
		if gerr != nil {
			return "", fmt.Errorf("relay: add till %q: %w", name, gerr)
		}
		var o jetTill
		if json.Unmarshal(old.Value(), &o) == nil && o.Revoked == nil {
			return "", fmt.Errorf("relay: add till %q: %w", name, ErrTillExists)
		}
		if _, err := s.tills.Update(ctx, key, v, old.Revision()); err != nil {
			return "", fmt.Errorf("relay: add till %q: %w", name, err)
		}
	}
	s.mu.Lock()
	s.indexTill(rec, false, key)
	s.mu.Unlock()
	return token, nil
}

// RevokeTill invalidates a till's token on every instance (each drops it
// when its watch sees the change, within milliseconds).
func (s *JetStore) RevokeTill(name string) error {
	s.admin.Lock()
	defer s.admin.Unlock()
	ctx, cancel := s.opCtx()
	defer cancel()
	key := kvKey(name)
	e, err := s.tills.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("relay: revoke till %q: %w", name, ErrNoTill)
	}
	if err != nil {
		return fmt.Errorf("relay: revoke till %q: %w", name, err)
	}
	var rec jetTill
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		return fmt.Errorf("relay: revoke till %q: %w", name, err)
	}
	if rec.Revoked != nil {
		return nil
	}
	now := time.Now().UTC()
	rec.Revoked = &now
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if _, err := s.tills.Update(ctx, key, v, e.Revision()); err != nil {
		return fmt.Errorf("relay: revoke till %q: %w", name, err)
	}
	s.mu.Lock()
	s.indexTill(rec, false, key)
	s.mu.Unlock()
	return nil
}

// Tills lists all tills, revoked ones included, sorted by name.
func (s *JetStore) Tills() ([]Till, error) {
	ctx, cancel := s.opCtx()
	defer cancel()
	lister, err := s.tills.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("relay: list tills: %w", err)
	}
	var out []Till
	for k := range lister.Keys() {
		e, err := s.tills.Get(ctx, k)
		if err != nil {
			continue // deleted meanwhile
		}
		var rec jetTill
		if err := json.Unmarshal(e.Value(), &rec); err != nil {
			return nil, fmt.Errorf("relay: list tills: %w", err)
		}
		rec.TokenHash = nil
		out = append(out, rec.Till)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("relay: list tills: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// TillByToken returns the active till a bearer token belongs to, or nil.
func (s *JetStore) TillByToken(token string) *Till {
	return tillByToken(&s.mu, s.byToken, token)
}

// Active reports whether t's token is still valid. The watch replaces the
// records, so this compares name and token, not pointers.
func (s *JetStore) Active(t *Till) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o := s.names[t.Name]
	return o != nil && subtle.ConstantTimeCompare(o.TokenHash, t.TokenHash) == 1
}

// ActiveTills counts the tills with a valid token.
func (s *JetStore) ActiveTills() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.names)
}

func (s *JetStore) tillsFor(msn, reference string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var names []string
	for _, t := range s.byMSN[msn] {
		if strings.HasPrefix(reference, t.Prefix) {
			names = append(names, t.Name)
		}
	}
	return names
}

// --- registrations -----------------------------------------------------------

func (s *JetStore) applyReg(e jetstream.KeyValueEntry) {
	b, _ := base64.RawURLEncoding.DecodeString(e.Key())
	id := string(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.Operation() != jetstream.KeyValuePut {
		delete(s.regs, id)
		return
	}
	var r Registration
	if err := json.Unmarshal(e.Value(), &r); err != nil {
		s.log.Error("registration record unreadable", "id", id)
		return
	}
	s.regs[id] = r
}

// AddRegistration stores a webhook registration for every instance.
func (s *JetStore) AddRegistration(msn, id, secret, url string) error {
	if msn == "" || id == "" || secret == "" || url == "" {
		return errors.New("relay: registration needs MSN, id, secret and URL")
	}
	r := Registration{MSN: msn, ID: id, Secret: secret, URL: url, Created: time.Now().UTC()}
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	ctx, cancel := s.opCtx()
	defer cancel()
	if _, err := s.regsKV.Put(ctx, kvKey(id), v); err != nil {
		return fmt.Errorf("relay: store registration: %w", err)
	}
	s.mu.Lock()
	s.regs[id] = r
	s.mu.Unlock()
	return nil
}

// RemoveRegistration forgets a registration.
func (s *JetStore) RemoveRegistration(id string) error {
	s.mu.RLock()
	_, ok := s.regs[id]
	s.mu.RUnlock()
	if !ok {
		return fmt.Errorf("relay: remove registration %s: %w", id, ErrNoRegistration)
	}
	ctx, cancel := s.opCtx()
	defer cancel()
	if err := s.regsKV.Delete(ctx, kvKey(id)); err != nil {
		return fmt.Errorf("relay: remove registration %s: %w", id, err)
	}
	s.mu.Lock()
	delete(s.regs, id)
	s.mu.Unlock()
	return nil
}

// Registrations lists the stored registrations, secrets included.
func (s *JetStore) Registrations() []Registration {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Registration, 0, len(s.regs))
	for _, r := range s.regs {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out
}

// RegistrationsFor lists the registrations of one MSN, oldest first.
func (s *JetStore) RegistrationsFor(msn string) []Registration {
	var out []Registration
	for _, r := range s.Registrations() {
		if r.MSN == msn {
			out = append(out, r)
		}
	}
	return out
}

// --- events ------------------------------------------------------------------

// Headers of an event message.
const (
	hdrRef      = "Kasse-Ref"
	hdrMSN      = "Kasse-Msn"
	hdrReceived = "Kasse-Received"
)

// wakeMsg tells every instance that an event of msn and ref is stored.
type wakeMsg struct {
	MSN string `json:"m"`
	Ref string `json:"r"`
}

// setWake is how the Server learns of events stored by other instances.
func (s *JetStore) setWake(fn func(till string)) {
	s.mu.Lock()
	s.wake = fn
	s.mu.Unlock()
}

func (s *JetStore) onWake(m *nats.Msg) {
	var w wakeMsg
	if json.Unmarshal(m.Data, &w) != nil {
		return
	}
	s.mu.RLock()
	fn := s.wake
	s.mu.RUnlock()
	if fn == nil {
		return
	}
	for _, t := range s.tillsFor(w.MSN, w.Ref) {
		fn(t)
	}
}

// Append publishes the event and returns after JetStream's acknowledgement
// (a quorum's, with replicas). A retry of a stored event is found by its
// Nats-Msg-Id and reported as Duplicate with the first one's sequence.
func (s *JetStore) Append(ctx context.Context, ev webhook.Event, body []byte, received time.Time) (Appended, error) {
	m := nats.NewMsg(s.eventSubject(ev.MSN, ev.Reference))
	m.Data = body
	m.Header.Set(hdrRef, ev.Reference)
	m.Header.Set(hdrMSN, ev.MSN)
	m.Header.Set(hdrReceived, received.UTC().Format(time.RFC3339Nano))
	ack, err := s.publish(ctx, m, ev.Key())
	if err != nil {
		return Appended{}, fmt.Errorf("relay: store event: %w", err)
	}
	out := Appended{Seq: ack.Sequence, Duplicate: ack.Duplicate}
	if !ack.Duplicate {
		out.Tills = s.tillsFor(ev.MSN, ev.Reference)
	}
	// Wake the other instances' polls; a duplicate too, as the first
	// delivery's instance may have died before it could.
	if b, err := json.Marshal(wakeMsg{MSN: ev.MSN, Ref: ev.Reference}); err == nil {
		s.nc.Publish(s.cfg.Prefix+".wake", b)
	}
	return out, nil
}

// publishAttempt bounds one attempt to publish an event. A publish that
// reached a stream leader which then died is never answered; asking again
// reaches the new leader within an election, and the message id makes the
// second attempt a duplicate if the first was stored after all.
const publishAttempt = 2 * time.Second

func (s *JetStore) publish(ctx context.Context, m *nats.Msg, id string) (*jetstream.PubAck, error) {
	for {
		actx, cancel := context.WithTimeout(ctx, publishAttempt)
		ack, err := s.js.PublishMsg(actx, m, jetstream.WithMsgID(id))
		cancel()
		if err == nil || ctx.Err() != nil {
			return ack, err
		}
		if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, jetstream.ErrNoStreamResponse) && !errors.Is(err, nats.ErrNoResponders) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Feed reads a till's feed after cursor from the stream's leader, one
// message at a time on the till's subject filter.
func (s *JetStore) Feed(ctx context.Context, till string, after uint64, limit, maxBytes int) ([]FeedEvent, uint64, error) {
	s.mu.RLock()
	t := s.names[till]
	s.mu.RUnlock()
	if t == nil {
		return nil, 0, fmt.Errorf("relay: read feed of %q: %w", till, ErrNoTill)
	}
	filter := s.feedFilter(t.MSN, t.Prefix)
	next := max(after, t.start) + 1
	var out []FeedEvent
	size := 0
	for len(out) < limit {
		msg, err := s.stream.GetMsg(ctx, next, jetstream.WithGetMsgSubject(filter))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("relay: read feed of %q: %w", till, err)
		}
		next = msg.Sequence + 1
		if msg.Header.Get(hdrMSN) != t.MSN || !strings.HasPrefix(msg.Header.Get(hdrRef), t.Prefix) {
			continue // the MSN-wide filter of a prefix that is no subject prefix
		}
		if size += len(msg.Data) + feedEventOverhead; size > maxBytes && len(out) > 0 {
			break
		}
		out = append(out, FeedEvent{Cursor: msg.Sequence, Event: msg.Data})
	}
	head := uint64(0)
	if len(out) > 0 {
		head = out[len(out)-1].Cursor
	}
	if len(out) == 0 {
		// Only an empty page needs the head: to tell a cursor from another
		// log (ErrCursorAhead) from one that is up to date.
		h, err := s.Head(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("relay: read feed of %q: %w", till, err)
		}
		head = h
		if after > head {
			return nil, head, fmt.Errorf("relay: read feed of %q: %w", till, ErrCursorAhead)
		}
	}
	return out, head, nil
}

// Head is the stream's last sequence.
func (s *JetStore) Head(ctx context.Context) (uint64, error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("relay: head: %w", err)
	}
	return info.State.LastSeq, nil
}

// Prune has nothing to do: the stream's MaxAge and the receipt buckets' TTL
// expire old data on every node.
func (s *JetStore) Prune(time.Time, time.Time) (int, int, error) { return 0, 0, nil }

// Stats summarises the stream and buckets.
func (s *JetStore) Stats() (Stats, error) {
	ctx, cancel := s.opCtx()
	defer cancel()
	info, err := s.stream.Info(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("relay: stats: %w", err)
	}
	st := Stats{Head: info.State.LastSeq, Events: int(info.State.Msgs), Tills: s.ActiveTills()}
	rs, err := s.rcpts.Status(ctx)
	if err != nil {
		return st, fmt.Errorf("relay: stats: %w", err)
	}
	st.Receipts = int(rs.Values())
	return st, nil
}

// --- receipts ----------------------------------------------------------------

// SaveReceipt stores a receipt; the same till and number give the same id.
func (s *JetStore) SaveReceipt(ctx context.Context, till string, doc ReceiptDoc, now time.Time) (string, error) {
	v, err := json.Marshal(receiptRecord{Till: till, Created: now.UTC(), Doc: doc})
	if err != nil {
		return "", err
	}
	idx := kvKey(till + "\x00" + doc.Number)
	if e, err := s.rkeys.Get(ctx, idx); err == nil {
		id := string(e.Value())
		if _, err := s.rcpts.Get(ctx, kvKey(id)); err == nil {
			return id, nil
		}
	} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", fmt.Errorf("relay: store receipt: %w", err)
	}
	id := newReceiptID()
	if _, err := s.rcpts.Put(ctx, kvKey(id), v); err != nil {
		return "", fmt.Errorf("relay: store receipt: %w", err)
	}
	if _, err := s.rkeys.Put(ctx, idx, []byte(id)); err != nil {
		return "", fmt.Errorf("relay: store receipt: %w", err)
	}
	return id, nil
}

// Receipt returns a stored receipt.
func (s *JetStore) Receipt(ctx context.Context, id string) (ReceiptDoc, error) {
	e, err := s.rcpts.Get(ctx, kvKey(id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return ReceiptDoc{}, fmt.Errorf("relay: receipt: %w", ErrNoReceipt)
	}
	if err != nil {
		return ReceiptDoc{}, fmt.Errorf("relay: receipt: %w", err)
	}
	var rec receiptRecord
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		return ReceiptDoc{}, fmt.Errorf("relay: receipt: %w", err)
	}
	return rec.Doc, nil
}

// newToken makes a till token and its hash.
func newToken() (string, [sha256.Size]byte) {
	raw := make([]byte, 32)
	rand.Read(raw) // never fails (crypto/rand, Go ≥ 1.24)
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	return token, hashToken(token)
}

var _ Backend = (*JetStore)(nil)
