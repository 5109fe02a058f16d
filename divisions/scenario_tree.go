package divisions

import (
	"fmt"
	"maps"
	"sort"
)

// overlayTree builds the after tree of a scenario from the base tree and the changed units
// (over: code → the unit as it is now, nil for a unit that no longer exists). Unchanged units
// are shared with the base tree (both are immutable), so the cost is a copy of the two indexes
// plus work proportional to the changes. It fails on a changed unit whose parent is missing.
func overlayTree(base *Tree, over map[Code]*Division) (*Tree, error) {
	t := &Tree{byCode: maps.Clone(base.byCode), children: maps.Clone(base.children), areas: &areaMemo{}, base: base}
	parents := map[Code]bool{}
	var added []Code
	for c, d := range over {
		if old := base.byCode[c]; old != nil {
			parents[old.Parent] = true
		} else if d != nil {
			added = append(added, c)
		}
		if d == nil {
			delete(t.byCode, c)
			continue
		}
		t.byCode[c] = d
		parents[d.Parent] = true
	}
	for c, d := range over {
		if d != nil && d.Parent != "" && t.byCode[d.Parent] == nil {
			return nil, fmt.Errorf("division %s: parent %s is missing", c, d.Parent)
		}
	}
	// Children of every parent that lost, gained or changed a child.
	kidsOf := map[Code][]*Division{}
	for p := range parents {
		if p == "" {
			continue
		}
		var kids []*Division
		for _, k := range base.children[p] {
			if d := t.byCode[k.Code]; d != nil && d.Parent == p {
				kids = append(kids, d)
			}
		}
		kidsOf[p] = kids
	}
	sortCodes(added)
	for _, c := range added {
		d := t.byCode[c]
		if d.Parent != "" {
			kidsOf[d.Parent] = append(kidsOf[d.Parent], d)
		}
	}
	for p, kids := range kidsOf {
		sort.Slice(kids, func(i, j int) bool { return kids[i].Code < kids[j].Code })
		if len(kids) == 0 {
			delete(t.children, p)
		} else {
			t.children[p] = kids
		}
	}
	// All units in code order: the base order with changes in place, new codes merged in.
	t.ordered = make([]*Division, 0, len(t.byCode))
	j := 0
	for _, b := range base.ordered {
		for j < len(added) && added[j] < b.Code {
			t.ordered = append(t.ordered, t.byCode[added[j]])
			j++
		}
		if d := t.byCode[b.Code]; d != nil {
			t.ordered = append(t.ordered, d)
		}
	}
	for ; j < len(added); j++ {
		t.ordered = append(t.ordered, t.byCode[added[j]])
	}
	return t, nil
}
