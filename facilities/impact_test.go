package facilities_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os/exec"
	"sync"
	"testing"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
)

var (
	hubeiOnce sync.Once
	hubeiDS   *dataset.Dataset
	hubeiTree *divisions.Tree
	hubeiErr  error
)

// hubei loads the embedded dataset once per test binary.
func hubei(t testing.TB) (*divisions.Tree, []facilities.Facility) {
	t.Helper()
	hubeiOnce.Do(func() {
		hubeiDS, hubeiErr = dataset.EmbeddedHubei()
		if hubeiErr == nil {
			hubeiTree, hubeiErr = divisions.NewTree(hubeiDS.Divisions)
		}
	})
	if hubeiErr != nil {
		t.Fatal(hubeiErr)
	}
	if hubeiTree.Get(divisions.MustCode("420526101")) == nil {
		t.Fatal("the embedded dataset has no 420526101 (古夫镇): the real Hubei dataset is expected")
	}
	return hubeiTree, hubeiDS.Facilities
}

// pyprojDistances computes geodesic WGS84 distances with pyproj (an independent oracle).
func pyprojDistances(t *testing.T, pairs [][4]float64) []float64 {
	t.Helper()
	in, _ := json.Marshal(pairs)
	script := `import json,sys
from pyproj import Geod
g=Geod(ellps="WGS84")
ps=json.load(sys.stdin)
print(json.dumps([g.inv(a,b,c,d)[2] for a,b,c,d in ps]))`
	cmd := exec.Command("/usr/bin/python3", "-c", script)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pyproj: %v", err)
	}
	var ds []float64
	if err := json.Unmarshal(out, &ds); err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestMergeRealTownships merges two adjacent real townships of 兴山县 (古夫镇 and 昭君镇).
func TestMergeRealTownships(t *testing.T) {
	tree, fs := hubei(t)
	a, b := tree.Get(divisions.MustCode("420526101")), tree.Get(divisions.MustCode("420526102"))
	seat := [2]float64{a.Seat[0], a.Seat[1]}
	ops := []divisions.Op{{Op: divisions.OpMerge, Units: []string{"420526101", "420526102"}, Into: "420526101", Name: "古夫镇", Seat: &seat}}
	res, err := divisions.Apply(tree, ops, divisions.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := res.After.Get(a.Code)
	if want := a.Population.Add(b.Population); m.Population != want {
		t.Errorf("population %+v, want %+v", m.Population, want)
	}
	nv := len(tree.Children(a.Code)) + len(tree.Children(b.Code))
	if got := len(res.After.Children(m.Code)); got != nv {
		t.Errorf("villages %d, want %d", got, nv)
	}
	sum := divisions.AreaKM2(a.Boundary) + divisions.AreaKM2(b.Boundary)
	if got := divisions.AreaKM2(m.Boundary); math.Abs(got-sum)/sum > 0.001 {
		t.Errorf("area %.3f km², sum of parts %.3f km²", got, sum)
	}
	var g *divisions.GeometryReport
	for i := range res.Geometry {
		if res.Geometry[i].Code == m.Code {
			g = &res.Geometry[i]
		}
	}
	if g == nil || !g.Valid || g.Pieces != 1 {
		t.Fatalf("union report %+v", g)
	}
	// Codes: the villages of 昭君镇 are renumbered under 古夫镇 within their kind's range,
	// above 古夫镇's highest number of that range, never reusing an existing code.
	maxPart := map[divisions.Kind]int{}
	for _, v := range tree.Children(a.Code) {
		var n int
		fmt.Sscanf(v.Code.Part(), "%d", &n)
		maxPart[v.Kind] = max(maxPart[v.Kind], n)
	}
	for _, v := range tree.Children(b.Code) {
		nc := res.FateOf(v.Code)
		if nc.Parent() != a.Code {
			t.Errorf("%s → %s: not under %s", v.Code, nc, a.Code)
		}
		if tree.Get(nc) != nil {
			t.Errorf("%s → %s reuses an existing code", v.Code, nc)
		}
		lo, hi, _ := v.Kind.CodeRange()
		var n int
		fmt.Sscanf(nc.Part(), "%d", &n)
		if n < lo || n > hi || n <= maxPart[v.Kind] {
			t.Errorf("%s (%s) → %s: part %d outside (%d, %d] or not above %d", v.Code, v.Kind, nc, n, lo, hi, maxPart[v.Kind])
		}
		if res.After.Get(nc).Kind != v.Kind {
			t.Errorf("%s kind changed", nc)
		}
	}
	// Seat distances against pyproj.
	imp, err := facilities.Impact(res, fs, nil, facilities.ImpactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var pairs [][4]float64
	var got []float64
	for _, v := range imp.Villages {
		bv := tree.Get(v.Code)
		if v.SeatAfterM == nil || v.SeatBeforeM == nil {
			continue
		}
		bt := tree.Get(v.Township)
		pairs = append(pairs, [4]float64{bv.Seat[0], bv.Seat[1], bt.Seat[0], bt.Seat[1]}, [4]float64{bv.Seat[0], bv.Seat[1], seat[0], seat[1]})
		got = append(got, *v.SeatBeforeM, *v.SeatAfterM)
	}
	if len(pairs) < 10 {
		t.Fatalf("only %d seat distances", len(pairs))
	}
	want := pyprojDistances(t, pairs)
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-3 {
			t.Errorf("seat distance %d: %.4f m, pyproj %.4f m", i, got[i], want[i])
		}
	}
	if len(imp.Villages) != nv {
		t.Errorf("impact lists %d villages, want %d", len(imp.Villages), nv)
	}
}

// TestImpactCoverageAgreesWithAnalyzer: in the base tree, the per-village "covered" of Impact
// equals Analyzer.Coverage's for the village committees of the affected townships.
func TestImpactCoverageAgreesWithAnalyzer(t *testing.T) {
	tree, fs := hubei(t)
	ops := []divisions.Op{{Op: divisions.OpMerge, Units: []string{"420526201", "420526202"}, Into: "420526201", Name: "高桥乡"}}
	res, err := divisions.Apply(tree, ops, divisions.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []facilities.Mode{facilities.ModeJurisdiction, facilities.ModeRadius, facilities.ModeRadiusInJurisdiction} {
		imp, err := facilities.Impact(res, fs, nil, facilities.ImpactOptions{Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		an, err := facilities.NewAnalyzer(tree, facilities.NewRegistry(fs), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range facilities.Kinds() {
			covered := map[divisions.Code]bool{}
			for _, tw := range []string{"420526201", "420526202"} {
				c, err := an.Coverage(facilities.Params{Kind: k.Kind, Division: divisions.Code(tw), Mode: mode})
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range c.Villages {
					covered[v.Code] = v.Covered
				}
			}
			n := 0
			for _, v := range imp.Villages {
				want, ok := covered[v.Code]
				if !ok {
					continue
				}
				n++
				for _, kr := range v.Kinds {
					if kr.Kind == k.Kind && kr.Before.Covered != want {
						t.Errorf("%s %s %s: impact says covered=%v, coverage says %v", mode, k.Kind, v.Code, kr.Before.Covered, want)
					}
				}
			}
			if n == 0 {
				t.Fatalf("%s: no village compared", k.Kind)
			}
		}
	}
}

// smallTree: county 420526 with towns 101 (square at x0) and 102 (east of it), three villages each.
func smallTree(t *testing.T) *divisions.Tree {
	t.Helper()
	sq := func(x, y, s float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x, y}, {x + s, y}, {x + s, y + s}, {x, y + s}, {x, y}}}}
	}
	divs := []divisions.Division{
		{Code: divisions.MustCode("42"), Name: "湖北省", Level: divisions.Province, Kind: divisions.KindProvince},
		{Code: divisions.MustCode("4205"), Name: "宜昌市", Level: divisions.Prefecture, Kind: divisions.KindPrefectureCity, Parent: divisions.MustCode("42")},
		{Code: divisions.MustCode("420526"), Name: "兴山县", Level: divisions.County, Kind: divisions.KindCounty, Parent: divisions.MustCode("4205")},
	}
	for i, tw := range []string{"420526101", "420526102"} {
		c := divisions.MustCode(tw)
		x := 110.0 + 0.1*float64(i)
		divs = append(divs, divisions.Division{Code: c, Name: []string{"甲镇", "乙镇"}[i], Level: divisions.Township, Kind: divisions.KindTown,
			Parent: c.Parent(), Seat: orb.Point{x + 0.05, 31.05}, HasSeat: true, Boundary: sq(x, 31, 0.1), Population: divisions.Population{Total: 3000, Age60: 600}})
		for j := 0; j < 3; j++ {
			vc := divisions.MustCode(fmt.Sprintf("%s%03d", tw, 200+j))
			divs = append(divs, divisions.Division{Code: vc, Name: fmt.Sprintf("%d%d村委会", i, j), Level: divisions.Village, Kind: divisions.KindVillageCommittee,
				Parent: c, Seat: orb.Point{x + 0.02 + 0.03*float64(j), 31.02}, HasSeat: true, Population: divisions.Population{Total: 1000, Age60: 200}})
		}
	}
	tr, err := divisions.NewTree(divs)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestImpactHandMade(t *testing.T) {
	tree := smallTree(t)
	fs := []facilities.Facility{
		{ID: 1, Kind: facilities.WelfareHome, Name: "甲镇敬老院", DivisionCode: divisions.MustCode("420526101200"), Point: orb.Point{110.02, 31.02}, Status: facilities.StatusOperating, Beds: 60},
		{ID: 2, Kind: facilities.WelfareHome, Name: "规划敬老院", DivisionCode: divisions.MustCode("420526102201"), Point: orb.Point{110.15, 31.02}, Status: facilities.StatusPlanned, PlanID: 7, Beds: 40},
	}
	kinds := []facilities.Kind{facilities.WelfareHome}
	t.Run("merge brings the welfare home into reach", func(t *testing.T) {
		res, err := divisions.Apply(tree, []divisions.Op{{Op: divisions.OpMerge, Units: []string{"420526101", "420526102"}, Into: "420526101"}}, divisions.ApplyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		imp, err := facilities.Impact(res, fs, nil, facilities.ImpactOptions{Kinds: kinds})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range imp.Villages {
			kr := v.Kinds[0]
			inA := v.Township == divisions.MustCode("420526101")
			if kr.Before.Covered != inA || !kr.After.Covered {
				t.Errorf("%s: before %v after %v", v.Code, kr.Before.Covered, kr.After.Covered)
			}
			if kr.After.Nearest == nil || kr.After.Nearest.ID != 1 {
				t.Errorf("%s: nearest after %+v", v.Code, kr.After.Nearest)
			}
			if !inA && kr.Before.Nearest != nil {
				t.Errorf("%s: a facility of another township counted as usable before: %+v", v.Code, kr.Before.Nearest)
			}
		}
		var d facilities.DivisionImpact
		for _, x := range imp.Divisions {
			if x.Code == divisions.MustCode("420526101") {
				d = x
			}
		}
		if d.Code != divisions.MustCode("420526101") || d.Before.Kinds[facilities.WelfareHome].Covered != 3 || d.After.Kinds[facilities.WelfareHome].Covered != 6 {
			t.Errorf("division impact %+v", d)
		}
		if got := *d.After.Kinds[facilities.WelfareHome].BedsPer1000; math.Abs(got-60.0*1000/1200) > 1e-9 {
			t.Errorf("beds per 1000: %g", got)
		}
	})
	t.Run("transfer loses coverage and the township is left without one", func(t *testing.T) {
		res, err := divisions.Apply(tree, []divisions.Op{{Op: divisions.OpTransfer, Units: []string{"420526101200"}, To: "420526102"}}, divisions.ApplyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		imp, err := facilities.Impact(res, fs, nil, facilities.ImpactOptions{Kinds: kinds})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, f := range imp.Flags {
			got[f.Kind]++
		}
		// The home moves with its village to 乙镇: 甲镇's two other villages lose it.
		if got["village_lost_coverage"] != 2 || got["unit_without_facility"] != 1 {
			t.Errorf("flags %+v", imp.Flags)
		}
	})
	t.Run("apply_plan counts planned facilities", func(t *testing.T) {
		res, err := divisions.Apply(tree, []divisions.Op{{Op: divisions.OpApplyPlan, Plan: 7}}, divisions.ApplyOptions{PlanExists: func(id int64) bool { return facilities.PlanIDs(fs)[id] }})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := divisions.Apply(tree, []divisions.Op{{Op: divisions.OpApplyPlan, Plan: 8}}, divisions.ApplyOptions{PlanExists: func(id int64) bool { return facilities.PlanIDs(fs)[id] }}); err == nil {
			t.Error("an unknown plan was accepted")
		}
		after := facilities.AfterFacilities(res, fs)
		if after[1].Status != facilities.StatusOperating || fs[1].Status != facilities.StatusPlanned {
			t.Errorf("after %+v, base %+v", after[1].Status, fs[1].Status)
		}
	})
	t.Run("seat move far away raises a flag", func(t *testing.T) {
		seat := [2]float64{110.099, 31.099}
		res, err := divisions.Apply(tree, []divisions.Op{{Op: divisions.OpMoveSeat, Unit: "420526101", Seat: &seat}}, divisions.ApplyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		imp, err := facilities.Impact(res, fs, nil, facilities.ImpactOptions{Kinds: kinds, SeatGrowthM: 3000})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range imp.Flags {
			if f.Kind == "seat_distance_growth" {
				n++
			}
		}
		// Villages at x 110.02/.05/.08, y 31.02; old seat (110.05, 31.05), new (110.099, 31.099):
		// growth ≈ 6.0, 4.7 and 3.0 km (the last just over or under 3 km), so at least two.
		if n < 2 {
			t.Errorf("seat flags %d: %+v", n, imp.Flags)
		}
	})
}
