package station_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/kasse-pos/kasse/app/backoffice"
	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo/demotest"
	"github.com/kasse-pos/kasse/app/fiscal"
)

// A Norwegian till signs every captured sale and every confirmed refund in its
// signature chain, as it happens; the chain verifies with the installation's
// public key.
func TestSalesAndRefundsAreSigned(t *testing.T) {
	r := demotest.Start(t, demotest.Options{ApproveDelay: 50 * time.Millisecond})
	r.Fill("912 34 567", "P026")
	if err := r.Pay(); err != nil {
		t.Fatal(err)
	}
	v := r.Await("captured", func(v checkout.View) bool { return v.Phase == checkout.PhaseDone })
	s, _ := r.Station.Journal.ByReference(v.Reference)
	r.Await("signed", func(checkout.View) bool {
		s, _ = r.Station.Journal.Get(s.ID)
		return len(s.Signatures) == 1
	})
	if _, err := r.Station.Refunder.Refund(context.Background(), backoffice.RefundRequest{SaleID: s.ID, Amount: 5000, Reason: "scratched"}); err != nil {
		t.Fatal(err)
	}
	s, _ = r.Station.Journal.Get(s.ID)
	if len(s.Signatures) != 2 {
		t.Fatalf("after a refund the sale has %d signatures, want the sale's and the return's", len(s.Signatures))
	}
	keys, err := fiscal.OpenKeys(filepath.Join(r.Config.DataDir, "fiscal"))
	if err != nil {
		t.Fatal(err)
	}
	if err := fiscal.VerifyJournal(r.Station.Journal, keys.Public); err != nil {
		t.Errorf("the chain does not verify: %v", err)
	}
}
