package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/geo"
	"github.com/civplan/civplan/web"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// small is the national case `make test` runs: 3 provinces at 2 % of the national counts.
var small = config{Provinces: 3, Scale: 0.02, Facilities: 1, Seed: 7}

func mustGenerate(t *testing.T, c config) *dataset.Dataset {
	t.Helper()
	ds, err := generate(c)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func encode(t *testing.T, ds *dataset.Dataset) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := dataset.WriteDataset(&b, ds); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestNationalCounts: with all 31 provinces the counts per level are the national counts times
// the scale (round), and the village-level share of residents' committees is 117/607.
func TestNationalCounts(t *testing.T) {
	for _, s := range []float64{0.012, 0.03} {
		t.Run(fmt.Sprint(s), func(t *testing.T) {
			ds := mustGenerate(t, config{Provinces: 31, Scale: s, Facilities: 1, Seed: 3})
			got := map[string]int{}
			for i := range ds.Divisions {
				got[ds.Divisions[i].Level.String()]++
				got["kind:"+string(ds.Divisions[i].Kind)]++
			}
			want := map[string]int{"province": 31, "county": int(math.Round(2850 * s)), "township": int(math.Round(38600 * s)),
				"kind:village_committee": int(math.Round(490000 * s)), "kind:residents_committee": int(math.Round(117000 * s))}
			for k, w := range want {
				if got[k] != w {
					t.Errorf("%s: %d, want %d", k, got[k], w)
				}
			}
			if got["village"] != want["kind:village_committee"]+want["kind:residents_committee"] {
				t.Errorf("village-level units %d, want %d", got["village"], want["kind:village_committee"]+want["kind:residents_committee"])
			}
			// ≈ 2.46 facilities per village-level unit at full rates (1.5M / 607k), within 10 %.
			if r := float64(len(ds.Facilities)) / float64(got["village"]); r < 2.2 || r > 2.7 {
				t.Errorf("%d facilities for %d village-level units: %.2f each, want ≈ 2.46", len(ds.Facilities), got["village"], r)
			}
		})
	}
}

// TestNationalBadConfig: out-of-range sizes are errors, not panics.
func TestNationalBadConfig(t *testing.T) {
	for _, c := range []config{{Provinces: 0, Scale: 1, Facilities: 1}, {Provinces: 32, Scale: 1, Facilities: 1},
		{Provinces: 3, Scale: 0, Facilities: 1}, {Provinces: 3, Scale: 0.001, Facilities: 1}, {Provinces: 3, Scale: 2, Facilities: 1},
		{Provinces: 3, Scale: 0.1, Facilities: -1}, {Provinces: 3, Scale: math.NaN(), Facilities: 1}} {
		if _, err := generate(c); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

// TestNationalDeterministic: the same seed gives the same bytes, another seed other bytes.
func TestNationalDeterministic(t *testing.T) {
	a, b := encode(t, mustGenerate(t, small)), encode(t, mustGenerate(t, small))
	if !bytes.Equal(a, b) {
		t.Fatal("same seed, different bytes")
	}
	other := small
	other.Seed++
	if bytes.Equal(a, encode(t, mustGenerate(t, other))) {
		t.Fatal("different seeds, same bytes")
	}
}

// TestNationalTree: codes are valid 12-digit codes of the right level and kind, every parent
// exists, every value is marked generated, township polygons are valid, do not overlap and
// partition their county (geodesic areas within 0.1 %; random points inside the county lie in
// exactly one township), villages and facilities lie in their unit.
func TestNationalTree(t *testing.T) {
	ds := mustGenerate(t, small)
	byCode := map[divisions.Code]*divisions.Division{}
	children := map[divisions.Code][]*divisions.Division{}
	for i := range ds.Divisions {
		d := &ds.Divisions[i]
		c, err := divisions.ParseCode(string(d.Code))
		if err != nil || c != d.Code {
			t.Fatalf("code %q: %v", d.Code, err)
		}
		if d.Level != d.Code.Level() || d.Parent != d.Code.Parent() {
			t.Fatalf("%s: level %v parent %q, code says %v %q", d.Code, d.Level, d.Parent, d.Code.Level(), d.Code.Parent())
		}
		if byCode[d.Code] != nil {
			t.Fatalf("%s twice", d.Code)
		}
		byCode[d.Code] = d
		children[d.Parent] = append(children[d.Parent], d)
		part := 0
		fmt.Sscan(d.Code.Part(), &part)
		switch {
		case d.Level == divisions.Village && d.Kind == divisions.KindVillageCommittee && (part < 200 || part > 399),
			d.Level == divisions.Village && d.Kind == divisions.KindResidentsCommittee && (part < 1 || part > 199),
			d.Level == divisions.Village && d.Kind != divisions.KindVillageCommittee && d.Kind != divisions.KindResidentsCommittee,
			d.Level == divisions.Township && d.Kind != divisions.KindTown && d.Kind != divisions.KindTownship,
			d.Level == divisions.County && d.Kind != divisions.KindCounty:
			t.Fatalf("%s %s: kind %s", d.Code, d.Name, d.Kind)
		}
		s := d.Sources
		if s.Seat != divisions.Generated || s.Population != divisions.Generated || s.Attributes != divisions.Generated ||
			(len(d.Boundary) > 0) != (s.Geometry == divisions.Generated) || (d.Programme != nil) != (s.Programme == divisions.Generated) {
			t.Fatalf("%s: provenance %+v", d.Code, s)
		}
		if d.Level == divisions.Village && (d.Population.Total <= 0 || d.Population.Age60 > d.Population.Total || d.Population.Age65 > d.Population.Age60) {
			t.Fatalf("%s: population %+v", d.Code, d.Population)
		}
	}
	levels := map[divisions.Level]int{}
	for _, d := range byCode {
		levels[d.Level]++
		if d.Parent != "" && byCode[d.Parent] == nil {
			t.Fatalf("%s: parent %s missing", d.Code, d.Parent)
		}
		if d.Level < divisions.Village && len(children[d.Code]) == 0 && d.Level != divisions.Township {
			t.Fatalf("%s (%s) has no children", d.Code, d.Level)
		}
	}
	if levels[divisions.Province] != 3 || levels[divisions.County] < 3 || levels[divisions.Township] < levels[divisions.County] ||
		levels[divisions.Village] < 10*levels[divisions.Township] {
		t.Fatalf("counts per level %v", levels)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, cty := range byCode {
		if cty.Level != divisions.County {
			continue
		}
		if err := geo.Validate(cty.Boundary); err != nil {
			t.Fatalf("county %s: %v", cty.Code, err)
		}
		sum := 0.0
		for _, tw := range children[cty.Code] {
			if err := geo.Validate(tw.Boundary); err != nil {
				t.Fatalf("township %s: %v", tw.Code, err)
			}
			sum += geo.MultiAreaM2(tw.Boundary)
			for _, v := range children[tw.Code] {
				if !planar.MultiPolygonContains(tw.Boundary, v.Seat) {
					t.Fatalf("village %s at %v outside township %s", v.Code, v.Seat, tw.Code)
				}
			}
			if !planar.MultiPolygonContains(cty.Boundary, tw.Seat) {
				t.Fatalf("township %s seat outside county %s", tw.Code, cty.Code)
			}
		}
		// Covering and non-overlapping: random points inside the county lie in exactly one township.
		b := cty.Boundary.Bound()
		for i := 0; i < 200; i++ {
			p := orb.Point{b.Min[0] + (b.Max[0]-b.Min[0])*rng.Float64(), b.Min[1] + (b.Max[1]-b.Min[1])*rng.Float64()}
			if !planar.MultiPolygonContains(cty.Boundary, p) {
				continue
			}
			n := 0
			for _, tw := range children[cty.Code] {
				if planar.MultiPolygonContains(tw.Boundary, p) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("county %s: point %v lies in %d townships", cty.Code, p, n)
			}
		}
		ca := geo.MultiAreaM2(cty.Boundary)
		if math.Abs(sum-ca) > 0.001*ca {
			t.Fatalf("county %s: %.0f m², its townships %.0f m²", cty.Code, ca, sum)
		}
	}
	// Facilities: registered in a unit of the level their kind serves, located inside it, generated.
	for _, f := range ds.Facilities {
		info, err := facilities.ParseKind(string(f.Kind))
		if err != nil || f.Provenance != divisions.Generated {
			t.Fatalf("facility %d: kind %q provenance %q", f.ID, f.Kind, f.Provenance)
		}
		d := byCode[f.DivisionCode]
		if d == nil || d.Level != info.Serves {
			t.Fatalf("facility %d (%s) registered in %s, want a %s", f.ID, f.Kind, f.DivisionCode, info.Serves)
		}
		area := d
		if d.Level == divisions.Village {
			area = byCode[d.Parent]
		}
		if !planar.MultiPolygonContains(area.Boundary, f.Point) {
			t.Fatalf("facility %d at %v outside %s", f.ID, f.Point, area.Code)
		}
	}
}

// TestNationalServeCoverage seeds a store through the normal path (store.Seed, as `serve
// --dataset` does), serves it and compares one province's coverage with a brute-force count
// over the generated villages and facilities: jurisdiction mode exactly, radius mode within
// the ±0.5 % band where a spherical distance may disagree with the ellipsoidal one.
func TestNationalServeCoverage(t *testing.T) {
	ds := mustGenerate(t, small)
	st, err := store.Open(filepath.Join(t.TempDir(), "national.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Seed(context.Background(), ds, nil); err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(st, web.Config{OpenReads: true}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)

	prov := divisions.Code(fmt.Sprintf("%02d0000000000", provinceCodes[1]))
	var vcs []*divisions.Division
	for i := range ds.Divisions {
		d := &ds.Divisions[i]
		if d.Kind == divisions.KindVillageCommittee && d.Code.Within(prov) {
			vcs = append(vcs, d)
		}
	}
	kind := facilities.MutualAidElderly
	var fs []facilities.Facility
	for _, f := range ds.Facilities {
		if f.Kind == kind && f.Status == facilities.StatusOperating {
			fs = append(fs, f)
		}
	}
	const radius = 1500.0
	var jur, jurElderly, strict, loose int
	for _, v := range vcs {
		in, best := false, math.Inf(1)
		for _, f := range fs {
			in = in || f.DivisionCode == v.Code
			best = math.Min(best, haversineM(v.Seat, f.Point))
		}
		if in {
			jur++
			jurElderly += int(v.Population.Age60)
		}
		if best <= radius*0.995 {
			strict++
		}
		if best <= radius*1.005 {
			loose++
		}
	}
	if len(vcs) < 100 || jur == 0 || jur == len(vcs) || strict == 0 {
		t.Fatalf("degenerate case: %d village committees, %d covered in jurisdiction, %d within %g m", len(vcs), jur, strict, radius)
	}
	sum := coverageSummary(t, ts.URL+"/api/v1/coverage?kind=mutual_aid_elderly&mode=jurisdiction&division="+prov.Short())
	if sum.Villages != len(vcs) || sum.Covered != jur || sum.ElderlyCovered != int64(jurElderly) {
		t.Errorf("jurisdiction: answer %d/%d villages, %d elderly covered; brute force %d/%d, %d", sum.Covered, sum.Villages,
			sum.ElderlyCovered, jur, len(vcs), jurElderly)
	}
	sum = coverageSummary(t, ts.URL+fmt.Sprintf("/api/v1/coverage?kind=mutual_aid_elderly&mode=radius&radius_m=%g&division=%s", radius, prov.Short()))
	if sum.Villages != len(vcs) || sum.Covered < strict || sum.Covered > loose {
		t.Errorf("radius %g m: answer %d/%d villages; brute force %d–%d of %d", radius, sum.Covered, sum.Villages, strict, loose, len(vcs))
	}
}

type summary struct {
	Villages       int   `json:"villages"`
	Covered        int   `json:"covered"`
	ElderlyCovered int64 `json:"elderly_covered"`
}

func coverageSummary(t *testing.T, url string) summary {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("%s: %d %s", url, res.StatusCode, body)
	}
	var v struct {
		Coverage struct {
			Summary summary `json:"summary"`
		} `json:"coverage"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return v.Coverage.Summary
}

// haversineM is the great-circle distance in metres on a sphere of the mean Earth radius.
func haversineM(a, b orb.Point) float64 {
	const r = 6371008.8
	la1, la2 := a[1]*math.Pi/180, b[1]*math.Pi/180
	dla, dlo := la2-la1, (b[0]-a[0])*math.Pi/180
	h := math.Sin(dla/2)*math.Sin(dla/2) + math.Cos(la1)*math.Cos(la2)*math.Sin(dlo/2)*math.Sin(dlo/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}
