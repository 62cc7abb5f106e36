package saft

import (
	"strconv"
	"time"

	"github.com/kasse-pos/kasse/app/events"
	"github.com/kasse-pos/kasse/app/fiscal"
	"github.com/kasse-pos/kasse/app/journal"
)

// eventReport writes a stored X or Z report as the schema's eventReport. The
// company and register are the export's (the report's own header says the
// same on paper); cashiers are added to the file's employees.
func (b *builder) eventReport(rp *events.Report, at time.Time) (*EventReport, error) {
	amt := fiscal.FormatAmount
	made := rp.Made.In(fiscal.Norway)
	typ := "X report"
	if rp.Type == journal.ReportZ {
		typ = "Z report"
	}
	er := &EventReport{
		ReportID: rp.Type + strconv.Itoa(rp.Number), ReportType: typ,
		CompanyIdent: b.cfg.OrgNumber, CompanyName: b.cfg.CompanyName,
		ReportDate: made.Format(time.DateOnly), ReportTime: made.Format(time.TimeOnly), RegisterID: b.cfg.RegisterID,
		TotalCashSaleAmnt:  amt(rp.Sales.Amount),
		OpeningChangeFloat: amt(rp.OpeningFloat),
		ReceiptNum:         rp.Receipts, OpenCashBoxNum: rp.NoSaleOpenings,
		ReceiptCopyNum: rp.Copies.Count, ReceiptCopyAmnt: amt(rp.Copies.Amount),
		ReceiptProformaNum: rp.Proforma.Count, ReceiptProformaAmt: amt(rp.Proforma.Amount),
		ReturnNum: rp.Returns.Count, ReturnAmnt: amt(rp.Returns.Amount),
		DiscountNum: rp.Discounts.Count, DiscountAmnt: amt(rp.Discounts.Amount),
		VoidTransNum: rp.Voids.Count, VoidTransAmnt: amt(rp.Voids.Amount),
		ReceiptDeliveryNum: rp.Delivery.Count, ReceiptDeliveryAmt: amt(rp.Delivery.Amount),
		TrainingNum: rp.Training.Count, TrainingAmnt: amt(rp.Training.Amount),
		GrandTotalSales: amt(rp.GrandSales), GrandTotalReturn: amt(rp.GrandReturns), GrandTotalSalesNet: amt(rp.GrandNet),
	}
	group := func(g string) (string, error) {
		if _, err := officialCode(listArtGroup, g); err != nil {
			return "", err
		}
		b.groups[g] = true
		return g, nil
	}
	for _, l := range rp.Groups {
		g, err := group(l.Key)
		if err != nil {
			return nil, err
		}
		er.ArtGroups = append(er.ArtGroups, ReportArtGroup{ArtGroupID: g, ArtGroupNum: strconv.Itoa(l.Count), ArtGroupAmnt: amt(l.Amount)})
	}
	for _, l := range rp.CashierGroups {
		g, err := group(l.Key)
		if err != nil {
			return nil, err
		}
		if er.EmpArtGroups == nil {
			er.EmpArtGroups = &EmpArtGroups{}
		}
		er.EmpArtGroups.Group = append(er.EmpArtGroups.Group, ReportArtGroup{EmpID: b.employee(l.Cashier, at), ArtGroupID: g,
			ArtGroupNum: strconv.Itoa(l.Count), ArtGroupAmnt: amt(l.Amount)})
	}
	for _, l := range rp.Payments {
		er.Payments = append(er.Payments, ReportPayment{PaymentType: l.Key, PaymentNum: l.Count, PaymentAmnt: amt(l.Amount)})
	}
	for _, l := range rp.CashierPayments {
		if er.EmpPayments == nil {
			er.EmpPayments = &EmpPayments{}
		}
		er.EmpPayments.Payment = append(er.EmpPayments.Payment, ReportPayment{EmpID: b.employee(l.Cashier, at), PaymentType: l.Key,
			PaymentNum: l.Count, PaymentAmnt: amt(l.Amount)})
	}
	for _, v := range rp.VAT {
		code, err := standardVATCode(v.Rate)
		if err != nil {
			return nil, err
		}
		b.vatCodes[v.Rate] = true
		er.CashSalesVat = append(er.CashSalesVat, ReportVat{VatCode: code, VatPerc: percent(v.Rate),
			CashSaleAmnt: amt(v.Net), VatAmnt: amt(v.VAT), VatAmntTp: "C"})
	}
	for _, l := range rp.Corrections {
		er.CorrLines = append(er.CorrLines, ReportCorrLine{Type: l.Key, Num: l.Count, Amnt: amt(l.Amount)})
	}
	for _, l := range rp.PriceLookups {
		er.PriceInquiries = append(er.PriceInquiries, ReportInquiry{Group: l.Key, Num: l.Count, Amnt: amt(l.Amount)})
	}
	for _, l := range rp.Other {
		er.OtherCorrs = append(er.OtherCorrs, ReportOther{Type: l.Key, Num: l.Count, Amnt: amt(l.Amount)})
	}
	if rp.PayIns.Count > 0 {
		er.PayIns = &PayIns{[]ReportPayIn{{Type: events.EventCashIn.ID, Num: rp.PayIns.Count, Amnt: amt(rp.PayIns.Amount)}}}
	}
	if rp.PayOuts.Count > 0 {
		er.PayOuts = &PayOuts{[]ReportPayOut{{Type: events.EventCashOut.ID, Num: rp.PayOuts.Count, Amnt: amt(rp.PayOuts.Amount)}}}
	}
	// The schema wants at least one entry in these lists: a zero, as the
	// official example writes for an empty one.
	if len(er.ArtGroups) == 0 {
		g, err := group("04003")
		if err != nil {
			return nil, err
		}
		er.ArtGroups = []ReportArtGroup{{ArtGroupID: g, ArtGroupNum: "0", ArtGroupAmnt: amt(0)}}
	}
	if len(er.Payments) == 0 {
		er.Payments = []ReportPayment{{PaymentType: events.PayVipps.ID, PaymentAmnt: amt(0)}}
	}
	if len(er.CashSalesVat) == 0 {
		er.CashSalesVat = []ReportVat{{VatPerc: percent(0), CashSaleAmnt: amt(0), VatAmnt: amt(0)}}
	}
	if len(er.CorrLines) == 0 {
		er.CorrLines = []ReportCorrLine{{Type: "None", Amnt: amt(0)}}
	}
	if len(er.PriceInquiries) == 0 {
		er.PriceInquiries = []ReportInquiry{{Group: "None", Amnt: amt(0)}}
	}
	if len(er.OtherCorrs) == 0 {
		er.OtherCorrs = []ReportOther{{Type: "None", Amnt: amt(0)}}
	}
	return er, nil
}
