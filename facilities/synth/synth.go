// Package synth generates deterministic national-scale test data: a division tree (31
// provinces → prefectures → about 2,850 counties → townships → villages) and facility points,
// for benchmarks, load tests and siting tests. Everything it makes has provenance "generated".
//
// Density: county centres are drawn in mainland China's bounding box (lon 73.5–134.8°E,
// lat 18.2–53.6°N), 85 % of them in the populous east (lon 98–122°E, lat 21–42°N); township
// centres scatter around their county centre (Gaussian, σ = 15 km), village points around their
// township centre (σ = 3 km), and each facility around a random village of a random county
// (σ = 1 km), registered in that village. About 13 villages per township, as in China
// (≈ 490,000 village committees in ≈ 38,600 townships).
package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
)

// Config sizes a generated dataset. Zero values mean the defaults.
type Config struct {
	Villages   int               // village-level units; default 500,000
	Facilities int               // facilities; default 1,000,000
	Counties   int               // county-level units; default 2,850 (fewer when Villages is small)
	Seed       uint64            // default 1
	Kinds      []facilities.Kind // facility kinds, drawn uniformly; default {mutual_aid_elderly}
	// OnlyVillageCommittees makes every village-level unit a 村委会 (default: the first eighth
	// of each township's villages are 居委会, which coverage does not count).
	OnlyVillageCommittees bool
}

// Data is a generated dataset.
type Data struct {
	Divisions  []divisions.Division  // provinces … villages, by code
	Facilities []facilities.Facility // ids 1…N, all operating
}

// Villages returns the village-level units of d (a view into d.Divisions, by code).
func (d *Data) Villages() []*divisions.Division {
	var out []*divisions.Division
	for i := range d.Divisions {
		if d.Divisions[i].Level == divisions.Village {
			out = append(out, &d.Divisions[i])
		}
	}
	return out
}

var provinceCodes = []int{11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65}

const (
	villagesPerTownship = 13
	countiesPerPref     = 15
	earthM              = 6371008.8
)

// Generate builds a dataset; the same Config always gives the same data.
func Generate(c Config) (*Data, error) {
	if c.Villages == 0 {
		c.Villages = 500_000
	}
	if c.Facilities == 0 {
		c.Facilities = 1_000_000
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if len(c.Kinds) == 0 {
		c.Kinds = []facilities.Kind{facilities.MutualAidElderly}
	}
	if c.Counties == 0 {
		c.Counties = min(2850, max(1, c.Villages/villagesPerTownship))
	}
	switch {
	case c.Villages < 0 || c.Facilities < 0 || c.Counties < 0:
		return nil, fmt.Errorf("synth: negative size in %+v", c)
	case c.Counties > len(provinceCodes)*99*20:
		return nil, fmt.Errorf("synth: %d counties exceed the code space", c.Counties)
	case c.Villages > c.Counties*300*199:
		return nil, fmt.Errorf("synth: %d villages exceed the code space of %d counties", c.Villages, c.Counties)
	}
	rng := rand.New(rand.NewPCG(c.Seed, 0x5eed))

	// County centres, ordered in west–east bands of 2° latitude so that neighbours share a prefecture.
	centres := make([]orb.Point, c.Counties)
	for i := range centres {
		if rng.Float64() < 0.85 {
			centres[i] = orb.Point{98 + 24*rng.Float64(), 21 + 21*rng.Float64()}
		} else {
			centres[i] = orb.Point{73.5 + 61.3*rng.Float64(), 18.2 + 35.4*rng.Float64()}
		}
	}
	sort.SliceStable(centres, func(i, j int) bool {
		bi, bj := int(centres[i][1]/2), int(centres[j][1]/2)
		if bi != bj {
			return bi < bj
		}
		if bi%2 == 0 {
			return centres[i][0] < centres[j][0]
		}
		return centres[i][0] > centres[j][0]
	})

	d := &Data{}
	add := func(code divisions.Code, name string, seat orb.Point, pop divisions.Population) *divisions.Division {
		d.Divisions = append(d.Divisions, divisions.Division{Code: code, Name: name, ShortName: divisions.ShortName(name),
			Level: code.Level(), Kind: divisions.KindOf(code, name), Parent: code.Parent(), Seat: seat, HasSeat: true,
			Population: pop, Sources: divisions.Sources{Seat: divisions.Generated, Population: divisions.Generated,
				Attributes: divisions.Generated}})
		return &d.Divisions[len(d.Divisions)-1]
	}
	// Split counties over provinces, prefectures; villages over counties, townships.
	perProv := splitEven(c.Counties, len(provinceCodes))
	perCounty := splitEven(c.Villages, c.Counties)
	county := 0
	var villagePts []orb.Point
	var villageCodes []divisions.Code
	countyFirst := make([]int, c.Counties+1) // villages of county k: villagePts[countyFirst[k]:countyFirst[k+1]]
	for p, nc := range perProv {
		if nc == 0 {
			continue
		}
		pc := divisions.Code(fmt.Sprintf("%02d0000000000", provinceCodes[p]))
		add(pc, fmt.Sprintf("合成省%02d", provinceCodes[p]), centres[county], divisions.Population{})
		for pf, ncp := range splitEven(nc, (nc+countiesPerPref-1)/countiesPerPref) {
			pfc := divisions.Code(fmt.Sprintf("%02d%02d00000000", provinceCodes[p], pf+1))
			add(pfc, fmt.Sprintf("合成市%s", pfc[:4]), centres[county], divisions.Population{})
			for k := 0; k < ncp; k++ {
				cc := divisions.Code(fmt.Sprintf("%s%02d000000", pfc[:4], k+1))
				ctr := centres[county]
				add(cc, fmt.Sprintf("合成县%s", cc[:6]), ctr, divisions.Population{})
				countyFirst[county] = len(villagePts)
				nv := perCounty[county]
				nt := max(1, (nv+villagesPerTownship-1)/villagesPerTownship)
				for t, ntv := range splitEven(nv, nt) {
					tpart := 100 + t
					if t >= 100 {
						tpart = 200 + (t - 100)
					}
					tc := divisions.Code(fmt.Sprintf("%s%03d000", cc[:6], tpart))
					tctr := jitter(rng, ctr, 15000)
					add(tc, fmt.Sprintf("合成镇%s", tc[:9]), tctr, divisions.Population{})
					nres := ntv / 8 // residents' committees first, then village committees
					if c.OnlyVillageCommittees {
						nres = 0
					}
					for v := 0; v < ntv; v++ {
						vpart := 1 + v
						suffix := "居民委员会"
						if v >= nres {
							vpart, suffix = 200+(v-nres), "村民委员会"
						}
						vc := divisions.Code(fmt.Sprintf("%s%03d", tc[:9], vpart))
						pt := jitter(rng, tctr, 3000)
						total := int64(800 + rng.IntN(2200))
						a60 := total * int64(15+rng.IntN(15)) / 100
						vd := add(vc, fmt.Sprintf("合成%s%s", vc[6:], suffix), pt, divisions.Population{Total: total, Age60: a60, Age65: a60 * 7 / 10})
						vd.URCode = urCode(rng, vd.Kind)
						vd.Programme = programme(rng)
						vd.Sources.Programme = divisions.Generated
						villagePts = append(villagePts, pt)
						villageCodes = append(villageCodes, vc)
					}
				}
				county++
			}
		}
	}
	countyFirst[c.Counties] = len(villagePts)
	sort.Slice(d.Divisions, func(i, j int) bool { return d.Divisions[i].Code < d.Divisions[j].Code })

	// Facilities: a random county weighted by its villages (i.e. a random village), then near it.
	d.Facilities = make([]facilities.Facility, 0, c.Facilities)
	for id := 1; id <= c.Facilities && len(villagePts) > 0; id++ {
		v := rng.IntN(len(villagePts))
		k := c.Kinds[rng.IntN(len(c.Kinds))]
		f := facilities.Facility{ID: int64(id), Kind: k, Name: fmt.Sprintf("合成设施%d", id), DivisionCode: villageCodes[v],
			Point: jitter(rng, villagePts[v], 1000), Status: facilities.StatusOperating, Provenance: divisions.Generated}
		if info, _ := facilities.ParseKind(string(k)); info.BedBased {
			f.Beds = 10 + rng.IntN(90)
		}
		if k == facilities.CommunityServiceCenter {
			f.FloorAreaM2 = float64(200 + rng.IntN(600))
		}
		d.Facilities = append(d.Facilities, f)
	}
	return d, nil
}

// splitEven splits n into k parts whose sizes differ by at most one.
func splitEven(n, k int) []int {
	if k <= 0 {
		return nil
	}
	out := make([]int, k)
	for i := range out {
		out[i] = n / k
		if i < n%k {
			out[i]++
		}
	}
	return out
}

// jitter moves p by a 2-D Gaussian offset with standard deviation sigmaM metres, kept inside ±85° latitude.
func jitter(rng *rand.Rand, p orb.Point, sigmaM float64) orb.Point {
	dy := rng.NormFloat64() * sigmaM / earthM * 180 / math.Pi
	dx := rng.NormFloat64() * sigmaM / (earthM * math.Cos(p[1]*math.Pi/180)) * 180 / math.Pi
	return orb.Point{p[0] + dx, math.Max(-85, math.Min(85, p[1]+dy))}
}

func urCode(rng *rand.Rand, k divisions.Kind) string {
	r := rng.Float64()
	switch {
	case r < 0.05:
		return "" // unknown
	case k == divisions.KindResidentsCommittee || r < 0.12:
		return "111"
	case r < 0.25:
		return "210"
	}
	return "220"
}

func programme(rng *rand.Rand) *divisions.Programme {
	p := &divisions.Programme{SocialOrgs: rng.IntN(9), Ledger: rng.Float64() < 0.8, CareContact: rng.Float64() < 0.8,
		ActivityPlace: rng.Float64() < 0.7, RegularVisits: rng.Float64() < 0.75}
	if r := rng.Float64(); r < 0.6 {
		p.PilotYear = 2016 + rng.IntN(7)
	}
	return p
}
