package scan_test

import (
	"testing"

	"github.com/kasse-pos/kasse/app/msisdn"
	"github.com/kasse-pos/kasse/app/scan"
)

func TestInStoreCodes(t *testing.T) {
	rules := scan.Rules{{Prefix: "23", Weight: true}, {Prefix: "24"}}
	if err := rules.Check(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []scan.Rules{{{Prefix: "2"}}, {{Prefix: "13"}}, {{Prefix: "2a"}}, {{Prefix: "21"}, {Prefix: "21"}}} {
		if bad.Check() == nil {
			t.Errorf("rules %+v were taken", bad)
		}
	}
	cases := []struct {
		code string
		kind scan.Kind
		want scan.Embedded
	}{
		{"2312345005328", scan.InStore, scan.Embedded{Item: "12345", Weight: true, Value: 532}},
		{"2400042049902", scan.InStore, scan.Embedded{Item: "00042", Value: 4990}},
		{"2312345005325", scan.Misread, scan.Embedded{}}, // a wrong check digit is still a misread
		{"2012345005327", scan.Product, scan.Embedded{}}, // no rule for 20: an ordinary barcode
		{"7038010001079", scan.Product, scan.Embedded{}}, // a GTIN
		{"https://qr.vipps.no/p/abc", scan.CustomerToken, scan.Embedded{}},
	}
	for _, c := range cases {
		r := rules.Classify(c.code, msisdn.Norway)
		if r.Kind != c.kind {
			t.Errorf("%s: kind %s, want %s", c.code, r.Kind, c.kind)
			continue
		}
		if c.kind == scan.InStore && (r.Embedded == nil || *r.Embedded != c.want) {
			t.Errorf("%s: embedded %+v, want %+v", c.code, r.Embedded, c.want)
		}
		if c.kind != scan.InStore && r.Embedded != nil {
			t.Errorf("%s: embedded set on a %s", c.code, r.Kind)
		}
	}
	if r := (scan.Rules(nil)).Classify("2312345005328", msisdn.Norway); r.Kind != scan.Product {
		t.Errorf("without rules an in-store code is %s, want product", r.Kind)
	}
}
