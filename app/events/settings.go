package events

import (
	"fmt"
	"strings"

	"github.com/kasse-pos/kasse/app/journal"
)

// Setting is one changed setting: its name and its new value.
type Setting struct {
	Name  string
	Value string
}

// secretWords mark a setting whose value must never be journaled.
var secretWords = []string{"secret", "token", "key", "password", "pin"}

// Mask is how a setting's change is written in the journal: "name = value",
// or "name changed" when the name says the value is a secret.
func Mask(s Setting) string {
	low := strings.ToLower(s.Name)
	for _, w := range secretWords {
		if strings.Contains(low, w) {
			return s.Name + " changed"
		}
	}
	return s.Name + " = " + s.Value
}

// SettingsChanged journals that settings changed (settings.changed, SAF-T
// event 13021: a change of fixed data), with what changed and secrets masked.
// Call it when the change is saved, whoever made it; cashier may be empty.
func SettingsChanged(j *journal.Journal, cashier string, changed ...Setting) error {
	if len(changed) == 0 {
		return nil
	}
	d := &journal.StationData{}
	for _, s := range changed {
		d.Changed = append(d.Changed, Mask(s))
	}
	d.Text = strings.Join(d.Changed, "; ")
	if _, err := j.Append(journal.Record{Kind: journal.KindSettings, Cashier: cashier, Station: d}); err != nil {
		return fmt.Errorf("journal the settings change: %w", err)
	}
	return nil
}
