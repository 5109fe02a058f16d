package cql2

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

type feat struct {
	props map[string]any
	g     orb.Geometry
}

func (f feat) Property(n string) any  { return f.props[n] }
func (f feat) Geometry() orb.Geometry { return f.g }

type level string

var q = Queryables{"name": String, "level": String, "pop": Number, "rural": Boolean, "opened": Date,
	"geometry": Geometry, "ur_code": String, "kind": String}

func TestMatch(t *testing.T) {
	village := feat{props: map[string]any{"name": "古夫村村民委员会", "level": level("village"), "pop": int64(1200),
		"rural": true, "opened": "2019-05-01", "ur_code": nil, "kind": "village_committee"}, g: orb.Point{110.2, 31.4}}
	town := feat{props: map[string]any{"name": "昭君镇", "level": "township", "pop": 1000.0, "rural": false, "opened": nil},
		g: orb.Polygon{{{110.5, 31.1}, {110.9, 31.1}, {110.9, 31.9}, {110.5, 31.9}, {110.5, 31.1}}}}
	tests := []struct {
		filter        string
		village, town bool
	}{
		{"level = 'village'", true, false},
		{"level='village' OR level = 'township'", true, true},
		{"LEVEL <> 'village'", false, false}, // property names are case-sensitive: LEVEL is unknown → error case below
		{"pop > 1000", true, false},
		{"pop >= 1000", true, true},
		{"pop < 1000.5 AND pop <= 1000", false, true},
		{"NOT pop = 1200", false, true},
		{"pop BETWEEN 1000 AND 1100", false, true},
		{"pop NOT BETWEEN 1000 AND 1100", true, false},
		{"level IN ('village', 'county')", true, false},
		{"level NOT IN ('village', 'county')", false, true},
		{"name LIKE '古夫%'", true, false},
		{"name LIKE '%镇'", false, true},
		{"name LIKE '昭_镇'", false, true},
		{"name NOT LIKE '%村%'", false, true},
		{"rural = TRUE", true, false},
		{"rural", false, false}, // a bare property is not a predicate → error case below
		{"ur_code IS NULL", true, true},
		{"ur_code IS NOT NULL", false, false},
		{"ur_code = '220'", false, false},
		{"NOT ur_code = '220'", false, false}, // unknown stays unknown under NOT
		{"opened > DATE('2019-01-01')", true, false},
		{"opened >= TIMESTAMP('2019-05-01T00:00:00Z')", false, false},
		{"S_INTERSECTS(geometry, POINT(110.2 31.4))", true, false},
		{"S_INTERSECTS(geometry, POINT(110.7 31.5))", false, true},
		{"S_INTERSECTS(geometry, BBOX(110, 31, 110.3, 31.5))", true, false},
		{"S_INTERSECTS(BBOX(110.85, 31.8, 111, 32), geometry)", false, true},
		{"S_INTERSECTS(geometry, POLYGON((110 31, 110.6 31, 110.6 31.6, 110 31.6, 110 31)))", true, true},
		{"S_INTERSECTS(geometry, LINESTRING(110.0 31.0, 110.4 31.0))", false, false},
		{"S_INTERSECTS(geometry, MULTIPOINT((110.2 31.4), (115 30)))", true, false},
		{"(level = 'village' OR pop = 1000) AND NOT (rural = TRUE)", false, true},
		{"TRUE", true, true},
		{"FALSE OR pop = 1200", true, false},
		{"kind = 'village_committee' and pop > 5", true, false},
		{"name = 'it''s'", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			f, err := Compile(tt.filter, q)
			if tt.filter == "LEVEL <> 'village'" || tt.filter == "rural" {
				if err == nil {
					t.Fatalf("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Match(village); got != tt.village {
				t.Errorf("village: got %v", got)
			}
			if got := f.Match(town); got != tt.town {
				t.Errorf("town: got %v", got)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		filter string
		syntax bool
		want   string
	}{
		{"", true, "empty"},
		{"level = ", true, "expected a property or a value"},
		{"level = 'x", true, "unterminated string"},
		{"level == 'x'", true, "expected a property or a value"},
		{"(level = 'x'", true, "expected ')'"},
		{"level = 'x')", true, "unexpected"},
		{"colour = 'red'", false, "unknown property \"colour\""},
		{"pop = 'many'", false, "compares"},
		{"name LIKE 5", true, "string literal pattern"},
		{"pop LIKE '1%'", false, "not a string"},
		{"name BETWEEN 'a' AND 'b'", false, "BETWEEN compares numbers"},
		{"level IN ('a', 3)", false, "compares"},
		{"S_INTERSECTS(geometry, POINT(1))", true, "geometry literal"},
		{"S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 0)", true, "unterminated"},
		{"S_INTERSECTS(pop, POINT(1 2))", true, "geometry property"},
		{"S_INTERSECTS(geometry, BBOX(1,2,3))", true, "4 or 6"},
		{"S_INTERSECTS(geometry, BBOX(3,2,1,4))", false, "minimum greater"},
		{"geometry = 'x'", false, "compares"},
		{"pop > 1e999", true, "finite"},
		{"opened > DATE('yesterday')", true, "calendar date"},
		{"opened > DATE('2015-13-45')", true, "calendar date"},
		{"opened = DATE('2019-02-29')", true, "calendar date"},
		{"opened < DATE('2019-05-01T00:00:00Z')", true, "calendar date"},
		{"opened < TIMESTAMP('2019-05-01T25:00:00Z')", true, "RFC 3339"},
		{"opened < TIMESTAMP('2019-05-01')", true, "RFC 3339"},
		{"opened > '2019-01-01'", false, "compares property opened (date) with 2019-01-01 (string)"},
		{"name = DATE('2019-01-01')", false, "compares"},
		{"S_CONTAINS(geometry, POINT(1 2))", false, "unsupported function S_CONTAINS at offset 0"},
		{"level = 'x' OR S_WITHIN(geometry, BBOX(0,0,1,1))", false, "unsupported function S_WITHIN at offset 15"},
		{"CASEI(name) = 'x'", false, "unsupported function CASEI"},
		{"T_AFTER(opened, DATE('2020-01-01'))", false, "unsupported function T_AFTER"},
		{"name = POINT(1 2)", false, "geometry literal"},
		{"level = 'x' AND", true, "expected a property"},
		{"name LIKE 'ab\\'", true, "escape"},
		{"level ~ 'x'", true, "unexpected character"},
		{strings.Repeat("(", 100) + "TRUE" + strings.Repeat(")", 100), true, "nested too deeply"},
		{strings.Repeat("NOT ", 100) + "TRUE", true, "nested too deeply"},
		{strings.Repeat("a", MaxLen+1), false, "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.filter[:min(len(tt.filter), 40)], func(t *testing.T) {
			_, err := Compile(tt.filter, q)
			if err == nil {
				t.Fatal("no error")
			}
			var se *SyntaxError
			if errors.As(err, &se) != tt.syntax {
				t.Errorf("syntax error = %v, want %v (%v)", !tt.syntax, tt.syntax, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestSyntaxErrorPosition(t *testing.T) {
	_, err := Compile("level = 'a' AND pop > ", q)
	var se *SyntaxError
	if !errors.As(err, &se) || se.Pos != 22 {
		t.Fatalf("got %v, want position 22", err)
	}
}

// FuzzCompile checks that no input panics, and that whatever compiles also evaluates without
// panicking on features with odd values.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{"level = 'village'", "pop BETWEEN 1 AND 2 OR NOT name LIKE '%a_'",
		"S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 0)))", "level IN ('a','b')", "ur_code IS NOT NULL",
		"S_INTERSECTS(geometry,BBOX(1,2,3,4,5,6))", "opened < DATE('2020-01-01')", "((TRUE))",
		"S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(0 0, 1 1)))", "\"name\" = 'x'"} {
		f.Add(s)
	}
	feats := []feat{
		{props: map[string]any{}},
		{props: map[string]any{"name": "x", "pop": 3, "rural": true, "level": "village", "opened": "2020-01-01"}, g: orb.Point{0.5, 0.5}},
		{props: map[string]any{"pop": "not a number"}, g: orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}}},
	}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := Compile(s, q)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		for _, ft := range feats {
			flt.Match(ft)
		}
	})
}

func TestIntersectsBound(t *testing.T) {
	// An L-shaped polygon whose bounding box covers the test box but whose area does not.
	l := orb.Polygon{{{0, 0}, {3, 0}, {3, 1}, {1, 1}, {1, 3}, {0, 3}, {0, 0}}}
	tests := []struct {
		name string
		g    orb.Geometry
		b    orb.Bound
		want bool
	}{
		{"point inside", orb.Point{1, 1}, orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{2, 2}}, true},
		{"point on edge", orb.Point{2, 1}, orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{2, 2}}, true},
		{"point outside", orb.Point{3, 1}, orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{2, 2}}, false},
		{"L notch", l, orb.Bound{Min: orb.Point{2, 2}, Max: orb.Point{2.5, 2.5}}, false},
		{"L arm", l, orb.Bound{Min: orb.Point{2, 0.5}, Max: orb.Point{2.5, 2.5}}, true},
		{"box inside polygon", l, orb.Bound{Min: orb.Point{0.2, 0.2}, Max: orb.Point{0.5, 0.5}}, true},
		{"far away", l, orb.Bound{Min: orb.Point{10, 10}, Max: orb.Point{11, 11}}, false},
		{"nil", nil, orb.Bound{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IntersectsBound(tt.g, tt.b); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// likeRegexp is the reference LIKE implementation for the tests (the matcher before the
// linear one): % → .*, _ → ., \ escapes, anchored; Go's regexp is RE2, so correct but O(m·n).
func likeRegexp(pat string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^(?s:")
	esc := false
	for _, r := range pat {
		switch {
		case esc:
			b.WriteString(regexp.QuoteMeta(string(r)))
			esc = false
		case r == '\\':
			esc = true
		case r == '%':
			b.WriteString(".*")
		case r == '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	if esc {
		return nil, errors.New("unfinished escape")
	}
	b.WriteString(")$")
	return regexp.Compile(b.String())
}

// TestLikeMatchesRegexp cross-checks the LIKE matcher against the regexp reference on random
// patterns and texts over a small alphabet (so that matches are frequent), with multibyte runes.
func TestLikeMatchesRegexp(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 5))
	patAlpha := []string{"a", "b", "古", "%", "%", "_", "\\%", "\\_", "\\\\", "\\a"}
	textAlpha := []string{"a", "b", "古", "%", "_", "\\"}
	matched := 0
	for i := 0; i < 20000; i++ {
		var pb, tb strings.Builder
		for n := rng.IntN(9); n > 0; n-- {
			pb.WriteString(patAlpha[rng.IntN(len(patAlpha))])
		}
		for n := rng.IntN(11); n > 0; n-- {
			tb.WriteString(textAlpha[rng.IntN(len(textAlpha))])
		}
		pat, text := pb.String(), tb.String()
		re, err := likeRegexp(pat)
		if err != nil {
			t.Fatal(err)
		}
		lp, err := compileLike(pat)
		if err != nil {
			t.Fatal(err)
		}
		steps := 0
		got, want := lp.match(text, &steps), re.MatchString(text)
		if got != want {
			t.Fatalf("LIKE %q on %q: got %v, regexp says %v", pat, text, got, want)
		}
		if got {
			matched++
		}
		// The documented bound: len(text)·(1 + non-% runes of the pattern) plus the decoding.
		n := len([]rune(text))
		if bound := (n+1)*(lp.minRunes+1) + n + 1; steps > bound {
			t.Fatalf("LIKE %q on %q: %d steps, more than the bound %d", pat, text, steps, bound)
		}
	}
	if matched < 1000 {
		t.Errorf("only %d of 20000 random cases matched: the cross-check is too weak", matched)
	}
}

// likeSteps is the work of matching pat on text.
func likeSteps(t *testing.T, pat, text string) (bool, int) {
	t.Helper()
	lp, err := compileLike(pat)
	if err != nil {
		t.Fatal(err)
	}
	steps := 0
	ok := lp.match(text, &steps)
	return ok, steps
}

// TestLikeStepsLinear asserts, by counting steps rather than timing, that LIKE work grows at
// most linearly: doubling the text (fixed pattern) or the number of % runs (fixed text) at most
// about doubles the steps, and a 5,000-% pattern over a long name costs a few steps per rune.
func TestLikeStepsLinear(t *testing.T) {
	cases := []struct {
		name      string
		pat, text func(n int) string
	}{
		{"text grows, failing middle segment", func(int) string { return "%aaaab%" }, func(n int) string { return strings.Repeat("a", n) }},
		{"text grows, many segments", func(int) string { return "%a%b%a_%c" }, func(n int) string { return strings.Repeat("ab", n) + "c" }},
		{"percent runs grow", func(n int) string { return strings.Repeat("%", n) + "x" + strings.Repeat("%", n) }, func(int) string { return strings.Repeat("古夫镇", 100) }},
		{"alternating % and a grow", func(n int) string { return strings.Repeat("%a", n) + "%b" }, func(int) string { return strings.Repeat("a", 300) }},
		{"both grow", func(n int) string { return strings.Repeat("%a", n) + "%b" }, func(n int) string { return strings.Repeat("a", n) + "b" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			prev := 0
			for n := 250; n <= 4000; n *= 2 {
				_, steps := likeSteps(t, tc.pat(n), tc.text(n))
				if prev > 0 && float64(steps) > 2.2*float64(prev) {
					t.Errorf("n=%d: %d steps, more than 2.2× the %d at n=%d", n, steps, prev, n/2)
				}
				prev = steps
			}
		})
	}
	// The hostile pattern of issue 14: thousands of % runs (78 s with the regexp matcher).
	pat := strings.Repeat("%_", 5000) + "%"
	text := strings.Repeat("某", 40)
	ok, steps := likeSteps(t, pat, text)
	if ok {
		t.Error("a 5,000-character minimum matched a 40-character name")
	}
	if steps > 100 {
		t.Errorf("5,000 %% runs on a 40-rune name: %d steps, want ≤ 100 (the text is shorter than the pattern's minimum)", steps)
	}
	pat = strings.Repeat("%", 5000) + "某" + strings.Repeat("%", 5000)
	ok, steps = likeSteps(t, pat, text)
	if !ok || steps > 4*len([]rune(text)) {
		t.Errorf("10,000 %% around one rune: match %v in %d steps, want a match in ≤ %d", ok, steps, 4*len([]rune(text)))
	}
	// Through Compile and Match too: the filter counts the same work.
	f, err := Compile(fmt.Sprintf("name LIKE '%s'", strings.Repeat("%a", 2000)+"%"), q)
	if err != nil {
		t.Fatal(err)
	}
	c := &evalCtx{f: feat{props: map[string]any{"name": strings.Repeat("a", 3000)}}}
	if f.root.eval(c) != yes || c.steps > 4*3000 {
		t.Errorf("2,000 %%a runs on 3,000 runes: %d steps", c.steps)
	}
}
