package fiscal

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// 2030-01-02 09:00 UTC is 10:00 in Oslo (winter time).
var t0 = time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC)

func clock() func() time.Time {
	t := t0
	return func() time.Time { t = t.Add(time.Second); return t }
}

func openJournal(t *testing.T, path string) *journal.Journal {
	t.Helper()
	j, err := journal.Open(path, journal.Options{Timeout: time.Second, Now: clock(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func appendAll(t *testing.T, j *journal.Journal, recs ...journal.Record) []journal.Record {
	t.Helper()
	out, err := j.Append(recs...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// capturedSale journals a sale as the till does, up to its capture, and
// returns the sale id.
func capturedSale(t *testing.T, j *journal.Journal, ref string, lines ...basket.Line) uint64 {
	t.Helper()
	recs := []journal.Record{{Kind: journal.KindSaleOpened, Opened: &journal.Opened{POSID: "1", Currency: "NOK"}}}
	var b basket.Basket
	for _, l := range lines {
		recs = append(recs, journal.Record{Kind: journal.KindLineAdded, Line: &journal.LineEdit{Line: l}})
		b.Lines = append(b.Lines, l)
	}
	recs = append(recs,
		journal.Record{Kind: journal.KindCustomer, Customer: &journal.CustomerData{MSISDN: "4791234567", Masked: "xxx 34 567"}},
		journal.Record{Kind: journal.KindSaleNumbered, Numbered: &journal.Numbered{}})
	out := appendAll(t, j, recs...)
	id := out[0].Sale
	total := b.Totals().Gross
	appendAll(t, j,
		journal.Record{Kind: journal.KindIntent, Sale: id, Ref: ref, Intent: &journal.Intent{Action: journal.ActCreate, Key: ref + "-create",
			Amount: total, Request: &epayment.CreatePaymentRequest{Reference: ref, Amount: epayment.Amount{Currency: "NOK", Value: total}}}},
		journal.Record{Kind: journal.KindState, Sale: id, Ref: ref, State: &journal.StateChange{State: journal.StateRequested}},
		journal.Record{Kind: journal.KindState, Sale: id, Ref: ref, State: &journal.StateChange{State: journal.StateAuthorized}},
		journal.Record{Kind: journal.KindState, Sale: id, Ref: ref, State: &journal.StateChange{State: journal.StateCapturing}},
		journal.Record{Kind: journal.KindAnswer, Sale: id, Ref: ref, Answer: &journal.Answer{Action: journal.ActCapture, OK: true, Captured: total}},
		journal.Record{Kind: journal.KindState, Sale: id, Ref: ref, State: &journal.StateChange{State: journal.StateCaptured}})
	return id
}

// refund journals a confirmed refund as app/backoffice does.
func refund(t *testing.T, j *journal.Journal, id uint64, ref, key string, amount int64, lines ...string) {
	t.Helper()
	appendAll(t, j,
		journal.Record{Kind: journal.KindIntent, Sale: id, Ref: ref, Intent: &journal.Intent{Action: journal.ActRefund, Key: key, Amount: amount,
			Refund: &journal.RefundData{Reason: "returned", Lines: lines}}},
		journal.Record{Kind: journal.KindAnswer, Sale: id, Ref: ref, Answer: &journal.Answer{Action: journal.ActRefund, Key: key, OK: true, Refunded: amount}})
}

var (
	shirt = basket.Line{ProductID: "shirt", Name: "T-skjorte", UnitPrice: 12500, VATRate: 2500, Quantity: 2}
	bread = basket.Line{ProductID: "bread", Name: "Brød", UnitPrice: 5750, VATRate: 1500, Quantity: 1}
)

func TestSignerSignsCompletedTransactionsOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "kasse.db")
	j := openJournal(t, path)
	keys, err := OpenKeys(filepath.Join(dir, "fiscal"))
	if err != nil {
		t.Fatal(err)
	}
	sg := NewSigner(j, keys, func() time.Time { return time.Date(2030, 7, 1, 8, 30, 5, 0, time.UTC) })

	// A sale not yet captured has nothing to sign.
	open := appendAll(t, j, journal.Record{Kind: journal.KindSaleOpened, Opened: &journal.Opened{POSID: "1", Currency: "NOK"}})
	if recs, err := sg.Sign(ctx, open[0].Sale); err != nil || len(recs) != 0 {
		t.Fatalf("open sale: %d records, %v", len(recs), err)
	}

	id := capturedSale(t, j, "kasse-1-000001", shirt, bread)
	recs, err := sg.Sign(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 {
		t.Fatalf("%d signatures, want 1", len(recs))
	}
	d := recs[0].Signed
	// 2 × 125.00 at 25 % + 57.50 at 15 %, at the capture's journal time
	// (09:00:17 UTC, 10:00:17 in Oslo in winter), not the signer's clock.
	want := journal.SignedData{Of: OfSale, Nr: "1", Date: "2030-01-02", Time: "10:00:17", AmountIn: 30750, AmountEx: 25000, KeyVersion: "1"}
	d.Signature, want.Signature = "", ""
	if *d != want {
		t.Fatalf("signed %+v\nwant   %+v", *d, want)
	}
	if again, err := sg.Sign(ctx, id); err != nil || len(again) != 0 {
		t.Fatalf("signing again: %d records, %v", len(again), err)
	}

	refund(t, j, id, "kasse-1-000001", "kasse-1-000001-refund-1", 12500, "shirt:1")
	j.Close()

	// After a restart a new Signer continues the chain where the journal ends.
	j = openJournal(t, path)
	defer j.Close()
	sg = NewSigner(j, keys, nil)
	n, err := sg.SignPending(ctx)
	if err != nil || n != 1 {
		t.Fatalf("pending: %d, %v", n, err)
	}
	sale, err := j.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(sale.Signatures) != 2 {
		t.Fatalf("sale has %d signatures", len(sale.Signatures))
	}
	r := sale.Signatures[1]
	if r.Nr != "2" || r.AmountIn != -12500 || r.AmountEx != -10000 || r.Of != OfRefundPrefix+"kasse-1-000001-refund-1" {
		t.Fatalf("refund signature %+v", r)
	}
	if err := VerifyJournal(j, keys.Public); err != nil {
		t.Fatal(err)
	}
	chain, err := JournalChain(j)
	if err != nil {
		t.Fatal(err)
	}
	if SignedString(FirstPrevious, chain[0].Transaction) != "0;2030-01-02;10:00:17;1;307.50;250.00" {
		t.Fatalf("first signed string %q", SignedString(FirstPrevious, chain[0].Transaction))
	}
	// A key that did not sign the chain does not verify it.
	other, err := OpenKeys(filepath.Join(dir, "other"))
	if err != nil {
		t.Fatal(err)
	}
	var ce *ChainError
	if err := VerifyJournal(j, other.Public); !errors.As(err, &ce) || ce.Index != 0 {
		t.Fatalf("foreign key: %v", err)
	}
}

func TestTransactionsAmountRefundSplitsOverVATRates(t *testing.T) {
	j := openJournal(t, filepath.Join(t.TempDir(), "kasse.db"))
	defer j.Close()
	id := capturedSale(t, j, "kasse-1-000001", shirt, bread) // 250.00 at 25 %, 57.50 at 15 %
	refund(t, j, id, "kasse-1-000001", "rf-1", 10000)        // an amount, no lines
	refund(t, j, id, "kasse-1-000001", "rf-2", 5750, "bread:1")
	sale, err := j.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	txs := Transactions(sale)
	if len(txs) != 3 || txs[0].Return || !txs[1].Return || !txs[2].Return {
		t.Fatalf("transactions: %+v", txs)
	}
	for _, c := range txs {
		var in, ex int64
		for _, l := range c.Lines {
			in += l.AmountIn
			ex += l.AmountEx
		}
		if in != c.AmountIn || ex != c.AmountEx {
			t.Errorf("%s: lines %d/%d, totals %d/%d", c.Of, in, ex, c.AmountIn, c.AmountEx)
		}
	}
	// 100.00 of 307.50: 81.30 at 25 % (250/307.50 of it), 18.70 at 15 %.
	amt := txs[1]
	if amt.AmountIn != -10000 || len(amt.Lines) != 2 || amt.Lines[0].AmountIn != -8130 || amt.Lines[1].AmountIn != -1870 {
		t.Fatalf("amount refund lines %+v", amt.Lines)
	}
	named := txs[2]
	if len(named.Lines) != 1 || named.Lines[0].ProductID != "bread" || named.Lines[0].Quantity != -1 || named.AmountEx != -5000 {
		t.Fatalf("line refund %+v", named)
	}
}

func TestNorwayIsOsloTimeWithDaylightSaving(t *testing.T) {
	for utc, want := range map[time.Time]string{
		time.Date(2030, 7, 1, 8, 30, 5, 0, time.UTC):   "2030-07-01 10:30:05", // CEST, UTC+2
		time.Date(2030, 1, 2, 23, 30, 0, 0, time.UTC):  "2030-01-03 00:30:00", // CET, UTC+1: the next day
		time.Date(2030, 3, 31, 0, 59, 59, 0, time.UTC): "2030-03-31 01:59:59", // just before the change
		time.Date(2030, 3, 31, 1, 0, 0, 0, time.UTC):   "2030-03-31 03:00:00", // just after
	} {
		if got := utc.In(Norway).Format(time.DateTime); got != want {
			t.Errorf("%s: %s, want %s", utc, got, want)
		}
	}
}

func TestSignPendingSignsOldestFirst(t *testing.T) {
	dir := t.TempDir()
	j := openJournal(t, filepath.Join(dir, "kasse.db"))
	defer j.Close()
	keys, err := OpenKeys(filepath.Join(dir, "fiscal"))
	if err != nil {
		t.Fatal(err)
	}
	first := capturedSale(t, j, "kasse-1-000001", shirt)
	second := capturedSale(t, j, "kasse-1-000002", bread)
	refund(t, j, first, "kasse-1-000001", "rf-1", 12500, "shirt:1")
	n, err := NewSigner(j, keys, nil).SignPending(context.Background())
	if err != nil || n != 3 {
		t.Fatalf("signed %d, %v", n, err)
	}
	chain, err := JournalChain(j)
	if err != nil {
		t.Fatal(err)
	}
	// The journal lists sales newest first; the chain follows completion.
	want := []int64{25000, 5750, -12500}
	for i, s := range chain {
		if s.Nr != string(rune('1'+i)) || s.AmountIn != want[i] {
			t.Errorf("chain[%d] = nr %s, %d; want nr %d, %d", i, s.Nr, s.AmountIn, i+1, want[i])
		}
	}
	if i := slices.IndexFunc(chain, func(s Signed) bool { return s.AmountIn == 5750 }); i != 1 {
		t.Errorf("sale %d signed at %d", second, i)
	}
	if err := VerifyJournal(j, keys.Public); err != nil {
		t.Fatal(err)
	}
}
