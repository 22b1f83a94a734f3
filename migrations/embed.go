// Package migrations holds the database schema as plain SQL files, applied in order by
// store.Migrate. Files are append-only: a released migration is never edited; a change to the
// schema is a new file with the next number.
package migrations

import "embed"

// FS holds every NNNN_name.sql file of this folder.
//
//go:embed *.sql
var FS embed.FS
