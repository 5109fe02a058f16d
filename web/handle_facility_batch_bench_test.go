package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/facilities"
)

// batchBody is a FeatureCollection of n new facilities: copies of the dataset's facilities
// (kind, division, point, attributes) under new names, as bench/writes posts them.
func batchBody(ds *dataset.Dataset, n int, stamp string) []byte {
	feats := make([]map[string]any, 0, n)
	for i := 0; i < n; i++ {
		f := ds.Facilities[i%len(ds.Facilities)]
		feats = append(feats, map[string]any{"type": "Feature",
			"geometry": map[string]any{"type": "Point", "coordinates": []float64{f.Point[0], f.Point[1]}},
			"properties": map[string]any{"kind": f.Kind, "division_code": f.DivisionCode, "status": f.Status,
				"beds": f.Beds, "floor_area_m2": f.FloorAreaM2, "name": fmt.Sprintf("批量测试-%s-%d", stamp, i),
				"renovated": map[string]any{"fire_safety": triJSON(f.Renovated.FireSafety)}}})
	}
	b, _ := json.Marshal(map[string]any{"type": "FeatureCollection", "features": feats})
	return b
}

func triJSON(t facilities.Tri) any {
	switch t {
	case facilities.Yes:
		return true
	case facilities.No:
		return false
	}
	return nil
}

// BenchmarkFacilityBatch15k posts 15,000 new facilities as one FeatureCollection to a server
// on the embedded Hubei data (34,151 facilities): parse, validate and place every feature,
// insert them in one transaction, step the snapshot, answer. Each op adds 15,000 more.
func BenchmarkFacilityBatch15k(b *testing.B) {
	ds, err := dataset.EmbeddedHubei()
	if err != nil {
		b.Fatal(err)
	}
	e := serveDataset(b, ds, Config{OpenReads: true, RatePerSec: -1})
	tok, _, err := e.store.CreateToken(context.Background(), "p", store.RolePlanner)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		body := batchBody(ds, 15000, fmt.Sprint(i))
		req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/facilities", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/geo+json")
		req.Header.Set("Authorization", "Bearer "+tok)
		b.StartTimer()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var out struct {
			Report struct{ Inserted int }
		}
		err = json.NewDecoder(res.Body).Decode(&out)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 || out.Report.Inserted != 15000 {
			b.Fatalf("batch: %d, %+v, %v", res.StatusCode, out, err)
		}
	}
}
