//go:build !linux

package relaybench

import "os"

func fdatasync(f *os.File) error { return f.Sync() }
