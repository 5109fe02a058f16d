package formats

import (
	"strconv"
	"strings"
)

// CSVText neutralises a text cell of a CSV file for spreadsheet programs: text starting with
// =, +, -, @, tab or CR (which Excel and LibreOffice evaluate as a formula, e.g.
// =HYPERLINK("http://…"&A1,"点击")) gets a leading apostrophe, which they show as text. Text
// that is a plain decimal number ("-5", "+1.5") is left alone so it still opens as a number.
// Every CSV writer of civplan passes its text cells through it (numbers are written as numbers).
func CSVText(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "nNiI") { // not NaN/Inf
		return s
	}
	return "'" + s
}

// csvValue renders a value as a CSV cell: text through CSVText, anything else as render says.
func csvValue(v any, render func(any) string) string {
	if s, ok := v.(string); ok {
		return CSVText(s)
	}
	return render(v)
}
