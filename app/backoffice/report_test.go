package backoffice_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/events"
	"github.com/kasse-pos/kasse/app/money"
)

func TestZReport(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	a := r.sell("912 34 567", "P025", "P026") // 498,00 at 25 %
	b := r.sell("41234567", "P001")           // 32,00 at 15 %
	r.decline("P010")                         // 19,00
	r.cancelled("P005")                       // 29,00
	r.expired("P017")                         // 9,00
	if _, err := r.refunder().Refund(ctx, backoffice.RefundRequest{SaleID: a.ID, Lines: []backoffice.LineQty{{ProductID: "P025", Quantity: 1}}, Reason: "defect"}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	z, err := backoffice.BuildZ(ctx, r.j, r.api, now)
	if err != nil {
		t.Fatal(err)
	}
	if z.Day != r.j.BusinessDay() || z.Sales != 5 || z.FirstReceipt != a.ReceiptNumber || len(z.Problems) != 0 {
		t.Errorf("report head: day %s, %d sales from %s, problems %v", z.Day, z.Sales, z.FirstReceipt, z.Problems)
	}
	wantStates := []backoffice.StateTotal{
		{Category: backoffice.CatCaptured, Count: 2, Amount: 53000},
		{Category: backoffice.CatRefunded, Count: 1, Amount: 19900},
		{Category: backoffice.CatCancelled, Count: 1, Amount: 2900},
		{Category: backoffice.CatDeclined, Count: 1, Amount: 1900},
		{Category: backoffice.CatExpired, Count: 1, Amount: 900},
		{Category: backoffice.CatFailed},
		{Category: backoffice.CatOpen},
	}
	if !reflect.DeepEqual(z.States, wantStates) {
		t.Errorf("states = %+v", z.States)
	}
	vat := func(p int, net, v int64) basket.VATLine {
		return basket.VATLine{Rate: money.Percent(p), Net: net, VAT: v, Gross: net + v}
	}
	for _, tt := range []struct {
		name      string
		got, want basket.Totals
	}{
		{"sold", z.Sold, basket.Totals{Gross: 53000, Net: 42623, VAT: 10377, ByVAT: []basket.VATLine{vat(25, 39840, 9960), vat(15, 2783, 417)}}},
		{"refunded", z.Refunded, basket.Totals{Gross: 19900, Net: 15920, VAT: 3980, ByVAT: []basket.VATLine{vat(25, 15920, 3980)}}},
		{"net", z.Net, basket.Totals{Gross: 33100, Net: 26703, VAT: 6397, ByVAT: []basket.VATLine{vat(25, 23920, 5980), vat(15, 2783, 417)}}},
	} {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s = %+v, want %+v", tt.name, tt.got, tt.want)
		}
	}
	if len(z.Rows) != 5 || len(z.Mismatches) != 0 || len(z.Unchecked) != 0 {
		t.Fatalf("%d rows, mismatches %+v, unchecked %+v", len(z.Rows), z.Mismatches, z.Unchecked)
	}
	text := z.Text()
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if n := len([]rune(l)); n > backoffice.ReportWidth {
			t.Errorf("line of %d characters: %q", n, l)
		}
	}
	for _, want := range []string{"Z REPORT", z.Day, money.Format(53000), money.Format(19900), "All payments agree"} {
		if !strings.Contains(text, want) {
			t.Errorf("report text lacks %q:\n%s", want, text)
		}
	}

	// The merchant portal refunds part of b; the journal does not know.
	bref := b.Current().Reference
	if _, err := r.api.PaymentAPI.Refund(ctx, bref, "portal-refund-1", amountNOK(1000)); err != nil {
		t.Fatal(err)
	}
	z, err = backoffice.BuildZ(ctx, r.j, r.api, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(z.Mismatches) != 1 {
		t.Fatalf("mismatches = %+v", z.Mismatches)
	}
	m := z.Mismatches[0]
	if m.Reference != bref || m.Captured != 3200 || m.APICaptured != 3200 || m.Refunded != 0 || m.APIRefunded != 1000 || m.Note == "" {
		t.Errorf("mismatch = %+v", m)
	}
	if text := z.Text(); !strings.Contains(text, bref) || !strings.Contains(text, money.Format(0)+" / "+money.Format(1000)) {
		t.Errorf("report text does not show the mismatch:\n%s", text)
	}

	// CSV round trip.
	var buf bytes.Buffer
	if err := z.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := backoffice.ReadCSV(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := back.WriteCSV(&again); err != nil {
		t.Fatal(err)
	}
	if again.String() != buf.String() {
		t.Errorf("CSV written again differs:\n%s\n---\n%s", buf.String(), again.String())
	}
	if !back.Generated.Equal(z.Generated) || back.Day != z.Day || back.Sales != z.Sales || back.FirstReceipt != z.FirstReceipt || back.LastReceipt != z.LastReceipt {
		t.Errorf("CSV head = %+v", back)
	}
	for _, tt := range []struct {
		name      string
		got, want any
	}{
		{"states", back.States, z.States}, {"sold", back.Sold, z.Sold}, {"refunded", back.Refunded, z.Refunded},
		{"net", back.Net, z.Net}, {"rows", untimed(back.Rows), untimed(z.Rows)}, {"mismatches", untimed(back.Mismatches), untimed(z.Mismatches)},
		{"pending", back.PendingRefunds, z.PendingRefunds}, {"refunds", len(back.Refunds), len(z.Refunds)},
	} {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("CSV %s = %+v, want %+v", tt.name, tt.got, tt.want)
		}
	}
	if _, err := backoffice.ReadCSV(strings.NewReader("a,b\n")); err == nil {
		t.Error("a CSV that is no report was read")
	}

	// Closing the day: the next starts, receipt numbers continue.
	next := backoffice.NextDay(z.Day, now)
	h := events.Header{CompanyName: "Test Kafé", OrgNumber: "999999999", RegisterID: "1"}
	if _, err := backoffice.CloseDay(r.j, h, z, z.Day); err == nil {
		t.Error("closed into the same day")
	}
	if _, err := backoffice.CloseDay(r.j, h, z, next); err != nil {
		t.Fatal(err)
	}
	if d := r.j.BusinessDay(); d != next {
		t.Fatalf("business day after closing = %s, want %s", d, next)
	}
	if _, err := backoffice.CloseDay(r.j, h, z, backoffice.NextDay(next, now)); !errors.Is(err, backoffice.ErrStaleReport) {
		t.Errorf("closing again from the old report: %v", err)
	}
	last, _ := strconv.Atoi(z.LastReceipt)
	s := r.sell("91234567", "P002")
	if n, _ := strconv.Atoi(s.ReceiptNumber); n != last+1 || s.Day != next {
		t.Errorf("first sale of the next day: receipt %s on %s, want %06d on %s", s.ReceiptNumber, s.Day, last+1, next)
	}
	// A refund of yesterday's sale counts today.
	if _, err := r.refunder().Refund(ctx, backoffice.RefundRequest{SaleID: b.ID, Amount: 500, Reason: "late complaint"}); err != nil {
		t.Fatal(err)
	}
	z2, err := backoffice.BuildZ(ctx, r.j, r.api, now)
	if err != nil {
		t.Fatal(err)
	}
	if z2.Day != next || z2.Sales != 1 || z2.FirstReceipt != s.ReceiptNumber || len(z2.Refunds) != 1 || z2.Refunded.Gross != 500 || len(z2.Problems) != 0 {
		t.Errorf("next day's report: %+v", z2)
	}
	if z2.States[0].Count != 1 || z2.States[1].Count != 1 || z2.States[1].Amount != 500 {
		t.Errorf("next day's states: %+v", z2.States)
	}
}

func untimed(rows []backoffice.SaleRow) []backoffice.SaleRow {
	out := make([]backoffice.SaleRow, len(rows))
	for i, r := range rows {
		r.Time = time.Time{}
		out[i] = r
	}
	return out
}

func TestNextDay(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		day  string
		now  time.Time
		want string
	}{
		{"2026-03-02", at("2026-03-02 22:00"), "2026-03-03"}, // closed in the evening
		{"2026-03-02", at("2026-03-03 00:30"), "2026-03-03"}, // closed after midnight
		{"2026-02-27", at("2026-03-02 08:00"), "2026-03-02"}, // a day left open over a weekend
		{"2026-12-31", at("2026-12-31 18:00"), "2027-01-01"},
	}
	for _, tt := range tests {
		if got := backoffice.NextDay(tt.day, tt.now); got != tt.want {
			t.Errorf("NextDay(%s, %s) = %s, want %s", tt.day, tt.now, got, tt.want)
		}
	}
}
