package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/kasse-pos/kasse/app/money"
	"sort"
	"time"

	"github.com/kasse-pos/kasse/app/fiscal"
	"github.com/kasse-pos/kasse/app/journal"
)

// Header is who and what a report is about: the items of § 2-8-2 b and d.
type Header struct {
	CompanyName string `json:"companyName"`
	OrgNumber   string `json:"orgNumber"`
	// RegisterID is the cash point's id (the SAF-T registerID); SystemID the
	// cash register system's ID number (licence and serial number).
	RegisterID string `json:"registerId"`
	SystemID   string `json:"systemId,omitempty"`
	// ArticleGroups maps product ids to article groups (see ArticleGroup).
	ArticleGroups map[string]string `json:"-"`
}

// Total is a count and an amount (minor units, VAT included).
type Total struct {
	Count  int   `json:"count"`
	Amount int64 `json:"amount"`
}

func (t *Total) add(n int, amount int64) {
	t.Count += n
	t.Amount += amount
}

// Line is a count and an amount of one kind: a product group, a means of
// payment, a type of correction.
type Line struct {
	Key  string `json:"key"`
	Desc string `json:"desc,omitempty"`
	// Cashier is set in the per-cashier lists.
	Cashier string `json:"cashier,omitempty"`
	Total
}

// VATLine is the sales of one VAT rate, net of returns.
type VATLine struct {
	Rate  money.Rate `json:"percent"` // JSON: a percent, as 25 or 25.5
	Net   int64      `json:"net"`
	VAT   int64      `json:"vat"`
	Gross int64      `json:"gross"`
}

// Report is an X or Z report: everything registered on the cash point since
// the last Z report (the Z report resets it), and the grand totals since the
// journal began. Sums of money are minor units with VAT; returns are negative.
// Training sales are only in Training.
type Report struct {
	Type   string    `json:"type"` // journal.ReportX or journal.ReportZ
	Number int       `json:"number"`
	Made   time.Time `json:"made"`
	Header
	Day string `json:"day"` // the business day
	// Since is the time of the last Z report (zero: the journal's start);
	// FromSeq and ToSeq the journal records the report covers.
	Since          time.Time `json:"since"`
	FromSeq, ToSeq uint64

	Sales   Total  `json:"sales"`   // signed sales
	Returns Total  `json:"returns"` // signed returns (negative amounts)
	Net     int64  `json:"net"`     // Sales + Returns
	Groups  []Line `json:"groups"`
	// Payments per means of payment; CashierPayments the same per cashier
	// (when cashiers log in); CashierGroups the groups per cashier.
	// Payments are the money that changed hands, cash with its rounding: they
	// add up to Net + Rounding.
	Payments        []Line    `json:"payments"`
	Rounding        int64     `json:"rounding,omitempty"`
	CashierPayments []Line    `json:"cashierPayments,omitempty"`
	CashierGroups   []Line    `json:"cashierGroups,omitempty"`
	VAT             []VATLine `json:"vat"`
	OpeningFloat    int64     `json:"openingFloat"`
	// Receipts counts sales receipts (paper or electronic, one per sale);
	// ReturnReceipts the return receipts.
	Receipts       int `json:"receipts"`
	ReturnReceipts int `json:"returnReceipts"`
	// NoSaleOpenings counts drawer openings without a sale (nullinnslag).
	NoSaleOpenings int   `json:"noSaleOpenings"`
	Copies         Total `json:"copies"`
	Proforma       Total `json:"proforma"` // Kasse prints no pro forma receipts
	Discounts      Total `json:"discounts"`
	Voids          Total `json:"voids"` // Kasse has no void receipts
	// Corrections are line corrections before payment (reductions only).
	Corrections []Line `json:"corrections"`
	// PriceLookups per product group.
	PriceLookups []Line `json:"priceLookups"`
	// Other are the sales that ended without payment, by how.
	Other    []Line `json:"other"`
	Delivery Total  `json:"delivery"` // no credit sales in Kasse
	Training Total  `json:"training"` // training sales, net of training returns
	PayIns   Total  `json:"payIns"`
	PayOuts  Total  `json:"payOuts"`
	Logins   int    `json:"logins"`
	XReports int    `json:"xReports"` // X reports since the last Z, this one excluded

	GrandSales   int64 `json:"grandSales"`
	GrandReturns int64 `json:"grandReturns"`
	GrandNet     int64 `json:"grandNet"`

	// Unsigned counts completed transactions not signed yet (a crash before
	// signing): they are signed on the next start and counted then.
	Unsigned int      `json:"unsigned,omitempty"`
	Problems []string `json:"problems,omitempty"`
}

// Correction and other types (reportCorrLines, reportOtherCorrs).
const (
	CorrReduced  = "REDUCED"  // a line's quantity lowered
	CorrRemoved  = "REMOVED"  // a line removed
	CorrCleared  = "CLEARED"  // the basket emptied (each line counts)
	OtherDecline = "DECLINED" // the customer declined in the app
	OtherCancel  = "CANCELLED"
	OtherExpired = "EXPIRED"
	OtherFailed  = "FAILED"
)

var descs = map[string]string{
	CorrReduced: "Antall redusert", CorrRemoved: "Linje slettet", CorrCleared: "Handlekurv tømt",
	OtherDecline: "Avvist av kunden", OtherCancel: "Avbrutt", OtherExpired: "Utløpt", OtherFailed: "Feilet",
}

// Build makes the report of the given type over j, as of now: what happened
// after the last Z report. It does not journal it (the back office does, see
// app/backoffice).
func Build(j *journal.Journal, typ string, h Header, now time.Time) (*Report, error) {
	if typ != journal.ReportX && typ != journal.ReportZ {
		return nil, fmt.Errorf("report type %q is neither X nor Z", typ)
	}
	st, err := j.Station()
	if err != nil {
		return nil, err
	}
	rp := &Report{Type: typ, Made: now, Header: h, Day: j.BusinessDay(), FromSeq: st.LastZSeq + 1}
	rp.Number = st.LastX + 1
	if typ == journal.ReportZ {
		rp.Number = st.LastZ + 1
	}
	b := newBuilder(rp, st.LastZSeq)
	if err := j.EachRecord(1, func(r journal.Record) bool { b.add(r); return true }); err != nil {
		return nil, fmt.Errorf("report: read the journal: %w", err)
	}
	b.finish()
	return rp, nil
}

type builder struct {
	rp     *Report
	lastZ  uint64
	sales  map[uint64]*journal.Sale
	kinds  map[uint64]map[journal.Kind]bool
	signed map[uint64]map[string]bool
	// receipts: the sales whose receipt went out in the period.
	receipts                                                          map[uint64]bool
	groups, payments, cashierPay, cashierGroups, corr, lookups, other map[string]*Line
	vat                                                               map[money.Rate]*VATLine
}

func newBuilder(rp *Report, lastZ uint64) *builder {
	m := func() map[string]*Line { return map[string]*Line{} }
	return &builder{rp: rp, lastZ: lastZ, sales: map[uint64]*journal.Sale{}, kinds: map[uint64]map[journal.Kind]bool{},
		signed: map[uint64]map[string]bool{}, receipts: map[uint64]bool{},
		groups: m(), payments: m(), cashierPay: m(), cashierGroups: m(), corr: m(), lookups: m(), other: m(), vat: map[money.Rate]*VATLine{}}
}

func line(m map[string]*Line, key, cashier, desc string, n int, amount int64) {
	k := cashier + "\x00" + key
	l := m[k]
	if l == nil {
		l = &Line{Key: key, Cashier: cashier, Desc: desc}
		m[k] = l
	}
	l.add(n, amount)
}

func (b *builder) add(r journal.Record) {
	rp := b.rp
	in := r.Seq > b.lastZ
	if r.Seq == b.lastZ && b.lastZ != 0 {
		rp.Since = r.At
	}
	rp.ToSeq = max(rp.ToSeq, r.Seq)
	if r.Sale == 0 {
		if in {
			b.station(r)
		}
		return
	}
	s := b.sales[r.Sale]
	if s == nil {
		s = new(journal.Sale)
		b.sales[r.Sale] = s
		b.kinds[r.Sale] = map[journal.Kind]bool{}
	}
	before := s.Basket.Clone()
	if err := journal.Apply(s, r); err != nil {
		rp.Problems = append(rp.Problems, err.Error())
		return
	}
	b.kinds[r.Sale][r.Kind] = true
	if !in {
		return
	}
	switch r.Kind {
	case journal.KindSigned:
		b.signedTxn(s, *r.Signed)
	case journal.KindPrinted, journal.KindReceipt:
		if r.Print.Error != "" || s.Training {
			return
		}
		if r.Print.Of != "" {
			if r.Kind == journal.KindPrinted {
				rp.ReturnReceipts++
			}
			return
		}
		b.receipts[s.ID] = true
	case journal.KindCopy:
		if r.Print.Error == "" && r.Print.Of == "" && !s.Training {
			rp.Copies.add(1, s.Totals.Gross)
		}
	case journal.KindLineChanged, journal.KindLineRemoved:
		if s.Training {
			return
		}
		l, q := r.Line.Line, r.Line.Line.Quantity
		typ := CorrReduced
		if r.Kind == journal.KindLineRemoved {
			q, typ = 0, CorrRemoved
		}
		if q < r.Line.Before {
			line(b.corr, typ, "", descs[typ], 1, -l.UnitPrice*int64(r.Line.Before-q))
		}
	case journal.KindBasketCleared:
		// A basket dropped after its payment ended unpaid is counted once,
		// under Other (declined, cancelled…), not again as corrections.
		if !s.Training && len(before.Lines) > 0 && len(s.Attempts) == 0 {
			line(b.corr, CorrCleared, "", descs[CorrCleared], len(before.Lines), -before.Totals().Gross)
		}
	case journal.KindState:
		if s.Training {
			return
		}
		a := s.Attempt(r.Ref)
		var typ string
		switch r.State.State {
		case journal.StateAborted:
			typ = OtherDecline
		case journal.StateCancelled, journal.StateTerminated:
			typ = OtherCancel
		case journal.StateExpired:
			typ = OtherExpired
		case journal.StateFailed:
			typ = OtherFailed
		}
		if typ != "" && a != nil {
			line(b.other, typ, "", descs[typ], 1, a.Totals.Gross)
		}
	case journal.KindLineDiscounted, journal.KindBasketDiscounted, journal.KindLineRepriced:
		if !s.Training {
			rp.Discounts.add(1, AmountOf(r))
		}
	}
}

// station counts a till-level record of the period.
func (b *builder) station(r journal.Record) {
	rp := b.rp
	switch r.Kind {
	case journal.KindPriceLookup:
		g := ArticleGroup(r.Station.ProductID, r.Station.VAT, rp.ArticleGroups)
		if r.Station.Group != "" {
			g = r.Station.Group
		}
		line(b.lookups, g, "", "", 1, r.Station.Amount)
	case journal.KindReport:
		if r.Report != nil && r.Report.Type == journal.ReportX {
			rp.XReports++
		}
	case journal.KindDrawerOpened:
		if r.Drawer != nil && r.Drawer.Reason != journal.DrawerSale && r.Drawer.Sale == 0 {
			rp.NoSaleOpenings++ // nullinnslag: opened without a sale or refund
		}
	case journal.KindCashierLogin:
		rp.Logins++
	case journal.KindCashIn:
		if r.Cash != nil && r.Cash.Reason == journal.CashFloat {
			rp.OpeningFloat += AmountOf(r)
		} else {
			rp.PayIns.add(1, AmountOf(r))
		}
	case journal.KindCashOut:
		rp.PayOuts.add(1, AmountOf(r))
	}
}

// signedTxn counts one signed transaction: a sale or a return.
func (b *builder) signedTxn(s *journal.Sale, sg journal.SignedData) {
	rp := b.rp
	if b.signed[s.ID] == nil {
		b.signed[s.ID] = map[string]bool{}
	}
	b.signed[s.ID][sg.Of] = true
	var c *fiscal.Completed
	for _, t := range fiscal.Transactions(s) {
		if t.Of == sg.Of {
			c = &t
			break
		}
	}
	if c == nil {
		rp.Problems = append(rp.Problems, fmt.Sprintf("signature nr %s matches no transaction of sale %d", sg.Nr, s.ID))
		return
	}
	if s.Training {
		rp.Training.add(1, c.AmountIn)
		return
	}
	if c.Return {
		rp.Returns.add(1, c.AmountIn)
	} else {
		rp.Sales.add(1, c.AmountIn)
	}
	// Per means of payment: a split sale counts once under each.
	paid := TendersOf(s, *c)
	rp.Rounding += Rounding(paid, *c)
	for _, p := range paid {
		line(b.payments, p.Code.ID, "", p.Code.Desc, 1, p.Amount)
		if s.Cashier != "" {
			line(b.cashierPay, p.Code.ID, s.Cashier, p.Code.Desc, 1, p.Amount)
		}
	}
	for _, l := range c.Lines {
		g := ArticleGroup(l.ProductID, l.VATRate, rp.ArticleGroups)
		line(b.groups, g, "", "", l.Quantity, l.AmountIn)
		if s.Cashier != "" {
			line(b.cashierGroups, g, s.Cashier, "", l.Quantity, l.AmountIn)
		}
		v := b.vat[l.VATRate]
		if v == nil {
			v = &VATLine{Rate: l.VATRate}
			b.vat[l.VATRate] = v
		}
		v.Gross += l.AmountIn
		v.Net += l.AmountEx
		v.VAT += l.AmountIn - l.AmountEx
	}
}

func (b *builder) finish() {
	rp := b.rp
	for id, s := range b.sales {
		if s.Training {
			continue
		}
		for _, c := range fiscal.Transactions(s) {
			if !b.signed[id][c.Of] {
				rp.Unsigned++
			}
		}
		for _, sg := range s.Signatures {
			if c := find(s, sg.Of); c != nil {
				if c.Return {
					rp.GrandReturns += c.AmountIn
				} else {
					rp.GrandSales += c.AmountIn
				}
			}
		}
	}
	rp.GrandNet = rp.GrandSales + rp.GrandReturns
	rp.Net = rp.Sales.Amount + rp.Returns.Amount
	rp.Receipts = len(b.receipts)
	rp.Groups = sorted(b.groups)
	rp.Payments = sorted(b.payments)
	rp.CashierPayments = sorted(b.cashierPay)
	rp.CashierGroups = sorted(b.cashierGroups)
	rp.Corrections = sorted(b.corr)
	rp.PriceLookups = sorted(b.lookups)
	rp.Other = sorted(b.other)
	for _, v := range b.vat {
		rp.VAT = append(rp.VAT, *v)
	}
	sort.Slice(rp.VAT, func(i, k int) bool { return rp.VAT[i].Rate > rp.VAT[k].Rate })
	if rp.Unsigned > 0 {
		rp.Problems = append(rp.Problems, fmt.Sprintf("%d completed transaction(s) not signed yet: restart the till to sign them, then make the report again", rp.Unsigned))
	}
}

func find(s *journal.Sale, of string) *fiscal.Completed {
	for _, t := range fiscal.Transactions(s) {
		if t.Of == of {
			return &t
		}
	}
	return nil
}

func sorted(m map[string]*Line) []Line {
	out := make([]Line, 0, len(m))
	for _, l := range m {
		out = append(out, *l)
	}
	sort.Slice(out, func(i, k int) bool {
		if out[i].Cashier != out[k].Cashier {
			return out[i].Cashier < out[k].Cashier
		}
		return out[i].Key < out[k].Key
	})
	return out
}

// Record is the journal record that stores the report whole: its figures
// and its text as printed.
func (rp *Report) Record() (journal.Record, error) {
	data, err := json.Marshal(rp)
	if err != nil {
		return journal.Record{}, fmt.Errorf("report: %w", err)
	}
	return journal.Record{Kind: journal.KindReport, Note: rp.Title(),
		Report: &journal.ReportData{Type: rp.Type, Number: rp.Number, Data: data, Text: rp.Text()}}, nil
}

// ErrNoReport means a record holds no report.
var ErrNoReport = errors.New("the record holds no report")

// FromRecord reads a stored report back.
func FromRecord(r journal.Record) (*Report, error) {
	if r.Kind != journal.KindReport || r.Report == nil {
		return nil, ErrNoReport
	}
	rp := new(Report)
	if err := json.Unmarshal(r.Report.Data, rp); err != nil {
		return nil, fmt.Errorf("report nr %d: %w", r.Report.Number, err)
	}
	return rp, nil
}
