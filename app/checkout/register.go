package checkout

import (
	"context"

	"github.com/kasse-pos/kasse/app/catalog"
)

// Register is what a screen needs of a till: what to draw, when it changed,
// and the cashier's commands. *Till implements it; a test can drive the
// screens with a fake.
type Register interface {
	View() View
	OnChange(fn func()) (remove func())
	Catalog() *catalog.Catalog

	AddProduct(id string) error
	SetQuantity(id string, q int) error
	Remove(id string) error
	Clear() error
	// Undo puts back the line last removed or the basket last cleared, for
	// UndoWindow after it.
	Undo() error
	SetCustomer(input string) error
	Scan(raw string)
	Notify(msg string)
	AddOpenItem(it OpenItem) error
	VATRates() []int

	Pay() error
	ShowQR() error
	Retry() error
	Cancel() error
	Back()
	NewSale()
	Reprint(ctx context.Context) error

	// Cash (cash.go): amounts in minor units; given 0 means exact.
	PayCash(given int64) error
	PaySplit(part, given int64) error
	ReturnCash(cashier string) error
	OpenDrawer(cashier, reason string) error
	CashIn(cashier string, amount int64, reason string) error
	CashOut(cashier string, amount int64, reason string) error
	CountCash(cashier string, counted int64) error
}

var _ Register = (*Till)(nil)
