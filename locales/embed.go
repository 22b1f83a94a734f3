// Package locales holds the message files of focalbot: one TOML file per language, named by
// its language code. en.toml is the reference; every other file has exactly its message IDs.
package locales

import "embed"

// FS holds every *.toml file of this folder.
//
//go:embed *.toml
var FS embed.FS
