package demo

import (
	"fmt"
	"net"
	"time"

	"github.com/kasse-pos/kasse/payments/sim"
)

// The demo's scenarios, in the demo menu's order. Each sets how the
// simulated Vipps and customer treat the payments that follow, until another
// is chosen.
const (
	ScenarioApprove   = "Approve"
	ScenarioDecline   = "Decline"
	ScenarioSlow      = "A slow customer"
	ScenarioExpire    = "Expiry in 20 s"
	ScenarioNoAnswer  = "Vipps not answering"
	ScenarioRelayDown = "The relay down"
)

// SlowDelay is how long the slow customer takes to approve.
const SlowDelay = 25 * time.Second

var scenarios = []struct{ name, about string }{
	{ScenarioApprove, "The customer approves after a few seconds."},
	{ScenarioDecline, "The customer declines in the app; the till says so and keeps the basket."},
	{ScenarioSlow, "The customer takes 25 seconds to approve; the till counts down meanwhile."},
	{ScenarioExpire, "The customer never answers; the request expires after 20 seconds."},
	{ScenarioNoAnswer, "Vipps MobilePay does not answer; the till offers a safe retry and charges nothing twice."},
	{ScenarioRelayDown, "The webhook relay is down; the till finds the approval by polling instead."},
}

// Scenarios are the scenario names in menu order.
func (d *Demo) Scenarios() []string {
	out := make([]string, len(scenarios))
	for i, s := range scenarios {
		out[i] = s.name
	}
	return out
}

// Describe says what a scenario shows.
func (d *Demo) Describe(name string) string {
	for _, s := range scenarios {
		if s.name == name {
			return s.about
		}
	}
	return ""
}

// Playing is the scenario in force (Approve at the start).
func (d *Demo) Playing() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.playing == "" {
		return ScenarioApprove
	}
	return d.playing
}

// Play sets a scenario for the payments that follow.
func (d *Demo) Play(name string) error {
	b := sim.Behaviour{Answer: sim.AnswerApprove}
	var f sim.Faults
	relayDown := false
	switch name {
	case ScenarioApprove:
	case ScenarioDecline:
		b.Answer = sim.AnswerDecline
	case ScenarioSlow:
		b.Delay = SlowDelay
	case ScenarioExpire:
		b = sim.Behaviour{Answer: sim.AnswerIgnore, ExpireAfter: 20 * time.Second}
	case ScenarioNoAnswer:
		// Nothing reaches Vipps and nothing comes back: the till cannot
		// tell whether the request arrived.
		f = sim.Faults{DropBefore: 1, Ops: []string{sim.OpCreatePayment, sim.OpGetPayment}}
	case ScenarioRelayDown:
		relayDown = true
	default:
		return fmt.Errorf("demo: no scenario %q", name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if relayDown != d.relayDown {
		if relayDown {
			d.StopRelay()
		} else if err := d.StartRelay(); err != nil {
			return err
		}
		d.relayDown = relayDown
	}
	d.Sim.SetBehaviour(b)
	d.Sim.SetFaults(f)
	d.playing = name
	d.log.Info("demo scenario", "scenario", name)
	return nil
}

// PhoneURL is the test-phone page: on the LAN address when Options.LAN is
// set and the machine has one, else on loopback.
func (d *Demo) PhoneURL() string { return d.phoneURL }

// servePhone starts the test-phone page's server.
func (d *Demo) servePhone(lan bool) error {
	host := "127.0.0.1"
	if ip := lanAddress(); lan && ip != "" {
		host = ip
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return fmt.Errorf("demo: phone page: %w", err)
	}
	d.serveOn(ln, d.Sim.PhoneHandler())
	d.phoneURL = "http://" + ln.Addr().String() + "/"
	return nil
}
