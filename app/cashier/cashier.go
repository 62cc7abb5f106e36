// Package cashier is who stands at the till: cashiers log in with a PIN, each
// with a role, and the till asks Allowed before a manager's action. PINs are
// stored only as slow hashes (argon2id); wrong PINs lock the name out for a
// while that doubles with each further mistake. Logins and logouts are
// journaled as till-level records.
//
// Actions. Other parts of the till ask before an action with a hook of type
// func(action string) bool, which Desk.Allowed is. The names are the Act*
// constants; a cashier may only sell, give discounts and switch cashier, and
// a manager may do everything.
package cashier

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/kasse-pos/kasse/app/journal"
)

// Role is what a cashier may do.
type Role string

// Roles.
const (
	RoleCashier Role = "cashier"
	RoleManager Role = "manager"
)

// Actions a hook asks about (Allowed). Each is a plain string, so a package
// that only takes a func(action string) bool needs no import of this one.
const (
	ActSell          = "sell"           // sell, scan, take payment
	ActDiscount      = "discount"       // give a discount on a line or the sale
	ActPriceOverride = "price-override" // change a product's price in a sale
	ActRefund        = "refund"         // refund or return a sale
	ActOpenDrawer    = "open-drawer"    // open the cash drawer with no sale
	ActEndOfDay      = "end-of-day"     // print an X report, look at the day
	ActCloseDay      = "close-day"      // close the day (Z report)
	ActCatalog       = "catalog"        // change the catalog
	ActSettings      = "settings"       // change the till's settings
	// The cash drawer and returns (app/checkout asks with the same names).
	ActCashIn          = "cash in"           // put a float or change into the drawer
	ActCashOut         = "cash out"          // take money out (bank drop, payout)
	ActCountCash       = "count cash"        // count the drawer
	ActReturnCash      = "return cash"       // hand back a split's cash part when Vipps declined the rest
	ActReturnNoReceipt = "return.no-receipt" // take goods back without the sale, paid out in cash
)

// cashierMay is what the cashier role may do; a manager may do everything.
var cashierMay = []string{ActSell, ActDiscount, ActCountCash, ActReturnCash}

// Allowed reports whether role may do action. An unknown role may do
// nothing; an unknown action only a manager may do.
func Allowed(role Role, action string) bool {
	switch role {
	case RoleManager:
		return true
	case RoleCashier:
		return slices.Contains(cashierMay, action)
	}
	return false
}

// Account is one person who may log in. PIN is the argon2id hash (HashPIN),
// never the PIN itself.
type Account struct {
	Name string `json:"name"`
	Role Role   `json:"role"`
	PIN  string `json:"pin"`
}

// Errors a login can end in.
var (
	ErrWrongPIN  = errors.New("wrong PIN")
	ErrNoAccount = errors.New("no such cashier")
	ErrNoManager = errors.New("that is not a manager's PIN")
)

// LockedError is a name (or the manager prompt) paused after too many wrong
// PINs.
type LockedError struct{ Wait time.Duration }

func (e *LockedError) Error() string {
	return fmt.Sprintf("too many wrong PINs: try again in %s", e.Wait.Round(time.Second))
}

// Lockout: the first freeTries mistakes in a row cost nothing, then each
// mistake pauses the name for firstPause, doubled every time, up to maxPause.
const (
	freeTries  = 3
	firstPause = 30 * time.Second
	maxPause   = 15 * time.Minute
)

// Appender is the journal, as the desk needs it.
type Appender interface {
	Append(recs ...journal.Record) ([]journal.Record, error)
}

// Config sets up a Desk.
type Config struct {
	Accounts []Account
	Journal  Appender // nil: logins are not journaled (tests of the rules)
	// IdleLock logs the cashier out after this long without Touch; 0 never.
	IdleLock time.Duration
	Now      func() time.Time
	Logger   *slog.Logger
}

// Desk is the till's login: who is logged in, and the lockouts.
type Desk struct {
	mu       sync.Mutex
	cfg      Config
	current  *Account
	lastSeen time.Time
	fails    map[string]*failures
}

type failures struct {
	n     int
	until time.Time
}

// New makes a desk with nobody logged in.
func New(cfg Config) *Desk {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Desk{cfg: cfg, fails: map[string]*failures{}}
}

// Open reports whether the till needs no login (no accounts are set up).
func (d *Desk) Open() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.cfg.Accounts) == 0
}

// Names lists the cashiers, in the configuration's order, for the login
// screen.
func (d *Desk) Names() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, a := range d.cfg.Accounts {
		out = append(out, a.Name)
	}
	return out
}

// SetAccounts replaces the accounts and the idle time (settings, without a
// restart). A logged-in cashier who was removed or demoted is logged out.
func (d *Desk) SetAccounts(accs []Account, idle time.Duration) {
	d.mu.Lock()
	d.cfg.Accounts, d.cfg.IdleLock = slices.Clone(accs), idle
	cur := d.current
	d.mu.Unlock()
	if cur == nil {
		return
	}
	if a, ok := d.find(cur.Name); !ok || a.Role != cur.Role {
		_ = d.Logout("account changed")
	}
}

func (d *Desk) find(name string) (Account, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, a := range d.cfg.Accounts {
		if a.Name == name {
			return a, true
		}
	}
	return Account{}, false
}

// Current is who is logged in.
func (d *Desk) Current() (Account, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.current == nil {
		return Account{}, false
	}
	a := *d.current
	a.PIN = ""
	return a, true
}

// Name is the logged-in cashier's name, or "" (the journal's hook).
func (d *Desk) Name() string {
	a, _ := d.Current()
	return a.Name
}

// Allowed reports whether the logged-in cashier may do action. With no
// accounts set up everyone may do everything (the till says so); with nobody
// logged in, nobody may.
func (d *Desk) Allowed(action string) bool {
	if d.Open() {
		return true
	}
	a, ok := d.Current()
	return ok && Allowed(a.Role, action)
}

// Login checks name's PIN and makes them the till's cashier, journaled. A
// cashier already logged in is logged out first ("switch"), so the journal
// shows who handed over to whom.
func (d *Desk) Login(name, pin string) (Account, error) {
	a, ok := d.find(name)
	if !ok {
		return Account{}, ErrNoAccount
	}
	if err := d.check(name, func() bool {
		ok, err := verifyPIN(a.PIN, pin)
		if err != nil {
			d.cfg.Logger.Error("cashier: stored PIN hash unreadable", "cashier", name, "err", err)
		}
		return ok
	}); err != nil {
		return Account{}, err
	}
	if cur, ok := d.Current(); ok {
		if cur.Name == name {
			d.Touch()
			return cur, nil
		}
		if err := d.Logout("switch to " + name); err != nil {
			return Account{}, err
		}
	}
	if err := d.journal(journal.KindCashierLogin, name, string(a.Role)); err != nil {
		return Account{}, err
	}
	d.mu.Lock()
	d.current, d.lastSeen = &a, d.cfg.Now()
	d.mu.Unlock()
	d.cfg.Logger.Info("cashier logged in", "cashier", name, "role", a.Role)
	a.PIN = ""
	return a, nil
}

// Authorize checks a manager's PIN for one action (the settings screen),
// without changing who is logged in. Wrong PINs count against the prompt as
// they do against a name.
func (d *Desk) Authorize(pin string) (Account, error) {
	var found Account
	err := d.check("\x00manager", func() bool {
		d.mu.Lock()
		accs := slices.Clone(d.cfg.Accounts)
		d.mu.Unlock()
		for _, a := range accs {
			if a.Role != RoleManager {
				continue
			}
			if ok, _ := verifyPIN(a.PIN, pin); ok {
				found = a
				return true
			}
		}
		return false
	})
	if errors.Is(err, ErrWrongPIN) {
		return Account{}, fmt.Errorf("%w (%w)", ErrNoManager, err)
	}
	found.PIN = ""
	return found, err
}

// check runs verify unless key is paused, and counts the outcome.
func (d *Desk) check(key string, verify func() bool) error {
	now := d.cfg.Now()
	d.mu.Lock()
	f := d.fails[key]
	if f != nil && now.Before(f.until) {
		wait := f.until.Sub(now)
		d.mu.Unlock()
		return &LockedError{Wait: wait}
	}
	d.mu.Unlock()
	ok := verify()
	d.mu.Lock()
	defer d.mu.Unlock()
	if ok {
		delete(d.fails, key)
		return nil
	}
	if f == nil {
		f = &failures{}
		d.fails[key] = f
	}
	f.n++
	if f.n < freeTries {
		return fmt.Errorf("%w: %d tries left before a pause", ErrWrongPIN, freeTries-f.n)
	}
	pause := firstPause << min(f.n-freeTries, 10)
	f.until = now.Add(min(pause, maxPause))
	return fmt.Errorf("%w: %w", ErrWrongPIN, &LockedError{Wait: f.until.Sub(now)})
}

// Logout ends the cashier's session, journaled with why ("logout", "idle
// lock", ...). With nobody logged in it does nothing.
func (d *Desk) Logout(why string) error {
	cur, ok := d.Current()
	if !ok {
		return nil
	}
	if err := d.journal(journal.KindCashierLogout, cur.Name, why); err != nil {
		return err
	}
	d.mu.Lock()
	if d.current != nil && d.current.Name == cur.Name {
		d.current = nil
	}
	d.mu.Unlock()
	d.cfg.Logger.Info("cashier logged out", "cashier", cur.Name, "why", why)
	return nil
}

// Touch says the cashier did something: the idle clock starts again.
func (d *Desk) Touch() {
	d.mu.Lock()
	d.lastSeen = d.cfg.Now()
	d.mu.Unlock()
}

// LockIfIdle logs the cashier out when the till has been idle for IdleLock,
// and reports whether it did. The screen calls it on a timer.
func (d *Desk) LockIfIdle() bool {
	d.mu.Lock()
	idle, cur, seen := d.cfg.IdleLock, d.current, d.lastSeen
	d.mu.Unlock()
	if idle <= 0 || cur == nil || d.cfg.Now().Sub(seen) < idle {
		return false
	}
	return d.Logout("idle lock") == nil
}

func (d *Desk) journal(kind journal.Kind, name, note string) error {
	if d.cfg.Journal == nil {
		return nil
	}
	if _, err := d.cfg.Journal.Append(journal.Record{Kind: kind, Cashier: name, Note: note}); err != nil {
		return fmt.Errorf("cashier %s: %w", name, err)
	}
	return nil
}
