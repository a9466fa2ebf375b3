package dingtalk

import (
	"context"
	"encoding/json"
	"io"
	"strings"

	"dangke"
	"dangke/bot"
)

// content is the payload of the robot's non-text messages: a picture, a
// file, a video, or rich text (text and pictures).
type content struct {
	DownloadCode string `json:"downloadCode"`
	FileName     string `json:"fileName"`
	RichText     []struct {
		Text         string `json:"text"`
		Type         string `json:"type"`
		DownloadCode string `json:"downloadCode"`
	} `json:"richText"`
}

// replied is the quoted message of a reply (text.isReplyMsg).
type replied struct {
	MsgType string          `json:"msgType"`
	Content json.RawMessage `json:"content"`
}

// quoteText reads the text of a quoted message: a text's own, or the text
// parts of rich text.
func (r *replied) quoteText() string {
	if r == nil || len(r.Content) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(r.Content, &s) == nil {
		return s
	}
	var c struct {
		Text     string `json:"text"`
		Content  string `json:"content"`
		RichText []struct {
			Text string `json:"text"`
		} `json:"richText"`
	}
	if json.Unmarshal(r.Content, &c) != nil {
		return ""
	}
	parts := []string{c.Text, c.Content}
	for _, p := range c.RichText {
		parts = append(parts, p.Text)
	}
	return strings.TrimSpace(strings.Join(parts, " "))
}

// attachments turns a message's pictures, files and videos into
// attachments that download through the robot's file API, and returns the
// text that came with them. ok is false for a type the bot does not read
// (a voice message, an unknown one).
func (a *Adapter) attachments(m *message) (text string, list []dangke.Attachment, ok bool) {
	var c content
	if len(m.Content) > 0 {
		if err := json.Unmarshal(m.Content, &c); err != nil {
			return "", nil, false
		}
	}
	switch m.MsgType {
	case "picture", "image":
		if c.DownloadCode == "" {
			return "", nil, false
		}
		return "", []dangke.Attachment{a.attachment(dangke.KindImage, "", c.DownloadCode)}, true
	case "video":
		if c.DownloadCode == "" {
			return "", nil, false
		}
		return "", []dangke.Attachment{a.attachment(dangke.KindVideo, "", c.DownloadCode)}, true
	case "file":
		if c.DownloadCode == "" {
			return "", nil, false
		}
		return "", []dangke.Attachment{a.attachment(dangke.KindFile, c.FileName, c.DownloadCode)}, true
	case "richText":
		var texts []string
		for _, p := range c.RichText {
			if p.DownloadCode != "" && (p.Type == "picture" || p.Type == "") {
				list = append(list, a.attachment(dangke.KindImage, "", p.DownloadCode))
			} else if p.Text != "" {
				texts = append(texts, p.Text)
			}
		}
		return strings.TrimSpace(strings.Join(texts, " ")), list, true
	}
	return "", nil, false
}

// attachment is a file that downloads through the robot's file API.
func (a *Adapter) attachment(kind, name, code string) dangke.Attachment {
	return dangke.Attachment{Kind: kind, Name: name, Open: func(ctx context.Context) (io.ReadCloser, error) {
		return a.download(ctx, code)
	}}
}

// download fetches a file the robot received: its downloadCode and the
// robot's code give a short-lived download URL
// (POST /v1.0/robot/messageFiles/download), which is then read.
func (a *Adapter) download(ctx context.Context, code string) (io.ReadCloser, error) {
	var out struct {
		DownloadURL string `json:"downloadUrl"`
	}
	err := a.openAPI(ctx, "/v1.0/robot/messageFiles/download", map[string]string{"downloadCode": code, "robotCode": a.cfg.RobotCode}, &out)
	if err != nil {
		return nil, err
	}
	resp, err := bot.GetSigned(ctx, a.files, out.DownloadURL, "dingtalk")
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}
