package events

import (
	"fmt"
	"strings"

	"github.com/kasse-pos/kasse/app/fiscal"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
)

// Width is the printed report's width in characters (80 mm paper, font A).
const Width = 48

// Title is the report's marking and number: "X-RAPPORT nr 3".
func (rp *Report) Title() string {
	name := "X-RAPPORT"
	if rp.Type == journal.ReportZ {
		name = "Z-RAPPORT"
	}
	return fmt.Sprintf("%s nr %d", name, rp.Number)
}

// Text is the report as printed and shown, in Norwegian: the markings of the
// rules are Norwegian (§ 2-4).
func (rp *Report) Text() string {
	var b strings.Builder
	rule := func() { b.WriteString(strings.Repeat("-", Width) + "\n") }
	lr := func(left, right string) {
		pad := max(Width-len([]rune(left))-len([]rune(right)), 1)
		b.WriteString(left + strings.Repeat(" ", pad) + right + "\n")
	}
	amt := money.Format
	total := func(label string, t Total) { lr(fmt.Sprintf("%s (%d)", label, t.Count), amt(t.Amount)) }
	lines := func(title string, ls []Line, none string) {
		b.WriteString(title + "\n")
		if len(ls) == 0 {
			b.WriteString("  " + none + "\n")
		}
		for _, l := range ls {
			name := l.Key
			if l.Desc != "" {
				name += " " + l.Desc
			}
			if l.Cashier != "" {
				name = l.Cashier + ": " + name
			}
			lr(fmt.Sprintf("  %s (%d)", name, l.Count), amt(l.Amount))
		}
	}
	title := rp.Title()
	b.WriteString(strings.Repeat(" ", max((Width-len(title))/2, 0)) + title + "\n")
	if rp.Type == journal.ReportX {
		b.WriteString("Ingen nullstilling: viser alt siden siste Z.\n")
	} else {
		b.WriteString("Z-rapport: dagens tellere nullstilles.\n")
	}
	lr(rp.CompanyName, "Org.nr "+rp.OrgNumber)
	lr("Kasse (kassapunkt)", rp.RegisterID)
	if rp.SystemID != "" {
		lr("System-ID", rp.SystemID)
	}
	made := rp.Made.In(fiscal.Norway)
	lr("Dato og tid", made.Format("02.01.2006 15:04:05"))
	lr("Forretningsdag", rp.Day)
	if !rp.Since.IsZero() {
		lr("Siden forrige Z", rp.Since.In(fiscal.Norway).Format("02.01.2006 15:04"))
	}
	lr("Journal", fmt.Sprintf("post %d-%d", rp.FromSeq, rp.ToSeq))
	rule()
	total("Kontantsalg", rp.Sales)
	total("Returer", rp.Returns)
	lr("Netto", amt(rp.Net))
	rule()
	lines("Varegrupper", rp.Groups, "ingen")
	lines("Betalingsmidler", rp.Payments, "ingen")
	if rp.Rounding != 0 {
		lr("  herav øreavrunding kontant", amt(rp.Rounding))
	}
	if len(rp.CashierPayments) > 0 {
		lines("Betalingsmidler per kasserer", rp.CashierPayments, "ingen")
		lines("Varegrupper per kasserer", rp.CashierGroups, "ingen")
	}
	rule()
	b.WriteString("MVA per sats (netto etter returer)\n")
	fmt.Fprintf(&b, "%-6s %13s %13s %13s\n", "Sats", "Grunnlag", "MVA", "Sum")
	for _, v := range rp.VAT {
		fmt.Fprintf(&b, "%-6s %13s %13s %13s\n", v.Rate.Format(","), amt(v.Net), amt(v.VAT), amt(v.Gross))
	}
	rule()
	lr("Vekselkasse", amt(rp.OpeningFloat))
	lr("Salgskvitteringer", fmt.Sprint(rp.Receipts))
	lr("Returkvitteringer", fmt.Sprint(rp.ReturnReceipts))
	lr("Skuffåpninger uten salg", fmt.Sprint(rp.NoSaleOpenings))
	total("Kopikvitteringer", rp.Copies)
	total("Foreløpige kvitteringer", rp.Proforma)
	total("Rabatter", rp.Discounts)
	total("Annulleringer", rp.Voids)
	total("Utleveringskvitteringer", rp.Delivery)
	total("Innskudd", rp.PayIns)
	total("Uttak", rp.PayOuts)
	lines("Linjekorreksjoner", rp.Corrections, "ingen")
	lines("Prisforespørsler", rp.PriceLookups, "ingen")
	lines("Andre korreksjoner (ikke betalt)", rp.Other, "ingen")
	total("Treningssalg (ikke i salget)", rp.Training)
	lr("Pålogginger", fmt.Sprint(rp.Logins))
	lr("X-rapporter siden siste Z", fmt.Sprint(rp.XReports))
	rule()
	lr("Grand total salg", amt(rp.GrandSales))
	lr("Grand total retur", amt(rp.GrandReturns))
	lr("Grand total netto", amt(rp.GrandNet))
	for _, p := range rp.Problems {
		b.WriteString("PROBLEM: " + p + "\n")
	}
	return b.String()
}
