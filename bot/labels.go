package bot

import "unicode"

// Button labels on a phone. The sandbox page at 360 px wide (the narrowest phones in common
// use; Telegram's apps draw a keyboard as wide as the message above it, at most the width of
// the chat less its margins) gives a keyboard 276 px wide: a button of a row of one holds about
// 30 Cyrillic letters of running text (36 Latin, 32 Georgian, 41 Arabic-script), a button of a
// row of two 14 (18 Latin, 15 Georgian, 17 Arabic-script), of a row of three 9. Cyrillic being
// the widest script most labels are written in, the budgets are those figures less a letter or
// two for wide letters (Ш, Ж, Ю, М) and the button's own padding; beyond them the label is cut
// with an ellipsis. Measured with TestBrowserLabelBudget in bot/sandbox.
var rowBudget = [...]int{1: 28, 2: 13, 3: 8}

// RowBudget is how wide (LabelWidth) a label may be in a row of n buttons; 0 for more than
// three to a row, which no label fits.
func RowBudget(n int) int {
	if n < 1 || n >= len(rowBudget) {
		return 0
	}
	return rowBudget[n]
}

// LabelWidth is a label's width in letters: a combining mark or a variation selector counts
// for nothing, an emoji or symbol (✅, ❌, ✎) for two, any other character for one.
func LabelWidth(s string) int {
	w := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || unicode.Is(unicode.Cf, r) || (r >= 0xFE00 && r <= 0xFE0F):
		case unicode.Is(unicode.So, r) || r >= 0x1F000:
			w += 2
		default:
			w++
		}
	}
	return w
}

// FitRows lays out the buttons of one row so that no label is cut on a narrow phone: as many
// to a row, in order, as fit the row's budget, one to a row where a label needs the whole
// width (and one to a row if even that is not enough: a place's name cannot be shortened).
func FitRows(buttons []Button) [][]Button {
	var rows [][]Button
	for i := 0; i < len(buttons); {
		n := len(buttons) - i
		for ; n > 1; n-- {
			fits := true
			for _, b := range buttons[i : i+n] {
				if LabelWidth(b.Text) > RowBudget(n) {
					fits = false
					break
				}
			}
			if fits {
				break
			}
		}
		rows = append(rows, buttons[i:i+n])
		i += n
	}
	if len(buttons) == 0 {
		rows = append(rows, buttons)
	}
	return rows
}
