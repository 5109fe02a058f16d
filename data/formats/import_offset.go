package formats

import (
	"fmt"
	"slices"
	"strings"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
)

// offsetStats gathers, for rows that name their village or township and give coordinates taken
// as WGS84, how well the points fit their units as given and as they would if they were GCJ-02
// (AMap, Tencent): GCJ-02 points read as WGS84 sit a systematic ≈ 300–700 m off in China.
type offsetStats struct {
	villageGain []float64 // per row at a village with a point: distance as given − distance read as GCJ-02 (m)
	townBetter  int       // rows whose township contains the point only when it is read as GCJ-02
	townWorse   int       // rows whose township contains the point only as given
	townRows    int       // rows checked against a township area
	loc         *divisions.Locator
}

// Thresholds of the GCJ-02 look-alike test: at least offsetMinRows rows of evidence, a median
// gain of offsetMinGainM metres with offsetMinShare of the rows closer when read as GCJ-02, or
// offsetMinTownBetter more township hits than misses (4:1).
const (
	offsetMinRows       = 5
	offsetMinGainM      = 250.0
	offsetMinShare      = 0.7
	offsetMinTownBetter = 5
)

// add records one row: div is the unit the row names, typed the point as given, wgs the point
// after the declared CRS conversion.
func (o *offsetStats) add(t *divisions.Tree, div *divisions.Division, typed, wgs orb.Point) {
	if typed != wgs || geo.OutsideChina(typed) {
		return // the file declared another CRS
	}
	asGCJ := geo.GCJ02ToWGS84(typed)
	if div.Level == divisions.Village && div.HasSeat {
		o.villageGain = append(o.villageGain, geo.DistanceM(wgs, div.Seat)-geo.DistanceM(asGCJ, div.Seat))
	}
	var town *divisions.Division
	for _, a := range append(t.Ancestors(div.Code), div) {
		if a.Level == divisions.Township && len(a.Boundary) > 0 {
			town = a
		}
	}
	if town == nil {
		return
	}
	if o.loc == nil {
		o.loc = divisions.NewLocator(t)
	}
	in := func(p orb.Point) bool {
		at := o.loc.TownshipAt(p)
		return at != nil && at.Code == town.Code
	}
	o.townRows++
	switch a, g := in(wgs), in(asGCJ); {
	case g && !a:
		o.townBetter++
	case a && !g:
		o.townWorse++
	}
}

// looksGCJ reports whether the rows fit their units clearly better read as GCJ-02, and how.
func (o *offsetStats) looksGCJ() (bool, string) {
	if n := len(o.villageGain); n >= offsetMinRows {
		g := slices.Clone(o.villageGain)
		slices.Sort(g)
		closer := 0
		for _, v := range g {
			if v > 0 {
				closer++
			}
		}
		if med := g[n/2]; med >= offsetMinGainM && float64(closer) >= offsetMinShare*float64(n) {
			return true, fmt.Sprintf("%d of %d points lie nearer their village read as GCJ-02 (median %.0f m nearer)", closer, n, med)
		}
	}
	if o.townBetter >= offsetMinTownBetter && o.townBetter >= 4*o.townWorse {
		return true, fmt.Sprintf("%d of %d points fall inside their township only when read as GCJ-02 (%d only as WGS84)", o.townBetter, o.townRows, o.townWorse)
	}
	return false, ""
}

// check fails an import whose CRS was not stated (crs "") when the points look like GCJ-02.
func (o *offsetStats) check(crs string) error {
	if strings.TrimSpace(crs) != "" {
		return nil
	}
	if ok, why := o.looksGCJ(); ok {
		return fmt.Errorf("the coordinates look like GCJ-02 (AMap, Tencent), not WGS84: %s; pass --crs gcj02 (crs=gcj02) if they come from such a map, or --crs wgs84 to import them as they are", why)
	}
	return nil
}

// warning is the same finding as a warning when the file's CRS was stated as WGS84.
func (o *offsetStats) warning(crs string) string {
	if strings.TrimSpace(crs) == "" {
		return ""
	}
	if ok, why := o.looksGCJ(); ok {
		return "the coordinates look like GCJ-02 although the CRS was given as WGS84: " + why
	}
	return ""
}
