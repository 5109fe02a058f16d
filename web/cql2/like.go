package cql2

import "errors"

// likeRune is one position of a LIKE segment: a literal rune, or any single rune (_).
type likeRune struct {
	r   rune
	any bool
}

// likePattern is a compiled LIKE pattern: segments of literals and _ separated by runs of %
// (a run of any length is one %, so "a%%%%b" compiles like "a%b").
type likePattern struct {
	segs        [][]likeRune
	anchorStart bool // the pattern does not start with %
	anchorEnd   bool // the pattern does not end with %
	hasPercent  bool
	minRunes    int // runes a text needs at least: every non-% position
}

// compileLike parses a LIKE pattern (% any run, _ one character, \ escapes the next character).
func compileLike(pat string) (*likePattern, error) {
	p := &likePattern{}
	var cur []likeRune
	esc, first := false, true
	for _, r := range pat {
		switch {
		case esc:
			cur = append(cur, likeRune{r: r})
			esc = false
		case r == '\\':
			esc = true
		case r == '%':
			p.hasPercent = true
			if len(cur) > 0 {
				p.segs = append(p.segs, cur)
				cur = nil
			}
		case r == '_':
			cur = append(cur, likeRune{any: true})
		default:
			cur = append(cur, likeRune{r: r})
		}
		if first {
			p.anchorStart = r != '%'
			first = false
		}
	}
	if esc {
		return nil, errors.New("LIKE pattern ends with an unfinished escape '\\'")
	}
	p.anchorEnd = len(cur) > 0 || !p.hasPercent
	if len(cur) > 0 || (!p.hasPercent && len(p.segs) == 0) {
		p.segs = append(p.segs, cur)
	}
	for _, s := range p.segs {
		p.minRunes += len(s)
	}
	return p, nil
}

// match reports whether s matches the pattern, adding the work done to *steps (one per rune of
// s decoded and one per rune comparison). Segments are placed greedily at their leftmost
// occurrence, which is exact for patterns of literals, _ and %; the work is at most
// len(s)·(1 + non-% runes of the pattern), never more than O(len(s)²), whatever the number of %.
func (p *likePattern) match(s string, steps *int) bool {
	t := make([]rune, 0, len(s))
	for _, r := range s {
		t = append(t, r)
	}
	*steps += len(t) + 1
	if len(t) < p.minRunes {
		return false
	}
	if !p.hasPercent {
		return len(t) == len(p.segs[0]) && segAt(p.segs[0], t, 0, steps)
	}
	segs := p.segs
	lo, hi := 0, len(t)
	if p.anchorStart && len(segs) > 0 {
		if !segAt(segs[0], t, 0, steps) {
			return false
		}
		lo = len(segs[0])
		segs = segs[1:]
	}
	if p.anchorEnd && len(segs) > 0 {
		last := segs[len(segs)-1]
		at := len(t) - len(last)
		if at < lo || !segAt(last, t, at, steps) {
			return false
		}
		hi = at
		segs = segs[:len(segs)-1]
	}
	for _, seg := range segs {
		found := false
		for at := lo; at+len(seg) <= hi; at++ {
			if segAt(seg, t, at, steps) {
				lo, found = at+len(seg), true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// segAt reports whether seg matches t at offset at (the caller checks the length fits).
func segAt(seg []likeRune, t []rune, at int, steps *int) bool {
	for k, lr := range seg {
		*steps++
		if !lr.any && t[at+k] != lr.r {
			return false
		}
	}
	return true
}
