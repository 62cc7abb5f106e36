package relay

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ReceiptDoc is a finished receipt as the till uploads it and the customer's
// phone shows it. Amounts are minor units (øre, cents) of Currency.
type ReceiptDoc struct {
	ShopName    string `json:"shopName"`
	ShopAddress string `json:"shopAddress,omitempty"`
	OrgNumber   string `json:"orgNumber,omitempty"`
	// Number is the till's receipt number; a till uploading the same number
	// twice (a retry) gets the same URL back.
	Number   string        `json:"number"`
	Time     time.Time     `json:"time"`
	Currency string        `json:"currency"`
	Lines    []ReceiptLine `json:"lines"`
	VAT      []ReceiptVAT  `json:"vat,omitempty"`
	Total    int64         `json:"total"`
	// PaymentMethod names how it was paid ("Vipps", "MobilePay").
	PaymentMethod    string `json:"paymentMethod,omitempty"`
	PaymentReference string `json:"paymentReference,omitempty"`
	Footer           string `json:"footer,omitempty"`
	// Register is the cash point's id. Return marks a return receipt of
	// sales receipt Of; Training a receipt of training mode.
	Register string `json:"register,omitempty"`
	Return   bool   `json:"return,omitempty"`
	Of       string `json:"of,omitempty"`
	Training bool   `json:"training,omitempty"`
	// Lang is the receipt's language (BCP 47, e.g. "da") and Labels its
	// words, as the till's translations say them; a receipt without them (an
	// older till) shows in Norwegian.
	Lang   string         `json:"lang,omitempty"`
	Labels *ReceiptLabels `json:"labels,omitempty"`
}

// ReceiptLabels are the fixed words of the receipt page.
type ReceiptLabels struct {
	Receipt   string `json:"receipt"`
	OrgNumber string `json:"orgNumber"`
	Total     string `json:"total"`
	VATRate   string `json:"vatRate"`
	Net       string `json:"net"`
	VAT       string `json:"vat"`
	PaidWith  string `json:"paidWith"`
	Reference string `json:"reference"`
	// The kind of receipt, as the Norwegian rules name it, and the cash
	// point's word.
	SalesReceipt  string `json:"salesReceipt,omitempty"`
	ReturnReceipt string `json:"returnReceipt,omitempty"`
	ReturnOf      string `json:"returnOf,omitempty"`
	Training      string `json:"training,omitempty"`
	TrainingNote  string `json:"trainingNote,omitempty"`
	Register      string `json:"register,omitempty"`
}

// norwegian are the page's words for a receipt that brings none.
var norwegian = ReceiptLabels{Receipt: "Kvittering", OrgNumber: "Org.nr.", Total: "Totalt", VATRate: "MVA-sats",
	Net: "Grunnlag", VAT: "MVA", PaidWith: "Betalt med", Reference: "Ref.",
	SalesReceipt: "Elektronisk salgskvittering", ReturnReceipt: "Elektronisk returkvittering", ReturnOf: "Retur av kvittering",
	Training: "TRENINGSKVITTERING", TrainingNote: "Treningsmodus – ikke gyldig kvittering", Register: "Kasse"}

// page is what the receipt template reads: the document and its words.
type page struct {
	*ReceiptDoc
	Lang string
	L    ReceiptLabels
}

func pageOf(d *ReceiptDoc) page {
	p := page{ReceiptDoc: d, Lang: "nb", L: norwegian}
	if d.Lang != "" && validLang(d.Lang) {
		p.Lang = d.Lang
	}
	if d.Labels != nil {
		p.L = *d.Labels
		// Words an older till does not send stay Norwegian.
		for _, f := range []struct {
			got *string
			nb  string
		}{
			{&p.L.SalesReceipt, norwegian.SalesReceipt}, {&p.L.ReturnReceipt, norwegian.ReturnReceipt},
			{&p.L.ReturnOf, norwegian.ReturnOf}, {&p.L.Training, norwegian.Training},
			{&p.L.TrainingNote, norwegian.TrainingNote}, {&p.L.Register, norwegian.Register},
		} {
			if *f.got == "" {
				*f.got = f.nb
			}
		}
	}
	return p
}

// validLang accepts a plain BCP 47 tag ("nb", "da", "pt-BR"): it goes into
// the page's lang attribute.
func validLang(s string) bool {
	if len(s) < 2 || len(s) > 12 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// ReceiptLine is one line: Qty is text so that weighed goods ("0.350 kg") fit.
type ReceiptLine struct {
	Name       string `json:"name"`
	Qty        string `json:"qty"`
	Amount     int64  `json:"amount"` // line total, VAT included
	VATPercent int    `json:"vatPercent,omitempty"`
}

// ReceiptVAT is the VAT of one rate: Base excludes VAT, Amount is the VAT.
type ReceiptVAT struct {
	// Rate is the rate as shown ("25,5 %"); receipts from before it have
	// only Percent, a whole percent.
	Rate    string `json:"rate,omitempty"`
	Percent int    `json:"percent"`
	Base    int64  `json:"base"`
	Amount  int64  `json:"amount"`
}

// Limits of an uploaded receipt.
const (
	maxReceiptLines = 500
	maxReceiptText  = 500
)

func (d *ReceiptDoc) validate() error {
	texts := []string{d.ShopName, d.ShopAddress, d.OrgNumber, d.Number, d.Currency, d.PaymentMethod, d.PaymentReference, d.Footer}
	if l := d.Labels; l != nil {
		texts = append(texts, l.Receipt, l.OrgNumber, l.Total, l.VATRate, l.Net, l.VAT, l.PaidWith, l.Reference)
	}
	if d.Lang != "" && !validLang(d.Lang) {
		return errors.New("lang: want a language tag such as nb or da")
	}
	for _, l := range d.Lines {
		texts = append(texts, l.Name, l.Qty)
	}
	for _, t := range texts {
		if len(t) > maxReceiptText {
			return fmt.Errorf("a text is over %d bytes", maxReceiptText)
		}
	}
	switch {
	case d.ShopName == "":
		return errors.New("shopName is empty")
	case d.Number == "":
		return errors.New("number is empty")
	case d.Time.IsZero():
		return errors.New("time is missing")
	case len(d.Currency) != 3:
		return errors.New("currency: want an ISO 4217 code")
	case len(d.Lines) == 0 || len(d.Lines) > maxReceiptLines:
		return fmt.Errorf("want 1 to %d lines", maxReceiptLines)
	}
	return nil
}

type receiptRecord struct {
	Till    string     `json:"till"`
	Created time.Time  `json:"created"`
	Doc     ReceiptDoc `json:"doc"`
}

func newReceiptID() string {
	b := make([]byte, 16) // 128 bits: unguessable, and 22 characters in a QR
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// SaveReceipt stores a till's receipt and returns its id; the same till and
// receipt number give the id stored before.
func (s *Store) SaveReceipt(_ context.Context, till string, doc ReceiptDoc, now time.Time) (string, error) {
	v, err := json.Marshal(receiptRecord{Till: till, Created: now.UTC(), Doc: doc})
	if err != nil {
		return "", err
	}
	idx := []byte(till + "\x00" + doc.Number)
	var id string
	err = s.db.Update(func(tx *bolt.Tx) error {
		keys := tx.Bucket(bucketReceiptKeys)
		if old := keys.Get(idx); old != nil && tx.Bucket(bucketReceipts).Get(old) != nil {
			id = string(old)
			return nil
		}
		id = newReceiptID()
		if err := tx.Bucket(bucketReceipts).Put([]byte(id), v); err != nil {
			return err
		}
		return keys.Put(idx, []byte(id))
	})
	if err != nil {
		return "", fmt.Errorf("relay: store receipt: %w", err)
	}
	return id, nil
}

// Receipt returns a stored receipt.
func (s *Store) Receipt(_ context.Context, id string) (ReceiptDoc, error) {
	var rec receiptRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketReceipts).Get([]byte(id))
		if v == nil {
			return ErrNoReceipt
		}
		return json.Unmarshal(v, &rec)
	})
	if err != nil {
		return ReceiptDoc{}, fmt.Errorf("relay: receipt: %w", err)
	}
	return rec.Doc, nil
}

// pruneReceiptKeys drops index entries whose receipt is gone.
func pruneReceiptKeys(tx *bolt.Tx) error {
	keys, recs := tx.Bucket(bucketReceiptKeys), tx.Bucket(bucketReceipts)
	var dead [][]byte
	if err := keys.ForEach(func(k, v []byte) error {
		if recs.Get(v) == nil {
			dead = append(dead, bytes.Clone(k))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range dead {
		if err := keys.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// ReceiptUploaded is the answer to a receipt upload.
type ReceiptUploaded struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

func (s *Server) handleReceiptUpload(w http.ResponseWriter, r *http.Request) {
	till := s.store.TillByToken(bearer(r))
	if till == nil {
		s.log.Warn("receipt refused", "reason", "bad token", "remote", r.RemoteAddr)
		s.unauthorized(w)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxReceiptBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "receipt too large or unreadable")
		return
	}
	var doc ReceiptDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		writeError(w, http.StatusBadRequest, "receipt is not JSON")
		return
	}
	if err := doc.validate(); err != nil {
		writeError(w, http.StatusBadRequest, "receipt: "+err.Error())
		return
	}
	id, err := s.store.SaveReceipt(r.Context(), till.Name, doc, s.now())
	if err != nil {
		s.log.Error("receipt not stored", "till", till.Name, "err", err)
		writeError(w, http.StatusServiceUnavailable, "not stored, retry")
		return
	}
	s.log.Info("receipt stored", "till", till.Name, "number", doc.Number)
	writeJSON(w, http.StatusCreated, ReceiptUploaded{ID: id, URL: strings.TrimRight(s.cfg.ReceiptBaseURL, "/") + PathReceiptPage + "/" + id})
}

func (s *Server) handleReceiptPage(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// The page needs nothing from elsewhere and shows nothing to anyone else.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Type", "text/html; charset=utf-8")
	id := r.PathValue("id")
	doc, err := s.store.Receipt(r.Context(), id)
	if err != nil {
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNotFound)
		receiptTmpl.ExecuteTemplate(w, "missing", nil)
		return
	}
	h.Set("Cache-Control", "private, max-age=300")
	var buf bytes.Buffer
	if err := receiptTmpl.ExecuteTemplate(&buf, "receipt", pageOf(&doc)); err != nil {
		s.log.Error("render receipt", "err", err)
		http.Error(w, "cannot show the receipt", http.StatusInternalServerError)
		return
	}
	w.Write(buf.Bytes())
}

// formatMinor writes minor units the Nordic way: 1 234,50 (Danish kroner:
// 1.234,50).
func formatMinor(v int64, currency string) string {
	sep := '\u00a0'
	if currency == "DKK" {
		sep = '.'
	}
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	whole, frac := v/100, v%100
	s := fmt.Sprint(whole)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune(sep)
		}
		b.WriteRune(c)
	}
	return fmt.Sprintf("%s%s,%02d", sign, b.String(), frac)
}

var receiptTmpl = template.Must(template.New("receipt").Funcs(template.FuncMap{
	"money": formatMinor,
	"when":  func(t time.Time) string { return t.Format("2006-01-02 15:04") },
}).Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.ShopName}} – {{.L.Receipt}} {{.Number}}</title>
<style>
body{font:16px/1.4 system-ui,-apple-system,sans-serif;margin:0;background:#f4f4f4;color:#111}
main{max-width:28rem;margin:0 auto;background:#fff;padding:1.25rem;min-height:100vh;box-sizing:border-box}
h1{font-size:1.3rem;margin:0}
.kind{font-size:1.5rem;font-weight:700;margin:.75rem 0 .25rem}
.muted{color:#555;font-size:.9rem}
table{width:100%;border-collapse:collapse;margin:1rem 0}
td{padding:.3rem 0;vertical-align:top}
td.n{text-align:right;white-space:nowrap;padding-left:.75rem}
tr.total td{border-top:2px solid #111;font-weight:700;font-size:1.15rem;padding-top:.5rem}
.vat td{font-size:.9rem;color:#555}
footer{margin-top:1.5rem;font-size:.9rem;color:#555}
</style></head>
<body><main>
<h1>{{.ShopName}}</h1>
{{with .ShopAddress}}<div class="muted">{{.}}</div>{{end}}
{{with .OrgNumber}}<div class="muted">{{$.L.OrgNumber}} {{.}}</div>{{end}}
{{if .Training}}<p class="kind">{{.L.Training}}</p><p>{{.L.TrainingNote}}</p>{{else if .Return}}<p class="kind">{{.L.ReturnReceipt}}</p>{{else}}<p class="kind">{{.L.SalesReceipt}}</p>{{end}}
<p class="muted">{{.L.Receipt}} {{.Number}} · {{when .Time}}{{with .Register}} · {{$.L.Register}} {{.}}{{end}}</p>
{{if and .Return .Of}}<p class="muted">{{.L.ReturnOf}} {{.Of}}</p>{{end}}
<table>
{{range .Lines}}<tr><td>{{.Name}}{{if and .Qty (ne .Qty "1")}} × {{.Qty}}{{end}}</td><td class="n">{{money .Amount $.Currency}}</td></tr>
{{end}}<tr class="total"><td>{{.L.Total}} {{.Currency}}</td><td class="n">{{money .Total $.Currency}}</td></tr>
</table>
{{if .VAT}}<table class="vat"><tr><td>{{.L.VATRate}}</td><td class="n">{{.L.Net}}</td><td class="n">{{.L.VAT}}</td></tr>
{{range .VAT}}<tr><td>{{if .Rate}}{{.Rate}}{{else}}{{.Percent}} %{{end}}</td><td class="n">{{money .Base $.Currency}}</td><td class="n">{{money .Amount $.Currency}}</td></tr>
{{end}}</table>{{end}}
{{if .PaymentMethod}}<p>{{.L.PaidWith}} {{.PaymentMethod}}{{with .PaymentReference}}<br><span class="muted">{{$.L.Reference}} {{.}}</span>{{end}}</p>{{end}}
{{with .Footer}}<footer>{{.}}</footer>{{end}}
</main></body></html>
{{define "missing"}}<!doctype html><html lang="nb"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>Fant ikke kvitteringen</title></head>
<body style="font:16px system-ui,sans-serif;padding:1.5rem"><p>Fant ikke kvitteringen. Den kan være slettet etter oppbevaringstiden.</p><p lang="en">Receipt not found.</p></body></html>{{end}}`))
