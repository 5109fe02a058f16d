package hubeibuild

import (
	"fmt"
	"math"
	"sort"

	"github.com/civplan/civplan/divisions"
)

// Population model parameters (documented in data/dataset/embedded/README.md).
const (
	popSpread       = 0.6  // σ of the log-normal size variation between villages of a class
	elderlyRural    = 1.35 // relative share of people aged 60+ in rural villages …
	elderlyUrban    = 0.85 // … and in urban ones, before calibration to the county total
	elderlySpread   = 0.25 // σ of the per-village variation of the elderly share
	age65Spread     = 0.12 // σ of the per-village variation of the 65+/60+ ratio
	ruralURPrefix   = '2'  // ur_code 2xx = rural
	urbanURPrefix   = '1'  // ur_code 1xx = urban
	maxWaterfillRun = 200
	minClassMean    = 150.0 // persons per village below which the urban/rural split is dropped
)

// isUrbanVillage classifies a village for the population model: by its 2016 urban-rural code
// where known, else by kind (居委会 and 类似居委会 urban, 村委会 and 类似村委会 rural).
func isUrbanVillage(v *village, ur string) bool {
	if ur != "" {
		return ur[0] == urbanURPrefix
	}
	k := divisions.KindOf(v.code, v.name)
	return k == divisions.KindResidentsCommittee || k == divisions.KindResidentsLike
}

// spreadPopulation spreads a county's census figures over its villages: the urban population
// to urban villages and the rural to rural ones in proportion to log-normal weights seeded by
// the village code, the 60+ and 65+ counts by class-dependent shares calibrated so that the
// sums are exact. Every village gets age65 ≤ age60 ≤ total.
func spreadPopulation(cs census, vs []*village, urCode map[divisions.Code]string) ([]divisions.Population, error) {
	n := len(vs)
	if n == 0 {
		return nil, nil
	}
	urban := make([]bool, n)
	var nu int
	w := make([]float64, n)
	for i, v := range vs {
		urban[i] = isUrbanVillage(v, urCode[v.code])
		if urban[i] {
			nu++
		}
		w[i] = math.Exp(popSpread * newRNG("village-pop", string(v.code)).normal())
	}
	poolU, poolR := float64(cs.urban), float64(cs.rural)
	// A class whose villages would get fewer than minClassMean persons on average (e.g. the
	// few 村委会 of a district whose census rural population is 0) is merged with the other.
	if nu == 0 || nu == n || poolU/float64(nu) < minClassMean || poolR/float64(n-nu) < minClassMean {
		for i := range urban {
			urban[i] = false
		}
		nu, poolU, poolR = 0, 0, float64(cs.total)
	}
	var sumU, sumR float64
	for i := range vs {
		if urban[i] {
			sumU += w[i]
		} else {
			sumR += w[i]
		}
	}
	x := make([]float64, n)
	for i := range vs {
		if urban[i] {
			x[i] = poolU * w[i] / sumU
		} else {
			x[i] = poolR * w[i] / sumR
		}
	}
	total, err := largestRemainder(x, nil, cs.total)
	if err != nil {
		return nil, fmt.Errorf("total: %w", err)
	}
	e60 := make([]float64, n)
	for i, v := range vs {
		f := elderlyRural
		if urban[i] {
			f = elderlyUrban
		}
		e60[i] = float64(total[i]) * f * math.Exp(elderlySpread*newRNG("village-age60", string(v.code)).normal())
	}
	age60, err := waterfill(e60, total, cs.age60)
	if err != nil {
		return nil, fmt.Errorf("age60: %w", err)
	}
	e65 := make([]float64, n)
	for i, v := range vs {
		e65[i] = float64(age60[i]) * math.Exp(age65Spread*newRNG("village-age65", string(v.code)).normal())
	}
	age65, err := waterfill(e65, age60, cs.age65)
	if err != nil {
		return nil, fmt.Errorf("age65: %w", err)
	}
	out := make([]divisions.Population, n)
	for i := range vs {
		out[i] = divisions.Population{Total: total[i], Age60: age60[i], Age65: age65[i]}
	}
	return out, nil
}

// waterfill finds k with Σ min(cap_i, k·e_i) = n and rounds the result to integers that sum
// to n exactly and respect the caps.
func waterfill(e []float64, caps []int64, n int64) ([]int64, error) {
	var capSum int64
	for _, c := range caps {
		capSum += c
	}
	if capSum < n {
		return nil, fmt.Errorf("cannot place %d persons under caps summing to %d", n, capSum)
	}
	f := func(k float64) float64 {
		s := 0.0
		for i := range e {
			s += math.Min(float64(caps[i]), k*e[i])
		}
		return s
	}
	lo, hi := 0.0, 1.0
	for f(hi) < float64(n) && hi < 1e12 {
		hi *= 2
	}
	for it := 0; it < maxWaterfillRun; it++ {
		mid := (lo + hi) / 2
		if f(mid) < float64(n) {
			lo = mid
		} else {
			hi = mid
		}
	}
	x := make([]float64, len(e))
	for i := range e {
		x[i] = math.Min(float64(caps[i]), hi*e[i])
	}
	return largestRemainder(x, caps, n)
}

// largestRemainder rounds x to integers summing to n: floors first, then one more to the
// largest fractional parts (ties by index); caps (when not nil) are never exceeded.
func largestRemainder(x []float64, caps []int64, n int64) ([]int64, error) {
	out := make([]int64, len(x))
	var s int64
	for i, v := range x {
		out[i] = int64(math.Floor(v))
		if caps != nil && out[i] > caps[i] {
			out[i] = caps[i]
		}
		if out[i] < 0 {
			out[i] = 0
		}
		s += out[i]
	}
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		fa, fb := x[idx[a]]-math.Floor(x[idx[a]]), x[idx[b]]-math.Floor(x[idx[b]])
		return fa > fb
	})
	for s != n {
		moved := false
		for _, i := range idx {
			if s == n {
				break
			}
			if s < n && (caps == nil || out[i] < caps[i]) {
				out[i]++
				s++
				moved = true
			} else if s > n && out[i] > 0 {
				out[i]--
				s--
				moved = true
			}
		}
		if !moved {
			return nil, fmt.Errorf("cannot round %d values to the sum %d", len(x), n)
		}
	}
	return out, nil
}
