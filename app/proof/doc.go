// Package proof holds the tests behind the promise "Kasse never loses or doubles
// a payment". They run the till as a real process against the simulator and the
// relay over loopback HTTP, kill it with SIGKILL at every step of a sale, start
// it again, and then check the simulator's books and the till's journal the way
// a store owner would: every payment captured exactly once or ended without
// money, nothing left authorized, and the journal agreeing with the books.
//
// The short version runs with `go test ./app/proof/`; the long one (many random
// seeds of kill steps, faults and customers) with
//
//	KASSE_LONG=1 go test -race -run TestManySeeds -timeout 60m -v ./app/proof/
//
// There is no code here outside the tests.
package proof
