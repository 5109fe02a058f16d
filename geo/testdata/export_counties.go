//go:build ignore

// export_counties converts the 103 Hubei county polygons (GCJ-02) to WGS84 with
// geo.GCJ02ToWGS84 and writes geo/testdata/counties_wgs84.geojson, coordinates rounded to
// 1e-9° (0.1 mm). The file is the input of the area tests: gen_geod.py computes the
// expected areas from it with pyproj, and the conversion itself is tested separately
// against reference vectors. Run from the repository root:
//
//	GOFLAGS=-mod=mod go run geo/testdata/export_counties.go
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"strconv"

	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

const (
	src = "data/sources/hubei/boundaries/garybikini_amap_2020/hubei_counties_garybikini_2020.geojson"
	dst = "geo/testdata/counties_wgs84.geojson"
)

func main() {
	raw, err := os.ReadFile(src)
	if err != nil {
		log.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		log.Fatalf("%s: %v", src, err)
	}
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","name":"hubei_counties_garybikini_2020_wgs84",` +
		`"source":"GaryBikini/ChinaAdminDivisonSHP (MIT), converted from GCJ-02 by geo.GCJ02ToWGS84","features":[` + "\n")
	for i, f := range fc.Features {
		var mp orb.MultiPolygon
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			mp = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			mp = g
		default:
			log.Fatalf("%s: feature %d: geometry %T, want a polygon", src, i, g)
		}
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"type":"Feature","properties":{"name":%q,"adcode":%q},"geometry":{"type":"MultiPolygon","coordinates":[`,
			f.Properties.MustString("name", ""), f.Properties.MustString("adcode", ""))
		for pi, poly := range mp {
			if pi > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('[')
			for ri, ring := range poly {
				if ri > 0 {
					b.WriteByte(',')
				}
				b.WriteByte('[')
				for k, p := range ring {
					if k > 0 {
						b.WriteByte(',')
					}
					w := geo.GCJ02ToWGS84(p)
					b.WriteByte('[')
					b.WriteString(strconv.FormatFloat(w[0], 'f', 9, 64))
					b.WriteByte(',')
					b.WriteString(strconv.FormatFloat(w[1], 'f', 9, 64))
					b.WriteByte(']')
				}
				b.WriteByte(']')
			}
			b.WriteByte(']')
		}
		b.WriteString("]}}")
	}
	b.WriteString("\n]}\n")
	if err := os.WriteFile(dst, b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s: %d features", dst, len(fc.Features))
}
