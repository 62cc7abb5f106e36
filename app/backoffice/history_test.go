package backoffice_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/journal"
)

func TestSearchByEachKey(t *testing.T) {
	r := newRig(t)
	a := r.sell("912 34 567", "P025", "P026") // 199,00 + 299,00 = 498,00
	b := r.sell("41234567", "P001")           // 32,00
	c := r.decline("P010")                    // 19,00, declined
	ref := func(s *journal.Sale) string { return s.Current().Reference }
	tests := []struct {
		query string
		want  []*journal.Sale // newest first
		match backoffice.Match
	}{
		{"912 34 567", []*journal.Sale{a}, backoffice.MatchPhone},
		{"+4791234567", []*journal.Sale{a}, backoffice.MatchPhone},
		{"4791234567", []*journal.Sale{a}, backoffice.MatchPhone},
		{"+47 412 34 567", []*journal.Sale{b}, backoffice.MatchPhone},
		{"498", []*journal.Sale{a}, backoffice.MatchAmount},
		{"498,00", []*journal.Sale{a}, backoffice.MatchAmount},
		{"32.00", []*journal.Sale{b}, backoffice.MatchAmount},
		{b.ReceiptNumber, []*journal.Sale{b}, backoffice.MatchReceipt},
		{strings.TrimLeft(c.ReceiptNumber, "0"), []*journal.Sale{c}, backoffice.MatchReceipt},
		{ref(b)[len(ref(b))-12:], []*journal.Sale{b}, backoffice.MatchReference},
		{"", []*journal.Sale{c, b, a}, ""},
		{"77", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, err := backoffice.Search(r.j, backoffice.Query{Text: tt.query})
			if err != nil {
				t.Fatal(err)
			}
			var ids []uint64
			for _, e := range got {
				ids = append(ids, e.Sale.ID)
				if tt.match != "" && !slices.Contains(e.Matched, tt.match) {
					t.Errorf("sale %s matched on %v, want %s", e.Receipt, e.Matched, tt.match)
				}
			}
			var want []uint64
			for _, s := range tt.want {
				want = append(want, s.ID)
			}
			if !slices.Equal(ids, want) {
				t.Errorf("found sales %v, want %v", ids, want)
			}
		})
	}

	// Each entry carries its state, its steps and what was refunded.
	if _, err := r.refunder().Refund(context.Background(), backoffice.RefundRequest{SaleID: a.ID, Lines: []backoffice.LineQty{{ProductID: "P025", Quantity: 1}}, Reason: "wrong colour"}); err != nil {
		t.Fatal(err)
	}
	got, err := backoffice.Search(r.j, backoffice.Query{Text: "912 34 567", Day: r.j.BusinessDay()})
	if err != nil || len(got) != 1 {
		t.Fatalf("search = %v, %v", got, err)
	}
	e := got[0]
	if e.State != journal.StateCaptured || e.Amount != 49800 || e.Captured != 49800 || e.Refunded != 19900 || e.Pending != 0 || e.Refundable != 29900 {
		t.Errorf("entry = %+v", e)
	}
	var steps []string
	for _, st := range e.Sale.Steps {
		if !strings.HasPrefix(string(st.State), "event ") { // webhooks, journaled as they came
			steps = append(steps, string(st.State))
		}
	}
	if got := strings.Join(steps, ","); got != "creating,requested,capturing,captured,refunding,refunded" {
		t.Errorf("steps = %s", got)
	}
	if got, _ := backoffice.Search(r.j, backoffice.Query{Day: "1999-01-01"}); len(got) != 0 {
		t.Errorf("another day's search found %d sales", len(got))
	}
	if e := backoffice.Summarize(c); e.State != journal.StateAborted || e.Refundable != 0 {
		t.Errorf("declined sale: %+v", e)
	}
}
