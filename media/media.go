package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gabriel-vasile/mimetype"

	"dangke"
	"dangke/atomicfile"
)

// DefaultMaxSize is the largest file accepted unless configured: 20 MB.
const DefaultMaxSize = 20 << 20

// accepted are the types kept, by sniffed MIME type: the extension files
// are stored under and the kind of attachment.
var accepted = []struct{ mime, ext, kind, label string }{
	{"image/jpeg", ".jpg", dangke.KindImage, "JPEG"},
	{"image/png", ".png", dangke.KindImage, "PNG"},
	{"image/webp", ".webp", dangke.KindImage, "WebP"},
	{"image/heic", ".heic", dangke.KindImage, "HEIC"},
	{"image/heif", ".heif", dangke.KindImage, "HEIF"},
	{"image/gif", ".gif", dangke.KindImage, "GIF"},
	{"video/mp4", ".mp4", dangke.KindVideo, "MP4"},
	{"video/quicktime", ".mov", dangke.KindVideo, "MOV"},
	{"application/pdf", ".pdf", dangke.KindFile, "PDF"},
	{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", dangke.KindFile, "Word"},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", dangke.KindFile, "Excel"},
	{"application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx", dangke.KindFile, "PowerPoint"},
}

// Store is a media folder. A background worker makes the thumbnails of
// new pictures once no picture has come for a moment (Quiet), so that
// attaching one never waits for, nor competes with, the decoding of
// another: a 12-megapixel JPEG takes a core for about 400 ms.
type Store struct {
	dir     string
	max     int64
	queue   chan [2]string // sha, ext of pictures awaiting a thumbnail
	done    chan struct{}
	lastPut atomic.Int64  // when a picture was last put, in Unix nanoseconds
	stop    chan struct{} // closed by Close: the queue is worked off without waiting

	mu     sync.Mutex // guards closed and the sends on queue
	closed bool
}

// New opens (creating if need be) a media folder; max is the largest file
// accepted, DefaultMaxSize when 0 or less.
func New(dir string, max int64) (*Store, error) {
	if max <= 0 {
		max = DefaultMaxSize
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	s := &Store{dir: dir, max: max, queue: make(chan [2]string, 256), done: make(chan struct{}), stop: make(chan struct{})}
	go s.thumbnails()
	return s, nil
}

// Quiet is how long after the last picture the worker starts on the
// queued thumbnails.
const Quiet = time.Second

// thumbnails makes the thumbnails of queued pictures until Close.
func (s *Store) thumbnails() {
	defer close(s.done)
	for job := range s.queue {
		for {
			wait := Quiet - time.Since(time.Unix(0, s.lastPut.Load()))
			if wait <= 0 {
				break
			}
			select {
			case <-s.stop:
				wait = 0
			case <-time.After(wait):
			}
			if wait == 0 {
				break
			}
		}
		s.Thumb(job[0], job[1])
	}
}

// Close stops the thumbnail worker once the queued thumbnails are made.
func (s *Store) Close() error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.stop)
		close(s.queue)
	}
	s.mu.Unlock()
	<-s.done
	return nil
}

// warm queues a picture's thumbnail; when the queue is full, or closed,
// the thumbnail is made on first use instead.
func (s *Store) warm(sha, ext string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	select {
	case s.queue <- [2]string{sha, ext}:
	default:
	}
}

// Dir is the media folder.
func (s *Store) Dir() string { return s.dir }

// MaxSize is the largest file accepted, in bytes.
func (s *Store) MaxSize() int64 { return s.max }

// Sniff reads a file's type from its content: the MIME type, the extension
// to store it under and its kind, or false when it is not a type kept.
func Sniff(data []byte) (mime, ext, kind string, ok bool) {
	mt := mimetype.Detect(data)
	for _, a := range accepted {
		if mt.Is(a.mime) {
			return a.mime, a.ext, a.kind, true
		}
	}
	plain, _, _ := strings.Cut(mt.String(), ";")
	return plain, "", "", false
}

// Accepted names the types kept, for a refusal: JPEG、PNG…
func Accepted() string {
	var names []string
	for _, a := range accepted {
		if a.mime != "image/heif" {
			names = append(names, a.label)
		}
	}
	return strings.Join(names, "、")
}

// TooBig is the refusal of a file over the size limit.
func TooBig(size, max int64) error {
	return dangke.Errorf(dangke.EINVALID, "文件太大：%s，最大 %s。请压缩后再发，视频可上传到网盘后用 /补充 链接=… 登记。", Size(size), Size(max))
}

// Size writes a byte count for people: 5.2 MB, 830 KB.
func Size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", (n+1<<9)>>10)
	}
	return fmt.Sprintf("%d 字节", n)
}

// Put checks data's size and type and keeps it once under its SHA-256.
// The file is written and synced before Put returns, so the row that names
// it can commit after.
func (s *Store) Put(ctx context.Context, data []byte) (dangke.Blob, error) {
	if int64(len(data)) > s.max {
		return dangke.Blob{}, TooBig(int64(len(data)), s.max)
	}
	if len(data) == 0 {
		return dangke.Blob{}, dangke.Errorf(dangke.EINVALID, "收到的文件是空的，请重新发送。")
	}
	mime, ext, kind, ok := Sniff(data)
	if !ok {
		return dangke.Blob{}, dangke.Errorf(dangke.EINVALID, "不能保存这种文件（%s）：只收照片、视频和文档（%s）。", mime, Accepted())
	}
	sum := sha256.Sum256(data)
	b := dangke.Blob{SHA256: hex.EncodeToString(sum[:]), Ext: ext, MIME: mime, Kind: kind, Size: int64(len(data))}
	path := s.Path(b.SHA256, ext)
	if st, err := os.Stat(path); err == nil && st.Size() == b.Size {
		return b, nil // the same content, kept before
	}
	if err := ctx.Err(); err != nil {
		return dangke.Blob{}, err
	}
	if err := atomicfile.Write(path, data); err != nil {
		return dangke.Blob{}, fmt.Errorf("media: put: %w", err)
	}
	if kind == dangke.KindImage {
		s.lastPut.Store(time.Now().UnixNano())
		s.warm(b.SHA256, ext)
	}
	return b, nil
}

// Path is where a blob's content lies: dir/ab/ab12….ext.
func (s *Store) Path(sha, ext string) string {
	if len(sha) < 2 {
		return filepath.Join(s.dir, "_", sha+ext)
	}
	return filepath.Join(s.dir, sha[:2], sha+ext)
}

// thumbPath is where a blob's thumbnail lies: dir/thumbs/ab/ab12….jpg.
func (s *Store) thumbPath(sha string) string {
	if len(sha) < 2 {
		return filepath.Join(s.dir, "thumbs", "_", sha+".jpg")
	}
	return filepath.Join(s.dir, "thumbs", sha[:2], sha+".jpg")
}

// Sweep removes the content (and thumbnails) that keep does not name, and
// reports how many files of content (thumbnails not counted) and bytes went. Files younger than grace are kept:
// they may belong to a row about to commit.
func (s *Store) Sweep(keep func(sha string) bool, grace time.Duration, now time.Time) (files int, bytes int64, err error) {
	err = filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, werr error) error {
		if werr != nil {
			if errors.Is(werr, fs.ErrNotExist) {
				return nil
			}
			return werr
		}
		if d.IsDir() {
			return nil
		}
		name := d.Name()
		if strings.HasPrefix(name, ".") { // atomicfile's temporaries, and anything hidden
			return nil
		}
		sha, _, _ := strings.Cut(name, ".")
		if len(sha) != 64 || keep(sha) {
			return nil
		}
		info, err := d.Info()
		if err != nil || now.Sub(info.ModTime()) < grace {
			return nil
		}
		if err := os.Remove(path); err != nil {
			return err
		}
		if filepath.Dir(filepath.Dir(path)) != filepath.Join(s.dir, "thumbs") {
			files++
		}
		bytes += info.Size()
		return nil
	})
	if err != nil {
		return files, bytes, fmt.Errorf("media: sweep: %w", err)
	}
	return files, bytes, nil
}

// CopyTo copies the content (not the thumbnails, which are made again on
// use) into dir with the same layout, skipping files already there with
// the same size: names are content hashes, so a second backup into the
// same folder copies only what is new. Each file is written atomically.
func (s *Store) CopyTo(dir string) (files int, bytes int64, err error) {
	thumbs := filepath.Join(s.dir, "thumbs")
	err = filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, werr error) error {
		if werr != nil {
			return werr
		}
		if d.IsDir() {
			if path == thumbs {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, err := filepath.Rel(s.dir, path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, rel)
		if st, err := os.Stat(dst); err == nil && st.Size() == info.Size() {
			return nil
		}
		src, err := os.Open(path)
		if err != nil {
			return err
		}
		defer src.Close()
		if err := atomicfile.WriteWith(dst, true, func(tmp *os.File) error {
			_, err := io.Copy(tmp, src)
			return err
		}); err != nil {
			return err
		}
		files++
		bytes += info.Size()
		return nil
	})
	if err != nil {
		return files, bytes, fmt.Errorf("media: copy: %w", err)
	}
	return files, bytes, nil
}
