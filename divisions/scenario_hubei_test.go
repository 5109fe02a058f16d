package divisions_test

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/divisions"
)

var (
	hubeiOnce sync.Once
	hubeiTree *divisions.Tree
	hubeiErr  error
)

// hubei returns the embedded Hubei tree (built once per test binary).
func hubei(t testing.TB) *divisions.Tree {
	t.Helper()
	hubeiOnce.Do(func() {
		ds, err := dataset.EmbeddedHubei()
		if err != nil {
			hubeiErr = err
			return
		}
		hubeiTree, hubeiErr = divisions.NewTree(ds.Divisions)
	})
	if hubeiErr != nil {
		t.Fatal(hubeiErr)
	}
	return hubeiTree
}

func apply(t *testing.T, base *divisions.Tree, ops ...divisions.Op) (*divisions.Result, *divisions.Statutory) {
	t.Helper()
	res, err := divisions.Apply(base, ops, divisions.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := divisions.StatutoryChecks(res, nil, "", divisions.DefaultStatuteConfig())
	if err != nil {
		t.Fatal(err)
	}
	return res, st
}

// TestCrossParentMergeLikeTransfer: 谷城县城关镇 (420625100) merged across the county line
// into 南漳县城关镇 moves the same people and territory as transferring it to 南漳县, so both
// counties' populations, the affected units, the county-seat checks and the 条例 art. 8
// approval must agree with the transfer's.
func TestCrossParentMergeLikeTransfer(t *testing.T) {
	base := hubei(t)
	const (
		receiving = divisions.Code("420624000000") // 南漳县
		losing    = divisions.Code("420625000000") // 谷城县
		moved     = divisions.Code("420625100000") // 谷城县城关镇
	)
	merge, mst := apply(t, base, divisions.Op{Op: divisions.OpMerge, Units: []string{"420624100", "420625100"}, Into: "420624100", CrossParent: true})
	transfer, tst := apply(t, base, divisions.Op{Op: divisions.OpTransfer, Units: []string{"420625100"}, To: "420624"})

	// Oracle: the base tree's own numbers, summed by hand.
	wantRecv := base.Get(receiving).Population.Total + base.Get(moved).Population.Total
	wantLose := base.Get(losing).Population.Total - base.Get(moved).Population.Total
	if wantRecv != 567648 {
		t.Fatalf("南漳县 + 谷城县城关镇 = %d in the embedded data, the issue says 567,648", wantRecv)
	}
	for name, res := range map[string]*divisions.Result{"merge": merge, "transfer": transfer} {
		if got := res.After.Get(receiving).Population.Total; got != wantRecv {
			t.Errorf("%s: 南漳县 population %d, want %d", name, got, wantRecv)
		}
		if got := res.After.Get(losing).Population.Total; got != wantLose {
			t.Errorf("%s: 谷城县 population %d, want %d", name, got, wantLose)
		}
		// Province and prefecture unchanged (both counties are in 襄阳市).
		for _, c := range []divisions.Code{"420000000000", "420600000000"} {
			if a, b := res.After.Get(c).Population, base.Get(c).Population; a != b {
				t.Errorf("%s: %s population %v, base %v", name, c, a, b)
			}
		}
		for _, c := range []divisions.Code{receiving, losing} {
			if !slices.Contains(res.Affected, c) {
				t.Errorf("%s: %s is not among the affected units", name, c)
			}
		}
	}
	seatChecks := func(st *divisions.Statutory) map[divisions.Code]string {
		out := map[divisions.Code]string{}
		for _, c := range st.Checks {
			if strings.HasPrefix(c.ID, "county_seat.") {
				out[divisions.Code(strings.TrimPrefix(c.ID, "county_seat."))] = c.Verdict
			}
		}
		return out
	}
	ms, ts := seatChecks(mst), seatChecks(tst)
	for _, c := range []string{"420624", "420625"} {
		if _, ok := ms[divisions.Code(c)]; !ok {
			t.Errorf("merge: no county-seat check for %s (transfer has %v)", c, ts)
		}
	}
	art8 := func(st *divisions.Statutory) bool {
		for _, a := range st.Approvals {
			if strings.Contains(a.Article, "第八条") && strings.Contains(a.Change, "县级界线变更") {
				return true
			}
		}
		return false
	}
	if !art8(mst) || !art8(tst) {
		t.Errorf("条例 art. 8 county boundary row: merge %v, transfer %v", mst.Approvals, tst.Approvals)
	}
	// A merge within one county keeps its single art. 9 row.
	_, same := apply(t, base, divisions.Op{Op: divisions.OpMerge, Units: []string{"420624100", "420624101"}, Into: "420624100"})
	if art8(same) || len(same.Approvals) != 1 {
		t.Errorf("merge inside 南漳县: approvals %+v, want one art. 9 row", same.Approvals)
	}
}

// TestCrossTownshipVillageMergeShiftsPopulation: villages merged across townships move their
// people between the townships (and nothing above the common county changes).
func TestCrossTownshipVillageMergeShiftsPopulation(t *testing.T) {
	base := hubei(t)
	tw := base.Children("420624100000")
	other := base.Children("420624101000")
	if len(tw) == 0 || len(other) == 0 {
		t.Fatal("南漳县城关镇 or 武安镇 has no villages")
	}
	a, b := tw[0], other[0]
	res, _ := apply(t, base, divisions.Op{Op: divisions.OpMerge, Units: []string{string(a.Code), string(b.Code)}, Into: string(a.Code), CrossParent: true})
	if got, want := res.After.Get("420624100000").Population.Total, base.Get("420624100000").Population.Total+b.Population.Total; got != want {
		t.Errorf("receiving township %d, want %d", got, want)
	}
	if got, want := res.After.Get("420624101000").Population.Total, base.Get("420624101000").Population.Total-b.Population.Total; got != want {
		t.Errorf("losing township %d, want %d", got, want)
	}
	if got, want := res.After.Get("420624000000").Population, base.Get("420624000000").Population; got != want {
		t.Errorf("county %v, want unchanged %v", got, want)
	}
}

// TestCountySeatHostRules: the 1984 county-seat rule on the base tree. 监利市's seat point lies
// in the derived area of 红城乡 and 红安县's in that of 杏花乡; the seat towns are 容城镇 (first
// town code) and 城关镇 (by name). No county of the base tree may fail the rule (every county
// seat of Hubei is a 镇 or 街道), and each check says which rule decided.
func TestCountySeatHostRules(t *testing.T) {
	base := hubei(t)
	cases := []struct {
		county, host divisions.Code
		rule         string
	}{
		{"421088000000", "421088100000", divisions.SeatByCode},    // 监利市 → 容城镇
		{"421122000000", "421122100000", divisions.SeatByName},    // 红安县 → 城关镇
		{"421022000000", "421022101000", divisions.SeatByPolygon}, // 公安县 → 斗湖堤镇, not 埠河镇 (…100)
	}
	for _, c := range cases {
		h, rule := divisions.CountySeatHost(base, c.county, false)
		if h == nil || h.Code != c.host || rule != c.rule {
			t.Errorf("%s: host %v by %q, want %s by %q", c.county, h, rule, c.host, c.rule)
		}
	}
	// A moved seat is located by the polygon only: 监利市's seat moved to 红城乡's own seat.
	hc := base.Get("421088200000")
	if h, rule := divisions.CountySeatHost(base, "421088000000", true); h == nil || h.Code != hc.Code || rule != divisions.SeatByPolygon {
		t.Errorf("moved seat: host %v by %q, want 红城乡 by polygon", h, rule)
	}
	fails := 0
	for _, cd := range base.All() {
		if cd.Level != divisions.County || cd.Kind == divisions.KindStatistical {
			continue
		}
		_, st := apply(t, base, divisions.Op{Op: divisions.OpRename, Unit: string(cd.Code), Name: cd.Name + "新"})
		for _, ch := range st.Checks {
			if !strings.HasPrefix(ch.ID, "county_seat.") {
				continue
			}
			if ch.Basis == "" || ch.Note == "" {
				t.Errorf("%s: check without basis: %+v", cd.Code, ch)
			}
			if ch.Verdict == divisions.VerdictFail {
				fails++
				t.Errorf("%s %s: county seat host %s %s fails (basis %s)", cd.Code, cd.Name, ch.Unit, ch.UnitName, ch.Basis)
			}
		}
	}
	// A real failure is still found: 红安县城关镇 merged into 杏花乡 (which survives as a 乡).
	_, st := apply(t, base, divisions.Op{Op: divisions.OpMerge, Units: []string{"421122200", "421122100"}, Into: "421122200"})
	found := false
	for _, ch := range st.Checks {
		if ch.ID == "county_seat.421122" {
			found = true
			if ch.Verdict != divisions.VerdictFail || ch.Unit != "421122200000" {
				t.Errorf("城关镇 merged into 杏花乡: %+v, want a fail on 杏花乡", ch)
			}
		}
	}
	if !found {
		t.Error("城关镇 merged into 杏花乡: no county-seat check")
	}
}

// TestMergedTownCheckedAgainst1984: a merge whose result is a 镇 is checked against the 1984
// town standard with the merged population (here ≥ 20,000: the 10 % seat share applies).
func TestMergedTownCheckedAgainst1984(t *testing.T) {
	base := hubei(t)
	res, st := apply(t, base, divisions.Op{Op: divisions.OpMerge, Units: []string{"420624103", "420624104"}, Into: "420624103"})
	want := base.Get("420624103000").Population.Total + base.Get("420624104000").Population.Total
	var got *divisions.Check
	for i := range st.Checks {
		if st.Checks[i].ID == "op1.town_1984" {
			got = &st.Checks[i]
		}
	}
	if got == nil {
		t.Fatalf("no town_1984 check of the merged town: %+v", st.Checks)
	}
	if got.Unit != "420624103000" || res.After.Get(got.Unit).Population.Total != want {
		t.Errorf("check on %s, want 420624103000 with population %d", got.Unit, want)
	}
	if len(got.Conditions) == 0 || got.Conditions[0].Value == nil || int64(*got.Conditions[0].Value) != want {
		t.Errorf("conditions %+v, want the merged population %d first", got.Conditions, want)
	}
	// Villages merged: no town check.
	vs := base.Children("420624103000")
	_, vst := apply(t, base, divisions.Op{Op: divisions.OpMerge, Units: []string{string(vs[0].Code), string(vs[1].Code)}, Into: string(vs[0].Code)})
	for _, c := range vst.Checks {
		if strings.HasSuffix(c.ID, "town_1984") {
			t.Errorf("village merge got a town check: %+v", c)
		}
	}
}
