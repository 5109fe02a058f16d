package web

import "testing"

// FuzzParseBBox: never panics; an accepted box is finite, ordered and within lon/lat range.
func FuzzParseBBox(f *testing.F) {
	for _, s := range []string{"110,31,111,32", "1,2,3", "a,b,c,d", "180,90,-180,-90", "1e400,0,1,1", "NaN,0,1,1", " 110 , 31 , 111 , 32 ", ",,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := parseBBox(s)
		if err != nil {
			return
		}
		for _, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
			if !finite(v) {
				t.Fatalf("parseBBox(%q) accepted a non-finite number: %v", s, b)
			}
		}
		if b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] || b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 {
			t.Fatalf("parseBBox(%q) = %v: out of order or range", s, b)
		}
	})
}
