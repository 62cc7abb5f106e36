package proof

import (
	"fmt"
	"syscall"
)

// fullDiskLimit is the file size limit that stands for a full disk: the
// journal's first page stays writable, every other write fails with EFBIG
// (Linux refuses any write at an offset past the limit; Go ignores SIGXFSZ).
const fullDiskLimit = 4096

// roomy is the file size limit the process started with.
var roomy *syscall.Rlimit

// setDiskFull makes this process's file writes fail, through the real
// bbolt file and the real write system call, or lets them through again.
func setDiskFull(full bool) error {
	if roomy == nil {
		roomy = new(syscall.Rlimit)
		if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, roomy); err != nil {
			return fmt.Errorf("getrlimit: %w", err)
		}
	}
	r := *roomy
	if full {
		r.Cur = min(fullDiskLimit, r.Max)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &r); err != nil {
		return fmt.Errorf("setrlimit: %w", err)
	}
	return nil
}
