package backoffice

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
)

// ReportWidth is the width of the printed Z report, in characters: it fits an
// 80 mm receipt printer's font B and a screen.
const ReportWidth = 48

// Text renders the report as plain text in fixed columns, to print or show in
// a monospace font.
func (z *ZReport) Text() string {
	var b strings.Builder
	rule := strings.Repeat("-", ReportWidth) + "\n"
	lr := func(left, right string) {
		pad := max(ReportWidth-runes(left)-runes(right), 1)
		b.WriteString(left + strings.Repeat(" ", pad) + right + "\n")
	}
	b.WriteString(center("Z REPORT", ReportWidth) + "\n")
	lr("Business day", z.Day)
	lr("Printed", z.Generated.Format("2006-01-02 15:04"))
	if z.Sales > 0 {
		lr("Receipts", z.FirstReceipt+" - "+z.LastReceipt)
	}
	lr("Sales", fmt.Sprint(z.Sales))
	b.WriteString(rule)
	fmt.Fprintf(&b, "%-20s %6s %20s\n", "State", "Count", "Amount")
	for _, s := range z.States {
		fmt.Fprintf(&b, "%-20s %6d %20s\n", s.Category, s.Count, money.Format(s.Amount))
	}
	vat := func(title string, t basket.Totals) {
		b.WriteString(rule)
		b.WriteString(title + "\n")
		fmt.Fprintf(&b, "%-6s %13s %13s %13s\n", "VAT", "Net", "VAT", "Gross")
		for _, v := range t.ByVAT {
			fmt.Fprintf(&b, "%-6s %13s %13s %13s\n", fmt.Sprintf("%d%%", v.Percent), money.Format(v.Net), money.Format(v.VAT), money.Format(v.Gross))
		}
		fmt.Fprintf(&b, "%-6s %13s %13s %13s\n", "Total", money.Format(t.Net), money.Format(t.VAT), money.Format(t.Gross))
	}
	vat("SOLD (captured)", z.Sold)
	vat("REFUNDED", z.Refunded)
	vat("NET", z.Net)
	z.byCashier(&b, rule, lr)
	if len(z.Refunds) > 0 {
		b.WriteString(rule)
		b.WriteString("REFUNDS\n")
		for _, r := range z.Refunds {
			lr(fmt.Sprintf("%s %s %s", r.Receipt, r.Time.Format("15:04"), r.Status), money.Format(r.Amount))
			b.WriteString("  " + truncate(r.Reason, ReportWidth-2) + "\n")
		}
	}
	b.WriteString(rule)
	checked := len(z.Rows) - len(z.Unchecked)
	lr("Reconciled with Vipps MobilePay", fmt.Sprintf("%d/%d", checked, len(z.Rows)))
	if len(z.Mismatches) == 0 && len(z.Unchecked) == 0 {
		b.WriteString("All payments agree with the journal.\n")
	}
	if len(z.Mismatches) > 0 {
		b.WriteString("MISMATCHES (journal / Vipps MobilePay)\n")
		for _, r := range z.Mismatches {
			b.WriteString(r.Reference + "\n")
			lr("  receipt "+r.Receipt+" captured", money.Format(r.Captured)+" / "+money.Format(r.APICaptured))
			lr("  refunded", money.Format(r.Refunded)+" / "+money.Format(r.APIRefunded))
		}
	}
	if len(z.Unchecked) > 0 {
		b.WriteString("NOT CHECKED\n")
		for _, r := range z.Unchecked {
			b.WriteString(r.Reference + "\n")
			if r.Note != "" {
				b.WriteString("  " + truncate(r.Note, ReportWidth-2) + "\n")
			}
		}
	}
	if z.PendingRefunds > 0 {
		fmt.Fprintf(&b, "%d refund(s) pending: not yet confirmed.\n", z.PendingRefunds)
	}
	for _, s := range z.States {
		if s.Category == CatOpen && s.Count > 0 {
			fmt.Fprintf(&b, "%d payment(s) not finished yet.\n", s.Count)
		}
	}
	for _, p := range z.Problems {
		b.WriteString("PROBLEM: " + p + "\n")
	}
	return b.String()
}

// byCashier writes the day's captured sales per cashier, when any sale names
// one.
func (z *ZReport) byCashier(b *strings.Builder, rule string, lr func(l, r string)) {
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
	b.WriteString("BY CASHIER (captured)\n")
	for _, n := range names {
		lr(fmt.Sprintf("%s (%d)", truncate(n, ReportWidth-22), counts[n]), money.Format(sums[n]))
	}
}

func runes(s string) int { return len([]rune(s)) }

func center(s string, w int) string {
	pad := max((w-runes(s))/2, 0)
	return strings.Repeat(" ", pad) + s
}
