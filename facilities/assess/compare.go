package assess

import (
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// Summary condenses an evaluation for side-by-side comparison.
type Summary struct {
	ID            int64                        `json:"id"`
	Name          string                       `json:"name"`
	Status        string                       `json:"status"`
	Ops           int                          `json:"ops"`
	Affected      int                          `json:"affected_units"`
	Villages      int                          `json:"affected_villages"`
	CodeChanges   int                          `json:"code_changes"`
	Flags         map[string]int               `json:"flags"`
	Coverage      map[facilities.Kind]Coverage `json:"coverage"`    // over the affected village committees
	SeatMeanM     [2]*float64                  `json:"seat_mean_m"` // before, after: mean village → township seat distance
	Verdicts      map[string]int               `json:"verdicts"`
	NonContiguous int                          `json:"non_contiguous_units"`
}

// Coverage is covered / villages before and after.
type Coverage struct {
	Villages int      `json:"villages"`
	Before   int      `json:"covered_before"`
	After    int      `json:"covered_after"`
	RatioB   *float64 `json:"ratio_before"`
	RatioA   *float64 `json:"ratio_after"`
}

// Summarize condenses ev.
func (ev *Evaluation) Summarize() Summary {
	s := Summary{ID: ev.Scenario.ID, Name: ev.Scenario.Name, Status: ev.Scenario.Status, Ops: len(ev.Scenario.Ops),
		Affected: len(ev.Affected), Villages: len(ev.Impact.Villages), CodeChanges: len(ev.Codes),
		Flags: map[string]int{}, Coverage: map[facilities.Kind]Coverage{}, Verdicts: map[string]int{}}
	for _, f := range ev.Impact.Flags {
		s.Flags[f.Kind]++
	}
	var sb, sa float64
	var nb, na int
	for _, v := range ev.Impact.Villages {
		if v.SeatBeforeM != nil {
			sb += *v.SeatBeforeM
			nb++
		}
		if v.SeatAfterM != nil {
			sa += *v.SeatAfterM
			na++
		}
		d := ev.Result.Base.Get(v.Code)
		if d == nil || !d.Kind.IsVillageCommittee(false) {
			continue
		}
		for _, kr := range v.Kinds {
			c := s.Coverage[kr.Kind]
			c.Villages++
			if kr.Before.Covered {
				c.Before++
			}
			if kr.After.Covered {
				c.After++
			}
			s.Coverage[kr.Kind] = c
		}
	}
	for k, c := range s.Coverage {
		if c.Villages > 0 {
			b, a := float64(c.Before)/float64(c.Villages), float64(c.After)/float64(c.Villages)
			c.RatioB, c.RatioA = &b, &a
		}
		s.Coverage[k] = c
	}
	if nb > 0 {
		m := sb / float64(nb)
		s.SeatMeanM[0] = &m
	}
	if na > 0 {
		m := sa / float64(na)
		s.SeatMeanM[1] = &m
	}
	for _, c := range ev.Statutory.Checks {
		s.Verdicts[c.Verdict]++
	}
	for _, g := range ev.Geometry {
		if g.Rebuilt && !g.Contiguous && g.Level == divisions.Township {
			s.NonContiguous++
		}
	}
	return s
}

// Comparison is two scenarios side by side.
type Comparison struct {
	A Summary `json:"a"`
	B Summary `json:"b"`
	// Shared lists base units both scenarios change (conflicting drafts).
	Shared []divisions.Code `json:"shared_units"`
}

// Compare puts two evaluations side by side.
func Compare(a, b *Evaluation) Comparison {
	c := Comparison{A: a.Summarize(), B: b.Summarize(), Shared: []divisions.Code{}}
	inA := map[divisions.Code]bool{}
	for _, r := range a.Codes {
		if r.OldCode != "" {
			inA[r.OldCode] = true
		}
	}
	for _, r := range b.Codes {
		if r.OldCode != "" && inA[r.OldCode] {
			c.Shared = append(c.Shared, r.OldCode)
		}
	}
	return c
}
