package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// This file is a Go transcription of the inverse geodesic problem and the geodesic polygon
// area from C. F. F. Karney, "Algorithms for geodesics", J. Geodesy 87 (2013) 43–55,
// doi:10.1007/s00190-012-0578-z, with the series to order 6 as in GeographicLib (the code
// PROJ and hence pyproj use). Accuracy: about 15 nm for distances, 0.1 m² for areas of
// county-sized polygons.

// WGS84 ellipsoid (NIMA TR8350.2).
const (
	wgsA   = 6378137.0         // equatorial radius, metres
	wgsF   = 1 / 298.257223563 // flattening
	wgsB   = wgsA * (1 - wgsF) // polar semi-axis, metres
	degree = math.Pi / 180
)

const (
	geodOrder = 6
	nA1       = geodOrder
	nC1       = geodOrder
	nA2       = geodOrder
	nC2       = geodOrder
	nA3       = geodOrder
	nA3x      = nA3
	nC3       = geodOrder
	nC3x      = (nC3 * (nC3 - 1)) / 2
	nC4       = geodOrder
	nC4x      = (nC4 * (nC4 + 1)) / 2
	maxit1    = 20
	maxit2    = maxit1 + 53 + 10
)

var (
	// Numerical tolerances of GeographicLib (all constants, never written).
	tiny    = math.Sqrt(0x1p-1022) // square root of the smallest normal float64
	tol0    = 0x1p-52
	tol1    = 200 * tol0
	tol2    = math.Sqrt(tol0)
	tolb    = tol0 * tol2
	xthresh = 1000 * tol2
)

// ellipsoid holds the derived constants and series coefficients of an ellipsoid.
type ellipsoid struct {
	a, f, f1, e2, ep2, n, b, c2, etol2 float64
	a3x                                [nA3x]float64
	c3x                                [nC3x]float64
	c4x                                [nC4x]float64
}

// wgs84 is computed once; it is read-only after package initialisation.
var wgs84 = newEllipsoid(wgsA, wgsF)

func newEllipsoid(a, f float64) *ellipsoid {
	g := &ellipsoid{a: a, f: f}
	g.f1 = 1 - f
	g.e2 = f * (2 - f)
	g.ep2 = g.e2 / (g.f1 * g.f1)
	g.n = f / (2 - f)
	g.b = a * g.f1
	var t float64
	switch {
	case g.e2 == 0:
		t = 1
	case g.e2 > 0:
		t = math.Atanh(math.Sqrt(g.e2)) / math.Sqrt(math.Abs(g.e2))
	default:
		t = math.Atan(math.Sqrt(-g.e2)) / math.Sqrt(math.Abs(g.e2))
	}
	g.c2 = (a*a + g.b*g.b*t) / 2
	g.etol2 = 0.1 * tol2 / math.Sqrt(math.Max(0.001, math.Abs(f))*math.Min(1, 1-f/2)/2)
	g.initA3()
	g.initC3()
	g.initC4()
	return g
}

// polyval evaluates p[0]*x^n + … + p[n] (Horner).
func polyval(n int, p []float64, x float64) float64 {
	y := 0.0
	if n >= 0 {
		y = p[0]
		for i := 1; i <= n; i++ {
			y = y*x + p[i]
		}
	}
	return y
}

func (g *ellipsoid) initA3() {
	coeff := [...]float64{
		-3, 128, // eps^5
		-2, -3, 64, // eps^4
		-1, -3, -1, 16, // eps^3
		3, -1, -2, 8, // eps^2
		1, -1, 2, // eps^1
		1, 1, // eps^0
	}
	o, k := 0, 0
	for j := nA3 - 1; j >= 0; j-- {
		m := min(nA3-j-1, j)
		g.a3x[k] = polyval(m, coeff[o:], g.n) / coeff[o+m+1]
		k++
		o += m + 2
	}
}

func (g *ellipsoid) initC3() {
	coeff := [...]float64{
		3, 128, // C3[1], eps^5
		2, 5, 128, // C3[1], eps^4
		-1, 3, 3, 64, // C3[1], eps^3
		-1, 0, 1, 8, // C3[1], eps^2
		-1, 1, 4, // C3[1], eps^1
		5, 256, // C3[2], eps^5
		1, 3, 128, // C3[2], eps^4
		-3, -2, 3, 64, // C3[2], eps^3
		1, -3, 2, 32, // C3[2], eps^2
		7, 512, // C3[3], eps^5
		-10, 9, 384, // C3[3], eps^4
		5, -9, 5, 192, // C3[3], eps^3
		7, 512, // C3[4], eps^5
		-14, 7, 512, // C3[4], eps^4
		21, 2560, // C3[5], eps^5
	}
	o, k := 0, 0
	for l := 1; l < nC3; l++ {
		for j := nC3 - 1; j >= l; j-- {
			m := min(nC3-j-1, j)
			g.c3x[k] = polyval(m, coeff[o:], g.n) / coeff[o+m+1]
			k++
			o += m + 2
		}
	}
}

func (g *ellipsoid) initC4() {
	coeff := [...]float64{
		97, 15015, // C4[0], eps^5
		1088, 156, 45045, // C4[0], eps^4
		-224, -4784, 1573, 45045, // C4[0], eps^3
		-10656, 14144, -4576, -858, 45045, // C4[0], eps^2
		64, 624, -4576, 6864, -3003, 15015, // C4[0], eps^1
		100, 208, 572, 3432, -12012, 30030, 45045, // C4[0], eps^0
		1, 9009, // C4[1], eps^5
		-2944, 468, 135135, // C4[1], eps^4
		5792, 1040, -1287, 135135, // C4[1], eps^3
		5952, -11648, 9152, -2574, 135135, // C4[1], eps^2
		-64, -624, 4576, -6864, 3003, 135135, // C4[1], eps^1
		8, 10725, // C4[2], eps^5
		1856, -936, 225225, // C4[2], eps^4
		-8448, 4992, -1144, 225225, // C4[2], eps^3
		-1440, 4160, -4576, 1716, 225225, // C4[2], eps^2
		-136, 63063, // C4[3], eps^5
		1024, -208, 105105, // C4[3], eps^4
		3584, -3328, 1144, 315315, // C4[3], eps^3
		-128, 135135, // C4[4], eps^5
		-2560, 832, 405405, // C4[4], eps^4
		128, 99099, // C4[5], eps^5
	}
	o, k := 0, 0
	for l := 0; l < nC4; l++ {
		for j := nC4 - 1; j >= l; j-- {
			m := nC4 - j - 1
			g.c4x[k] = polyval(m, coeff[o:], g.n) / coeff[o+m+1]
			k++
			o += m + 2
		}
	}
}

func (g *ellipsoid) a3f(eps float64) float64 { return polyval(nA3-1, g.a3x[:], eps) }

// c3f fills c[1..nC3-1].
func (g *ellipsoid) c3f(eps float64, c []float64) {
	mult := 1.0
	o := 0
	for l := 1; l < nC3; l++ {
		m := nC3 - l - 1
		mult *= eps
		c[l] = mult * polyval(m, g.c3x[o:], eps)
		o += m + 1
	}
}

// c4f fills c[0..nC4-1].
func (g *ellipsoid) c4f(eps float64, c []float64) {
	mult := 1.0
	o := 0
	for l := 0; l < nC4; l++ {
		m := nC4 - l - 1
		c[l] = mult * polyval(m, g.c4x[o:], eps)
		o += m + 1
		mult *= eps
	}
}

func a1m1f(eps float64) float64 {
	coeff := [...]float64{1, 4, 64, 0, 256}
	m := nA1 / 2
	t := polyval(m, coeff[:], eps*eps) / coeff[m+1]
	return (t + eps) / (1 - eps)
}

// c1f fills c[1..nC1].
func c1f(eps float64, c []float64) {
	coeff := [...]float64{
		-1, 6, -16, 32,
		-9, 64, -128, 2048,
		9, -16, 768,
		3, -5, 512,
		-7, 1280,
		-7, 2048,
	}
	eps2, d := eps*eps, eps
	o := 0
	for l := 1; l <= nC1; l++ {
		m := (nC1 - l) / 2
		c[l] = d * polyval(m, coeff[o:], eps2) / coeff[o+m+1]
		o += m + 2
		d *= eps
	}
}

func a2m1f(eps float64) float64 {
	coeff := [...]float64{-11, -28, -192, 0, 256}
	m := nA2 / 2
	t := polyval(m, coeff[:], eps*eps) / coeff[m+1]
	return (t - eps) / (1 + eps)
}

// c2f fills c[1..nC2].
func c2f(eps float64, c []float64) {
	coeff := [...]float64{
		1, 2, 16, 32,
		35, 64, 384, 2048,
		15, 80, 768,
		7, 35, 512,
		63, 1280,
		77, 2048,
	}
	eps2, d := eps*eps, eps
	o := 0
	for l := 1; l <= nC2; l++ {
		m := (nC2 - l) / 2
		c[l] = d * polyval(m, coeff[o:], eps2) / coeff[o+m+1]
		o += m + 2
		d *= eps
	}
}

// sinCosSeries evaluates Σ c[l] sin(2lx) (l = 1..n) when sinp, else Σ c[l] cos((2l+1)x)
// (l = 0..n-1), by Clenshaw summation.
func sinCosSeries(sinp bool, sinx, cosx float64, c []float64, n int) float64 {
	k := n
	if sinp {
		k++
	}
	ar := 2 * (cosx - sinx) * (cosx + sinx)
	var y0, y1 float64
	if n&1 != 0 {
		k--
		y0 = c[k]
	}
	for n /= 2; n > 0; n-- {
		k--
		y1 = ar*y0 - y1 + c[k]
		k--
		y0 = ar*y1 - y0 + c[k]
	}
	if sinp {
		return 2 * sinx * cosx * y0
	}
	return cosx * (y0 - y1)
}

// hypot is math.Hypot without its scaling when that is not needed (the arguments here are
// of order 1).
func hypot(x, y float64) float64 {
	r := math.Sqrt(x*x + y*y)
	if r > 1e-150 && r < 1e150 {
		return r
	}
	return math.Hypot(x, y)
}

func norm2(s, c float64) (float64, float64) {
	r := hypot(s, c)
	return s / r, c / r
}

// sumx is the error-free sum: s + t = u + v exactly.
func sumx(u, v float64) (s, t float64) {
	s = u + v
	up := s - v
	vpp := s - up
	up -= u
	vpp -= v
	if s != 0 {
		t = 0 - (up + vpp)
	} else {
		t = s
	}
	return s, t
}

func angRound(x float64) float64 {
	const z = 1.0 / 16
	y := math.Abs(x)
	w := z - y
	if w > 0 {
		y = z - w
	}
	return math.Copysign(y, x)
}

// remainderDeg is math.Remainder(x, y) for y = 90 or 360, bit for bit, without its slow
// general path where the quotient is small: for |x| ≤ y/2 the remainder is x (a tie rounds to
// the even quotient 0); otherwise with n the nearest integer to x/y, x − n·y is exact (Sterbenz:
// n·y/2 ≤ |x| ≤ 2·n·y) and is the remainder whenever |x − n·y| < y/2 (the remainder is then
// unique). A zero result takes x's sign, as math.Remainder's does. Anything else falls back.
func remainderDeg(x, y float64) float64 {
	if math.Abs(x) <= y/2 {
		return x
	}
	n := math.RoundToEven(x / y)
	if math.Abs(n) <= 1<<20 {
		if r := x - n*y; math.Abs(r) < y/2 {
			if r == 0 {
				return math.Copysign(0, x)
			}
			return r
		}
	}
	return math.Remainder(x, y)
}

func angNormalize(x float64) float64 {
	y := remainderDeg(x, 360)
	if math.Abs(y) == 180 {
		return math.Copysign(180, x)
	}
	return y
}

// angDiff returns y − x reduced to [−180°, 180°] and the rounding error e of the reduction.
func angDiff(x, y float64) (d, e float64) {
	d, t := sumx(remainderDeg(-x, 360), remainderDeg(y, 360))
	d, t = sumx(remainderDeg(d, 360), t)
	if d == 0 || math.Abs(d) == 180 {
		if t == 0 {
			d = math.Copysign(d, y-x)
		} else {
			d = math.Copysign(d, -t)
		}
	}
	return d, t
}

// sincosd returns the sine and cosine of x degrees, exact at multiples of 90°.
func sincosd(x float64) (sinx, cosx float64) {
	r := remainderDeg(x, 90)
	q := int64(math.Round((x - r) / 90))
	r *= degree
	s, c := math.Sincos(r)
	switch uint64(q) & 3 {
	case 0:
		sinx, cosx = s, c
	case 1:
		sinx, cosx = c, -s
	case 2:
		sinx, cosx = -s, -c
	default:
		sinx, cosx = -c, s
	}
	cosx += 0
	if sinx == 0 {
		sinx = math.Copysign(sinx, x)
	}
	return sinx, cosx
}

// atan2d returns atan2(y, x) in degrees in (−180°, 180°].
func atan2d(y, x float64) float64 {
	q := 0
	if math.Abs(y) > math.Abs(x) {
		x, y = y, x
		q = 2
	}
	if math.Signbit(x) {
		x = -x
		q++
	}
	ang := math.Atan2(y, x) / degree
	switch q {
	case 1:
		ang = math.Copysign(180, y) - ang
	case 2:
		ang = 90 - ang
	case 3:
		ang = -90 + ang
	}
	return ang
}

func latFix(x float64) float64 {
	if math.Abs(x) > 90 {
		return math.NaN()
	}
	return x
}

func astroid(x, y float64) float64 {
	p, q := x*x, y*y
	r := (p + q - 1) / 6
	if q == 0 && r <= 0 {
		return 0
	}
	s := p * q / 4
	r2 := r * r
	r3 := r * r2
	disc := s * (s + 2*r3)
	u := r
	if disc >= 0 {
		t3 := s + r3
		if t3 < 0 {
			t3 -= math.Sqrt(disc)
		} else {
			t3 += math.Sqrt(disc)
		}
		t := math.Cbrt(t3)
		u += t
		if t != 0 {
			u += r2 / t
		}
	} else {
		ang := math.Atan2(math.Sqrt(-disc), -(s + r3))
		u += 2 * r * math.Cos(ang/3)
	}
	v := math.Sqrt(u*u + q)
	var uv float64
	if u < 0 {
		uv = q / (v - u)
	} else {
		uv = u + v
	}
	w := (uv - q) / (2 * v)
	return uv / (math.Sqrt(uv+w*w) + w)
}

// lengths returns the reduced distance s12/b (when wantS) and m12/b (when wantM or not wantS;
// 0 otherwise).
func (g *ellipsoid) lengths(eps, sig12, ssig1, csig1, dn1, ssig2, csig2, dn2 float64, wantS, wantM bool) (s12b, m12b float64) {
	var ca, cb [geodOrder + 1]float64
	a1 := a1m1f(eps)
	c1f(eps, ca[:])
	if wantS && !wantM { // the distance alone: the same operations as below, without m12's
		b1 := sinCosSeries(true, ssig2, csig2, ca[:], nC1) - sinCosSeries(true, ssig1, csig1, ca[:], nC1)
		return (1 + a1) * (sig12 + b1), 0
	}
	a2 := a2m1f(eps)
	c2f(eps, cb[:])
	m0 := a1 - a2
	a2 = 1 + a2
	a1 = 1 + a1
	var j12 float64
	if wantS {
		b1 := sinCosSeries(true, ssig2, csig2, ca[:], nC1) - sinCosSeries(true, ssig1, csig1, ca[:], nC1)
		s12b = a1 * (sig12 + b1)
		b2 := sinCosSeries(true, ssig2, csig2, cb[:], nC2) - sinCosSeries(true, ssig1, csig1, cb[:], nC2)
		j12 = m0*sig12 + (a1*b1 - a2*b2)
	} else {
		for l := 1; l <= nC2; l++ {
			cb[l] = a1*ca[l] - a2*cb[l]
		}
		j12 = m0*sig12 + (sinCosSeries(true, ssig2, csig2, cb[:], nC2) - sinCosSeries(true, ssig1, csig1, cb[:], nC2))
	}
	m12b = dn2*(csig1*ssig2) - dn1*(ssig1*csig2) - csig1*csig2*j12
	return s12b, m12b
}

// inverseStart returns a starting azimuth for Newton's method, or sig12 ≥ 0 when the
// solution is already known (short lines).
func (g *ellipsoid) inverseStart(sbet1, cbet1, dn1, sbet2, cbet2, dn2, lam12, slam12, clam12 float64) (sig12, salp1, calp1, salp2, calp2, dnm float64) {
	sig12 = -1
	sbet12 := sbet2*cbet1 - cbet2*sbet1
	cbet12 := cbet2*cbet1 + sbet2*sbet1
	sbet12a := sbet2*cbet1 + cbet2*sbet1
	shortline := cbet12 >= 0 && sbet12 < 0.5 && cbet2*lam12 < 0.5
	var somg12, comg12 float64
	if shortline {
		sbetm2 := (sbet1 + sbet2) * (sbet1 + sbet2)
		sbetm2 /= sbetm2 + (cbet1+cbet2)*(cbet1+cbet2)
		dnm = math.Sqrt(1 + g.ep2*sbetm2)
		omg12 := lam12 / (g.f1 * dnm)
		somg12, comg12 = math.Sincos(omg12)
	} else {
		somg12, comg12 = slam12, clam12
	}
	salp1 = cbet2 * somg12
	if comg12 >= 0 {
		calp1 = sbet12 + cbet2*sbet1*somg12*somg12/(1+comg12)
	} else {
		calp1 = sbet12a - cbet2*sbet1*somg12*somg12/(1-comg12)
	}
	ssig12 := hypot(salp1, calp1)
	csig12 := sbet1*sbet2 + cbet1*cbet2*comg12
	if shortline && ssig12 < g.etol2 {
		salp2 = cbet1 * somg12
		t := 1 - comg12
		if comg12 >= 0 {
			t = somg12 * somg12 / (1 + comg12)
		}
		calp2 = sbet12 - cbet1*sbet2*t
		salp2, calp2 = norm2(salp2, calp2)
		sig12 = math.Atan2(ssig12, csig12)
	} else if math.Abs(g.n) > 0.1 || csig12 >= 0 || ssig12 >= 6*math.Abs(g.n)*math.Pi*cbet1*cbet1 {
		// The zeroth-order spherical approximation is good enough.
	} else {
		// Nearly antipodal: scale to the astroid problem (f > 0 only; WGS84).
		lam12x := math.Atan2(-slam12, -clam12)
		k2 := sbet1 * sbet1 * g.ep2
		eps := k2 / (2*(1+math.Sqrt(1+k2)) + k2)
		lamscale := g.f * cbet1 * g.a3f(eps) * math.Pi
		betscale := lamscale * cbet1
		x := lam12x / lamscale
		y := sbet12a / betscale
		if y > -tol1 && x > -1-xthresh {
			salp1 = math.Min(1, -x)
			calp1 = -math.Sqrt(1 - salp1*salp1)
		} else {
			k := astroid(x, y)
			omg12a := lamscale * (-x * k / (1 + k))
			somg12, comg12 = math.Sincos(omg12a)
			comg12 = -comg12
			salp1 = cbet2 * somg12
			calp1 = sbet12a - cbet2*sbet1*somg12*somg12/(1-comg12)
		}
	}
	if !(salp1 <= 0) {
		salp1, calp1 = norm2(salp1, calp1)
	} else {
		salp1, calp1 = 1, 0
	}
	return sig12, salp1, calp1, salp2, calp2, dnm
}

type lambdaResult struct {
	lam12, salp2, calp2, sig12, ssig1, csig1, ssig2, csig2, eps, domg12, dlam12 float64
}

func (g *ellipsoid) lambda12(sbet1, cbet1, dn1, sbet2, cbet2, dn2, salp1, calp1, slam120, clam120 float64, diffp bool) lambdaResult {
	var r lambdaResult
	if sbet1 == 0 && calp1 == 0 {
		calp1 = -tiny
	}
	salp0 := salp1 * cbet1
	calp0 := hypot(calp1, salp1*sbet1)
	ssig1 := sbet1
	somg1 := salp0 * sbet1
	csig1 := calp1 * cbet1
	comg1 := csig1
	ssig1, csig1 = norm2(ssig1, csig1)
	if cbet2 != cbet1 {
		r.salp2 = salp0 / cbet2
	} else {
		r.salp2 = salp1
	}
	if cbet2 != cbet1 || math.Abs(sbet2) != -sbet1 {
		var t float64
		if cbet1 < -sbet1 {
			t = (cbet2 - cbet1) * (cbet1 + cbet2)
		} else {
			t = (sbet1 - sbet2) * (sbet1 + sbet2)
		}
		r.calp2 = math.Sqrt((calp1*cbet1)*(calp1*cbet1)+t) / cbet2
	} else {
		r.calp2 = math.Abs(calp1)
	}
	ssig2 := sbet2
	somg2 := salp0 * sbet2
	csig2 := r.calp2 * cbet2
	comg2 := csig2
	ssig2, csig2 = norm2(ssig2, csig2)
	r.sig12 = math.Atan2(math.Max(0, csig1*ssig2-ssig1*csig2), csig1*csig2+ssig1*ssig2)
	somg12 := math.Max(0, comg1*somg2-somg1*comg2)
	comg12 := comg1*comg2 + somg1*somg2
	eta := math.Atan2(somg12*clam120-comg12*slam120, comg12*clam120+somg12*slam120)
	k2 := calp0 * calp0 * g.ep2
	r.eps = k2 / (2*(1+math.Sqrt(1+k2)) + k2)
	var ca [geodOrder + 1]float64
	g.c3f(r.eps, ca[:])
	b312 := sinCosSeries(true, ssig2, csig2, ca[:], nC3-1) - sinCosSeries(true, ssig1, csig1, ca[:], nC3-1)
	r.domg12 = -g.f * g.a3f(r.eps) * salp0 * (r.sig12 + b312)
	r.lam12 = eta + r.domg12
	if diffp {
		if r.calp2 == 0 {
			r.dlam12 = -2 * g.f1 * dn1 / sbet1
		} else {
			_, m12b := g.lengths(r.eps, r.sig12, ssig1, csig1, dn1, ssig2, csig2, dn2, false, true)
			r.dlam12 = m12b * g.f1 / (r.calp2 * cbet2)
		}
	}
	r.ssig1, r.csig1, r.ssig2, r.csig2 = ssig1, csig1, ssig2, csig2
	return r
}

// inverse solves the inverse geodesic problem: distance s12 (m), forward azimuths azi1 and
// azi2 (°, when wantAzi; else 0) and, when wantArea, the area S12 (m²) between the geodesic,
// the equator and the meridians.
func (g *ellipsoid) inverse(lat1, lon1, lat2, lon2 float64, wantArea, wantAzi bool) (s12, azi1, azi2, S12 float64) {
	lon12, lon12s := angDiff(lon1, lon2)
	lonsign := 1.0
	if math.Signbit(lon12) {
		lonsign = -1
	}
	lon12 = lonsign * angRound(lon12)
	lon12s = angRound((180 - lon12) - lonsign*lon12s)
	lam12 := lon12 * degree
	var slam12, clam12 float64
	if lon12 > 90 {
		slam12, clam12 = sincosd(lon12s)
		clam12 = -clam12
	} else {
		slam12, clam12 = sincosd(lon12)
	}
	lat1 = angRound(latFix(lat1))
	lat2 = angRound(latFix(lat2))
	swapp := 1.0
	if math.Abs(lat1) < math.Abs(lat2) || math.IsNaN(lat2) {
		swapp = -1
		lonsign = -lonsign
		lat1, lat2 = lat2, lat1
	}
	latsign := -1.0
	if math.Signbit(lat1) {
		latsign = 1
	}
	lat1 *= latsign
	lat2 *= latsign

	sbet1, cbet1 := sincosd(lat1)
	sbet1 *= g.f1
	sbet1, cbet1 = norm2(sbet1, cbet1)
	cbet1 = math.Max(tiny, cbet1)
	sbet2, cbet2 := sincosd(lat2)
	sbet2 *= g.f1
	sbet2, cbet2 = norm2(sbet2, cbet2)
	cbet2 = math.Max(tiny, cbet2)
	if cbet1 < -sbet1 {
		if cbet2 == cbet1 {
			sbet2 = math.Copysign(sbet1, sbet2)
		}
	} else if math.Abs(sbet2) == -sbet1 {
		cbet2 = cbet1
	}
	dn1 := math.Sqrt(1 + g.ep2*sbet1*sbet1)
	dn2 := math.Sqrt(1 + g.ep2*sbet2*sbet2)

	var salp1, calp1, salp2, calp2, sig12, s12x float64
	var omg12, somg12, comg12 float64
	meridian := lat1 == -90 || slam12 == 0
	if meridian {
		calp1, salp1 = clam12, slam12
		calp2, salp2 = 1, 0
		ssig1, csig1 := sbet1, calp1*cbet1
		ssig2, csig2 := sbet2, calp2*cbet2
		sig12 = math.Atan2(math.Max(0, csig1*ssig2-ssig1*csig2), csig1*csig2+ssig1*ssig2)
		var m12x float64 // reduced length, only for the test below
		s12x, m12x = g.lengths(g.n, sig12, ssig1, csig1, dn1, ssig2, csig2, dn2, true, true)
		if sig12 < 1 || m12x >= 0 {
			if sig12 < 3*tiny || (sig12 < tol0 && (s12x < 0 || m12x < 0)) {
				sig12, s12x = 0, 0
			}
			s12x *= g.b
		} else {
			meridian = false
		}
	}
	somg12 = 2 // marks "not yet computed"
	if !meridian && sbet1 == 0 && (g.f <= 0 || lon12s >= g.f*180) {
		// Equatorial geodesic.
		calp1, calp2 = 0, 0
		salp1, salp2 = 1, 1
		s12x = g.a * lam12
		sig12 = lam12 / g.f1
		omg12 = sig12
	} else if !meridian {
		var dnm float64
		sig12, salp1, calp1, salp2, calp2, dnm = g.inverseStart(sbet1, cbet1, dn1, sbet2, cbet2, dn2, lam12, slam12, clam12)
		if sig12 >= 0 {
			s12x = sig12 * g.b * dnm
			omg12 = lam12 / (g.f1 * dnm)
		} else {
			var r lambdaResult
			tripn, tripb := false, false
			salp1a, calp1a := tiny, 1.0
			salp1b, calp1b := tiny, -1.0
			for numit := 0; ; numit++ {
				r = g.lambda12(sbet1, cbet1, dn1, sbet2, cbet2, dn2, salp1, calp1, slam12, clam12, numit < maxit1)
				v, dv := r.lam12, r.dlam12
				tol := tol0
				if tripn {
					tol = 8 * tol0
				}
				if tripb || !(math.Abs(v) >= tol) || numit == maxit2 {
					break
				}
				if v > 0 && (numit > maxit1 || calp1/salp1 > calp1b/salp1b) {
					salp1b, calp1b = salp1, calp1
				} else if v < 0 && (numit > maxit1 || calp1/salp1 < calp1a/salp1a) {
					salp1a, calp1a = salp1, calp1
				}
				if numit < maxit1 && dv > 0 {
					dalp1 := -v / dv
					if math.Abs(dalp1) < math.Pi {
						sdalp1, cdalp1 := math.Sincos(dalp1)
						nsalp1 := salp1*cdalp1 + calp1*sdalp1
						if nsalp1 > 0 {
							calp1 = calp1*cdalp1 - salp1*sdalp1
							salp1 = nsalp1
							salp1, calp1 = norm2(salp1, calp1)
							tripn = math.Abs(v) <= 16*tol0
							continue
						}
					}
				}
				salp1 = (salp1a + salp1b) / 2
				calp1 = (calp1a + calp1b) / 2
				salp1, calp1 = norm2(salp1, calp1)
				tripn = false
				tripb = math.Abs(salp1a-salp1)+(calp1a-calp1) < tolb || math.Abs(salp1-salp1b)+(calp1-calp1b) < tolb
			}
			salp2, calp2, sig12 = r.salp2, r.calp2, r.sig12
			s12x, _ = g.lengths(r.eps, sig12, r.ssig1, r.csig1, dn1, r.ssig2, r.csig2, dn2, true, false)
			s12x *= g.b
			if wantArea {
				sdomg12, cdomg12 := math.Sincos(r.domg12)
				somg12 = slam12*cdomg12 - clam12*sdomg12
				comg12 = clam12*cdomg12 + slam12*sdomg12
			}
		}
	}
	s12 = 0 + s12x

	if wantArea {
		salp0 := salp1 * cbet1
		calp0 := hypot(calp1, salp1*sbet1)
		if calp0 != 0 && salp0 != 0 {
			ssig1, csig1 := norm2(sbet1, calp1*cbet1)
			ssig2, csig2 := norm2(sbet2, calp2*cbet2)
			k2 := calp0 * calp0 * g.ep2
			eps := k2 / (2*(1+math.Sqrt(1+k2)) + k2)
			a4 := g.a * g.a * calp0 * salp0 * g.e2
			var ca [nC4]float64
			g.c4f(eps, ca[:])
			b41 := sinCosSeries(false, ssig1, csig1, ca[:], nC4)
			b42 := sinCosSeries(false, ssig2, csig2, ca[:], nC4)
			S12 = a4 * (b42 - b41)
		}
		if !meridian && somg12 == 2 {
			somg12, comg12 = math.Sincos(omg12)
		}
		var alp12 float64
		if !meridian && comg12 > -0.7071 && sbet2-sbet1 < 1.75 {
			domg12 := 1 + comg12
			dbet1 := 1 + cbet1
			dbet2 := 1 + cbet2
			alp12 = 2 * math.Atan2(somg12*(sbet1*dbet2+sbet2*dbet1), domg12*(sbet1*sbet2+dbet1*dbet2))
		} else {
			salp12 := salp2*calp1 - calp2*salp1
			calp12 := calp2*calp1 + salp2*salp1
			if salp12 == 0 && calp12 < 0 {
				salp12 = tiny * calp1
				calp12 = -1
			}
			alp12 = math.Atan2(salp12, calp12)
		}
		S12 += g.c2 * alp12
		S12 *= swapp * lonsign * latsign
		S12 += 0
	}
	if !wantAzi {
		return s12, 0, 0, S12
	}
	if swapp < 0 {
		salp1, salp2 = salp2, salp1
		calp1, calp2 = calp2, calp1
	}
	salp1 *= swapp * lonsign
	calp1 *= swapp * latsign
	salp2 *= swapp * lonsign
	calp2 *= swapp * latsign
	return s12, atan2d(salp1, calp1), atan2d(salp2, calp2), S12
}

// DistanceM returns the geodesic distance in metres between a and b on the WGS84 ellipsoid,
// accurate to about 15 nm for any pair, antipodal ones included: Karney's method, or for lines
// shorter than 10 km (chord) the arc of their curvature (shortLineM), which agrees with it to
// a few nanometres. Longitudes may lie outside [−180°, 180°]; a latitude outside [−90°, 90°]
// or NaN gives NaN.
func DistanceM(a, b orb.Point) float64 {
	if validPoint(a) && validPoint(b) {
		qa, qb := toECEF(a), toECEF(b)
		return distanceShortOr(a, b, &qa, &qb)
	}
	s, _, _, _ := wgs84.inverse(a[1], a[0], b[1], b[0], false, false)
	return s
}

// AzimuthDeg returns the forward azimuth at a of the geodesic from a to b, in degrees
// clockwise from north in (−180°, 180°]; for coincident points it is 0 or 180 by convention.
func AzimuthDeg(a, b orb.Point) float64 {
	_, azi1, _, _ := wgs84.inverse(a[1], a[0], b[1], b[0], false, true)
	return azi1
}
