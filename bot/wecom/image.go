package wecom

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"

	"dangke"
	"dangke/bot"
)

// maxImageBytes is WeCom's limit for an image message (2 MB, JPG or PNG);
// a larger picture goes as a file.
const maxImageBytes = 2 << 20

// mediaType is how a file is uploaded and sent: "image" for a picture the
// chat shows inline (a chart), "file" for the rest.
func mediaType(f dangke.File) string {
	if _, _, ok := bot.Picture(f, maxImageBytes); ok {
		return "image"
	}
	return "file"
}

// mediaMessage is the long connection's message for an uploaded file,
// addressed to chat when it is not a reply ("" for a reply).
func mediaMessage(f dangke.File, mediaID, chat string) map[string]any {
	kind := mediaType(f)
	m := map[string]any{"msgtype": kind, kind: map[string]string{"media_id": mediaID}}
	if chat != "" {
		m["chatid"] = chat
	}
	return m
}

// hookImage is the group robot's image message: the picture itself, in
// base64 with its MD5, no upload needed.
func hookImage(f dangke.File) map[string]any {
	sum := md5.Sum(f.Data)
	return map[string]any{"msgtype": "image", "image": map[string]string{
		"base64": base64.StdEncoding.EncodeToString(f.Data), "md5": hex.EncodeToString(sum[:])}}
}
