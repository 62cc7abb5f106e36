package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/webhook"
)

// backendKind opens stores of one kind; reopen gives a store on the same
// state as the last one opened (after it was closed), as after a restart.
type backendKind struct {
	name string
	open func(t *testing.T) (open func() Backend)
}

// startTestNode runs a single embedded NATS node on a random loopback port.
func startTestNode(t testing.TB, dir string) *Node {
	t.Helper()
	n, err := StartNode(NodeConfig{Name: "test", StoreDir: dir, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Shutdown)
	return n
}

func openTestJetStore(t testing.TB, url string) *JetStore {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := OpenJetStore(ctx, JetStoreConfig{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

var backendKinds = []backendKind{
	{"bbolt", func(t *testing.T) func() Backend {
		path := filepath.Join(t.TempDir(), "relay.db")
		return func() Backend {
			st, err := OpenStore(path)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
	}},
	{"jetstream", func(t *testing.T) func() Backend {
		n := startTestNode(t, t.TempDir())
		return func() Backend { return openTestJetStore(t, n.ClientURL()) }
	}},
}

// TestBackendConformance holds every Backend to the same behaviour.
func TestBackendConformance(t *testing.T) {
	for _, k := range backendKinds {
		t.Run(k.name, func(t *testing.T) {
			for _, c := range conformance {
				t.Run(c.name, func(t *testing.T) {
					open := k.open(t)
					c.run(t, open)
				})
			}
		})
	}
}

var ctxb = context.Background()

func appendEv(t *testing.T, st Backend, msn, ref string, name epayment.EventName) Appended {
	t.Helper()
	ev := event(msn, ref, name)
	body := fmt.Appendf(nil, `{"msn":%q,"reference":%q,"name":%q}`, msn, ref, name)
	a, err := st.Append(ctxb, ev, body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func feedRefs(t *testing.T, st Backend, till string, after uint64, limit int) ([]string, []uint64) {
	t.Helper()
	evs, _, err := st.Feed(ctxb, till, after, limit, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	var curs []uint64
	for _, fe := range evs {
		var ev webhook.Event
		if err := jsonUnmarshal(fe.Event, &ev); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, ev.Reference+"/"+string(ev.Name))
		curs = append(curs, fe.Cursor)
	}
	return refs, curs
}

var conformance = []struct {
	name string
	run  func(t *testing.T, open func() Backend)
}{
	{"tills", func(t *testing.T, open func() Backend) {
		st := open()
		defer st.Close()
		if list, err := st.Tills(); err != nil || len(list) != 0 {
			t.Fatalf("Tills of a new store = %v, %v", list, err)
		}
		tok, err := st.AddTill("till-1", msnA, "shop1-t1-")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.AddTill("till-1", msnA, "shop1-t9-"); !errors.Is(err, ErrTillExists) {
			t.Errorf("same name again: %v", err)
		}
		for _, p := range []string{"shop1-", "shop1-t1-x"} {
			if _, err := st.AddTill("till-2", msnA, p); !errors.Is(err, ErrPrefixOverlap) {
				t.Errorf("prefix %q overlapping: %v", p, err)
			}
		}
		if _, err := st.AddTill("till-2", msnB, "shop1-"); err != nil {
			t.Errorf("same prefix on another MSN: %v", err)
		}
		if _, err := st.AddTill("", msnA, "x-"); err == nil {
			t.Error("empty name taken")
		}
		tl := st.TillByToken(tok)
		if tl == nil || tl.Name != "till-1" || tl.MSN != msnA || tl.Prefix != "shop1-t1-" || !st.Active(tl) {
			t.Fatalf("TillByToken = %+v", tl)
		}
		if st.TillByToken("kt_nope") != nil || st.TillByToken("") != nil || st.TillByToken(tok+"x") != nil {
			t.Error("a wrong token found a till")
		}
		if st.ActiveTills() != 2 {
			t.Errorf("ActiveTills = %d", st.ActiveTills())
		}
		if err := st.RevokeTill("till-1"); err != nil {
			t.Fatal(err)
		}
		if st.TillByToken(tok) != nil || st.Active(tl) {
			t.Error("revoked token still valid")
		}
		if err := st.RevokeTill("nobody"); !errors.Is(err, ErrNoTill) {
			t.Errorf("revoke unknown: %v", err)
		}
		tok2, err := st.AddTill("till-1", msnA, "shop1-t1-")
		if err != nil || tok2 == tok || st.TillByToken(tok2) == nil || st.TillByToken(tok) != nil {
			t.Fatalf("re-add: %v", err)
		}
		list, err := st.Tills()
		if err != nil || len(list) != 2 || list[0].Name != "till-1" || list[1].Name != "till-2" || list[0].TokenHash != nil {
			t.Fatalf("Tills = %+v, %v", list, err)
		}
		st.Close()
		st = open()
		if st.TillByToken(tok2) == nil || st.TillByToken(tok) != nil || st.ActiveTills() != 2 {
			t.Error("tills not kept across reopen")
		}
	}},
	{"events", func(t *testing.T, open func() Backend) {
		st := open()
		defer st.Close()
		st.AddTill("t1", msnA, "s1-t1-")
		st.AddTill("t2", msnA, "s1-t2-")
		st.AddTill("tb", msnB, "s1-t1-")
		if h, err := st.Head(ctxb); err != nil || h != 0 {
			t.Fatalf("head of empty: %d %v", h, err)
		}
		a1 := appendEv(t, st, msnA, "s1-t1-0001", epayment.EventCreated)
		appendEv(t, st, msnA, "s1-t2-0001", epayment.EventCreated)
		appendEv(t, st, msnB, "s1-t1-0001", epayment.EventCreated)
		appendEv(t, st, msnA, "s1-t1-0001", epayment.EventAuthorized)
		appendEv(t, st, msnA, "other-0001", epayment.EventCreated)
		if len(a1.Tills) != 1 || a1.Tills[0] != "t1" || a1.Duplicate {
			t.Errorf("first append: %+v", a1)
		}
		dup := appendEv(t, st, msnA, "s1-t1-0001", epayment.EventCreated)
		if !dup.Duplicate || dup.Seq != a1.Seq || len(dup.Tills) != 0 {
			t.Errorf("retry: %+v, want duplicate of seq %d", dup, a1.Seq)
		}
		refs, curs := feedRefs(t, st, "t1", 0, 100)
		if !slices.Equal(refs, []string{"s1-t1-0001/CREATED", "s1-t1-0001/AUTHORIZED"}) || !slices.IsSorted(curs) {
			t.Fatalf("t1 feed = %v %v", refs, curs)
		}
		if refs, _ := feedRefs(t, st, "tb", 0, 100); !slices.Equal(refs, []string{"s1-t1-0001/CREATED"}) {
			t.Fatalf("tb feed = %v", refs)
		}
		// Paging by cursor.
		first, c1 := feedRefs(t, st, "t1", 0, 1)
		rest, _ := feedRefs(t, st, "t1", c1[0], 100)
		if len(first) != 1 || !slices.Equal(rest, []string{"s1-t1-0001/AUTHORIZED"}) {
			t.Fatalf("pages: %v then %v", first, rest)
		}
		if refs, _ := feedRefs(t, st, "t1", curs[1], 100); len(refs) != 0 {
			t.Fatalf("after the last: %v", refs)
		}
		head, err := st.Head(ctxb)
		if err != nil || head != 5 {
			t.Fatalf("head = %d, %v; want 5", head, err)
		}
		if _, _, err := st.Feed(ctxb, "t1", head+1, 10, 1<<20); !errors.Is(err, ErrCursorAhead) {
			t.Errorf("cursor ahead: %v", err)
		}
		if _, _, err := st.Feed(ctxb, "nobody", 0, 10, 1<<20); !errors.Is(err, ErrNoTill) {
			t.Errorf("feed of no till: %v", err)
		}
		stats, err := st.Stats()
		if err != nil || stats.Head != 5 || stats.Events != 5 || stats.Tills != 3 {
			t.Errorf("stats = %+v, %v", stats, err)
		}
		st.Close()
		st = open()
		if refs, _ := feedRefs(t, st, "t1", 0, 100); len(refs) != 2 {
			t.Fatalf("after reopen t1 sees %v", refs)
		}
		if dup := appendEv(t, st, msnA, "s1-t1-0001", epayment.EventAuthorized); !dup.Duplicate {
			t.Error("after reopen a retry is stored again")
		}
	}},
	{"feed bounded in bytes", func(t *testing.T, open func() Backend) {
		st := open()
		defer st.Close()
		st.AddTill("t1", msnA, "big-")
		pad := strings.Repeat("x", 1000)
		for i := range 10 {
			ev := event(msnA, fmt.Sprintf("big-%02d", i), epayment.EventCreated)
			body := fmt.Appendf(nil, `{"msn":%q,"reference":%q,"name":"CREATED","pad":%q}`, msnA, ev.Reference, pad)
			if _, err := st.Append(ctxb, ev, body, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		evs, _, err := st.Feed(ctxb, "t1", 0, 100, 3500)
		if err != nil || len(evs) != 3 {
			t.Fatalf("3500 bytes: %d events, %v; want 3", len(evs), err)
		}
		evs, _, err = st.Feed(ctxb, "t1", 0, 100, 10)
		if err != nil || len(evs) != 1 {
			t.Fatalf("a bound below one body: %d events, %v; want 1", len(evs), err)
		}
	}},
	{"a till sees only what came after it", func(t *testing.T, open func() Backend) {
		st := open()
		defer st.Close()
		appendEv(t, st, msnA, "s1-t1-0001", epayment.EventCreated)
		st.AddTill("t1", msnA, "s1-t1-")
		appendEv(t, st, msnA, "s1-t1-0002", epayment.EventCreated)
		if refs, _ := feedRefs(t, st, "t1", 0, 100); !slices.Equal(refs, []string{"s1-t1-0002/CREATED"}) {
			t.Fatalf("new till sees %v", refs)
		}
		st.RevokeTill("t1")
		appendEv(t, st, msnA, "s1-t1-0003", epayment.EventCreated)
		st.AddTill("t1", msnA, "s1-t1-")
		appendEv(t, st, msnA, "s1-t1-0004", epayment.EventCreated)
		if refs, _ := feedRefs(t, st, "t1", 0, 100); !slices.Equal(refs, []string{"s1-t1-0004/CREATED"}) {
			t.Fatalf("re-added till sees %v", refs)
		}
	}},
	{"prefixes that are not whole tokens", func(t *testing.T, open func() Backend) {
		st := open()
		defer st.Close()
		st.AddTill("t1", msnA, "ab1")
		st.AddTill("t2", msnA, "ab2-x-")
		for _, ref := range []string{"ab1-0001", "ab1x0002", "ab2-x-0003", "ab2-y-0004", "ab10005", "ab1--weird"} {
			appendEv(t, st, msnA, ref, epayment.EventCreated)
		}
		if refs, _ := feedRefs(t, st, "t1", 0, 100); !slices.Equal(refs, []string{"ab1-0001/CREATED", "ab1x0002/CREATED", "ab10005/CREATED", "ab1--weird/CREATED"}) {
			t.Errorf("t1 (ab1) sees %v", refs)
		}
		if refs, _ := feedRefs(t, st, "t2", 0, 100); !slices.Equal(refs, []string{"ab2-x-0003/CREATED"}) {
			t.Errorf("t2 (ab2-x-) sees %v", refs)
		}
	}},
	{"registrations", func(t *testing.T, open func() Backend) {
		st := open()
		defer st.Close()
		if err := st.AddRegistration(msnA, "r1", "s1", "https://r/1"); err != nil {
			t.Fatal(err)
		}
		st.AddRegistration(msnA, "r2", "s2", "https://r/2")
		st.AddRegistration(msnB, "r3", "s3", "https://r/3")
		if err := st.AddRegistration(msnA, "", "s", "u"); err == nil {
			t.Error("registration without id taken")
		}
		if got := st.RegistrationsFor(msnA); len(got) != 2 {
			t.Fatalf("for A: %+v", got)
		}
		if err := st.RemoveRegistration("r1"); err != nil {
			t.Fatal(err)
		}
		if err := st.RemoveRegistration("r1"); !errors.Is(err, ErrNoRegistration) {
			t.Errorf("remove twice: %v", err)
		}
		st.Close()
		st = open()
		got := st.RegistrationsFor(msnA)
		if len(got) != 1 || got[0].ID != "r2" || got[0].Secret != "s2" || got[0].URL != "https://r/2" || len(st.Registrations()) != 2 {
			t.Fatalf("after reopen: %+v", st.Registrations())
		}
	}},
	{"receipts", func(t *testing.T, open func() Backend) {
		st := open()
		defer st.Close()
		doc := ReceiptDoc{ShopName: "Butikk", Number: "42", Time: time.Now().UTC().Truncate(time.Second), Currency: "NOK",
			Lines: []ReceiptLine{{Name: "Kaffe", Qty: "1", Amount: 3500}}, Total: 3500}
		id, err := st.SaveReceipt(ctxb, "t1", doc, time.Now())
		if err != nil || id == "" {
			t.Fatal(err)
		}
		again, err := st.SaveReceipt(ctxb, "t1", doc, time.Now())
		if err != nil || again != id {
			t.Errorf("same receipt again: %q, %v; want %q", again, err, id)
		}
		other, _ := st.SaveReceipt(ctxb, "t2", doc, time.Now())
		if other == id {
			t.Error("another till's receipt got the same id")
		}
		got, err := st.Receipt(ctxb, id)
		if err != nil || got.ShopName != "Butikk" || got.Total != 3500 || !got.Time.Equal(doc.Time) {
			t.Fatalf("Receipt = %+v, %v", got, err)
		}
		if _, err := st.Receipt(ctxb, "nope"); !errors.Is(err, ErrNoReceipt) {
			t.Errorf("unknown receipt: %v", err)
		}
	}},
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
