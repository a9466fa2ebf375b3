package main

import (
	"archive/zip"
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/media"
	"dangke/store"
)

// The media folder beside the database: `export archive` puts the photo
// in the 台账, `backup` copies it to OUT.media, and a lecture deleted keeps
// its file until `purge` finds no row naming it.
func TestMediaCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "d.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	m, err := media.New(db+".media", 0)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 30, 20)), nil); err != nil {
		t.Fatal(err)
	}
	photo := buf.Bytes()
	b, err := m.Put(ctx, photo)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	var lecture int64
	err = st.Update(ctx, func(tx dangke.Tx) error {
		u := &dangke.Unit{Name: "温县", Kind: dangke.KindCounty}
		if err := tx.AddUnit(ctx, u); err != nil {
			return err
		}
		l := &dangke.Lecture{UnitID: u.ID, Speaker: "张三", Position: "党员", Title: "我和我的祖国", Date: time.Date(2019, 7, 1, 0, 0, 0, 0, time.Local),
			Attendees: 30, Form: "普通", Author: "x", Chat: "x", CreatedAt: time.Now()}
		if err := tx.AddLecture(ctx, l); err != nil {
			return err
		}
		lecture = l.ID
		return tx.AddFile(ctx, &dangke.LectureFile{LectureID: l.ID, SHA256: b.SHA256, Ext: b.Ext, MIME: b.MIME, Kind: b.Kind, Size: b.Size,
			Name: "现场.jpg", Author: "x", Chat: "x", CreatedAt: time.Now()})
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(dir, "台账.zip")
	out, err := runMain(t, "export", "archive", "--db", db, "--unit", "温县", "--out", zipPath)
	if err != nil || !strings.Contains(out, "1 次党课，1 个附件") {
		t.Fatalf("export: %q %v", out, err)
	}
	z, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range z.File {
		found = found || f.Name == "2019-07-01 张三《我和我的祖国》/现场.jpg"
	}
	z.Close()
	if !found {
		t.Fatal("the photo is not in the archive")
	}
	backup := filepath.Join(dir, "b.db")
	if out, err := runMain(t, "backup", "--db", db, "--out", backup); err != nil || !strings.Contains(out, "新复制 1 个文件") {
		t.Fatalf("backup: %q %v", out, err)
	}
	if got, err := os.ReadFile(filepath.Join(backup+".media", b.SHA256[:2], b.SHA256+".jpg")); err != nil || !bytes.Equal(got, photo) {
		t.Fatalf("backup copy: %v", err)
	}
	// /删除: the row and the file stay until a purge.
	st, err = store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(ctx, func(tx dangke.Tx) error { return tx.WithdrawLecture(ctx, lecture, "x", time.Now()) }); err != nil {
		t.Fatal(err)
	}
	st.Close()
	file := filepath.Join(db+".media", b.SHA256[:2], b.SHA256+".jpg")
	purge := func(now time.Time) string {
		var out bytes.Buffer
		mm := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }, Now: func() time.Time { return now }}
		err := mm.ParseFlags([]string{"purge", "--db", db, "--before", time.Now().AddDate(0, 0, 2).Format(dangke.DateLayout)})
		if err == nil {
			err = mm.Run(ctx)
		}
		if cerr := mm.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatal("the file went before the purge")
	}
	// A file younger than an hour may belong to a row about to commit: kept.
	if out := purge(time.Now()); !strings.Contains(out, "删除了 1 个已撤销附件的记录；删除了 0 个不再被引用的文件") {
		t.Fatalf("purge: %q", out)
	}
	if out := purge(time.Now().Add(2 * time.Hour)); !strings.Contains(out, "删除了 1 个不再被引用的文件") {
		t.Fatalf("purge: %q", out)
	}
	if _, err := os.Stat(file); err == nil {
		t.Fatal("the purge left the file")
	}
}
