package payment

import (
	"testing"
	"time"
)

func TestBudgetKeepsFiveWritesAMinutePerReference(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	b := &Budget{Now: func() time.Time { return now }}
	for i := range 5 {
		if d := b.take("kasse-1-a capture"); d != 0 {
			t.Fatalf("call %d waits %v; five a minute are allowed", i+1, d)
		}
	}
	if d := b.take("kasse-1-a capture"); d != time.Minute {
		t.Fatalf("the sixth capture in the same instant waits %v, want a minute", d)
	}
	if d := b.take("kasse-1-a cancel"); d != 0 {
		t.Errorf("a cancel of the same payment waits %v; each call has its own limit", d)
	}
	if d := b.take("kasse-1-b capture"); d != 0 {
		t.Errorf("another payment's capture waits %v", d)
	}
	now = now.Add(59 * time.Second)
	if d := b.take("kasse-1-a capture"); d != time.Second {
		t.Errorf("59 s later the sixth waits %v, want 1 s", d)
	}
	now = now.Add(time.Second)
	if d := b.take("kasse-1-a capture"); d != 0 {
		t.Errorf("a minute later the sixth waits %v", d)
	}
}

func TestPolicyBacksOffWithJitterAndHonoursRetryAfter(t *testing.T) {
	p := Policy{Base: time.Second, Max: 30 * time.Second}
	for n, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second} {
		for range 50 {
			d := p.Delay(n, 0)
			if d > want || d < want*3/4 {
				t.Fatalf("pause %d is %v, want between 75 %% and 100 %% of %v", n, d, want)
			}
		}
	}
	if d := p.Delay(0, 45*time.Second); d != 45*time.Second {
		t.Errorf("with Retry-After 45 s the pause is %v", d)
	}
}
