package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/catalog"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/money"
	"github.com/kasse-pos/kasse/assets"
)

// fakeRegister is a till the screens cannot tell from a real one: it shows
// the view a test sets and records the cashier's commands.
type fakeRegister struct {
	cat *catalog.Catalog

	mu        sync.Mutex
	view      checkout.View
	calls     []string
	listeners []func()
	// addErr, if set, is what AddProduct answers (a till that is busy).
	addErr error
	// recallErr, if set, is what the next Recall answers, once.
	recallErr error
}

func (f *fakeRegister) set(v checkout.View) {
	f.mu.Lock()
	f.view = v
	fns := f.listeners
	f.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

func (f *fakeRegister) call(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, name)
	return nil
}

func (f *fakeRegister) View() checkout.View { f.mu.Lock(); defer f.mu.Unlock(); return f.view }
func (f *fakeRegister) OnChange(fn func()) func() {
	f.mu.Lock()
	f.listeners = append(f.listeners, fn)
	f.mu.Unlock()
	return func() {}
}
func (f *fakeRegister) Catalog() *catalog.Catalog { return f.cat }
func (f *fakeRegister) AddProduct(id string) error {
	_ = f.call("add " + id)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addErr
}
func (f *fakeRegister) SetQuantity(id string, q int) error { return f.call("quantity " + id) }
func (f *fakeRegister) Remove(id string) error             { return f.call("remove " + id) }
func (f *fakeRegister) Clear() error                       { return f.call("clear") }
func (f *fakeRegister) Undo() error                        { return f.call("undo") }
func (f *fakeRegister) SetCustomer(string) error           { return nil }
func (f *fakeRegister) Scan(raw string)                    { _ = f.call("scan " + raw) }
func (f *fakeRegister) Notify(msg string) {
	f.mu.Lock()
	f.view.Notice = msg
	fns := f.listeners
	f.mu.Unlock()
	_ = f.call("notify " + msg)
	for _, fn := range fns {
		fn()
	}
}
func (f *fakeRegister) Pay() error    { return f.call("pay") }
func (f *fakeRegister) ShowQR() error { return f.call("show qr") }
func (f *fakeRegister) AddOpenItem(it checkout.OpenItem) error {
	return f.call("open " + it.Description)
}
func (f *fakeRegister) VATRates() []money.Rate { return []money.Rate{2500, 1500} }
func (f *fakeRegister) DiscountLine(id string, off *basket.Off) error {
	if off == nil {
		return f.call("discount " + id + " none")
	}
	return f.call(fmt.Sprintf("discount %s %d%% %d %s", id, off.Percent, off.Amount, off.Reason))
}
func (f *fakeRegister) DiscountBasket(off *basket.Off) error {
	if off == nil {
		return f.call("basket discount none")
	}
	return f.call(fmt.Sprintf("basket discount %d%% %d %s", off.Percent, off.Amount, off.Reason))
}
func (f *fakeRegister) SetPrice(id string, price int64, reason string) error {
	return f.call(fmt.Sprintf("price %s %d %s", id, price, reason))
}
func (f *fakeRegister) Retry() error                      { return f.call("retry") }
func (f *fakeRegister) Cancel() error                     { return f.call("cancel") }
func (f *fakeRegister) Back()                             { _ = f.call("back") }
func (f *fakeRegister) NewSale()                          { _ = f.call("new sale") }
func (f *fakeRegister) Reprint(ctx context.Context) error { return f.call("reprint") }
func (f *fakeRegister) TryPushAgain() error               { return f.call("try push") }
func (f *fakeRegister) Park() error                       { return f.call("park") }
func (f *fakeRegister) Exchange(id uint64, lines []checkout.ExchangeLine) error {
	return f.call(fmt.Sprintf("exchange %d %v", id, lines))
}
func (f *fakeRegister) SettleExchange() error { return f.call("settle exchange") }
func (f *fakeRegister) Recall(id uint64) error {
	_ = f.call(fmt.Sprintf("recall %d", id))
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.recallErr
	f.recallErr = nil
	return err
}
func (f *fakeRegister) Drop(id uint64, reason string) error {
	return f.call(fmt.Sprintf("drop %d %s", id, reason))
}
func (f *fakeRegister) ReturnWithoutReceipt(ctx context.Context, ret checkout.ReturnNoReceipt) (*checkout.Receipt, error) {
	return &checkout.Receipt{Number: "000099", Refund: true}, f.call("return " + ret.Reason)
}
func (f *fakeRegister) PayCash(given int64) error { return f.call(fmt.Sprint("cash ", given)) }
func (f *fakeRegister) PaySplit(part, given int64) error {
	return f.call(fmt.Sprint("split ", part, " ", given))
}
func (f *fakeRegister) ReturnCash(cashier string) error { return f.call("return cash " + cashier) }
func (f *fakeRegister) OpenDrawer(cashier, reason string) error {
	return f.call("open drawer " + cashier + ": " + reason)
}
func (f *fakeRegister) CashIn(cashier string, amount int64, reason string) error {
	return f.call(fmt.Sprint("cash in ", cashier, " ", amount, " ", reason))
}
func (f *fakeRegister) CashOut(cashier string, amount int64, reason string) error {
	return f.call(fmt.Sprint("cash out ", cashier, " ", amount, " ", reason))
}
func (f *fakeRegister) CountCash(cashier string, counted int64) error {
	return f.call(fmt.Sprint("count ", cashier, " ", counted))
}

// The screens are driven through checkout.Register alone: a fake till that
// says a payment is waiting gets the waiting screen, and Cancel reaches it.
func TestScreensFollowAFakeRegister(t *testing.T) {
	cat, err := catalog.Parse(assets.DemoCatalog)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRegister{cat: cat}
	line := basket.Line{ProductID: "P026", Name: "Powerbank", UnitPrice: 29900, VATRate: 2500, Quantity: 1}
	b := basket.Basket{Lines: []basket.Line{line}}
	f.view = checkout.View{Phase: checkout.PhaseBasket, Lines: b.Lines, Totals: b.Totals(), Currency: "NOK", Customer: "+47 ••• •• 567", CanPay: true}
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	u := Create(a, w, f, Options{Title: "Fake"})
	t.Cleanup(u.Close) // its ticker stops with the test
	test.Tap(u.basket.pay)
	now := time.Now()
	f.set(checkout.View{Phase: checkout.PhaseWaiting, Lines: b.Lines, Totals: b.Totals(), Currency: "NOK", Customer: "+47 ••• •• 567",
		Message: "Waiting for the customer to approve in the app…", Reference: "kasse-1-x-000001-1", Sent: now, Deadline: now.Add(2 * time.Minute)})
	var current, msg string
	u.inspect(func() { current, msg = u.current, u.progress.message.Text })
	if current != "progress" || !strings.Contains(msg, "Waiting for the customer") {
		t.Fatalf("screen %q with message %q; want the progress screen saying it waits", current, msg)
	}
	test.Tap(u.progress.cancel)
	f.mu.Lock()
	calls := strings.Join(f.calls, ", ")
	f.mu.Unlock()
	if calls != "pay, cancel" {
		t.Errorf("the fake till got %q; want pay, then cancel", calls)
	}
}
