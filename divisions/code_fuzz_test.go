package divisions

import (
	"strings"
	"testing"
)

// FuzzParseCode checks ParseCode's invariants on arbitrary input: it never panics, and an
// accepted code is 12 ASCII digits whose short form parses back to itself, whose parent is one
// level up and contains it.
func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"42", "4205", "420526", "420526100", "420526100201", "420000001000", "00", "4x", " 42 ", "９９", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCode(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if len(c) != 12 || strings.Trim(string(c), "0123456789") != "" {
			t.Fatalf("ParseCode(%q) = %q: not 12 digits", s, c)
		}
		back, err := ParseCode(c.Short())
		if err != nil || back != c {
			t.Fatalf("Short %q of %q parses to %q, %v", c.Short(), c, back, err)
		}
		if p := c.Parent(); p != "" {
			if p.Level() != c.Level()-1 || !c.Within(p) {
				t.Fatalf("parent %q of %q (level %v) is not one level up or does not contain it", p, c, c.Level())
			}
		} else if c.Level() != Province {
			t.Fatalf("%q has no parent but level %v", c, c.Level())
		}
		_ = KindOf(c, s)
	})
}
