package checkout

import (
	"errors"

	"github.com/kasse-pos/kasse/app/i18n"
)

// notifyRefused shows why a change to the basket was refused: its own
// sentence when it is one, else a plain one, the error itself to the log.
func (t *Till) notifyRefused(err error) {
	var m i18n.Msg
	if errors.As(err, &m) || errors.Is(err, errBusy) || i18n.Known(err.Error()) {
		t.Notify(t.say(err))
		return
	}
	t.log.Warn("basket change refused", "err", err)
	t.Notify(i18n.Key("That change could not be made to the basket; nothing was changed. Try again."))
}
