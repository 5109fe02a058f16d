package cql2

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/peterstace/simplefeatures/geom"
)

// Type is the type of a queryable property.
type Type int

// Queryable types. Date values are ISO 8601 strings compared as text; DATE('…') and
// TIMESTAMP('…') literals compare with them.
const (
	String Type = iota + 1
	Number
	Boolean
	Date
	Geometry
)

func (t Type) String() string {
	switch t {
	case String:
		return "string"
	case Number:
		return "number"
	case Boolean:
		return "boolean"
	case Date:
		return "date"
	case Geometry:
		return "geometry"
	}
	return "unknown"
}

// Queryables maps each property a filter may name to its type.
type Queryables map[string]Type

// Filter is a compiled CQL2-text filter, safe for concurrent use.
type Filter struct {
	root node
	text string
}

// String returns the filter text as given.
func (f *Filter) String() string { return f.text }

// Compile parses text as CQL2-text and checks every property against q and every comparison's
// types. It accepts the classes basic-cql2, advanced-comparison-operators (LIKE, BETWEEN, IN),
// basic-spatial-functions and basic-spatial-functions-plus (S_INTERSECTS with WKT literals and
// BBOX). Errors are *SyntaxError for malformed text and plain errors naming the property or
// literal otherwise.
func Compile(text string, q Queryables) (*Filter, error) {
	if len(text) > MaxLen {
		return nil, fmt.Errorf("CQL2 filter is %d bytes long, more than the %d allowed", len(text), MaxLen)
	}
	if strings.TrimSpace(text) == "" {
		return nil, &SyntaxError{0, "empty filter"}
	}
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	p := &parser{src: text, toks: toks, q: q}
	n, err := p.boolExpr(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, &SyntaxError{t.pos, fmt.Sprintf("unexpected %s after a complete expression", t)}
	}
	return &Filter{root: n, text: text}, nil
}

type parser struct {
	src  string
	toks []token
	i    int
	q    Queryables
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) peekAt(k int) token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) expect(k tokKind, what string) (token, error) {
	t := p.next()
	if t.kind != k {
		return t, &SyntaxError{t.pos, fmt.Sprintf("expected %s, found %s", what, t)}
	}
	return t, nil
}

func (p *parser) boolExpr(depth int) (node, error) {
	if depth > maxDepth {
		return nil, &SyntaxError{p.peek().pos, "expression nested too deeply"}
	}
	left, err := p.andExpr(depth)
	if err != nil {
		return nil, err
	}
	for p.peek().is("OR") {
		p.next()
		right, err := p.andExpr(depth)
		if err != nil {
			return nil, err
		}
		left = orNode{left, right}
	}
	return left, nil
}

func (p *parser) andExpr(depth int) (node, error) {
	left, err := p.notExpr(depth)
	if err != nil {
		return nil, err
	}
	for p.peek().is("AND") {
		p.next()
		right, err := p.notExpr(depth)
		if err != nil {
			return nil, err
		}
		left = andNode{left, right}
	}
	return left, nil
}

func (p *parser) notExpr(depth int) (node, error) {
	if p.peek().is("NOT") {
		t := p.next()
		if depth > maxDepth {
			return nil, &SyntaxError{t.pos, "expression nested too deeply"}
		}
		n, err := p.notExpr(depth + 1)
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	}
	return p.primary(depth)
}

func (p *parser) primary(depth int) (node, error) {
	t := p.peek()
	switch {
	case t.kind == tLParen:
		p.next()
		n, err := p.boolExpr(depth + 1)
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, "')'"); err != nil {
			return nil, err
		}
		return n, nil
	case t.is("S_INTERSECTS"):
		return p.spatial()
	case (t.is("TRUE") || t.is("FALSE")) && p.peekAt(1).kind != tOp && !isPredicateKeyword(p.peekAt(1)):
		p.next()
		return boolNode(t.is("TRUE")), nil
	}
	return p.predicate()
}

func isPredicateKeyword(t token) bool {
	return t.is("LIKE") || t.is("IN") || t.is("BETWEEN") || t.is("IS") || t.is("NOT")
}

// predicate parses scalar (op scalar | [NOT] LIKE | [NOT] BETWEEN | [NOT] IN | IS [NOT] NULL).
func (p *parser) predicate() (node, error) {
	left, err := p.scalar()
	if err != nil {
		return nil, err
	}
	t := p.next()
	switch {
	case t.kind == tOp:
		right, err := p.scalar()
		if err != nil {
			return nil, err
		}
		if err := sameType(left, right, t); err != nil {
			return nil, err
		}
		return cmpNode{op: t.text, l: left, r: right}, nil
	case t.is("IS"):
		not := false
		if p.peek().is("NOT") {
			p.next()
			not = true
		}
		if n := p.next(); !n.is("NULL") {
			return nil, &SyntaxError{n.pos, fmt.Sprintf("expected NULL after IS, found %s", n)}
		}
		return nullNode{x: left, not: not}, nil
	}
	not := false
	if t.is("NOT") {
		not = true
		t = p.next()
	}
	switch {
	case t.is("LIKE"):
		pt, err := p.scalar()
		if err != nil {
			return nil, err
		}
		lit, ok := pt.(literal)
		if !ok || lit.typ != String {
			return nil, &SyntaxError{t.pos, "LIKE needs a string literal pattern"}
		}
		if left.typeOf() != String {
			return nil, fmt.Errorf("LIKE at offset %d: %s is a %s, not a string", t.pos, left, left.typeOf())
		}
		pat, err := compileLike(lit.v.(string))
		if err != nil {
			return nil, &SyntaxError{t.pos, err.Error()}
		}
		return likeNode{x: left, pat: pat, not: not}, nil
	case t.is("BETWEEN"):
		lo, err := p.scalar()
		if err != nil {
			return nil, err
		}
		if a := p.next(); !a.is("AND") {
			return nil, &SyntaxError{a.pos, fmt.Sprintf("expected AND in BETWEEN, found %s", a)}
		}
		hi, err := p.scalar()
		if err != nil {
			return nil, err
		}
		if err := sameType(left, lo, t); err != nil {
			return nil, err
		}
		if err := sameType(left, hi, t); err != nil {
			return nil, err
		}
		if left.typeOf() != Number && left.typeOf() != Date {
			return nil, fmt.Errorf("BETWEEN at offset %d: %s is a %s; BETWEEN compares numbers or dates", t.pos, left, left.typeOf())
		}
		return betweenNode{x: left, lo: lo, hi: hi, not: not}, nil
	case t.is("IN"):
		if _, err := p.expect(tLParen, "'(' after IN"); err != nil {
			return nil, err
		}
		var list []scalar
		for {
			v, err := p.scalar()
			if err != nil {
				return nil, err
			}
			if err := sameType(left, v, t); err != nil {
				return nil, err
			}
			list = append(list, v)
			if len(list) > 10000 {
				return nil, &SyntaxError{t.pos, "IN list longer than 10000 values"}
			}
			n := p.next()
			if n.kind == tRParen {
				break
			}
			if n.kind != tComma {
				return nil, &SyntaxError{n.pos, fmt.Sprintf("expected ',' or ')' in IN list, found %s", n)}
			}
		}
		return inNode{x: left, list: list, not: not}, nil
	}
	return nil, &SyntaxError{t.pos, fmt.Sprintf("expected a comparison operator, LIKE, BETWEEN, IN or IS after %s, found %s", left, t)}
}

func sameType(a, b scalar, op token) error {
	ta, tb := a.typeOf(), b.typeOf()
	if ta == tb {
		if ta == Geometry {
			return fmt.Errorf("%s at offset %d: geometries compare only with S_INTERSECTS", op.text, op.pos)
		}
		return nil
	}
	return fmt.Errorf("%s at offset %d compares %s (%s) with %s (%s)", op.text, op.pos, a, ta, b, tb)
}

// scalar parses a property name or a literal.
func (p *parser) scalar() (scalar, error) {
	t := p.next()
	switch t.kind {
	case tString:
		return literal{v: t.text, typ: String}, nil
	case tNumber:
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, &SyntaxError{t.pos, fmt.Sprintf("%s is not a finite number", t.text)}
		}
		return literal{v: v, typ: Number}, nil
	case tQuotedIdent:
		return p.property(t)
	case tIdent:
		switch {
		case t.is("TRUE"), t.is("FALSE"):
			return literal{v: t.is("TRUE"), typ: Boolean}, nil
		case t.is("DATE"), t.is("TIMESTAMP"):
			if _, err := p.expect(tLParen, "'(' after "+strings.ToUpper(t.text)); err != nil {
				return nil, err
			}
			s, err := p.expect(tString, "a quoted date")
			if err != nil {
				return nil, err
			}
			if err := CheckDate(s.text, t.is("TIMESTAMP")); err != nil {
				return nil, &SyntaxError{s.pos, err.Error()}
			}
			if _, err := p.expect(tRParen, "')'"); err != nil {
				return nil, err
			}
			return literal{v: s.text, typ: Date}, nil
		case isReserved(t.text):
			return nil, &SyntaxError{t.pos, fmt.Sprintf("expected a property or a value, found the keyword %s", strings.ToUpper(t.text))}
		case p.peek().kind == tLParen:
			return nil, unsupportedCall(t)
		}
		return p.property(t)
	}
	return nil, &SyntaxError{t.pos, fmt.Sprintf("expected a property or a value, found %s", t)}
}

func (p *parser) property(t token) (scalar, error) {
	typ, ok := p.q[t.text]
	if !ok {
		return nil, fmt.Errorf("unknown property %q at offset %d (see the queryables)", t.text, t.pos)
	}
	return property{name: t.text, typ: typ}, nil
}

var reserved = map[string]bool{"AND": true, "OR": true, "NOT": true, "LIKE": true, "IN": true, "BETWEEN": true,
	"IS": true, "NULL": true, "S_INTERSECTS": true}

func isReserved(s string) bool { return reserved[strings.ToUpper(s)] }

// CheckDate reports whether s is a real calendar date YYYY-MM-DD (timestamp false) or an RFC 3339
// timestamp such as 2019-05-01T08:00:00Z (timestamp true); 2015-13-45 and 2019-02-29 are errors.
func CheckDate(s string, timestamp bool) error {
	if timestamp {
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			return fmt.Errorf("%q is not an RFC 3339 timestamp (YYYY-MM-DDThh:mm:ssZ) with a real date and time", s)
		}
		return nil
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return fmt.Errorf("%q is not a real calendar date YYYY-MM-DD", s)
	}
	return nil
}

// unsupportedCall is the error for a function call this package does not implement, named.
func unsupportedCall(t token) error {
	name := strings.ToUpper(t.text)
	switch {
	case name == "BBOX" || wktTypes[name]:
		return fmt.Errorf("%s at offset %d is a geometry literal, usable only as an argument of S_INTERSECTS", name, t.pos)
	}
	return fmt.Errorf("unsupported function %s at offset %d: this server implements S_INTERSECTS, DATE and TIMESTAMP (see /ogc/conformance)", name, t.pos)
}

// spatial parses S_INTERSECTS(a, b).
func (p *parser) spatial() (node, error) {
	fn := p.next()
	if _, err := p.expect(tLParen, "'(' after "+strings.ToUpper(fn.text)); err != nil {
		return nil, err
	}
	a, err := p.geomOperand()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tComma, "','"); err != nil {
		return nil, err
	}
	b, err := p.geomOperand()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tRParen, "')'"); err != nil {
		return nil, err
	}
	return intersectsNode{a, b}, nil
}

var wktTypes = map[string]bool{"POINT": true, "LINESTRING": true, "POLYGON": true, "MULTIPOINT": true,
	"MULTILINESTRING": true, "MULTIPOLYGON": true, "GEOMETRYCOLLECTION": true}

// geomOperand parses a geometry property, a WKT literal or BBOX(minx, miny, maxx, maxy).
func (p *parser) geomOperand() (geomOperand, error) {
	t := p.peek()
	if t.kind == tIdent && wktTypes[strings.ToUpper(t.text)] {
		return p.wkt()
	}
	if t.is("BBOX") {
		p.next()
		if _, err := p.expect(tLParen, "'(' after BBOX"); err != nil {
			return geomOperand{}, err
		}
		var v []float64
		for {
			n, err := p.expect(tNumber, "a number in BBOX")
			if err != nil {
				return geomOperand{}, err
			}
			f, err := strconv.ParseFloat(n.text, 64)
			if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				return geomOperand{}, &SyntaxError{n.pos, fmt.Sprintf("%s is not a finite number", n.text)}
			}
			v = append(v, f)
			s := p.next()
			if s.kind == tRParen {
				break
			}
			if s.kind != tComma || len(v) >= 6 {
				return geomOperand{}, &SyntaxError{s.pos, fmt.Sprintf("expected ',' or ')' in BBOX, found %s", s)}
			}
		}
		if len(v) == 6 {
			v = []float64{v[0], v[1], v[3], v[4]}
		}
		if len(v) != 4 {
			return geomOperand{}, &SyntaxError{t.pos, fmt.Sprintf("BBOX takes 4 or 6 numbers, got %d", len(v))}
		}
		if v[0] > v[2] || v[1] > v[3] {
			return geomOperand{}, fmt.Errorf("BBOX at offset %d: minimum greater than maximum", t.pos)
		}
		env := geom.NewEnvelope(geom.XY{X: v[0], Y: v[1]}, geom.XY{X: v[2], Y: v[3]})
		return geomOperand{lit: env.AsGeometry(), isLit: true}, nil
	}
	s, err := p.scalar()
	if err != nil {
		return geomOperand{}, err
	}
	prop, ok := s.(property)
	if !ok || prop.typ != Geometry {
		return geomOperand{}, &SyntaxError{t.pos, fmt.Sprintf("S_INTERSECTS needs a geometry property or literal, found %s", s)}
	}
	return geomOperand{prop: prop.name}, nil
}

// wkt consumes a WKT literal (balanced parentheses) and parses it with simplefeatures.
func (p *parser) wkt() (geomOperand, error) {
	start := p.next()
	end := 0 // set below: just past EMPTY or the closing parenthesis
	if p.peek().is("Z") || p.peek().is("M") || p.peek().is("ZM") {
		p.next()
	}
	if p.peek().is("EMPTY") {
		end = p.next().pos + len("EMPTY")
	} else {
		depth := 0
		for {
			t := p.next()
			switch t.kind {
			case tLParen:
				depth++
				if depth > maxDepth {
					return geomOperand{}, &SyntaxError{t.pos, "geometry literal nested too deeply"}
				}
			case tRParen:
				depth--
				if depth < 0 {
					return geomOperand{}, &SyntaxError{t.pos, "expected '(' after the geometry type"}
				}
			case tEOF:
				return geomOperand{}, &SyntaxError{t.pos, "unterminated geometry literal"}
			case tNumber, tComma:
			case tIdent:
				if !(t.is("EMPTY") || t.is("Z") || t.is("M") || t.is("ZM") || wktTypes[strings.ToUpper(t.text)]) {
					return geomOperand{}, &SyntaxError{t.pos, fmt.Sprintf("unexpected %s in a geometry literal", t)}
				}
			default:
				return geomOperand{}, &SyntaxError{t.pos, fmt.Sprintf("unexpected %s in a geometry literal", t)}
			}
			if depth == 0 {
				if t.kind != tRParen {
					return geomOperand{}, &SyntaxError{t.pos, "expected '(' after the geometry type"}
				}
				end = t.pos + 1
				break
			}
		}
	}
	g, err := geom.UnmarshalWKT(p.src[start.pos:end])
	if err != nil {
		return geomOperand{}, &SyntaxError{start.pos, fmt.Sprintf("geometry literal: %v", err)}
	}
	return geomOperand{lit: g, isLit: true}, nil
}
