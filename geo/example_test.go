package geo_test

import (
	"fmt"

	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
)

func ExamplePointIndex_Nearest() {
	facilities := []orb.Point{{114.30, 30.59}, {114.35, 30.55}, {112.20, 30.35}}
	ix := geo.NewPointIndex(facilities)
	i, d, ok := ix.Nearest(orb.Point{114.33, 30.56}, 0)
	fmt.Printf("%d %.0f m %v\n", i, d, ok)
	_, _, ok = ix.Nearest(orb.Point{110, 32}, 5000)
	fmt.Println(ok)
	// Output:
	// 1 2216 m true
	// false
}

// The expected outputs agree with pyproj.Geod(ellps="WGS84").inv.
func ExampleDistanceM() {
	wuhan, yichang := orb.Point{114.305, 30.593}, orb.Point{111.286, 30.692}
	fmt.Printf("%.1f km\n", geo.DistanceM(wuhan, yichang)/1000)
	// Output: 289.6 km
}
