package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
)

// trainingBar is the wide amber bar under the header while training mode is
// on, so no cashier takes a training sale for a real one. Hidden at first;
// draw shows it from View.Training.
func trainingBar() fyne.CanvasObject {
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameWarning))
	text := canvas.NewText(lang.L("TRAINING – not a real sale"), theme.Color(theme.ColorNameForegroundOnWarning))
	text.TextSize = 22
	text.TextStyle.Bold = true
	text.Alignment = fyne.TextAlignCenter
	bar := container.NewStack(bg, container.NewPadded(text))
	bar.Hide()
	return bar
}
