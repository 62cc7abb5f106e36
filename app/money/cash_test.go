package money

import "testing"

func TestRoundCash(t *testing.T) {
	for _, c := range []struct {
		currency string
		in, want int64
	}{
		{"NOK", 12349, 12300}, {"NOK", 12350, 12400}, {"NOK", 12399, 12400}, {"NOK", 12300, 12300}, {"NOK", 49, 0},
		{"NOK", -12350, -12400},
		{"DKK", 12324, 12300}, {"DKK", 12325, 12350}, {"DKK", 12374, 12350}, {"DKK", 12375, 12400},
		{"EUR", 1002, 1000}, {"EUR", 1003, 1005}, {"EUR", 1007, 1005}, {"EUR", 1008, 1010},
		{"SEK", 12345, 12345},
	} {
		if got := RoundCash(c.in, CashUnit(c.currency)); got != c.want {
			t.Errorf("RoundCash(%d, %s) = %d, want %d", c.in, c.currency, got, c.want)
		}
	}
}

func FuzzRoundCash(f *testing.F) {
	f.Add(int64(12345), int64(100))
	f.Add(int64(-7), int64(5))
	f.Fuzz(func(t *testing.T, amount, unit int64) {
		if unit < 1 || unit > 1000 || amount > 1<<50 || amount < -(1<<50) {
			return
		}
		r := RoundCash(amount, unit)
		if r%unit != 0 {
			t.Fatalf("RoundCash(%d, %d) = %d: not a multiple", amount, unit, r)
		}
		if d := r - amount; 2*d > unit || 2*d < -unit {
			t.Fatalf("RoundCash(%d, %d) = %d: more than half a unit away", amount, unit, r)
		}
	})
}
