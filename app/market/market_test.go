package market

import "testing"

func TestMarkets(t *testing.T) {
	for _, c := range []struct {
		code, brand, cur, lang, money string
		std                           int
	}{
		{"NO", "Vipps", "NOK", "nb", "kr\u00a049,00", 2500},
		{"DK", "MobilePay", "DKK", "da", "49,00\u00a0kr", 2500},
		{"FI", "MobilePay", "EUR", "fi", "49,00\u00a0€", 2550},
	} {
		m, err := Of(c.code)
		if err != nil {
			t.Fatal(err)
		}
		if m.Brand != c.brand || m.Currency != c.cur || m.Language != c.lang || m.Money(4900) != c.money || int(m.VATRates[0]) != c.std || string(m.Code) != c.code {
			t.Errorf("%s = %+v, money %q", c.code, m, m.Money(4900))
		}
		for i := 1; i < len(m.VATRates); i++ {
			if m.VATRates[i] >= m.VATRates[i-1] {
				t.Errorf("%s rates not highest first: %v", c.code, m.VATRates)
			}
		}
	}
	if _, err := Of("SE"); err == nil {
		t.Error("SE accepted")
	}
}
