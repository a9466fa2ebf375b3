package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"dangke"
	"dangke/chart"
	"dangke/digest"
)

//go:embed templates
var templates embed.FS

// Dashboard is the read-only dashboard: GET /d/{token} shows the unit's
// subtree the signed token names (?u=ID a unit below it, ?screen=1 the
// projector mode); a forged, expired or revoked token gets 403 and a page
// saying how to get a new one. Nothing on a page comes from outside the
// binary: no CDN, no web font, no script.
type Dashboard struct {
	Store    dangke.Reader
	Links    *Links
	Campaign dangke.Campaign
	City     string
	Rubric   dangke.Rubric // the contest's quota, for what is missing before the contest
	Now      func() time.Time
	Log      *slog.Logger
	// Media holds the photos kept with lectures: an excellent lecture shows
	// its first photo's thumbnail. Nil: no photos on the pages.
	Media dangke.Media

	page, denied *template.Template
	css          template.CSS
	snaps        *snapCache
}

// snapCache keeps the digest's snapshot of the current week: what is
// missing for each deadline is read from it, as the digest reads it. It
// costs a pass over every lecturer of the city (seconds for a province), so
// no page waits for it: it is read at start (Warm), and a page uses the one
// in hand and, when it is older than snapshotAge, has it read again in the
// background.
type snapCache struct {
	mu         sync.Mutex
	at         time.Time
	snap       *digest.Snapshot
	refreshing bool
}

// snapshotAge is how old the deadlines' snapshot may grow before a page
// has it read again: reading it is a pass over every lecturer of the city.
const snapshotAge = 5 * time.Minute

// snapshot returns the snapshot in hand (nil before the first is read) and
// has it read again in the background when it is older than snapshotAge.
func (d *Dashboard) snapshot(ctx context.Context, now time.Time) *digest.Snapshot {
	c := d.snaps
	c.mu.Lock()
	defer c.mu.Unlock()
	if (c.snap == nil || now.Sub(c.at) >= snapshotAge || !dangke.Midnight(now).Equal(c.snap.Today)) && !c.refreshing {
		c.refreshing = true
		go func() { _, _ = d.refresh(context.WithoutCancel(ctx), now) }()
	}
	return c.snap
}

// refresh reads the snapshot of now's week and keeps it.
func (d *Dashboard) refresh(ctx context.Context, now time.Time) (*digest.Snapshot, error) {
	snap, err := digest.Collect(ctx, d.Store, d.Campaign, d.City, d.Rubric, dangke.Week(now), now)
	c := d.snaps
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refreshing = false
	if err != nil {
		d.Log.Warn("dashboard: the deadlines' snapshot was not read", "err", err)
		return nil, err
	}
	if c.snap == nil || !now.Before(c.at) {
		c.snap, c.at = snap, now
	}
	return snap, nil
}

// Warm reads the deadlines' snapshot ahead of the first page.
func (d *Dashboard) Warm(ctx context.Context) {
	d.snaps.mu.Lock()
	d.snaps.refreshing = true
	d.snaps.mu.Unlock()
	_, _ = d.refresh(ctx, d.Now().In(d.Campaign.Location))
}

// NewDashboard parses the embedded templates.
func NewDashboard(d Dashboard) (*Dashboard, error) {
	css, err := templates.ReadFile("templates/style.css")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	d.css = template.CSS(css)
	if d.page, err = template.ParseFS(templates, "templates/page.html"); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if d.denied, err = template.ParseFS(templates, "templates/denied.html"); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	d.snaps = &snapCache{}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &d, nil
}

// Handler returns the dashboard's routes.
func (d *Dashboard) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /d/{token}", d.serve)
	mux.HandleFunc("GET /d/{token}/p/{id}", d.photo)
	// The embedded CJK font, for screens without one of their own: browsers
	// fetch it only for characters the local fonts lack.
	mux.HandleFunc("GET /font/cjk.otf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "font/otf")
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, "cjk.otf", time.Time{}, bytes.NewReader(chart.CJKFont()))
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) { d.deny(w, http.StatusNotFound) })
	return mux
}

func headers(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data: 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
}

func (d *Dashboard) deny(w http.ResponseWriter, code int) {
	headers(w)
	w.WriteHeader(code)
	_ = d.denied.Execute(w, map[string]any{"CSS": d.css})
}

func (d *Dashboard) serve(w http.ResponseWriter, r *http.Request) {
	now := d.Now().In(d.Campaign.Location)
	tok, err := d.Links.Verify(r.Context(), r.PathValue("token"), now)
	if errors.Is(err, ErrLink) {
		d.deny(w, http.StatusForbidden)
		return
	}
	if err != nil {
		d.Log.Error("dashboard: link check", "err", err)
		http.Error(w, "暂时无法打开看板，请稍后再试。", http.StatusInternalServerError)
		return
	}
	data, err := d.build(r.Context(), tok, r.URL.Query(), r.PathValue("token"), now)
	if errors.Is(err, ErrLink) || dangke.ErrorCode(err) == dangke.ENOTFOUND {
		d.deny(w, http.StatusForbidden)
		return
	}
	if err != nil {
		d.Log.Error("dashboard: page", "err", err)
		http.Error(w, "暂时无法打开看板，请稍后再试。", http.StatusInternalServerError)
		return
	}
	headers(w)
	if err := d.page.Execute(w, data); err != nil {
		d.Log.Error("dashboard: render", "err", err)
	}
}

// photo serves the thumbnail of a photo kept with a lecture, to a link
// whose subtree holds the lecture; anything else gets 403 or 404.
func (d *Dashboard) photo(w http.ResponseWriter, r *http.Request) {
	now := d.Now().In(d.Campaign.Location)
	tok, err := d.Links.Verify(r.Context(), r.PathValue("token"), now)
	if err != nil {
		d.deny(w, http.StatusForbidden)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || d.Media == nil {
		d.deny(w, http.StatusNotFound)
		return
	}
	path, err := d.thumbOf(r.Context(), tok, id)
	if err != nil || path == "" {
		d.deny(w, http.StatusNotFound)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/jpeg")
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	http.ServeFile(w, r, path)
}

// thumbOf is the thumbnail of an active attachment of an active lecture
// within the link's subtree, or "".
func (d *Dashboard) thumbOf(ctx context.Context, tok Token, id int64) (string, error) {
	f, err := d.Store.File(ctx, id)
	if err != nil || f.Kind != dangke.KindImage {
		return "", err
	}
	l, err := d.Store.Lecture(ctx, f.LectureID)
	if err != nil {
		return "", err
	}
	if tok.Unit != 0 {
		root, err := d.Store.UnitByID(ctx, tok.Unit)
		if err != nil {
			return "", err
		}
		if l.UnitPath != root.Path && !strings.HasPrefix(l.UnitPath, root.Path+"/") {
			return "", nil // outside the link's subtree
		}
	}
	return d.Media.ThumbMade(f.SHA256, f.Ext), nil
}

// page is what the template shows.
type page struct {
	CSS                    template.CSS
	Screen                 bool
	Name, Campaign, Today  string
	Expires                string
	Crumbs                 []crumb
	F                      dangke.Figures
	Coverage, Satisfaction string
	ThisWeek, LastWeek     int
	Bars                   []bar
	Target                 int
	Line                   svgLine
	Deadlines              []deadline
	Counting               bool // what is missing for each deadline is still being read
	Idle                   []string
	Lectures               []lecture
	Excellent              []lecture // the 网上微课堂: excellent lectures, newest first (at most maxExcellent)
	ExcellentAll           int       // how many the subtree has
}

// maxExcellent is how many excellent lectures a page lists.
const maxExcellent = 10

type crumb struct {
	Name string
	Href string
}

type bar struct {
	chart.Bar
	Href  string
	Width float64 // percent of the track
	Out   bool    // the value is written after the bar, not on it
}

type deadline struct {
	Name, Date, Left string
	Late             bool
	Missing          string // what the subtree still lacks for it, as the digest says it
}

type lecture struct {
	Date, Unit, Speaker, Position, Title string
	Attendees                            int
	Link                                 string
	Reason                               string // why it was marked excellent
	Photo                                string // its first photo's thumbnail, relative to the page; "" for none
}

type svgLine struct {
	Points string
	Dots   []svgDot
	Grid   []svgTick
	Ticks  []svgTick
}

type svgDot struct {
	X, Y  float64
	Label string
	Value int
}

type svgTick struct {
	X, Y  float64
	Label string
}

// build reads the page's figures: the same Figures as /统计, the same
// chart data as /图表.
// Links between pages are relative (the token, then ?u=), so that the
// dashboard also works behind a proxy that serves it under a path.
func (d *Dashboard) build(ctx context.Context, tok Token, q url.Values, base string, now time.Time) (*page, error) {
	st := d.Store
	var root, unit *dangke.Unit
	if tok.Unit != 0 {
		u, err := st.UnitByID(ctx, tok.Unit)
		if err != nil {
			return nil, err
		}
		root, unit = u, u
	}
	if s := q.Get("u"); s != "" && s != "0" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, ErrLink
		}
		u, err := st.UnitByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if root != nil && !root.Contains(u) {
			return nil, ErrLink // outside the link's subtree
		}
		unit = u
	}
	screen := q.Get("screen") == "1"
	href := func(id int64) string {
		v := url.Values{}
		if id != 0 {
			v.Set("u", strconv.FormatInt(id, 10))
		}
		if screen {
			v.Set("screen", "1")
		}
		if len(v) == 0 {
			return base
		}
		return base + "?" + v.Encode()
	}
	p := &page{CSS: d.css, Screen: screen, Name: d.City, Campaign: d.Campaign.Name, Today: now.Format("2006年1月2日 15:04"),
		Expires: time.Unix(tok.Expires, 0).In(now.Location()).Format("2006-01-02 15:04"), Target: d.Campaign.CoverageTarget}
	var id int64
	if unit != nil {
		id, p.Name = unit.ID, unit.Path
	}
	// Breadcrumbs from the link's root down to this unit.
	if unit != nil && (root == nil || unit.ID != root.ID) {
		top := ""
		if root == nil {
			p.Crumbs = append(p.Crumbs, crumb{Name: d.City, Href: href(0)})
		} else {
			top = root.Path
			p.Crumbs = append(p.Crumbs, crumb{Name: root.Name, Href: href(root.ID)})
		}
		names, _ := dangke.ParsePath(unit.Path)
		for i := range names {
			path := dangke.JoinPath(names[:i+1])
			if len(path) <= len(top) {
				continue
			}
			if path == unit.Path {
				p.Crumbs = append(p.Crumbs, crumb{Name: names[i]})
				break
			}
			a, err := st.UnitByPath(ctx, path)
			if err != nil {
				return nil, err
			}
			p.Crumbs = append(p.Crumbs, crumb{Name: names[i], Href: href(a.ID)})
		}
	}
	f, err := st.Figures(ctx, id, dangke.Period{})
	if err != nil {
		return nil, err
	}
	p.F = f
	p.Coverage, p.Satisfaction = "—", "—"
	if pct, ok := f.Coverage(); ok {
		p.Coverage = pct + "%"
	}
	if pct, ok := f.Satisfaction(); ok {
		p.Satisfaction = pct + "%"
	}
	if p.ThisWeek, err = st.LectureCount(ctx, id, dangke.Week(now)); err != nil {
		return nil, err
	}
	if p.LastWeek, err = st.LectureCount(ctx, id, dangke.Week(now.AddDate(0, 0, -7))); err != nil {
		return nil, err
	}
	kids, err := dangke.ChildFigures(ctx, st, unit, dangke.Period{})
	if err != nil {
		return nil, err
	}
	bars := chart.CoverageBars("", "", kids, d.Campaign.CoverageTarget)
	for _, b := range bars.Items {
		w := float64(min(max(b.Milli, 0), 1000)) / 10
		p.Bars = append(p.Bars, bar{Bar: b, Href: href(b.ID), Width: w, Out: w < 45})
	}
	for _, k := range kids {
		if k.Figures.Lectures == 0 {
			p.Idle = append(p.Idle, k.Unit.Name)
		}
	}
	weeks := chart.CampaignWeeks(d.Campaign, now)
	counts, err := dangke.WeeklyLectures(ctx, st, id, weeks)
	if err != nil {
		return nil, err
	}
	p.Line = line(weeks, counts)
	// The deadlines and what is missing for each: the digest's own words
	// (digest.Snapshot.Gaps), so that the page and the digest agree.
	var gaps []digest.Gap
	if snap := d.snapshot(ctx, now); snap != nil {
		gaps = snap.Gaps(unit)
	} else {
		p.Counting = true
	}
	for i, dl := range d.Campaign.Deadlines {
		days := int(dl.Date.Sub(dangke.Midnight(now)).Hours() / 24)
		x := deadline{Name: dl.Name, Date: dl.Date.Format("1月2日")}
		switch {
		case days < 0:
			x.Left, x.Late = "已过", true
		case days == 0:
			x.Left = "今天截止"
		default:
			x.Left = fmt.Sprintf("还有 %d 天", days)
		}
		if !x.Late && i < len(gaps) {
			x.Missing = gaps[i].Missing
		}
		p.Deadlines = append(p.Deadlines, x)
	}
	ls, err := st.Lectures(ctx, id, 10)
	if err != nil {
		return nil, err
	}
	scope := ""
	if unit != nil {
		scope = unit.Path
	}
	for _, l := range ls {
		p.Lectures = append(p.Lectures, listed(l, scope))
	}
	ex, err := st.Excellents(ctx, id, dangke.Period{})
	if err != nil {
		return nil, err
	}
	p.ExcellentAll = len(ex)
	for _, e := range ex[:min(len(ex), maxExcellent)] {
		x := listed(e.Lecture, scope)
		x.Reason = e.Reason
		if x.Photo, err = d.firstPhoto(ctx, base, e.Lecture.ID); err != nil {
			return nil, err
		}
		p.Excellent = append(p.Excellent, x)
	}
	return p, nil
}

// firstPhoto is the address of a lecture's first photo with a thumbnail,
// relative to the page (token/p/ID), or "".
func (d *Dashboard) firstPhoto(ctx context.Context, base string, lecture int64) (string, error) {
	if d.Media == nil {
		return "", nil
	}
	files, err := d.Store.Files(ctx, lecture)
	if err != nil {
		return "", err
	}
	for _, f := range files {
		if f.Kind == dangke.KindImage && d.Media.ThumbMade(f.SHA256, f.Ext) != "" {
			return base + "/p/" + strconv.FormatInt(f.ID, 10), nil
		}
	}
	return "", nil
}

// listed is a lecture as a page lists it: its unit named from scope, its
// link only when it is an http(s) address.
func listed(l dangke.Lecture, scope string) lecture {
	x := lecture{Date: l.Date.Format("1月2日"), Unit: relPath(l.UnitPath, scope), Speaker: l.Speaker, Position: l.Position, Title: l.Title, Attendees: l.Attendees}
	if u, err := url.Parse(l.Link); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		x.Link = u.String()
	}
	return x
}

// relPath names a unit below scope by its path from there.
func relPath(path, scope string) string {
	if scope != "" && strings.HasPrefix(path, scope+"/") {
		return path[len(scope)+1:]
	}
	if path == scope {
		if i := strings.LastIndex(path, "/"); i >= 0 {
			return path[i+1:]
		}
	}
	return path
}

// line lays the weekly counts out in the SVG's 600×240 box.
func line(weeks []dangke.Period, counts []int) svgLine {
	const left, right, top, bottom = 34.0, 392.0, 10.0, 188.0
	hi := 0
	for _, c := range counts {
		hi = max(hi, c)
	}
	step := 1
	for _, s := range []int{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000} {
		step = s
		if hi <= s*4 {
			break
		}
	}
	ymax := max(step*4, (hi+step-1)/step*step)
	var l svgLine
	y := func(v int) float64 { return bottom - float64(v)*(bottom-top)/float64(ymax) }
	for v := 0; v <= ymax; v += step {
		l.Grid = append(l.Grid, svgTick{Y: y(v), Label: strconv.Itoa(v)})
	}
	n := len(weeks)
	x := func(i int) float64 {
		if n <= 1 {
			return (left + right) / 2
		}
		return left + 10 + float64(i)*(right-left-20)/float64(n-1)
	}
	var pts []string
	every := (n + 5) / 6
	for i, w := range weeks {
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(counts[i])))
		l.Dots = append(l.Dots, svgDot{X: x(i), Y: y(counts[i]), Label: chart.WeekLabel(w), Value: counts[i]})
		if i%every == 0 || i == n-1 {
			l.Ticks = append(l.Ticks, svgTick{X: x(i), Label: chart.WeekLabel(w)})
		}
	}
	l.Points = strings.Join(pts, " ")
	return l
}
