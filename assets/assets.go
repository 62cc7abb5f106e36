// Package assets holds what Kasse embeds: the demo catalog and the icon.
package assets

import _ "embed"

// DemoCatalog is the demo shop's product list (JSON, see app/catalog).
//
//go:embed catalog.json
var DemoCatalog []byte

// Icon is the application icon (PNG).
//
//go:embed Icon.png
var Icon []byte
