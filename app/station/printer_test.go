package station

import (
	"context"
	"strings"
	"testing"

	"github.com/kasse-pos/kasse/hardware/escpos"
)

func TestReportPrintsOnTheVirtualPrinter(t *testing.T) {
	p, err := NewReceiptPrinter("virtual:", PrinterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.PrintText(context.Background(), "Kaffebaren", "Z REPORT 2026-11-25\nCaptured   3   216,00"); err != nil {
		t.Fatal(err)
	}
	d, n := p.Device.(*escpos.Virtual).Last()
	if n != 1 || !strings.Contains(d.Text(), "Kaffebaren") || !strings.Contains(d.Text(), "Captured   3   216,00") || !d.Cut {
		t.Errorf("printed %d jobs:\n%s", n, d.Text())
	}
}
