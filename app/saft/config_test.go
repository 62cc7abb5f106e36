package saft

import (
	"testing"
	"time"
)

func TestShopConfig(t *testing.T) {
	c := ShopConfig("Kaffebaren", "Storgata 1, 0155 Oslo", "999 999 999 MVA", "1")
	want := Config{OrgNumber: "999999999", VATRegistered: true, CompanyName: "Kaffebaren", RegisterID: "1",
		Address: Address{Street: "Storgata 1", PostalCode: "0155", City: "Oslo"}}
	if c.OrgNumber != want.OrgNumber || c.VATRegistered != want.VATRegistered || c.CompanyName != want.CompanyName ||
		c.RegisterID != want.RegisterID || c.Address != want.Address {
		t.Fatalf("got %+v\nwant %+v", c, want)
	}
	c = ShopConfig("X", "Bryggen, Bergen", "999999999", "2")
	if c.VATRegistered || c.Address.Street != "Bryggen, Bergen" || c.Address.City != "" {
		t.Fatalf("an address without a postal code: %+v", c)
	}
}

func TestFileName(t *testing.T) {
	got := FileName("999999999", time.Date(2024, 9, 1, 15, 8, 23, 0, time.UTC), 3)
	if got != "SAF-T Cash Register_999999999_20240901150823_3.xml" {
		t.Fatal(got)
	}
}
