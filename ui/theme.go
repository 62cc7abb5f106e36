package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
)

// tillTheme is Fyne's light theme with larger text and padding, so a cashier
// reads the till at arm's length and hits its buttons with a thumb.
type tillTheme struct{ fyne.Theme }

func newTheme() fyne.Theme { return tillTheme{theme.DefaultTheme()} }

func (t tillTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNamePrimary:
		return color.NRGBA{R: 0xff, G: 0x5b, B: 0x24, A: 0xff} // Vipps orange
	case theme.ColorNameSuccess:
		return color.NRGBA{R: 0x1b, G: 0x7a, B: 0x2f, A: 0xff} // dark enough to read on grey
	case theme.ColorNameBackground:
		return color.NRGBA{R: 0xf6, G: 0xf4, B: 0xf1, A: 0xff}
	}
	return t.Theme.Color(n, theme.VariantLight)
}

func (t tillTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 18
	case theme.SizeNameHeadingText:
		return 30
	case theme.SizeNameSubHeadingText:
		return 22
	case theme.SizeNameCaptionText:
		return 14
	case theme.SizeNameInnerPadding:
		return 12
	case theme.SizeNameInputBorder:
		return 2
	}
	return t.Theme.Size(n)
}

// touch is the smallest side of anything a finger taps, in Fyne units (px at
// scale 1): above the 48 px the guidelines ask for.
const touch = 56

// compactTheme is the till's theme with little padding, for text stacked
// tightly (a basket line's name over its unit price).
type compactTheme struct{ fyne.Theme }

func (t compactTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameInnerPadding:
		return 2
	case theme.SizeNamePadding:
		return 0
	}
	return t.Theme.Size(n)
}

// compact draws o with compactTheme.
func compact(o fyne.CanvasObject) fyne.CanvasObject {
	return container.NewThemeOverride(o, compactTheme{newTheme()})
}
