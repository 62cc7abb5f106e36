package station_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo"
	"github.com/kasse-pos/kasse/app/demo/demotest"
	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/app/station"
	"github.com/kasse-pos/kasse/hardware/escpos"
	"github.com/kasse-pos/kasse/payments/contract"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// creates records the createPayment bodies the till sends.
type creates struct {
	mu   sync.Mutex
	reqs []epayment.CreatePaymentRequest
	next http.RoundTripper
}

func (c *creates) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && r.URL.Path == "/epayment/v1/payments" && r.Body != nil {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var req epayment.CreatePaymentRequest
		if err := json.Unmarshal(body, &req); err == nil {
			c.mu.Lock()
			c.reqs = append(c.reqs, req)
			c.mu.Unlock()
		}
	}
	return c.next.RoundTrip(r)
}

func (c *creates) last(t *testing.T) epayment.CreatePaymentRequest {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.reqs) == 0 {
		t.Fatal("no createPayment was sent")
	}
	return c.reqs[len(c.reqs)-1]
}

// A whole sale in each market, against the simulator over loopback HTTP with
// every call checked against the OpenAPI contract: the brand, the currency,
// the phone number's rules, the VAT on the ePayment receipt (Finland's
// 25.5 % as taxRate), the payment description and the receipts, paper and
// phone, in the market's language.
func TestWholeSaleInEachMarket(t *testing.T) {
	for _, c := range []struct {
		market, phone, badPhone, badReason string
		products                           []string
		gross                              int64
		total, brand, currency, desc       string
		paid, paperTitle, pageTotal        string
		lines                              []wantLine
	}{
		{market: "NO", phone: "912 34 567", badPhone: "1234 5678", badReason: "Et norsk mobilnummer har 8 sifre og begynner med 4 eller 9.",
			products: []string{"P001", "P001", "P025"}, gross: 3200*2 + 19900, total: "kr\u00a0263,00", brand: "Vipps", currency: "NOK",
			desc: "Kasse Demo Kafé, kvittering 000001", paid: "Betalt. Takk!", paperTitle: "Salgskvittering", pageTotal: "Totalt NOK",
			lines: []wantLine{{pct: 15, tax: 835}, {pct: 25, tax: 3980}}},
		{market: "DK", phone: "20 12 34 56", badPhone: "0123 4567", badReason: "Et dansk nummer har 8 cifre og begynder ikke med 0 eller 1.",
			products: []string{"P001", "P022", "P022"}, gross: 2800 + 2*14900, total: "326,00\u00a0kr", brand: "MobilePay", currency: "DKK",
			desc: "Kasse Demo Café, kvittering 000001", paid: "Betalt. Tak!", paperTitle: "Kvittering", pageTotal: "I alt DKK",
			lines: []wantLine{{pct: 25, tax: 560}, {pct: 25, tax: 5960}}},
		{market: "FI", phone: "040 123 4567", badPhone: "030 123 456", badReason: "Suomalainen matkapuhelinnumero alkaa 04 tai 050 ja siinä on nollan kanssa 8–11 numeroa.",
			products: []string{"P001", "P001", "P007"}, gross: 2*290 + 1990, total: "25,70\u00a0€", brand: "MobilePay", currency: "EUR",
			desc: "Kasse Demo Kahvila, kuitti 000001", paid: "Maksettu. Kiitos!", paperTitle: "Kuitti", pageTotal: "Yhteensä EUR",
			// 5,80 at 13.5 %: net 5,11, VAT 0,69; 19,90 at 25.5 %: net 15,86, VAT 4,04.
			lines: []wantLine{{rate: 1350, tax: 69}, {rate: 2550, tax: 404}}},
	} {
		t.Run(c.market, func(t *testing.T) {
			d, err := demo.Start(context.Background(), demo.Options{DataDir: t.TempDir(), ApproveDelay: 100 * time.Millisecond,
				ExpireAfter: time.Minute, Market: c.market, Logger: demotest.Quiet})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(d.Close)
			cfg := d.Config
			cfg.PollInterval, cfg.EventGrace = station.Duration(200*time.Millisecond), station.Duration(2*time.Second)
			rec := &creates{next: contract.Transport(nil, t.Errorf)}
			st, err := station.Start(context.Background(), cfg, station.Options{Logger: demotest.Quiet, ResetRelayCursor: true,
				HTTPClient: &http.Client{Transport: rec, Timeout: 5 * time.Second}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(st.Close)
			till := st.Till
			// The demo follows the computer's language; the market's is set here.
			till.SetLanguage(st.Market.Language, "")
			if st.Market.Brand != c.brand || till.View().Brand != c.brand {
				t.Errorf("brand = %q / %q, want %q", st.Market.Brand, till.View().Brand, c.brand)
			}

			// An open item may carry any of the market's current rates.
			offered := map[money.Rate]bool{}
			for _, r := range till.VATRates() {
				offered[r] = true
			}
			for _, r := range st.Market.VATRates {
				if !offered[r] {
					t.Errorf("open items are not offered %s %%: %v", r, till.VATRates())
				}
			}
			if err := till.SetCustomer(c.badPhone); err == nil {
				t.Errorf("%s accepted as a %s number", c.badPhone, c.market)
			} else if got := till.View().CustomerError; got != c.badReason {
				t.Errorf("bad number says %q, want %q", got, c.badReason)
			}
			for _, id := range c.products {
				if err := till.AddProduct(id); err != nil {
					t.Fatal(err)
				}
			}
			if err := till.SetCustomer(c.phone); err != nil {
				t.Fatalf("%s refused: %v", c.phone, err)
			}
			v := till.View()
			if v.Totals.Gross != c.gross || v.Currency != c.currency || st.Market.Money(v.Totals.Gross) != c.total {
				t.Errorf("basket %d %s (%s), want %d %s (%s)", v.Totals.Gross, v.Currency, st.Market.Money(v.Totals.Gross), c.gross, c.currency, c.total)
			}
			if err := till.Pay(); err != nil {
				t.Fatal(err)
			}
			v = await(t, till, "paid", func(v checkout.View) bool { return v.Phase == checkout.PhaseDone })
			if v.Message != c.paid {
				t.Errorf("message = %q, want %q", v.Message, c.paid)
			}

			req := rec.last(t)
			if req.Amount.Currency != epayment.Currency(c.currency) || req.Amount.Value != c.gross || req.PaymentDescription != c.desc {
				t.Errorf("create: %+v %q", req.Amount, req.PaymentDescription)
			}
			var sum int64
			for i, l := range req.Receipt.OrderLines {
				sum += l.TotalAmount
				if i >= len(c.lines) {
					break
				}
				w := c.lines[i]
				switch {
				case w.rate != 0 && (l.TaxRate == nil || *l.TaxRate != w.rate || l.TaxPercentage != nil):
					t.Errorf("line %d %q: taxRate %v taxPercentage %v, want taxRate %d only", i, l.Name, l.TaxRate, l.TaxPercentage, w.rate)
				case w.pct != 0 && (l.TaxPercentage == nil || *l.TaxPercentage != w.pct || l.TaxRate != nil):
					t.Errorf("line %d %q: taxPercentage %v taxRate %v, want taxPercentage %d only", i, l.Name, l.TaxPercentage, l.TaxRate, w.pct)
				}
				if l.TotalTaxAmount != w.tax || l.TotalAmountExcludingTax+l.TotalTaxAmount != l.TotalAmount {
					t.Errorf("line %d %q: tax %d of %d, want %d", i, l.Name, l.TotalTaxAmount, l.TotalAmount, w.tax)
				}
			}
			if sum != c.gross || len(req.Receipt.OrderLines) != len(c.lines) {
				t.Errorf("receipt lines %d sum %d, want %d lines summing %d", len(req.Receipt.OrderLines), sum, len(c.lines), c.gross)
			}
			if p := d.Sim; p != nil {
				if e, ok := p.Payment(cfg.Vipps.MSN, v.Reference); !ok || e.Aggregate.CapturedAmount.Value != c.gross || e.Aggregate.CapturedAmount.Currency != epayment.Currency(c.currency) {
					t.Errorf("simulator captured %+v", e.Aggregate.CapturedAmount)
				}
			}
			if v.Receipt == nil || v.Receipt.Method != c.brand || v.Receipt.Lang != st.Market.Language {
				t.Fatalf("receipt = %+v", v.Receipt)
			}

			// Paper: the market's words and VAT rates.
			v = await(t, till, "printed", func(v checkout.View) bool { return v.Receipt != nil && v.Receipt.Printed })
			paper, _ := st.Printer.Device.(*escpos.Virtual).Last()
			if text := paper.Text(); !strings.Contains(text, c.paperTitle) || !strings.Contains(text, c.brand) {
				t.Errorf("paper receipt lacks %q or %q:\n%s", c.paperTitle, c.brand, text)
			} else if c.market == "FI" && !strings.Contains(text, "25,5 %") {
				t.Errorf("paper receipt lacks the 25,5 %% VAT line:\n%s", text)
			}

			// Phone: the receipt page in the receipt's language.
			v = await(t, till, "receipt link", func(v checkout.View) bool { return v.Receipt != nil && v.Receipt.URL != "" })
			resp, err := http.Get(v.Receipt.URL)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !bytes.Contains(page, []byte(`lang="`+st.Market.Language+`"`)) || !bytes.Contains(page, []byte(c.pageTotal)) {
				t.Errorf("receipt page is not in %s (%q):\n%s", st.Market.Language, c.pageTotal, page)
			}
		})
	}
}

type wantLine struct {
	pct, rate int   // the tax field expected: taxPercentage or taxRate
	tax       int64 // the line's exact VAT
}

func await(t *testing.T, till *checkout.Till, what string, ok func(checkout.View) bool) checkout.View {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := till.WaitFor(ctx, ok)
	if err != nil {
		t.Fatalf("timed out waiting for %s: phase %s, message %q", what, v.Phase, v.Message)
	}
	return v
}
