package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// CGCS2000 ellipsoid (the same semi-major axis as WGS84; 1/f = 298.257222101).
const (
	cgcsA    = 6378137.0
	cgcsInvF = 298.257222101
)

// tmSeries holds the 6th-order Krüger series of a transverse Mercator projection with scale 1
// (Karney 2011, "Transverse Mercator with an accuracy of a few nanometers").
type tmSeries struct {
	e, e2, bigA float64
	alpha, beta [7]float64 // [1..6]
}

func newTMSeries(a, invF float64) tmSeries {
	f := 1 / invF
	n := f / (2 - f)
	n2, n3 := n*n, n*n*n
	n4, n5, n6 := n2*n2, n2*n3, n3*n3
	s := tmSeries{e2: f * (2 - f), e: math.Sqrt(f * (2 - f)), bigA: a / (1 + n) * (1 + n2/4 + n4/64 + n6/256)}
	s.alpha[1] = n/2 - 2*n2/3 + 5*n3/16 + 41*n4/180 - 127*n5/288 + 7891*n6/37800
	s.alpha[2] = 13*n2/48 - 3*n3/5 + 557*n4/1440 + 281*n5/630 - 1983433*n6/1935360
	s.alpha[3] = 61*n3/240 - 103*n4/140 + 15061*n5/26880 + 167603*n6/181440
	s.alpha[4] = 49561*n4/161280 - 179*n5/168 + 6601661*n6/7257600
	s.alpha[5] = 34729*n5/80640 - 3418889*n6/1995840
	s.alpha[6] = 212378941 * n6 / 319334400
	s.beta[1] = n/2 - 2*n2/3 + 37*n3/96 - n4/360 - 81*n5/512 + 96199*n6/604800
	s.beta[2] = n2/48 + n3/15 - 437*n4/1440 + 46*n5/105 - 1118711*n6/3870720
	s.beta[3] = 17*n3/480 - 37*n4/840 - 209*n5/4480 + 5569*n6/90720
	s.beta[4] = 4397*n4/161280 - 11*n5/504 - 830251*n6/7257600
	s.beta[5] = 4583*n5/161280 - 108847*n6/3991680
	s.beta[6] = 20648693 * n6 / 638668800
	return s
}

// gkFalseEasting is the false easting of the CGCS2000 3° Gauss-Krüger "CM" systems, metres.
const gkFalseEasting = 500000

// forward projects lon/lat degrees to easting, northing in metres (central meridian lon0,
// false easting 500 km).
func (s tmSeries) forward(p orb.Point, lon0 float64) orb.Point {
	phi := p[1] * math.Pi / 180
	lam := (p[0] - lon0) * math.Pi / 180
	sinPhi := math.Sin(phi)
	t := math.Sinh(math.Atanh(sinPhi) - s.e*math.Atanh(s.e*sinPhi))
	xi0 := math.Atan2(t, math.Cos(lam))
	eta0 := math.Atanh(math.Sin(lam) / math.Sqrt(1+t*t))
	xi, eta := xi0, eta0
	for j := 1; j <= 6; j++ {
		fj := float64(2 * j)
		xi += s.alpha[j] * math.Sin(fj*xi0) * math.Cosh(fj*eta0)
		eta += s.alpha[j] * math.Cos(fj*xi0) * math.Sinh(fj*eta0)
	}
	return orb.Point{gkFalseEasting + s.bigA*eta, s.bigA * xi}
}

// inverse maps easting, northing in metres back to lon/lat degrees (the inverse of forward;
// the conformal latitude is solved by Newton's method, Karney 2011 eq. 19–21).
func (s tmSeries) inverse(p orb.Point, lon0 float64) orb.Point {
	xi := p[1] / s.bigA
	eta := (p[0] - gkFalseEasting) / s.bigA
	xi1, eta1 := xi, eta
	for j := 1; j <= 6; j++ {
		fj := float64(2 * j)
		xi1 -= s.beta[j] * math.Sin(fj*xi) * math.Cosh(fj*eta)
		eta1 -= s.beta[j] * math.Cos(fj*xi) * math.Sinh(fj*eta)
	}
	sinhEta, cosXi := math.Sinh(eta1), math.Cos(xi1)
	tauP := math.Sin(xi1) / math.Hypot(sinhEta, cosXi) // tan of the conformal latitude
	lam := math.Atan2(sinhEta, cosXi)
	tau := tauP
	for i := 0; i < 10; i++ {
		sqrt1t := math.Sqrt(1 + tau*tau)
		sigma := math.Sinh(s.e * math.Atanh(s.e*tau/sqrt1t))
		tauI := tau*math.Sqrt(1+sigma*sigma) - sigma*sqrt1t
		d := (tauP - tauI) / math.Sqrt(1+tauI*tauI) * (1 + (1-s.e2)*tau*tau) / ((1 - s.e2) * sqrt1t)
		tau += d
		if math.Abs(d) < 1e-15*math.Max(1, math.Abs(tau)) {
			break
		}
	}
	return orb.Point{lon0 + lam*180/math.Pi, math.Atan(tau) * 180 / math.Pi}
}
