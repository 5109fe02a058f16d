package facilities

import (
	"math"

	"github.com/civplan/civplan/divisions"
)

// Method is an accessibility method.
type Method string

// Accessibility methods.
const (
	Method2SFCA  Method = "2sfca"  // two-step floating catchment, step decay (weight 1 within the catchment)
	MethodE2SFCA Method = "e2sfca" // enhanced 2SFCA: distance-decay weights inside the catchment
)

// Decay is the E2SFCA distance-decay function.
type Decay string

// E2SFCA decays (see coverage_defaults.json "e2sfca").
const (
	DecayGaussian Decay = "gaussian" // w(d) = (exp(-½(d/d0)²) − exp(-½)) / (1 − exp(-½)), 1 at 0, 0 at d0
	DecaySteps    Decay = "steps"    // Config.E2SFCA.Steps: weights by thirds of d0 (1.00, 0.68, 0.22)
)

// AccessParams is an accessibility request. Params.Mode is ignored (catchments are radii across
// jurisdictions); Params.RadiusM is the catchment radius d0 (0 = the kind's default radius).
type AccessParams struct {
	Params
	Method      Method  // "" = 2sfca
	Decay       Decay   // e2sfca only; "" = config default (gaussian)
	NormPer1000 float64 // beds per 1,000 elderly to compare with; 0 = config (35, the 2014 national target)
}

// VillageAccess is one village's accessibility.
type VillageAccess struct {
	Code        divisions.Code       `json:"code"`
	Name        string               `json:"name"`
	Elderly     int64                `json:"elderly"`
	BedsPer1000 float64              `json:"beds_per_1000"` // beds reachable per 1,000 elderly (0 without a point)
	Facilities  int                  `json:"facilities"`    // facilities whose catchment reaches it
	HasPoint    bool                 `json:"has_point"`
	Provenance  divisions.Provenance `json:"provenance"`
}

// AccessAggregate is a division's population-weighted accessibility.
type AccessAggregate struct {
	Code        divisions.Code       `json:"code,omitempty"`
	Name        string               `json:"name"`
	Level       divisions.Level      `json:"level,omitempty"`
	Villages    int                  `json:"villages"`
	Elderly     int64                `json:"elderly"`
	BedsPer1000 *float64             `json:"beds_per_1000"` // Σ A_i·P_i / Σ P_i × 1000 (nil without elderly)
	Norm        float64              `json:"norm_per_1000"`
	Met         *bool                `json:"met"`
	Provenance  divisions.Provenance `json:"provenance"`
}

// Accessibility is the answer of Analyzer.Accessibility.
type Accessibility struct {
	Query      Query             `json:"query"`
	Method     Method            `json:"method"`
	Decay      Decay             `json:"decay"` // "step" for 2sfca
	CatchmentM float64           `json:"catchment_m"`
	Norm       float64           `json:"norm_per_1000"`
	NormSource string            `json:"norm_source"`
	NormNote   string            `json:"norm_note"`
	Summary    AccessAggregate   `json:"summary"`
	Groups     []AccessAggregate `json:"groups,omitempty"`
	Villages   []VillageAccess   `json:"villages"`
	Facilities int               `json:"facilities"`        // usable facilities of the kind registered in the division (all: every one)
	NoBeds     int               `json:"no_beds"`           // of which with 0 (unknown) beds: no supply
	UnusedBeds int               `json:"unused_beds"`       // beds of those facilities whose catchment holds no elderly
	Supply     int               `json:"supply_facilities"` // usable facilities of the kind in the whole tree, whose beds the demand shares
	Demand     string            `json:"demand"`            // what the demand side is
}

// Accessibility computes beds per 1,000 elderly reachable (2SFCA / E2SFCA) for a bed-based kind.
// Demand is the elderly of every selected village of the whole tree (so facilities near the
// division's edge share their beds with villages outside it); answers are for the division.
func (a *Analyzer) Accessibility(p AccessParams) (*Accessibility, error) {
	q, div, err := a.resolve(p.Params)
	if err != nil {
		return nil, err
	}
	ki := a.reg.kind(q.Kind)
	if !ki.info.BedBased {
		return nil, paramErr("kind", q.Kind, "accessibility needs a bed-based kind (welfare_home, regional_care_center, disability_care_center)")
	}
	res := &Accessibility{Query: q, Method: p.Method, Decay: p.Decay, CatchmentM: q.RadiusM, Norm: p.NormPer1000,
		NormSource: a.cfg.Beds.Source, NormNote: a.cfg.Beds.Note,
		Demand: "elderly (" + string(q.Elderly) + ") of the selected village committees of the whole tree"}
	switch res.Method {
	case "":
		res.Method = Method2SFCA
	case Method2SFCA, MethodE2SFCA:
	default:
		return nil, paramErr("method", p.Method, "want 2sfca or e2sfca")
	}
	if res.Method == Method2SFCA {
		if res.Decay != "" && res.Decay != "step" {
			return nil, paramErr("decay", p.Decay, "2sfca uses a step decay; choose method=e2sfca for %s", p.Decay)
		}
		res.Decay = "step"
	} else {
		if res.Decay == "" {
			res.Decay = a.cfg.E2SFCA.DefaultDecay
		}
		if res.Decay != DecayGaussian && res.Decay != DecaySteps {
			return nil, paramErr("decay", p.Decay, "want gaussian or steps")
		}
	}
	if res.Norm == 0 {
		res.Norm = a.cfg.Beds.NormPer1000
	}
	if !(res.Norm > 0) || math.IsInf(res.Norm, 0) {
		return nil, paramErr("norm_per_1000", p.NormPer1000, "want a positive number of beds per 1,000 elderly")
	}
	d0 := q.RadiusM
	weight := a.decayFunc(res.Decay, d0)

	// Demand side: every selected village of the tree, by position in a.villages.
	a.villageIndex()
	inDemand := make([]bool, len(a.villages))
	all := q
	all.Division = ""
	demand, _ := a.selectPos(&all)
	for _, p := range demand {
		inDemand[p] = true
	}
	// Step 1: supply-to-demand ratio per facility.
	rj := make([]float64, len(ki.fs))
	res.Supply = len(ki.fs)
	parallel(len(ki.fs), func(lo, hi int) {
		for j := lo; j < hi; j++ {
			f := ki.fs[j]
			if f.Beds <= 0 {
				continue
			}
			var dj float64
			a.vix.Within(f.Point, d0, func(k int, d float64) bool {
				v := a.villages[a.vixPos[k]]
				if inDemand[a.vixPos[k]] {
					dj += weight(d*q.detourOf(v.Code)) * float64(q.Elderly.of(v.Population))
				}
				return true
			})
			if dj > 0 {
				rj[j] = float64(f.Beds) / dj
			}
		}
	})
	for j, f := range ki.fs {
		if q.Division != "" && !codeWithin(f.DivisionCode, q.Division) {
			continue
		}
		res.Facilities++
		if f.Beds <= 0 {
			res.NoBeds++
		} else if rj[j] == 0 {
			res.UnusedBeds += f.Beds
		}
	}
	// Step 2: sum the ratios reachable from each village in scope.
	vs, _ := a.selectVillages(&q)
	res.Villages = make([]VillageAccess, len(vs))
	parallel(len(vs), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			v := vs[i]
			va := VillageAccess{Code: v.Code, Name: v.Name, Elderly: q.Elderly.of(v.Population), HasPoint: v.HasSeat}
			provs := []divisions.Provenance{v.Sources.Population, v.Sources.Seat}
			if v.HasSeat {
				f := q.detourOf(v.Code)
				var ai float64
				ki.ix.Within(v.Seat, d0, func(j int, d float64) bool {
					if w := weight(d * f); w > 0 {
						ai += w * rj[j]
						va.Facilities++
						provs = append(provs, ki.fs[j].Provenance)
					}
					return true
				})
				va.BedsPer1000 = ai * 1000
			}
			va.Provenance = divisions.Weakest(provs...)
			res.Villages[i] = va
		}
	})
	res.Summary = accessAggregate(res.Villages, res.Norm)
	if div != nil {
		res.Summary.Code, res.Summary.Name, res.Summary.Level = div.Code, div.Name, div.Level
	} else {
		res.Summary.Name = "全部"
	}
	if q.GroupBy != 0 {
		units := a.unitsAt(q.Division, q.GroupBy)
		idx := map[divisions.Code]int{}
		parts := make([][]VillageAccess, len(units))
		for i, u := range units {
			idx[u.Code] = i
		}
		for _, va := range res.Villages {
			if i, ok := idx[unitAt(va.Code, q.GroupBy)]; ok {
				parts[i] = append(parts[i], va)
			}
		}
		for i, u := range units {
			g := accessAggregate(parts[i], res.Norm)
			g.Code, g.Name, g.Level = u.Code, u.Name, u.Level
			res.Groups = append(res.Groups, g)
		}
	}
	return res, nil
}

// decayFunc returns the weight of a (detoured) distance d under the catchment d0: 0 beyond d0.
func (a *Analyzer) decayFunc(d Decay, d0 float64) func(float64) float64 {
	switch d {
	case DecayGaussian:
		e := math.Exp(-0.5)
		return func(x float64) float64 {
			if x > d0 {
				return 0
			}
			return (math.Exp(-0.5*(x/d0)*(x/d0)) - e) / (1 - e)
		}
	case DecaySteps:
		steps := a.cfg.E2SFCA.Steps
		return func(x float64) float64 {
			if x > d0 {
				return 0
			}
			for _, s := range steps {
				if x <= s.UptoFraction*d0 {
					return s.Weight
				}
			}
			return 0
		}
	}
	return func(x float64) float64 {
		if x > d0 {
			return 0
		}
		return 1
	}
}

func accessAggregate(vs []VillageAccess, norm float64) AccessAggregate {
	g := AccessAggregate{Norm: norm, Villages: len(vs)}
	var num float64
	var provs []divisions.Provenance
	for _, v := range vs {
		g.Elderly += v.Elderly
		num += v.BedsPer1000 * float64(v.Elderly)
		provs = append(provs, v.Provenance)
	}
	g.BedsPer1000 = ratio(num, float64(g.Elderly))
	if g.BedsPer1000 != nil {
		met := *g.BedsPer1000 >= norm
		g.Met = &met
	}
	g.Provenance = divisions.Weakest(provs...)
	return g
}

// unitsAt lists the units at level l within scope ("" = the whole tree), by code.
func (a *Analyzer) unitsAt(scope divisions.Code, l divisions.Level) []*divisions.Division {
	if scope != "" {
		return a.tree.Descendants(scope, l)
	}
	var out []*divisions.Division
	for _, d := range a.tree.All() {
		if d.Level == l {
			out = append(out, d)
		}
	}
	return out
}
