// Package csvsafe keeps free text in CSV exports from being read as a formula by a spreadsheet
// (CSV injection): a cell that begins with =, +, -, @, a tab or a carriage return is prefixed
// with a single quote, which Excel, LibreOffice and Google Sheets all show as text.
package csvsafe

import "strings"

// Cell returns s escaped for a CSV cell.
func Cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Row returns the cells of a record, each escaped with Cell.
func Row(cells ...string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = Cell(c)
	}
	return out
}
