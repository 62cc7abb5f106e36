package backoffice_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/sim"
)

// vatOf sums the VAT per rate of refunds.
func vatOf(bds ...basket.Totals) map[int]int64 {
	out := map[int]int64{}
	for _, t := range bds {
		for _, v := range t.ByVAT {
			out[int(v.Rate)/100] += v.VAT
		}
	}
	return out
}

func mapsEqual(a, b map[int]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestRefunds(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	type step struct {
		req        backoffice.RefundRequest
		amount     int64
		vat        map[int]int64 // VAT per rate of this refund
		lines      int
		refundable int64 // left after it
	}
	tests := []struct {
		name  string
		items []string
		steps []step
	}{
		{"full", []string{"P025", "P026"}, []step{ // 199,00 + 299,00, both 25 %
			{req: backoffice.RefundRequest{Full: true}, amount: 49800, vat: map[int]int64{25: 9960}, lines: 2, refundable: 0},
		}},
		{"by line and quantity", []string{"P025", "P001", "P001"}, []step{ // 199,00 at 25 %, 2 × 32,00 at 15 %
			{req: backoffice.RefundRequest{Lines: []backoffice.LineQty{{ProductID: "P001", Quantity: 1}}}, amount: 3200, vat: map[int]int64{15: 417}, lines: 1, refundable: 23100},
			// The last one of a line takes the line's VAT less what was refunded:
			// split(6400) VAT 835 = 417 + 418.
			{req: backoffice.RefundRequest{Lines: []backoffice.LineQty{{ProductID: "P001", Quantity: 1}}}, amount: 3200, vat: map[int]int64{15: 418}, lines: 1, refundable: 19900},
			{req: backoffice.RefundRequest{Full: true}, amount: 19900, vat: map[int]int64{25: 3980}, lines: 1, refundable: 0},
		}},
		{"by amount", []string{"P025", "P029"}, []step{ // 199,00 at 25 % + 129,00 at 15 %
			// 100,00 shared 199:129 → 60,67 and 39,33 (largest remainder).
			{req: backoffice.RefundRequest{Amount: 10000}, amount: 10000, vat: map[int]int64{25: 1213, 15: 513}, refundable: 22800},
			{req: backoffice.RefundRequest{Amount: 1}, amount: 1, vat: map[int]int64{25: 0}, refundable: 22799},
			// What is left is no longer whole lines: refunded as an amount.
			{req: backoffice.RefundRequest{Full: true}, amount: 22799, vat: map[int]int64{25: 2767, 15: 1170}, refundable: 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := r.sell("91234567", tt.items...)
			ref := s.Current().Reference
			rf := r.refunder()
			var refunded int64
			var all []basket.Totals
			for i, st := range tt.steps {
				st.req.SaleID, st.req.Reason = s.ID, "customer returned it"
				res, err := rf.Refund(ctx, st.req)
				if err != nil {
					t.Fatalf("refund %d: %v", i+1, err)
				}
				rc := res.Receipt
				refunded += st.amount
				all = append(all, rc.Totals)
				if rc.Totals.Gross != st.amount || !rc.Done || len(rc.Lines) != st.lines {
					t.Errorf("refund %d receipt: total %d done %v lines %d", i+1, rc.Totals.Gross, rc.Done, len(rc.Lines))
				}
				if got := vatOf(rc.Totals); !mapsEqual(got, st.vat) {
					t.Errorf("refund %d VAT = %v, want %v", i+1, got, st.vat)
				}
				var sum, net, vat int64
				for _, v := range rc.Totals.ByVAT {
					sum += v.Gross
					net += v.Net
					vat += v.VAT
					if v.Net+v.VAT != v.Gross {
						t.Errorf("refund %d rate %d%%: %d + %d != %d", i+1, v.Rate, v.Net, v.VAT, v.Gross)
					}
				}
				if sum != st.amount || net+vat != st.amount || rc.Totals.Net != net || rc.Totals.VAT != vat {
					t.Errorf("refund %d: parts sum to %d (net %d + VAT %d), want %d", i+1, sum, net, vat, st.amount)
				}
				if p := r.Ledger(ref); p.Aggregate.RefundedAmount.Value != refunded {
					t.Errorf("after refund %d the simulator refunded %d, want %d", i+1, p.Aggregate.RefundedAmount.Value, refunded)
				}
				got, _ := r.j.Get(s.ID)
				if e := backoffice.Summarize(got); e.Refunded != refunded || e.Refundable != st.refundable || e.Pending != 0 {
					t.Errorf("after refund %d: %+v", i+1, e)
				}
				if res.Sale.Current().Refunded != refunded {
					t.Errorf("attempt's refunded = %d, want %d", res.Sale.Current().Refunded, refunded)
				}
				text := rc.Text(testShop)
				if !strings.Contains(text, money.Format(st.amount)) || !strings.Contains(text, "Refunded to the customer") {
					t.Errorf("refund receipt text:\n%s", text)
				}
				cr := rc.Checkout(testShop)
				if cr.Totals.Gross != st.amount || !strings.HasPrefix(cr.Number, s.ReceiptNumber+"-R") || len(cr.Lines) == 0 {
					t.Errorf("checkout receipt = %+v", cr)
				}
			}
			// Everything refunded: the VAT of the refunds is the sale's VAT, to the øre.
			want := map[int]int64{}
			for _, v := range s.Totals.ByVAT {
				want[int(v.Rate)/100] = v.VAT
			}
			if got := vatOf(all...); !mapsEqual(got, want) {
				t.Errorf("VAT refunded in all = %v, sale's VAT = %v", got, want)
			}
			if _, err := rf.Refund(ctx, backoffice.RefundRequest{SaleID: s.ID, Amount: 1, Reason: "again"}); !errors.Is(err, backoffice.ErrNotRefundable) {
				t.Errorf("refund of a refunded sale: %v", err)
			}
			if n := r.refundEvents(ref); n != len(tt.steps) {
				t.Errorf("simulator has %d refunds, want %d", n, len(tt.steps))
			}
		})
	}
}

var testShop = checkout.Shop{Name: "Test Kafé", OrgNumber: "999 999 999 MVA"}

func amountNOK(v int64) epayment.Amount { return epayment.Amount{Currency: epayment.NOK, Value: v} }

func TestRefundOverTheLimitIsRefusedBeforeAnyCall(t *testing.T) {
	r := newRig(t)
	s := r.sell("91234567", "P025", "P001") // 199,00 + 32,00
	declined := r.decline("P010")
	rf := r.refunder()
	ctx := context.Background()
	if _, err := rf.Refund(ctx, backoffice.RefundRequest{SaleID: s.ID, Amount: 10000, Reason: "part"}); err != nil {
		t.Fatal(err)
	}
	sent := len(r.api.sent())
	tests := []struct {
		name string
		req  backoffice.RefundRequest
		want error
	}{
		{"amount over what is left", backoffice.RefundRequest{SaleID: s.ID, Amount: 13101, Reason: "x"}, backoffice.ErrTooMuch},
		{"amount over what was captured", backoffice.RefundRequest{SaleID: s.ID, Amount: 23101, Reason: "x"}, backoffice.ErrTooMuch},
		{"more of a line than sold", backoffice.RefundRequest{SaleID: s.ID, Lines: []backoffice.LineQty{{ProductID: "P001", Quantity: 2}}, Reason: "x"}, nil},
		{"a line after a refund by amount took its rate", backoffice.RefundRequest{SaleID: s.ID, Lines: []backoffice.LineQty{{ProductID: "P025", Quantity: 1}}, Reason: "x"}, nil},
		{"no reason", backoffice.RefundRequest{SaleID: s.ID, Amount: 100}, nil},
		{"nothing chosen", backoffice.RefundRequest{SaleID: s.ID, Reason: "x"}, nil},
		{"a declined sale", backoffice.RefundRequest{SaleID: declined.ID, Full: true, Reason: "x"}, backoffice.ErrNotRefundable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rf.Refund(ctx, tt.req)
			if err == nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if n := len(r.api.sent()); n != sent {
		t.Errorf("%d refunds were sent to the API; refusals must send none", n-sent)
	}
	got, _ := r.j.Get(s.ID)
	if len(got.Refunds) != 1 {
		t.Errorf("journal holds %d refunds, want only the first", len(got.Refunds))
	}
	if p := r.Ledger(s.Current().Reference); p.Aggregate.RefundedAmount.Value != 10000 {
		t.Errorf("simulator refunded %d", p.Aggregate.RefundedAmount.Value)
	}
}

func TestRefundRetrySendsTheSameKeyAndRefundsOnce(t *testing.T) {
	r := newRig(t)
	s := r.sell("91234567", "P026")
	ref := s.Current().Reference
	// The refund is made but every answer is lost: the till cannot know.
	r.Demo.Sim.SetFaults(sim.Faults{Ops: []string{sim.OpRefund}, DropAfter: 1})
	rf := r.refunder()
	ctx := context.Background()
	res, err := rf.Refund(ctx, backoffice.RefundRequest{SaleID: s.ID, Amount: 5000, Reason: "scratched"})
	if !errors.Is(err, backoffice.ErrPending) || res == nil || res.Receipt.Done {
		t.Fatalf("refund with lost answers: %v, %+v", err, res)
	}
	if e := backoffice.Summarize(res.Sale); e.Pending != 5000 || e.Refundable != 24900 {
		t.Errorf("pending refund: %+v", e)
	}
	// A second refund cannot take what the pending one may have taken.
	if _, err := rf.Refund(ctx, backoffice.RefundRequest{SaleID: s.ID, Amount: 25000, Reason: "more"}); !errors.Is(err, backoffice.ErrTooMuch) {
		t.Errorf("refund over the pending one: %v", err)
	}
	r.Demo.Sim.SetFaults(sim.Faults{})
	done, err := rf.Retry(ctx, s.ID)
	if err != nil || len(done) != 1 || !done[0].Receipt.Done {
		t.Fatalf("retry: %v, %d done", err, len(done))
	}
	keys := r.api.sent()
	if len(keys) < 2 || len(slices.Compact(slices.Clone(keys))) != 1 {
		t.Errorf("keys sent = %v, want one key every time", keys)
	}
	if p := r.Ledger(ref); p.Aggregate.RefundedAmount.Value != 5000 || r.refundEvents(ref) != 1 {
		t.Errorf("simulator refunded %d in %d refunds, want 5000 once", p.Aggregate.RefundedAmount.Value, r.refundEvents(ref))
	}
	got, _ := r.j.Get(s.ID)
	if e := backoffice.Summarize(got); e.Refunded != 5000 || e.Pending != 0 {
		t.Errorf("after retry: %+v", e)
	}
}

func TestUnfinishedRefundIsFinishedOnRestart(t *testing.T) {
	r := newRig(t)
	s := r.sell("91234567", "P027", "P001") // 149,00 + 32,00
	ref := s.Current().Reference
	// Vipps is unreachable for refunds: journaled, not made.
	r.Demo.Sim.SetFaults(sim.Faults{Ops: []string{sim.OpRefund}, DropBefore: 1})
	ctx := context.Background()
	if _, err := r.refunder().Refund(ctx, backoffice.RefundRequest{SaleID: s.ID, Full: true, Reason: "closed"}); !errors.Is(err, backoffice.ErrPending) {
		t.Fatalf("refund while Vipps is down: %v", err)
	}
	if p := r.Ledger(ref); p.Aggregate.RefundedAmount.Value != 0 {
		t.Fatalf("simulator refunded %d through a dropped connection", p.Aggregate.RefundedAmount.Value)
	}
	r.restart()
	r.Demo.Sim.SetFaults(sim.Faults{})
	done, err := r.refunder().Resume(ctx)
	if err != nil || len(done) != 1 || done[0].Receipt.Totals.Gross != 18100 || len(done[0].Receipt.Lines) != 2 {
		t.Fatalf("resume: %v, %+v", err, done)
	}
	if p := r.Ledger(ref); p.Aggregate.RefundedAmount.Value != 18100 || r.refundEvents(ref) != 1 {
		t.Errorf("simulator refunded %d in %d refunds", p.Aggregate.RefundedAmount.Value, r.refundEvents(ref))
	}
	if done, err := r.refunder().Resume(ctx); err != nil || len(done) != 0 {
		t.Errorf("second resume: %v, %d", err, len(done))
	}
	got, _ := r.j.Get(s.ID)
	if !got.Refunds[0].Done || got.RefundedTotal() != 18100 {
		t.Errorf("journal after resume: %+v", got.Refunds)
	}
}

func TestRefundRefusedByTheAPIIsKept(t *testing.T) {
	r := newRig(t)
	s := r.sell("91234567", "P030") // 49,00
	ref := s.Current().Reference
	// Someone refunds in the merchant portal; the journal does not know.
	if _, err := r.api.PaymentAPI.Refund(context.Background(), ref, "portal-1", amountNOK(4000)); err != nil {
		t.Fatal(err)
	}
	_, err := r.refunder().Refund(context.Background(), backoffice.RefundRequest{SaleID: s.ID, Full: true, Reason: "x"})
	if !errors.Is(err, backoffice.ErrRefused) || !strings.Contains(err.Error(), "6150") {
		t.Fatalf("refund over the portal's: %v", err)
	}
	got, _ := r.j.Get(s.ID)
	if len(got.Refunds) != 1 || got.Refunds[0].Done || got.Refunds[0].Error == "" {
		t.Errorf("refused refund journaled as %+v", got.Refunds)
	}
	if e := backoffice.Summarize(got); e.Refundable != 4900 || e.Pending != 0 {
		t.Errorf("after a refusal: %+v", e)
	}
}

func TestApportionSumsExactly(t *testing.T) {
	tests := []struct {
		amount  int64
		weights []int64
		want    []int64
	}{
		{10000, []int64{19900, 12900}, []int64{6067, 3933}},
		{1, []int64{19900, 12900}, []int64{1, 0}},
		{3, []int64{1, 1, 1}, []int64{1, 1, 1}},
		{2, []int64{1, 1, 1}, []int64{1, 1, 0}},
		{1, []int64{0, 50}, []int64{0, 1}},
		{7, []int64{0, 0, 0}, []int64{7, 0, 0}},
		{32800, []int64{19900, 12900}, []int64{19900, 12900}},
	}
	for _, tt := range tests {
		if got := backoffice.Apportion(tt.amount, tt.weights); !slices.Equal(got, tt.want) {
			t.Errorf("Apportion(%d, %v) = %v, want %v", tt.amount, tt.weights, got, tt.want)
		}
	}
}

func FuzzApportion(f *testing.F) {
	f.Add(int64(10000), int64(19900), int64(12900), int64(0))
	f.Add(int64(1), int64(1), int64(1), int64(1))
	f.Add(int64(6500000000), int64(6500000000), int64(1), int64(7))
	f.Fuzz(func(t *testing.T, amount, a, b, c int64) {
		ws := []int64{a, b, c}
		var total int64
		for _, w := range ws {
			if w < 0 || w > 6500000000 {
				return
			}
			total += w
		}
		if amount < 0 || amount > total {
			return
		}
		parts := backoffice.Apportion(amount, ws)
		var sum int64
		for i, p := range parts {
			sum += p
			if p < 0 || p > ws[i] {
				t.Fatalf("part %d = %d of weight %d", i, p, ws[i])
			}
		}
		if sum != amount {
			t.Fatalf("parts %v sum to %d, want %d", parts, sum, amount)
		}
	})
}
