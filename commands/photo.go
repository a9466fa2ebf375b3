package commands

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"dangke"
	"dangke/media"
)

// AttachWindow is how long after logging a lecture (or naming one with
// /照片 #12) the pictures a person sends in that chat go to it.
const AttachWindow = 30 * time.Minute

// photoCommand is /照片: pictures, videos and files kept with a lecture.
// Sent with files (a caption, a message that quotes the confirmation, or
// files alone), it attaches them; alone, it names the lecture the next
// files go to.
func photoCommand(r *Router) *Command {
	return &Command{
		Names:   []string{"照片", "附件", "视频"},
		English: []string{"photo", "attach", "media"},
		Summary: "给党课添加照片、视频或文件：登记后 30 分钟内直接发图片，或先发 /照片 #编号 再发",
		Fields: []Field{
			{Name: "编号", Aliases: []string{"id"}, Kind: KText, Positional: true, Example: "#12", Hint: "默认为你 30 分钟内在本群登记的最近一条"},
		},
		Example: "/照片 #12",
		Perm:    Anyone, // the lecture's author or an admin of its unit, checked below
		Verb:    "为「%s」的党课添加照片",
		Run:     func(ctx context.Context, c *Call) (*dangke.Reply, error) { return runPhoto(ctx, c, r) },
	}
}

// quotedID finds the lecture a quoted confirmation names: （编号 #12）.
var quotedID = regexp.MustCompile(`#\s*(\d{1,12})`)

// photoTarget is a lecture named by /照片 #12 for the files that follow.
type photoTarget struct {
	id    int64
	until time.Time
}

func (r *Router) targetKey(req dangke.Request) string {
	return req.Chat.Key() + "|" + req.From.Key()
}

// setTarget remembers the lecture the sender's next files go to.
func (r *Router) setTarget(req dangke.Request, id int64, until time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.targets == nil {
		r.targets = map[string]photoTarget{}
	}
	if len(r.targets) > 10000 { // forget the expired ones before growing further
		for k, t := range r.targets {
			if t.until.Before(until.Add(-AttachWindow)) {
				delete(r.targets, k)
			}
		}
	}
	r.targets[r.targetKey(req)] = photoTarget{id: id, until: until}
}

// target returns the lecture the sender named for their files, or 0.
func (r *Router) target(req dangke.Request, now time.Time) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.targets[r.targetKey(req)]
	if !ok || now.After(t.until) {
		return 0
	}
	return t.id
}

// photoLecture finds the lecture files go to: the one named, the one a
// quoted confirmation names, the one named by an earlier /照片 #id, or the
// sender's newest in this chat within AttachWindow. named reports that the
// sender said which.
func photoLecture(ctx context.Context, c *Call, r *Router) (id int64, named bool, err error) {
	if s := strings.TrimSpace(c.Text("编号")); s != "" {
		id, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(s, "#"), "＃")), 10, 64)
		if err != nil || id <= 0 {
			return 0, false, dangke.FieldErrorf("编号", "应为登记回复里 # 后面的数字，收到「%s」。", clip(s))
		}
		return id, true, nil
	}
	if m := quotedID.FindStringSubmatch(c.Req.Quote); m != nil {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		return id, true, nil
	}
	if id := r.target(c.Req, c.Now); id != 0 {
		return id, true, nil
	}
	id, err = c.Store().RecentLecture(ctx, c.Req.From.Key(), c.Req.Chat.Key(), c.Now.Add(-AttachWindow))
	return id, false, err
}

func runPhoto(ctx context.Context, c *Call, r *Router) (*dangke.Reply, error) {
	if r.cfg.Media == nil {
		return nil, dangke.Errorf(dangke.EINVALID, "本机没有开启照片保存（配置 media_dir），暂不能添加照片。")
	}
	id, named, err := photoLecture(ctx, c, r)
	if err != nil {
		return nil, err
	}
	if id == 0 {
		if len(c.Req.Attachments) == 0 {
			return &dangke.Reply{Text: "先发送 /照片 #编号（编号见登记回复），再在 30 分钟内发送照片、视频或文件；刚登记的党课，30 分钟内直接发图片即可。例：/照片 #12"}, nil
		}
		return nil, dangke.Errorf(dangke.ENOTFOUND, "不知道这些文件属于哪次党课：你 30 分钟内在本群没有登记党课。请先发送 /照片 #编号，再发文件。例：/照片 #12")
	}
	l, err := c.Store().Lecture(ctx, id)
	if err != nil {
		return nil, err
	}
	if l.Author != c.Req.From.Key() {
		u, err := c.Store().UnitByID(ctx, l.UnitID)
		if err != nil {
			return nil, err
		}
		if !c.IsAdminOf(u) {
			return nil, dangke.Errorf(dangke.EFORBIDDEN, "#%d 是别人登记的；只有登记人或「%s」的管理员可以添加照片。", id, u.Path)
		}
	}
	entry := fmt.Sprintf("#%d %s《%s》%s", l.ID, l.Speaker, l.Title, l.Date.Format(dangke.DateLayout))
	if len(c.Req.Attachments) == 0 {
		if !named {
			return &dangke.Reply{Text: fmt.Sprintf("现在发送照片、视频或文件，将添加到 %s。", entry)}, nil
		}
		until := c.Now.Add(AttachWindow)
		r.setTarget(c.Req, id, until)
		return &dangke.Reply{Text: fmt.Sprintf("请在 %s 前发送照片、视频或文件，将添加到 %s。", until.Format("15:04"), entry)}, nil
	}
	// The content is on disk before the rows that name it commit.
	type kept struct {
		blob dangke.Blob
		name string
	}
	var keep []kept
	var refused []string
	for i, a := range c.Req.Attachments {
		b, name, err := fetch(ctx, r.cfg.Media, a)
		if dangke.ErrorCode(err) == dangke.EINVALID {
			refused = append(refused, fmt.Sprintf("第 %d 个文件%s没有保存：%s", i+1, quoteName(a.Name), dangke.ErrorMessage(err)))
			continue
		}
		if err != nil {
			return nil, err
		}
		keep = append(keep, kept{b, fileName(name, b)})
	}
	if len(keep) == 0 {
		if len(refused) == 1 {
			_, why, _ := strings.Cut(refused[0], "没有保存：")
			return nil, dangke.Errorf(dangke.EINVALID, "%s", why)
		}
		return nil, dangke.Errorf(dangke.EINVALID, "%s", strings.Join(refused, "\n"))
	}
	return c.Update(ctx, func(tx dangke.Tx) (string, error) {
		if _, err := tx.Lecture(ctx, id); err != nil { // withdrawn meanwhile
			return "", err
		}
		var ids []string
		counts := map[string]int{}
		for _, k := range keep {
			f := &dangke.LectureFile{LectureID: id, SHA256: k.blob.SHA256, Ext: k.blob.Ext, MIME: k.blob.MIME, Kind: k.blob.Kind,
				Size: k.blob.Size, Name: k.name, Author: c.Req.From.Key(), Chat: c.Req.Chat.Key(), CreatedAt: c.Now}
			if err := tx.AddFile(ctx, f); err != nil {
				return "", err
			}
			if err := tx.Audit(ctx, c.Audit("file.add", dangke.EntryFile, f.ID, fmt.Sprintf("#%d %s %s", id, k.name, media.Size(k.blob.Size)))); err != nil {
				return "", err
			}
			ids = append(ids, k.name)
			counts[k.blob.Kind]++
		}
		all, err := tx.Files(ctx, id)
		if err != nil {
			return "", err
		}
		var what []string
		for _, k := range []struct{ kind, unit, label string }{{dangke.KindImage, "张", "照片"}, {dangke.KindVideo, "个", "视频"}, {dangke.KindFile, "个", "文件"}} {
			if n := counts[k.kind]; n > 0 {
				what = append(what, fmt.Sprintf("%d %s%s", n, k.unit, k.label))
			}
		}
		text := fmt.Sprintf("已添加 %s到 %s ✅\n%s\n本条共有 %d 个附件。发送 /撤销 可撤回最后添加的一个。",
			strings.Join(what, "、"), entry, strings.Join(ids, "、"), len(all))
		for _, x := range refused {
			text += "\n⚠ " + x
		}
		return text, nil
	})
}

// fetch downloads an attachment, no more than the size limit, and keeps
// it. The name is the attachment's, or the one its download gave (a
// reader with a Name method).
func fetch(ctx context.Context, m dangke.Media, a dangke.Attachment) (dangke.Blob, string, error) {
	limit := m.MaxSize()
	if a.Size > limit {
		return dangke.Blob{}, "", dangke.Errorf(dangke.EINVALID, "文件太大：%s，最大 %s。", media.Size(a.Size), media.Size(limit))
	}
	if a.Open == nil {
		return dangke.Blob{}, "", dangke.Errorf(dangke.EINVALID, "这个平台的文件暂不能下载。")
	}
	rc, err := a.Open(ctx)
	if err != nil {
		if dangke.ErrorCode(err) != dangke.EINTERNAL {
			return dangke.Blob{}, "", err
		}
		return dangke.Blob{}, "", fmt.Errorf("commands: download attachment: %w", err)
	}
	defer rc.Close()
	name := a.Name
	if n, ok := rc.(interface{ Name() string }); ok && name == "" {
		name = n.Name()
	}
	var buf bytes.Buffer
	if a.Size > 0 { // one allocation when the platform says the size
		buf.Grow(int(a.Size) + bytes.MinRead)
	}
	_, err = buf.ReadFrom(io.LimitReader(rc, limit+1))
	data := buf.Bytes()
	if err != nil {
		return dangke.Blob{}, "", fmt.Errorf("commands: download attachment: %w", err)
	}
	if int64(len(data)) > limit {
		return dangke.Blob{}, "", dangke.Errorf(dangke.EINVALID, "文件太大：超过 %s。", media.Size(limit))
	}
	b, err := m.Put(ctx, data)
	return b, name, err
}

// fileName is the name a file is kept under in archives: its own name
// (the folder part dropped, the extension made to match the content), or
// 照片-1a2b3c4d.jpg.
func fileName(name string, b dangke.Blob) string {
	name = strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, "\\", "/")))
	if name == "." || name == "/" || !utf8.ValidString(name) {
		name = ""
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, name)
	if base := strings.TrimSuffix(name, filepath.Ext(name)); base != "" && utf8.RuneCountInString(base) <= 80 {
		ext := strings.ToLower(filepath.Ext(name))
		if ext == b.Ext || (ext == ".jpeg" && b.Ext == ".jpg") {
			return name
		}
		return base + b.Ext
	}
	label := map[string]string{dangke.KindImage: "照片", dangke.KindVideo: "视频"}[b.Kind]
	if label == "" {
		label = "文件"
	}
	return label + "-" + b.SHA256[:8] + b.Ext
}

func quoteName(name string) string {
	if name == "" {
		return ""
	}
	return "「" + clip(filepath.Base(name)) + "」"
}

// attach handles a message that brings files: as /照片 with the message's
// own /照片 arguments, if any. A message with files and another command
// runs that command and says the files were not kept.
func (r *Router) attach(ctx context.Context, req dangke.Request, text string, now time.Time) (*dangke.Reply, error) {
	if !strings.HasPrefix(text, "/") {
		return r.command(ctx, req, "/照片", now, nil)
	}
	word, _, _ := strings.Cut(strings.TrimPrefix(text, "/"), " ")
	if at := strings.IndexByte(word, '@'); at > 0 {
		word = word[:at]
	}
	for _, c := range r.lookup(fold(word)) {
		if c.Run != nil && c.Names[0] == "照片" {
			return r.command(ctx, req, text, now, nil)
		}
	}
	req.Attachments = nil
	reply, err := r.command(ctx, req, text, now, r.dropPending(req, now))
	if reply != nil {
		reply.Text += "\n（随命令发来的文件没有保存：请回复登记确认消息发送，或先发 /照片 #编号 再发。）"
	}
	return reply, err
}
