package web

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/civplan/civplan/divisions"
	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/orb/simplify"
)

// Vector tile settings.
const (
	mvtType        = "application/vnd.mapbox-vector-tile"
	tileMaxZoom    = 14 // declared in TileJSON; deeper tiles are still served (up to tileServeZoom)
	tileServeZoom  = 20
	tileBuffer     = 1.0 / 16  // of a tile: 256 units of the 4096 extent
	tileCacheBytes = 128 << 20 // encoded tile bytes kept (carried across snapshot steps)
	allTileset     = "all"     // the tileset with one layer per collection

	// tileDetailZoom is the first zoom whose tiles carry every attribute and the finest polygons.
	// Below it (the size budget of ≈ 300 KB per tile, issue 14): village-level point layers leave
	// out name and nearest_distance_m, and polygons are simplified with a coarser tolerance.
	tileDetailZoom = 12
	// tileCoarseTolerance is the Douglas–Peucker tolerance below tileDetailZoom, in tile units:
	// 4 of 4096 is half a pixel of a 512-pixel tile. From tileDetailZoom on it is 1 unit.
	tileCoarseTolerance = 4.0
)

// tileLayers returns the collections a tileset carries at zoom z.
func (d *ogcData) tileLayers(name string, z int) ([]*ogcCollection, bool) {
	if name == allTileset {
		var out []*ogcCollection
		for _, c := range d.collections {
			if z >= c.minZoom {
				out = append(out, c)
			}
		}
		return out, true
	}
	c, ok := d.byID[name]
	if !ok {
		return nil, false
	}
	if z < c.minZoom {
		return nil, true
	}
	return []*ogcCollection{c}, true
}

// tileProps are the compact properties a tile feature carries at zoom z: every field of
// vectorLayer, except that below tileDetailZoom the features of village-level point layers leave
// out name and nearest_distance_m (unique per feature, a third of a point's bytes).
func tileProps(it *ogcItem, col *ogcCollection, z int) geojson.Properties {
	trim := z < tileDetailZoom && col.minZoom >= villageMinZoom
	var p geojson.Properties
	switch {
	case it.div != nil:
		p = geojson.Properties{"code": string(it.div.Code), "name": it.div.ShortName, "kind": string(it.div.Kind),
			"level": it.div.Level.String(), "geometry_provenance": string(it.div.Sources.Geometry)}
	case it.fac != nil:
		p = geojson.Properties{"id": it.fac.ID, "name": it.fac.Name, "kind": string(it.fac.Kind), "status": string(it.fac.Status),
			"beds": it.fac.Beds}
	case it.gap != nil:
		p = geojson.Properties{"code": string(it.gap.Code), "name": it.gap.ShortName, "elderly": it.gap.Elderly,
			"facility_kind": string(it.kind)}
		if it.gap.Nearest != nil {
			p["nearest_distance_m"] = it.gap.Nearest.DistanceM
		}
	default:
		return geojson.Properties{}
	}
	if trim {
		delete(p, "name")
		delete(p, "nearest_distance_m")
	}
	return p
}

// simplifyKeeping simplifies every feature of l with Douglas–Peucker at tol tile units, falling
// back to 1 unit for a polygon the coarse tolerance would shrink below 1 unit² (the limit of
// RemoveEmpty), so that coarsening never makes a feature disappear.
func simplifyKeeping(l *mvt.Layer, tol float64) {
	fine := simplify.DouglasPeucker(1)
	coarse := simplify.DouglasPeucker(tol)
	for _, f := range l.Features {
		if tol > 1 {
			g := coarse.Simplify(orb.Clone(f.Geometry))
			if g != nil && (g.Dimensions() != 2 || planar.Area(g) >= 1) {
				f.Geometry = g
				continue
			}
		}
		f.Geometry = fine.Simplify(f.Geometry)
	}
}

// tileTolerance is the Douglas–Peucker tolerance of zoom z in tile units.
func tileTolerance(z int) float64 {
	if z < tileDetailZoom {
		return tileCoarseTolerance
	}
	return 1
}

// encodeTile builds the MVT of a tileset's tile in one piece; nil means empty. The server
// encodes tiles layer by layer (encodeParts), which gives the same bytes; this is the reference
// the tests and benchmarks compare with.
func (d *ogcData) encodeTile(name string, t maptile.Tile) ([]byte, bool, error) {
	cols, ok := d.tileLayers(name, int(t.Z))
	if !ok {
		return nil, false, nil
	}
	var layers mvt.Layers
	for _, col := range cols {
		l, err := d.tileLayer(col, t)
		if err != nil {
			return nil, true, err
		}
		if l != nil {
			layers = append(layers, l)
		}
	}
	if len(layers) == 0 {
		return nil, true, nil
	}
	b, err := mvt.Marshal(layers)
	return b, true, err
}

// encodeParts encodes the layers of a tileset's tile one by one: parts[i] is the MVT of the
// tileset's i-th layer at t.Z alone (nil: no feature there). Where reuse is given, its parts not
// marked in redo are taken as they are. An MVT is a sequence of layers, so the concatenated
// parts are the tile (joinParts).
func (d *ogcData) encodeParts(name string, t maptile.Tile, reuse [][]byte, redo []bool) ([][]byte, error) {
	cols, _ := d.tileLayers(name, int(t.Z))
	parts := make([][]byte, len(cols))
	for i, col := range cols {
		if reuse != nil && len(reuse) == len(cols) && !redo[i] {
			parts[i] = reuse[i]
			continue
		}
		l, err := d.tileLayer(col, t)
		if err != nil || l == nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		if parts[i], err = mvt.Marshal(mvt.Layers{l}); err != nil {
			return nil, fmt.Errorf("encode layer %s of tile %d/%d/%d: %w", col.id, t.Z, t.X, t.Y, err)
		}
	}
	return parts, nil
}

// joinParts is the tile made of its layers' parts; nil when every layer is empty.
func joinParts(parts [][]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if n == 0 {
		return nil
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// tileLayer is the MVT layer of collection col in tile t (projected, simplified, wound for
// spec 2); nil when no feature of col lies there.
func (d *ogcData) tileLayer(col *ogcCollection, t maptile.Tile) (*mvt.Layer, error) {
	set, err := d.set(col)
	if err != nil {
		return nil, err
	}
	buf := t.Bound(tileBuffer)
	fc := geojson.NewFeatureCollection()
	for i := range set.items {
		it := &set.items[i]
		if it.geom == nil || !buf.Intersects(it.bound) {
			continue
		}
		g := clip.Geometry(buf, orb.Clone(it.geom))
		if g == nil {
			continue
		}
		f := geojson.NewFeature(g)
		f.ID = it.id
		f.Properties = tileProps(it, col, int(t.Z))
		fc.Append(f)
	}
	if len(fc.Features) == 0 {
		return nil, nil
	}
	l := mvt.NewLayer(col.id, fc)
	l.ProjectToTile(t)
	simplifyKeeping(l, tileTolerance(int(t.Z)))
	l.RemoveEmpty(1.0, 1.0)
	orientForMVT2(l)
	if len(l.Features) == 0 {
		return nil, nil
	}
	return l, nil
}

// parseTileAddr validates z/x/y(.mvt|.pbf).
func parseTileAddr(zs, xs, ys string) (maptile.Tile, *Problem) {
	ys, ok := strings.CutSuffix(ys, ".mvt")
	if !ok {
		if ys, ok = strings.CutSuffix(ys, ".pbf"); !ok {
			return maptile.Tile{}, badParam("y", fmt.Errorf("%q: want {y}.mvt", ys))
		}
	}
	z, err := strconv.Atoi(zs)
	if err != nil || z < 0 || z > tileServeZoom {
		return maptile.Tile{}, badParam("z", fmt.Errorf("%q is not a zoom in [0, %d]", zs, tileServeZoom))
	}
	n := 1 << z
	x, err := strconv.Atoi(xs)
	if err != nil || x < 0 || x >= n {
		return maptile.Tile{}, badParam("x", fmt.Errorf("%q is not a column in [0, %d] at zoom %d", xs, n-1, z))
	}
	y, err := strconv.Atoi(ys)
	if err != nil || y < 0 || y >= n {
		return maptile.Tile{}, badParam("y", fmt.Errorf("%q is not a row in [0, %d] at zoom %d", ys, n-1, z))
	}
	return maptile.New(uint32(x), uint32(y), maptile.Zoom(z)), nil
}

// handleTile answers GET /tiles/{collection}/{z}/{x}/{y}.mvt: 200 with the tile, 204 when empty,
// 304 when the If-None-Match ETag matches.
func (s *Server) handleTile(c *gin.Context) error {
	if p := onlyParams(c); p != nil {
		return p
	}
	name := c.Param("name")
	t, p := parseTileAddr(c.Param("z"), c.Param("x"), c.Param("y"))
	if p != nil {
		return p
	}
	d := s.ogcData()
	if _, ok := d.tileLayers(name, int(t.Z)); !ok {
		return notFound("no tileset %q (a collection id or %q)", name, allTileset)
	}
	key := fmt.Sprintf("%s/%d/%d/%d", name, t.Z, t.X, t.Y)
	ct, err := d.tile(name, t, key, &s.ogc.stats)
	if err != nil {
		return err
	}
	body, etag := ct.raw, ct.etag
	if acceptsGzip(c.GetHeader("Accept-Encoding")) && ct.raw != nil {
		gz, err := ct.gzipped(d, key)
		if err != nil {
			return err
		}
		body, etag = gz, strings.TrimSuffix(ct.etag, `"`)+`-gzip"` // another representation: another ETag
		c.Header("Content-Encoding", "gzip")
	}
	if !headerHas(c.Writer.Header().Values("Vary"), "Accept-Encoding") {
		c.Writer.Header().Add("Vary", "Accept-Encoding")
	}
	c.Header("ETag", etag)
	c.Header("Cache-Control", "max-age=300")
	if etagMatches(c.GetHeader("If-None-Match"), etag) {
		c.Status(http.StatusNotModified)
		return nil
	}
	if ct.raw == nil {
		c.Status(http.StatusNoContent)
		return nil
	}
	c.Data(http.StatusOK, mvtType, body)
	return nil
}

// gzipBytes compresses b at gzip.BestSpeed.
func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// acceptsGzip reports whether an Accept-Encoding header admits gzip (or *) with a q above 0.
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "x-gzip" && coding != "*" {
			continue
		}
		q := 1.0
		for _, prm := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(prm), "="); ok && strings.EqualFold(k, "q") {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		if q > 0 {
			return true
		}
	}
	return false
}

// headerHas reports whether a comma-separated header (any of its lines) lists token.
func headerHas(lines []string, token string) bool {
	for _, l := range lines {
		for _, v := range strings.Split(l, ",") {
			if strings.EqualFold(strings.TrimSpace(v), token) {
				return true
			}
		}
	}
	return false
}

// tileURL is the absolute tile URL template of a tileset.
func tileURL(c *gin.Context, name string) string {
	scheme := "http"
	if c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host + "/tiles/" + name + "/{z}/{x}/{y}.mvt"
}

// vectorLayer is one entry of TileJSON vector_layers.
func vectorLayer(col *ogcCollection) gin.H {
	fields := map[string]string{}
	switch col.source {
	case srcDivisions:
		fields = map[string]string{"code": "String", "name": "String", "kind": "String", "level": "String", "geometry_provenance": "String"}
	case srcFacilities:
		fields = map[string]string{"id": "Number", "name": "String", "kind": "String", "status": "String", "beds": "Number"}
	case srcGaps:
		fields = map[string]string{"code": "String", "name": "String", "elderly": "Number", "facility_kind": "String", "nearest_distance_m": "Number"}
	}
	desc := col.title
	if col.minZoom >= villageMinZoom {
		desc += fmt.Sprintf("; name and nearest_distance_m from zoom %d (the tile size budget)", tileDetailZoom)
	}
	return gin.H{"id": col.id, "description": desc, "minzoom": col.minZoom, "maxzoom": tileMaxZoom, "fields": fields}
}

// handleTileJSON answers GET /tiles/{collection}.json (TileJSON 3.0.0) and /tiles/style.json.
func (s *Server) handleTileJSON(c *gin.Context) error {
	if p := onlyParams(c); p != nil {
		return p
	}
	name, ok := strings.CutSuffix(c.Param("name"), ".json")
	if !ok {
		return notFound("no tile resource %q (want {collection}.json, %s.json or style.json)", c.Param("name"), allTileset)
	}
	d := s.ogcData()
	if name == "style" {
		return writeTyped(c, http.StatusOK, jsonType, mapStyle(c, d))
	}
	var cols []*ogcCollection
	var title, desc string
	if name == allTileset {
		cols, title, desc = d.collections, "civplan", "Every civplan collection as one layer each. "+approxNote
	} else {
		col, ok := d.byID[name]
		if !ok {
			return notFound("no tileset %q (a collection id or %q)", name, allTileset)
		}
		cols, title, desc = []*ogcCollection{col}, col.title, col.description
	}
	ext, hasExt := chinaBound, false
	minZoom := tileMaxZoom
	layers := make([]gin.H, 0, len(cols))
	for _, col := range cols {
		set, err := d.set(col)
		if err != nil {
			return err
		}
		switch e, ok := set.bounds(); {
		case ok && !hasExt:
			ext, hasExt = e, true
		case ok:
			ext = ext.Union(e)
		}
		minZoom = min(minZoom, col.minZoom)
		layers = append(layers, vectorLayer(col))
	}
	ctr := ext.Center()
	return writeTyped(c, http.StatusOK, jsonType, gin.H{
		"tilejson":      "3.0.0",
		"name":          title,
		"description":   desc,
		"attribution":   d.snap.attribution(),
		"version":       "1.0.0",
		"scheme":        "xyz",
		"tiles":         []string{tileURL(c, name)},
		"minzoom":       minZoom,
		"maxzoom":       tileMaxZoom,
		"bounds":        []float64{ext.Min[0], ext.Min[1], ext.Max[0], ext.Max[1]},
		"center":        []float64{ctr[0], ctr[1], 7},
		"vector_layers": layers,
	})
}

// mapStyle is a MapLibre style (version 8) drawing every layer of the "all" tileset.
func mapStyle(c *gin.Context, d *ogcData) gin.H {
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	src := scheme + "://" + c.Request.Host + "/tiles/" + allTileset + ".json"
	layers := []gin.H{{"id": "background", "type": "background", "paint": gin.H{"background-color": "#f8f6f0"}}}
	colors := []string{"#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6", "#bcf60c"}
	for i, col := range d.collections {
		base := gin.H{"source": "civplan", "source-layer": col.id, "minzoom": col.minZoom}
		switch {
		case col.source == srcDivisions && col.level != divisions.Village:
			fill := gin.H{"id": col.id + "-fill", "type": "fill", "filter": []any{"==", []any{"geometry-type"}, "Polygon"},
				"paint": gin.H{"fill-color": "#d8d0c0", "fill-opacity": 0.15}}
			line := gin.H{"id": col.id + "-line", "type": "line", "filter": []any{"==", []any{"geometry-type"}, "Polygon"},
				"paint": gin.H{"line-color": "#7a6a50", "line-width": 3.0 - 0.5*float64(col.level)}}
			for k, v := range base {
				fill[k], line[k] = v, v
			}
			layers = append(layers, fill, line)
		default:
			color := "#555555"
			radius := 2.0
			switch col.source {
			case srcFacilities:
				color, radius = colors[i%len(colors)], 4
			case srcGaps:
				color, radius = "#d00000", 3
			}
			circle := gin.H{"id": col.id, "type": "circle", "filter": []any{"==", []any{"geometry-type"}, "Point"},
				"paint": gin.H{"circle-color": color, "circle-radius": radius}}
			for k, v := range base {
				circle[k] = v
			}
			if col.source == srcGaps {
				circle["layout"] = gin.H{"visibility": "none"}
			}
			layers = append(layers, circle)
		}
	}
	return gin.H{
		"version": 8,
		"name":    "civplan",
		"sources": gin.H{"civplan": gin.H{"type": "vector", "url": src, "attribution": d.snap.attribution()}},
		"layers":  layers,
	}
}

// orientForMVT2 winds polygon rings as vector tile spec 2.x requires (§4.3.4.4): in tile
// coordinates (y down) an exterior ring has a positive surveyor's-formula area (orb calls that
// CCW) and an interior ring a negative one; then the layer can declare version 2.
func orientForMVT2(l *mvt.Layer) {
	orient := func(p orb.Polygon) {
		for i, r := range p {
			want := orb.CW
			if i == 0 {
				want = orb.CCW
			}
			if r.Orientation() != want {
				r.Reverse()
			}
		}
	}
	for _, f := range l.Features {
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			orient(g)
		case orb.MultiPolygon:
			for _, p := range g {
				orient(p)
			}
		}
	}
	l.Version = 2
}
