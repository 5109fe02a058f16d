package hubeibuild

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Statistical county-level units (codes and people, no legal territory) and the counties whose
// polygons hold their land.
var statisticalHosts = map[divisions.Code][]divisions.Code{
	"421071000000": {"421003000000", "421002000000"}, // 荆州经济技术开发区 in 荆州区/沙市区
	"421171000000": {"421127000000"},                 // 龙感湖管理区 in 黄梅县
}

// Radii (metres) for generated points of the statistical units around their anchor.
const (
	statTownRadiusM    = 8000.0
	statVillageRadiusM = 3000.0
	maxHoleKm2         = 1.0 // holes of a union smaller than this are slivers and are filled
)

// Stats are the numbers the builder logs and records in Meta.
type Stats struct {
	SeatReal, SeatVillagesOnly, SeatNone int // township location evidence (inside the county)
	SeatsDropped                         int // real seats outside their own county
	VillageRealMatched                   int // village points whose code and name match
	VillageRealDropped                   int // … of those, outside their county
	VillagesReal                         int // final real village points
	HolesFilled                          int
	Part                                 partStats
}

// Build reads the shared Hubei files under dir and builds the dataset; progress and statistics
// are written to logw.
func Build(dir string, logw io.Writer) (*dataset.Dataset, *Stats, error) {
	t0 := time.Now()
	s, err := load(dir)
	if err != nil {
		return nil, nil, err
	}
	logf := func(format string, a ...any) { fmt.Fprintf(logw, format+"\n", a...) }
	logf("loaded sources in %.1fs: %d/%d/%d/%d/%d units, %d county polygons, %d village points",
		time.Since(t0).Seconds(), len(s.province), len(s.cities), len(s.counties), len(s.towns), len(s.villages), len(s.shapes), len(s.villagePts))
	b := &builder{s: s, st: &Stats{}, logf: logf}
	if err := b.checkCounties(); err != nil {
		return nil, nil, err
	}
	if err := b.collect(); err != nil {
		return nil, nil, err
	}
	if err := b.partition(); err != nil {
		return nil, nil, err
	}
	logf("township areas derived in %.1fs", time.Since(t0).Seconds())
	if err := b.villagePoints(); err != nil {
		return nil, nil, err
	}
	if err := b.populations(); err != nil {
		return nil, nil, err
	}
	ds, err := b.assemble()
	if err != nil {
		return nil, nil, err
	}
	for _, k := range facilities.Kinds() {
		logf("facilities %-26s %6d", k.Kind, ds.Meta.Counts["facility:"+string(k.Kind)])
	}
	for _, g := range []string{"geometry", "seat", "township_seat", "village_point", "population", "attributes", "programme", "facility"} {
		pc := ds.Meta.Provenance[g]
		logf("provenance %-14s real %6d  derived %6d  estimated %6d  generated %6d", g, pc["real"], pc["derived"], pc["estimated"], pc["generated"])
	}
	logf("built in %.1fs", time.Since(t0).Seconds())
	return ds, b.st, nil
}

type builder struct {
	s        *sources
	st       *Stats
	logf     func(string, ...any)
	notes    []string
	towns    []*township // all, by code
	byCounty map[divisions.Code][]*township
	villages []*village // all, by code
	pop      map[divisions.Code]divisions.Population
	popProv  map[divisions.Code]divisions.Provenance
}

// sourceTownsOf lists the townships of a county straight from the source list.
func (b *builder) sourceTownsOf(county divisions.Code) []unit {
	var us []unit
	for _, u := range b.s.towns {
		if u.code.Parent() == county {
			us = append(us, u)
		}
	}
	return us
}

func (b *builder) note(format string, a ...any) { b.notes = append(b.notes, fmt.Sprintf(format, a...)) }

// hostShape returns the polygon holding a county's land (its own, or its hosts' for a
// statistical unit).
func (b *builder) hostShape(county divisions.Code) orb.MultiPolygon {
	if cs, ok := b.s.shapes[county]; ok {
		return cs.shape
	}
	var mp orb.MultiPolygon
	for _, h := range statisticalHosts[county] {
		mp = append(mp, b.s.shapes[h].shape...)
	}
	return mp
}

func (b *builder) checkCounties() error {
	want := map[divisions.Code]bool{}
	for _, c := range b.s.counties {
		want[c.code] = true
		_, hasShape := b.s.shapes[c.code]
		_, stat := statisticalHosts[c.code]
		switch {
		case stat && hasShape:
			return fmt.Errorf("statistical unit %s %s unexpectedly has a polygon", c.code, c.name)
		case !stat && !hasShape:
			return fmt.Errorf("county %s %s has no polygon in %s (code crosswalk missing?)", c.code, c.name, fileCounties)
		}
		if len(b.sourceTownsOf(c.code)) == 0 {
			return fmt.Errorf("county %s %s has no townships in %s", c.code, c.name, fileStreets)
		}
		if _, ok := b.s.census[c.code]; !ok {
			return fmt.Errorf("county %s %s has no census row in %s or %s", c.code, c.name, fileYearbook, fileTudiPop)
		}
	}
	for st, hosts := range statisticalHosts {
		for _, h := range hosts {
			if want[st] && b.s.shapes[h] == nil {
				return fmt.Errorf("statistical unit %s: host county %s has no polygon", st, h)
			}
		}
	}
	if len(b.s.shapes) == 0 {
		return fmt.Errorf("%s: no county polygons", fileCounties)
	}
	codes := make([]string, 0, len(b.s.shapes))
	for c := range b.s.shapes {
		codes = append(codes, string(c))
	}
	sort.Strings(codes)
	for _, c := range codes {
		cs := b.s.shapes[divisions.Code(c)]
		if !want[cs.code] {
			return fmt.Errorf("%s: polygon %s %s is not a 2023 county", fileCounties, cs.code, cs.name)
		}
		if err := validate(cs.shape); err != nil {
			return fmt.Errorf("county %s %s: converted polygon is invalid: %w", cs.code, cs.name, err)
		}
		cs.shape = orient(cs.shape)
		if !contains(cs.shape, cs.centre) {
			b.note("county %s %s: the polygon layer's centre point lies outside the converted polygon", cs.code, cs.name)
		}
	}
	return nil
}

// collect builds the township and village lists with their real location evidence.
func (b *builder) collect() error {
	b.byCounty = map[divisions.Code][]*township{}
	townBy := map[divisions.Code]*township{}
	countySet := map[divisions.Code]bool{}
	for _, c := range b.s.counties {
		countySet[c.code] = true
	}
	for _, u := range b.s.towns {
		if !countySet[u.code.Parent()] {
			return fmt.Errorf("township %s %s: county %s is not in %s", u.code, u.name, u.code.Parent(), fileAreas)
		}
		t := &township{unit: u, county: u.code.Parent()}
		host := b.hostShape(t.county)
		if tp, ok := b.s.townPts[u.code]; ok {
			for _, c := range []struct {
				p   orb.Point
				ok  bool
				src string
			}{{tp.geonames, tp.hasGeonames, "GeoNames"}, {tp.vonng, tp.hasVonng, "Vonng/adcode 2016 (converted)"}} {
				if !c.ok {
					continue
				}
				if contains(host, c.p) {
					t.seat, t.seatReal, t.seatProv = c.p, true, divisions.Real
					break
				}
				b.st.SeatsDropped++
				b.note("township %s %s: %s seat point %.6f,%.6f lies outside its county polygon; dropped", u.code, u.name, c.src, c.p[0], c.p[1])
			}
		}
		b.towns = append(b.towns, t)
		townBy[u.code] = t
		b.byCounty[t.county] = append(b.byCounty[t.county], t)
	}
	for _, u := range b.s.villages {
		t, ok := townBy[u.code.Parent()]
		if !ok {
			return fmt.Errorf("village %s %s: township %s is not in %s", u.code, u.name, u.code.Parent(), fileStreets)
		}
		v := &village{unit: u, town: t}
		if vp, ok := b.s.villagePts[u.code]; ok && divisions.ShortName(vp.name) == divisions.ShortName(u.name) {
			b.st.VillageRealMatched++
			if contains(b.hostShape(t.county), vp.p) {
				v.p, v.real = vp.p, true
			} else {
				b.st.VillageRealDropped++
				b.note("village %s %s: Vonng/adcode 2016 point lies outside its county polygon; dropped", u.code, u.name)
			}
		}
		t.villages = append(t.villages, v)
		b.villages = append(b.villages, v)
	}
	for _, t := range b.towns {
		nReal := 0
		for _, v := range t.villages {
			if v.real {
				nReal++
			}
		}
		switch {
		case t.seatReal:
			t.evidence = "seat"
			b.st.SeatReal++
		case nReal > 0:
			t.evidence = "villages"
			b.st.SeatVillagesOnly++
		default:
			t.evidence = "none"
			b.st.SeatNone++
		}
	}
	b.logf("township evidence: %d real seat, %d only village points, %d nothing (%d seat points dropped outside their county)",
		b.st.SeatReal, b.st.SeatVillagesOnly, b.st.SeatNone, b.st.SeatsDropped)
	b.logf("village points: %d code+name matches, %d dropped outside their county", b.st.VillageRealMatched, b.st.VillageRealDropped)
	return nil
}

func (b *builder) countyCodes() []divisions.Code {
	cs := make([]divisions.Code, 0, len(b.s.counties))
	for _, c := range b.s.counties {
		cs = append(cs, c.code)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i] < cs[j] })
	return cs
}

// partition derives township areas county by county and fixes every township seat. Counties
// are independent, so they run on GOMAXPROCS workers; statistics and notes are merged in
// county-code order, which keeps the result deterministic.
func (b *builder) partition() error {
	codes := b.countyCodes()
	type result struct {
		st    partStats
		notes []string
		err   error
	}
	res := make([]result, len(codes))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, cc := range codes {
		towns := b.byCounty[cc]
		sortTowns(towns)
		cs, ok := b.s.shapes[cc]
		if !ok {
			b.placeStatistical(cc, towns)
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(r *result) {
			defer func() { <-sem; wg.Done() }()
			r.err = partitionAndSeat(cs, towns, &r.st, &r.notes)
		}(&res[i])
	}
	wg.Wait()
	for _, r := range res {
		if r.err != nil {
			return r.err
		}
		b.st.Part.add(r.st)
		b.notes = append(b.notes, r.notes...)
	}
	return nil
}

// partitionAndSeat runs partitionCounty and then fixes each township's seat: the real seat,
// else the medoid of its real village points inside its area (derived), else the generated
// seed; a seat that is not inside the area is replaced by a generated point.
func partitionAndSeat(cs *countyShape, towns []*township, st *partStats, notes *[]string) error {
	if err := partitionCounty(cs, towns, st, notes); err != nil {
		return err
	}
	for _, t := range towns {
		if !t.seatReal {
			var pts []orb.Point
			for _, v := range t.villages {
				if v.real && contains(t.area, v.p) {
					pts = append(pts, v.p)
				}
			}
			switch {
			case len(pts) > 0:
				t.seat, t.seatProv = medoid(pts), divisions.Derived
			case t.seatProv != divisions.Generated:
				t.seatProv = ""
			}
		}
		if t.seatProv == "" || !contains(t.area, t.seat) {
			p, ok := samplePoint(newRNG("seat-fallback", string(t.code)), t.area, nil, orb.Point{}, 0)
			if !ok {
				return fmt.Errorf("township %s %s: no point found inside its derived area", t.code, t.name)
			}
			if t.seatProv != "" {
				st.seatFallbacks++
				*notes = append(*notes, fmt.Sprintf("township %s %s: seat not inside its derived area; replaced by a generated point", t.code, t.name))
			}
			t.seat, t.seatProv = p, divisions.Generated
		}
	}
	return nil
}

// placeStatistical gives the townships of a statistical unit generated seats inside the host
// county polygon(s), around an anchor (the mean of the hosts' seats); they get no area.
func (b *builder) placeStatistical(cc divisions.Code, towns []*township) {
	host := b.hostShape(cc)
	var anchor orb.Point
	for _, h := range statisticalHosts[cc] {
		c := b.s.shapes[h].centre
		anchor[0] += c[0] / float64(len(statisticalHosts[cc]))
		anchor[1] += c[1] / float64(len(statisticalHosts[cc]))
	}
	var placed []orb.Point
	for _, t := range towns {
		if t.seatReal {
			placed = append(placed, t.seat)
		}
	}
	for _, t := range towns {
		if t.seatReal {
			continue
		}
		p, ok := samplePoint(newRNG("stat-seat", string(t.code)), host, placed, anchor, statTownRadiusM)
		if !ok {
			p = anchor
		}
		t.seat, t.seatProv = p, divisions.Generated
		placed = append(placed, p)
	}
}

// villagePoints checks the real village points against the township areas and places every
// other village point inside its township area (statistical units: near the township seat
// inside the host county).
func (b *builder) villagePoints() error {
	for _, t := range b.towns {
		area, radius := t.area, 0.0
		if area == nil {
			area, radius = b.hostShape(t.county), statVillageRadiusM
		} else {
			for _, v := range t.villages {
				if v.real && !contains(area, v.p) {
					v.real = false
					b.st.Part.villagesMovedTo++
				}
			}
		}
		fixed := []orb.Point{t.seat}
		for _, v := range t.villages {
			if v.real {
				fixed = append(fixed, v.p)
			}
		}
		for _, v := range t.villages {
			if v.real {
				b.st.VillagesReal++
				continue
			}
			r := newRNG("village-point", string(v.code))
			p, ok := samplePoint(r, area, fixed, t.seat, radius)
			if !ok {
				p, ok = samplePoint(r, area, fixed, t.seat, 0)
			}
			if !ok {
				return fmt.Errorf("village %s %s: no point found inside the area of township %s", v.code, v.name, t.code)
			}
			v.p = p
			fixed = append(fixed, p)
		}
	}
	b.logf("village points: %d real, %d generated; %d real points outside their derived township area made generated; %d real points not used as seeds (cell taken)",
		b.st.VillagesReal, len(b.villages)-b.st.VillagesReal, b.st.Part.villagesMovedTo, b.st.Part.seedConflicts)
	return nil
}

// populations spreads each county's census figures to its villages and sums them upwards.
func (b *builder) populations() error {
	b.pop = map[divisions.Code]divisions.Population{}
	b.popProv = map[divisions.Code]divisions.Provenance{}
	for _, cc := range b.countyCodes() {
		cs := b.s.census[cc]
		var vs []*village
		for _, t := range b.byCounty[cc] {
			vs = append(vs, t.villages...)
		}
		ps, err := spreadPopulation(cs, vs, b.s.urCode)
		if err != nil {
			return fmt.Errorf("county %s: spreading the census population: %w", cc, err)
		}
		for i, v := range vs {
			b.pop[v.code] = ps[i]
			b.popProv[v.code] = divisions.Estimated
			tc := v.town.code
			b.pop[tc] = b.pop[tc].Add(ps[i])
			b.popProv[tc] = divisions.Estimated
		}
		b.pop[cc] = divisions.Population{Total: cs.total, Age60: cs.age60, Age65: cs.age65}
		b.popProv[cc] = divisions.Real
		if cs.viaShares {
			b.note("county %s: census 2020 total from tudigong; age60/age65 = total × the published shares, rounded (no 5-year counts in the yearbook)", cc)
		}
		pc := cc.Parent()
		b.pop[pc] = b.pop[pc].Add(b.pop[cc])
		b.popProv[pc] = divisions.Derived
		pv := pc.Parent()
		b.pop[pv] = b.pop[pv].Add(b.pop[cc])
		b.popProv[pv] = divisions.Derived
	}
	for _, t := range b.towns {
		if _, ok := b.popProv[t.code]; !ok {
			b.popProv[t.code] = divisions.Estimated // no villages: zero people
		}
	}
	p := b.pop["420000000000"]
	b.logf("population: province total %d, age60 %d, age65 %d", p.Total, p.Age60, p.Age65)
	return nil
}

// unionShapes unions county polygons and fills sliver holes; it reports filled holes.
func (b *builder) unionShapes(name string, codes []divisions.Code) (orb.MultiPolygon, error) {
	var mps []orb.MultiPolygon
	for _, c := range codes {
		mps = append(mps, b.s.shapes[c].shape)
	}
	u, err := unionAll(mps)
	if err != nil {
		return nil, fmt.Errorf("%s: union of %d county polygons: %w", name, len(codes), err)
	}
	lat := u.Bound().Center()[1]
	m2PerDeg2 := 111320 * math.Cos(lat*math.Pi/180) * 110574
	member := map[divisions.Code]bool{}
	for _, c := range codes {
		member[c] = true
	}
	var filled []string
	var kept []string
	for pi, p := range u {
		q := orb.Polygon{p[0]}
		for _, h := range p[1:] {
			a := math.Abs(planar.Area(h)) * m2PerDeg2
			inner := interiorPoint(orb.Polygon{h})
			enclave := false
			for c, cs := range b.s.shapes {
				if !member[c] && contains(cs.shape, inner) {
					enclave = true
					break
				}
			}
			if !enclave && a < maxHoleKm2*1e6 {
				filled = append(filled, fmt.Sprintf("%.0f m² near %.4f,%.4f", a, inner[0], inner[1]))
				continue
			}
			if !enclave {
				kept = append(kept, fmt.Sprintf("%.2f km² near %.4f,%.4f", a/1e6, inner[0], inner[1]))
			}
			q = append(q, h)
		}
		u[pi] = q
	}
	if len(filled) > 0 {
		b.st.HolesFilled += len(filled)
		b.note("%s: %d sliver hole(s) between source county polygons (covered by no county) filled in the derived boundary: %v", name, len(filled), filled)
	}
	if len(kept) > 0 {
		b.note("%s: %d gap(s) of %.0f km² or more covered by no county kept as holes: %v", name, len(kept), maxHoleKm2, kept)
	}
	r, err := roundMP(u)
	if err != nil {
		if err := validate(u); err != nil {
			return nil, fmt.Errorf("%s: derived boundary invalid: %w", name, err)
		}
		return orient(u), nil
	}
	return r, nil
}

// assemble builds the dataset: divisions, facilities and Meta.
func (b *builder) assemble() (*dataset.Dataset, error) {
	var divs []divisions.Division
	mk := func(u unit) divisions.Division {
		d := divisions.Division{Code: u.code, Name: u.name, ShortName: divisions.ShortName(u.name), Level: u.code.Level(),
			Kind: divisions.KindOf(u.code, u.name), Parent: u.code.Parent(), Population: b.pop[u.code]}
		d.Sources.Attributes = divisions.Real
		d.Sources.Population = b.popProv[u.code]
		return d
	}
	// Province and prefectures.
	byPref := map[divisions.Code][]divisions.Code{}
	var all []divisions.Code
	for _, cc := range b.countyCodes() {
		if _, ok := b.s.shapes[cc]; ok {
			byPref[cc.Parent()] = append(byPref[cc.Parent()], cc)
			all = append(all, cc)
		}
	}
	for _, u := range b.s.province {
		d := mk(u)
		shape, err := b.unionShapes("province "+u.name, all)
		if err != nil {
			return nil, err
		}
		d.Boundary, d.Sources.Geometry = shape, divisions.Derived
		d.Seat, d.HasSeat, d.Sources.Seat = b.s.shapes[all[0]].provC, true, divisions.Real
		divs = append(divs, d)
	}
	for _, u := range b.s.cities {
		d := mk(u)
		if d.Kind != divisions.KindGroup {
			cs := byPref[u.code]
			if len(cs) == 0 {
				return nil, fmt.Errorf("prefecture %s %s has no county polygons", u.code, u.name)
			}
			shape, err := b.unionShapes("prefecture "+u.name, cs)
			if err != nil {
				return nil, err
			}
			d.Boundary, d.Sources.Geometry = shape, divisions.Derived
			d.Seat, d.HasSeat, d.Sources.Seat = b.s.shapes[cs[0]].cityC, true, divisions.Real
		}
		divs = append(divs, d)
	}
	for _, u := range b.s.counties {
		d := mk(u)
		if cs, ok := b.s.shapes[u.code]; ok {
			d.Boundary, d.Sources.Geometry = cs.shape, divisions.Real
			d.Seat, d.HasSeat, d.Sources.Seat = cs.centre, true, divisions.Real
		} else {
			ts := b.byCounty[u.code]
			d.Seat, d.HasSeat, d.Sources.Seat = ts[0].seat, true, divisions.Weakest(divisions.Derived, ts[0].seatProv)
			b.note("county %s %s is a statistical unit: no polygon (its land lies inside %v); its township and village points are placed inside that polygon, its townships have no derived area", u.code, u.name, statisticalHosts[u.code])
		}
		divs = append(divs, d)
	}
	for _, t := range b.towns {
		d := mk(t.unit)
		d.Seat, d.HasSeat, d.Sources.Seat = t.seat, true, t.seatProv
		if t.area != nil {
			d.Boundary, d.Sources.Geometry = t.area, divisions.Derived
		}
		divs = append(divs, d)
	}
	countyFH := map[divisions.Code]float64{}
	for _, cc := range b.countyCodes() {
		countyFH[cc] = 0.72 + 0.22*newRNG("four-have", string(cc)).float()
	}
	for _, v := range b.villages {
		d := mk(v.unit)
		d.URCode = b.s.urCode[v.code]
		d.Seat, d.HasSeat = v.p, true
		d.Sources.Seat = divisions.Generated
		if v.real {
			d.Sources.Seat = divisions.Real
		}
		d.Programme, d.Sources.Programme = programme(v, countyFH[v.town.county]), divisions.Generated
		divs = append(divs, d)
	}
	sort.Slice(divs, func(i, j int) bool { return divs[i].Code < divs[j].Code })
	fs := b.facilities()
	meta := b.meta(divs, fs)
	return &dataset.Dataset{Meta: meta, Divisions: divs, Facilities: fs}, nil
}

// facilities generates the demo registry county by county.
func (b *builder) facilities() []facilities.Facility {
	fp := &facilityPlan{}
	names := map[divisions.Code]string{}
	for _, c := range b.s.counties {
		names[c.code] = c.name
	}
	for _, cc := range b.countyCodes() {
		towns := b.byCounty[cc]
		if cs, ok := b.s.shapes[cc]; ok {
			seatTown := towns[0]
			for _, t := range towns {
				if contains(t.area, cs.centre) {
					seatTown = t
					break
				}
			}
			fp.countyFacilities(names[cc], cc, seatTown, cs.centre)
		}
		share := mutualMin + (mutualMax-mutualMin)*newRNG("mutual-aid-share", string(cc)).float()
		for _, t := range towns {
			area := t.area
			if area == nil {
				area = b.hostShape(cc)
			}
			fp.townFacilities(t, area)
			for _, v := range t.villages {
				fp.villageFacilities(v, b.s.urCode[v.code], area, share)
			}
		}
	}
	for i := range fp.fs {
		fp.fs[i].ID = int64(i + 1)
	}
	return fp.fs
}
