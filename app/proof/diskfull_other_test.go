//go:build unix && !linux

package proof

import "errors"

// setDiskFull is Linux-only: elsewhere a file size limit may not stop writes
// inside a file's current size.
func setDiskFull(bool) error { return errors.New("a full disk is simulated on Linux only") }
