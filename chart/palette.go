package chart

import (
	"image"
	"image/color"
)

// Pictures are drawn straight into a paletted image: a chart has a handful
// of colours and their anti-aliased blends, and a paletted picture is a
// quarter of the memory and its PNG needs no filtering, which makes a long
// chart several times faster to draw and encode (BenchmarkBars100).
var (
	white  = color.RGBA{0xff, 0xff, 0xff, 0xff}
	ink    = color.RGBA{0x21, 0x21, 0x21, 0xff}
	grey   = color.RGBA{0x75, 0x75, 0x75, 0xff}
	rule   = color.RGBA{0xe0, 0xe0, 0xe0, 0xff}
	red    = color.RGBA{0xc6, 0x28, 0x28, 0xff}
	blue   = color.RGBA{0x15, 0x65, 0xc0, 0xff}
	orange = color.RGBA{0xe6, 0x51, 0x00, 0xff}
	tint   = color.RGBA{0xff, 0xf3, 0xe0, 0xff}
)

// levels is the number of blend steps between a colour and what is under it.
const levels = 16

type palette struct {
	colors color.Palette
	index  map[color.RGBA]uint8
	// mix[f][b][k] is the colour f drawn over colour b at coverage k/levels.
	mix [][256][levels + 1]uint8
	fg  map[color.RGBA]int // a drawing colour's row in mix
}

func newPalette() *palette {
	p := &palette{index: map[color.RGBA]uint8{}, fg: map[color.RGBA]int{}}
	add := func(c color.RGBA) {
		if _, ok := p.index[c]; !ok && len(p.colors) < 256 {
			p.index[c] = uint8(len(p.colors))
			p.colors = append(p.colors, c)
		}
	}
	bases := []color.RGBA{ink, grey, rule, red, blue, orange}
	grounds := []color.RGBA{white, tint, rule}
	add(white)
	add(tint)
	for _, fg := range bases {
		for _, bg := range grounds {
			for k := 1; k <= levels; k++ {
				add(blend(fg, bg, k))
			}
		}
	}
	p.mix = make([][256][levels + 1]uint8, len(bases))
	for f, fg := range bases {
		p.fg[fg] = f
		for b, c := range p.colors {
			for k := 0; k <= levels; k++ {
				p.mix[f][b][k] = p.nearest(blend(fg, c.(color.RGBA), k))
			}
		}
	}
	return p
}

func (p *palette) nearest(c color.RGBA) uint8 {
	if i, ok := p.index[c]; ok {
		return i
	}
	return uint8(p.colors.Index(c))
}

func blend(fg, bg color.RGBA, k int) color.RGBA {
	mix := func(a, b uint8) uint8 { return uint8((int(a)*k + int(b)*(levels-k)) / levels) }
	return color.RGBA{mix(fg.R, bg.R), mix(fg.G, bg.G), mix(fg.B, bg.B), 0xff}
}

// fill paints a rectangle.
func (c *canvas) fill(x0, y0, x1, y1 int, col color.RGBA) {
	r := image.Rect(x0, y0, x1, y1).Intersect(c.img.Rect)
	i := c.pal.nearest(col)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := c.img.Pix[c.img.PixOffset(r.Min.X, y):c.img.PixOffset(r.Max.X, y)]
		for x := range row {
			row[x] = i
		}
	}
}

// mask paints col through m (placed with its top left at at) over what is there.
func (c *canvas) mask(at image.Point, m *image.Alpha, col color.RGBA) {
	f, ok := c.pal.fg[col]
	if !ok {
		return
	}
	mix := &c.pal.mix[f]
	r := m.Rect.Sub(m.Rect.Min).Add(at).Intersect(c.img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			a := m.Pix[m.PixOffset(x-at.X+m.Rect.Min.X, y-at.Y+m.Rect.Min.Y)]
			if a == 0 {
				continue
			}
			o := c.img.PixOffset(x, y)
			c.img.Pix[o] = mix[c.img.Pix[o]][(int(a)*levels+127)/255]
		}
	}
}
