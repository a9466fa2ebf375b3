package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"dangke"
	"dangke/atomicfile"
	"dangke/media"
	"dangke/report"
	"dangke/store"
)

// mediaDir is where the photos and files of lectures are kept: media_dir,
// or beside the database (dangke.db.media).
func (m *Main) mediaDir() string {
	if m.cfg.MediaDir != "" {
		return m.cfg.MediaDir
	}
	return m.cfg.DB + ".media"
}

// openMedia opens the media folder once.
func (m *Main) openMedia() (*media.Store, error) {
	if m.media != nil {
		return m.media, nil
	}
	if m.cfg.MediaDir == "" && store.IsPostgres(m.cfg.DB) {
		// Beside a database URL there is no folder: replicas need one they share.
		return nil, errors.New("数据库在 PostgreSQL 上时，要在配置中设置 media_dir：各副本共用的文件夹（如 NFS），例如 media_dir: /srv/dangke/media")
	}
	var limit int64
	if m.cfg.MediaMaxSize != "" {
		limit, _ = report.ParseSize(m.cfg.MediaMaxSize) // validated with the config
	}
	s, err := media.New(m.mediaDir(), limit)
	if err != nil {
		return nil, err
	}
	m.media = s
	return s, nil
}

// backupMedia copies the media folder beside the database backup
// (OUT.media/), after the database: every row of the backup names a file
// written before its row committed, and files go only by a purge, so the
// copy holds every file the backup names. Files already in the folder are
// not copied again; for a large store, rsync the media folder instead.
func (m *Main) backupMedia() error {
	if _, err := os.Stat(m.mediaDir()); errors.Is(err, os.ErrNotExist) {
		return nil // no photo was ever kept
	}
	s, err := m.openMedia()
	if err != nil {
		return err
	}
	dst := m.tool.out + ".media"
	n, size, err := s.CopyTo(dst)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "照片等附件已复制到 %s（新复制 %d 个文件，%s）。\n", dst, n, media.Size(size))
	return nil
}

// purgeMedia deletes the rows of attachments undone or of deleted
// lectures before before, then the files no row names any more.
func (m *Main) purgeMedia(ctx context.Context, before time.Time) error {
	rows, err := m.store.PurgeFiles(ctx, before, "cli:purge")
	if err != nil {
		return err
	}
	if _, err := os.Stat(m.mediaDir()); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	s, err := m.openMedia()
	if err != nil {
		return err
	}
	keep, err := m.store.FileHashes(ctx)
	if err != nil {
		return err
	}
	// An hour's grace: a file written for a row that is about to commit stays.
	files, size, err := s.Sweep(func(sha string) bool { return keep[sha] }, time.Hour, m.now())
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "删除了 %d 个已撤销附件的记录；删除了 %d 个不再被引用的文件（%s）。\n", rows, files, media.Size(size))
	return nil
}

// exportArchive writes the 台账 ZIP to --out, streaming, through a
// temporary file that replaces --out only once it is complete.
func (m *Main) exportArchive(ctx context.Context, unit *dangke.Unit, p dangke.Period, now time.Time) error {
	s, err := m.openMedia()
	if err != nil {
		return err
	}
	campaign, _ := m.cfg.Campaign.campaign(now.Location()) // validated with the config
	a := &report.Archive{Store: m.store, Media: s, City: m.cfg.City, Campaign: campaign.Name, Unit: unit, Period: p, Now: now}
	var st report.ArchiveStats
	err = atomicfile.WriteWith(m.tool.out, true, func(tmp *os.File) error {
		var err error
		st, err = a.Write(ctx, tmp)
		return err
	})
	if err != nil {
		return err
	}
	info, err := os.Stat(m.tool.out)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "已写入 %s（%s）：%d 次党课，%d 个附件。解压后打开 index.html 可离线浏览。\n", m.tool.out, media.Size(info.Size()), st.Lectures, st.Files)
	if st.Missing > 0 {
		fmt.Fprintf(m.Stdout, "⚠ %d 个附件在 %s 中找不到文件，未放入。\n", st.Missing, m.mediaDir())
	}
	return nil
}
