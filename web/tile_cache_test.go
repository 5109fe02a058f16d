package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// denseBoxes are the two 0.2° boxes (one per township of testDataset's county) where
// denseDataset puts its villages and facilities: dense enough that the 1 km mutual-aid radius
// covers some villages and a move changes coverage, nearest distances and several tiles.
var denseBoxes = [2]orb.Bound{
	{Min: orb.Point{110.2, 31.4}, Max: orb.Point{110.4, 31.6}},
	{Min: orb.Point{110.6, 31.4}, Max: orb.Point{110.8, 31.6}},
}

// denseKinds are the facility kinds denseDataset and the writes use.
var denseKinds = []facilities.Kind{facilities.WelfareHome, facilities.MutualAidElderly, facilities.CommunityServiceCenter}

// denseDataset is testDataset's province, prefecture and county with eight townships of
// 0.1° × 0.1° (four in each dense box) of 25 villages each, and 40 facilities in the dense
// boxes, deterministic by seed. Small townships make the gap lists' per-township recomputation
// (spliceGaps) matter: a change near a township's edge reaches into its neighbours.
func denseDataset(seed int64) *dataset.Dataset {
	rng := rand.New(rand.NewSource(seed))
	ds := testDataset()
	var divs []divisions.Division
	for _, d := range ds.Divisions {
		if d.Level < divisions.Township {
			divs = append(divs, d)
		}
	}
	src := divisions.Sources{Attributes: divisions.Real, Seat: divisions.Real, Population: divisions.Estimated}
	ti := 0
	for _, box := range denseBoxes {
		for cx := 0; cx < 2; cx++ {
			for cy := 0; cy < 2; cy++ {
				x0, y0 := box.Min[0]+0.1*float64(cx), box.Min[1]+0.1*float64(cy)
				cell := orb.Bound{Min: orb.Point{x0, y0}, Max: orb.Point{x0 + 0.1, y0 + 0.1}}
				town := divisions.MustCode(fmt.Sprintf("420526%03d", 100+ti))
				tname := fmt.Sprintf("测试%d镇", ti)
				ts := divisions.Division{Code: town, Name: tname, ShortName: tname, Level: divisions.Township, Kind: divisions.KindOf(town, tname),
					Parent: town.Parent(), Seat: cell.Center(), HasSeat: true, Boundary: square(x0, y0, x0+0.1, y0+0.1), Sources: src}
				ts.Sources.Geometry = divisions.Derived
				var pop divisions.Population
				for i := 0; i < 25; i++ {
					code := divisions.MustCode(fmt.Sprintf("%s%03d", town.Short(), 201+i))
					name := fmt.Sprintf("测试%d村村民委员会", ti*100+i)
					total := int64(200 + rng.Intn(1800))
					p := divisions.Population{Total: total, Age60: total / 4, Age65: total / 5}
					pop.Total, pop.Age60, pop.Age65 = pop.Total+p.Total, pop.Age60+p.Age60, pop.Age65+p.Age65
					divs = append(divs, divisions.Division{Code: code, Name: name, ShortName: divisions.ShortName(name), Level: divisions.Village,
						Kind: divisions.KindOf(code, name), Parent: town, Seat: randIn(rng, cell), HasSeat: true, URCode: "220",
						Population: p, Sources: src})
				}
				ts.Population = pop
				divs = append(divs, ts)
				ti++
			}
		}
	}
	ds.Divisions = divs
	ds.Facilities = nil
	for id := int64(1); id <= 40; id++ {
		st := facilities.StatusOperating
		if rng.Intn(4) == 0 {
			st = facilities.StatusPlanned
		}
		p, div := densePoint(rng)
		ds.Facilities = append(ds.Facilities, facilities.Facility{ID: id, Kind: denseKinds[rng.Intn(len(denseKinds))],
			Name: fmt.Sprintf("设施%d", id), DivisionCode: divisions.MustCode(div), Point: p, Status: st, Beds: rng.Intn(50),
			Provenance: divisions.Generated})
	}
	return ds
}

// densePoint is a random point in the dense boxes and the code of a village of the township
// there.
func densePoint(rng *rand.Rand) (orb.Point, string) {
	bi := rng.Intn(2)
	p := randIn(rng, denseBoxes[bi])
	cx := min(1, int((p[0]-denseBoxes[bi].Min[0])/0.1))
	cy := min(1, int((p[1]-denseBoxes[bi].Min[1])/0.1))
	return p, fmt.Sprintf("420526%03d%03d", 100+bi*4+cx*2+cy, 201+rng.Intn(25))
}

func randIn(rng *rand.Rand, b orb.Bound) orb.Point {
	return orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
}

// tileAddr is one tile of one tileset.
type tileAddr struct {
	name string
	t    maptile.Tile
}

func (a tileAddr) path() string {
	return fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", a.name, a.t.Z, a.t.X, a.t.Y)
}

// denseTiles are the tiles the property test keeps cached: every tile over the dense boxes at
// zooms 5–11 for each tileset, and a random sample at 12–14 (where tiles carry nearest
// distances and names).
func denseTiles(rng *rand.Rand) []tileAddr {
	sets := []string{"all", "welfare_home", "mutual_aid_elderly", "community_service_center", "uncovered_mutual_aid_elderly",
		"uncovered_welfare_home", "townships", "villages"}
	var out []tileAddr
	for _, b := range denseBoxes {
		for z := maptile.Zoom(5); z <= 14; z++ {
			lo, hi := maptile.At(orb.Point{b.Min[0], b.Max[1]}, z), maptile.At(orb.Point{b.Max[0], b.Min[1]}, z)
			for x := lo.X; x <= hi.X; x++ {
				for y := lo.Y; y <= hi.Y; y++ {
					for _, s := range sets {
						if z >= 12 && rng.Intn(40) != 0 {
							continue
						}
						out = append(out, tileAddr{s, maptile.New(x, y, z)})
					}
				}
			}
		}
	}
	return out
}

// densePages are OGC items pages of every collection the writes can touch, and some they cannot.
func densePages() []string {
	var out []string
	for _, id := range []string{"welfare_home", "mutual_aid_elderly", "community_service_center", "uncovered_mutual_aid_elderly",
		"uncovered_welfare_home", "uncovered_community_service_center", "villages", "townships"} {
		out = append(out, "/ogc/collections/"+id+"/items?limit=30",
			"/ogc/collections/"+id+"/items?bbox=110.2,31.4,110.4,31.6&limit=200")
	}
	return out
}

// timeStampRE matches an items page's timeStamp (the time its snapshot was built).
var timeStampRE = regexp.MustCompile(`"timeStamp":"[^"]*"`)

// mvtFeatures is a tile decoded into a comparable text: every layer with its features' ids,
// geometries (tile coordinates) and properties, in order.
func mvtFeatures(t *testing.T, b []byte) string {
	t.Helper()
	if len(b) == 0 {
		return "(empty)"
	}
	layers, err := mvt.Unmarshal(b)
	if err != nil {
		t.Fatalf("tile does not decode: %v", err)
	}
	var sb strings.Builder
	for _, l := range layers {
		fmt.Fprintf(&sb, "layer %s v%d extent %d\n", l.Name, l.Version, l.Extent)
		for _, f := range l.Features {
			j, _ := json.Marshal(f)
			sb.Write(j)
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

// freshPeer serves st from a new server (nothing cached) with every cache off.
func freshPeer(t *testing.T, st store.Handle) *httptest.Server {
	t.Helper()
	srv, err := New(st, Config{OpenReads: true, RatePerSec: -1, AnswerCacheBytes: -1}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return httptest.NewServer(srv.Handler())
}

// Random facility writes (create, move, change of kind, change of status, delete) against a
// served snapshot whose tiles and OGC items pages are all cached: after every write, every tile
// and page the server answers (most from the carried-over cache) equals what a server started
// fresh on the same store answers — tiles byte for byte (and as the tile encoded in one piece
// rather than layer by layer) and as decoded features, pages byte for byte apart from their
// timeStamp — and a tile's ETag is the same as before the write exactly
// when its bytes are.
func TestCachedTilesAndPagesMatchFreshServerAcrossWrites(t *testing.T) {
	seed := int64(20261206)
	rng := rand.New(rand.NewSource(seed))
	e := serveDataset(t, denseDataset(seed), Config{OpenReads: true, RatePerSec: -1})
	tok, _, _ := e.store.CreateToken(context.Background(), "p", store.RolePlanner)
	auth := []string{"Authorization", "Bearer " + tok}
	tiles := denseTiles(rng)
	pages := densePages()
	t.Logf("seed %d: %d tiles, %d pages", seed, len(tiles), len(pages))

	type seen struct {
		body []byte
		etag string
	}
	last := map[string]seen{}
	live := []int64{}
	for id := int64(1); id <= 40; id++ {
		live = append(live, id)
	}
	point := func() (orb.Point, string) { return densePoint(rng) }
	stats := &e.srv.ogc.stats
	carried := int64(0)
	const steps = 24
	for step := 0; step <= steps; step++ {
		what := "initial state"
		carried0 := stats.carried.Load()
		if step > 0 {
			// one random write
			var code int
			var m map[string]any
			i := rng.Intn(len(live))
			id := live[i]
			switch op := rng.Intn(6); op {
			case 0:
				p, div := point()
				k := denseKinds[rng.Intn(len(denseKinds))]
				what = fmt.Sprintf("create %s at %v", k, p)
				var h map[string][]string
				code, h, m = e.do(t, "POST", "/api/v1/facilities", fmt.Sprintf(`{"kind":%q,"name":"新点%d","division_code":%q,"lon":%v,"lat":%v}`,
					k, step, div, p[0], p[1]), auth...)
				if code == 201 {
					var nid int64
					fmt.Sscan(strings.TrimPrefix(h["Location"][0], "/api/v1/facilities/"), &nid)
					live = append(live, nid)
				}
			case 1, 2:
				p, div := point()
				what = fmt.Sprintf("move %d to %v", id, p)
				code, _, m = e.do(t, "PATCH", fmt.Sprintf("/api/v1/facilities/%d", id), fmt.Sprintf(`{"lon":%v,"lat":%v,"division_code":%q}`, p[0], p[1], div),
					append(auth, "If-Match", e.etagOf(t, id))...)
			case 3:
				k := denseKinds[rng.Intn(len(denseKinds))]
				what = fmt.Sprintf("kind of %d to %s", id, k)
				code, _, m = e.do(t, "PATCH", fmt.Sprintf("/api/v1/facilities/%d", id), fmt.Sprintf(`{"kind":%q}`, k),
					append(auth, "If-Match", e.etagOf(t, id))...)
			case 4:
				st := []string{"operating", "planned", "closed"}[rng.Intn(3)]
				what = fmt.Sprintf("status of %d to %s, beds", id, st)
				code, _, m = e.do(t, "PATCH", fmt.Sprintf("/api/v1/facilities/%d", id), fmt.Sprintf(`{"status":%q,"beds":%d}`, st, rng.Intn(80)),
					append(auth, "If-Match", e.etagOf(t, id))...)
			case 5:
				what = fmt.Sprintf("delete %d", id)
				code, _, m = e.do(t, "DELETE", fmt.Sprintf("/api/v1/facilities/%d", id), "", append(auth, "If-Match", e.etagOf(t, id))...)
				if code == 204 {
					live = append(live[:i], live[i+1:]...)
				}
			}
			if code != 200 && code != 201 && code != 204 {
				t.Fatalf("step %d (%s): %d %v", step, what, code, m)
			}
		}
		hits0 := stats.hits.Load()
		fresh := freshPeer(t, e.store)
		whole := newOGCData(e.srv.current()) // encodes each tile in one piece: the reference
		for ti, a := range tiles {
			_, h, got := raw(t, e.ts, "GET", a.path())
			_, _, want := raw(t, fresh, "GET", a.path())
			ref, _, err := whole.encodeTile(a.name, a.t)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ref, want) {
				t.Errorf("step %d (%s): %s: the fresh server's tile (layer by layer) differs from the tile encoded in one piece", step, what, a.path())
			}
			if !bytes.Equal(got, want) {
				t.Errorf("step %d (%s): %s differs from a fresh server's:\n got %s\nwant %s", step, what, a.path(), mvtFeatures(t, got), mvtFeatures(t, want))
			} else if gf, wf := mvtFeatures(t, got), mvtFeatures(t, want); gf != wf {
				t.Errorf("step %d (%s): %s decodes differently", step, what, a.path())
			}
			if prev, ok := last[a.path()]; ok && (prev.etag == h.Get("ETag")) != bytes.Equal(prev.body, got) {
				t.Errorf("step %d (%s): %s ETag %s → %s while the bytes changed: %v", step, what, a.path(), prev.etag, h.Get("ETag"), !bytes.Equal(prev.body, got))
			}
			last[a.path()] = seen{got, h.Get("ETag")}
			if len(got) > 0 && ti%8 == step%8 { // the gzip form: the same tile, its own ETag
				_, hz, gz := raw(t, e.ts, "GET", a.path(), "Accept-Encoding", "gzip")
				if hz.Get("Content-Encoding") != "gzip" || !bytes.Equal(gunzip(t, gz), got) || hz.Get("ETag") != strings.TrimSuffix(h.Get("ETag"), `"`)+`-gzip"` {
					t.Errorf("step %d: %s gzipped: Content-Encoding %q, ETag %s (plain %s), same tile %v", step, a.path(), hz.Get("Content-Encoding"), hz.Get("ETag"), h.Get("ETag"), bytes.Equal(gunzip(t, gz), got))
				}
			}
		}
		for _, p := range pages {
			code, _, got := raw(t, e.ts, "GET", p)
			_, _, want := raw(t, fresh, "GET", p)
			got, want = timeStampRE.ReplaceAll(got, nil), timeStampRE.ReplaceAll(want, nil)
			if code != 200 || !bytes.Equal(got, want) {
				t.Errorf("step %d (%s): %s: %d, differs from a fresh server's:\n got %.300s\nwant %.300s", step, what, p, code, got, want)
			}
		}
		fresh.Close()
		if step > 0 {
			carried += stats.carried.Load() - carried0
			t.Logf("step %d (%s): %d of %d tiles served from the cache", step, what, stats.hits.Load()-hits0, len(tiles))
		}
		if t.Failed() {
			t.FailNow()
		}
	}
	// The test means something only if tiles were carried across writes (dropping every tile at
	// every write would pass the comparisons above).
	if carried < int64(steps*len(tiles)/4) {
		t.Errorf("only %d tiles carried over %d writes of %d cached tiles", carried, steps, len(tiles))
	}
}

// A write to one facility kind keeps the cached tiles and items pages of the other kinds (cache
// hits, counted), keeps a tile of its own kind away from the change (304 on its old ETag), and
// changes the ETag of the tile where the change lies; a write back to the earlier state brings
// back the earlier bytes and ETag.
func TestTileCacheKeepsOtherKindsAcrossWrite(t *testing.T) {
	e := serveDataset(t, denseDataset(7), Config{OpenReads: true, RatePerSec: -1})
	tok, _, _ := e.store.CreateToken(context.Background(), "p", store.RolePlanner)
	auth := []string{"Authorization", "Bearer " + tok}
	reg := e.srv.current().registry
	var welfare, mutual *facilities.Facility
	for _, f := range reg.All() {
		f := f
		switch {
		case f.Kind == facilities.WelfareHome && welfare == nil:
			welfare = &f
		case f.Kind == facilities.MutualAidElderly && mutual == nil:
			mutual = &f
		}
	}
	if welfare == nil || mutual == nil {
		t.Fatal("dataset lacks a welfare home or a mutual-aid site")
	}
	// The welfare_home tiles of every zoom over both boxes, the mutual-aid site's own z14 tile,
	// and a z14 mutual-aid tile far from the site (in the other box).
	var kept []string
	for _, b := range denseBoxes {
		for z := maptile.Zoom(6); z <= 11; z++ {
			lo, hi := maptile.At(orb.Point{b.Min[0], b.Max[1]}, z), maptile.At(orb.Point{b.Max[0], b.Min[1]}, z)
			for x := lo.X; x <= hi.X; x++ {
				for y := lo.Y; y <= hi.Y; y++ {
					kept = append(kept, tileAddr{"welfare_home", maptile.New(x, y, z)}.path())
				}
			}
		}
	}
	kept = append(kept, "/ogc/collections/welfare_home/items?limit=50", "/ogc/collections/townships/items")
	own := tileAddr{"mutual_aid_elderly", maptile.At(mutual.Point, 14)}.path()
	farPt := orb.Point{denseBoxes[0].Min[0] + 0.001, denseBoxes[0].Min[1] + 0.001}
	if mutual.Point[0] < 110.5 {
		farPt = orb.Point{denseBoxes[1].Max[0] - 0.001, denseBoxes[1].Max[1] - 0.001}
	}
	far := tileAddr{"mutual_aid_elderly", maptile.At(farPt, 14)}.path()
	etags := map[string]string{}
	for _, p := range append(append([]string{}, kept...), own, far) {
		code, h, _ := raw(t, e.ts, "GET", p)
		if code != 200 && code != 204 {
			t.Fatalf("%s: %d", p, code)
		}
		etags[p] = h.Get("ETag")
	}
	_, _, ownBefore := raw(t, e.ts, "GET", own)

	// PATCH the mutual-aid site's beds: its tile changes, nothing of the welfare homes does.
	oldBeds := mutual.Beds
	patch := func(beds int) {
		t.Helper()
		if code, _, m := e.do(t, "PATCH", fmt.Sprintf("/api/v1/facilities/%d", mutual.ID), fmt.Sprintf(`{"beds":%d}`, beds),
			append(auth, "If-Match", e.etagOf(t, mutual.ID))...); code != 200 {
			t.Fatalf("patch: %d %v", code, m)
		}
	}
	patch(oldBeds + 7)
	tileHits0, memoHits0 := e.srv.ogc.stats.hits.Load(), memoHits(t, e)
	tilesKept := 0
	for _, p := range kept {
		code, _, b := raw(t, e.ts, "GET", p, "If-None-Match", etags[p])
		if code != 304 || len(b) != 0 {
			t.Errorf("%s after a mutual-aid write: %d with %d bytes, want 304", p, code, len(b))
		}
		if strings.HasPrefix(p, "/tiles/") {
			tilesKept++
		}
	}
	if got := e.srv.ogc.stats.hits.Load() - tileHits0; got != int64(tilesKept) {
		t.Errorf("a mutual-aid write: %d of the %d welfare-home tiles were cache hits", got, tilesKept)
	}
	if got := memoHits(t, e) - memoHits0; got != 2 {
		t.Errorf("a mutual-aid write: %d of the 2 welfare-home and township items pages were cache hits", got)
	}
	if code, _, _ := raw(t, e.ts, "GET", far, "If-None-Match", etags[far]); code != 304 {
		t.Errorf("a mutual-aid tile far from the write: %d on its old ETag, want 304", code)
	}
	code, h, b := raw(t, e.ts, "GET", own, "If-None-Match", etags[own])
	if code != 200 || h.Get("ETag") == etags[own] || bytes.Equal(b, ownBefore) {
		t.Errorf("the written site's tile: %d, ETag %s (before %s)", code, h.Get("ETag"), etags[own])
	}
	if !strings.Contains(mvtFeatures(t, b), fmt.Sprintf(`"beds":%d`, oldBeds+7)) {
		t.Errorf("the written site's tile lacks the new beds: %s", mvtFeatures(t, b))
	}
	// Back to the old beds: the old bytes, so the old ETag again.
	patch(oldBeds)
	_, h, b = raw(t, e.ts, "GET", own)
	if h.Get("ETag") != etags[own] || !bytes.Equal(b, ownBefore) {
		t.Errorf("the tile back at the old state: ETag %s, want %s; bytes equal %v", h.Get("ETag"), etags[own], bytes.Equal(b, ownBefore))
	}
	// A welfare-home write now drops a welfare-home tile under it and counts it dropped.
	dropped0 := e.srv.ogc.stats.dropped.Load()
	if code, _, m := e.do(t, "PATCH", fmt.Sprintf("/api/v1/facilities/%d", welfare.ID), `{"name":"改名敬老院"}`,
		append(auth, "If-Match", e.etagOf(t, welfare.ID))...); code != 200 {
		t.Fatalf("patch welfare home: %d %v", code, m)
	}
	if e.srv.ogc.stats.dropped.Load() == dropped0 {
		t.Error("a welfare-home rename dropped no cached tile")
	}
}

// memoHits is the encoded-answer cache's hit count (Prometheus counter).
func memoHits(t *testing.T, e *testEnv) int64 {
	t.Helper()
	mfs, err := e.srv.metrics.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "civplan_answer_cache_lookups_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == "hit" {
					return int64(m.GetCounter().GetValue())
				}
			}
		}
	}
	return 0
}

// After each of many random facility writes — positions near township edges, where a change
// reaches into the next township — every item list the server carried or spliced over the step
// (facilities, and uncovered villages recomputed only where the change reaches) equals the list
// built from scratch on the new snapshot.
func TestSplicedItemListsEqualFullBuild(t *testing.T) {
	seed := int64(99)
	rng := rand.New(rand.NewSource(seed))
	e := serveDataset(t, denseDataset(seed), Config{OpenReads: true, RatePerSec: -1})
	tok, _, _ := e.store.CreateToken(context.Background(), "p", store.RolePlanner)
	auth := []string{"Authorization", "Bearer " + tok}
	edgePoint := func() (orb.Point, string) {
		p, div := densePoint(rng)
		// pull x to within ±1.2 km (≈ 0.013°) of the township edge at the middle of its box
		bi := 0
		if p[0] > 110.5 {
			bi = 1
		}
		p[0] = denseBoxes[bi].Min[0] + 0.1 + (rng.Float64()*2-1)*0.013
		cx := 0
		if p[0] >= denseBoxes[bi].Min[0]+0.1 {
			cx = 1
		}
		cy := min(1, int((p[1]-denseBoxes[bi].Min[1])/0.1))
		return p, fmt.Sprintf("420526%03d%s", 100+bi*4+cx*2+cy, div[9:])
	}
	live := []int64{}
	for id := int64(1); id <= 40; id++ {
		live = append(live, id)
	}
	spliced := 0
	for step := 0; step < 120; step++ {
		d := e.srv.ogcData()
		for _, col := range d.collections {
			if col.source != srcDivisions {
				if _, err := d.set(col); err != nil {
					t.Fatal(err)
				}
			}
		}
		i := rng.Intn(len(live))
		id := live[i]
		p, div := edgePoint()
		k := denseKinds[rng.Intn(len(denseKinds))]
		var what string
		var code int
		var m map[string]any
		switch rng.Intn(4) {
		case 0:
			what = fmt.Sprintf("create %s at %v", k, p)
			var h map[string][]string
			code, h, m = e.do(t, "POST", "/api/v1/facilities", fmt.Sprintf(`{"kind":%q,"name":"边点%d","division_code":%q,"lon":%v,"lat":%v}`, k, step, div, p[0], p[1]), auth...)
			if code == 201 {
				var nid int64
				fmt.Sscan(strings.TrimPrefix(h["Location"][0], "/api/v1/facilities/"), &nid)
				live = append(live, nid)
			}
		case 1:
			what = fmt.Sprintf("move %d to %v as %s", id, p, k)
			code, _, m = e.do(t, "PATCH", fmt.Sprintf("/api/v1/facilities/%d", id), fmt.Sprintf(`{"lon":%v,"lat":%v,"division_code":%q,"kind":%q}`, p[0], p[1], div, k),
				append(auth, "If-Match", e.etagOf(t, id))...)
		case 2:
			st := []string{"operating", "planned", "closed"}[rng.Intn(3)]
			what = fmt.Sprintf("status of %d to %s, name", id, st)
			code, _, m = e.do(t, "PATCH", fmt.Sprintf("/api/v1/facilities/%d", id), fmt.Sprintf(`{"status":%q,"name":"改%d"}`, st, step),
				append(auth, "If-Match", e.etagOf(t, id))...)
		case 3:
			what = fmt.Sprintf("delete %d", id)
			code, _, m = e.do(t, "DELETE", fmt.Sprintf("/api/v1/facilities/%d", id), "", append(auth, "If-Match", e.etagOf(t, id))...)
			if code == 204 {
				live = append(live[:i], live[i+1:]...)
			}
		}
		if code != 200 && code != 201 && code != 204 {
			t.Fatalf("step %d (%s): %d %v", step, what, code, m)
		}
		nd := e.srv.ogcData()
		fresh := newOGCData(nd.snap)
		for _, col := range nd.collections {
			if col.source == srcDivisions {
				continue
			}
			nd.mu.Lock()
			got := nd.items[col.id]
			nd.mu.Unlock()
			if got == nil {
				continue // dropped: rebuilt from scratch when asked
			}
			if col.source == srcGaps {
				spliced++
			}
			want, err := fresh.set(col)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := itemsText(got.items), itemsText(want.items); g != w {
				t.Fatalf("step %d (%s): collection %s carried/spliced differs from a full build:\n got %s\nwant %s", step, what, col.id, g, w)
			}
			if ge, gok := got.bounds(); true {
				if we, wok := want.bounds(); ge != we || gok != wok {
					t.Errorf("step %d (%s): collection %s extent %v, want %v", step, what, col.id, ge, we)
				}
			}
		}
	}
	if spliced < 100 {
		t.Errorf("only %d uncovered-village lists carried or spliced over 120 writes", spliced)
	}
}

// itemsText is an item list as comparable text: id, geometry and every property, in order.
func itemsText(items []ogcItem) string {
	var sb strings.Builder
	for i := range items {
		it := &items[i]
		j, _ := json.Marshal(it.properties())
		fmt.Fprintf(&sb, "%d %v %s\n", it.id, it.geom, j)
	}
	return sb.String()
}

// A facility write outside an answer's filter (division, bounding box, kind) keeps the encoded
// answer (a cache hit, and the answer a fresh server gives); a write inside it does not.
func TestFilteredAnswersKeptAcrossWritesOutsideThem(t *testing.T) {
	e := serveDataset(t, denseDataset(5), Config{OpenReads: true, RatePerSec: -1})
	tok, _, _ := e.store.CreateToken(context.Background(), "p", store.RolePlanner)
	auth := []string{"Authorization", "Bearer " + tok}
	paths := []string{
		"/api/v1/facilities?division=420526100",                                       // township 0, in the west box
		"/api/v1/facilities?bbox=110.2,31.4,110.4,31.6",                               // the west box
		"/ogc/collections/mutual_aid_elderly/items?bbox=110.2,31.4,110.4,31.6",        // the west box, one kind
		"/ogc/collections/welfare_home/items?bbox=110.2,31.4,110.4,31.6&limit=5",      // another kind
		"/api/v1/facilities?kind=mutual_aid_elderly&division=420526100&status=closed", // a status no write below gives
	}
	check := func(what string, wantHits int) {
		t.Helper()
		for _, p := range paths { // warm: each answer cached
			raw(t, e.ts, "GET", p)
		}
		h0 := memoHits(t, e)
		fresh := freshPeer(t, e.store)
		defer fresh.Close()
		for _, p := range paths {
			_, _, got := raw(t, e.ts, "GET", p)
			_, _, want := raw(t, fresh, "GET", p)
			if !bytes.Equal(timeStampRE.ReplaceAll(got, nil), timeStampRE.ReplaceAll(want, nil)) {
				t.Errorf("%s: %s differs from a fresh server's", what, p)
			}
		}
		if got := memoHits(t, e) - h0; got != int64(wantHits) {
			t.Errorf("%s: %d of %d answers were cache hits, want %d", what, got, len(paths), wantHits)
		}
	}
	check("before any write", len(paths))
	create := func(p orb.Point, div string) {
		t.Helper()
		for _, path := range paths { // cached at the snapshot before the write
			raw(t, e.ts, "GET", path)
		}
		if code, _, m := e.do(t, "POST", "/api/v1/facilities", fmt.Sprintf(`{"kind":"mutual_aid_elderly","name":"新点","division_code":%q,"lon":%v,"lat":%v}`,
			div, p[0], p[1]), auth...); code != 201 {
			t.Fatalf("create: %d %v", code, m)
		}
	}
	// A mutual-aid site in the east box: outside every filter above.
	create(orb.Point{110.75, 31.45}, "420526106201")
	h0 := memoHits(t, e)
	for _, p := range paths {
		raw(t, e.ts, "GET", p)
	}
	if got := memoHits(t, e) - h0; got != int64(len(paths)) {
		t.Errorf("a write in the east box: %d of %d west-box answers kept, want all", got, len(paths))
	}
	check("after a write in the east box", len(paths))
	// One in township 0 of the west box: the first three answers change; the welfare-home page
	// and the closed-status page stay.
	create(orb.Point{110.25, 31.45}, "420526100201")
	h0 = memoHits(t, e)
	fresh := freshPeer(t, e.store)
	defer fresh.Close()
	for i, p := range paths {
		_, _, got := raw(t, e.ts, "GET", p)
		_, _, want := raw(t, fresh, "GET", p)
		if !bytes.Equal(timeStampRE.ReplaceAll(got, nil), timeStampRE.ReplaceAll(want, nil)) {
			t.Errorf("after a write in township 0: %s differs from a fresh server's", p)
		}
		if i < 3 && !bytes.Contains(got, []byte("新点")) {
			t.Errorf("after a write in township 0: %s lacks the new site", p)
		}
	}
	if got := memoHits(t, e) - h0; got != 2 {
		t.Errorf("a write in township 0: %d answers were cache hits, want 2 (welfare homes, closed sites)", got)
	}
}
