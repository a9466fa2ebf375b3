package dingtalk

import (
	"context"

	"dangke"
	"dangke/bot"
)

// maxImageBytes is the media API's limit for an image.
const maxImageBytes = 20 << 20

// isImage reports whether f goes as an image message: a PNG or JPEG the
// media API takes as an image, which the chat then shows inline.
func isImage(f dangke.File) bool {
	_, _, ok := bot.Picture(f, maxImageBytes)
	return ok
}

// sendImage uploads a picture as media type image and sends it as the
// robot's sampleImageMsg, whose photoURL takes the media id.
func (a *Adapter) sendImage(ctx context.Context, m *message, f dangke.File) error {
	mediaID, err := a.upload(ctx, f, "image")
	if err != nil {
		return err
	}
	return a.proactive(ctx, m, "sampleImageMsg", map[string]string{"photoURL": mediaID})
}
