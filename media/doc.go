// Package media keeps the pictures, videos and files sent with lectures on
// disk: each content once, under its SHA-256, in two-character folders
// (media_dir/ab/ab12….jpg), written atomically before its row commits, so
// that a crash never leaves a row without its file. Types are sniffed from
// the content with github.com/gabriel-vasile/mimetype (a maintained
// detector that knows HEIC, WebP, MOV and the Office Open XML formats,
// which net/http.DetectContentType does not). Thumbnails (JPEG, longest
// side 640 px) are made in pure Go on first use and kept beside them.
package media
