package media

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"

	_ "image/gif" // decoders for the thumbnails
	_ "image/png"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"dangke/atomicfile"
)

// ThumbSide is the longest side of a thumbnail, in pixels.
const ThumbSide = 640

// maxPixels bounds the images decoded for a thumbnail: a larger one (a
// decompression bomb, or a panorama) gets the placeholder.
const maxPixels = 80_000_000

// Thumb returns the path of a blob's thumbnail, making it on first use;
// "" when the content is not an image Go decodes (HEIC, a video, a PDF):
// a placeholder stands in for it.
func (s *Store) Thumb(sha, ext string) string {
	switch ext {
	case ".jpg", ".png", ".gif", ".webp":
	default:
		return ""
	}
	path := s.thumbPath(sha)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	data, err := os.ReadFile(s.Path(sha, ext))
	if err != nil {
		return ""
	}
	out, err := Thumbnail(data)
	if err != nil {
		return ""
	}
	if err := atomicfile.Write(path, out); err != nil {
		return ""
	}
	return path
}

// ThumbMade returns the path of a thumbnail already made, or "" when none
// is (not yet, or the content has none).
func (s *Store) ThumbMade(sha, ext string) string {
	path := s.thumbPath(sha)
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	return path
}

// Thumbnail scales an image so that its longest side is at most
// ThumbSide and encodes it as JPEG.
func Thumbnail(data []byte) ([]byte, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPixels {
		return nil, image.ErrFormat
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > ThumbSide || h > ThumbSide {
		if w >= h {
			w, h = ThumbSide, max(1, h*ThumbSide/b.Dx())
		} else {
			w, h = max(1, w*ThumbSide/b.Dy()), ThumbSide
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	op := draw.Src // an opaque picture (a JPEG) scales on the fast path
	if o, ok := src.(interface{ Opaque() bool }); !ok || !o.Opaque() {
		draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src) // transparent PNGs on white
		op = draw.Over
	}
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, b, op, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
