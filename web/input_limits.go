package web

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text limits for what clients name and write (README "Input limits"). Runes, not bytes: a
// Chinese name of 200 characters is 600 bytes of UTF-8.
const (
	maxNameRunes = 200   // scenario, plan, facility, candidate and unit names (rename, merge targets)
	maxNoteRunes = 10000 // scenario notes
)

// checkName rejects an empty name, one longer than maxNameRunes, and one holding a control
// character (NUL, CR, LF, tab, …): names are single lines that end up in CSV, HTML and logs.
func checkName(field, s string) *Problem {
	t := strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(t); {
	case n == 0:
		return badParam(field, errors.New("required (not blank)"))
	case n > maxNameRunes:
		return badParam(field, fmt.Errorf("%d characters is more than the %d a name may have", n, maxNameRunes))
	}
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		return badParam(field, fmt.Errorf("control character %U at byte %d: a name is one line of text", []rune(s[i:])[0], i))
	}
	return nil
}

// checkNote rejects a note longer than maxNoteRunes or holding a control character other than
// tab, CR and LF (notes may have several lines).
func checkNote(field, s string) *Problem {
	if n := utf8.RuneCountInString(s); n > maxNoteRunes {
		return badParam(field, fmt.Errorf("%d characters is more than the %d a note may have", n, maxNoteRunes))
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\t' && r != '\r' && r != '\n' }); i >= 0 {
		return badParam(field, fmt.Errorf("control character %U at byte %d", []rune(s[i:])[0], i))
	}
	return nil
}

// loneSurrogateAt is the offset of the first JSON escape \uD800–\uDFFF in body that is not
// half of a surrogate pair (encoding/json would store it as U+FFFD), or -1. Outside strings
// JSON has no backslashes, so every backslash starts an escape.
func loneSurrogateAt(body []byte) int {
	hex4 := func(i int) (rune, bool) { // the 4 hex digits of a \u escape starting at body[i]
		if i+6 > len(body) || body[i] != '\\' || body[i+1] != 'u' {
			return 0, false
		}
		var r rune
		for _, c := range body[i+2 : i+6] {
			switch {
			case '0' <= c && c <= '9':
				r = r<<4 | rune(c-'0')
			case 'a' <= c && c <= 'f':
				r = r<<4 | rune(c-'a'+10)
			case 'A' <= c && c <= 'F':
				r = r<<4 | rune(c-'A'+10)
			default:
				return 0, false
			}
		}
		return r, true
	}
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		r, ok := hex4(i)
		if !ok {
			i++ // a two-character escape such as \\ or \"
			continue
		}
		switch {
		case 0xD800 <= r && r <= 0xDBFF: // high half: a low half must follow at once
			if lo, ok := hex4(i + 6); ok && 0xDC00 <= lo && lo <= 0xDFFF {
				i += 11
				continue
			}
			return i
		case 0xDC00 <= r && r <= 0xDFFF:
			return i
		}
		i += 5
	}
	return -1
}

// checkScenarioText checks a scenario's name, notes and the names its operations give.
func checkScenarioText(in *scenarioInput) *Problem {
	if p := checkName("name", in.Name); p != nil {
		return p
	}
	if p := checkNote("notes", in.Notes); p != nil {
		return p
	}
	for i, op := range in.Ops {
		if op.Name != "" {
			if p := checkName(fmt.Sprintf("ops[%d].name", i), op.Name); p != nil {
				return p
			}
		}
	}
	return nil
}
