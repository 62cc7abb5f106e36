package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/payments/relay"
	"github.com/kasse-pos/kasse/payments/webhook"
)

// selfSigned writes a certificate and key for 127.0.0.1 and returns their
// paths and a pool that trusts the certificate.
func selfSigned(t *testing.T) (certPath, keyPath string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kasse-relay test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certPath, keyPath, pool
}

// TestServesTLS: with a certificate the relay speaks HTTPS only; a till's
// poller waits on a parked long-poll over TLS and gets the webhook at once,
// both over the parking listener behind TLS.
func TestServesTLS(t *testing.T) {
	bin := build(t)
	db := filepath.Join(t.TempDir(), "relay.db")
	token := prepare(t, db)
	certPath, keyPath, pool := selfSigned(t)
	p := startCmd(t, exec.Command(bin, "serve", "-db", db, "-listen", "127.0.0.1:0", "-public-url", testPublic,
		"-tls-cert", certPath, "-tls-key", keyPath, "-log-format", "json"))
	base := "https://" + p.base[len("http://"):]
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}

	// Plain HTTP is not served.
	if resp, err := http.Get(p.base + relay.PathHealth); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatal("plain HTTP answered 200 on the TLS port")
		}
	}

	events := make(chan webhook.Event, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	poller := &relay.Poller{BaseURL: base, Token: token, Cursor: &fileCursor{}, HTTPClient: client,
		OnEvent: func(_ context.Context, ev webhook.Event) error { events <- ev; return nil }}
	go poller.Run(ctx)
	waitWaitingClient(t, client, base, token, 1)

	for _, ref := range []string{"k-1", "k-2"} {
		if ok, err := postClient(context.Background(), client, base, ref); err != nil || !ok {
			t.Fatalf("webhook over TLS: %v %v", ok, err)
		}
		select {
		case ev := <-events:
			if ev.Reference != ref {
				t.Fatalf("got %s, want %s", ev.Reference, ref)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s never reached the poller\n", ref)
		}
		waitWaitingClient(t, client, base, token, 1)
	}
}
