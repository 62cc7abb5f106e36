package saft

import (
	"context"
	"encoding/xml"
	"os"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/events"
	"github.com/kasse-pos/kasse/app/fiscal"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// A day with till-level events, a training sale and X and Z reports exports
// a file that passes the schema and the verifier, with each report whole in
// its event and the Z report's totals equal to the file's transactions.
func TestExportEventsAndReports(t *testing.T) {
	tl := aDay(t) // ends with a day closed the old way (text only)
	j := tl.j
	ctx := context.Background()
	h := events.Header{CompanyName: shop.CompanyName, OrgNumber: shop.OrgNumber, RegisterID: shop.RegisterID}
	must(t, j, journal.Record{Kind: journal.KindTillStarted, Station: &journal.StationData{Text: "Kasse test"}},
		journal.Record{Kind: journal.KindPriceLookup, Station: &journal.StationData{ProductID: "bread", Name: "Brød", VAT: 1500, Amount: 5750}},
		journal.Record{Kind: journal.KindSettings, Station: &journal.StationData{Text: "printer = tcp:10.0.0.9:9100; vipps.clientSecret changed"}},
		journal.Record{Kind: journal.KindTrainingOn})
	// A training sale, paid (on the simulator) and signed like any other.
	ref := "kasse-1-T000001-1"
	tr := must(t, j, journal.Record{Kind: journal.KindSaleOpened, Opened: &journal.Opened{POSID: "KASSE-1", Currency: "NOK", Training: true}},
		journal.Record{Kind: journal.KindLineAdded, Line: &journal.LineEdit{Line: shirt}},
		journal.Record{Kind: journal.KindSaleNumbered, Numbered: &journal.Numbered{Training: true}})
	id := tr[0].Sale
	if n := tr[2].Numbered.Number; n != "T000001" {
		t.Fatalf("training receipt number %q, want T000001", n)
	}
	must(t, j,
		journal.Record{Kind: journal.KindIntent, Sale: id, Ref: ref, Intent: &journal.Intent{Action: journal.ActCreate, Key: ref + "-create", Amount: 12500,
			Request: &epayment.CreatePaymentRequest{Reference: ref, Amount: epayment.Amount{Currency: "NOK", Value: 12500}}}},
		journal.Record{Kind: journal.KindAnswer, Sale: id, Ref: ref, Answer: &journal.Answer{Action: journal.ActCapture, OK: true, Captured: 12500}},
		journal.Record{Kind: journal.KindState, Sale: id, Ref: ref, State: &journal.StateChange{State: journal.StateCaptured}})
	if _, err := tl.sign.Sign(ctx, id); err != nil {
		t.Fatal(err)
	}
	must(t, j, journal.Record{Kind: journal.KindPrinted, Sale: id, Ref: ref, Print: &journal.PrintData{}},
		journal.Record{Kind: journal.KindTrainingOff})

	report := func(typ string) *events.Report {
		rp, err := events.Build(j, typ, h, time.Date(2030, 3, 1, 17, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		rec, err := rp.Record()
		if err != nil {
			t.Fatal(err)
		}
		recs := []journal.Record{rec}
		if typ == journal.ReportZ {
			recs = append(recs, journal.Record{Kind: journal.KindDayClosed, Day: &journal.DayData{Next: "2030-03-03"}})
		}
		must(t, j, recs...)
		return rp
	}
	x := report(journal.ReportX)
	z := report(journal.ReportZ)
	if x.Number != 1 || z.Number != 1 {
		t.Errorf("X nr %d, Z nr %d; want 1 and 1 (series of their own)", x.Number, z.Number)
	}
	// No Z was stored before, so this Z covers the whole journal: two sales,
	// one return; the training sale only in the training total.
	if z.Sales != (events.Total{Count: 2, Amount: 19000}) || z.Returns != (events.Total{Count: 1, Amount: -12500}) ||
		z.Training != (events.Total{Count: 1, Amount: 12500}) || z.GrandNet != 6500 {
		t.Errorf("Z: sales %+v returns %+v training %+v grand net %d", z.Sales, z.Returns, z.Training, z.GrandNet)
	}
	if z.Copies.Count != 1 || z.Receipts != 2 || len(z.PriceLookups) != 1 || z.PriceLookups[0].Key != "04006" || x.XReports != 0 || z.XReports != 1 {
		t.Errorf("Z: copies %+v, receipts %d, look-ups %+v, X reports %d", z.Copies, z.Receipts, z.PriceLookups, z.XReports)
	}

	path, err := Export(ctx, j, shop, "2030-03-01", "2030-03-01", tl.dir, time.Date(2030, 3, 2, 7, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	validate(t, path)
	rep, err := Verify(path, tl.keys.Public)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Registers[0].Verified != 4 {
		t.Fatalf("verify:\n%s", rep)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var af AuditFile
	if err := xml.Unmarshal(b, &af); err != nil {
		t.Fatal(err)
	}
	reg := af.Company.Locations[0].CashRegisters[0]
	var sales, training int64
	for _, ct := range reg.Transactions {
		if ct.TrainingID {
			training += mustAmount(t, ct.TransAmntIn)
		} else {
			sales += mustAmount(t, ct.TransAmntIn)
		}
	}
	if sales != z.Net || training != z.Training.Amount {
		t.Errorf("file: sales %d, training %d; Z: net %d, training %d", sales, training, z.Net, z.Training.Amount)
	}
	seen := map[string]int{}
	var zr *EventReport
	for _, e := range reg.Events {
		seen[e.EventType]++
		if e.EventType == EventZReport && e.Report != nil {
			zr = e.Report
		}
	}
	for _, c := range []events.Code{events.EventStart, events.EventPriceCheck, events.EventSettings, events.EventTrainOn,
		events.EventTraining, events.EventTrainOff, events.EventXReport} {
		if seen[c.ID] != 1 {
			t.Errorf("%d events %s (%s), want 1", seen[c.ID], c.ID, c.Predefined)
		}
	}
	// The old day.closed is a Z event of its own; the new Z's day.closed is
	// part of its report.
	if seen[EventZReport] != 2 || zr == nil {
		t.Fatalf("%d Z events, report %v", seen[EventZReport], zr)
	}
	if zr.ReportType != "Z report" || zr.TotalCashSaleAmnt != "190.00" || zr.ReturnAmnt != "-125.00" || zr.TrainingNum != 1 ||
		zr.GrandTotalSalesNet != fiscal.FormatAmount(z.GrandNet) || zr.ReceiptCopyNum != 1 {
		t.Errorf("Z report in the file: %+v", zr)
	}
}
