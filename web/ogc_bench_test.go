package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// BenchmarkOGCItemsHubei pages 1000 villages with a bbox and a CQL2 filter on the Hubei data,
// building the page every time (the encoded-answer cache is off).
func BenchmarkOGCItemsHubei(b *testing.B) {
	_, srv, _ := hubeiEnv(b)
	srv.encoded = nil // items pages are memoised: measure building one, not a cache hit
	h := srv.Handler()
	req := httptest.NewRequest("GET", "/ogc/collections/villages/items?limit=1000&bbox=110,29,116,33&filter=population%20%3E%20500", nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkTileEncodeHubei encodes the all-layers tile around Wuhan at zooms 7 and 10, uncached.
func BenchmarkTileEncodeHubei(b *testing.B) {
	_, srv, _ := hubeiEnv(b)
	d := srv.ogcData()
	for _, z := range []maptile.Zoom{7, 10} {
		tl := maptile.At(orb.Point{114.3, 30.6}, z)
		b.Run(fmt.Sprintf("z%d", z), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, _, err := d.encodeTile(allTileset, tl); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
