// Package assets holds what Kasse embeds: the demo catalog and the icon.
package assets

import "embed"

// DemoCatalog is the demo shop's product list (JSON, see app/catalog).
//
//go:embed catalog.json
var DemoCatalog []byte

// DemoCatalogDK and DemoCatalogFI are the demo shop's lists for Denmark
// (DKK, 25 % VAT) and Finland (EUR; 13.5 % food, 25.5 % goods, 10 %
// newspapers).
//
//go:embed catalog-dk.json
var DemoCatalogDK []byte

//go:embed catalog-fi.json
var DemoCatalogFI []byte

// Icon is the application icon (PNG).
//
//go:embed Icon.png
var Icon []byte

// Lang holds the translations, lang/en.json, nb.json, da.json and fi.json:
// flat JSON objects from the English text (the key, a Go template when the
// text has values) to the text in that language. ui registers them with
// Fyne's lang package; app/i18n reads the same files for receipts and
// messages.
//
//go:embed lang/*.json
var Lang embed.FS
