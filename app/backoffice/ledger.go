package backoffice

import (
	"errors"
	"fmt"
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
)

// LineQty is a quantity of one basket line, by product id.
type LineQty struct {
	ProductID string
	Quantity  int
}

// Breakdown is what one refund returns: the lines (for a refund by line; a
// refund by amount has none) and its totals with VAT per rate.
type Breakdown struct {
	Lines  []basket.Line // refunded quantities at the sale's unit prices
	Totals basket.Totals // Gross is the refund's amount
}

// encodeLines writes refunded lines as the journal keeps them: "P025:1".
func encodeLines(ls []LineQty) []string {
	out := make([]string, 0, len(ls))
	for _, l := range ls {
		out = append(out, l.ProductID+":"+strconv.Itoa(l.Quantity))
	}
	return out
}

func decodeLines(ss []string) ([]LineQty, error) {
	out := make([]LineQty, 0, len(ss))
	for _, s := range ss {
		i := strings.LastIndexByte(s, ':')
		if i <= 0 {
			return nil, fmt.Errorf("refund line %q is not product:quantity", s)
		}
		q, err := strconv.Atoi(s[i+1:])
		if err != nil || q <= 0 {
			return nil, fmt.Errorf("refund line %q has no valid quantity", s)
		}
		out = append(out, LineQty{ProductID: s[:i], Quantity: q})
	}
	return out, nil
}

// remainder is what is left to refund of one line or one VAT rate: the last
// refund of it takes exactly this, so that the VAT of all refunds of a sale
// sums to the sale's VAT to the øre, whatever the order of partial refunds.
type remainder struct {
	qty        int
	gross, vat int64
}

// books replays a sale's refunds in order to know what is left per line and
// per VAT rate.
type books struct {
	lines map[string]*remainder     // by product id
	rates map[money.Rate]*remainder // by VAT percent
	order []money.Rate              // VAT rates, highest first
	byID  map[string]basket.Line
}

func newBooks(s *journal.Sale) *books {
	b := &books{lines: map[string]*remainder{}, rates: map[money.Rate]*remainder{}, byID: map[string]basket.Line{}}
	// Settled: a line's share of a basket discount is part of what it cost.
	for _, l := range s.Basket.Settled().Lines {
		_, vat := l.Split()
		b.lines[l.ProductID] = &remainder{qty: l.Quantity, gross: l.Total(), vat: vat}
		b.byID[l.ProductID] = l
	}
	for _, v := range s.Totals.ByVAT {
		b.rates[v.Rate] = &remainder{gross: v.Gross, vat: v.VAT}
		b.order = append(b.order, v.Rate)
	}
	sort.Slice(b.order, func(i, j int) bool { return b.order[i] > b.order[j] })
	return b
}

// errMixed refuses a refund by line after a refund by amount took part of
// that line's VAT rate: the VAT per rate would no longer add up.
var errMixed = errors.New("part of this sale was refunded by amount; refund the rest by amount")

// byLines computes a refund of the given lines and, if commit, books it.
func (b *books) byLines(ls []LineQty, commit bool) (Breakdown, error) {
	var bd Breakdown
	rates := map[money.Rate]*basket.VATLine{}
	seen := map[string]bool{}
	for _, lq := range ls {
		l, ok := b.byID[lq.ProductID]
		if !ok {
			return Breakdown{}, fmt.Errorf("the sale has no line %s", lq.ProductID)
		}
		if seen[lq.ProductID] {
			return Breakdown{}, fmt.Errorf("line %s is listed twice", l.Name)
		}
		seen[lq.ProductID] = true
		left := b.lines[lq.ProductID]
		if lq.Quantity <= 0 {
			return Breakdown{}, fmt.Errorf("refund at least one %s", l.Name)
		}
		if lq.Quantity > left.qty {
			return Breakdown{}, fmt.Errorf("only %d of %s can still be refunded", left.qty, l.Name)
		}
		// What the customer paid for them, discounts taken off, not the list price.
		gross, vat := l.Part(lq.Quantity), int64(0)
		if lq.Quantity == left.qty {
			gross, vat = left.gross, left.vat
		} else {
			_, vat = money.Split(gross, l.VATRate)
		}
		rl := l
		rl.Quantity = lq.Quantity
		// The refunded line's discount is whatever makes its total the
		// money returned, so its receipt line reads list price − discount.
		rl.Off, rl.BasketOff = nil, 0
		rl.BasketOff = rl.Gross() - gross
		bd.Lines = append(bd.Lines, rl)
		r := rates[l.VATRate]
		if r == nil {
			r = &basket.VATLine{Rate: l.VATRate}
			rates[l.VATRate] = r
		}
		r.Gross += gross
		r.VAT += vat
		r.Net += gross - vat
	}
	for p, r := range rates {
		if left := b.rates[p]; left == nil || r.Gross > left.gross {
			return Breakdown{}, errMixed
		}
	}
	bd.Totals = totalsOf(rates)
	if commit {
		for _, rl := range bd.Lines {
			left := b.lines[rl.ProductID]
			g, v := b.byID[rl.ProductID].Part(rl.Quantity), int64(0)
			if rl.Quantity == left.qty {
				g, v = left.gross, left.vat
			} else {
				_, v = money.Split(g, rl.VATRate)
			}
			left.qty -= rl.Quantity
			left.gross -= g
			left.vat -= v
		}
		for p, r := range rates {
			b.rates[p].gross -= r.Gross
			b.rates[p].vat -= r.VAT
		}
	}
	return bd, nil
}

// byAmount computes a refund of amount, shared among the VAT rates in
// proportion to what is left of each, and, if commit, books it.
func (b *books) byAmount(amount int64, commit bool) (Breakdown, error) {
	var left int64
	weights := make([]int64, len(b.order))
	for i, p := range b.order {
		weights[i] = b.rates[p].gross
		left += weights[i]
	}
	if amount <= 0 {
		return Breakdown{}, errors.New("the amount to refund must be more than zero")
	}
	if amount > left {
		return Breakdown{}, fmt.Errorf("at most %s of this sale can still be refunded", money.Format(left))
	}
	parts := Apportion(amount, weights)
	rates := map[money.Rate]*basket.VATLine{}
	for i, p := range b.order {
		if parts[i] == 0 {
			continue
		}
		r := b.rates[p]
		vat := r.vat
		if parts[i] != r.gross {
			_, vat = money.Split(parts[i], p)
		}
		rates[p] = &basket.VATLine{Rate: p, Gross: parts[i], VAT: vat, Net: parts[i] - vat}
	}
	if commit {
		for p, v := range rates {
			b.rates[p].gross -= v.Gross
			b.rates[p].vat -= v.VAT
		}
	}
	return Breakdown{Totals: totalsOf(rates)}, nil
}

// apply books (or only computes) one journaled refund.
func (b *books) apply(r journal.Refund, commit bool) (Breakdown, error) {
	if len(r.Lines) > 0 {
		ls, err := decodeLines(r.Lines)
		if err != nil {
			return Breakdown{}, err
		}
		bd, err := b.byLines(ls, commit)
		if err == nil && bd.Totals.Gross != r.Amount {
			err = fmt.Errorf("refund %s: lines total %d, amount %d", r.Key, bd.Totals.Gross, r.Amount)
		}
		return bd, err
	}
	return b.byAmount(r.Amount, commit)
}

// counts reports whether a refund takes part of the sale: confirmed or still
// pending. One the API refused moved no money.
func counts(r journal.Refund) bool { return r.Done || r.Error == "" }

// replay books every refund of s that counts and returns the breakdown of each
// refund (refused ones computed as they would have been).
func replay(s *journal.Sale) (*books, []Breakdown, error) {
	b := newBooks(s)
	out := make([]Breakdown, len(s.Refunds))
	// Lines brought back in exchanges count as refunded, booked in the
	// order they happened among the refunds (the last of a line takes what
	// is left of it).
	x := 0
	exchanges := func(before time.Time) error {
		for ; x < len(s.Exchanges) && (before.IsZero() || s.Exchanges[x].At.Before(before)); x++ {
			e := s.Exchanges[x]
			bd, err := b.byLines([]LineQty{{ProductID: e.ProductID, Quantity: e.Quantity}}, true)
			if err == nil && bd.Totals.Gross != e.Amount {
				err = fmt.Errorf("lines total %d, amount %d", bd.Totals.Gross, e.Amount)
			}
			if err != nil {
				return fmt.Errorf("sale %s exchange in sale %d: %w", s.ReceiptNumber, e.Sale, err)
			}
		}
		return nil
	}
	for i, r := range s.Refunds {
		if r.Exchange {
			continue // an exchange's difference: its return is in its lines
		}
		if err := exchanges(r.At); err != nil {
			return b, out, err
		}
		bd, err := b.apply(r, counts(r))
		if err != nil {
			return b, out, fmt.Errorf("sale %s refund %d: %w", s.ReceiptNumber, i+1, err)
		}
		out[i] = bd
	}
	return b, out, exchanges(time.Time{})
}

// Breakdowns returns the lines and VAT per rate of each of the sale's refunds,
// in the order of s.Refunds.
func Breakdowns(s *journal.Sale) ([]Breakdown, error) {
	_, out, err := replay(s)
	return out, err
}

// Remaining is how many of each line may still be refunded, by product id.
func Remaining(s *journal.Sale) map[string]int {
	b, _, _ := replay(s)
	out := map[string]int{}
	for id, r := range b.lines {
		out[id] = r.qty
	}
	return out
}

func totalsOf(rates map[money.Rate]*basket.VATLine) basket.Totals {
	var t basket.Totals
	for _, r := range rates {
		t.ByVAT = append(t.ByVAT, *r)
		t.Gross += r.Gross
		t.Net += r.Net
		t.VAT += r.VAT
	}
	sort.Slice(t.ByVAT, func(i, j int) bool { return t.ByVAT[i].Rate > t.ByVAT[j].Rate })
	return t
}

// Apportion shares amount among weights in proportion, in whole minor units,
// by the largest-remainder method: each part is its exact share rounded down,
// and the units left over go to the largest fractions (the first on a tie).
// The parts sum to amount exactly, and no part exceeds its weight when amount
// does not exceed the weights' sum. All arithmetic is on integers; amount and
// the weights must not be negative, nor amount above their sum.
func Apportion(amount int64, weights []int64) []int64 {
	parts := make([]int64, len(weights))
	var total int64
	for _, w := range weights {
		total += w
	}
	if total <= 0 || amount > total {
		// Outside the contract: still sum to amount, the excess on the first.
		if len(parts) > 0 {
			copy(parts, weights)
			parts[0] += amount - max(total, 0)
		}
		return parts
	}
	rems := make([]int64, len(weights))
	var given int64
	for i, w := range weights {
		// amount·w can pass int64 for large amounts; multiply into 128 bits.
		// The quotient is at most w, as amount is at most total.
		hi, lo := bits.Mul64(uint64(amount), uint64(w))
		q, rem := bits.Div64(hi, lo, uint64(total))
		parts[i], rems[i] = int64(q), int64(rem)
		given += parts[i]
	}
	idx := make([]int, len(weights))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return rems[idx[a]] > rems[idx[b]] })
	for k := 0; given < amount; k = (k + 1) % len(idx) {
		parts[idx[k]]++
		given++
	}
	return parts
}
