package cql2

import (
	"errors"
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
		{"opened > DATE('yesterday')", true, "ISO 8601"},
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
