// Package events maps the journal onto the Norwegian cash register rules:
// which journal record is which SAF-T event (PredefinedBasicID-13), which
// tender is which payment code (PredefinedBasicID-12), and the X and Z
// reports (kassasystemforskrifta § 2-8-2, § 2-8-3) built from the journal.
//
// The mapping lives here, in one table, so the SAF-T export (app/saft) and
// the reports count the same records the same way.
package events

import (
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/app/money"
)

// Code is one SAF-T code Kasse uses: its own basicID, the predefined code it
// maps to, and a description (empty: the official list's).
type Code struct {
	ID         string
	Predefined string
	Desc       string
}

// Event codes (basic type 13). Several of Kasse's codes may map to one
// predefined code, as the official example maps two kinds of drawer opening
// to 13005.
var (
	EventStart      = Code{"START", "13001", ""}
	EventStop       = Code{"STOP", "13002", ""}
	EventLogin      = Code{"LOGIN", "13003", ""}
	EventLogout     = Code{"LOGOUT", "13004", ""}
	EventDrawerOpen = Code{"DRAWOPEN", "13005", ""}
	EventDrawerShut = Code{"DRAWCLOSE", "13006", ""}
	EventUpdate     = Code{"UPDATE", "13007", ""}
	EventXReport    = Code{"XREP", "13008", ""}
	EventZReport    = Code{"ZREP", "13009", ""}
	EventPark       = Code{"PARK", "13010", ""}
	EventResume     = Code{"RESUME", "13011", ""}
	EventReceipt    = Code{"SALREC", "13012", ""}
	EventReturn     = Code{"RETREC", "13013", ""}
	EventCopy       = Code{"COPYREC", "13014", ""}
	EventTraining   = Code{"TRAINREC", "13017", ""}
	EventCashOut    = Code{"CASHOUT", "13019", ""}
	EventSettings   = Code{"SETTINGS", "13021", "Endring av faste data (innstillinger)"}
	EventPriceCheck = Code{"PRICELOOK", "13022", ""}
	EventPriceChg   = Code{"PRICECHG", "13021", "Prisendring ved kassen"}
	EventTrainOn    = Code{"TRAINON", "13023", ""}
	EventTrainOff   = Code{"TRAINOFF", "13024", ""}
	EventLineCorr   = Code{"LINECORR", "13999", "Linjekorreksjon før betaling"}
	EventBasketVoid = Code{"BASKETCLR", "13999", "Handlekurv tømt før betaling"}
	EventCashIn     = Code{"CASHIN", "13999", "Innskudd av kontanter i kassa"}
	EventParkDrop   = Code{"PARKDROP", "13999", "Parkert kvittering forkastet"}
)

// EventCodes lists every event code, for the file's basics.
var EventCodes = []Code{
	EventStart, EventStop, EventLogin, EventLogout, EventDrawerOpen, EventDrawerShut, EventUpdate, EventXReport, EventZReport,
	EventPark, EventResume, EventReceipt, EventReturn, EventCopy, EventTraining, EventCashOut, EventSettings,
	EventPriceCheck, EventPriceChg, EventTrainOn, EventTrainOff, EventLineCorr, EventBasketVoid, EventCashIn, EventParkDrop,
}

// byKind is the table: a journal kind and the event it always is. Kinds
// whose event depends on the record (receipts, reports, line changes) are
// decided in EventOf.
var byKind = map[journal.Kind]Code{
	journal.KindTillStarted:   EventStart,
	journal.KindTillStopped:   EventStop,
	journal.KindTillUpdated:   EventUpdate,
	journal.KindCopy:          EventCopy,
	journal.KindSettings:      EventSettings,
	journal.KindPriceLookup:   EventPriceCheck,
	journal.KindLineRepriced:  EventPriceChg,
	journal.KindTrainingOn:    EventTrainOn,
	journal.KindTrainingOff:   EventTrainOff,
	journal.KindLineRemoved:   EventLineCorr,
	journal.KindBasketCleared: EventBasketVoid,
	journal.KindCashierLogin:  EventLogin,
	journal.KindCashierLogout: EventLogout,
	journal.KindDrawerOpened:  EventDrawerOpen,
	journal.KindParked:        EventPark,
	journal.KindRecalled:      EventResume,
	journal.KindDropped:       EventParkDrop,
	journal.KindCashOut:       EventCashOut,
	journal.KindCashIn:        EventCashIn,
	// 13020 (journal moved to another medium) and 13025 (memory full) are
	// for tills with ROM memory; 13026/13027 (emergency mode) and 13030 (sale
	// without a printed receipt) are not written yet (docs/kassasystem.md).
}

// EventOf says which event a journal record is, if any. training says the
// record's sale is a training sale: its receipts are training receipts
// (13017).
func EventOf(r journal.Record, training bool) (Code, bool) {
	switch r.Kind {
	case journal.KindPrinted, journal.KindReceipt:
		if r.Print == nil || r.Print.Error != "" {
			return Code{}, false
		}
		switch {
		case training:
			return EventTraining, true
		case r.Print.Of != "":
			return EventReturn, true
		}
		return EventReceipt, true
	case journal.KindCopy:
		if r.Print == nil || r.Print.Error != "" {
			return Code{}, false
		}
		if training {
			return EventTraining, true
		}
	case journal.KindReport:
		if r.Report == nil {
			return Code{}, false
		}
		if r.Report.Type == journal.ReportZ {
			return EventZReport, true
		}
		return EventXReport, true
	case journal.KindLineChanged:
		// Only a reduction is a line correction; an increase is not.
		if r.Line == nil || r.Line.Line.Quantity >= r.Line.Before {
			return Code{}, false
		}
		return EventLineCorr, true
	}
	c, ok := byKind[r.Kind]
	return c, ok
}

// Payment codes (basic type 12).
var (
	PayVipps = Code{"VIPPS", "12011", "Vipps MobilePay"} // mobile phone apps
	PayCash  = Code{"CASH", "12001", "Kontant"}          // notes and coins
)

// PaymentCodes lists every payment code, for the file's basics.
var PaymentCodes = []Code{PayVipps, PayCash}

// AmountOf is the money a record moved, in minor units: a pay-in or
// pay-out, or what a discount or a new price took off the line as it then
// stood. A basket discount by percent is counted, but its amount is only
// known once the basket is paid (0 here).
func AmountOf(r journal.Record) int64 {
	switch {
	case r.Cash != nil:
		return r.Cash.Amount
	case r.Kind == journal.KindLineDiscounted && r.Line != nil:
		return r.Line.Line.LineDiscount()
	case r.Kind == journal.KindLineRepriced && r.Line != nil && r.Line.Line.Override != nil:
		return (r.Line.Line.Override.ListPrice - r.Line.Line.UnitPrice) * int64(r.Line.Line.Quantity)
	case r.Kind == journal.KindBasketDiscounted && r.Discount != nil:
		return r.Discount.Amount
	}
	return 0
}

// ArticleGroup is a product's article group (basic type 04,
// codes-predefined-04.csv): the shop's choice in groups, otherwise 04006
// (food) for the 15 % rate and 04003 (sale of goods) for the rest.
func ArticleGroup(productID string, vat money.Rate, groups map[string]string) string {
	if g := groups[productID]; g != "" {
		return g
	}
	if vat == money.Percent(15) {
		return "04006"
	}
	return "04003"
}
