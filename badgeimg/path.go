package badgeimg

import (
	"image"
	"math"
	"strconv"
	"strings"

	"golang.org/x/image/vector"
)

// seg is one command of a path: 'M', 'L', 'Q', 'C' or 'Z', with its
// control and end points (absolute coordinates).
type seg struct {
	op  byte
	pts [3]point
}

type point struct{ x, y float64 }

// path is an outline in the 512×512 design space.
type path []seg

func (p *path) moveTo(a point)       { *p = append(*p, seg{op: 'M', pts: [3]point{a}}) }
func (p *path) lineTo(a point)       { *p = append(*p, seg{op: 'L', pts: [3]point{a}}) }
func (p *path) quadTo(b, c point)    { *p = append(*p, seg{op: 'Q', pts: [3]point{b, c}}) }
func (p *path) cubeTo(b, c, d point) { *p = append(*p, seg{op: 'C', pts: [3]point{b, c, d}}) }
func (p *path) close()               { *p = append(*p, seg{op: 'Z'}) }

func (s seg) n() int {
	switch s.op {
	case 'M', 'L':
		return 1
	case 'Q':
		return 2
	case 'C':
		return 3
	}
	return 0
}

// transform returns the path scaled by k about (cx, cy) and then moved by
// (dx, dy).
func (p path) transform(k, cx, cy, dx, dy float64) path {
	out := make(path, len(p))
	for i, s := range p {
		out[i].op = s.op
		for j := range s.n() {
			out[i].pts[j] = point{cx + (s.pts[j].x-cx)*k + dx, cy + (s.pts[j].y-cy)*k + dy}
		}
	}
	return out
}

// d returns the path as SVG path data.
func (p path) d() string {
	var b strings.Builder
	for i, s := range p {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(s.op)
		for j := range s.n() {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(num(s.pts[j].x))
			b.WriteByte(' ')
			b.WriteString(num(s.pts[j].y))
		}
	}
	return b.String()
}

// num formats a coordinate with at most two decimals.
func num(v float64) string {
	v = math.Round(v*100) / 100
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// bounds returns the pixel rectangle that holds the path scaled by k (a
// Bézier curve lies within its control points).
func (p path) bounds(k float64) image.Rectangle {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, s := range p {
		for j := range s.n() {
			x0, y0 = min(x0, s.pts[j].x), min(y0, s.pts[j].y)
			x1, y1 = max(x1, s.pts[j].x), max(y1, s.pts[j].y)
		}
	}
	if x0 > x1 {
		return image.Rectangle{}
	}
	return image.Rect(int(math.Floor(x0*k)), int(math.Floor(y0*k)), int(math.Ceil(x1*k)), int(math.Ceil(y1*k)))
}

// rasterize adds the path, scaled by k and moved by -off, to z.
func (p path) rasterize(z *vector.Rasterizer, k float64, off image.Point) {
	f := func(a point) (float32, float32) {
		return float32(a.x*k - float64(off.X)), float32(a.y*k - float64(off.Y))
	}
	open := false
	for _, s := range p {
		switch s.op {
		case 'M':
			if open {
				z.ClosePath()
			}
			z.MoveTo(f(s.pts[0]))
			open = true
		case 'L':
			z.LineTo(f(s.pts[0]))
		case 'Q':
			bx, by := f(s.pts[0])
			cx, cy := f(s.pts[1])
			z.QuadTo(bx, by, cx, cy)
		case 'C':
			bx, by := f(s.pts[0])
			cx, cy := f(s.pts[1])
			dx, dy := f(s.pts[2])
			z.CubeTo(bx, by, cx, cy, dx, dy)
		case 'Z':
			z.ClosePath()
			open = false
		}
	}
	if open {
		z.ClosePath()
	}
}

// flatten approximates the path by closed polygons.
func (p path) flatten() [][]point {
	var polys [][]point
	var cur []point
	var pen point
	for _, s := range p {
		switch s.op {
		case 'M':
			if len(cur) > 1 {
				polys = append(polys, cur)
			}
			cur = []point{s.pts[0]}
		case 'L':
			cur = append(cur, s.pts[0])
		case 'Q', 'C':
			const steps = 16
			for i := 1; i <= steps; i++ {
				t := float64(i) / steps
				if s.op == 'Q' {
					cur = append(cur, quadAt(pen, s.pts[0], s.pts[1], t))
				} else {
					cur = append(cur, cubeAt(pen, s.pts[0], s.pts[1], s.pts[2], t))
				}
			}
		case 'Z':
			if len(cur) > 1 {
				polys = append(polys, cur)
			}
			cur = nil
		}
		if n := s.n(); n > 0 {
			pen = s.pts[n-1]
		}
	}
	if len(cur) > 1 {
		polys = append(polys, cur)
	}
	return polys
}

func quadAt(a, b, c point, t float64) point {
	u := 1 - t
	return point{u*u*a.x + 2*u*t*b.x + t*t*c.x, u*u*a.y + 2*u*t*b.y + t*t*c.y}
}

func cubeAt(a, b, c, d point, t float64) point {
	u := 1 - t
	return point{
		u*u*u*a.x + 3*u*u*t*b.x + 3*u*t*t*c.x + t*t*t*d.x,
		u*u*u*a.y + 3*u*u*t*b.y + 3*u*t*t*c.y + t*t*t*d.y,
	}
}

// halfWidth returns the distance from x = cx to the nearest edge of the
// flattened outline on the horizontal line y (0 outside the outline).
func halfWidth(polys [][]point, cx, y float64) float64 {
	best := math.Inf(1)
	for _, poly := range polys {
		for i := range poly {
			a, b := poly[i], poly[(i+1)%len(poly)]
			if (a.y <= y) == (b.y <= y) {
				continue
			}
			x := a.x + (y-a.y)/(b.y-a.y)*(b.x-a.x)
			best = min(best, math.Abs(x-cx))
		}
	}
	if math.IsInf(best, 1) {
		return 0
	}
	return best
}

// parsePath reads the small SVG path subset used for icons: absolute M, L,
// Q, C and Z with space-separated numbers.
func parsePath(s string) path {
	f := strings.Fields(s)
	var p path
	num := func(i int) float64 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			panic("badgeimg: bad icon path: " + s)
		}
		return v
	}
	pt := func(i int) point { return point{num(i), num(i + 1)} }
	for i := 0; i < len(f); {
		switch op := f[i]; op {
		case "M":
			p.moveTo(pt(i + 1))
			i += 3
		case "L":
			p.lineTo(pt(i + 1))
			i += 3
		case "Q":
			p.quadTo(pt(i+1), pt(i+3))
			i += 5
		case "C":
			p.cubeTo(pt(i+1), pt(i+3), pt(i+5))
			i += 7
		case "Z":
			p.close()
			i++
		default:
			panic("badgeimg: bad icon path: " + s)
		}
	}
	return p
}
