// Package saft writes the journal as a SAF-T Cash Register file (Norway,
// kassasystemforskrifta § 2-7 first paragraph; schema v1.00) and checks the
// signatures of such a file.
//
// The file is derived from the journal only: a cashtransaction for every
// signed transaction (journal.KindSigned) dated in the period, with the lines,
// VAT and payment of the sale or refund it covers (fiscal.Transactions, the
// same fold that was signed), and an event for every journal record that maps
// to an event code. Event codes Kasse does not write yet are listed in
// docs/kassasystem.md.
package saft

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/kasse-pos/kasse/app/events"
	"github.com/kasse-pos/kasse/app/fiscal"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
)

// Kasse's own codes (basicID) and the predefined codes they map to.
const (
	LineSale   = "SAL" // basic type 05, no predefined list
	LineReturn = "RET"

	TransSale   = "CASHSAL"   // 11001 cash sale
	TransReturn = "RETURNSAL" // 11006 return payment

	// Payment and event codes come from app/events, the one table the
	// reports share; these names are kept for readers of the file.
	PayVipps = "VIPPS" // 12011 mobile phone apps
	PayCash  = "CASH"  // 12001 cash

	EventReceipt    = "SALREC"    // 13012 sales receipt (paper or electronic)
	EventCopy       = "COPYREC"   // 13014 copy receipt
	EventXReport    = "XREP"      // 13008 X report
	EventZReport    = "ZREP"      // 13009 Z report
	EventLineCorr   = "LINECORR"  // 13999 line reduced or removed before payment
	EventBasketVoid = "BASKETCLR" // 13999 basket cleared before payment
	EventPriceChg   = "PRICECHG"  // 13021 price changed by hand (line.repriced)
)

type basicCode struct{ typ, id, predefined, list, desc string }

var fixedBasics = func() []basicCode {
	out := []basicCode{
		{"05", LineSale, "", "", "Salgslinje"},
		{"05", LineReturn, "", "", "Returlinje"},
		{"11", TransSale, "11001", listTrans, ""},
		{"11", TransReturn, "11006", listTrans, ""},
	}
	for _, c := range events.PaymentCodes {
		out = append(out, basicCode{"12", c.ID, c.Predefined, listPayment, c.Desc})
	}
	for _, c := range events.EventCodes {
		out = append(out, basicCode{"13", c.ID, c.Predefined, listEvent, c.Desc})
	}
	return out
}()

// ErrUnsigned means the journal has completed transactions without a
// signature: the till must sign them (fiscal.Signer.SignPending) before an
// export can be complete.
var ErrUnsigned = errors.New("the journal has completed transactions that are not signed")

// maxText is the longest eventText the schema allows (String9999).
const maxText = 9999

// Build makes the audit file for the cash register's journal j from day from
// to day to (YYYY-MM-DD, both included, Norwegian time). created is the time
// of creation written in the header.
func Build(ctx context.Context, j *journal.Journal, cfg Config, from, to string, created time.Time) (*AuditFile, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	start, err := time.ParseInLocation(time.DateOnly, from, fiscal.Norway)
	if err != nil {
		return nil, fmt.Errorf("saft: from %q: %w", from, err)
	}
	end, err := time.ParseInLocation(time.DateOnly, to, fiscal.Norway)
	if err != nil {
		return nil, fmt.Errorf("saft: to %q: %w", to, err)
	}
	if end.Before(start) {
		return nil, fmt.Errorf("saft: the period ends (%s) before it starts (%s)", to, from)
	}
	b := &builder{cfg: cfg, j: j, sales: map[uint64]*journal.Sale{}, kinds: map[uint64]map[journal.Kind]bool{}, usedEvents: map[string]bool{}, groups: map[string]bool{},
		articles: map[string]Article{}, employees: map[string]Employee{}, vatCodes: map[money.Rate]bool{}}
	if err := b.checkSigned(); err != nil {
		return nil, err
	}
	inPeriod := func(date string) bool { return date >= from && date <= to }

	var recs []journal.Record
	if err := j.EachRecord(1, func(r journal.Record) bool {
		recs = append(recs, r)
		if r.Sale != 0 {
			if b.kinds[r.Sale] == nil {
				b.kinds[r.Sale] = map[journal.Kind]bool{}
			}
			b.kinds[r.Sale][r.Kind] = true
		}
		return ctx.Err() == nil
	}); err != nil {
		return nil, fmt.Errorf("saft: read the journal: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	reg := CashRegister{RegisterID: cfg.RegisterID, RegDesc: cfg.RegisterDesc}
	for _, r := range recs {
		if r.Kind == journal.KindSigned {
			if r.Signed == nil || !inPeriod(r.Signed.Date) {
				continue
			}
			ct, err := b.transaction(r)
			if err != nil {
				return nil, err
			}
			reg.Transactions = append(reg.Transactions, ct)
			continue
		}
		at := r.At.In(fiscal.Norway)
		if !inPeriod(at.Format(time.DateOnly)) {
			continue
		}
		ev, ok, err := b.event(r, at)
		if err != nil {
			return nil, err
		}
		if ok {
			reg.Events = append(reg.Events, ev)
			b.usedEvents[ev.EventType] = true
		}
		b.lastZ = r.Kind == journal.KindReport && r.Report != nil && r.Report.Type == journal.ReportZ
	}

	created = created.In(fiscal.Norway)
	af := &AuditFile{
		Header: Header{
			FiscalYear: from[:4], StartDate: from, EndDate: to, CurCode: cfg.Currency,
			DateCreated: created.Format(time.DateOnly), TimeCreated: created.Format(time.TimeOnly),
			SoftwareDesc: cfg.SoftwareName, SoftwareVersion: cfg.SoftwareVersion, SoftwareCompanyName: cfg.SoftwareCompany,
			AuditfileVersion: "1.0",
			HeaderComment:    fmt.Sprintf("Utvalg: kasse %s, %s til %s", cfg.RegisterID, from, to),
		},
		Company: Company{CompanyIdent: cfg.OrgNumber, CompanyName: cfg.CompanyName, TaxRegistrationCountry: "NO"},
	}
	if cfg.VATRegistered {
		af.Company.TaxRegIdent = cfg.OrgNumber + "MVA"
	}
	addr := &StreetAddress{Streetname: cfg.Address.Street, City: cfg.Address.City, PostalCode: cfg.Address.PostalCode, Country: cfg.Address.Country}
	af.Company.StreetAddress = addr
	if err := b.fill(&af.Company, from); err != nil {
		return nil, err
	}
	af.Company.Locations = []Location{{Name: cfg.LocationName, StreetAddress: addr, CashRegisters: []CashRegister{reg}}}
	return af, nil
}

type builder struct {
	cfg        Config
	j          *journal.Journal
	sales      map[uint64]*journal.Sale
	kinds      map[uint64]map[journal.Kind]bool // the kinds of each sale's records
	groups     map[string]bool
	lastZ      bool // the record before was a Z report
	usedEvents map[string]bool
	articles   map[string]Article
	employees  map[string]Employee
	vatCodes   map[money.Rate]bool
}

func (b *builder) sale(id uint64) (*journal.Sale, error) {
	if s, ok := b.sales[id]; ok {
		return s, nil
	}
	s, err := b.j.Get(id)
	if err != nil {
		return nil, fmt.Errorf("saft: sale %d: %w", id, err)
	}
	b.sales[id] = s
	return s, nil
}

// checkSigned refuses a journal with completed but unsigned transactions: a
// file without them would look complete and not be.
func (b *builder) checkSigned() error {
	var missing []string
	err := b.j.Each(func(s *journal.Sale) bool {
		done := map[string]bool{}
		for _, sg := range s.Signatures {
			done[sg.Of] = true
		}
		for _, c := range fiscal.Transactions(s) {
			if !done[c.Of] {
				missing = append(missing, fmt.Sprintf("sale %d (%s)", s.ID, c.Of))
			}
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("saft: read the journal: %w", err)
	}
	if len(missing) > 0 {
		return fmt.Errorf("saft: %w: %v", ErrUnsigned, missing)
	}
	return nil
}

func (b *builder) employee(id string, at time.Time) string {
	if id == "" {
		return ""
	}
	if rs := []rune(id); len(rs) > 35 { // IdentificationString35
		id = string(rs[:35])
	}
	if _, ok := b.employees[id]; !ok {
		b.employees[id] = Employee{EmpID: id, DateOfEntry: at.Format(time.DateOnly), TimeOfEntry: at.Format(time.TimeOnly), SurName: id}
	}
	return id
}

func (b *builder) articleGroup(l fiscal.Line) (string, error) {
	g := b.cfg.ArticleGroups[l.ProductID]
	if g == "" {
		g = "04003" // sale of goods
		if l.VATRate == money.Percent(15) {
			g = "04006" // food
		}
	}
	if _, err := officialCode(listArtGroup, g); err != nil {
		return "", fmt.Errorf("saft: article group of %q: %w", l.ProductID, err)
	}
	b.groups[g] = true
	return g, nil
}

func (b *builder) transaction(r journal.Record) (CashTransaction, error) {
	sg := r.Signed
	s, err := b.sale(r.Sale)
	if err != nil {
		return CashTransaction{}, err
	}
	var c *fiscal.Completed
	for _, t := range fiscal.Transactions(s) {
		if t.Of == sg.Of {
			c = &t
			break
		}
	}
	if c == nil || c.AmountIn != sg.AmountIn || c.AmountEx != sg.AmountEx {
		return CashTransaction{}, fmt.Errorf("saft: signature nr %s no longer matches sale %d (%s); check the journal with `kasse journal verify`", sg.Nr, s.ID, sg.Of)
	}
	at, err := time.ParseInLocation(time.DateOnly+" "+time.TimeOnly, sg.Date+" "+sg.Time, fiscal.Norway)
	if err != nil {
		return CashTransaction{}, fmt.Errorf("saft: signature nr %s: %w", sg.Nr, err)
	}
	tp, lineType, transType := "C", LineSale, TransSale
	if c.Return {
		tp, lineType, transType = "D", LineReturn, TransReturn
	}
	ct := CashTransaction{
		Nr: sg.Nr, TransID: sg.Nr, TransType: transType,
		TransAmntIn: fiscal.FormatAmount(sg.AmountIn), TransAmntEx: fiscal.FormatAmount(sg.AmountEx), AmntTp: tp,
		EmpID: b.employee(s.Cashier, at), TransDate: sg.Date, TransTime: sg.Time,
		Signature: sg.Signature, KeyVersion: sg.KeyVersion, TrainingID: s.Training,
	}
	if c.Of == fiscal.OfReturn {
		ct.Desc = "Retur uten kvittering, kvittering " + s.ReceiptNumber + ": " + s.Return.Reason
		ct.ReceiptNum = 1
	} else if c.Return {
		for _, o := range s.Signatures {
			if o.Of == fiscal.OfSale {
				ct.RefID = o.Nr
			}
		}
		ct.Desc = "Retur av kvittering " + s.ReceiptNumber
	} else {
		ct.Desc = "Kvittering " + s.ReceiptNumber
		if s.Printed || s.ReceiptURL != "" {
			ct.ReceiptNum = 1
		}
		ct.ReceiptCopyNum = min(s.Copies, 999)
	}
	type vatSum struct{ vat, base int64 }
	sums := map[money.Rate]*vatSum{}
	var rates []money.Rate
	for i, l := range c.Lines {
		g, err := b.articleGroup(l)
		if err != nil {
			return CashTransaction{}, err
		}
		code, err := standardVATCode(l.VATRate)
		if err != nil {
			return CashTransaction{}, fmt.Errorf("saft: sale %d: %w", s.ID, err)
		}
		b.vatCodes[l.VATRate] = true
		if sums[l.VATRate] == nil {
			sums[l.VATRate] = &vatSum{}
			rates = append(rates, l.VATRate)
		}
		sums[l.VATRate].vat += l.AmountIn - l.AmountEx
		sums[l.VATRate].base += l.AmountEx
		line := CTLine{Nr: sg.Nr, LineID: strconv.Itoa(i + 1), LineType: lineType, ArtGroupID: g,
			Qnt: strconv.Itoa(l.Quantity), LineAmntIn: fiscal.FormatAmount(l.AmountIn), LineAmntEx: fiscal.FormatAmount(l.AmountEx),
			AmntTp: tp, Ppu: fiscal.FormatAmount(l.UnitPrice),
			Vat: &Vat{VatCode: code, VatPerc: percent(l.VATRate), VatAmnt: fiscal.FormatAmount(l.AmountIn - l.AmountEx), VatAmntTp: tp,
				VatBasAmnt: fiscal.FormatAmount(l.AmountEx)}}
		if l.ProductID != "" {
			line.ArtID = l.ProductID
			if _, ok := b.articles[l.ProductID]; !ok {
				b.articles[l.ProductID] = Article{ArtID: l.ProductID, DateOfEntry: sg.Date, ArtGroupID: g, ArtDesc: l.Name}
			}
		} else {
			line.Desc = l.Name
		}
		ct.Lines = append(ct.Lines, line)
	}
	for _, p := range rates {
		code, _ := standardVATCode(p)
		ct.Vat = append(ct.Vat, Vat{VatCode: code, VatPerc: percent(p), VatAmnt: fiscal.FormatAmount(sums[p].vat), VatAmntTp: tp,
			VatBasAmnt: fiscal.FormatAmount(sums[p].base)})
	}
	ref := c.Reference
	if a := s.Attempt(c.Reference); a != nil && a.PSPReference != "" && !c.Return {
		ref += " (pspReference " + a.PSPReference + ")"
	}
	// One payment line per means of payment, from the sale's tenders (a
	// split sale: cash and Vipps MobilePay), cash as it changed hands; the
	// cash rounding is its own amount.
	paid := events.TendersOf(s, *c)
	for _, p := range paid {
		pm := Payment{PaymentType: p.Code.ID, PaidAmnt: fiscal.FormatAmount(p.Amount), EmpID: ct.EmpID, CurCode: b.cfg.Currency}
		if p.Code == events.PayVipps {
			pm.PaymentRefID = ref
		}
		ct.Payments = append(ct.Payments, pm)
	}
	if rd := events.Rounding(paid, *c); rd != 0 || s.CashPaid() > 0 {
		ct.Rounding = &Rounding{RoundingAmnt: fiscal.FormatAmount(rd)}
	}
	return ct, nil
}

// percent is SAF-T's two-decimal percentage: "25.00", "25.50".
func percent(r money.Rate) string { return fmt.Sprintf("%d.%02d", int(r/100), int(r%100)) }

// event maps a journal record to an event, if its kind has an event code
// (events.EventOf, the table the reports use too).
func (b *builder) event(r journal.Record, at time.Time) (Event, bool, error) {
	ev := Event{EventID: strconv.FormatUint(r.Seq, 10), EventDate: at.Format(time.DateOnly), EventTime: at.Format(time.TimeOnly)}
	var s *journal.Sale
	if r.Sale != 0 {
		var err error
		if s, err = b.sale(r.Sale); err != nil {
			return ev, false, err
		}
	}
	code, ok := events.EventOf(r, s != nil && s.Training)
	if r.Kind == journal.KindDayClosed && r.Day != nil && !b.lastZ {
		// A day closed before Z reports were stored whole (older journals):
		// its text is the report.
		code, ok = events.EventZReport, true
	}
	if !ok {
		return ev, false, nil
	}
	ev.EventType = code.ID
	switch r.Kind {
	case journal.KindPrinted:
		ev.EventText = "Salgskvittering skrevet ut"
		if r.Print.Of != "" {
			ev.EventText = "Returkvittering skrevet ut (" + r.Print.Of + ")"
		}
	case journal.KindReceipt:
		ev.EventText = "Elektronisk salgskvittering sendt"
	case journal.KindCopy:
		ev.EventText = "Kopikvittering (KOPI)"
	case journal.KindDayClosed:
		ev.EventText = "Z-rapport for " + r.Day.Closed + "\n" + r.Day.Report
	case journal.KindReport:
		rp, err := events.FromRecord(r)
		if err != nil {
			return ev, false, fmt.Errorf("saft: record %d: %w", r.Seq, err)
		}
		if ev.Report, err = b.eventReport(rp, at); err != nil {
			return ev, false, fmt.Errorf("saft: %s: %w", rp.Title(), err)
		}
		ev.EventText = r.Report.Text
	case journal.KindLineChanged, journal.KindLineRemoved:
		l, q := r.Line.Line, r.Line.Line.Quantity
		if r.Kind == journal.KindLineRemoved {
			q = 0
		}
		ev.EventText = fmt.Sprintf("Linjekorreksjon: %s (%s) %d → %d, %s", l.Name, l.ProductID, r.Line.Before, q,
			money.Format(-l.UnitPrice*int64(r.Line.Before-q)))
	case journal.KindLineRepriced:
		if r.Line == nil || r.Line.Line.Override == nil {
			return ev, false, nil
		}
		l := r.Line.Line
		ev.EventText = fmt.Sprintf("Prisendring: %s (%s) %s → %s: %s", l.Name, l.ProductID,
			money.Format(l.Override.ListPrice), money.Format(l.UnitPrice), l.Override.Reason)
	case journal.KindBasketCleared:
		ev.EventText = "Handlekurv tømt før betaling"
		if r.Note != "" {
			ev.EventText += " (" + r.Note + ")"
		}
	case journal.KindPriceLookup:
		d := r.Station
		ev.EventText = fmt.Sprintf("Prisforespørsel: %s (%s), varegruppe %s, %s", d.Name, d.ProductID,
			events.ArticleGroup(d.ProductID, d.VAT, b.cfg.ArticleGroups), money.Format(d.Amount))
	case journal.KindSettings, journal.KindTillStarted, journal.KindTillUpdated:
		ev.EventText = r.Station.Text
	case journal.KindParked:
		ev.EventText = "Kvittering parkert"
	case journal.KindRecalled:
		ev.EventText = "Parkert kvittering hentet tilbake"
	case journal.KindDropped:
		ev.EventText = "Parkert kvittering forkastet"
		if r.Note != "" {
			ev.EventText += " (" + r.Note + ")"
		}
	default:
		ev.EventText = r.Note
	}
	if s != nil {
		if s.Training {
			ev.EventText = "Trening: " + ev.EventText
		}
		for _, sg := range s.Signatures {
			if sg.Of == fiscal.OfSale {
				ev.TransID = sg.Nr
			}
		}
	}
	ev.EmpID = b.employee(r.Cashier, at)
	if rs := []rune(ev.EventText); len(rs) > maxText {
		ev.EventText = string(rs[:maxText])
	}
	return ev, true, nil
}

// fill writes the master data the transactions and events refer to.
func (b *builder) fill(c *Company, from string) error {
	var rates []money.Rate
	for p := range b.vatCodes {
		rates = append(rates, p)
	}
	sort.Slice(rates, func(i, j int) bool { return rates[i] > rates[j] })
	if len(rates) > 0 {
		c.VatCodeDetails = &VatCodeDetails{}
	}
	for _, p := range rates {
		code, err := standardVATCode(p)
		if err != nil {
			return err
		}
		desc, _ := officialCode(listTax, code)
		c.VatCodeDetails.VatCodeDetail = append(c.VatCodeDetails.VatCodeDetail,
			VatCodeDetail{VatCode: code, DateOfEntry: from, VatDesc: fmt.Sprintf("%s %s %%", desc, p), StandardVatCode: code})
	}
	if len(b.employees) > 0 {
		c.Employees = &Employees{}
		for _, id := range sortedKeys(b.employees) {
			c.Employees.Employee = append(c.Employees.Employee, b.employees[id])
		}
	}
	if len(b.articles) > 0 {
		c.Articles = &Articles{}
		for _, id := range sortedKeys(b.articles) {
			c.Articles.Article = append(c.Articles.Article, b.articles[id])
		}
	}
	c.Basics = &Basics{}
	for _, g := range sortedKeys(b.groups) {
		desc, err := officialCode(listArtGroup, g)
		if err != nil {
			return err
		}
		c.Basics.Basic = append(c.Basics.Basic, Basic{BasicType: "04", BasicID: g, PredefinedBasicID: g, BasicDesc: desc})
	}
	for _, f := range fixedBasics {
		if f.typ == "13" && !b.usedEvents[f.id] {
			continue // only the event codes the file uses
		}
		if _, err := officialCode(listBasicType, f.typ); err != nil {
			return err
		}
		desc := f.desc
		if f.list != "" {
			d, err := officialCode(f.list, f.predefined)
			if err != nil {
				return err
			}
			if desc == "" {
				desc = d
			}
		}
		c.Basics.Basic = append(c.Basics.Basic, Basic{BasicType: f.typ, BasicID: f.id, PredefinedBasicID: f.predefined, BasicDesc: desc})
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Write encodes af as an indented UTF-8 XML document.
func Write(w io.Writer, af *AuditFile) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("saft: write: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "\t")
	if err := enc.Encode(af); err != nil {
		return fmt.Errorf("saft: write: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("saft: write: %w", err)
	}
	return nil
}

// Export builds the file for the period and writes it into dir under
// FileName. It returns the file's path. A file that fails to write is
// removed, and an existing file is never overwritten.
func Export(ctx context.Context, j *journal.Journal, cfg Config, from, to, dir string, now time.Time) (string, error) {
	af, err := Build(ctx, j, cfg, from, to, now)
	if err != nil {
		return "", err
	}
	n := cfg.withDefaults().FileNumber
	path := filepath.Join(dir, FileName(cfg.OrgNumber, now.In(fiscal.Norway), n))
	// O_EXCL: never overwrite another export. Read-only once written: the
	// file is a copy of the journal for the tax office, not for editing.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return "", fmt.Errorf("saft: %w", err)
	}
	err = Write(f, af)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path) // a half-written file must not pass for an export
		return "", fmt.Errorf("saft: %s: %w", path, err)
	}
	return path, nil
}
