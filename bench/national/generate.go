package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
)

// National totals the generator scales to (31 provinces, Scale 1): county-level units,
// townships, village committees and residents' committees (about 2023, as the issue states).
const (
	natCounties   = 2850
	natTownships  = 38600
	natVillageCom = 490000
	natResidents  = 117000
	natProvinces  = 31
)

// provinceCodes are the 31 provincial-level codes of mainland China; province i of the
// generated data takes code provinceCodes[i].
var provinceCodes = [natProvinces]int{11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65}

// facilityRate is the mean number of facilities of a kind per unit of the level it serves;
// at full scale they give ≈ 1.5M facilities (≈ 0.70M mutual-aid sites, 0.61M community centres, …).
var facilityRate = []struct {
	kind facilities.Kind
	rate float64
}{
	{facilities.MutualAidElderly, 1.15},
	{facilities.CommunityServiceCenter, 1.0},
	{facilities.WelfareHome, 1.2},
	{facilities.RegionalCareCenter, 0.5},
	{facilities.PublicCemetery, 2.5},
	{facilities.DisabilityCareCenter, 8},
	{facilities.FuneralHome, 1},
	{facilities.MarriageRegistry, 1.1},
}

// Province boxes: a 6×6 grid of 4° × 3.5° cells over eastern China (lon 98–122°E, lat 21–42°N),
// filled row by row from the south-west; a cell is ≈ 150,000 km², about Hubei's 186,000 km².
const (
	gridLon0, gridLat0 = 98.0, 21.0
	cellLon, cellLat   = 4.0, 3.5
	gridCols           = 6
	innerMargin        = 0.05 // village and facility points keep this fraction of a cell's width/height from its edges
)

// config sizes a national dataset: the first Provinces of the 31, each with its share of the
// national counts times Scale; Facilities scales the facility rates (1 = ≈ 1.5M at full size).
type config struct {
	Provinces  int
	Scale      float64
	Facilities float64
	Seed       uint64
}

// box is a lon/lat rectangle in degrees.
type box struct{ x0, y0, x1, y1 float64 }

// cellGrid partitions a box into n cells: rows of near-equal counts, row heights and column
// widths drawn between 0.7 and 1.3 of the mean. rowY[i], rowY[i+1] bound row i; cols[i] are
// the x cuts of row i (first = x0, last = x1).
type cellGrid struct {
	b    box
	rowY []float64
	cols [][]float64
}

func newGrid(rng *rand.Rand, b box, n int) cellGrid {
	rows := max(1, int(math.Round(math.Sqrt(float64(n)*(b.y1-b.y0)/(b.x1-b.x0)))))
	rows = min(rows, n)
	g := cellGrid{b: b, rowY: cuts(rng, b.y0, b.y1, rows)}
	for _, k := range splitEven(n, rows) {
		g.cols = append(g.cols, cuts(rng, b.x0, b.x1, k))
	}
	return g
}

// cuts returns k+1 increasing values from lo to hi (exactly), the k gaps drawn 0.7–1.3 of the mean.
func cuts(rng *rand.Rand, lo, hi float64, k int) []float64 {
	w := make([]float64, k)
	sum := 0.0
	for i := range w {
		w[i] = 0.7 + 0.6*rng.Float64()
		sum += w[i]
	}
	out := make([]float64, k+1)
	out[0], out[k] = lo, hi
	acc := 0.0
	for i := 1; i < k; i++ {
		acc += w[i-1]
		out[i] = lo + (hi-lo)*acc/sum
	}
	return out
}

// cells lists the cells row by row.
func (g cellGrid) cells() []box {
	var out []box
	for r, xs := range g.cols {
		for j := 0; j+1 < len(xs); j++ {
			out = append(out, box{xs[j], g.rowY[r], xs[j+1], g.rowY[r+1]})
		}
	}
	return out
}

// inner returns x strictly between lo and hi from xs (sorted), ascending.
func inner(xs []float64, lo, hi float64, out []float64) []float64 {
	for _, x := range xs {
		if x > lo && x < hi {
			out = append(out, x)
		}
	}
	return out
}

// cellRing returns the counter-clockwise ring of cell j of row r, noded: its bottom and top
// edges carry every cut of the neighbouring rows, so neighbours share identical segments and
// the cells partition the grid's outline exactly (also for geodesic edges).
func (g cellGrid) cellRing(r, j int) orb.Ring {
	xs := g.cols[r]
	x0, x1, y0, y1 := xs[j], xs[j+1], g.rowY[r], g.rowY[r+1]
	ring := orb.Ring{{x0, y0}}
	var bottom, top []float64
	if r > 0 {
		bottom = inner(g.cols[r-1], x0, x1, bottom)
	}
	if r+1 < len(g.cols) {
		top = inner(g.cols[r+1], x0, x1, top)
	}
	for _, x := range bottom {
		ring = append(ring, orb.Point{x, y0})
	}
	ring = append(ring, orb.Point{x1, y0}, orb.Point{x1, y1})
	for i := len(top) - 1; i >= 0; i-- {
		ring = append(ring, orb.Point{top[i], y1})
	}
	return append(ring, orb.Point{x0, y1}, orb.Point{x0, y0})
}

// outline returns the counter-clockwise ring of the whole grid with every vertex of its cells
// on the outline, so it is exactly the union of the cell rings.
func (g cellGrid) outline() orb.Ring {
	b, last := g.b, len(g.cols)-1
	ring := orb.Ring{}
	for _, x := range g.cols[0][:len(g.cols[0])-1] {
		ring = append(ring, orb.Point{x, b.y0})
	}
	for _, y := range g.rowY[:len(g.rowY)-1] {
		ring = append(ring, orb.Point{b.x1, y})
	}
	for i := len(g.cols[last]) - 1; i > 0; i-- {
		ring = append(ring, orb.Point{g.cols[last][i], b.y1})
	}
	for i := len(g.rowY) - 1; i > 0; i-- {
		ring = append(ring, orb.Point{b.x0, g.rowY[i]})
	}
	return append(ring, orb.Point{b.x0, b.y0})
}

// apportion splits n into len(w) parts proportional to w (largest remainder), each at least
// floorEach when n allows.
func apportion(n int, w []float64, floorEach int) []int {
	k := len(w)
	out := make([]int, k)
	if k == 0 {
		return out
	}
	base := min(floorEach, n/k)
	rest := n - base*k
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, k)
	given := 0
	for i, x := range w {
		q := float64(rest) * x / sum
		out[i] = base + int(q)
		given += int(q)
		rems[i] = rem{i, q - math.Floor(q)}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for i := 0; i < rest-given; i++ {
		out[rems[i%k].i]++
	}
	return out
}

func weights(rng *rand.Rand, k int, lo, hi float64) []float64 {
	w := make([]float64, k)
	for i := range w {
		w[i] = lo + (hi-lo)*rng.Float64()
	}
	return w
}

// splitEven splits n into k parts whose sizes differ by at most one.
func splitEven(n, k int) []int {
	out := make([]int, k)
	for i := range out {
		out[i] = n / k
		if i < n%k {
			out[i]++
		}
	}
	return out
}

// scaled returns round(n·s), at least 1.
func scaled(n int, s float64) int { return max(1, int(math.Round(float64(n)*s))) }

func (b box) randomInner(rng *rand.Rand) orb.Point {
	mx, my := (b.x1-b.x0)*innerMargin, (b.y1-b.y0)*innerMargin
	return orb.Point{b.x0 + mx + (b.x1-b.x0-2*mx)*rng.Float64(), b.y0 + my + (b.y1-b.y0-2*my)*rng.Float64()}
}

func (b box) clampInner(p orb.Point) orb.Point {
	mx, my := (b.x1-b.x0)*innerMargin, (b.y1-b.y0)*innerMargin
	return orb.Point{math.Min(math.Max(p[0], b.x0+mx), b.x1-mx), math.Min(math.Max(p[1], b.y0+my), b.y1-my)}
}

func (b box) centre() orb.Point { return orb.Point{(b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2} }

// generate builds the national dataset; the same config always gives the same dataset.
func generate(c config) (*dataset.Dataset, error) {
	switch {
	case c.Provinces < 1 || c.Provinces > natProvinces:
		return nil, fmt.Errorf("provinces %d: want 1 to %d", c.Provinces, natProvinces)
	case !(c.Scale > 0 && c.Scale <= 1):
		return nil, fmt.Errorf("scale %g: want a fraction in (0, 1]", c.Scale)
	case scaled(natCounties, c.Scale) < natProvinces:
		return nil, fmt.Errorf("scale %g: gives fewer counties than the 31 provinces; want at least %.3f", c.Scale, float64(natProvinces)/natCounties)
	case !(c.Facilities >= 0 && c.Facilities <= 10):
		return nil, fmt.Errorf("facility rate factor %g: want 0 to 10", c.Facilities)
	}
	rng := rand.New(rand.NewPCG(c.Seed, 0x6e6174696f6e))
	// Province shares: weights 0.5–1.5 over all 31, so a province's size does not depend on how many are generated.
	pw := weights(rng, natProvinces, 0.5, 1.5)
	counties := apportion(scaled(natCounties, c.Scale), pw, 1)
	towns := apportion(scaled(natTownships, c.Scale), pw, 1)
	vcs := apportion(scaled(natVillageCom, c.Scale), pw, 1)
	rcs := apportion(scaled(natResidents, c.Scale), pw, 0)

	ds := &dataset.Dataset{}
	add := func(d divisions.Division) *divisions.Division {
		d.ShortName, d.Level, d.Kind, d.Parent = divisions.ShortName(d.Name), d.Code.Level(), divisions.KindOf(d.Code, d.Name), d.Code.Parent()
		d.HasSeat = true
		d.Sources.Seat, d.Sources.Population, d.Sources.Attributes = divisions.Generated, divisions.Generated, divisions.Generated
		ds.Divisions = append(ds.Divisions, d)
		return &ds.Divisions[len(ds.Divisions)-1]
	}
	var facs []facilities.Facility
	addFac := func(k facilities.Kind, code divisions.Code, p orb.Point) {
		id := int64(len(facs) + 1)
		f := facilities.Facility{ID: id, Kind: k, Name: fmt.Sprintf("合成设施%d", id), DivisionCode: code, Point: p,
			Status: facilities.StatusOperating, Provenance: divisions.Generated}
		switch r := rng.Float64(); {
		case r < 0.03:
			f.Status = facilities.StatusBuilding
		case r < 0.04:
			f.Status = facilities.StatusSuspended
		}
		if info, _ := facilities.ParseKind(string(k)); info.BedBased {
			f.Beds = 10 + rng.IntN(190)
		}
		if k == facilities.CommunityServiceCenter {
			f.FloorAreaM2 = float64(200 + rng.IntN(600))
		}
		facs = append(facs, f)
	}
	draws := func(rate float64) int {
		// Poisson with mean rate·c.Facilities (Knuth), so some units have none: coverage has gaps.
		limit, n := math.Exp(-rate*c.Facilities), 0
		for prod := rng.Float64(); prod > limit; prod *= rng.Float64() {
			n++
		}
		return n
	}
	rateOf := func(l divisions.Level) []struct {
		kind facilities.Kind
		rate float64
	} {
		var out []struct {
			kind facilities.Kind
			rate float64
		}
		for _, fr := range facilityRate {
			if info, _ := facilities.ParseKind(string(fr.kind)); info.Serves == l {
				out = append(out, fr)
			}
		}
		return out
	}
	villageKinds, townshipKinds, countyKinds := rateOf(divisions.Village), rateOf(divisions.Township), rateOf(divisions.County)

	for p := 0; p < c.Provinces; p++ {
		pcode := provinceCodes[p]
		pb := box{gridLon0 + cellLon*float64(p%gridCols), gridLat0 + cellLat*float64(p/gridCols), 0, 0}
		pb.x1, pb.y1 = pb.x0+cellLon, pb.y0+cellLat
		prov := add(divisions.Division{Code: divisions.Code(fmt.Sprintf("%02d0000000000", pcode)), Name: fmt.Sprintf("合成%02d省", pcode), Seat: pb.centre()})
		provIdx := len(ds.Divisions) - 1
		_ = prov
		nc := counties[p]
		towns[p] = max(towns[p], nc) // every county has a township
		cg := newGrid(rng, pb, nc)
		cboxes := cg.cells()
		cw := weights(rng, nc, 0.5, 1.5)
		ctown := apportion(towns[p], cw, 1)
		cvc := apportion(vcs[p], cw, 0)
		crc := apportion(rcs[p], cw, 0)
		// Prefectures: consecutive runs of ≈ 8.6 counties (2,850 / 333), at most 70 each (parts 71–79 are statistical).
		npref := max(1, int(math.Round(float64(nc)/8.6)), (nc+69)/70)
		perPref := splitEven(nc, npref)
		k := 0
		var provPop divisions.Population
		for pf, ncp := range perPref {
			pfCode := divisions.Code(fmt.Sprintf("%02d%02d00000000", pcode, pf+1))
			add(divisions.Division{Code: pfCode, Name: fmt.Sprintf("合成%s市", pfCode[:4]), Seat: cboxes[k].centre()})
			pfIdx := len(ds.Divisions) - 1
			var pfPop divisions.Population
			for j := 0; j < ncp; j, k = j+1, k+1 {
				cb := cboxes[k]
				cCode := divisions.Code(fmt.Sprintf("%s%02d000000", pfCode[:4], j+1))
				// Townships partition the county box; the county's boundary is their noded outline.
				tg := newGrid(rng, cb, ctown[k])
				add(divisions.Division{Code: cCode, Name: fmt.Sprintf("合成%s县", cCode[:6]), Seat: cb.centre(),
					Boundary: orb.MultiPolygon{{tg.outline()}}, Sources: divisions.Sources{Geometry: divisions.Generated}})
				cIdx := len(ds.Divisions) - 1
				var cPop divisions.Population
				tboxes := tg.cells()
				tw := weights(rng, len(tboxes), 0.5, 1.5)
				tvc := apportion(cvc[k], tw, 0)
				trc := apportion(crc[k], tw, 0)
				t := 0
				for r := range tg.cols {
					for jj := 0; jj+1 < len(tg.cols[r]); jj, t = jj+1, t+1 {
						tb := tboxes[t]
						part, name := 100+t, "镇"
						if t >= 100 {
							part, name = 200+t-100, "乡"
						}
						tCode := divisions.Code(fmt.Sprintf("%s%03d000", cCode[:6], part))
						add(divisions.Division{Code: tCode, Name: fmt.Sprintf("合成%s%s", tCode[:9], name), Seat: tb.centre(),
							Boundary: orb.MultiPolygon{{tg.cellRing(r, jj)}}, Sources: divisions.Sources{Geometry: divisions.Generated}})
						tIdx := len(ds.Divisions) - 1
						var tPop divisions.Population
						nrc, nvc := min(trc[t], 199), min(tvc[t], 200)
						for v := 0; v < nrc+nvc; v++ {
							vpart, suffix, ur := 1+v, "居民委员会", "111"
							total := int64(2000 + rng.IntN(6000))
							a60 := total * int64(12+rng.IntN(12)) / 100
							if v >= nrc {
								vpart, suffix, ur = 200+v-nrc, "村民委员会", "220"
								if rng.Float64() < 0.15 {
									ur = "210"
								}
								total = int64(800 + rng.IntN(2200))
								a60 = total * int64(15+rng.IntN(15)) / 100
							}
							vCode := divisions.Code(fmt.Sprintf("%s%03d", tCode[:9], vpart))
							pt := tb.randomInner(rng)
							pop := divisions.Population{Total: total, Age60: a60, Age65: a60 * int64(65+rng.IntN(10)) / 100}
							vd := add(divisions.Division{Code: vCode, Name: fmt.Sprintf("合成%s%s", vCode[6:], suffix), Seat: pt,
								URCode: ur, Population: pop, Programme: programme(rng)})
							vd.Sources.Programme = divisions.Generated
							tPop = tPop.Add(pop)
							for _, fr := range villageKinds {
								for n := draws(fr.rate); n > 0; n-- {
									q := orb.Point{pt[0] + (rng.Float64()-0.5)*0.01, pt[1] + (rng.Float64()-0.5)*0.01}
									addFac(fr.kind, vCode, tb.clampInner(q))
								}
							}
						}
						ds.Divisions[tIdx].Population = tPop
						cPop = cPop.Add(tPop)
						for _, fr := range townshipKinds {
							for n := draws(fr.rate); n > 0; n-- {
								addFac(fr.kind, tCode, tb.randomInner(rng))
							}
						}
					}
				}
				for _, fr := range countyKinds {
					for n := draws(fr.rate); n > 0; n-- {
						t := rng.IntN(len(tboxes))
						addFac(fr.kind, cCode, tboxes[t].randomInner(rng))
					}
				}
				ds.Divisions[cIdx].Population = cPop
				pfPop = pfPop.Add(cPop)
			}
			ds.Divisions[pfIdx].Population = pfPop
			provPop = provPop.Add(pfPop)
		}
		ds.Divisions[provIdx].Population = provPop
	}
	ds.Facilities = facs
	sort.Slice(ds.Divisions, func(i, j int) bool { return ds.Divisions[i].Code < ds.Divisions[j].Code })
	ds.Meta = meta(c, ds)
	return ds, nil
}

func programme(rng *rand.Rand) *divisions.Programme {
	p := &divisions.Programme{SocialOrgs: rng.IntN(9), Ledger: rng.Float64() < 0.8, CareContact: rng.Float64() < 0.8,
		ActivityPlace: rng.Float64() < 0.7, RegularVisits: rng.Float64() < 0.75}
	if rng.Float64() < 0.6 {
		p.PilotYear = 2016 + rng.IntN(7)
	}
	return p
}

// meta describes the generated dataset: counts per level and kind, provenance of every value group.
func meta(c config, ds *dataset.Dataset) dataset.Meta {
	m := dataset.Meta{
		Name:     fmt.Sprintf("national-synthetic-p%d-s%g-f%g-seed%d", c.Provinces, c.Scale, c.Facilities, c.Seed),
		Vintages: map[string]string{"codes": "synthetic", "census": "synthetic"},
		Methods: map[string]string{
			"divisions":  "bench/national: provinces as 4°×3.5° cells of lon 98–122°E, lat 21–42°N; national counts (2,850 counties, 38,600 townships, 490,000 village committees, 117,000 residents' committees) split over provinces by weights 0.5–1.5, times the scale",
			"geometry":   "counties partition their province's box in rows of cells; townships partition their county likewise; shared edges are noded (identical segments); counties' boundaries are their townships' outline; provinces and prefectures have none",
			"seats":      "county and township seats are cell centres; village points uniform in the inner 90% of their township's cell",
			"population": "village totals 800–3,000 (村委会) or 2,000–8,000 (居委会), 60+ 15–30% (12–24%), 65+ 65–75% of 60+; parents are sums",
			"facilities": "per unit of the level a kind serves: mutual-aid 1.15 and community centres 1.0 per village-level unit (within ≈ 500 m of it), welfare homes 1.2, regional centres 0.5, cemeteries 2.5 per township, disability care 8, funeral homes 1, marriage registries 1.1 per county; 96% operating, 3% building, 1% suspended",
		},
		Counts:     map[string]int{},
		Provenance: map[string]map[string]int{},
		Notes:      []string{"every value is generated: no real place, name, count or population"},
	}
	for i := range ds.Divisions {
		d := &ds.Divisions[i]
		m.Counts[d.Level.String()]++
		m.Counts["kind:"+string(d.Kind)]++
		for group, p := range map[string]divisions.Provenance{"geometry": d.Sources.Geometry, "seat": d.Sources.Seat,
			"population": d.Sources.Population, "attributes": d.Sources.Attributes, "programme": d.Sources.Programme} {
			if p == "" {
				continue
			}
			if m.Provenance[group] == nil {
				m.Provenance[group] = map[string]int{}
			}
			m.Provenance[group][string(p)]++
		}
	}
	for i := range ds.Facilities {
		m.Counts["facility:"+string(ds.Facilities[i].Kind)]++
	}
	m.Counts["facilities"] = len(ds.Facilities)
	m.Provenance["facilities"] = map[string]int{string(divisions.Generated): len(ds.Facilities)}
	return m
}
