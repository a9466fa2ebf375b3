package wecom

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	"dangke"
	"dangke/bot"
)

// maxMedia bounds an encrypted download read into memory before it is
// decrypted: above the router's largest file, so that its own limit speaks.
const maxMedia = 64 << 20

// resource is a picture, file or video of an AI-bot message: a short-lived
// URL to encrypted content and the key that opens it.
type resource struct {
	URL    string `json:"url"`
	AESKey string `json:"aeskey"`
}

// mediaKey decodes a resource's aeskey: base64 of the 32-byte AES-256 key,
// with or without its padding.
func mediaKey(aeskey string) ([]byte, error) {
	s := strings.TrimSpace(aeskey)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == 32 {
			return k, nil
		}
	}
	if k, err := base64.StdEncoding.DecodeString(s + "="); err == nil && len(k) == 32 {
		return k, nil
	}
	return nil, errors.New("wecom: aeskey is not base64 of a 32-byte key")
}

// decryptMedia opens a downloaded resource as the official
// @wecom/aibot-node-sdk does (decryptFile): AES-256-CBC with the decoded
// aeskey as the key and its first 16 bytes as the IV, then PKCS#7 padding
// to a multiple of 32 bytes (1..32) removed and checked.
func decryptMedia(data []byte, aeskey string) ([]byte, error) {
	key, err := mediaKey(aeskey)
	if err != nil {
		return nil, err
	}
	return decryptWith(data, key)
}

// decryptWith opens encrypted media with a 32-byte key (decryptMedia).
func decryptWith(data, key []byte) ([]byte, error) {
	if len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("wecom: encrypted media of %d bytes is not whole AES blocks", len(data))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, key[:aes.BlockSize]).CryptBlocks(plain, data)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > 32 || pad > len(plain) {
		return nil, errors.New("wecom: encrypted media has bad padding (wrong aeskey?)")
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, errors.New("wecom: encrypted media has bad padding (wrong aeskey?)")
		}
	}
	return plain[:len(plain)-pad], nil
}

// named is a downloaded file with the name the server gave it.
type named struct {
	io.Reader
	name string
}

func (n named) Close() error   { return nil }
func (n named) Name() string   { return n.name }
func (n named) String() string { return n.name }

// attachment is a resource that downloads and decrypts when opened.
func (a *Adapter) attachment(kind string, r resource) dangke.Attachment {
	return dangke.Attachment{Kind: kind, Open: func(ctx context.Context) (io.ReadCloser, error) {
		return a.download(ctx, r)
	}}
}

// download fetches a resource's encrypted content and decrypts it. The
// name comes from Content-Disposition, when the server sends one.
func (a *Adapter) download(ctx context.Context, r resource) (io.ReadCloser, error) {
	resp, err := bot.GetSigned(ctx, a.files, r.URL, "wecom")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxMedia+1))
	if err != nil {
		return nil, fmt.Errorf("wecom: download: %w", err)
	}
	if len(data) > maxMedia {
		return nil, dangke.Errorf(dangke.EINVALID, "文件太大，超过 %d MB。", maxMedia>>20)
	}
	var plain []byte
	switch {
	case r.AESKey != "": // the long connection: a key per resource
		plain, err = decryptMedia(data, r.AESKey)
	case a.kit != nil: // the callback mode: the EncodingAESKey opens the media too
		plain, err = decryptWith(data, a.kit.key)
	default:
		return nil, errors.New("wecom: media without an aeskey")
	}
	if err != nil {
		return nil, err
	}
	return named{bytes.NewReader(plain), fileName(resp.Header.Get("Content-Disposition"))}, nil
}

// fileName reads the name of a Content-Disposition header: filename*
// (RFC 5987, UTF-8) before filename.
func fileName(disposition string) string {
	if disposition == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(disposition)
	if err != nil {
		return ""
	}
	return params["filename"] // mime decodes filename* into filename
}
