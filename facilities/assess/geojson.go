package assess

import (
	"github.com/civplan/civplan/divisions"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// mapUnits returns the units a map shows: before, the base units that make up the affected
// townships (and merged villages); after, the affected units themselves. Counties are shown
// only when they are the finest affected level.
func (ev *Evaluation) mapUnits() (before, after []*divisions.Division) {
	res := ev.Result
	finest := divisions.County
	for _, c := range res.Affected {
		if l := c.Level(); l > finest && l <= divisions.Township {
			finest = l
		}
	}
	seenB := map[divisions.Code]bool{}
	for _, c := range res.Affected {
		if c.Level() != finest {
			continue
		}
		if d := res.After.Get(c); d != nil {
			after = append(after, d)
		}
		for _, b := range res.Sources[c] {
			if d := res.Base.Get(b); d != nil && !seenB[b] && d.Level == finest {
				seenB[b] = true
				before = append(before, d)
			}
		}
	}
	return before, after
}

func unitFeature(d *divisions.Division, when string) *geojson.Feature {
	var g orb.Geometry = d.Seat
	if len(d.Boundary) > 0 {
		g = d.Boundary
	}
	f := geojson.NewFeature(g)
	f.ID = string(d.Code)
	f.Properties = geojson.Properties{
		"when": when, "code": string(d.Code), "name": d.Name, "level": d.Level.String(), "kind": string(d.Kind),
		"population": d.Population, "provenance": d.Sources, "note": Disclaimer,
	}
	if d.HasSeat {
		f.Properties["seat"] = []float64{d.Seat[0], d.Seat[1]}
	}
	return f
}

// GeoJSON returns the affected units before and after as one FeatureCollection (property
// "when": "before" or "after"), WGS84.
func (ev *Evaluation) GeoJSON() *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	before, after := ev.mapUnits()
	for _, d := range before {
		fc.Append(unitFeature(d, "before"))
	}
	for _, d := range after {
		fc.Append(unitFeature(d, "after"))
	}
	fc.ExtraMembers = geojson.Properties{"disclaimer": Disclaimer}
	return fc
}
