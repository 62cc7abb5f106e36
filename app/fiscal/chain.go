// Package fiscal is the Norwegian cash-register signature (kassasystemforskrifta
// § 2-7, Skatteetaten's signature guideline): every completed transaction of a
// cash register is signed with RSA-SHA1 over
//
//	previousSignature;transDate;transTime;nr;transAmntIn;transAmntEx
//
// and each signature covers the one before it, so changing a transaction breaks
// its own signature and deleting one breaks the next. The first transaction's
// previous signature is the literal "0".
//
// The package has three layers: the pure chain (Transaction, SignedString,
// Chain, VerifyChain), the installation's keys (KeyStore), and the Signer that
// journals a signature (journal.KindSigned) when a sale's transaction completes.
package fiscal

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // SHA-1 is what the Norwegian rules prescribe.
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// KeyBits is the RSA modulus size the rules require: Skatteetaten's validator
// rejects any other.
const KeyBits = 1024

// FirstPrevious is the previous signature of a register's first transaction.
const FirstPrevious = "0"

// MaxNr is the longest nr the SAF-T schema and the validator allow.
const MaxNr = 35

// Transaction is what a signature covers, in the form the signed string and the
// SAF-T file share.
type Transaction struct {
	Nr       string // ≤ 35 characters, the SAF-T <nr>
	Date     string // YYYY-MM-DD
	Time     string // HH:MM:SS, 24 h
	AmountIn int64  // incl. VAT, minor units
	AmountEx int64  // excl. VAT, minor units
}

// Signed is a transaction with its signature.
type Signed struct {
	Transaction
	KeyVersion string
	Signature  string // base64, one line
}

var (
	dateRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	timeRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$`)
)

// FormatAmount writes minor units the way the signed string and SAF-T want
// them: "." as decimal mark, two decimals, a leading "-" when negative, no
// thousands separator (12345 → "123.45", -5750 → "-57.50").
func FormatAmount(minor int64) string {
	sign := ""
	u := uint64(minor)
	if minor < 0 {
		sign, u = "-", uint64(-minor)
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// ParseAmount reads FormatAmount's text back into minor units.
func ParseAmount(s string) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	whole, frac, ok := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if !ok || len(frac) != 2 || whole == "" {
		return 0, fmt.Errorf("amount %q: want digits, a point and two decimals", s)
	}
	w, err := strconv.ParseUint(whole, 10, 62)
	if err != nil {
		return 0, fmt.Errorf("amount %q: %w", s, err)
	}
	f, err := strconv.ParseUint(frac, 10, 8)
	if err != nil {
		return 0, fmt.Errorf("amount %q: %w", s, err)
	}
	v := int64(w*100 + f)
	if neg {
		v = -v
	}
	return v, nil
}

// Check reports what makes t unfit to sign, if anything.
func (t Transaction) Check() error {
	switch {
	case t.Nr == "" || len(t.Nr) > MaxNr || strings.Contains(t.Nr, ";"):
		return fmt.Errorf("nr %q: want 1 to %d characters without ';'", t.Nr, MaxNr)
	case !dateRE.MatchString(t.Date):
		return fmt.Errorf("transaction %s: date %q is not YYYY-MM-DD", t.Nr, t.Date)
	case !timeRE.MatchString(t.Time):
		return fmt.Errorf("transaction %s: time %q is not HH:MM:SS", t.Nr, t.Time)
	}
	return nil
}

// SignedString is the exact text that is signed for t after the signature prev
// (FirstPrevious for a register's first transaction).
func SignedString(prev string, t Transaction) string {
	return strings.Join([]string{prev, t.Date, t.Time, t.Nr, FormatAmount(t.AmountIn), FormatAmount(t.AmountEx)}, ";")
}

// Sign signs data with RSA PKCS#1 v1.5 over SHA-1 and returns base64. PKCS#1
// v1.5 is deterministic: one key and one string give one signature.
func Sign(key *rsa.PrivateKey, data string) (string, error) {
	if key.N.BitLen() != KeyBits {
		return "", fmt.Errorf("sign: the key has %d bits; the rules require %d", key.N.BitLen(), KeyBits)
	}
	h := sha1.Sum([]byte(data)) //nolint:gosec // prescribed algorithm
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA1, h[:])
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// VerifySignature checks a base64 signature of data against pub.
func VerifySignature(pub *rsa.PublicKey, data, signature string) error {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return fmt.Errorf("signature is not base64: %w", err)
	}
	h := sha1.Sum([]byte(data)) //nolint:gosec // prescribed algorithm
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA1, h[:], sig); err != nil {
		return fmt.Errorf("signature does not match: %w", err)
	}
	return nil
}

// Key is a private key and the version name that goes with its signatures.
type Key struct {
	Version string
	Private *rsa.PrivateKey
}

// Chain signs txs in order after the signature prev (FirstPrevious to start a
// register's chain). It is pure apart from the key: the same inputs give the
// same signatures.
func Chain(prev string, txs []Transaction, key Key) ([]Signed, error) {
	out := make([]Signed, 0, len(txs))
	for _, t := range txs {
		if err := t.Check(); err != nil {
			return nil, err
		}
		sig, err := Sign(key.Private, SignedString(prev, t))
		if err != nil {
			return nil, fmt.Errorf("transaction %s: %w", t.Nr, err)
		}
		out = append(out, Signed{Transaction: t, KeyVersion: key.Version, Signature: sig})
		prev = sig
	}
	return out, nil
}

// PublicKeys finds the public key of a key version.
type PublicKeys func(version string) (*rsa.PublicKey, error)

// ChainError is where a chain stops verifying: the first transaction whose
// signature does not match the string rebuilt from its data and the previous
// signature.
type ChainError struct {
	Index  int    // position in the list given to VerifyChain, from 0
	Nr     string // the transaction's nr
	Signed string // the string that was checked
	Err    error
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("transaction %d (nr %s): %v; signed string %q", e.Index+1, e.Nr, e.Err, e.Signed)
}

func (e *ChainError) Unwrap() error { return e.Err }

// ErrNoKey is returned by a PublicKeys that does not know a version.
var ErrNoKey = errors.New("no public key for this key version")

// VerifyChain checks every signature of one register's chain, in order, from
// FirstPrevious. It returns nil or a *ChainError naming the first transaction
// that fails: an edited transaction fails itself, a deleted one fails the
// transaction after the gap.
func VerifyChain(chain []Signed, keys PublicKeys) error {
	return VerifyChainFrom(FirstPrevious, chain, keys)
}

// VerifyChainFrom is VerifyChain for a part of a chain whose first
// transaction follows the signature prev, e.g. a period's export.
func VerifyChainFrom(prev string, chain []Signed, keys PublicKeys) error {
	for i, s := range chain {
		data := SignedString(prev, s.Transaction)
		pub, err := keys(s.KeyVersion)
		if err != nil {
			return &ChainError{Index: i, Nr: s.Nr, Signed: data, Err: fmt.Errorf("key version %q: %w", s.KeyVersion, err)}
		}
		if err := VerifySignature(pub, data, s.Signature); err != nil {
			return &ChainError{Index: i, Nr: s.Nr, Signed: data, Err: err}
		}
		prev = s.Signature
	}
	return nil
}
