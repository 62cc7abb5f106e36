package checkout

import (
	"context"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/money"
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
	VATRates() []money.Rate
	// LookUpPrice shows a product's price without selling it, journaled
	// (training.go).
	LookUpPrice(id string) (catalog.Product, error)
	// DiscountLine, DiscountBasket and SetPrice give discounts and new
	// prices, with a reason (app/checkout/discount.go).
	DiscountLine(productID string, off *basket.Off) error
	DiscountBasket(off *basket.Off) error
	SetPrice(productID string, price int64, reason string) error

	Pay() error
	ShowQR() error
	Retry() error
	Cancel() error
	Back()
	NewSale()
	Reprint(ctx context.Context) error

	// Park puts the basket aside for later; Recall brings a parked basket
	// back onto an empty screen; Drop gives one up (park.go).
	Park() error
	Recall(saleID uint64) error
	Drop(saleID uint64, reason string) error
	// ReturnWithoutReceipt takes goods back without their sale, paid out in
	// cash (returns.go).
	ReturnWithoutReceipt(ctx context.Context, ret ReturnNoReceipt) (*Receipt, error)
	// TryPushAgain forgets a remembered 5080, so Pay sends to phones again.
	TryPushAgain() error
	// Cash (cash.go): amounts in minor units; given 0 means exact.
	PayCash(given int64) error
	PaySplit(part, given int64) error
	ReturnCash(cashier string) error
	OpenDrawer(cashier, reason string) error
	CashIn(cashier string, amount int64, reason string) error
	CashOut(cashier string, amount int64, reason string) error
	CountCash(cashier string, counted int64) error
	// Exchange takes lines of an earlier sale back into the basket;
	// SettleExchange ends one that comes to zero or less (exchange.go).
	Exchange(saleID uint64, lines []ExchangeLine) error
	SettleExchange() error
}

var _ Register = (*Till)(nil)
