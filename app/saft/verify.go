package saft

import (
	"encoding/xml"
	"fmt"
	"os"
	"strings"

	"github.com/kasse-pos/kasse/app/fiscal"
)

// RegisterCheck is what Verify found for one cash register of a file.
type RegisterCheck struct {
	RegisterID string
	// Transactions is how many cashtransactions the register has; Verified
	// how many signatures were checked and matched.
	Transactions, Verified int
	// StartsMidChain: the first transaction's nr is not 1, so its previous
	// signature is not in the file and its own signature cannot be checked;
	// the chain is verified from it on.
	StartsMidChain bool
	// Problems lists signature failures (the first one in the chain) and
	// totals that do not add up, in plain words.
	Problems []string
}

// Report is the outcome of Verify.
type Report struct {
	File      string
	Registers []RegisterCheck
}

// OK reports whether every register verified without problems.
func (r *Report) OK() bool {
	for _, c := range r.Registers {
		if len(c.Problems) > 0 {
			return false
		}
	}
	return true
}

// String is the report as the CLI prints it.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", r.File)
	for _, c := range r.Registers {
		fmt.Fprintf(&b, "  cash register %s: %d transactions, %d signatures verified\n", c.RegisterID, c.Transactions, c.Verified)
		if c.StartsMidChain {
			b.WriteString("    the file starts inside the chain: the first transaction's signature needs the one before it, which is not in this file\n")
		}
		for _, p := range c.Problems {
			fmt.Fprintf(&b, "    PROBLEM: %s\n", p)
		}
	}
	if r.OK() {
		b.WriteString("OK\n")
	} else {
		b.WriteString("NOT OK\n")
	}
	return b.String()
}

// Verify reads a SAF-T Cash Register file and checks, per cash register, the
// signature chain of its cashtransactions against keys and that each
// transaction's amounts equal the sums of its lines, VAT and payments. An
// error means the file could not be read; problems found are in the Report.
func Verify(path string, keys fiscal.PublicKeys) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("saft verify: %w", err)
	}
	var af AuditFile
	if err := xml.Unmarshal(b, &af); err != nil {
		return nil, fmt.Errorf("saft verify: %s is not a SAF-T Cash Register file: %w", path, err)
	}
	rep := &Report{File: path}
	for _, loc := range af.Company.Locations {
		for _, reg := range loc.CashRegisters {
			rep.Registers = append(rep.Registers, verifyRegister(reg, keys))
		}
	}
	return rep, nil
}

func verifyRegister(reg CashRegister, keys fiscal.PublicKeys) RegisterCheck {
	c := RegisterCheck{RegisterID: reg.RegisterID, Transactions: len(reg.Transactions)}
	chain := make([]fiscal.Signed, 0, len(reg.Transactions))
	for _, ct := range reg.Transactions {
		in, err1 := fiscal.ParseAmount(ct.TransAmntIn)
		ex, err2 := fiscal.ParseAmount(ct.TransAmntEx)
		if err1 != nil || err2 != nil {
			c.Problems = append(c.Problems, fmt.Sprintf("transaction nr %s: amounts %q/%q are not in the signed format", ct.Nr, ct.TransAmntIn, ct.TransAmntEx))
			return c
		}
		chain = append(chain, fiscal.Signed{Transaction: fiscal.Transaction{Nr: ct.Nr, Date: ct.TransDate, Time: ct.TransTime,
			AmountIn: in, AmountEx: ex}, KeyVersion: ct.KeyVersion, Signature: strings.TrimSpace(ct.Signature)})
		c.Problems = append(c.Problems, totals(ct, in, ex)...)
	}
	if len(chain) == 0 {
		return c
	}
	prev, from := fiscal.FirstPrevious, 0
	if chain[0].Nr != "1" {
		c.StartsMidChain = true
		prev, from = chain[0].Signature, 1
	}
	err := fiscal.VerifyChainFrom(prev, chain[from:], keys)
	if ce, ok := err.(*fiscal.ChainError); ok {
		c.Verified = ce.Index
		c.Problems = append(c.Problems, fmt.Sprintf("signature of transaction nr %s does not verify (%v): it or the one before it was changed, or one was removed", ce.Nr, ce.Err))
		return c
	} else if err != nil {
		c.Problems = append(c.Problems, err.Error())
		return c
	}
	c.Verified = len(chain) - from
	return c
}

// totals checks that a transaction's amounts are the sums of its parts.
func totals(ct CashTransaction, in, ex int64) []string {
	var out []string
	sum := func(what string, vals []string, want int64) {
		var n int64
		for _, v := range vals {
			a, err := fiscal.ParseAmount(v)
			if err != nil {
				out = append(out, fmt.Sprintf("transaction nr %s: %s %q is not an amount", ct.Nr, what, v))
				return
			}
			n += a
		}
		if n != want {
			out = append(out, fmt.Sprintf("transaction nr %s: %s add up to %s, not %s", ct.Nr, what, fiscal.FormatAmount(n), fiscal.FormatAmount(want)))
		}
	}
	var lin, lex, vat, base, paid []string
	for _, l := range ct.Lines {
		lin, lex = append(lin, l.LineAmntIn), append(lex, l.LineAmntEx)
	}
	for _, v := range ct.Vat {
		vat, base = append(vat, v.VatAmnt), append(base, v.VatBasAmnt)
	}
	for _, p := range ct.Payments {
		paid = append(paid, p.PaidAmnt)
	}
	if len(ct.Lines) > 0 {
		sum("the lines incl. VAT", lin, in)
		sum("the lines excl. VAT", lex, ex)
	}
	if len(ct.Vat) > 0 {
		sum("the VAT amounts", vat, in-ex)
		sum("the VAT bases", base, ex)
	}
	if len(ct.Payments) > 0 {
		// The cash that changed hands is the amount plus its rounding.
		var rd int64
		if ct.Rounding != nil && ct.Rounding.RoundingAmnt != "" {
			var err error
			if rd, err = fiscal.ParseAmount(ct.Rounding.RoundingAmnt); err != nil {
				return append(out, fmt.Sprintf("transaction nr %s: rounding %q is not an amount", ct.Nr, ct.Rounding.RoundingAmnt))
			}
		}
		sum("the payments less the rounding", paid, in+rd)
	}
	return out
}
