package saft

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/fiscal"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/payments/epayment"
)

const xsd = "testdata/Norwegian_SAF-T_Cash_Register_Schema_v_1.00.xsd"

// validate runs xmllint against the official schema.
func validate(t *testing.T, path string) {
	t.Helper()
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Skip("xmllint not installed (apt-get install libxml2-utils; scripts/deps.sh --with-tools): cannot check the file against the XSD")
	}
	out, err := exec.Command("xmllint", "--noout", "--schema", xsd, path).CombinedOutput()
	if err != nil {
		t.Fatalf("xmllint: %v\n%s", err, out)
	}
}

func TestSchemaCheckCanFail(t *testing.T) {
	// The official example validates, and the same file with one required
	// element removed does not: the check above is a real check.
	validate(t, "testdata/ExampleFile_SAF-T_Cash_Register_999999999_20210330104000.xml")
	b, err := os.ReadFile("testdata/saft-cashregister-kasse-example.xml")
	if err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(t.TempDir(), "broken.xml")
	if err := os.WriteFile(broken, bytes.Replace(b, []byte("<keyVersion>test-1</keyVersion>"), nil, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command("xmllint", "--noout", "--schema", xsd, broken).Run(); err == nil {
		t.Fatal("xmllint accepted a transaction without keyVersion")
	}
}

var (
	shirt = basket.Line{ProductID: "shirt", Name: "T-skjorte", UnitPrice: 12500, VATRate: 2500, Quantity: 1}
	bread = basket.Line{ProductID: "bread", Name: "Brød", UnitPrice: 5750, VATRate: 1500, Quantity: 1}
	bag   = basket.Line{ProductID: "bag", Name: "Bærepose", UnitPrice: 250, VATRate: 2500, Quantity: 3}
)

// The till's clock: 2030-03-01 from 09:00 Oslo time (08:00 UTC), 7 s a record.
// openJournal opens a journal in dir on the test clock, closed when the
// test ends.
func openJournal(t *testing.T, dir string) *journal.Journal {
	t.Helper()
	j, err := journal.Open(filepath.Join(dir, "kasse.db"), journal.Options{Timeout: time.Second, Now: clock(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// exportDay exports the test clock's day into dir, checks the file against
// the XSD and reads it back; path is the file.
func exportDay(t *testing.T, j *journal.Journal, dir string) (af AuditFile, path string) {
	t.Helper()
	path, err := Export(context.Background(), j, shop, "2030-03-01", "2030-03-01", dir, time.Date(2030, 3, 2, 7, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	validate(t, path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(b, &af); err != nil {
		t.Fatal(err)
	}
	return af, path
}

func clock() func() time.Time {
	t := time.Date(2030, 3, 1, 8, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(7 * time.Second); return t }
}

func must(t *testing.T, j *journal.Journal, recs ...journal.Record) []journal.Record {
	t.Helper()
	out, err := j.Append(recs...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sell journals a sale as app/checkout writes it: opened, lines (with a
// correction), customer, number, createPayment intent, the states through
// capture, and the printed receipt.
func sell(t *testing.T, j *journal.Journal, ref string, correct bool, lines ...basket.Line) uint64 {
	t.Helper()
	recs := []journal.Record{{Kind: journal.KindSaleOpened, Cashier: "kari", Opened: &journal.Opened{POSID: "KASSE-1", Currency: "NOK"}}}
	var b basket.Basket
	for _, l := range lines {
		add := l
		if correct {
			add.Quantity = l.Quantity + 2
		}
		recs = append(recs, journal.Record{Kind: journal.KindLineAdded, Cashier: "kari", Line: &journal.LineEdit{Line: add}})
		if correct {
			recs = append(recs, journal.Record{Kind: journal.KindLineChanged, Cashier: "kari", Line: &journal.LineEdit{Line: l, Before: add.Quantity}})
		}
		b.Lines = append(b.Lines, l)
	}
	recs = append(recs,
		journal.Record{Kind: journal.KindCustomer, Customer: &journal.CustomerData{MSISDN: "4791234567", Masked: "xxx 34 567"}},
		journal.Record{Kind: journal.KindSaleNumbered, Numbered: &journal.Numbered{}})
	id := must(t, j, recs...)[0].Sale
	total := b.Totals().Gross
	must(t, j,
		journal.Record{Kind: journal.KindIntent, Sale: id, Ref: ref, Intent: &journal.Intent{Action: journal.ActCreate, Key: ref + "-create", Amount: total,
			Request: &epayment.CreatePaymentRequest{Reference: ref, Amount: epayment.Amount{Currency: "NOK", Value: total}}}},
		journal.Record{Kind: journal.KindAnswer, Sale: id, Ref: ref, Answer: &journal.Answer{Action: journal.ActCreate, OK: true}},
		journal.Record{Kind: journal.KindState, Sale: id, Ref: ref, State: &journal.StateChange{State: journal.StateRequested}},
		journal.Record{Kind: journal.KindState, Sale: id, Ref: ref, State: &journal.StateChange{State: journal.StateAuthorized}},
		journal.Record{Kind: journal.KindState, Sale: id, Ref: ref, State: &journal.StateChange{State: journal.StateCapturing}},
		journal.Record{Kind: journal.KindAnswer, Sale: id, Ref: ref, Answer: &journal.Answer{Action: journal.ActCapture, OK: true, Captured: total, PSPReference: "psp-" + ref}},
		journal.Record{Kind: journal.KindState, Sale: id, Ref: ref, State: &journal.StateChange{State: journal.StateCaptured}})
	return id
}

type till struct {
	j     *journal.Journal
	keys  *fiscal.KeyStore
	sign  *fiscal.Signer
	dir   string
	sales []uint64
}

// aDay journals a day at the till: two sales (one with a line correction and
// a copy receipt), a refund of one item, a cleared basket, and the Z report;
// every completed transaction is signed as it completes.
func aDay(t *testing.T) *till {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	j := openJournal(t, dir)
	keys, err := fiscal.OpenKeys(filepath.Join(dir, "fiscal"))
	if err != nil {
		t.Fatal(err)
	}
	clk := clock()
	tl := &till{j: j, keys: keys, sign: fiscal.NewSigner(j, keys, clk), dir: dir}
	signed := func(id uint64) {
		if _, err := tl.sign.Sign(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	s1 := sell(t, j, "kasse-1-000001", true, shirt, bag)
	signed(s1)
	must(t, j, journal.Record{Kind: journal.KindPrinted, Sale: s1, Ref: "kasse-1-000001", Print: &journal.PrintData{Device: "virtual:"}},
		journal.Record{Kind: journal.KindCopy, Sale: s1, Ref: "kasse-1-000001", Print: &journal.PrintData{Copy: true}})
	s2 := sell(t, j, "kasse-1-000002", false, bread)
	signed(s2)
	must(t, j, journal.Record{Kind: journal.KindReceipt, Sale: s2, Ref: "kasse-1-000002", Print: &journal.PrintData{URL: "https://example.invalid/r/2"}})
	// A refund of the shirt, as app/backoffice journals it.
	must(t, j,
		journal.Record{Kind: journal.KindIntent, Sale: s1, Ref: "kasse-1-000001", Intent: &journal.Intent{Action: journal.ActRefund,
			Key: "kasse-1-000001-refund-1", Amount: 12500, Refund: &journal.RefundData{Reason: "feil størrelse", Lines: []string{"shirt:1"}}}},
		journal.Record{Kind: journal.KindAnswer, Sale: s1, Ref: "kasse-1-000001", Answer: &journal.Answer{Action: journal.ActRefund,
			Key: "kasse-1-000001-refund-1", OK: true, Refunded: 12500}})
	signed(s1)
	// A basket started and cleared (no payment: nothing to sign).
	open := must(t, j, journal.Record{Kind: journal.KindSaleOpened, Opened: &journal.Opened{POSID: "KASSE-1", Currency: "NOK"}},
		journal.Record{Kind: journal.KindLineAdded, Line: &journal.LineEdit{Line: bread}})
	must(t, j, journal.Record{Kind: journal.KindBasketCleared, Sale: open[0].Sale, Note: "1 lines"})
	must(t, j, journal.Record{Kind: journal.KindDayClosed, Note: "Z report printed",
		Day: &journal.DayData{Closed: "2030-03-01", Next: "2030-03-02", Report: "Z-RAPPORT nr 1\nSalg 150,00\nRetur -125,00"}})
	tl.sales = []uint64{s1, s2}
	return tl
}

var shop = Config{OrgNumber: "999999999", VATRegistered: true, CompanyName: "Eksempelbutikken AS",
	Address: Address{Street: "Storgata 1", PostalCode: "0001", City: "Oslo"}, RegisterID: "KASSE-1",
	RegisterDesc: "Kasse with Vipps MobilePay", SoftwareVersion: "test"}

func TestExportValidatesAndVerifies(t *testing.T) {
	tl := aDay(t)
	created := time.Date(2030, 3, 2, 7, 0, 0, 0, time.UTC)
	path, err := Export(context.Background(), tl.j, shop, "2030-03-01", "2030-03-01", tl.dir, created)
	if err != nil {
		t.Fatal(err)
	}
	if got := filepath.Base(path); got != "SAF-T Cash Register_999999999_20300302080000_1.xml" {
		t.Errorf("file name %q", got)
	}
	validate(t, path)

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var af AuditFile
	if err := xml.Unmarshal(b, &af); err != nil {
		t.Fatal(err)
	}
	reg := af.Company.Locations[0].CashRegisters[0]
	if len(reg.Transactions) != 3 {
		t.Fatalf("%d transactions, want 3 (two sales, one return)", len(reg.Transactions))
	}
	// shirt 125.00 + 3 bags 7.50; bread 57.50; the shirt back.
	want := []struct{ nr, typ, in, ex, tp, ref string }{
		{"1", TransSale, "132.50", "106.00", "C", ""},
		{"2", TransSale, "57.50", "50.00", "C", ""},
		{"3", TransReturn, "-125.00", "-100.00", "D", "1"},
	}
	for i, w := range want {
		ct := reg.Transactions[i]
		if ct.Nr != w.nr || ct.TransType != w.typ || ct.TransAmntIn != w.in || ct.TransAmntEx != w.ex || ct.AmntTp != w.tp || ct.RefID != w.ref {
			t.Errorf("transaction %d: %s %s %s/%s %s ref %q", i+1, ct.Nr, ct.TransType, ct.TransAmntIn, ct.TransAmntEx, ct.AmntTp, ct.RefID)
		}
		if ct.Payments[0].PaymentType != PayVipps || ct.Payments[0].PaidAmnt != w.in || ct.EmpID != "kari" {
			t.Errorf("transaction %d: payment %+v, employee %q", i+1, ct.Payments[0], ct.EmpID)
		}
		if len(totals(ct, mustAmount(t, ct.TransAmntIn), mustAmount(t, ct.TransAmntEx))) != 0 {
			t.Errorf("transaction %d: %v", i+1, totals(ct, mustAmount(t, ct.TransAmntIn), mustAmount(t, ct.TransAmntEx)))
		}
	}
	if c := reg.Transactions[0]; c.ReceiptNum != 1 || c.ReceiptCopyNum != 1 || c.Vat[0].VatCode != "3" {
		t.Errorf("sale 1: receipts %d, copies %d, VAT %+v", c.ReceiptNum, c.ReceiptCopyNum, c.Vat)
	}
	if c := reg.Transactions[1]; c.Vat[0].VatCode != "31" || c.Lines[0].ArtGroupID != "04006" {
		t.Errorf("sale 2: VAT %+v, group %s", c.Vat, c.Lines[0].ArtGroupID)
	}
	var types []string
	for _, e := range reg.Events {
		types = append(types, e.EventType)
	}
	// Two line corrections of sale 1 (shirt 3→1, bags 5→3), its receipt and
	// copy, sale 2's electronic receipt, the cleared basket, the Z report.
	wantTypes := []string{EventLineCorr, EventLineCorr, EventReceipt, EventCopy, EventReceipt, EventBasketVoid, EventZReport}
	if strings.Join(types, " ") != strings.Join(wantTypes, " ") {
		t.Errorf("events %v\n  want %v", types, wantTypes)
	}
	if !strings.Contains(reg.Events[len(reg.Events)-1].EventText, "Z-RAPPORT nr 1") {
		t.Errorf("the Z report's text is not in its event: %q", reg.Events[len(reg.Events)-1].EventText)
	}

	rep, err := Verify(path, tl.keys.Public)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Registers[0].Verified != 3 {
		t.Fatalf("verify:\n%s", rep)
	}
	// The signatures also hold in the journal itself.
	if err := fiscal.VerifyJournal(tl.j, tl.keys.Public); err != nil {
		t.Fatal(err)
	}
}

func mustAmount(t *testing.T, s string) int64 {
	t.Helper()
	v, err := fiscal.ParseAmount(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerifyFindsAnEditedOrMissingTransaction(t *testing.T) {
	tl := aDay(t)
	path, err := Export(context.Background(), tl.j, shop, "2030-03-01", "2030-03-01", tl.dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Sale 2's amount lowered, consistently in every place the verifier sums.
	edited := bytes.ReplaceAll(b, []byte("57.50"), []byte("47.50"))
	edited = bytes.ReplaceAll(edited, []byte("<transAmntEx>50.00<"), []byte("<transAmntEx>41.30<"))
	// Transaction 2 removed.
	i := bytes.Index(b, []byte("<cashtransaction>\n\t\t\t\t\t<nr>2</nr>"))
	k := bytes.Index(b[i:], []byte("</cashtransaction>")) + len("</cashtransaction>")
	deleted := append(append([]byte(nil), b[:i]...), b[i+k:]...)
	for name, c := range map[string]struct {
		data []byte
		nr   string
	}{"edited": {edited, "2"}, "deleted": {deleted, "3"}} {
		rep, err := Verify(write(name+".xml", c.data), tl.keys.Public)
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK() {
			t.Errorf("%s: verified", name)
			continue
		}
		found := false
		for _, p := range rep.Registers[0].Problems {
			found = found || strings.Contains(p, "signature of transaction nr "+c.nr+" ")
		}
		if !found {
			t.Errorf("%s: want a signature problem at nr %s, got %q", name, c.nr, rep.Registers[0].Problems)
		}
	}
	// A line that no longer adds up is a totals problem, even with the
	// signed amounts untouched.
	lines := bytes.Replace(b, []byte("<lineAmntIn>125.00</lineAmntIn>"), []byte("<lineAmntIn>120.00</lineAmntIn>"), 1)
	rep, err := Verify(write("lines.xml", lines), tl.keys.Public)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || !strings.Contains(strings.Join(rep.Registers[0].Problems, "\n"), "lines incl. VAT add up to") {
		t.Errorf("a line that does not add up: %s", rep)
	}
}

func TestVerifyThePacksExample(t *testing.T) {
	// A file Kasse did not write: the reference pack's, signed with openssl.
	keys, err := fiscal.PublicKeyFile("testdata/test-public-key-1024.pem")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify("testdata/saft-cashregister-kasse-example.xml", keys)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Registers[0].Verified != 3 {
		t.Fatalf("%s", rep)
	}
}

func TestExportEmptyPeriod(t *testing.T) {
	tl := aDay(t)
	// Nothing after 1 March: an empty but valid file.
	path, err := Export(context.Background(), tl.j, shop, "2030-03-02", "2030-03-31", tl.dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	validate(t, path)
	rep, err := Verify(path, tl.keys.Public)
	if err != nil || !rep.OK() || rep.Registers[0].Transactions != 0 {
		t.Fatalf("%v %s", err, rep)
	}
	// The same name twice (same second): the first file is kept.
	created := time.Date(2030, 4, 1, 8, 0, 0, 0, time.UTC)
	if _, err := Export(context.Background(), tl.j, shop, "2030-03-01", "2030-03-01", tl.dir, created); err != nil {
		t.Fatal(err)
	}
	if _, err := Export(context.Background(), tl.j, shop, "2030-03-02", "2030-03-02", tl.dir, created); err == nil {
		t.Fatal("overwrote an export")
	}
}

func TestVerifyAFileThatStartsInsideTheChain(t *testing.T) {
	tl := aDay(t)
	path, err := Export(context.Background(), tl.j, shop, "2030-03-01", "2030-03-01", tl.dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Without transaction 1 (as in a period that starts after it) the file
	// is checked from transaction 2's signature on.
	i := bytes.Index(b, []byte("<cashtransaction>"))
	k := bytes.Index(b[i:], []byte("</cashtransaction>")) + len("</cashtransaction>")
	later := filepath.Join(t.TempDir(), "later.xml")
	if err := os.WriteFile(later, append(append([]byte(nil), b[:i]...), b[i+k:]...), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(later, tl.keys.Public)
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Registers[0]
	if !rep.OK() || !c.StartsMidChain || c.Transactions != 2 || c.Verified != 1 {
		t.Fatalf("%+v\n%s", c, rep)
	}
}

func TestExportRefusesUnsignedTransactions(t *testing.T) {
	tl := aDay(t)
	sell(t, tl.j, "kasse-1-000003", false, bread) // captured, never signed
	_, err := Build(context.Background(), tl.j, shop, "2030-03-01", "2030-03-01", time.Now())
	if !errors.Is(err, ErrUnsigned) {
		t.Fatalf("got %v, want ErrUnsigned", err)
	}
}

func TestExportRefusesBadConfig(t *testing.T) {
	tl := aDay(t)
	for name, c := range map[string]Config{
		"org number": {OrgNumber: "12345", CompanyName: "X", RegisterID: "1"},
		"no name":    {OrgNumber: "999999999", RegisterID: "1"},
		"no till":    {OrgNumber: "999999999", CompanyName: "X"},
		"bad group":  {OrgNumber: "999999999", CompanyName: "X", RegisterID: "1", ArticleGroups: map[string]string{"shirt": "04998"}},
	} {
		if _, err := Build(context.Background(), tl.j, c, "2030-03-01", "2030-03-01", time.Now()); err == nil {
			t.Errorf("%s: exported", name)
		}
	}
	if _, err := Build(context.Background(), tl.j, shop, "2030-03-02", "2030-03-01", time.Now()); err == nil {
		t.Error("a period that ends before it starts: exported")
	}
}
