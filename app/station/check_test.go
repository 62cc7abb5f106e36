package station_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/demo/demotest"
	"github.com/kasse-pos/kasse/app/station"
	"github.com/kasse-pos/kasse/payments/relay"
	"github.com/kasse-pos/kasse/payments/sim"
)

func TestCheckVippsAgainstTheSimulator(t *testing.T) {
	r := demotest.Start(t, demotest.Options{})
	good := r.Config.Vipps
	ctx := context.Background()
	if c := station.CheckVipps(ctx, good, nil); !c.OK || !strings.Contains(c.Message.String(), sim.DemoMSN) {
		t.Errorf("good keys: %+v", c)
	}
	bad := good
	bad.ClientSecret = "not-the-secret"
	c := station.CheckVipps(ctx, bad, nil)
	if c.OK || !strings.Contains(c.Message.String(), "refused these keys") {
		t.Errorf("a wrong secret: %+v", c)
	}
	if strings.Contains(c.Message.String(), "not-the-secret") {
		t.Errorf("the message shows the secret: %s", c.Message)
	}
	gone := good
	gone.BaseURL = "http://127.0.0.1:1"
	if c := station.CheckVipps(ctx, gone, nil); c.OK || !strings.Contains(c.Message.String(), "Could not reach") {
		t.Errorf("no API: %+v", c)
	}
	if c := station.CheckVipps(ctx, station.VippsConfig{BaseURL: good.BaseURL}, nil); c.OK || !strings.Contains(c.Message.String(), "Fill in") {
		t.Errorf("empty keys: %+v", c)
	}
}

func TestCheckRelayPrefix(t *testing.T) {
	store, err := relay.OpenStore(filepath.Join(t.TempDir(), "relay.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	srv, err := relay.NewServer(relay.Config{Store: store, PublicURL: "http://relay.invalid"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	tok2, err := store.AddTill("till-2", "123456", checkout.ReferencePrefix("2"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cfg := station.RelayConfig{URL: hs.URL, Token: tok2}
	if c := station.CheckRelay(ctx, cfg, "2", "123456", nil); !c.OK || !strings.Contains(c.Message.String(), "till-2") {
		t.Errorf("matching prefix: %+v", c)
	}
	c := station.CheckRelay(ctx, cfg, "1", "123456", nil)
	if c.OK || !strings.Contains(c.Message.String(), `"kasse-2-"`) || !strings.Contains(c.Message.String(), `"kasse-1-"`) {
		t.Errorf("till 1 with till 2's token: %+v", c)
	}
	if c := station.CheckRelay(ctx, cfg, "2", "999999", nil); c.OK || !strings.Contains(c.Message.String(), "sales unit 123456") {
		t.Errorf("another MSN: %+v", c)
	}
	c = station.CheckRelay(ctx, station.RelayConfig{URL: hs.URL, Token: "kt_wrongwrongwrong"}, "2", "123456", nil)
	if c.OK || !strings.Contains(c.Message.String(), "refused the till token") || strings.Contains(c.Message.String(), "wrongwrong") {
		t.Errorf("a wrong token: %+v", c)
	}
}

// A till that starts with keys Vipps refuses says so before the first sale.
func TestStartCheckNamesBadKeys(t *testing.T) {
	r := demotest.Start(t, demotest.Options{Configure: func(c *station.Config) { c.Vipps.ClientSecret = "wrong" }})
	r.Await("the start check's notice", func(v checkout.View) bool {
		return strings.Contains(v.Notice, "Before the first sale") && strings.Contains(v.Notice, "refused these keys")
	})
}

// A till whose id does not match its relay token's prefix never reads as
// plainly "connected": the status says so, and the notice says what to do.
func TestStartCheckNamesAWrongPrefix(t *testing.T) {
	r := demotest.Start(t, demotest.Options{Configure: func(c *station.Config) { c.POSID = "2" }})
	r.Await(`relay "connected, but not for this till's payments" and the notice`, func(v checkout.View) bool {
		return v.Status.Relay == "connected, but not for this till's payments (see the notice)" && strings.Contains(v.Notice, `"kasse-1-"`)
	})
}

// The start check speaks the till's language: its notice and the relay's
// status are Norwegian on a Norwegian till, not English pieces.
func TestStartCheckSpeaksTheTillsLanguage(t *testing.T) {
	r := demotest.Start(t, demotest.Options{Configure: func(c *station.Config) { c.POSID = "2"; c.Language = "nb" }})
	r.Await("the start check's notice and status in Norwegian", func(v checkout.View) bool {
		return strings.HasPrefix(v.Notice, "Før første salg: Reléet sender denne nøkkelen") &&
			v.Status.Relay == "tilkoblet, men ikke for denne kassens betalinger (se meldingen)"
	})
}
