package console_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dangke"
	"dangke/bot/console"
)

type exporter struct{}

func (exporter) Handle(_ context.Context, req dangke.Request) (*dangke.Reply, error) {
	if req.Text == "/导出" {
		return &dangke.Reply{Text: "附件1", Files: []dangke.File{{Name: "附件1.xlsx", Data: []byte("xlsx")}}}, nil
	}
	return &dangke.Reply{Text: "收到 " + req.Text}, nil
}

// A file that cannot be saved is reported, leaves nothing behind, and the
// console goes on with the next line.
func TestFailedSaveGoesOn(t *testing.T) {
	dir := t.TempDir()
	blocked := filepath.Join(dir, "not-a-folder")
	if err := os.WriteFile(blocked, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	a := &console.Adapter{In: strings.NewReader("/导出\n/统计\n"), Out: &out, OutDir: blocked}
	if err := a.Run(context.Background(), exporter{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "文件没有保存") || !strings.Contains(out.String(), "收到 /统计") {
		t.Fatalf("output:\n%s", out.String())
	}

	// A working folder gets the file, private, with no temporary file left.
	out.Reset()
	good := filepath.Join(dir, "out")
	a = &console.Adapter{In: strings.NewReader("/导出\n"), Out: &out, OutDir: good}
	if err := a.Run(context.Background(), exporter{}); err != nil {
		t.Fatal(err)
	}
	es, _ := os.ReadDir(good)
	if len(es) != 1 || es[0].Name() != "附件1.xlsx" {
		t.Fatalf("folder holds %v", es)
	}
	if st, _ := os.Stat(filepath.Join(good, "附件1.xlsx")); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
}
