package telegram

import (
	"bytes"
	"context"
	"fmt"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"dangke"
	"dangke/bot"
)

// Telegram's limits for sendPhoto: 10 MB, width and height adding up to at
// most 10,000 pixels, a ratio of at most 20.
const (
	maxPhotoBytes = 10 << 20
	maxPhotoSides = 10000
	maxPhotoRatio = 20
)

// photo reports whether f goes through sendPhoto rather than sendDocument.
func photo(f dangke.File) bool {
	w, h, ok := bot.Picture(f, maxPhotoBytes)
	return ok && w+h <= maxPhotoSides && w <= maxPhotoRatio*h && h <= maxPhotoRatio*w
}

// sendFile sends a picture (a chart) with sendPhoto, so that the chat shows
// it, and any other file with sendDocument; a fresh reader for each attempt.
func (a *Adapter) sendFile(ctx context.Context, chat int64, f dangke.File) error {
	if photo(f) {
		if err := a.retry(ctx, func() error {
			_, err := a.api.SendPhoto(ctx, &tg.SendPhotoParams{ChatID: chat, Photo: &models.InputFileUpload{Filename: f.Name, Data: bytes.NewReader(f.Data)}})
			return err
		}); err != nil {
			return fmt.Errorf("telegram: sendPhoto %s: %w", f.Name, err)
		}
		return nil
	}
	if err := a.retry(ctx, func() error {
		_, err := a.api.SendDocument(ctx, &tg.SendDocumentParams{ChatID: chat, Document: &models.InputFileUpload{Filename: f.Name, Data: bytes.NewReader(f.Data)}})
		return err
	}); err != nil {
		return fmt.Errorf("telegram: sendDocument %s: %w", f.Name, err)
	}
	return nil
}
