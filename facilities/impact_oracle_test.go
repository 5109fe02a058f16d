package facilities_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// randomScenario draws a merge of 2–3 townships of one county, or a transfer of 1–3 villages
// of one township to another township of the same county (splitting the first), on Hubei.
func randomScenario(rng *rand.Rand, tree *divisions.Tree) []divisions.Op {
	var counties []*divisions.Division
	for _, p := range tree.Children(divisions.MustCode("42")) {
		for _, c := range tree.Children(p.Code) {
			if len(tree.Children(c.Code)) >= 3 {
				counties = append(counties, c)
			}
		}
	}
	c := counties[rng.IntN(len(counties))]
	tws := tree.Children(c.Code)
	perm := rng.Perm(len(tws))
	if rng.IntN(2) == 0 {
		n := 2 + rng.IntN(2)
		var units []string
		for _, i := range perm[:n] {
			units = append(units, string(tws[i].Code))
		}
		return []divisions.Op{{Op: divisions.OpMerge, Units: units, Into: units[0]}}
	}
	from, to := tws[perm[0]], tws[perm[1]]
	vs := tree.Children(from.Code)
	var units []string
	for _, i := range rng.Perm(len(vs))[:min(len(vs), 1+rng.IntN(3))] {
		units = append(units, string(vs[i].Code))
	}
	return []divisions.Op{{Op: divisions.OpTransfer, Units: units, To: string(to.Code)}}
}

// usableWithin counts, by brute force, the operating facilities of kind k registered within
// unit u (and their beds).
func usableWithin(fs []facilities.Facility, k facilities.Kind, u divisions.Code) (n, beds int) {
	for _, f := range fs {
		if f.Kind == k && f.Status == facilities.StatusOperating && len(f.DivisionCode) == 12 && f.DivisionCode.Within(u) &&
			f.DivisionCode.Level() >= u.Level() {
			n++
			beds += f.Beds
		}
	}
	return n, beds
}

// Impact with the service's warm base analyzer (memoised areas, facility order, reused
// indexes) equals Impact over a freshly built tree with nothing reused, on random merges and
// splits of Hubei; and the per-unit facility counts, beds and areas equal brute-force sums
// over the facility list and divisions.AreaKM2 of the boundaries.
func TestImpactReuseMatchesFreshAndBruteForce(t *testing.T) {
	tree, fs := hubei(t)
	base, err := facilities.NewAnalyzer(tree, facilities.NewRegistry(fs), nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(16, 3))
	done := 0
	for attempt := 0; done < 8 && attempt < 40; attempt++ {
		ops := randomScenario(rng, tree)
		res, err := divisions.Apply(tree, ops, divisions.ApplyOptions{})
		if err != nil {
			continue // e.g. townships that do not border each other
		}
		warm, err := facilities.Impact(res, fs, nil, facilities.ImpactOptions{Base: base})
		if err != nil {
			t.Fatal(err)
		}
		// a second run on the now warm memos, and a fresh tree with nothing memoised
		warm2, err := facilities.Impact(res, fs, nil, facilities.ImpactOptions{Base: base})
		if err != nil {
			t.Fatal(err)
		}
		freshTree, err := divisions.NewTree(hubeiDS.Divisions)
		if err != nil {
			t.Fatal(err)
		}
		fres, err := divisions.Apply(freshTree, ops, divisions.ApplyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := facilities.Impact(fres, fs, nil, facilities.ImpactOptions{})
		if err != nil {
			t.Fatal(err)
		}
		wj, _ := json.Marshal(warm)
		w2j, _ := json.Marshal(warm2)
		fj, _ := json.Marshal(fresh)
		if string(wj) != string(fj) || string(w2j) != string(fj) {
			t.Errorf("%+v: impact with reuse (%d, %d bytes) differs from the fresh one (%d bytes)", ops, len(wj), len(w2j), len(fj))
		}
		after := facilities.AfterFacilities(res, fs)
		for _, di := range warm.Divisions {
			checkUnitStats(t, ops, "before", di.Before, res.Base, fs)
			checkUnitStats(t, ops, "after", di.After, res.After, after)
		}
		if len(warm.Divisions) == 0 {
			t.Errorf("%+v: no division in the impact", ops)
		}
		done++
	}
	if done < 8 {
		t.Fatalf("only %d random scenarios applied", done)
	}
}

// checkUnitStats compares one side's numbers with brute force over tree t and facilities fs.
func checkUnitStats(t *testing.T, ops []divisions.Op, side string, st facilities.UnitStats, tr *divisions.Tree, fs []facilities.Facility) {
	t.Helper()
	area, areaOK := 0.0, true
	for _, u := range st.Units {
		d := tr.Get(u)
		if d == nil {
			continue
		}
		if len(d.Boundary) == 0 {
			areaOK = false
		}
		area += divisions.AreaKM2(d.Boundary)
	}
	switch {
	case areaOK != (st.AreaKM2 != nil):
		t.Errorf("%+v %s %v: area reported %v, boundaries known %v", ops, side, st.Units, st.AreaKM2 != nil, areaOK)
	case areaOK && *st.AreaKM2 != area:
		t.Errorf("%+v %s %v: area %v km², brute force %v", ops, side, st.Units, *st.AreaKM2, area)
	}
	for k, ks := range st.Kinds {
		n, beds := 0, 0
		for _, u := range st.Units {
			a, b := usableWithin(fs, k, u)
			n += a
			beds += b
		}
		if ks.Facilities != n || ks.Beds != beds {
			t.Errorf("%+v %s %v %s: %d facilities, %d beds; brute force %d, %d", ops, side, st.Units, k, ks.Facilities, ks.Beds, n, beds)
		}
	}
}
