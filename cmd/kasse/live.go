package main

import (
	"fyne.io/fyne/v2"

	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/app/station"
	"github.com/kasse-pos/kasse/ui"
)

// screens are the running till's window and customer display, kept so that
// a language changed in Settings shows at once: the screens are built again
// in the new language, on the same till (the basket and the payment are the
// till's, not the screens').
type screens struct {
	k   *kasse
	st  *station.Station
	cfg station.Config
	uo  ui.Options

	till        *ui.UI // nil with -kiosk
	customerWin fyne.Window
	customer    *ui.CustomerDisplay
	// lang is the cashier's language, receipt the receipts' and the
	// customer display's, as last shown.
	lang, receipt string
}

// show puts the till's screens into the window in lang, with receipt the
// receipts' language.
func (s *screens) show(lang, receipt string) error {
	if err := ui.UseLanguage(lang); err != nil {
		return err
	}
	s.st.Till.SetLanguage(lang, receipt)
	if s.till != nil {
		s.till.Close()
	}
	s.lang, s.receipt = lang, receipt
	s.till = showScreens(s.k.app, s.k.win, s.st, s.cfg, s.uo, s.k.demo, s.k.dataDir)
	return nil
}

// showCustomer puts the customer display into w, in the receipts' language.
func (s *screens) showCustomer(w fyne.Window) {
	if s.customer != nil {
		s.customer.Close()
	}
	s.customerWin = w
	s.customer = ui.NewCustomerDisplay(w, s.st.Till, s.cfg.Shop.Name, i18n.For(s.receipt))
}

// setLanguage applies c's languages: when either changed, the window (and
// the customer display) are drawn again in them.
func (s *screens) setLanguage(c station.Config) error {
	lang, receipt := station.ResolveLanguage(c.Language), s.st.ReceiptLanguage(c)
	if lang == s.lang && receipt == s.receipt {
		return nil
	}
	if err := s.show(lang, receipt); err != nil {
		return err
	}
	if s.customerWin != nil {
		s.showCustomer(s.customerWin)
	}
	return nil
}
