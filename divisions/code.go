package divisions

import (
	"fmt"
	"strings"
)

// Level is a division's depth: province 1 … village 5.
type Level int

// The five levels of the statistical division code.
const (
	Province Level = iota + 1
	Prefecture
	County
	Township
	Village
)

var levelNames = [...]string{"", "province", "prefecture", "county", "township", "village"}

// String returns the API word for the level ("" for an invalid level).
func (l Level) String() string {
	if l < Province || l > Village {
		return ""
	}
	return levelNames[l]
}

// ParseLevel parses an API level word such as "county".
func ParseLevel(s string) (Level, error) {
	for l := Province; l <= Village; l++ {
		if levelNames[l] == s {
			return l, nil
		}
	}
	return 0, fmt.Errorf("unknown level %q (want province, prefecture, county, township or village)", s)
}

// MarshalText writes the level word.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads the level word.
func (l *Level) UnmarshalText(b []byte) error {
	v, err := ParseLevel(string(b))
	*l = v
	return err
}

// shortLen is the significant length of a code at each level.
var shortLen = [...]int{0, 2, 4, 6, 9, 12}

// Code is a 12-digit statistical division code, e.g. "420526100000".
type Code string

// ParseCode accepts a code in short (2/4/6/9 digits) or 12-digit form and returns the 12-digit form.
// It rejects non-digits, other lengths and codes whose zero padding contradicts their level
// (e.g. "420000001000" has a village part under an empty county part).
func ParseCode(s string) (Code, error) {
	s = strings.TrimSpace(s)
	switch len(s) {
	case 2, 4, 6, 9, 12:
	default:
		return "", fmt.Errorf("code %q: want 2, 4, 6, 9 or 12 digits, got %d characters", s, len(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", fmt.Errorf("code %q: character %d is not a digit", s, i+1)
		}
	}
	c := Code(s + strings.Repeat("0", 12-len(s)))
	if c[:2] == "00" {
		return "", fmt.Errorf("code %q: province part is 00", s)
	}
	// Once a part is all zeros every later part must be too.
	zero := false
	for l := Prefecture; l <= Village; l++ {
		part := string(c[shortLen[l-1]:shortLen[l]])
		isZero := strings.Trim(part, "0") == ""
		if zero && !isZero {
			return "", fmt.Errorf("code %q: %s part %s under an empty %s part", s, l, part, l-1)
		}
		zero = zero || isZero
	}
	return c, nil
}

// MustCode is ParseCode for constants in tests and tables; it panics on a bad code.
func MustCode(s string) Code {
	c, err := ParseCode(s)
	if err != nil {
		panic(err)
	}
	return c
}

// Level derives the level from the code's trailing zero parts.
func (c Code) Level() Level {
	for l := Village; l > Province; l-- {
		if strings.Trim(string(c[shortLen[l-1]:shortLen[l]]), "0") != "" {
			return l
		}
	}
	return Province
}

// Short returns the significant digits: 2, 4, 6, 9 or 12 of them.
func (c Code) Short() string { return string(c[:shortLen[c.Level()]]) }

// Parent returns the enclosing division's code, or "" for a province.
func (c Code) Parent() Code {
	l := c.Level()
	if l == Province {
		return ""
	}
	n := shortLen[l-1]
	return Code(string(c[:n]) + strings.Repeat("0", 12-n))
}

// Part returns the digits that the code adds at its own level (e.g. "100" for a town).
func (c Code) Part() string {
	l := c.Level()
	return string(c[shortLen[l-1]:shortLen[l]])
}

// Within reports whether c is anc or lies below it in the tree.
func (c Code) Within(anc Code) bool {
	if anc == "" {
		return true
	}
	n := shortLen[anc.Level()]
	return c[:n] == anc[:n]
}
