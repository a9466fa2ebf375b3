package chart

import (
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"os"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

//go:embed font/cjk-subset.otf
var cjkSubset []byte

// geta is drawn for a character no font has: 〓, the typesetter's mark for
// a missing character, rather than an empty box.
const geta = '〓'

// Fonts is the chain of fonts text is drawn with: the embedded CJK subset,
// an optional font file, the embedded Go Regular. It is safe for concurrent
// use.
type Fonts struct {
	chain []*sfnt.Font
}

// NewFonts loads the embedded fonts and, when file is not empty, the font
// file (TrueType, OpenType or a .ttc collection, whose first font is used)
// as the first fallback after the CJK subset.
func NewFonts(file string) (*Fonts, error) {
	cjk, err := sfnt.Parse(cjkSubset)
	if err != nil {
		return nil, fmt.Errorf("chart: embedded font: %w", err)
	}
	f := &Fonts{chain: []*sfnt.Font{cjk}}
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("chart: font file: %w", err)
		}
		extra, err := parseFont(data)
		if err != nil {
			return nil, fmt.Errorf("chart: font file %s: %w", file, err)
		}
		f.chain = append(f.chain, extra)
	}
	gr, err := sfnt.Parse(goregular.TTF)
	if err != nil {
		return nil, fmt.Errorf("chart: embedded Go font: %w", err)
	}
	f.chain = append(f.chain, gr)
	return f, nil
}

func parseFont(data []byte) (*sfnt.Font, error) {
	if strings.HasPrefix(string(data[:min(4, len(data))]), "ttcf") {
		c, err := sfnt.ParseCollection(data)
		if err != nil {
			return nil, err
		}
		return c.Font(0)
	}
	return sfnt.Parse(data)
}

// which returns the index in the chain of the first font that has r, or -1.
func (f *Fonts) which(buf *sfnt.Buffer, r rune) int {
	for i, ft := range f.chain {
		if x, err := ft.GlyphIndex(buf, r); err == nil && x != 0 {
			return i
		}
	}
	return -1
}

// Missing returns the characters of s that no font has (each once, in
// order), which would be drawn as 〓. Spaces and control characters are
// never missing.
func (f *Fonts) Missing(s string) []rune {
	var out []rune
	var buf sfnt.Buffer
	seen := map[rune]bool{}
	for _, r := range s {
		if r <= ' ' || seen[r] {
			continue
		}
		seen[r] = true
		if f.which(&buf, r) < 0 {
			out = append(out, r)
		}
	}
	return out
}

// faces is the font chain at one size, for one picture.
type faces struct {
	fonts *Fonts
	chain []font.Face
	pick  map[rune]int
	buf   sfnt.Buffer
	cache map[rune]glyph
}

// glyph is a rasterised character, drawn again wherever it repeats.
type glyph struct {
	mask *image.Alpha // nil for a blank
	off  image.Point  // the mask's top left from the dot
	adv  fixed.Int26_6
}

func (f *Fonts) at(size float64) (*faces, error) {
	fs := &faces{fonts: f, pick: map[rune]int{}, cache: map[rune]glyph{}}
	for _, ft := range f.chain {
		face, err := opentype.NewFace(ft, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return nil, fmt.Errorf("chart: face: %w", err)
		}
		fs.chain = append(fs.chain, face)
	}
	return fs, nil
}

// face returns the face that draws r, and the rune it draws (〓 for a
// character no font has).
func (fs *faces) face(r rune) (font.Face, rune) {
	i, ok := fs.pick[r]
	if !ok {
		i = fs.fonts.which(&fs.buf, r)
		fs.pick[r] = i
	}
	if i < 0 {
		return fs.chain[0], geta
	}
	return fs.chain[i], r
}

// width measures s in pixels.
func (fs *faces) width(s string) int {
	var w fixed.Int26_6
	for _, r := range s {
		face, g := fs.face(r)
		a, _ := face.GlyphAdvance(g)
		w += a
	}
	return w.Ceil()
}

// ascent is the height above the baseline, in pixels.
func (fs *faces) ascent() int { return fs.chain[0].Metrics().Ascent.Ceil() }

// draw writes s with its baseline at (x, y) and returns the x after it.
func (fs *faces) draw(dst *canvas, x, y int, s string, c color.RGBA) int {
	dot := fixed.P(x, y)
	for _, r := range s {
		g, ok := fs.cache[r]
		if !ok {
			g = fs.glyph(r)
			fs.cache[r] = g
		}
		if g.mask != nil {
			dst.mask(image.Pt(dot.X.Round(), dot.Y.Round()).Add(g.off), g.mask, c)
		}
		dot.X += g.adv
	}
	return dot.X.Ceil()
}

// glyph rasterises r at the origin and keeps a copy of its mask (the face
// reuses its own).
func (fs *faces) glyph(r rune) glyph {
	face, g := fs.face(r)
	dr, mask, mp, adv, ok := face.Glyph(fixed.Point26_6{}, g)
	if !ok || dr.Empty() {
		return glyph{adv: adv}
	}
	m := image.NewAlpha(image.Rect(0, 0, dr.Dx(), dr.Dy()))
	draw.Draw(m, m.Rect, mask, mp, draw.Src)
	return glyph{mask: m, off: dr.Min, adv: adv}
}

// fit shortens s with … until it is at most w pixels wide.
func (fs *faces) fit(s string, w int) string {
	if fs.width(s) <= w {
		return s
	}
	rs := []rune(s)
	for len(rs) > 1 {
		rs = rs[:len(rs)-1]
		if t := string(rs) + "…"; fs.width(t) <= w {
			return t
		}
	}
	return "…"
}

// CJKFont returns the embedded CJK font file (OpenType, CFF outlines), for
// the dashboard to serve as its fallback web font.
func CJKFont() []byte { return cjkSubset }
