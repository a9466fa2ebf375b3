package dangke

import (
	"context"
	"time"
)

// Shows counts a subtree's lectures of a period by form (普通/情景/文艺) and
// its 示范宣讲 by venue: the figures of the 示范宣讲活动 (issue 14).
type Shows struct {
	Lectures int            // every lecture counted
	Demo     int            // 示范宣讲
	ByVenue  map[string]int // 示范宣讲 by venue (Venues); "" for those marked 示范=是 without one
	ByForm   map[string]int // every lecture by form (Forms)
}

// Add adds the lectures of one kind to s.
func (s *Shows) Add(venue, form string, demo bool, n int) {
	if s.ByVenue == nil {
		s.ByVenue, s.ByForm = map[string]int{}, map[string]int{}
	}
	if n == 0 {
		return
	}
	if form == "" {
		form = Forms[0]
	}
	s.Lectures += n
	s.ByForm[form] += n
	if demo {
		s.Demo += n
		s.ByVenue[venue] += n
	}
}

// IsDemo reports whether a lecture is a 示范宣讲 by the notice's rule: its
// speaker is in the county's pool and it went to one of the five venues,
// or it was marked so.
func IsDemo(inPool bool, venue string, marked bool) bool {
	return marked || (inPool && contains(Venues, venue))
}

// Excellent is a lecture marked for the online micro-classroom (网上微课堂).
type Excellent struct {
	Lecture Lecture
	Reason  string
	By      string // platform:id
	At      time.Time
}

// MaxReason bounds a reason given with 优秀 or 不入选, in characters.
const MaxReason = 100

// City pool statuses: a county recommends, the city selects or declines.
const (
	PickRecommended = "推荐"
	PickSelected    = "入选"
	PickDeclined    = "不入选"
)

// CityPick is a county lecturer's place on the way into the city pool.
type CityPick struct {
	Instructor Instructor
	County     string // the county's name
	Status     string // PickRecommended, PickSelected or PickDeclined
	Reason     string // why declined
	By         string // who recommended
	At         time.Time
	DecidedBy  string
	DecidedAt  time.Time
}

// LectureFill is what /补充 adds to a lecture: only fields left empty
// (形式 while it is the default) are filled.
type LectureFill struct {
	Link    string
	Venue   string
	Form    string
	Minutes int
}

// SpeakerCount is a lecturer with their lecture count, for the report.
type SpeakerCount struct {
	Name     string
	UnitPath string
	Lectures int
}

// ShowcaseReader reads the 示范宣讲 figures, the micro-classroom and the
// city pool.
type ShowcaseReader interface {
	// Shows counts a subtree's (0: the city) lectures of a period by form
	// and its 示范宣讲 by venue.
	Shows(ctx context.Context, unit int64, p Period) (Shows, error)
	// DemoLectures returns a subtree's 示范宣讲 of a period, by date.
	DemoLectures(ctx context.Context, unit int64, p Period) ([]Lecture, error)
	// IsDemoLecture reports whether a lecture is marked a 示范宣讲.
	IsDemoLecture(ctx context.Context, id int64) (bool, error)
	// PoolNamed returns the active lecturers of a county's pool with a name.
	PoolNamed(ctx context.Context, county int64, name string) ([]Instructor, error)
	// Excellents returns the excellent active lectures of a subtree (0: the
	// city), newest lecture first; with marked set, only those marked in
	// that period (the zero Period: any time).
	Excellents(ctx context.Context, unit int64, marked Period) ([]Excellent, error)
	// ExcellentOf returns a lecture's mark, or nil.
	ExcellentOf(ctx context.Context, lecture int64) (*Excellent, error)
	// CityPool returns the lecturers recommended to the city pool from a
	// county (0: every county), by county and name.
	CityPool(ctx context.Context, county int64) ([]CityPick, error)
	// CityContest returns the newest contest of the city (the final);
	// ENOTFOUND if none.
	CityContest(ctx context.Context) (*Contest, error)
	// TopSpeakers returns the lecturers of a subtree with the most
	// lectures in a period, most first, at most limit.
	TopSpeakers(ctx context.Context, unit int64, p Period, limit int) ([]SpeakerCount, error)
}

// ShowcaseWriter changes them, inside Store.Update.
type ShowcaseWriter interface {
	// SetDemo marks a lecture a 示范宣讲 or not; the counts follow.
	SetDemo(ctx context.Context, lecture int64, demo bool) error
	// FillLecture fills a lecture's empty optional fields; ENOTFOUND if
	// the lecture is not active.
	FillLecture(ctx context.Context, lecture int64, f LectureFill) error
	// MarkExcellent marks a lecture excellent; ECONFLICT if it is.
	MarkExcellent(ctx context.Context, e Excellent) error
	// UnmarkExcellent takes the mark away; ENOTFOUND if there is none.
	UnmarkExcellent(ctx context.Context, lecture int64) error
	// SetCityPick records a lecturer's recommendation or the city's
	// decision on it.
	SetCityPick(ctx context.Context, p CityPick) error
}
