package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// Krasovsky 1940 ellipsoid constants used by the GCJ-02 obfuscation (the common published algorithm).
const (
	gcjA  = 6378245.0
	gcjEE = 0.00669342162296594323
	// bdPi is the angular constant of BD-09 as the published test vectors (eviltransform) use
	// it: plain π. Some libraries use π·3000/180 instead; the two differ by up to ≈ 40 m.
	bdPi = math.Pi
)

// OutsideChina reports whether p lies outside the rough box where GCJ-02 applies; outside it
// GCJ-02 equals WGS84 and the conversions return p unchanged.
func OutsideChina(p orb.Point) bool {
	return p[0] < 72.004 || p[0] > 137.8347 || p[1] < 0.8293 || p[1] > 55.8271
}

func gcjOffset(p orb.Point) (dLon, dLat float64) {
	x, y := p[0]-105.0, p[1]-35.0
	dLat = -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	dLat += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	dLat += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	dLat += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	dLon = 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	dLon += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	dLon += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	dLon += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	radLat := p[1] / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - gcjEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((gcjA * (1 - gcjEE)) / (magic * sqrtMagic) * math.Pi)
	dLon = (dLon * 180.0) / (gcjA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return dLon, dLat
}

// WGS84ToGCJ02 applies the GCJ-02 offset (exact forward formula).
func WGS84ToGCJ02(p orb.Point) orb.Point {
	if OutsideChina(p) {
		return p
	}
	dLon, dLat := gcjOffset(p)
	return orb.Point{p[0] + dLon, p[1] + dLat}
}

// GCJ02ToWGS84 inverts the GCJ-02 offset by fixed-point iteration; it converges to well
// under 1e-9° (≈ 0.1 mm) in a few steps.
func GCJ02ToWGS84(p orb.Point) orb.Point {
	if OutsideChina(p) {
		return p
	}
	w := p
	for i := 0; i < 30; i++ {
		g := WGS84ToGCJ02(w)
		dx, dy := g[0]-p[0], g[1]-p[1]
		w = orb.Point{w[0] - dx, w[1] - dy}
		if math.Abs(dx) < 1e-12 && math.Abs(dy) < 1e-12 {
			break
		}
	}
	return w
}

// GCJ02ToBD09 applies Baidu's BD-09 transform to a GCJ-02 point.
func GCJ02ToBD09(p orb.Point) orb.Point {
	x, y := p[0], p[1]
	z := math.Sqrt(x*x+y*y) + 0.00002*math.Sin(y*bdPi)
	theta := math.Atan2(y, x) + 0.000003*math.Cos(x*bdPi)
	return orb.Point{z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006}
}

// bd09ToGCJ02Approx is the common closed-form inverse of GCJ02ToBD09 (error up to a few
// centimetres); BD09ToGCJ02 starts from it.
func bd09ToGCJ02Approx(p orb.Point) orb.Point {
	x, y := p[0]-0.0065, p[1]-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*bdPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdPi)
	return orb.Point{z * math.Cos(theta), z * math.Sin(theta)}
}

// BD09ToGCJ02 inverts GCJ02ToBD09 exactly: fixed-point iteration from the closed-form
// approximation until GCJ02ToBD09 of the answer is within 1e-12° (≈ 0.1 µm) of p.
func BD09ToGCJ02(p orb.Point) orb.Point {
	g := bd09ToGCJ02Approx(p)
	for i := 0; i < 30; i++ {
		b := GCJ02ToBD09(g)
		dx, dy := b[0]-p[0], b[1]-p[1]
		if math.Abs(dx) < 1e-12 && math.Abs(dy) < 1e-12 {
			break
		}
		g = orb.Point{g[0] - dx, g[1] - dy}
	}
	return g
}

// WGS84ToBD09 converts WGS84 to BD-09 through GCJ-02.
func WGS84ToBD09(p orb.Point) orb.Point { return GCJ02ToBD09(WGS84ToGCJ02(p)) }

// BD09ToWGS84 inverts WGS84ToBD09 exactly, through both iterative inverses (BD-09 → GCJ-02 →
// WGS84): WGS84ToBD09 of the answer is within 1e-9° of p. The one-step inverse of the
// published vectors (eviltransform's bd2wgs) is off by up to ≈ 5 m over China (3.1 m in Hubei).
func BD09ToWGS84(p orb.Point) orb.Point { return GCJ02ToWGS84(BD09ToGCJ02(p)) }
