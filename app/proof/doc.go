// Package proof holds the tests behind the promise "Kasse never loses or doubles
// a payment". They run the till as a real process against the simulator and the
// relay over loopback HTTP, kill it with SIGKILL at every step of a sale, start
// it again, and then check the simulator's books and the till's journal the way
// a store owner would: every payment captured exactly once or ended without
// money, nothing left authorized, and the journal agreeing with the books.
//
//   - TestKillMatrix and the TestResumed*/TestTwoWaiting*/TestKilledAgain* tests:
//     one kill at each step of a sale, and the cashier's choices for a request
//     still waiting on the customer's phone at a restart (unix).
//
//   - TestManySeeds: random sales, customers, faults and kill steps. The short
//     version runs 2 seeds; the long one runs KASSE_SEEDS seeds (default 200):
//
//     KASSE_LONG=1 KASSE_SEEDS=500 go test -race -run TestManySeeds -timeout 90m -v ./app/proof/
//
//   - TestFaults and TestRelayDownMidSale: a till in this process while the
//     simulator misbehaves one way at a time, or the relay goes away mid-sale.
//
//   - TestDiskFull*: the journal's disk refuses writes (Linux: a file size
//     limit on the till process, so the real bbolt writes fail with EFBIG).
//
//   - TestKillDuringADay: kills during a day of Vipps, cash and split sales, a
//     refund and the Z report; after a restart the signature chain verifies,
//     every finished transaction is signed once and the SAF-T export verifies.
//
//   - unanswered_test.go: an approval after a create that got no answer is captured once, with its receipt.
//
// There is no code here outside the tests.
package proof
