package dangke

import (
	"net/url"
	"strings"
	"time"
)

// Venue is where a lecture went to: the five places of 送党课进基层.
const (
	VenueOrgan      = "机关"
	VenueCommunity  = "社区"
	VenueEnterprise = "企业"
	VenueVillage    = "农村"
	VenueSchool     = "学校"
)

// Venues lists the accepted venues in the notice's order.
var Venues = []string{VenueOrgan, VenueCommunity, VenueEnterprise, VenueVillage, VenueSchool}

// Forms lists the accepted lecture forms; the first is the default.
var Forms = []string{"普通", "情景", "文艺"}

// FirstYear is the earliest year a lecture may be dated: the campaign began in 2019.
const FirstYear = 2019

// Limits on lecture fields.
const (
	MaxTitle     = 100
	MaxPosition  = 30
	MaxAttendees = 100000
	MaxMinutes   = 600
	MaxLink      = 500
)

// Plausibility: figures above these are asked about before they are saved.
const (
	// PlausibleAttendees is the most listeners saved without a question.
	PlausibleAttendees = 2000
	// PlausibleAttendeesPerMember bounds the listeners a unit could gather:
	// more than this many times its Party members is asked about.
	PlausibleAttendeesPerMember = 20
	// PlausibleMinutes is the longest lecture saved without a question (a
	// micro lecture runs 5–10 minutes).
	PlausibleMinutes = 180
	// DuplicateDays is how far apart two lectures of one speaker with the
	// same title may be dated and still be asked about as a duplicate.
	DuplicateDays = 3
)

// IsDuplicateOf reports whether l looks like a second record of the
// earlier lecture e of the same unit: the same speaker on the same day, or
// the same speaker and title within DuplicateDays.
func (l *Lecture) IsDuplicateOf(e *Lecture) bool {
	if l.UnitID != e.UnitID || l.Speaker != e.Speaker {
		return false
	}
	return l.Repeats(e)
}

// Repeats reports whether l, by a lecturer known to be e's (the same name
// in the same unit, or names linked to one person), looks like a second
// record of e: the same day, or the same title within DuplicateDays.
func (l *Lecture) Repeats(e *Lecture) bool {
	gap := DaysBetween(e.Date, l.Date)
	if gap == 0 {
		return true
	}
	return gap >= -DuplicateDays && gap <= DuplicateDays && TitleKey(l.Title) == TitleKey(e.Title)
}

// DaysBetween counts the calendar days from a to b, each read as the day it
// names in its own location.
func DaysBetween(a, b time.Time) int {
	day := func(t time.Time) int64 {
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
	}
	return int(day(b) - day(a))
}

// Lecture is one micro Party lecture as logged: the columns of 附件1 and the
// optional details the campaign asks about.
type Lecture struct {
	ID        int64
	UnitID    int64
	Speaker   string    // 讲课人姓名
	Position  string    // 职务
	Title     string    // 微党课题目, without 《》
	Date      time.Time // 讲课日期 (midnight)
	Attendees int       // 听课人数
	Venue     string    // 场所: one of Venues, or ""
	Form      string    // 形式: one of Forms
	Minutes   int       // 时长, 0 when not given
	Satisfied int       // 满意 numerator
	Surveyed  int       // 满意 denominator, 0 when no survey
	Link      string    // 链接 to a recording
	Leader    bool      // the speaker is a leading cadre

	Author    string // platform:user who logged it
	Chat      string // platform:chat it was logged in
	CreatedAt time.Time
	UnitPath  string // filled by the store on reads
}

// leaderPosts are the last words of the posts whose holders are leading
// cadres for the campaign: the notice asks 各级党组织书记和班子成员 to lecture
// first, so the secretaries and committee members of every Party
// organisation count (支部书记 too), and so do the heads of government
// bodies, schools and enterprises.
var leaderPosts = []string{
	"书记", "副书记", "委员", "常委", "主任", "副主任", "主席", "副主席", "部长", "局长", "县长", "市长", "区长", "镇长", "乡长",
	"处长", "科长", "厅长", "校长", "院长", "所长", "站长", "馆长", "行长", "社长", "董事长", "总经理", "厂长", "政委", "主任委员",
	"支书", "班子成员", "领导",
}

// notLeaderPosts are the false friends: posts that end like a leader's
// but are not one. 主任科员 and 调研员 are ranks, not posts; 团支部书记
// leads the Youth League, not a Party organisation; 班主任 is a teacher.
var notLeaderPosts = []string{
	"主任科员", "科员", "办事员", "调研员", "巡视员", "助理", "秘书", "干事", "班主任", "团支部书记", "团委书记", "团总支书记",
	"团书记", "妇联主任", "妇联主席", "村妇联主任", "村委委员", "村民委员", "居委委员", "工会委员", "团支部委员", "书记员",
	"科室主任", "教研室主任", "年级主任", "护士长", "车间主任", "班长", "组长", "村主任", "村长", "村委会主任",
}

// notLeaderBefore are the bodies whose 主任, 委员 or 主席 is not a cadre
// of a Party organisation or a government: a village's women's federation,
// the Youth League, a residents' committee.
var notLeaderBefore = []string{"妇联", "团", "工会", "村委", "居委", "学生会", "少先队"}

// IsLeaderPosition reports whether a 职务 names a leading cadre, judged by
// the post, not by a word inside it: 党委书记, 局长, 副县长 and 支部书记 do;
// 团支部书记, 书记助理, 主任科员, 班主任 and 村妇联主任 do not.
func IsLeaderPosition(position string) bool {
	p := strings.TrimSpace(position)
	for _, w := range notLeaderPosts {
		if strings.HasSuffix(p, w) {
			return false
		}
	}
	for _, w := range leaderPosts {
		if !strings.HasSuffix(p, w) {
			continue
		}
		before := strings.TrimSuffix(p, w)
		for _, n := range notLeaderBefore {
			if strings.Contains(before, n) {
				return false
			}
		}
		return true
	}
	return false
}

// Validate checks every field against the campaign's rules, with today
// being the current day in the campaign's time zone. It fills Form with the
// default when empty. The error names the first wrong field.
func (l *Lecture) Validate(today time.Time) error {
	if err := checkName("讲课人姓名", l.Speaker); err != nil {
		return err
	}
	if err := checkText("职务", l.Position, MaxPosition); err != nil {
		return err
	}
	if err := checkText("微党课题目", l.Title, MaxTitle); err != nil {
		return err
	}
	if l.Date.IsZero() {
		return FieldErrorf("讲课日期", "不能为空。")
	}
	if l.Date.Year() < FirstYear {
		return FieldErrorf("讲课日期", "不能早于 %d 年，收到 %s。", FirstYear, l.Date.Format(DateLayout))
	}
	if Midnight(l.Date).After(Midnight(today)) {
		return FieldErrorf("讲课日期", "不能晚于今天（%s），收到 %s。", today.Format(DateLayout), l.Date.Format(DateLayout))
	}
	if l.Attendees < 1 || l.Attendees > MaxAttendees {
		return FieldErrorf("听课人数", "应为 1 到 %d 之间的整数，收到 %d。", MaxAttendees, l.Attendees)
	}
	if l.Venue != "" && !contains(Venues, l.Venue) {
		return FieldErrorf("场所", "应为%s之一，收到「%s」。", strings.Join(Venues, "、"), l.Venue)
	}
	if l.Form == "" {
		l.Form = Forms[0]
	}
	if !contains(Forms, l.Form) {
		return FieldErrorf("形式", "应为%s之一，收到「%s」。", strings.Join(Forms, "、"), l.Form)
	}
	if l.Minutes < 0 || l.Minutes > MaxMinutes {
		return FieldErrorf("时长", "应为 1 到 %d 分钟，收到 %d。", MaxMinutes, l.Minutes)
	}
	if l.Surveyed < 0 || l.Satisfied < 0 || l.Satisfied > l.Surveyed {
		return FieldErrorf("满意", "应写作 满意人数/参评人数，且满意人数不超过参评人数，收到 %d/%d。", l.Satisfied, l.Surveyed)
	}
	if l.Surveyed > l.Attendees {
		return FieldErrorf("满意", "的参评人数（%d）不能多于听课人数（%d）。", l.Surveyed, l.Attendees)
	}
	if l.Link != "" {
		if err := checkLink(l.Link); err != nil {
			return err
		}
	}
	return nil
}

func checkLink(s string) error {
	if len(s) > MaxLink {
		return FieldErrorf("链接", "最长 %d 个字符。", MaxLink)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return FieldErrorf("链接", "应以 http:// 或 https:// 开头，收到「%s」。", firstRunes(s, 40))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
