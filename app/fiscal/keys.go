package fiscal

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Files in a key folder. Only the current private key is kept; every public
// key ever used stays, so old signatures can always be checked.
const (
	privateFile = "signing-key.pem" // PKCS#1 "RSA PRIVATE KEY", mode 0600
	historyFile = "keys.json"       // []KeyInfo, oldest first
)

// KeyInfo is one key version in the history.
type KeyInfo struct {
	Version   string    `json:"version"`
	Created   time.Time `json:"created"`
	Retired   time.Time `json:"retired,omitzero"`
	PublicKey string    `json:"publicKey"` // PEM "PUBLIC KEY" (SubjectPublicKeyInfo)
}

// KeyStore is an installation's signing keys in one folder (by convention
// <data folder>/fiscal). The private key is generated here, on the
// installation, and never leaves the folder; the folder is 0700 and the key
// file 0600.
type KeyStore struct {
	dir string
	now func() time.Time

	mu      sync.Mutex
	current Key
	history []KeyInfo
}

// OpenKeys opens the key folder dir, creating it and a first key (version
// "1") if it has none.
func OpenKeys(dir string) (*KeyStore, error) {
	return openKeys(dir, time.Now)
}

func openKeys(dir string, now func() time.Time) (*KeyStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("key folder: %w", err)
	}
	k := &KeyStore{dir: dir, now: now}
	b, err := os.ReadFile(filepath.Join(dir, historyFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, err := os.Stat(filepath.Join(dir, privateFile)); err == nil {
			return nil, fmt.Errorf("key folder %s has a private key but no %s; restore it from the backup", dir, historyFile)
		}
		if _, err := k.rotate(); err != nil {
			return nil, err
		}
		return k, nil
	case err != nil:
		return nil, fmt.Errorf("key history: %w", err)
	}
	if err := json.Unmarshal(b, &k.history); err != nil || len(k.history) == 0 {
		return nil, fmt.Errorf("key history %s is damaged: %v", filepath.Join(dir, historyFile), err)
	}
	priv, err := readPrivate(filepath.Join(dir, privateFile))
	if err != nil {
		return nil, err
	}
	last := k.history[len(k.history)-1]
	pub, err := ParsePublicKey([]byte(last.PublicKey))
	if err != nil {
		return nil, fmt.Errorf("key version %s: %w", last.Version, err)
	}
	if !pub.Equal(&priv.PublicKey) {
		return nil, fmt.Errorf("the private key in %s is not key version %s of the history", dir, last.Version)
	}
	k.current = Key{Version: last.Version, Private: priv}
	return k, nil
}

// Current is the key new signatures are made with.
func (k *KeyStore) Current() Key {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.current
}

// History lists every key version, oldest first.
func (k *KeyStore) History() []KeyInfo {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]KeyInfo(nil), k.history...)
}

// Public is a PublicKeys over the history.
func (k *KeyStore) Public(version string) (*rsa.PublicKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, h := range k.history {
		if h.Version == version {
			return ParsePublicKey([]byte(h.PublicKey))
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrNoKey, version)
}

// Rotate makes a new key the current one, with the next version number. The
// old private key is deleted (nothing may sign with it again); its public key
// stays in the history.
func (k *KeyStore) Rotate() (Key, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.rotate()
}

func (k *KeyStore) rotate() (Key, error) {
	priv, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return Key{}, fmt.Errorf("generate key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return Key{}, fmt.Errorf("public key: %w", err)
	}
	now := k.now().UTC().Truncate(time.Second)
	version := strconv.Itoa(len(k.history) + 1)
	history := append([]KeyInfo(nil), k.history...)
	if n := len(history); n > 0 {
		history[n-1].Retired = now
	}
	history = append(history, KeyInfo{Version: version, Created: now,
		PublicKey: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))})
	hb, err := json.MarshalIndent(history, "", "  ")
	if err != nil {
		return Key{}, fmt.Errorf("key history: %w", err)
	}
	// The history is written before the key: a crash between the two leaves
	// a history whose newest public key has no private key, which openKeys
	// reports, rather than a key whose signatures no one can check.
	if err := writeFile(filepath.Join(k.dir, historyFile), hb, 0o644); err != nil {
		return Key{}, err
	}
	privPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(priv)})
	if err := writeFile(filepath.Join(k.dir, privateFile), privPEM, 0o600); err != nil {
		return Key{}, err
	}
	k.history, k.current = history, Key{Version: version, Private: priv}
	return k.current, nil
}

// writeFile replaces path atomically with data, created with mode perm.
func writeFile(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}

func readPrivate(path string) (*rsa.PrivateKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("signing key %s is readable by others (mode %o); it must be 0600", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return ParsePrivateKey(b)
}

// ParsePrivateKey reads a PKCS#1 PEM private key ("RSA PRIVATE KEY") of
// KeyBits bits.
func ParsePrivateKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	blk, _ := pem.Decode(pemBytes)
	if blk == nil || blk.Type != "RSA PRIVATE KEY" {
		return nil, errors.New("private key: want a PEM block \"RSA PRIVATE KEY\"")
	}
	key, err := x509.ParsePKCS1PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	if key.N.BitLen() != KeyBits {
		return nil, fmt.Errorf("private key has %d bits; the rules require %d", key.N.BitLen(), KeyBits)
	}
	return key, nil
}

// ParsePublicKey reads a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) RSA key of
// KeyBits bits.
func ParsePublicKey(pemBytes []byte) (*rsa.PublicKey, error) {
	blk, _ := pem.Decode(pemBytes)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, errors.New("public key: want a PEM block \"PUBLIC KEY\"")
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	pub, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("public key is not RSA")
	}
	if pub.N.BitLen() != KeyBits {
		return nil, fmt.Errorf("public key has %d bits; the rules require %d", pub.N.BitLen(), KeyBits)
	}
	return pub, nil
}

// PublicKeyFile is a PublicKeys that knows one PEM public key, for any
// version: for verifying a file with the key the shop handed over.
func PublicKeyFile(path string) (PublicKeys, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	pub, err := ParsePublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return func(string) (*rsa.PublicKey, error) { return pub, nil }, nil
}

// HistoryFile is a PublicKeys over a key folder's history (keys.json) without
// opening the folder for signing: for checking exports anywhere.
func HistoryFile(path string) (PublicKeys, error) {
	h, err := ReadHistory(path)
	if err != nil {
		return nil, err
	}
	return func(version string) (*rsa.PublicKey, error) {
		for _, k := range h {
			if k.Version == version {
				return ParsePublicKey([]byte(k.PublicKey))
			}
		}
		return nil, fmt.Errorf("%w: %q", ErrNoKey, version)
	}, nil
}

// HistoryPath is the key history file of the key folder dir.
func HistoryPath(dir string) string { return filepath.Join(dir, historyFile) }

// ReadHistory reads a key history file (keys.json) without touching the
// private key.
func ReadHistory(path string) ([]KeyInfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key history: %w", err)
	}
	var h []KeyInfo
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, fmt.Errorf("key history %s: %w", path, err)
	}
	return h, nil
}
