package report

import (
	"context"

	"dangke"
)

// maxPhotoAsSent is the largest picture the report takes as it was sent.
const maxPhotoAsSent = 1 << 20

// MediaPhotos is the PhotoSource of the lectures' attachments: the images
// of a unit's lectures in a period, newest lecture first and one per
// lecture before a second of any (Reader.UnitImages), captioned with date,
// speaker and title. JPEG and PNG up to a megabyte go as sent; larger ones
// (six 5 MB phone photos would make a report no chat takes), and WebP and
// GIF, which Word does not show everywhere, through their JPEG thumbnails
// (640 px: about 135 dpi at the report's 120 mm); HEIC, which Go cannot
// decode, is left out.
func MediaPhotos(st dangke.Reader, m dangke.Media) PhotoSource {
	return PhotoFunc(func(ctx context.Context, unit int64, p dangke.Period, max int) ([]Photo, error) {
		if m == nil || max <= 0 {
			return nil, nil
		}
		imgs, err := st.UnitImages(ctx, unit, p, 3*max) // room for the ones left out
		if err != nil {
			return nil, err
		}
		var out []Photo
		for _, img := range imgs {
			if len(out) == max {
				break
			}
			f := img.File
			var path string
			switch f.Ext {
			case ".jpg", ".png":
				if f.Size <= maxPhotoAsSent {
					path = m.Path(f.SHA256, f.Ext)
				} else {
					path = m.Thumb(f.SHA256, f.Ext)
				}
			default:
				path = m.Thumb(f.SHA256, f.Ext)
			}
			if path != "" {
				out = append(out, Photo{Path: path, Caption: img.Caption})
			}
		}
		return out, nil
	})
}
