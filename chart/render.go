package chart

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"math"
	"strconv"
	"sync"

	"golang.org/x/image/vector"
)

// Width is the width of every picture, in pixels: a phone's screen at full
// resolution, so that labels stay large when the chat shows it.
const Width = 1080

// Renderer draws charts as PNG. It is safe for concurrent use.
type Renderer struct {
	Fonts *Fonts

	once sync.Once
	pal  *palette
}

func (r *Renderer) palette() *palette {
	r.once.Do(func() { r.pal = newPalette() })
	return r.pal
}

// NewRenderer returns a renderer with the embedded fonts and, when fontFile
// is not empty, that font file as the first fallback (config chart.font).
func NewRenderer(fontFile string) (*Renderer, error) {
	f, err := NewFonts(fontFile)
	if err != nil {
		return nil, err
	}
	return &Renderer{Fonts: f}, nil
}

type canvas struct {
	img                     *image.Paletted
	pal                     *palette
	title, text, small, big *faces
}

func (r *Renderer) canvas(h int) (*canvas, error) {
	c := &canvas{pal: r.palette()}
	// Index 0 of the palette is white: a new image is white already.
	c.img = image.NewPaletted(image.Rect(0, 0, Width, h), c.pal.colors)
	var err error
	for _, x := range []struct {
		f    **faces
		size float64
	}{{&c.title, 46}, {&c.text, 34}, {&c.small, 28}, {&c.big, 40}} {
		if *x.f, err = r.Fonts.at(x.size); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// header draws the title and the subtitle and returns the y below them.
func (c *canvas) header(title, subtitle string) int {
	y := pad + c.title.ascent()
	c.title.draw(c, pad, y, c.title.fit(title, Width-2*pad), ink)
	y += 20 + c.small.ascent()
	c.small.draw(c, pad, y, c.small.fit(subtitle, Width-2*pad), grey)
	return y + 36
}

func (c *canvas) png() ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, c.img); err != nil {
		return nil, fmt.Errorf("chart: png: %w", err)
	}
	return buf.Bytes(), nil
}

const pad = 40

// Bars draws a coverage chart: one row per unit, the bar's length its
// coverage from 0 to 100% (or a count, when b.Scale is set), the target a
// dashed vertical line, a marked unit's reason written on a tinted row
// where its bar would be.
func (r *Renderer) Bars(b Bars) ([]byte, error) {
	rowH := 76
	if len(b.Items) > 20 {
		rowH = 60
	}
	top := pad + 46 + 20 + 28 + 36 + 44 // header plus the target's label
	h := top + max(len(b.Items), 1)*rowH + 70 + pad
	c, err := r.canvas(h)
	if err != nil {
		return nil, err
	}
	c.header(b.Title, b.Subtitle)
	labelW := 0
	for _, it := range b.Items {
		labelW = max(labelW, c.text.width(it.Label))
	}
	labelW = min(labelW, 330)
	valueW := 240
	x0 := pad + labelW + 20
	x1 := Width - pad - valueW
	scale := func(milli int) int { return x0 + min(milli, 1000)*(x1-x0)/1000 }
	bottom := top + len(b.Items)*rowH
	// Grid: 0, 25, 50, 75, 100%.
	for p := 0; p <= 100; p += 25 {
		x := scale(p * 10)
		c.fill(x, top, x+2, bottom, rule)
		s := strconv.Itoa(p) + "%"
		if b.Scale > 0 {
			s = strconv.Itoa(b.Scale * p / 100)
		}
		c.small.draw(c, x-c.small.width(s)/2, bottom+16+c.small.ascent(), s, grey)
	}
	// Rows, then the target line, then the words, so that no line crosses a word.
	for i, it := range b.Items {
		y := top + i*rowH
		if it.Mark != "" {
			c.fill(pad-10, y+4, Width-pad+10, y+rowH-4, tint)
			continue
		}
		c.fill(x0, y+rowH/6, max(scale(it.Milli), x0+3), y+rowH-rowH/6, red)
	}
	if b.Target > 0 {
		x := scale(b.Target * 10)
		for y := top - 10; y < bottom+10; y += 18 {
			if i := (y - top) / rowH; y >= top && i < len(b.Items) && b.Items[i].Mark != "" {
				continue
			}
			c.fill(x-2, y, x+2, min(y+10, bottom+10), blue)
		}
		s := fmt.Sprintf("目标 %d%%", b.Target)
		c.small.draw(c, min(x-c.small.width(s)/2, Width-pad-c.small.width(s)), top-18, s, blue)
	}
	for i, it := range b.Items {
		y := top + i*rowH
		base := y + rowH/2 + c.text.ascent()/2 - 4
		label := c.text.fit(it.Label, labelW)
		if it.Mark != "" {
			c.text.draw(c, x0-20-c.text.width(label), base, label, orange)
			c.small.draw(c, x0+8, base, c.small.fit("※ "+it.Mark+"，未计入 · "+it.Value, Width-pad-x0-8), orange)
			continue
		}
		c.text.draw(c, x0-20-c.text.width(label), base, label, ink)
		value := it.Value
		if b.Target > 0 {
			// Written clear of the target line.
			if x := max(scale(it.Milli), x0+3) + 10; x <= scale(b.Target*10)+4 && x+c.small.width(value) >= scale(b.Target*10)-4 {
				c.small.draw(c, scale(b.Target*10)+12, base, value, ink)
				continue
			}
		}
		c.small.draw(c, max(scale(it.Milli), x0+3)+10, base, value, ink)
	}
	if len(b.Items) == 0 {
		c.text.draw(c, x0, top+rowH/2+c.text.ascent()/2, "暂无下级单位", grey)
	}
	return c.png()
}

// Line draws a count per week: a line through the weeks, the value on each
// point when there are few, the axis labelled at most eight times.
func (r *Renderer) Line(l Line) ([]byte, error) {
	const h = 760
	c, err := r.canvas(h)
	if err != nil {
		return nil, err
	}
	top := c.header(l.Title, l.Subtitle) + 30
	left, right, bottom := pad+80, Width-pad-20, h-pad-60
	hi := 0
	for _, p := range l.Points {
		hi = max(hi, p.Value)
	}
	step := niceStep(hi)
	ymax := max(step*4, (hi+step-1)/step*step)
	yOf := func(v int) float32 { return float32(bottom) - float32(v)*float32(bottom-top)/float32(ymax) }
	for v := 0; v <= ymax; v += step {
		y := int(yOf(v))
		c.fill(left, y, right, y+2, rule)
		s := strconv.Itoa(v)
		c.small.draw(c, left-14-c.small.width(s), y+c.small.ascent()/2-2, s, grey)
	}
	n := len(l.Points)
	if n == 0 {
		c.text.draw(c, left+20, (top+bottom)/2, "暂无数据", grey)
		return c.png()
	}
	xOf := func(i int) float32 {
		if n == 1 {
			return float32(left+right) / 2
		}
		return float32(left+20) + float32(i)*float32(right-left-40)/float32(n-1)
	}
	every := (n + 7) / 8
	for i, p := range l.Points {
		if i%every == 0 || i == n-1 {
			x := int(xOf(i))
			c.small.draw(c, x-c.small.width(p.Label)/2, bottom+20+c.small.ascent(), p.Label, grey)
		}
	}
	// The line and the dots in two passes: shapes of opposite winding
	// drawn in one would cancel where they overlap.
	ras := vector.NewRasterizer(Width, h)
	ras.DrawOp = draw.Src
	for i := 1; i < n; i++ {
		segment(ras, xOf(i-1), yOf(l.Points[i-1].Value), xOf(i), yOf(l.Points[i].Value), 3)
	}
	m := image.NewAlpha(c.img.Rect)
	ras.Draw(m, m.Rect, image.Opaque, image.Point{})
	c.mask(image.Point{}, m, red)
	ras.Reset(Width, h)
	ras.DrawOp = draw.Src
	for i, p := range l.Points {
		dot(ras, xOf(i), yOf(p.Value), 7)
	}
	m = image.NewAlpha(c.img.Rect)
	ras.Draw(m, m.Rect, image.Opaque, image.Point{})
	c.mask(image.Point{}, m, red)
	if n <= 16 {
		for i, p := range l.Points {
			s := strconv.Itoa(p.Value)
			c.small.draw(c, int(xOf(i))-c.small.width(s)/2, int(yOf(p.Value))-16, s, ink)
		}
	}
	return c.png()
}

// niceStep picks a grid step of 1, 2 or 5 times a power of ten that splits
// 0..hi into at most five parts.
func niceStep(hi int) int {
	if hi <= 4 {
		return 1
	}
	p := 1
	for {
		for _, m := range []int{1, 2, 5} {
			if hi <= m*p*5 {
				return m * p
			}
		}
		p *= 10
	}
}

// segment adds a line of half-width w from (x0, y0) to (x1, y1).
func segment(r *vector.Rasterizer, x0, y0, x1, y1, w float32) {
	dx, dy := x1-x0, y1-y0
	l := float32(math.Hypot(float64(dx), float64(dy)))
	if l == 0 {
		return
	}
	nx, ny := -dy/l*w, dx/l*w
	r.MoveTo(x0+nx, y0+ny)
	r.LineTo(x1+nx, y1+ny)
	r.LineTo(x1-nx, y1-ny)
	r.LineTo(x0-nx, y0-ny)
	r.ClosePath()
}

// dot adds a filled circle.
func dot(r *vector.Rasterizer, x, y, rad float32) {
	const n = 20
	for i := 0; i <= n; i++ {
		a := 2 * math.Pi * float64(i) / n
		px, py := x+rad*float32(math.Cos(a)), y+rad*float32(math.Sin(a))
		if i == 0 {
			r.MoveTo(px, py)
		} else {
			r.LineTo(px, py)
		}
	}
	r.ClosePath()
}
