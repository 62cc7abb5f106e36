package station

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// KioskConfig sets up self-checkout (kasse -kiosk).
type KioskConfig struct {
	// StaffPIN opens the kiosk's staff menu. Write it hashed, as
	// HashPIN makes it ("pbkdf2-sha256$ITERATIONS$SALT$HASH", from
	// `kasse pin`); plain digits work too but anyone reading the file sees
	// them. Empty: the staff menu cannot be opened.
	StaffPIN string `json:"staffPin,omitempty"`
	// ReceiptFor is how long the receipt QR stays up (default 20s);
	// IdleAfter how long a basket may sit untouched before the kiosk asks
	// "Are you still there?" (default 90s); IdleGrace how long it waits for
	// an answer before it starts over (default 20s).
	ReceiptFor Duration `json:"receiptFor,omitempty"`
	IdleAfter  Duration `json:"idleAfter,omitempty"`
	IdleGrace  Duration `json:"idleGrace,omitempty"`
}

// PINChecker says whether a PIN is the right one. The kiosk's staff PIN is
// one; a cashier's PIN store can be another.
type PINChecker interface {
	Check(pin string) bool
}

// pinIterations make a guess cost about 0.1 s on a till: a four-digit PIN
// read from a stolen file still takes a while to find.
const pinIterations = 200_000

// HashPIN is pin as StaffPIN stores it, with a fresh random salt.
func HashPIN(pin string) (string, error) {
	if pin == "" || strings.Trim(pin, "0123456789") != "" {
		return "", fmt.Errorf("a PIN is digits only, not %q", pin)
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("PIN salt: %w", err)
	}
	key, err := pbkdf2.Key(sha256.New, pin, salt, pinIterations, 32)
	if err != nil {
		return "", fmt.Errorf("PIN hash: %w", err)
	}
	return fmt.Sprintf("pbkdf2-sha256$%d$%s$%s", pinIterations, hex.EncodeToString(salt), hex.EncodeToString(key)), nil
}

// storedPIN checks against StaffPIN's text.
type storedPIN string

// Check compares in constant time; an empty or malformed stored PIN accepts
// nothing.
func (s storedPIN) Check(pin string) bool {
	stored := string(s)
	if stored == "" || pin == "" {
		return false
	}
	if !strings.HasPrefix(stored, "pbkdf2-sha256$") {
		return subtle.ConstantTimeCompare([]byte(stored), []byte(pin)) == 1
	}
	parts := strings.Split(stored, "$")
	if len(parts) != 4 {
		return false
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 {
		return false
	}
	salt, err1 := hex.DecodeString(parts[2])
	want, err2 := hex.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, pin, salt, iter, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}

// PIN is the staff PIN's checker.
func (k KioskConfig) PIN() PINChecker { return storedPIN(k.StaffPIN) }
