package relay

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

func freeTestPort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestInstancesOfANewClusterOpenTogether: three relay instances start at
// once on a new three-node cluster and all create the same stream and
// buckets; JetStream once left all but the first waiting for ever.
func TestInstancesOfANewClusterOpenTogether(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node cluster")
	}
	var ports []int
	var routes []string
	for range 3 {
		p := freeTestPort(t)
		ports = append(ports, p)
		routes = append(routes, fmt.Sprintf("127.0.0.1:%d", p))
	}
	nodes := make([]*Node, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			n, err := StartNode(NodeConfig{Name: fmt.Sprintf("n%d", i), StoreDir: t.TempDir(), Listen: "127.0.0.1:0",
				ClusterListen: routes[i], Routes: routes})
			if err != nil {
				t.Error(err)
				return
			}
			nodes[i] = n
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	t0 := time.Now()
	for i := range 3 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			st, err := OpenJetStore(ctx, JetStoreConfig{URL: nodes[i].ClientURL(), Replicas: 3})
			if err != nil {
				t.Errorf("instance on node %d: %v", i, err)
				return
			}
			t.Logf("instance on node %d open after %v", i, time.Since(t0).Round(time.Millisecond))
			st.Close()
		})
	}
	wg.Wait()
	for _, n := range nodes {
		n.Shutdown()
	}
}
