package facilities

import (
	"sort"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/geo"
)

// villageCols holds what a coverage pass reads of every village-level unit, in flat arrays
// aligned with Analyzer.villages (code order): a pass over hundreds of thousands of villages
// then reads memory in order instead of following one pointer per village into the tree. Built
// once per tree (on first use) and shared by WithRegistry.
type villageCols struct {
	at       []geo.Query            // seat prepared for the point index; zero (finds nothing) without a seat
	flags    []uint8                // vc* bits
	pop      []divisions.Population // the unit's population figures
	provPop  []uint16               // index into provs: Sources.Population
	provSeat []uint16               // index into provs: Sources.Seat
	provs    []divisions.Provenance // distinct provenances ("" included)
}

// Bits of villageCols.flags.
const (
	vcCommittee  uint8 = 1 << iota // kind 村民委员会
	vcLike                         // kind 类似村委会
	vcRuralKnown                   // has a 2016 ur_code
	vcRural                        // ur_code 2xx
	vcSeat                         // has a seat point
)

// Warm builds what a coverage pass reads per village now instead of on first use (a server
// calls it before it reports ready). Safe to call concurrently with queries.
func (a *Analyzer) Warm() { a.cols() }

// cols returns the analyzer's village columns, building them on first use.
func (a *Analyzer) cols() *villageCols {
	a.vcols.once.Do(func() { a.vcols.c = newVillageCols(a.villages) })
	return a.vcols.c
}

func newVillageCols(vs []*divisions.Division) *villageCols {
	c := &villageCols{
		at: make([]geo.Query, len(vs)), flags: make([]uint8, len(vs)), pop: make([]divisions.Population, len(vs)),
		provPop: make([]uint16, len(vs)), provSeat: make([]uint16, len(vs)),
	}
	ids := map[divisions.Provenance]uint16{}
	id := func(p divisions.Provenance) uint16 {
		i, ok := ids[p]
		if !ok {
			i = uint16(len(c.provs))
			ids[p] = i
			c.provs = append(c.provs, p)
		}
		return i
	}
	for i, v := range vs {
		var f uint8
		switch {
		case v.Kind.IsVillageCommittee(false):
			f |= vcCommittee
		case v.Kind.IsVillageCommittee(true):
			f |= vcLike
		}
		if rural, known := v.IsRural(); known {
			f |= vcRuralKnown
			if rural {
				f |= vcRural
			}
		}
		if v.HasSeat {
			f |= vcSeat
			c.at[i] = geo.PrepareQuery(v.Seat)
		}
		c.flags[i], c.pop[i] = f, v.Population
		c.provPop[i], c.provSeat[i] = id(v.Sources.Population), id(v.Sources.Seat)
	}
	return c
}

// scopeRange returns the positions lo:hi in a.villages of the villages below code ("" = all):
// the same villages, in the same order, as a.scope(code), since codes share their parent's prefix.
func (a *Analyzer) scopeRange(code divisions.Code) (lo, hi int) {
	if code == "" {
		return 0, len(a.villages)
	}
	prefix := code.Short()
	n := len(prefix)
	lo = sort.Search(len(a.villages), func(i int) bool { return a.villages[i].Code >= code })
	hi = lo + sort.Search(len(a.villages)-lo, func(i int) bool { return string(a.villages[lo+i].Code[:n]) > prefix })
	return lo, hi
}

// selectPos returns the positions in a.villages of the village committees (and options) of q's
// division that the indicator counts, in code order, with the counts of those left out.
func (a *Analyzer) selectPos(q *Query) ([]int32, Excluded) {
	lo, hi := a.scopeRange(q.Division)
	flags := a.cols().flags
	out := make([]int32, 0, hi-lo)
	var ex Excluded
	for p := lo; p < hi; p++ {
		f := flags[p]
		if f&vcCommittee == 0 && (!q.IncludeVillageLike || f&vcLike == 0) {
			ex.NotVillageCommittee++
			continue
		}
		if q.RuralOnly {
			if f&vcRuralKnown == 0 {
				ex.UnknownRural++
				continue
			}
			if f&vcRural == 0 {
				ex.Urban++
				continue
			}
		}
		out = append(out, int32(p))
	}
	return out, ex
}

// selectVillages is selectPos with the villages themselves.
func (a *Analyzer) selectVillages(q *Query) ([]*divisions.Division, Excluded) {
	pos, ex := a.selectPos(q)
	return a.villagesAt(pos), ex
}

// villagesAt returns the villages at positions pos of a.villages.
func (a *Analyzer) villagesAt(pos []int32) []*divisions.Division {
	vs := make([]*divisions.Division, len(pos))
	for i, p := range pos {
		vs[i] = a.villages[p]
	}
	return vs
}
