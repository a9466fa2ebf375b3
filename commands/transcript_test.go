package commands_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"dangke/bot/console"
	"dangke/commands"
	"dangke/media"
	"dangke/store"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts under testdata/")

// shanghai is the campaign's zone; China has kept UTC+8 without daylight
// saving since 1991, so a fixed zone is exact for every campaign date.
var shanghai = time.FixedZone("CST", 8*3600)

// start is the transcripts' clock: Wednesday 10 July 2019, 10:00.
var start = time.Date(2019, 7, 10, 10, 0, 0, 0, shanghai)

// TestTranscripts runs every testdata/*.txt script through the console
// adapter into a fresh database and compares the conversation with the
// .golden file beside it. A line ":clock +2h" moves the clock forward.
func TestTranscripts(t *testing.T) {
	scripts, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".txt")
		t.Run(name, func(t *testing.T) {
			got := runTranscript(t, script)
			golden := strings.TrimSuffix(script, ".txt") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./commands -run TestTranscripts -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("transcript %s differs from %s:\n%s", script, golden, diff(string(want), string(got)))
			}
		})
	}
}

func runTranscript(t *testing.T, script string) []byte {
	ctx := context.Background()
	src, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, template.Fresh(t, "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := start
	clock := func() time.Time { return now }
	m, err := media.New(filepath.Join(t.TempDir(), "media"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	router := commands.New(st, commands.Config{
		Admins: []string{"console:admin"}, Location: shanghai, City: "焦作市",
		UndoWindow: 24 * time.Hour, PromptTimeout: 5 * time.Minute, Now: clock, Media: m,
	})
	var out bytes.Buffer
	// The script runs in segments between :clock lines; the sender and
	// chat carry over by replaying the last :as and :in lines.
	var as, in string
	var segment []string
	files := t.TempDir()
	flush := func() {
		c := &console.Adapter{In: strings.NewReader(strings.Join(segment, "\n")), Out: &out, Echo: true, Now: clock, OutDir: files,
			FileDir: filepath.Join("testdata", "media")}
		if err := c.Run(ctx, router); err != nil {
			t.Fatal(err)
		}
		segment = []string{as, in}
	}
	for _, line := range strings.Split(string(src), "\n") {
		if rest, ok := strings.CutPrefix(line, ":clock "); ok {
			flush()
			d, err := time.ParseDuration(strings.TrimPrefix(rest, "+"))
			if err != nil {
				t.Fatalf("bad clock line %q", line)
			}
			now = now.Add(d)
			out.WriteString("\n[时间 " + now.Format("2006-01-02 15:04") + "]\n")
			continue
		}
		if strings.HasPrefix(line, ":as") {
			as = line
		}
		if strings.HasPrefix(line, ":in") {
			in = line
		}
		segment = append(segment, line)
	}
	flush()
	// Files the bot sent are shown after the conversation, under a stable name.
	got := strings.ReplaceAll(out.String(), files+string(filepath.Separator), "")
	entries, err := os.ReadDir(files)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(files, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(e.Name(), ".csv") {
			got += "\n==== " + e.Name() + " ====\n" + string(data)
		} else { // binary files (XLSX) carry their creation time: shown by name only
			got += "\n==== " + e.Name() + " ====\n(binary)\n"
		}
	}
	return []byte(got)
}

// diff shows the first lines where two transcripts part.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n- " + a + "\n+ " + b
		}
	}
	return ""
}
