package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser finds a Chromium to drive: $CHROMIUM, or one on PATH.
func browser() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// outDir is where the screenshots go: $SCREENSHOT_DIR, or testdata/out
// (ignored by git).
func outDir(t *testing.T) string {
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join("testdata", "out")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDashboardInBrowser opens a link /看板 gave in headless Chromium: the
// figures the page shows equal /统计's, a click on a unit goes down the
// tree, a forged link shows the refusal, and screenshots at phone
// (390×844) and projector (1366×768) size are written to the output folder.
// CI installs Debian's chromium (.ci/run); without one the test is skipped.
func TestDashboardInBrowser(t *testing.T) {
	exe := browser()
	if exe == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no Chromium found: CI must install it (apt-get install chromium)")
		}
		t.Skip("no Chromium found (apt-get install chromium, or set CHROMIUM): the dashboard is not checked in a browser")
	}
	s := newSite(t)
	s.fill(t)
	s.dash.Warm(context.Background()) // as the bot does at start
	county := s.link(t, "g1")
	stats := s.say(t, "g1", "admin", "/统计")

	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// The first call starts the browser: no timeout on it (a timeout would
	// stop the browser), the later ones each have one.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(c, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		s, err := chromedp.Run(c, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	shot := func(name string, full bool) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		a := chromedp.CaptureScreenshot()
		if full {
			a = chromedp.FullScreenshot(100)
		}
		png, err := chromedp.Run(c, a)
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		write(t, filepath.Join(outDir(t), name), png)
	}

	// At phone width: the figures are /统计's.
	step("open the link", chromedp.Navigate(county), chromedp.WaitVisible(`#figures`))
	for _, c := range []struct{ key, pattern string }{
		{"lectures", `微党课 (\d+) 次`}, {"speakers", `讲课人 (\d+) 人`}, {"attendees", `听课 (\d+) 人次`}, {"coverage", `上台率 ([\d.]+%)`},
	} {
		m := regexp.MustCompile(c.pattern).FindStringSubmatch(stats)
		if got := text(`[data-k="` + c.key + `"]`); m == nil || got != m[1] {
			t.Errorf("the browser shows %s %q where /统计 says %v", c.key, got, m)
		}
	}
	// The deadlines say what is missing, as the digest does.
	if dl := text(`#deadlines`); !strings.Contains(dl, "尚缺：参赛选手未报满：温县（0/") || !strings.Contains(dl, "党员数未设置的党支部：番田镇/第一党支部") {
		t.Errorf("the deadlines in the browser: %q", dl)
	}
	shot("dashboard-390x844.png", true)

	// A click goes down the tree.
	step("click 城关镇", chromedp.EmulateViewport(1366, 768), chromedp.Click(`//section[@id="coverage"]//a[text()="城关镇"]`), chromedp.WaitVisible(`#crumbs`))
	if title := text(`#title`); !strings.Contains(title, "温县/城关镇") {
		t.Errorf("after the click the title is %q", title)
	}
	shot("dashboard-town-1366x768.png", false)

	// The county on a projector, and a forged link refused.
	step("projector", chromedp.Navigate(county+"?screen=1"), chromedp.WaitVisible(`#figures`))
	shot("dashboard-screen-1366x768.png", false)
	step("forged", chromedp.EmulateViewport(390, 844), chromedp.Navigate(county[:len(county)-4]+"AAAA"), chromedp.WaitVisible(`//div[@class="denied"]`))
	if denied := text(`//div[@class="denied"]`); !strings.Contains(denied, "/看板") {
		t.Errorf("a forged link shows %q", denied)
	}
	shot("dashboard-denied-390x844.png", false)
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if len(data) == 0 {
		t.Fatalf("%s: empty screenshot", path)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
