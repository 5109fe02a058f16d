package cql2

import (
	"cmp"
	"fmt"
	"reflect"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/peterstace/simplefeatures/geom"
)

// Feature is what a filter is evaluated on. Property returns string, float64, int, int64, bool
// or nil (unknown/absent) for a queryable name; Geometry returns the feature's geometry in the
// filter's coordinate system (nil when it has none).
type Feature interface {
	Property(name string) any
	Geometry() orb.Geometry
}

// Match reports whether f satisfies the filter. A comparison with a null (unknown) value is
// unknown, and unknown never matches (SQL three-valued logic: NOT unknown is unknown).
func (f *Filter) Match(ft Feature) bool { return f.root.eval(&evalCtx{f: ft}) == yes }

type tri int8

const (
	unknown tri = iota
	yes
	no
)

func triOf(b bool) tri {
	if b {
		return yes
	}
	return no
}

type evalCtx struct {
	steps   int // LIKE work: runes decoded and compared
	f       Feature
	g       geom.Geometry
	gDone   bool
	gExists bool
}

// geometry converts the feature's geometry to simplefeatures once per evaluation.
func (c *evalCtx) geometry() (geom.Geometry, bool) {
	if c.gDone {
		return c.g, c.gExists
	}
	c.gDone = true
	og := c.f.Geometry()
	if og == nil {
		return c.g, false
	}
	if p, ok := og.(orb.Point); ok {
		c.g, c.gExists = geom.NewPointXY(p[0], p[1]).AsGeometry(), true
		return c.g, true
	}
	b, err := wkb.Marshal(og)
	if err != nil {
		return c.g, false
	}
	g, err := geom.UnmarshalWKB(b, geom.NoValidate{})
	if err != nil {
		return c.g, false
	}
	c.g, c.gExists = g, true
	return g, true
}

type node interface {
	eval(c *evalCtx) tri
}

type orNode struct{ a, b node }

func (n orNode) eval(c *evalCtx) tri {
	a := n.a.eval(c)
	if a == yes {
		return yes
	}
	b := n.b.eval(c)
	switch {
	case b == yes:
		return yes
	case a == no && b == no:
		return no
	}
	return unknown
}

type andNode struct{ a, b node }

func (n andNode) eval(c *evalCtx) tri {
	a := n.a.eval(c)
	if a == no {
		return no
	}
	b := n.b.eval(c)
	switch {
	case b == no:
		return no
	case a == yes && b == yes:
		return yes
	}
	return unknown
}

type notNode struct{ a node }

func (n notNode) eval(c *evalCtx) tri {
	switch n.a.eval(c) {
	case yes:
		return no
	case no:
		return yes
	}
	return unknown
}

type boolNode bool

func (n boolNode) eval(*evalCtx) tri { return triOf(bool(n)) }

// scalar is a property reference or a literal.
type scalar interface {
	value(c *evalCtx) any // string, float64, bool or nil
	typeOf() Type
	String() string
}

type property struct {
	name string
	typ  Type
}

func (p property) typeOf() Type   { return p.typ }
func (p property) String() string { return "property " + p.name }
func (p property) value(c *evalCtx) any {
	switch v := c.f.Property(p.name).(type) {
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case int32:
		return float64(v)
	case float32:
		return float64(v)
	case float64, string, bool:
		return v
	case nil:
		return nil
	case fmt.Stringer:
		return v.String()
	default:
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.String:
			return rv.String()
		case reflect.Bool:
			return rv.Bool()
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return float64(rv.Int())
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			return float64(rv.Uint())
		case reflect.Float32, reflect.Float64:
			return rv.Float()
		}
	}
	return nil
}

type literal struct {
	v   any
	typ Type
}

func (l literal) typeOf() Type       { return l.typ }
func (l literal) value(*evalCtx) any { return l.v }
func (l literal) String() string     { return fmt.Sprintf("%v", l.v) }

// compare returns -1, 0, 1 and ok=false when either value is null or the types differ.
func compare(a, b any) (int, bool) {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return cmp.Compare(x, y), ok
	case string:
		y, ok := b.(string)
		return cmp.Compare(x, y), ok
	case bool:
		y, ok := b.(bool)
		if !ok {
			return 0, false
		}
		if x == y {
			return 0, true
		}
		if !x {
			return -1, true
		}
		return 1, true
	}
	return 0, false
}

type cmpNode struct {
	op   string
	l, r scalar
}

func (n cmpNode) eval(c *evalCtx) tri {
	d, ok := compare(n.l.value(c), n.r.value(c))
	if !ok {
		return unknown
	}
	switch n.op {
	case "=":
		return triOf(d == 0)
	case "<>":
		return triOf(d != 0)
	case "<":
		return triOf(d < 0)
	case "<=":
		return triOf(d <= 0)
	case ">":
		return triOf(d > 0)
	case ">=":
		return triOf(d >= 0)
	}
	return unknown
}

type nullNode struct {
	x   scalar
	not bool
}

func (n nullNode) eval(c *evalCtx) tri { return triOf((n.x.value(c) == nil) != n.not) }

func negate(t tri, not bool) tri {
	if !not || t == unknown {
		return t
	}
	if t == yes {
		return no
	}
	return yes
}

type likeNode struct {
	x   scalar
	pat *likePattern
	not bool
}

func (n likeNode) eval(c *evalCtx) tri {
	s, ok := n.x.value(c).(string)
	if !ok {
		return unknown
	}
	return negate(triOf(n.pat.match(s, &c.steps)), n.not)
}

type betweenNode struct {
	x, lo, hi scalar
	not       bool
}

func (n betweenNode) eval(c *evalCtx) tri {
	v := n.x.value(c)
	a, ok1 := compare(v, n.lo.value(c))
	b, ok2 := compare(v, n.hi.value(c))
	if !ok1 || !ok2 {
		return unknown
	}
	return negate(triOf(a >= 0 && b <= 0), n.not)
}

type inNode struct {
	x    scalar
	list []scalar
	not  bool
}

func (n inNode) eval(c *evalCtx) tri {
	v := n.x.value(c)
	if v == nil {
		return unknown
	}
	res := no
	for _, s := range n.list {
		d, ok := compare(v, s.value(c))
		if !ok {
			res = unknown
			continue
		}
		if d == 0 {
			return negate(yes, n.not)
		}
	}
	return negate(res, n.not)
}

// geomOperand is the feature's geometry (prop set) or a literal.
type geomOperand struct {
	prop  string
	lit   geom.Geometry
	isLit bool
}

func (o geomOperand) get(c *evalCtx) (geom.Geometry, bool) {
	if o.isLit {
		return o.lit, true
	}
	return c.geometry()
}

type intersectsNode struct{ a, b geomOperand }

func (n intersectsNode) eval(c *evalCtx) tri {
	// Cheap envelope test first, using orb's bound of the feature when one side is a literal.
	if n.a.isLit != n.b.isLit {
		lit := n.a.lit
		if n.b.isLit {
			lit = n.b.lit
		}
		og := c.f.Geometry()
		if og == nil {
			return unknown
		}
		lo, hi, ok := lit.Envelope().MinMaxXYs()
		if !ok {
			return no
		}
		b := og.Bound()
		if b.Min[0] > hi.X || b.Max[0] < lo.X || b.Min[1] > hi.Y || b.Max[1] < lo.Y {
			return no
		}
	}
	a, ok1 := n.a.get(c)
	b, ok2 := n.b.get(c)
	if !ok1 || !ok2 {
		return unknown
	}
	return triOf(geom.Intersects(a, b))
}

// IntersectsBound reports whether g intersects the closed box b exactly (not just by envelope);
// false for a nil geometry.
func IntersectsBound(g orb.Geometry, b orb.Bound) bool {
	if g == nil {
		return false
	}
	gb := g.Bound()
	if gb.Min[0] > b.Max[0] || gb.Max[0] < b.Min[0] || gb.Min[1] > b.Max[1] || gb.Max[1] < b.Min[1] {
		return false
	}
	if p, ok := g.(orb.Point); ok {
		return b.Contains(p)
	}
	if gb.Min[0] >= b.Min[0] && gb.Max[0] <= b.Max[0] && gb.Min[1] >= b.Min[1] && gb.Max[1] <= b.Max[1] {
		return true // inside the box
	}
	c := &evalCtx{f: geomOnly{g}}
	sg, ok := c.geometry()
	if !ok {
		return false
	}
	env := geom.NewEnvelope(geom.XY{X: b.Min[0], Y: b.Min[1]}, geom.XY{X: b.Max[0], Y: b.Max[1]})
	return geom.Intersects(sg, env.AsGeometry())
}

type geomOnly struct{ g orb.Geometry }

func (g geomOnly) Property(string) any    { return nil }
func (g geomOnly) Geometry() orb.Geometry { return g.g }
