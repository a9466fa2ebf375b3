package bot

import (
	"bytes"
	"image"
	_ "image/jpeg" // pictures the bot may send: JPEG
	_ "image/png"  // and PNG (the charts)
	"strings"

	"dangke"
)

// Picture reports whether a file is a picture a platform can show inline
// (a PNG or JPEG that decodes, of at most maxBytes) and its size in pixels.
// Anything else goes as a file.
func Picture(f dangke.File, maxBytes int) (w, h int, ok bool) {
	if len(f.Data) == 0 || len(f.Data) > maxBytes {
		return 0, 0, false
	}
	if f.MIME != "" && !strings.HasPrefix(f.MIME, "image/") {
		return 0, 0, false
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(f.Data))
	if err != nil || (format != "png" && format != "jpeg") {
		return 0, 0, false
	}
	return cfg.Width, cfg.Height, true
}
