package formats

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/geojson"
)

// featureJSON renders a row as a GeoJSON feature in crs.
func featureJSON(l *Layer, r *Row, crs geo.CRS) ([]byte, error) {
	props := make(map[string]any, len(l.Columns))
	for i, c := range l.Columns {
		props[c.Name] = r.Values[i]
	}
	var g *geojson.Geometry
	if r.Geom != nil {
		g = geojson.NewGeometry(crs.ForwardGeometry(r.Geom))
	}
	return json.Marshal(struct {
		Type       string            `json:"type"`
		ID         int64             `json:"id"`
		Geometry   *geojson.Geometry `json:"geometry"`
		Properties map[string]any    `json:"properties"`
	}{"Feature", r.ID, g, props})
}

// crsMember is the legacy GeoJSON "crs" member GDAL reads for non-WGS84 output (RFC 7946 has
// none); nil for WGS84.
func crsMember(crs geo.CRS) any {
	if crs.EPSG() == 4326 || crs.EPSG() == 0 {
		return nil
	}
	return map[string]any{"type": "name", "properties": map[string]any{"name": fmt.Sprintf("urn:ogc:def:crs:EPSG::%d", crs.EPSG())}}
}

// WriteGeoJSON writes one layer as a GeoJSON FeatureCollection in crs, with the attribution and
// the layer description as foreign members.
func WriteGeoJSON(w io.Writer, l *Layer, crs geo.CRS, attribution string) error {
	bw := bufio.NewWriter(w)
	head := map[string]any{"type": "FeatureCollection", "name": l.Name, "description": l.Description, "attribution": attribution}
	if m := crsMember(crs); m != nil {
		head["crs"] = m
	}
	if crs.Note() != "" {
		head["crs_note"] = crs.Note()
	}
	hb, err := json.Marshal(head)
	if err != nil {
		return err
	}
	bw.Write(hb[:len(hb)-1])
	bw.WriteString(`,"features":[`)
	for i := range l.Rows {
		b, err := featureJSON(l, &l.Rows[i], crs)
		if err != nil {
			return fmt.Errorf("layer %s row %d: %w", l.Name, l.Rows[i].ID, err)
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n")
		bw.Write(b)
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

// WriteGeoJSONSeq writes one layer as RFC 8142 GeoJSON text sequences: each feature is preceded
// by the record separator 0x1E and ended by a newline.
func WriteGeoJSONSeq(w io.Writer, l *Layer, crs geo.CRS) error {
	bw := bufio.NewWriter(w)
	for i := range l.Rows {
		b, err := featureJSON(l, &l.Rows[i], crs)
		if err != nil {
			return fmt.Errorf("layer %s row %d: %w", l.Name, l.Rows[i].ID, err)
		}
		bw.WriteByte(0x1E)
		bw.Write(b)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// exportCell formats a value for CSV/XLSX ("" for null).
func exportCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return "是"
		}
		return "否"
	}
	return fmt.Sprint(v)
}

// geometryHeaders are the CSV/XLSX columns that carry a layer's geometry: x/y for points, WKT
// for polygons.
func geometryHeaders(l *Layer, crs geo.CRS) []string {
	if l.GeomType == "POINT" {
		if crs.Projected() {
			return []string{"X(东向,米)", "Y(北向,米)"}
		}
		return []string{"经度", "纬度"}
	}
	return []string{"边界WKT"}
}

func geometryCells(l *Layer, r *Row, crs geo.CRS) []string {
	if l.GeomType == "POINT" {
		if p, ok := r.Geom.(orb.Point); ok {
			q := crs.Forward(p)
			return []string{strconv.FormatFloat(q[0], 'f', -1, 64), strconv.FormatFloat(q[1], 'f', -1, 64)}
		}
		return []string{"", ""}
	}
	if r.Geom == nil {
		return []string{""}
	}
	return []string{wkt.MarshalString(crs.ForwardGeometry(r.Geom))}
}

// WriteCSV writes one layer as UTF-8 CSV with a byte-order mark (so Excel opens Chinese text) and
// Chinese headers; points get two coordinate columns, polygons a WKT column.
func WriteCSV(w io.Writer, l *Layer, crs geo.CRS) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("\uFEFF")
	cw := csv.NewWriter(bw)
	head := []string{}
	for _, c := range l.Columns {
		head = append(head, c.HeaderZH)
	}
	head = append(head, geometryHeaders(l, crs)...)
	if err := cw.Write(head); err != nil {
		return err
	}
	rec := make([]string, 0, len(head))
	for i := range l.Rows {
		r := &l.Rows[i]
		rec = rec[:0]
		for _, v := range r.Values {
			rec = append(rec, csvValue(v, exportCell))
		}
		rec = append(rec, geometryCells(l, r, crs)...)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}
