package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/basket"
	"github.com/kasse-pos/kasse/app/journal"
	"github.com/kasse-pos/kasse/payments/epayment"
)

// tillData writes a config and a journal with one captured, unsigned sale on
// 2030-03-01, as a till leaves it before the Signer is wired in.
func tillData(t *testing.T) (dir, config string) {
	t.Helper()
	dir = t.TempDir()
	config = filepath.Join(dir, "kasse.json")
	cfg := map[string]any{"dataDir": dir, "posId": "1", "currency": "NOK", "market": "NO",
		"shop": map[string]string{"name": "Kaffebaren", "address": "Storgata 1, 0155 Oslo", "orgNumber": "999 999 999 MVA"}}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(config, b, 0o600); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2030, 3, 1, 9, 0, 0, 0, time.UTC)
	j, err := journal.Open(filepath.Join(dir, "kasse.db"), journal.Options{Now: func() time.Time { at = at.Add(time.Second); return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	coffee := basket.Line{ProductID: "coffee", Name: "Kaffe", UnitPrice: 4500, VATRate: 1500, Quantity: 2}
	out, err := j.Append(
		journal.Record{Kind: journal.KindSaleOpened, Opened: &journal.Opened{POSID: "1", Currency: "NOK"}},
		journal.Record{Kind: journal.KindLineAdded, Line: &journal.LineEdit{Line: coffee}},
		journal.Record{Kind: journal.KindSaleNumbered, Numbered: &journal.Numbered{}})
	if err != nil {
		t.Fatal(err)
	}
	id, ref := out[0].Sale, "kasse-1-000001"
	if _, err := j.Append(
		journal.Record{Kind: journal.KindIntent, Sale: id, Ref: ref, Intent: &journal.Intent{Action: journal.ActCreate, Key: ref + "-create",
			Amount: 9000, Request: &epayment.CreatePaymentRequest{Reference: ref, Amount: epayment.Amount{Currency: "NOK", Value: 9000}}}},
		journal.Record{Kind: journal.KindState, Sale: id, Ref: ref, State: &journal.StateChange{State: journal.StateCaptured}},
	); err != nil {
		t.Fatal(err)
	}
	return dir, config
}

func runExportCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := exportCommand(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestExportCommand(t *testing.T) {
	dir, config := tillData(t)
	outDir := t.TempDir()
	period := []string{"-from", "2030-03-01", "-to", "2030-03-01", "-config", config, "-out", outDir}

	// Unsigned transactions: no file, and the cashier is told why.
	if code, _, stderr := runExportCmd(t, append([]string{"saft"}, period...)...); code != 2 || !strings.Contains(stderr, "not signed") {
		t.Fatalf("unsigned: status %d, %q", code, stderr)
	}
	code, stdout, stderr := runExportCmd(t, append([]string{"saft", "-sign"}, period...)...)
	if code != 0 {
		t.Fatalf("export: status %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	file := lines[len(lines)-1]
	if lines[0] != "signed 1 transactions" || !strings.HasPrefix(filepath.Base(file), "SAF-T Cash Register_999999999_") {
		t.Fatalf("output %q", stdout)
	}
	fi, err := os.Stat(filepath.Join(dir, "fiscal", "signing-key.pem"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the installation's key: %v %v", fi, err)
	}

	if code, stdout, _ := runExportCmd(t, "verify", "-config", config, file); code != 0 || !strings.Contains(stdout, "1 signatures verified") {
		t.Fatalf("verify: status %d\n%s", code, stdout)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.xml")
	if err := os.WriteFile(bad, bytes.ReplaceAll(b, []byte("90.00"), []byte("80.00")), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, stdout, _ := runExportCmd(t, "verify", "-keys", filepath.Join(dir, "fiscal", "keys.json"), bad); code != 1 || !strings.Contains(stdout, "NOT OK") {
		t.Fatalf("tampered file: status %d\n%s", code, stdout)
	}
	if code, stdout, _ := runExportCmd(t, "keys", "-config", config); code != 0 || !strings.Contains(stdout, "keyVersion 1") ||
		!strings.Contains(stdout, "BEGIN PUBLIC KEY") || strings.Contains(stdout, "PRIVATE") {
		t.Fatalf("keys: status %d\n%s", code, stdout)
	}
	if code, _, _ := runExportCmd(t, "saft", "-from", "2030-03-01"); code != 2 {
		t.Fatalf("missing -to: status %d", code)
	}
	if code, _, stderr := runExportCmd(t, "saft", "-from", "2030-03-01", "-to", "2030-03-01", "-journal", filepath.Join(dir, "none.db")); code != 2 ||
		!strings.Contains(stderr, "no journal") {
		t.Fatalf("missing journal: status %d %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); err == nil {
		t.Fatal("the export created a journal")
	}
}
