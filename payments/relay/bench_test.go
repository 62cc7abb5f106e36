package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/payments/epayment"
	"github.com/kasse-pos/kasse/payments/webhook"
)

// BenchmarkIngest: signed webhooks over loopback HTTP into a real bbolt file,
// 64 in flight, each committed before its 200. `kasse-relay bench` measures
// the same with a fixed count and reports medians.
func BenchmarkIngest(b *testing.B) {
	h := newHarness(b, nil)
	h.addTill("till-1", msnA, "b-")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	url := WebhookURL(h.http.URL, msnA)
	var n atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body, _ := json.Marshal(event(msnA, fmt.Sprintf("b-%09d", n.Add(1)), epayment.EventAuthorized))
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			webhook.Sign(req, body, secretA, time.Now())
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "webhooks/s")
}

// BenchmarkDeliveryToPoller: one webhook at a time to a till whose Poller
// waits on a parked long-poll; an op is post + the poller holding the event,
// and the 2xx-to-poller part is reported as its p50 and p99.
func BenchmarkDeliveryToPoller(b *testing.B) {
	h := newHarness(b, nil)
	tok := h.addTill("till-1", msnA, "d-")
	got := make(chan time.Time, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &Poller{BaseURL: h.http.URL, Token: tok, Cursor: &memCursor{},
		OnEvent: func(context.Context, webhook.Event) error { got <- time.Now(); return nil }}
	go p.Run(ctx)
	client := &http.Client{Transport: &http.Transport{}}
	url := WebhookURL(h.http.URL, msnA)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		body, _ := json.Marshal(event(msnA, fmt.Sprintf("d-%09d", i), epayment.EventAuthorized))
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		webhook.Sign(req, body, secretA, time.Now())
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		acked := time.Now()
		select {
		case held := <-got:
			lat = append(lat, max(0, held.Sub(acked)))
		case <-time.After(10 * time.Second):
			b.Fatal("event never reached the poller")
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-2xx-to-poller-ns")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Nanoseconds()), "p99-2xx-to-poller-ns")
}
