package assess

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"

	"github.com/civplan/civplan/divisions"
	"github.com/paulmach/orb"
)

// palette fills the units of a map (colour-blind-safe Tableau 10).
var palette = []string{"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"}

// mapPoint is a village dot of a map.
type mapPoint struct {
	P       orb.Point
	Flagged bool
}

// projector maps lon/lat to SVG pixels (equirectangular with cos(mid-latitude) scaling).
type projector struct {
	minLon, maxLat, kx, ky, scale float64
	w, h                          float64
}

func newProjector(b orb.Bound, w, h, margin float64) projector {
	mid := (b.Min[1] + b.Max[1]) / 2 * math.Pi / 180
	kx := math.Cos(mid)
	dx := (b.Max[0] - b.Min[0]) * kx
	dy := b.Max[1] - b.Min[1]
	if dx <= 0 {
		dx = 1e-6
	}
	if dy <= 0 {
		dy = 1e-6
	}
	s := math.Min((w-2*margin)/dx, (h-2*margin)/dy)
	p := projector{minLon: b.Min[0], maxLat: b.Max[1], kx: kx, ky: 1, scale: s, w: w, h: h}
	// Centre the drawing.
	ox := (w - dx*s) / 2
	oy := (h - dy*s) / 2
	p.minLon -= ox / (s * kx)
	p.maxLat += oy / s
	return p
}

func (p projector) xy(q orb.Point) (float64, float64) {
	return (q[0] - p.minLon) * p.kx * p.scale, (p.maxLat - q[1]) * p.scale
}

// pathOf draws a multipolygon, dropping vertices closer than 0.7 px to the previous one.
func (p projector) pathOf(mp orb.MultiPolygon) string {
	var b strings.Builder
	for _, poly := range mp {
		for _, r := range poly {
			lx, ly := math.Inf(1), math.Inf(1)
			n := 0
			for i, q := range r {
				x, y := p.xy(q)
				if i > 0 && i < len(r)-1 && math.Hypot(x-lx, y-ly) < 0.7 {
					continue
				}
				if n == 0 {
					fmt.Fprintf(&b, "M%.1f %.1f", x, y)
				} else {
					fmt.Fprintf(&b, "L%.1f %.1f", x, y)
				}
				lx, ly = x, y
				n++
			}
			b.WriteString("Z")
		}
	}
	return b.String()
}

// svgMap draws units (filled boundaries, seats and labels) and village dots within bound b.
func svgMap(title string, units []*divisions.Division, pts []mapPoint, b orb.Bound, w, h float64) template.HTML {
	p := newProjector(b, w, h, 24)
	var s strings.Builder
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" class="map" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">`,
		w, h, w, h, html.EscapeString(title))
	fmt.Fprintf(&s, `<rect x="0" y="0" width="%.0f" height="%.0f" fill="#f4f7fb" stroke="#999"/>`, w, h)
	// Province-scale maps (many units) get hairlines and small marks.
	stroke, seatSz, dot := 1.0, 7.0, 2.2
	if len(units) > 40 {
		stroke, seatSz, dot = 0.25, 2.5, 0.9
	}
	for i, d := range units {
		if len(d.Boundary) == 0 {
			continue
		}
		fmt.Fprintf(&s, `<path d="%s" fill="%s" fill-opacity="0.7" fill-rule="evenodd" stroke="#333" stroke-width="%g"><title>%s %s</title></path>`,
			p.pathOf(d.Boundary), palette[i%len(palette)], stroke, html.EscapeString(d.Name), d.Code.Short())
	}
	for _, q := range pts {
		x, y := p.xy(q.P)
		col := "#222"
		if q.Flagged {
			col = "#d62728"
		}
		fmt.Fprintf(&s, `<circle cx="%.1f" cy="%.1f" r="%g" fill="%s"/>`, x, y, dot, col)
	}
	for _, d := range units {
		if !d.HasSeat {
			continue
		}
		x, y := p.xy(d.Seat)
		fmt.Fprintf(&s, `<rect x="%.1f" y="%.1f" width="%g" height="%g" fill="#000"/>`, x-seatSz/2, y-seatSz/2, seatSz, seatSz)
		if len(units) <= 40 {
			fmt.Fprintf(&s, `<text x="%.1f" y="%.1f" font-size="13" font-weight="bold" fill="#000" stroke="#fff" stroke-width="3" paint-order="stroke">%s</text>`,
				x+6, y-6, html.EscapeString(d.Name))
		}
	}
	// Scale bar: a round number of km about a fifth of the width.
	kmPerPx := 111.32 / p.scale
	target := w / 5 * kmPerPx
	step := math.Pow(10, math.Floor(math.Log10(target)))
	for _, m := range []float64{5, 2, 1} {
		if m*step <= target {
			step *= m
			break
		}
	}
	px := step / kmPerPx
	fmt.Fprintf(&s, `<line x1="12" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#000" stroke-width="3"/><text x="12" y="%.0f" font-size="12">%g km</text>`,
		h-14, 12+px, h-14, h-20, step)
	fmt.Fprintf(&s, `<text x="%.0f" y="18" font-size="14" text-anchor="end" font-weight="bold">%s</text>`, w-10, html.EscapeString(title))
	s.WriteString(`</svg>`)
	return template.HTML(s.String())
}

// maps draws the before and after maps of an evaluation.
func (ev *Evaluation) maps(w, h float64) (before, after template.HTML) {
	bu, au := ev.mapUnits()
	var b orb.Bound
	first := true
	grow := func(g orb.Bound) {
		if first {
			b, first = g, false
		} else {
			b = b.Union(g)
		}
	}
	for _, d := range append(append([]*divisions.Division(nil), bu...), au...) {
		if len(d.Boundary) > 0 {
			grow(d.Boundary.Bound())
		} else if d.HasSeat {
			grow(orb.Bound{Min: d.Seat, Max: d.Seat})
		}
	}
	flagged := map[divisions.Code]bool{}
	for _, f := range ev.Impact.Flags {
		flagged[f.Code] = true
	}
	var bp, ap []mapPoint
	for _, v := range ev.Impact.Villages {
		d := ev.Result.Base.Get(v.Code)
		if d == nil || !d.HasSeat {
			continue
		}
		grow(orb.Bound{Min: d.Seat, Max: d.Seat})
		bp = append(bp, mapPoint{P: d.Seat})
		if nv := ev.Result.After.Get(v.NewCode); nv != nil && nv.HasSeat {
			ap = append(ap, mapPoint{P: nv.Seat, Flagged: flagged[v.Code]})
		}
	}
	if first {
		b = orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}
	}
	pad := math.Max(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]) * 0.03
	b = b.Pad(pad)
	return svgMap("变更前", bu, bp, b, w, h), svgMap("变更后(方案)", au, ap, b, w, h)
}
