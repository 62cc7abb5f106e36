package station

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestStaffPINHashedAndPlain(t *testing.T) {
	h, err := HashPIN("4711")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h, "4711") {
		t.Fatalf("the hash %q shows the PIN", h)
	}
	var c Config
	if err := json.Unmarshal([]byte(`{"kiosk":{"staffPin":"`+h+`","receiptFor":"15s"}}`), &c); err != nil {
		t.Fatal(err)
	}
	pin := c.Kiosk.PIN()
	for p, want := range map[string]bool{"4711": true, "4712": false, "": false, "04711": false} {
		if got := pin.Check(p); got != want {
			t.Errorf("hashed: Check(%q) = %v; want %v", p, got, want)
		}
	}
	plain := KioskConfig{StaffPIN: "2468"}.PIN()
	if !plain.Check("2468") || plain.Check("2469") {
		t.Error("a plain PIN is not checked as written")
	}
	if (KioskConfig{}).PIN().Check("") || (KioskConfig{StaffPIN: "pbkdf2-sha256$x$00$00"}).PIN().Check("1") {
		t.Error("no PIN, or a broken hash, accepted a PIN")
	}
	if _, err := HashPIN("12a4"); err == nil {
		t.Error("HashPIN took a PIN with a letter")
	}
}
