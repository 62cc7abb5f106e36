package main

import (
	"runtime/debug"

	"github.com/kasse-pos/kasse/app/station"
)

// commit is set by the build (-ldflags "-X main.commit=…"); without it the
// commit Go stamped into the binary is used.
var commit string

// versionLine is what `kasse -version` prints: "kasse 0.1.0 (commit abc1234)".
func versionLine() string {
	c := commit
	dirty := false
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if c == "" {
					c = s.Value
				}
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if len(c) > 12 {
		c = c[:12]
	}
	if c == "" {
		c = "unknown"
	}
	if dirty && commit == "" {
		c += "+changes"
	}
	return "kasse " + station.Version + " (commit " + c + ")"
}
