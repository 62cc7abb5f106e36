// Package relay is Kasse's webhook relay and the till's side of it.
//
// The relay (Server, on a Backend) receives ePayment webhooks at
// POST /v1/webhooks/{msn}, verifies their HMAC against the registration of
// that MSN, stores each event once, and answers 200 only after it is
// durable: in a bbolt file (Store, one host) or in NATS JetStream (JetStore,
// several instances on a cluster; StartNode runs an embedded NATS node). One
// conformance suite holds both to the same behaviour. Each till has a token
// and a feed of the events of its own payments (its MSN, references starting
// with its prefix), which it follows with GET /v1/events?after=CURSOR, a
// long-poll. Poller is that till-side
// client: it saves the cursor after the till has acted, so delivery is
// at-least-once and in order across restarts of either side. The relay also
// keeps receipts that tills upload and shows them to phones at /r/{id}.
//
// cmd/kasse-relay runs it; docs/relay.md is the operator's guide.
package relay
