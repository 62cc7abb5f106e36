package backoffice

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
)

// ReportWidth is the width of the printed Z report, in characters: it fits an
// 80 mm receipt printer's font B and a screen.
const ReportWidth = 48

// Text renders the report as plain text in fixed columns, to print or show in
// a monospace font.
func (z *ZReport) Text() string {
	tr := i18n.For(z.Lang)
	var b strings.Builder
	rule := strings.Repeat("-", ReportWidth) + "\n"
	lr := func(left, right string) {
		pad := max(ReportWidth-runes(left)-runes(right), 1)
		b.WriteString(left + strings.Repeat(" ", pad) + right + "\n")
	}
	b.WriteString(center(tr.T("Z REPORT"), ReportWidth) + "\n")
	lr(tr.T("Business day"), z.Day)
	lr(tr.T("Printed"), z.Generated.Format("2006-01-02 15:04"))
	if z.Sales > 0 {
		lr(tr.T("Receipts"), z.FirstReceipt+" - "+z.LastReceipt)
	}
	lr(tr.T("Sales"), fmt.Sprint(z.Sales))
	b.WriteString(rule)
	fmt.Fprintf(&b, "%-20s %6s %20s\n", tr.T("State"), tr.T("Count"), tr.T("Amount"))
	for _, s := range z.States {
		fmt.Fprintf(&b, "%-20s %6d %20s\n", tr.T(string(s.Category)), s.Count, money.Format(s.Amount))
	}
	vat := func(title string, t basket.Totals) {
		b.WriteString(rule)
		b.WriteString(tr.T(title) + "\n")
		fmt.Fprintf(&b, "%-6s %13s %13s %13s\n", tr.T("VAT"), tr.T("Net"), tr.T("VAT"), tr.T("Gross"))
		for _, v := range t.ByVAT {
			fmt.Fprintf(&b, "%-6s %13s %13s %13s\n", v.Rate.String()+"%", money.Format(v.Net), money.Format(v.VAT), money.Format(v.Gross))
		}
		fmt.Fprintf(&b, "%-6s %13s %13s %13s\n", tr.T("Total"), money.Format(t.Net), money.Format(t.VAT), money.Format(t.Gross))
	}
	vat(i18n.Key("SOLD (captured)"), z.Sold)
	vat(i18n.Key("REFUNDED"), z.Refunded)
	if z.ReturnedCount > 0 {
		vat(i18n.Key("RETURNED WITHOUT RECEIPT (paid out in cash)"), z.Returned)
	}
	vat(i18n.Key("NET"), z.Net)
	z.byCashier(&b, rule, lr, tr)
	if len(z.Refunds) > 0 {
		b.WriteString(rule)
		b.WriteString(tr.T("REFUNDS") + "\n")
		for _, r := range z.Refunds {
			lr(fmt.Sprintf("%s %s %s", r.Receipt, r.Time.Format("15:04"), tr.T(r.Status)), money.Format(r.Amount))
			b.WriteString("  " + truncate(r.Reason, ReportWidth-2) + "\n")
		}
	}
	b.WriteString(rule)
	z.cashText(&b, lr)
	b.WriteString(rule)
	checked := len(z.Rows) - len(z.Unchecked)
	lr(tr.T("Reconciled with Vipps MobilePay"), fmt.Sprintf("%d/%d", checked, len(z.Rows)))
	if len(z.Mismatches) == 0 && len(z.Unchecked) == 0 {
		b.WriteString(tr.T("All payments agree with the journal.") + "\n")
	}
	if len(z.Mismatches) > 0 {
		b.WriteString(tr.T("MISMATCHES (journal / Vipps MobilePay)") + "\n")
		for _, r := range z.Mismatches {
			b.WriteString(r.Reference + "\n")
			lr("  "+tr.T("receipt {{.Receipt}} captured", "Receipt", r.Receipt), money.Format(r.Captured)+" / "+money.Format(r.APICaptured))
			lr("  "+tr.T("refunded"), money.Format(r.Refunded)+" / "+money.Format(r.APIRefunded))
		}
	}
	if len(z.Unchecked) > 0 {
		b.WriteString(tr.T("NOT CHECKED") + "\n")
		for _, r := range z.Unchecked {
			b.WriteString(r.Reference + "\n")
			if r.Note != "" {
				b.WriteString("  " + truncate(r.Note, ReportWidth-2) + "\n")
			}
		}
	}
	if z.PendingRefunds > 0 {
		b.WriteString(tr.T("{{.N}} refund(s) pending: not yet confirmed.", "N", z.PendingRefunds) + "\n")
	}
	for _, s := range z.States {
		if s.Category == CatOpen && s.Count > 0 {
			b.WriteString(tr.T("{{.N}} payment(s) not finished yet.", "N", s.Count) + "\n")
		}
	}
	for _, p := range z.Problems {
		b.WriteString(tr.T("PROBLEM:") + " " + p + "\n")
	}
	return b.String()
}

// The report's categories and refund states, which Text translates.
var _ = []string{i18n.Key("captured"), i18n.Key("refunded"), i18n.Key("cancelled"), i18n.Key("declined"),
	i18n.Key("expired"), i18n.Key("failed"), i18n.Key("open"), i18n.Key("done"), i18n.Key("refused"), i18n.Key("pending")}

// byCashier writes the day's captured sales per cashier, when any sale names
// one.
func (z *ZReport) byCashier(b *strings.Builder, rule string, lr func(l, r string), tr *i18n.Localizer) {
	sums := map[string]int64{}
	counts := map[string]int{}
	var names []string
	for _, r := range z.Rows {
		if r.Day != z.Day || r.State != journal.StateCaptured || r.Cashier == "" {
			continue
		}
		if _, ok := sums[r.Cashier]; !ok {
			names = append(names, r.Cashier)
		}
		sums[r.Cashier] += r.Captured
		counts[r.Cashier]++
	}
	if len(names) == 0 {
		return
	}
	sort.Strings(names)
	b.WriteString(rule)
	b.WriteString(tr.T("BY CASHIER (captured)") + "\n")
	for _, n := range names {
		lr(fmt.Sprintf("%s (%d)", truncate(n, ReportWidth-22), counts[n]), money.Format(sums[n]))
	}
}

func runes(s string) int { return len([]rune(s)) }

func center(s string, w int) string {
	pad := max((w-runes(s))/2, 0)
	return strings.Repeat(" ", pad) + s
}
