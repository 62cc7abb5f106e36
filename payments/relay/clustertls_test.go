package relay

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// testCA signs node certificates for loopback.
type testCA struct {
	cert *x509.Certificate
	key  ed25519.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// nodeTLS is what `serve -cluster-tls-cert/-key/-ca` builds: this node's
// certificate, and only peers signed by the CA.
func (ca *testCA) nodeTLS(t *testing.T, name string) *tls.Config {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12,
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		RootCAs:      ca.pool, ClientCAs: ca.pool, ClientAuth: tls.RequireAndVerifyClientCert}
}

// startTLSCluster starts nodes with the given route TLS on loopback.
func startTLSCluster(t *testing.T, tlsFor []*tls.Config) []*Node {
	t.Helper()
	var routes []string
	for range tlsFor {
		routes = append(routes, fmt.Sprintf("127.0.0.1:%d", freeTestPort(t)))
	}
	nodes := make([]*Node, len(tlsFor))
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() {
			n, err := StartNode(NodeConfig{Name: fmt.Sprintf("n%d", i), StoreDir: t.TempDir(), Listen: "127.0.0.1:0",
				ClusterListen: routes[i], Routes: routes, ClusterTLS: tlsFor[i]})
			if err != nil {
				t.Error(err)
				return
			}
			nodes[i] = n
			t.Cleanup(n.Shutdown)
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return nodes
}

// TestClusterRoutesOverMutualTLS: three nodes with certificates from one CA
// form a cluster and replicate over TLS (R3 needs all three), and a peer
// with a certificate from another CA fails the handshake on the route port.
func TestClusterRoutesOverMutualTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node cluster")
	}
	ca, rogue := newTestCA(t), newTestCA(t)
	nodes := startTLSCluster(t, []*tls.Config{ca.nodeTLS(t, "n0"), ca.nodeTLS(t, "n1"), ca.nodeTLS(t, "n2")})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := OpenJetStore(ctx, JetStoreConfig{URL: nodes[0].ClientURL(), Replicas: 3})
	if err != nil {
		t.Fatalf("R3 over TLS routes: %v", err)
	}
	defer st.Close()
	if _, err := st.AddTill("till-1", msnA, "p-"); err != nil {
		t.Fatal(err)
	}
	info, err := st.stream.Info(ctx)
	if err != nil || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
		t.Fatalf("stream cluster info: %+v, %v", info.Cluster, err)
	}

	// The route port speaks TLS first; after a good handshake the server
	// sends its INFO line, after a bad one it hangs up.
	handshake := func(cfg *tls.Config) (string, error) {
		c, err := net.DialTimeout("tcp", nodes[0].ClusterAddr().String(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		tc := tls.Client(c, cfg)
		if err := tc.Handshake(); err != nil {
			return "", err
		}
		// TLS 1.3 reports a refused client certificate on the first read.
		return bufio.NewReader(tc).ReadString('\n')
	}
	good := ca.nodeTLS(t, "n9")
	good.ServerName = "127.0.0.1"
	if line, err := handshake(good); err != nil || !strings.HasPrefix(line, "INFO ") {
		t.Fatalf("a peer with the cluster's CA: %q, %v", line, err)
	}
	bad := rogue.nodeTLS(t, "intruder")
	bad.ServerName = "127.0.0.1"
	bad.RootCAs = ca.pool // it may trust the cluster; the cluster must not trust it
	if line, err := handshake(bad); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("a peer with a foreign certificate: %q, %v; want a certificate error", line, err)
	}
}
