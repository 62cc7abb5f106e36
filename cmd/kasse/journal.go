package main

import (
	"fmt"
	"io"
	"os"

	"github.com/kasse-pos/kasse/app/journal"
)

// runJournal is `kasse journal verify FILE`: it checks a journal file without
// changing it and prints what it found. It returns the exit status: 0 when
// the journal is whole, 1 when it is damaged, 2 when it cannot be checked.
func runJournal(args []string) int {
	return journalCommand(args, os.Stdout, os.Stderr)
}

func journalCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 || args[0] != "verify" {
		fmt.Fprintln(stderr, "usage: kasse journal verify FILE")
		return 2
	}
	rep, err := journal.Verify(args[1])
	if err != nil {
		fmt.Fprintln(stderr, "kasse journal verify:", err)
		return 2
	}
	fmt.Fprint(stdout, rep.String())
	if !rep.OK() {
		return 1
	}
	return 0
}
