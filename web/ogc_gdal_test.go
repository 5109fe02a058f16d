package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/formats"
	"github.com/civplan/civplan/divisions"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"
)

// ensureGDAL makes ogrinfo and ogr2ogr available, installing gdal-bin with apt-get when missing.
func ensureGDAL(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("ogrinfo"); err == nil {
		return
	}
	t.Log("ogrinfo missing: installing gdal-bin")
	if out, err := exec.Command("apt-get", "install", "-y", "-o", "DPkg::Lock::Timeout=600", "--no-install-recommends", "gdal-bin").CombinedOutput(); err != nil {
		upd, _ := exec.Command("apt-get", "update").CombinedOutput()
		if out2, err2 := exec.Command("apt-get", "install", "-y", "-o", "DPkg::Lock::Timeout=600", "--no-install-recommends", "gdal-bin").CombinedOutput(); err2 != nil {
			t.Fatalf("cannot install gdal-bin: %v\n%s\n%s\n%s", err2, out, upd, out2)
		}
	}
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		t.Fatal("gdal-bin installed but ogrinfo is still missing")
	}
}

// gdal runs a GDAL command and returns its combined output, failing the test on error.
func gdal(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "GDAL_HTTP_TIMEOUT=60", "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost", "CPL_DEBUG=OFF")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

var featureCountRE = regexp.MustCompile(`(?m)^Feature Count: (-?\d+)`)
var layerNameRE = regexp.MustCompile(`(?m)^Layer name: (\S+)`)

// ogrCounts parses `ogrinfo -so -al` output into layer → feature count.
func ogrCounts(t *testing.T, out string) map[string]int {
	t.Helper()
	names := layerNameRE.FindAllStringSubmatch(out, -1)
	counts := featureCountRE.FindAllStringSubmatch(out, -1)
	if len(names) != len(counts) {
		t.Fatalf("cannot pair layers and counts in:\n%s", out)
	}
	m := map[string]int{}
	for i := range names {
		n, _ := strconv.Atoi(counts[i][1])
		m[names[i][1]] = n
	}
	return m
}

// hubeiEnv serves the embedded Hubei dataset.
func hubeiEnv(t testing.TB) (*dataset.Dataset, *Server, *httptest.Server) {
	t.Helper()
	ds, err := dataset.EmbeddedHubei()
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Divisions) < 1000 {
		t.Fatalf("the embedded dataset holds only %d divisions", len(ds.Divisions))
	}
	e := serveDataset(t, ds, Config{OpenReads: true})
	return ds, e.srv, e.ts
}

func numberMatched(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m struct{ NumberMatched int }
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m.NumberMatched
}

// TestGDALReadsOGCAndTiles runs GDAL's own clients against the server on the Hubei data: the
// OAPIF driver lists and copies collections (paging through next links), and the MVT driver reads
// the vector tiles. Counts are compared with numberMatched and with counts made here from the
// dataset itself.
func TestGDALReadsOGCAndTiles(t *testing.T) {
	if testing.Short() {
		t.Skip("GDAL client test: skipped with -short")
	}
	ensureGDAL(t)
	start := time.Now()
	ds, srv, ts := hubeiEnv(t)
	t.Logf("Hubei served in %v", time.Since(start))
	root := "OAPIF:" + ts.URL + "/ogc"
	dir := t.TempDir()

	t.Run("ogrinfo lists every collection", func(t *testing.T) {
		out := gdal(t, "ogrinfo", "-ro", "-q", root)
		for _, c := range srv.ogcData().collections {
			if !regexp.MustCompile(`(?m)^\d+: ` + regexp.QuoteMeta(c.id) + `\b`).MatchString(out) {
				t.Errorf("ogrinfo does not list %s:\n%s", c.id, out)
			}
		}
	})

	// Direct counts from the dataset, independent of the server.
	villagesIn := func(b *orb.Bound) int {
		n := 0
		for i := range ds.Divisions {
			d := &ds.Divisions[i]
			if d.Code.Level() == divisions.Village && (b == nil || (d.HasSeat && b.Contains(d.Seat))) {
				n++
			}
		}
		return n
	}
	facilitiesIn := func(kind string, b *orb.Bound) int {
		n := 0
		for _, f := range ds.Facilities {
			if string(f.Kind) == kind && (b == nil || b.Contains(f.Point)) {
				n++
			}
		}
		return n
	}
	// A box around 宜昌 (about 300 villages) for -spat.
	spat := orb.Bound{Min: orb.Point{111.0, 30.5}, Max: orb.Point{111.5, 30.9}}
	tests := []struct {
		layer    string
		pageSize int
		spat     *orb.Bound
		direct   int
	}{
		{"villages", 2500, nil, villagesIn(nil)},
		{"villages", 50, &spat, villagesIn(&spat)},
		{"welfare_home", 40, nil, facilitiesIn("welfare_home", nil)},
		{"welfare_home", 3, &spat, facilitiesIn("welfare_home", &spat)},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("ogr2ogr %s page %d spat %v", tt.layer, tt.pageSize, tt.spat != nil)
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(dir, fmt.Sprintf("%s_%d.gpkg", tt.layer, tt.pageSize))
			args := []string{"-f", "GPKG", out, root, tt.layer, "-oo", "PAGE_SIZE=" + strconv.Itoa(tt.pageSize)}
			url := ts.URL + "/ogc/collections/" + tt.layer + "/items?limit=1"
			if tt.spat != nil {
				b := tt.spat
				args = append(args, "-spat", fmt.Sprint(b.Min[0]), fmt.Sprint(b.Min[1]), fmt.Sprint(b.Max[0]), fmt.Sprint(b.Max[1]))
				url += fmt.Sprintf("&bbox=%v,%v,%v,%v", b.Min[0], b.Min[1], b.Max[0], b.Max[1])
			}
			gdal(t, "ogr2ogr", args...)
			got := ogrCounts(t, gdal(t, "ogrinfo", "-ro", "-so", "-al", out))[tt.layer]
			matched := numberMatched(t, url)
			if got != matched || got != tt.direct || got == 0 {
				t.Errorf("GDAL copied %d features; numberMatched %d; direct count %d", got, matched, tt.direct)
			}
			if tt.spat == nil && got/tt.pageSize < 10 {
				t.Errorf("only %d pages: the test should force many", got/tt.pageSize+1)
			}
		})
	}

	t.Run("attribution", func(t *testing.T) {
		for _, path := range []string{"/ogc", "/ogc/collections/counties", "/tiles/all.json"} {
			res, err := http.Get(ts.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			var m struct{ Attribution string }
			json.NewDecoder(res.Body).Decode(&m)
			res.Body.Close()
			for _, want := range []string{"GeoNames", "Vonng/adcode", "CC BY 4.0", "GaryBikini"} {
				if !strings.Contains(m.Attribution, want) {
					t.Errorf("%s: attribution %q lacks %s", path, m.Attribution, want)
				}
			}
		}
	})

	t.Run("ogrinfo reads the exported GeoPackage", func(t *testing.T) {
		snap := srv.current()
		crs, err := formats.ParseExportCRS("gk3", 112)
		if err != nil {
			t.Fatal(err)
		}
		layers, err := formats.ExportLayers(snap.tree, snap.facilityList(), crs)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "export.gpkg")
		if err := formats.WriteGeoPackage(context.Background(), out, layers, crs, snap.attribution()); err != nil {
			t.Fatal(err)
		}
		got := ogrCounts(t, gdal(t, "ogrinfo", "-ro", "-so", "-al", out))
		direct := map[string]int{"facilities": len(ds.Facilities)}
		for i := range ds.Divisions {
			direct[[]string{"", "provinces", "prefectures", "counties", "townships", "villages"}[ds.Divisions[i].Code.Level()]]++
		}
		for _, l := range layers {
			if got[l.Name] != len(l.Rows) {
				t.Errorf("layer %s: ogrinfo counts %d, exported %d", l.Name, got[l.Name], len(l.Rows))
			}
			if want, ok := direct[l.Name]; ok && got[l.Name] != want {
				t.Errorf("layer %s: ogrinfo counts %d, the dataset has %d", l.Name, got[l.Name], want)
			}
		}
		if len(got) != len(formats.ExportLayerNames()) || got["coverage"] < 20000 {
			t.Errorf("layers %v", got)
		}
	})

	t.Run("MVT driver reads tiles", func(t *testing.T) { gdalTiles(t, ds, srv, ts, dir) })
	t.Logf("GDAL test took %v", time.Since(start))
}

// gdalTiles fetches every tile covering Hubei at zooms 5–8 and 200 random tiles at 9–12 from the
// "all" tileset and has GDAL's MVT driver read each one.
func gdalTiles(t *testing.T, ds *dataset.Dataset, srv *Server, ts *httptest.Server, dir string) {
	d := srv.ogcData()
	prov, _ := d.set(d.byID["provinces"])
	ext := prov.extent
	var tiles []maptile.Tile
	for z := maptile.Zoom(5); z <= 8; z++ {
		lo, hi := maptile.At(orb.Point{ext.Min[0], ext.Max[1]}, z), maptile.At(orb.Point{ext.Max[0], ext.Min[1]}, z)
		for x := lo.X; x <= hi.X; x++ {
			for y := lo.Y; y <= hi.Y; y++ {
				tiles = append(tiles, maptile.New(x, y, z))
			}
		}
	}
	rng := rand.New(rand.NewPCG(6, 2026))
	for i := 0; i < 200; i++ {
		v := ds.Divisions[rng.IntN(len(ds.Divisions))]
		if !v.HasSeat {
			i--
			continue
		}
		tiles = append(tiles, maptile.At(v.Seat, maptile.Zoom(9+rng.IntN(4))))
	}
	// Oracle: per tile, the points of each point layer strictly inside the tile and inside the
	// buffered tile, and whether the tile centre lies in a county boundary.
	type pointLayer struct {
		id  string
		pts []orb.Point
	}
	var pls []pointLayer
	for _, col := range d.collections {
		if col.geometryType() != "Point" {
			continue
		}
		set, _ := d.set(col)
		pl := pointLayer{id: col.id}
		for _, it := range set.items {
			if p, ok := it.geom.(orb.Point); ok {
				pl.pts = append(pl.pts, p)
			}
		}
		pls = append(pls, pl)
	}
	var counties []orb.MultiPolygon
	for i := range ds.Divisions {
		if dv := &ds.Divisions[i]; dv.Code.Level() == divisions.County && len(dv.Boundary) > 0 {
			counties = append(counties, dv.Boundary)
		}
	}
	var mu sync.Mutex
	read, empty := 0, 0
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for _, tile := range tiles {
		wg.Add(1)
		sem <- struct{}{}
		go func(tile maptile.Tile) {
			defer func() { <-sem; wg.Done() }()
			path := fmt.Sprintf("/%d/%d/%d.pbf", tile.Z, tile.X, tile.Y)
			res, err := http.Get(ts.URL + "/tiles/all" + strings.TrimSuffix(path, ".pbf") + ".mvt")
			if err != nil {
				t.Error(err)
				return
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			inner, outer := tile.Bound(), tile.Bound(tileBuffer)
			if res.StatusCode == http.StatusNoContent {
				for _, pl := range pls {
					for _, p := range pl.pts {
						if inner.Contains(p) && int(tile.Z) >= d.byID[pl.id].minZoom {
							t.Errorf("tile %v is empty (204) but %s has a point %v in it", tile, pl.id, p)
							return
						}
					}
				}
				mu.Lock()
				empty++
				mu.Unlock()
				return
			}
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != mvtType || res.Header.Get("ETag") == "" {
				t.Errorf("tile %v: %d %s", tile, res.StatusCode, res.Header.Get("Content-Type"))
				return
			}
			file := filepath.Join(dir, "tiles", strings.TrimPrefix(path, "/"))
			_ = os.MkdirAll(filepath.Dir(file), 0o755)
			if err := os.WriteFile(file, body, 0o644); err != nil {
				t.Error(err)
				return
			}
			got := ogrCounts(t, gdal(t, "ogrinfo", "-ro", "-so", "-al", file))
			for _, pl := range pls {
				if int(tile.Z) < d.byID[pl.id].minZoom {
					if got[pl.id] != 0 {
						t.Errorf("tile %v carries %s below its minzoom", tile, pl.id)
					}
					continue
				}
				lo, hi := 0, 0
				for _, p := range pl.pts {
					if inner.Contains(p) {
						lo++
					}
					if outer.Contains(p) {
						hi++
					}
				}
				if got[pl.id] < lo || got[pl.id] > hi {
					t.Errorf("tile %v layer %s: GDAL reads %d features, want between %d (in the tile) and %d (with the buffer)", tile, pl.id, got[pl.id], lo, hi)
				}
			}
			centre := tile.Center()
			inCounty := false
			for _, mp := range counties {
				if planar.MultiPolygonContains(mp, centre) {
					inCounty = true
					break
				}
			}
			if inCounty && got["counties"] == 0 {
				t.Errorf("tile %v: its centre lies in a county but GDAL reads no counties layer (layers %v)", tile, got)
			}
			mu.Lock()
			read++
			mu.Unlock()
		}(tile)
	}
	wg.Wait()
	t.Logf("%d tiles: %d read by GDAL, %d empty (204)", len(tiles), read, empty)
	if read < len(tiles)/2 {
		t.Errorf("only %d of %d tiles had data", read, len(tiles))
	}
}

// TestGDALPushesWhereDown runs ogr2ogr with -where on villages and counts the items requests
// the server receives: with the OGC paths relative to the /ogc server in the OpenAPI document,
// GDAL finds the queryables and sends the filter (one page) instead of fetching every village
// and filtering on the client (2,710 requests before). The copied features are compared with a
// selection made here from the dataset.
func TestGDALPushesWhereDown(t *testing.T) {
	if testing.Short() {
		t.Skip("GDAL client test: skipped with -short")
	}
	ensureGDAL(t)
	ds, srv, _ := hubeiEnv(t)
	var mu sync.Mutex
	var itemQueries []string
	counting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/ogc/collections/villages/items") {
			mu.Lock()
			itemQueries = append(itemQueries, r.URL.RawQuery)
			mu.Unlock()
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	defer counting.Close()
	root := "OAPIF:" + counting.URL + "/ogc"
	// A township with 10–40 villages (the first in code order) and a population threshold: a
	// simple and a compound where.
	kids := map[string]int{}
	for i := range ds.Divisions {
		if d := &ds.Divisions[i]; d.Code.Level() == divisions.Village {
			kids[string(d.Code.Parent())]++
		}
	}
	parent := ""
	for p, n := range kids {
		if n >= 10 && n <= 40 && (parent == "" || p < parent) {
			parent = p
		}
	}
	tests := []struct {
		name, where string
		keep        func(d *divisions.Division) bool
	}{
		{"equality", "parent = '" + parent + "'", func(d *divisions.Division) bool { return string(d.Code.Parent()) == parent }},
		{"compound", "parent = '" + parent + "' AND population > 1000", func(d *divisions.Division) bool {
			return string(d.Code.Parent()) == parent && d.Population.Total > 1000
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := map[string]bool{}
			for i := range ds.Divisions {
				if d := &ds.Divisions[i]; d.Code.Level() == divisions.Village && tt.keep(d) {
					want[string(d.Code)] = true
				}
			}
			if len(want) == 0 {
				t.Fatal("the oracle selects no village: pick another township")
			}
			mu.Lock()
			itemQueries = nil
			mu.Unlock()
			out := filepath.Join(t.TempDir(), "villages.geojson")
			gdal(t, "ogr2ogr", "-f", "GeoJSON", out, root, "villages", "-where", tt.where)
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var fc struct {
				Features []struct {
					Properties struct {
						Code string `json:"code"`
					} `json:"properties"`
				} `json:"features"`
			}
			if err := json.Unmarshal(b, &fc); err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, f := range fc.Features {
				got[f.Properties.Code] = true
			}
			if len(got) != len(want) || len(fc.Features) != len(want) {
				t.Errorf("GDAL copied %d features (%d distinct), the dataset selects %d", len(fc.Features), len(got), len(want))
			}
			for c := range want {
				if !got[c] {
					t.Errorf("village %s is missing from GDAL's copy", c)
				}
			}
			mu.Lock()
			qs := append([]string(nil), itemQueries...)
			mu.Unlock()
			filtered := 0
			for _, q := range qs {
				if strings.Contains(q, parent) {
					filtered++
				}
			}
			t.Logf("where %q: %d items requests: %v", tt.where, len(qs), qs)
			if filtered == 0 || len(qs) > 4 {
				t.Errorf("GDAL sent %d items requests, %d with the filter: the where clause was not pushed to the server", len(qs), filtered)
			}
		})
	}
}
