package assess_test

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/facilities/assess"
	"github.com/civplan/civplan/geo"
)

// reportFlags evaluates sc and returns its flags and the "需关注的问题" section of the HTML report.
func reportFlags(t *testing.T, sc divisions.Scenario) ([]facilities.Flag, string) {
	t.Helper()
	tree, fs := hubei(t)
	ev, err := assess.Evaluate(tree, fs, sc, assess.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := ev.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	a, b := strings.Index(page, "四、需关注的问题"), strings.Index(page, "五、各村服务可达性")
	if a < 0 || b < a {
		t.Fatal("report has no 需关注的问题 section")
	}
	return ev.Impact.Flags, page[a:b]
}

func flagsOf(fl []facilities.Flag, kind string) []facilities.Flag {
	var out []facilities.Flag
	for _, f := range fl {
		if f.Kind == kind {
			out = append(out, f)
		}
	}
	return out
}

// TestScenarioFlags: an empty scenario and a merge whose result is not one connected piece are
// flagged in 需关注的问题; a contiguous merge is not.
func TestScenarioFlags(t *testing.T) {
	cases := []struct {
		name   string
		sc     divisions.Scenario
		kind   string
		codes  []divisions.Code
		textZH string
	}{
		{"empty", divisions.Scenario{Name: "空"}, assess.FlagEmptyScenario, []divisions.Code{""}, "空方案"},
		// 谷城县城关镇 does not touch 南漳县城关镇: the merged town and 南漳县 come out in two pieces.
		{"non-contiguous merge", divisions.Scenario{Name: "跨县", Ops: []divisions.Op{{Op: divisions.OpMerge,
			Units: []string{"420624100", "420625100"}, Into: "420624100", CrossParent: true}}},
			assess.FlagNonContiguous, []divisions.Code{"420624000000", "420624100000"}, "辖区不连片"},
		{"contiguous merge", mergeScenario(), assess.FlagNonContiguous, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fl, section := reportFlags(t, c.sc)
			got := flagsOf(fl, c.kind)
			var codes []divisions.Code
			for _, f := range got {
				codes = append(codes, f.Code)
			}
			if fmt.Sprint(codes) != fmt.Sprint(c.codes) {
				t.Errorf("%s flags on %v, want %v", c.kind, codes, c.codes)
			}
			if c.textZH != "" && !strings.Contains(section, c.textZH) {
				t.Errorf("需关注的问题 lacks %q", c.textZH)
			}
			if c.textZH == "" && strings.Contains(section, "辖区不连片") {
				t.Error("a contiguous merge is flagged as not contiguous")
			}
		})
	}
}

// TestDistantJurisdictionGainFlagged: merging 昭君镇 into 古夫镇 makes every village of 昭君镇
// "covered" by 古夫镇's public cemetery in jurisdiction mode (the official indicator jumps to
// 100 %), though the cemetery is 10–21 km away. The flag's count and distance range are checked
// against a brute-force geodesic over the registry.
func TestDistantJurisdictionGainFlagged(t *testing.T) {
	tree, fs := hubei(t)
	fl, section := reportFlags(t, mergeScenario())
	got := flagsOf(fl, "coverage_gain_distant")
	var cem *facilities.Flag
	for i := range got {
		if got[i].Facility == facilities.PublicCemetery && got[i].Code == "420526101000" {
			cem = &got[i]
		}
	}
	if cem == nil {
		t.Fatalf("no coverage_gain_distant flag for 古夫镇's cemeteries: %+v", got)
	}
	if !strings.Contains(section, "覆盖率仅因辖区调整上升") {
		t.Error("需关注的问题 does not show the flag")
	}
	// Brute force: operating cemeteries registered in 古夫镇 or 昭君镇; villages of 昭君镇 (none
	// had a cemetery of their own township before) whose nearest one is beyond 5 km.
	var cems []facilities.Facility
	before := map[divisions.Code]bool{}
	for _, f := range fs {
		if f.Kind != facilities.PublicCemetery || f.Status != facilities.StatusOperating {
			continue
		}
		tw := f.DivisionCode
		for tw.Level() > divisions.Township {
			tw = tw.Parent()
		}
		before[tw] = true
		if tw == "420526101000" || tw == "420526102000" {
			cems = append(cems, f)
		}
	}
	if before["420526102000"] {
		t.Fatal("昭君镇 has a cemetery of its own: the test lost its subject")
	}
	n, lo, hi := 0, math.Inf(1), 0.0
	for _, v := range tree.Children("420526102000") {
		if !v.HasSeat {
			continue
		}
		best := math.Inf(1)
		for _, f := range cems {
			best = math.Min(best, geo.DistanceM(v.Seat, f.Point))
		}
		if best > 5000 {
			n++
			lo, hi = math.Min(lo, best), math.Max(hi, best)
		}
	}
	want := fmt.Sprintf("其中 %d 个村仅因辖区调整计为覆盖，最近可用设施 %.1f–%.1f km，超出服务半径 5.0 km", n, lo/1000, hi/1000)
	if n == 0 || !strings.Contains(cem.Detail, want) || !strings.Contains(cem.Detail, "升至 100.0%") {
		t.Errorf("flag %q, want it to contain %q and 升至 100.0%%", cem.Detail, want)
	}
	// In radius mode nothing is gained by jurisdiction: no such flag.
	ev, err := assess.Evaluate(tree, fs, mergeScenario(), assess.Options{Impact: facilities.ImpactOptions{Mode: facilities.ModeRadius}})
	if err != nil {
		t.Fatal(err)
	}
	if g := flagsOf(ev.Impact.Flags, "coverage_gain_distant"); len(g) > 0 {
		t.Errorf("radius mode: %+v", g)
	}
}
