package web

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/web/cql2"
	"github.com/paulmach/orb"
)

// ogcState caches, per snapshot, the OGC collections' items, extents, gap results and tiles.
// A snapshot step hands what the step cannot change to the successor's data (install); a full
// reload starts afresh.
type ogcState struct {
	mu    sync.Mutex // held while the serving snapshot is swapped, so data always follows it
	data  *ogcData
	stats tileStats
}

// ogcData returns the cached collections of the current snapshot, building them on first use.
func (s *Server) ogcData() *ogcData {
	s.ogc.mu.Lock()
	defer s.ogc.mu.Unlock()
	snap := s.current()
	if s.ogc.data == nil || s.ogc.data.snap != snap {
		s.ogc.data = newOGCData(snap)
	}
	return s.ogc.data
}

// install makes next the serving snapshot. When next is a step of the serving snapshot by cs
// (cs nil: a full reload), the OGC data built so far is carried over to next where the step
// cannot have changed it, and so are the encoded answers whose filter no changed facility
// matches (encodedCache.carry).
func (s *Server) install(next *snapshot, cs *store.ChangeSet) {
	s.ogc.mu.Lock()
	defer s.ogc.mu.Unlock()
	d := s.ogc.data
	cur := s.snap.Load()
	s.ogc.mu.Unlock()
	var prep *successorPrep
	if cs != nil && d != nil && cur != nil && d.snap == cur {
		prep = d.prepare(next, cs) // the step is the caller's alone (s.reload): cur stays
	}
	if cs != nil && cur != nil {
		s.encoded.carry(cur, next, facilityChanges(cur.registry, cs))
	}
	s.ogc.mu.Lock()
	switch {
	case s.ogc.data != d || d == nil:
		s.ogc.data = nil // made meanwhile by a reader of cur: built on nothing we carried
	case prep == nil:
		d.retire()
		s.ogc.data = nil
	default:
		s.ogc.data = d.successor(prep, &s.ogc.stats)
	}
	s.snap.Store(next)
}

// retire stops d serving or storing tiles (its snapshot is no longer served).
func (d *ogcData) retire() {
	d.mu.Lock()
	d.tiles = &tileCache{retired: true}
	d.mu.Unlock()
}

// collection sources.
const (
	srcDivisions = iota
	srcFacilities
	srcGaps
)

// ogcCollection is one OGC API collection: the divisions of a level, the facilities of a kind,
// or the uncovered villages of a kind at its default radius.
type ogcCollection struct {
	id, title, description string
	source                 int
	level                  divisions.Level
	kind                   facilities.Kind
	queryables             []queryable
	temporal               string // the date queryable datetime selects on; "" = none
	minZoom                int    // vector tiles: the lowest zoom that carries the layer
}

// queryable is one filterable property with its JSON Schema.
type queryable struct {
	name   string
	typ    cql2.Type
	title  string
	schema map[string]any
}

var levelCollectionIDs = map[divisions.Level]string{divisions.Province: "provinces", divisions.Prefecture: "prefectures",
	divisions.County: "counties", divisions.Township: "townships", divisions.Village: "villages"}

var levelTitlesZH = map[divisions.Level]string{divisions.Province: "省级", divisions.Prefecture: "地级",
	divisions.County: "县级", divisions.Township: "乡级", divisions.Village: "村级"}

// villageMinZoom is the lowest tile zoom carrying village-level points (tens of thousands in a
// province: below it a tile would weigh megabytes).
const villageMinZoom = 9

// gapMinZoom is the lowest tile zoom carrying the uncovered-village layers: eight more copies of
// village points, which would double the heaviest z9 tiles of the "all" tileset (≈ 520 KB).
const gapMinZoom = villageMinZoom + 1

// cgcsNote explains the CRS handling in collection descriptions.
const cgcsNote = "Coordinates are WGS84 (CRS84 by default). EPSG:4490 (CGCS2000) output uses the same numbers: WGS84 and CGCS2000 differ by well under a metre, which is below the accuracy of these data. GCJ-02 is never offered here."

// ogcCollections lists every collection in a fixed order.
func ogcCollections() []*ogcCollection {
	var out []*ogcCollection
	divQ := []queryable{
		{name: "code", typ: cql2.String, title: "12-digit statistical division code"},
		{name: "name", typ: cql2.String, title: "official full name"},
		{name: "short_name", typ: cql2.String, title: "name without the committee suffix"},
		{name: "level", typ: cql2.String, title: "province, prefecture, county, township or village",
			schema: map[string]any{"enum": []string{"province", "prefecture", "county", "township", "village"}}},
		{name: "kind", typ: cql2.String, title: "kind of unit (county, town, village_committee, …)"},
		{name: "parent", typ: cql2.String, title: "12-digit code of the parent unit"},
		{name: "ur_code", typ: cql2.String, title: "urban-rural class code (2016); null where unknown"},
		{name: "population", typ: cql2.Number, title: "resident population (persons)"},
		{name: "age60", typ: cql2.Number, title: "residents aged 60 and over (persons)"},
		{name: "age65", typ: cql2.Number, title: "residents aged 65 and over (persons)"},
		{name: "geometry_provenance", typ: cql2.String, title: "provenance of the geometry"},
		{name: "population_provenance", typ: cql2.String, title: "provenance of the population"},
	}
	for l := divisions.Province; l <= divisions.Village; l++ {
		geomWord := "boundaries where known (county boundaries are real; township, prefecture and province areas are derived and approximate, not legal boundaries), seat points otherwise"
		minZoom := 0
		switch l {
		case divisions.Village:
			geomWord = "points (only some villages have a real point; the others are generated or absent)"
			minZoom = villageMinZoom
		case divisions.Township:
			minZoom = 6
		}
		out = append(out, &ogcCollection{id: levelCollectionIDs[l], source: srcDivisions, level: l,
			title:       fmt.Sprintf("%s行政区划 (%s)", levelTitlesZH[l], l),
			description: fmt.Sprintf("Division units at %s level (statistical codes 2023-06-30): %s. %s %s", l, geomWord, approxNote, cgcsNote),
			queryables:  divQ, minZoom: minZoom})
	}
	facQ := []queryable{
		{name: "id", typ: cql2.Number, title: "facility id"},
		{name: "name", typ: cql2.String, title: "name"},
		{name: "division_code", typ: cql2.String, title: "12-digit code of the village or township it is registered in"},
		{name: "status", typ: cql2.String, title: "planned, building, operating, suspended or closed",
			schema: map[string]any{"enum": []string{"planned", "building", "operating", "suspended", "closed"}}},
		{name: "beds", typ: cql2.Number, title: "beds (0 = not applicable or unknown)"},
		{name: "floor_area_m2", typ: cql2.Number, title: "floor area in square metres (0 = unknown)"},
		{name: "opened", typ: cql2.Date, title: "opening date; null where unknown"},
		{name: "provenance", typ: cql2.String, title: "real, derived, estimated or generated"},
	}
	for _, k := range facilities.Kinds() {
		minZoom := 0 // county-level kinds: about one per county
		switch k.Serves {
		case divisions.Township:
			minZoom = 6
		case divisions.Village:
			minZoom = villageMinZoom
		}
		out = append(out, &ogcCollection{id: string(k.Kind), source: srcFacilities, kind: k.Kind, minZoom: minZoom, temporal: "opened",
			title:       fmt.Sprintf("%s (%s)", k.NameZH, k.Kind),
			description: fmt.Sprintf("Facilities of kind %s (%s), every status; the level it serves is %s. %s", k.Kind, k.NameZH, k.Serves, cgcsNote),
			queryables:  facQ})
	}
	gapQ := []queryable{
		{name: "code", typ: cql2.String, title: "12-digit village code"},
		{name: "name", typ: cql2.String, title: "official full name"},
		{name: "kind", typ: cql2.String, title: "kind of village unit"},
		{name: "rural", typ: cql2.String, title: "rural, urban or unknown (by the 2016 ur_code)"},
		{name: "elderly", typ: cql2.Number, title: "residents aged 60 and over (persons)"},
		{name: "nearest_distance_m", typ: cql2.Number, title: "straight-line geodesic distance to the nearest operating facility of the kind (metres); null when there is none"},
		{name: "provenance", typ: cql2.String, title: "weakest provenance of the inputs"},
	}
	for _, k := range facilities.Kinds() {
		out = append(out, &ogcCollection{id: "uncovered_" + string(k.Kind), source: srcGaps, kind: k.Kind,
			title: fmt.Sprintf("未覆盖村 — %s (uncovered villages, %s)", k.NameZH, k.Kind),
			description: fmt.Sprintf("Village committees not within the default radius of any operating %s (%s), mode radius, elderly = age60; "+
				"villages without a point have a null geometry. Distances are straight-line geodesic. %s", k.Kind, k.NameZH, cgcsNote),
			queryables: gapQ, minZoom: gapMinZoom})
	}
	for _, c := range out {
		for i := range c.queryables {
			q := &c.queryables[i]
			if q.schema == nil {
				q.schema = map[string]any{}
			}
			q.schema["title"] = q.title
			switch q.typ {
			case cql2.Number:
				q.schema["type"] = "number"
			case cql2.Date:
				q.schema["type"] = "string"
				q.schema["format"] = "date"
			default:
				q.schema["type"] = "string"
			}
		}
	}
	return out
}

// ogcItem is one feature of a collection; exactly one of div, fac, gap is set. Geometry is WGS84.
type ogcItem struct {
	id    int64
	geom  orb.Geometry
	bound orb.Bound
	div   *divisions.Division
	fac   *facilities.Facility
	gap   *facilities.VillageResult
	kind  facilities.Kind // gaps: the facility kind
}

// Property implements cql2.Feature: plain values, nil where unknown.
func (it *ogcItem) Property(name string) any {
	switch {
	case it.div != nil:
		d := it.div
		switch name {
		case "code":
			return string(d.Code)
		case "name":
			return d.Name
		case "short_name":
			return d.ShortName
		case "level":
			return d.Level.String()
		case "kind":
			return string(d.Kind)
		case "parent":
			return nilIfEmpty(string(d.Parent))
		case "ur_code":
			return nilIfEmpty(d.URCode)
		case "population":
			return d.Population.Total
		case "age60":
			return d.Population.Age60
		case "age65":
			return d.Population.Age65
		case "geometry_provenance":
			return nilIfEmpty(string(d.Sources.Geometry))
		case "population_provenance":
			return nilIfEmpty(string(d.Sources.Population))
		}
	case it.fac != nil:
		f := it.fac
		switch name {
		case "id":
			return f.ID
		case "kind":
			return string(f.Kind)
		case "name":
			return f.Name
		case "division_code":
			return string(f.DivisionCode)
		case "status":
			return string(f.Status)
		case "beds":
			return int64(f.Beds)
		case "floor_area_m2":
			return f.FloorAreaM2
		case "opened":
			return nilIfEmpty(f.Opened)
		case "provenance":
			return string(f.Provenance)
		}
	case it.gap != nil:
		g := it.gap
		switch name {
		case "code":
			return string(g.Code)
		case "name":
			return g.Name
		case "short_name":
			return g.ShortName
		case "kind":
			return string(g.Kind)
		case "rural":
			return g.Rural
		case "elderly":
			return g.Elderly
		case "nearest_distance_m":
			if g.Nearest == nil {
				return nil
			}
			return g.Nearest.DistanceM
		case "provenance":
			return string(g.Provenance)
		}
	}
	return nil
}

// Geometry implements cql2.Feature (WGS84).
func (it *ogcItem) Geometry() orb.Geometry { return it.geom }

// realNum is a float that always marshals with a decimal point (520 → 520.0), so clients that
// infer field types from the first page (GDAL's OAPIF driver reads 10 features) see a real number.
type realNum float64

// MarshalJSON writes the shortest decimal form, adding ".0" to whole numbers.
func (r realNum) MarshalJSON() ([]byte, error) {
	f := float64(r)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	b := strconv.AppendFloat(nil, f, 'f', -1, 64)
	if !bytes.ContainsAny(b, ".e") {
		b = append(b, '.', '0')
	}
	return b, nil
}

// properties are the item's GeoJSON properties: flat, and typed the same on every item of a
// collection (GDAL builds its schema from the first page).
func (it *ogcItem) properties() map[string]any {
	switch {
	case it.div != nil:
		d := it.div
		p := map[string]any{}
		for _, k := range []string{"code", "name", "short_name", "level", "kind", "parent", "ur_code", "population",
			"age60", "age65", "geometry_provenance", "population_provenance"} {
			p[k] = it.Property(k)
		}
		p["seat_provenance"] = nilIfEmpty(string(d.Sources.Seat))
		return p
	case it.fac != nil:
		f := it.fac
		p := map[string]any{}
		for _, k := range []string{"id", "kind", "name", "division_code", "status", "beds", "floor_area_m2", "opened", "provenance"} {
			p[k] = it.Property(k)
		}
		p["floor_area_m2"] = realNum(f.FloorAreaM2)
		p["renovated_fire_safety"] = f.Renovated.FireSafety.String()
		p["renovated_accessibility"] = f.Renovated.Accessibility.String()
		p["renovated_special_care"] = f.Renovated.SpecialCare.String()
		var plan any
		if f.PlanID != 0 {
			plan = f.PlanID
		}
		p["plan_id"] = plan
		return p
	case it.gap != nil:
		g := it.gap
		p := map[string]any{}
		for _, k := range []string{"code", "name", "short_name", "kind", "rural", "elderly", "nearest_distance_m", "provenance"} {
			p[k] = it.Property(k)
		}
		var nid, nname any
		if g.Nearest != nil {
			nid, nname = g.Nearest.ID, g.Nearest.Name
			p["nearest_distance_m"] = realNum(g.Nearest.DistanceM)
		}
		p["nearest_id"], p["nearest_name"] = nid, nname
		p["facility_kind"] = string(it.kind)
		return p
	}
	return map[string]any{}
}

// ogcData holds the items of every collection of one snapshot, built lazily per collection.
type ogcData struct {
	snap        *snapshot
	collections []*ogcCollection
	byID        map[string]*ogcCollection

	mu    sync.Mutex
	items map[string]*itemSet
	anOne sync.Once
	an    *facilities.Analyzer
	anErr error
	tiles *tileCache // guarded by mu

	flight flight[*cachedTile] // tiles being encoded
	grid   *sharedGrid         // the tree's villages by position (gap splicing), shared along steps
}

// itemSet is the items of one collection sorted by id, with their overall extent.
type itemSet struct {
	once    sync.Once
	items   []ogcItem
	extOnce sync.Once
	extent  orb.Bound // of the items with a geometry; valid only when hasExt (bounds)
	hasExt  bool
	err     error
	ready   atomic.Bool      // items, extent and err are set
	gapQ    facilities.Query // the gap query of an uncovered-villages collection
}

func newOGCData(snap *snapshot) *ogcData {
	d := &ogcData{snap: snap, collections: ogcCollections(), byID: map[string]*ogcCollection{}, items: map[string]*itemSet{},
		grid: &sharedGrid{tree: snap.tree}}
	for _, c := range d.collections {
		d.byID[c.id] = c
	}
	return d
}

// analyzer returns the coverage analyzer over the snapshot (built once).
func (d *ogcData) analyzer() (*facilities.Analyzer, error) {
	d.anOne.Do(func() {
		d.an, d.anErr = d.snap.analyzer, nil
	})
	return d.an, d.anErr
}

// set returns the items of collection c, building them on first use.
func (d *ogcData) set(c *ogcCollection) (*itemSet, error) {
	d.mu.Lock()
	s, ok := d.items[c.id]
	if !ok {
		s = &itemSet{}
		d.items[c.id] = s
	}
	d.mu.Unlock()
	s.once.Do(func() {
		s.items, s.gapQ, s.err = d.build(c)
		s.ready.Store(true)
	})
	return s, s.err
}

// bounds returns the extent of the items with a geometry (ok false when none has one),
// computed on first use.
func (s *itemSet) bounds() (orb.Bound, bool) {
	s.extOnce.Do(func() {
		for i := range s.items {
			if s.items[i].geom == nil {
				continue
			}
			if !s.hasExt {
				s.extent, s.hasExt = s.items[i].bound, true
			} else {
				s.extent = s.extent.Union(s.items[i].bound)
			}
		}
	})
	return s.extent, s.hasExt
}

// finish marks a set made with its items (not built by set) as built.
func (s *itemSet) finish() {
	s.once.Do(func() { s.ready.Store(true) })
}

func (d *ogcData) build(c *ogcCollection) ([]ogcItem, facilities.Query, error) {
	var out []ogcItem
	var gapQ facilities.Query
	add := func(it ogcItem) {
		if it.geom != nil {
			it.bound = it.geom.Bound()
		}
		out = append(out, it)
	}
	switch c.source {
	case srcDivisions:
		for _, dv := range d.snap.tree.All() {
			if dv.Level != c.level {
				continue
			}
			id, err := codeID(dv.Code)
			if err != nil {
				return nil, facilities.Query{}, err
			}
			var g orb.Geometry
			switch {
			case len(dv.Boundary) > 0:
				g = dv.Boundary
			case dv.HasSeat:
				g = dv.Seat
			}
			add(ogcItem{id: id, geom: g, div: dv})
		}
	case srcFacilities:
		d.snap.registry.Each(0, func(f *facilities.Facility) bool {
			if f.Kind == c.kind {
				add(ogcItem{id: f.ID, geom: f.Point, fac: f})
			}
			return true
		})
	case srcGaps:
		an, err := d.analyzer()
		if err != nil {
			return nil, facilities.Query{}, err
		}
		gaps, err := an.Gaps(facilities.Params{Kind: c.kind, Mode: facilities.ModeRadius}, false)
		if err != nil {
			return nil, facilities.Query{}, fmt.Errorf("collection %s: %w", c.id, err)
		}
		gapQ = gaps.Query
		vs := gaps.Villages
		for i := range vs {
			id, err := codeID(vs[i].Code)
			if err != nil {
				return nil, facilities.Query{}, err
			}
			var g orb.Geometry
			if vs[i].HasPoint {
				g = vs[i].Point
			}
			add(ogcItem{id: id, geom: g, gap: &vs[i], kind: c.kind})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	}
	return out, gapQ, nil
}

// codeID is the stable integer feature id of a division: its 12-digit code as a number.
func codeID(c divisions.Code) (int64, error) {
	var v int64
	if len(c) != 12 {
		return 0, fmt.Errorf("division code %q is not 12 digits", c)
	}
	for _, r := range string(c) {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("division code %q is not numeric", c)
		}
		v = v*10 + int64(r-'0')
	}
	return v, nil
}

// queryableTypes maps a collection's queryables (and "geometry") to CQL2 types.
func (c *ogcCollection) queryableTypes() cql2.Queryables {
	q := cql2.Queryables{"geometry": cql2.Geometry}
	for _, x := range c.queryables {
		q[x.name] = x.typ
	}
	return q
}

// isQueryable reports whether name is one of c's queryables.
func (c *ogcCollection) queryable(name string) (queryable, bool) {
	for _, x := range c.queryables {
		if x.name == name {
			return x, true
		}
	}
	return queryable{}, false
}

// geometryType is the GeoJSON geometry type word for the collection's schema.
func (c *ogcCollection) geometryType() string {
	if c.source != srcDivisions || c.level == divisions.Village {
		return "Point"
	}
	return "Geometry"
}

func (c *ogcCollection) String() string { return strings.TrimSpace(c.id) }
