package cashier

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: OWASP's smallest recommended set (19 MiB, 2 passes,
// one lane). A till checks one PIN at a time, so the cost falls on whoever
// guesses PINs from a copied configuration file.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// PIN lengths a cashier may choose.
const (
	MinPIN = 4
	MaxPIN = 12
)

// ErrBadPIN is a PIN that is not 4 to 12 digits.
var ErrBadPIN = fmt.Errorf("a PIN is %d to %d digits", MinPIN, MaxPIN)

// CheckPIN says whether pin may be used as a PIN.
func CheckPIN(pin string) error {
	if len(pin) < MinPIN || len(pin) > MaxPIN {
		return ErrBadPIN
	}
	for _, r := range pin {
		if r < '0' || r > '9' {
			return ErrBadPIN
		}
	}
	return nil
}

// HashPIN hashes a PIN with argon2id and a random salt, in the PHC string
// form ("$argon2id$v=19$m=19456,t=2,p=1$SALT$HASH").
func HashPIN(pin string) (string, error) {
	if err := CheckPIN(pin); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("pin salt: %w", err)
	}
	key := argon2.IDKey([]byte(pin), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

var errHash = errors.New("not an argon2id PIN hash")

// verifyPIN reports whether pin matches hash, in constant time. The
// parameters are read from the hash, so hashes made with other costs stay
// valid.
func verifyPIN(hash, pin string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, errHash
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<20 {
		return false, errHash
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, errHash
	}
	got := argon2.IDKey([]byte(pin), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
