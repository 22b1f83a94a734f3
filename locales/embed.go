// Package locales holds the message files of focalbot: one TOML file per language, named by
// its language code. en.toml is the reference; every other file has exactly its message IDs.
// glossary.toml is not a message file: it records how each language writes the network's
// names and terms, and the locale tests hold the message files to it.
package locales

import "embed"

// FS holds the message files of this folder: the files named by a language code (en.toml,
// fa-AF.toml), not the glossary.
//
//go:embed ??.toml ??-??.toml
var FS embed.FS

// Glossary is glossary.toml.
//
//go:embed glossary.toml
var Glossary []byte
