package dangke

import (
	"context"
	"io"
	"time"
)

// Attachment kinds: what a file sent to the bot is, as its content says.
const (
	KindImage = "image"
	KindVideo = "video"
	KindFile  = "file" // a PDF or an Office document
)

// Attachment is a picture, video or file that came with a message. The
// adapter fills Open with the platform's own download (DingTalk's
// downloadCode, WeCom's encrypted url, Telegram's getFile); the router
// opens it only once it knows which lecture the file belongs to.
type Attachment struct {
	Kind string // KindImage, KindVideo or KindFile, as the platform labels it
	Name string // the original file name, "" when the platform gives none
	Size int64  // the size the platform announces, 0 when unknown
	// Open downloads the file. The caller closes the reader.
	Open func(ctx context.Context) (io.ReadCloser, error) `json:"-"`
}

// LectureFile is a stored attachment of a lecture: one row per file sent,
// the content kept once under its SHA-256.
type LectureFile struct {
	ID        int64
	LectureID int64
	SHA256    string // hex digest of the content; the file's name in the media store
	Ext       string // .jpg, .mp4, .pdf …, from the sniffed type
	MIME      string // the sniffed type
	Kind      string // KindImage, KindVideo or KindFile
	Size      int64
	Name      string // the original name, or one made from the lecture and the type
	Author    string // platform:user who sent it
	Chat      string // platform:chat it came from
	CreatedAt time.Time
}

// LectureImage is an image of a lecture with a caption for reports:
// 2019-07-01 张三《我和我的祖国》.
type LectureImage struct {
	File    LectureFile
	Caption string
}

// Blob is a file kept in the media store.
type Blob struct {
	SHA256 string
	Ext    string
	MIME   string
	Kind   string
	Size   int64
}

// Media keeps attachment content on disk by SHA-256.
type Media interface {
	// Put checks data's type and size and stores it once; a refused file is
	// an EINVALID error whose message says why, in Chinese.
	Put(ctx context.Context, data []byte) (Blob, error)
	// Path is where a blob's content lies.
	Path(sha, ext string) string
	// Thumb is the path of a blob's thumbnail (a JPEG, longest side 640
	// px), made on first use; "" for content that has none (a placeholder
	// stands in).
	Thumb(sha, ext string) string
	// ThumbMade is the path of a thumbnail already made, or "" when there is
	// none yet; it never decodes an image, so a long listing stays fast.
	ThumbMade(sha, ext string) string
	// MaxSize is the largest file accepted, in bytes.
	MaxSize() int64
}

// FileReader reads the attachments of lectures.
type FileReader interface {
	// Files returns the active attachments of a lecture, oldest first.
	Files(ctx context.Context, lecture int64) ([]LectureFile, error)
	// FilesIn returns the active attachments of the active lectures of a
	// subtree (0: the city) in a period (zero: all), by lecture id.
	FilesIn(ctx context.Context, unit int64, p Period) ([]LectureFile, error)
	// UnitImages returns up to limit images of a subtree's lectures in a
	// period, newest lecture first, captioned with date, speaker and title.
	UnitImages(ctx context.Context, unit int64, p Period, limit int) ([]LectureImage, error)
	// File finds an active attachment by id; ENOTFOUND if none.
	File(ctx context.Context, id int64) (*LectureFile, error)
	// RecentLecture returns the newest active lecture that author logged in
	// chat at or after since, or 0.
	RecentLecture(ctx context.Context, author, chat string, since time.Time) (int64, error)
}

// FileWriter records and removes attachments.
type FileWriter interface {
	// AddFile records an attachment whose content is already stored; it fills ID.
	AddFile(ctx context.Context, f *LectureFile) error
	// RemoveFile marks an attachment removed (its content stays until a purge);
	// ENOTFOUND if it is not active.
	RemoveFile(ctx context.Context, id int64, by string, at time.Time) error
}
