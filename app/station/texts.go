package station

import (
	"errors"
	"io/fs"

	"github.com/kasse-pos/kasse/app/i18n"
	"github.com/kasse-pos/kasse/hardware/scanner"
)

// The relay poller's states (relay.PollerState.String) the status bar shows.
var _ = []string{i18n.Key("connected"), i18n.Key("reconnecting")}

// scannerText is the scanner's status in lang: scanner.Status.Message's
// sentences, which hardware/ cannot translate.
func scannerText(lang string, s scanner.Status) string {
	tr := i18n.For(lang)
	switch {
	case s.Connected:
		return tr.T("Scanner ready on {{.Port}}.", "Port", s.Port)
	case errors.Is(s.Err, scanner.ErrDisconnected):
		return tr.T("Scanner on {{.Port}} disconnected. The sale is kept; the scanner reconnects when it is plugged back in.", "Port", s.Port)
	case errors.Is(s.Err, fs.ErrNotExist):
		return tr.T("No scanner at {{.Port}}. Use touch and keyboard; Kasse connects when the scanner is plugged in.", "Port", s.Port)
	case errors.Is(s.Err, fs.ErrPermission):
		return tr.T("Not allowed to open the scanner at {{.Port}}. Add this user to the port's group (dialout on Linux).", "Port", s.Port)
	case s.Err != nil:
		// The cause is the system's words; the whole sentence is in the log.
		return tr.T("Scanner at {{.Port}} not available. Use touch and keyboard; Kasse keeps trying.", "Port", s.Port)
	}
	return tr.T("Scanner at {{.Port}} not connected.", "Port", s.Port)
}
