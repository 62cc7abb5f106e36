package fiscal

import (
	"crypto/rsa"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The throwaway key of the Norway pack's signature example (testdata/README.md).
func testKey(t *testing.T) Key {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "test-private-key-1024.pem"))
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ParsePrivateKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return Key{Version: "test-1", Private: priv}
}

func testPublic(t *testing.T) PublicKeys {
	t.Helper()
	keys, err := PublicKeyFile(filepath.Join("testdata", "test-public-key-1024.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// The three transactions of the pack's worked example (REQUIREMENTS.md 5.1).
var exampleTxs = []Transaction{
	{Nr: "1", Date: "2024-03-01", Time: "09:15:02", AmountIn: 12500, AmountEx: 10000},
	{Nr: "2", Date: "2024-03-01", Time: "09:20:45", AmountIn: 5750, AmountEx: 5000},
	{Nr: "3", Date: "2024-03-01", Time: "10:02:11", AmountIn: -5750, AmountEx: -5000},
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestChainReproducesTheWorkedExample(t *testing.T) {
	chain, err := Chain(FirstPrevious, exampleTxs, testKey(t))
	if err != nil {
		t.Fatal(err)
	}
	prev := FirstPrevious
	for i, s := range chain {
		n := string(rune('1' + i))
		// The string is byte for byte the pack's (the .txt files have no newline).
		b, err := os.ReadFile(filepath.Join("testdata", "tx"+n+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		if got := SignedString(prev, s.Transaction); got != string(b) {
			t.Errorf("tx%s signed string\n got %q\nwant %q", n, got, b)
		}
		if want := readTestdata(t, "tx"+n+".sig.b64"); s.Signature != want {
			t.Errorf("tx%s signature\n got %s\nwant %s", n, s.Signature, want)
		}
		if len(s.Signature) != 172 || s.KeyVersion != "test-1" {
			t.Errorf("tx%s: %d characters, key version %q", n, len(s.Signature), s.KeyVersion)
		}
		prev = s.Signature
	}
	if err := VerifyChain(chain, testPublic(t)); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyChainFindsTheBrokenTransaction(t *testing.T) {
	good, err := Chain(FirstPrevious, exampleTxs, testKey(t))
	if err != nil {
		t.Fatal(err)
	}
	edited := append([]Signed(nil), good...)
	edited[1].AmountIn = 4750 // 57.50 → 47.50, as in the pack's check
	deleted := []Signed{good[0], good[2]}
	resigned := append([]Signed(nil), good...)
	other, err := Chain(FirstPrevious, exampleTxs[1:2], testKey(t)) // tx2 signed after "0", not after tx1
	if err != nil {
		t.Fatal(err)
	}
	resigned[1] = other[0]
	swapped := []Signed{good[1], good[0], good[2]}
	for name, c := range map[string]struct {
		chain []Signed
		index int
		nr    string
	}{
		"amount changed": {edited, 1, "2"},
		"one deleted":    {deleted, 1, "3"},
		"re-signed":      {resigned, 1, "2"},
		"reordered":      {swapped, 0, "2"},
	} {
		err := VerifyChain(c.chain, testPublic(t))
		var ce *ChainError
		if !errors.As(err, &ce) {
			t.Errorf("%s: got %v, want a ChainError", name, err)
			continue
		}
		if ce.Index != c.index || ce.Nr != c.nr {
			t.Errorf("%s: fails at transaction %d (nr %s), want %d (nr %s)", name, ce.Index+1, ce.Nr, c.index+1, c.nr)
		}
	}
	// Only the first two of the edited chain's transactions are affected: the
	// prefix before the edit still verifies.
	if err := VerifyChain(edited[:1], testPublic(t)); err != nil {
		t.Errorf("the prefix before the edit: %v", err)
	}
}

func TestVerifyChainUnknownKeyVersion(t *testing.T) {
	chain, err := Chain(FirstPrevious, exampleTxs[:1], testKey(t))
	if err != nil {
		t.Fatal(err)
	}
	none := func(string) (*rsa.PublicKey, error) { return nil, ErrNoKey }
	if err := VerifyChain(chain, none); !errors.Is(err, ErrNoKey) {
		t.Fatalf("got %v, want ErrNoKey", err)
	}
}

func TestFormatAmount(t *testing.T) {
	for minor, want := range map[int64]string{
		0: "0.00", 5: "0.05", -5: "-0.05", 100: "1.00", 12500: "125.00", -5750: "-57.50", 123456789: "1234567.89",
	} {
		if got := FormatAmount(minor); got != want {
			t.Errorf("FormatAmount(%d) = %q, want %q", minor, got, want)
		}
		back, err := ParseAmount(want)
		if err != nil || back != minor {
			t.Errorf("ParseAmount(%q) = %d, %v", want, back, err)
		}
	}
	for _, bad := range []string{"1", "1.0", "1,00", "", "-", ".00", "1.000", "x.00"} {
		if _, err := ParseAmount(bad); err == nil {
			t.Errorf("ParseAmount(%q) accepted", bad)
		}
	}
}

func TestChainRefusesMalformedTransactions(t *testing.T) {
	key := testKey(t)
	for name, tx := range map[string]Transaction{
		"no nr":      {Date: "2024-03-01", Time: "09:00:00"},
		"long nr":    {Nr: strings.Repeat("9", 36), Date: "2024-03-01", Time: "09:00:00"},
		"nr with ;":  {Nr: "1;2", Date: "2024-03-01", Time: "09:00:00"},
		"dotted day": {Nr: "1", Date: "01.03.2024", Time: "09:00:00"},
		"short time": {Nr: "1", Date: "2024-03-01", Time: "9:00"},
	} {
		if _, err := Chain(FirstPrevious, []Transaction{tx}, key); err == nil {
			t.Errorf("%s: signed", name)
		}
	}
}
