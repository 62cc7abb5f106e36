package station

import (
	"errors"
	"io/fs"

	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/hardware/scanner"
)

// The relay poller's states (relay.PollerState.String) the status bar shows.
var _ = []string{i18n.Key("connected"), i18n.Key("reconnecting")}

// scannerText is the scanner's status in lang.
func scannerText(lang string, s scanner.Status) string { return i18n.For(lang).Msg(ScannerMsg(s)) }

// ScannerMsg is the scanner's status as a sentence of app/i18n:
// scanner.Status.Message's sentences, which hardware/ cannot translate.
func ScannerMsg(s scanner.Status) i18n.Msg {
	switch {
	case s.Connected:
		return i18n.M("Scanner ready on {{.Port}}.", "Port", s.Port)
	case errors.Is(s.Err, scanner.ErrDisconnected):
		return i18n.M("Scanner on {{.Port}} disconnected. The sale is kept; the scanner reconnects when it is plugged back in.", "Port", s.Port)
	case errors.Is(s.Err, fs.ErrNotExist):
		return i18n.M("No scanner at {{.Port}}. Use touch and keyboard; Kasse connects when the scanner is plugged in.", "Port", s.Port)
	case errors.Is(s.Err, fs.ErrPermission):
		return i18n.M("Not allowed to open the scanner at {{.Port}}. Add this user to the port's group (dialout on Linux).", "Port", s.Port)
	case s.Err != nil:
		// The cause is the system's words; the whole sentence is in the log.
		return i18n.M("Scanner at {{.Port}} not available. Use touch and keyboard; Kasse keeps trying.", "Port", s.Port)
	}
	return i18n.M("Scanner at {{.Port}} not connected.", "Port", s.Port)
}
