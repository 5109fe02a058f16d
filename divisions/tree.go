package divisions

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/paulmach/orb"
)

// Tree is an immutable division tree indexed by code. Build it with NewTree; it is safe for
// concurrent readers.
type Tree struct {
	byCode   map[Code]*Division
	children map[Code][]*Division // sorted by code
	ordered  []*Division          // all, sorted by code
	// areas memoises the geodesic areas of the tree's boundaries (AreaKM2); base is the tree an
	// overlay (a scenario's after tree) shares its unchanged units with, whose memo serves them.
	areas *areaMemo
	base  *Tree
}

// areaMemo maps units to their boundary's area in km²; safe for concurrent use.
type areaMemo struct {
	mu sync.Mutex
	m  map[*Division]float64
}

// AreaKM2 is the geodesic area of d's boundary in km² (0 without one), as the package-level
// AreaKM2 computes it, memoised: d must be a unit of t (Get), whose boundary never changes.
func (t *Tree) AreaKM2(d *Division) float64 {
	if t.base != nil && t.base.byCode[d.Code] == d {
		return t.base.AreaKM2(d)
	}
	if t.areas == nil || t.byCode[d.Code] != d {
		return AreaKM2(d.Boundary)
	}
	t.areas.mu.Lock()
	a, ok := t.areas.m[d]
	t.areas.mu.Unlock()
	if ok {
		return a
	}
	a = AreaKM2(d.Boundary)
	t.areas.put(d, a)
	return a
}

func (m *areaMemo) put(d *Division, a float64) {
	m.mu.Lock()
	if m.m == nil {
		m.m = map[*Division]float64{}
	}
	m.m[d] = a
	m.mu.Unlock()
}

// boundaryAreaKM2 is AreaKM2(b), from the memo when b is the boundary of t's unit c.
func (t *Tree) boundaryAreaKM2(c Code, b orb.MultiPolygon) float64 {
	if d := t.byCode[c]; d != nil && sameMP(d.Boundary, b) {
		return t.AreaKM2(d)
	}
	return AreaKM2(b)
}

// sameMP reports whether a and b are the same multipolygon value (the same backing array).
func sameMP(a, b orb.MultiPolygon) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// NewTree indexes divs by code. It fails on a duplicate code or a unit whose parent is missing.
func NewTree(divs []Division) (*Tree, error) {
	t := &Tree{byCode: make(map[Code]*Division, len(divs)), children: map[Code][]*Division{}, areas: &areaMemo{}}
	for i := range divs {
		d := &divs[i]
		if _, dup := t.byCode[d.Code]; dup {
			return nil, fmt.Errorf("division %s appears twice", d.Code)
		}
		t.byCode[d.Code] = d
		t.ordered = append(t.ordered, d)
	}
	sort.Slice(t.ordered, func(i, j int) bool { return t.ordered[i].Code < t.ordered[j].Code })
	for _, d := range t.ordered {
		if d.Parent == "" {
			continue
		}
		if _, ok := t.byCode[d.Parent]; !ok {
			return nil, fmt.Errorf("division %s: parent %s is missing", d.Code, d.Parent)
		}
		t.children[d.Parent] = append(t.children[d.Parent], d)
	}
	return t, nil
}

// Get returns the division with code c, or nil.
func (t *Tree) Get(c Code) *Division { return t.byCode[c] }

// Children returns the direct children of c, sorted by code (nil for a leaf or unknown code).
func (t *Tree) Children(c Code) []*Division { return t.children[c] }

// Ancestors returns the chain from the root down to c's parent (empty for a root).
func (t *Tree) Ancestors(c Code) []*Division {
	var out []*Division
	for p := c.Parent(); p != ""; p = p.Parent() {
		if d := t.byCode[p]; d != nil {
			out = append(out, d)
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// All returns every division sorted by code. The slice is shared: do not modify it.
func (t *Tree) All() []*Division { return t.ordered }

// Len is the number of divisions.
func (t *Tree) Len() int { return len(t.ordered) }

// Descendants returns the units at level l within c (c itself if it is at level l), sorted by code.
func (t *Tree) Descendants(c Code, l Level) []*Division {
	lo := sort.Search(len(t.ordered), func(i int) bool { return t.ordered[i].Code >= c })
	n := shortLen[c.Level()]
	var out []*Division
	for _, d := range t.ordered[lo:] {
		if string(d.Code[:n]) != string(c[:n]) {
			break
		}
		if d.Level == l {
			out = append(out, d)
		}
	}
	return out
}

// Search finds divisions whose name or short name contains q (prefix matches first, then by
// code), optionally restricted to a level (0 = any) and to at most limit results (≤ 0 = all).
func (t *Tree) Search(q string, l Level, limit int) []*Division {
	q = strings.TrimSpace(q)
	var prefix, sub []*Division
	for _, d := range t.ordered {
		if l != 0 && d.Level != l {
			continue
		}
		switch {
		case q == "" || strings.HasPrefix(d.Name, q) || strings.HasPrefix(d.ShortName, q):
			prefix = append(prefix, d)
		case strings.Contains(d.Name, q):
			sub = append(sub, d)
		}
	}
	out := append(prefix, sub...)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}
