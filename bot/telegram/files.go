package telegram

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"dangke"
)

// attachments returns the photo, document or video of a message as
// attachments that download through getFile and the file link.
func (a *Adapter) attachments(m *models.Message) []dangke.Attachment {
	var out []dangke.Attachment
	if n := len(m.Photo); n > 0 {
		p := m.Photo[n-1] // the sizes come smallest first: the last is the original's
		out = append(out, a.attachment(dangke.KindImage, "", int64(p.FileSize), p.FileID))
	}
	if d := m.Document; d != nil {
		kind := dangke.KindFile
		switch {
		case strings.HasPrefix(d.MimeType, "image/"):
			kind = dangke.KindImage
		case strings.HasPrefix(d.MimeType, "video/"):
			kind = dangke.KindVideo
		}
		out = append(out, a.attachment(kind, d.FileName, d.FileSize, d.FileID))
	}
	if v := m.Video; v != nil {
		out = append(out, a.attachment(dangke.KindVideo, v.FileName, v.FileSize, v.FileID))
	}
	return out
}

// attachment is a file that getFile locates and the file link serves.
func (a *Adapter) attachment(kind, name string, size int64, id string) dangke.Attachment {
	return dangke.Attachment{Kind: kind, Name: name, Size: size, Open: func(ctx context.Context) (io.ReadCloser, error) {
		return a.download(ctx, id)
	}}
}

// download asks getFile for a file's path and reads it from the file
// link. Bots may download files of up to 20 MB this way.
func (a *Adapter) download(ctx context.Context, id string) (io.ReadCloser, error) {
	f, err := a.api.GetFile(ctx, &tg.GetFileParams{FileID: id})
	if err != nil {
		if strings.Contains(err.Error(), "file is too big") {
			return nil, dangke.Errorf(dangke.EINVALID, "文件超过 Telegram 机器人可下载的 20 MB。")
		}
		return nil, fmt.Errorf("telegram: getFile: %s", redact(err, a.cfg.Token))
	}
	if f.FilePath == "" {
		return nil, errors.New("telegram: getFile: no file_path")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.api.FileDownloadLink(f), nil)
	if err != nil {
		return nil, fmt.Errorf("telegram: download: %s", redact(err, a.cfg.Token))
	}
	resp, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("telegram: download: %s", redact(err, a.cfg.Token)) // the link holds the token
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("telegram: download: HTTP %d", resp.StatusCode)
	}
	return resp.Body, nil
}
