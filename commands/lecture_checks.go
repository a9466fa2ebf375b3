package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dangke"
)

// The questions /党课 asks before it saves: what does not add up is put to
// the sender, who confirms it in one word. They read beside the writer
// (each an indexed lookup); the writing transaction looks up the same-day
// duplicate once more, so that two copies of one lecture sent at once
// cannot both be saved.

// checkLecture asks about a duplicate, an implausible figure or a lecturer
// who may be a namesake in another unit, unless the sender has answered.
// It returns the answered namesake questions, to be recorded with the
// lecture.
func checkLecture(ctx context.Context, c *Call, tx dangke.Reader, unit *dangke.Unit, l *dangke.Lecture) ([]namesake, []dangke.SpeakerRef, error) {
	// One index-only read says whether the speaker has lectured in the unit
	// at all, and within the duplicate window.
	from, to := l.Date.AddDate(0, 0, -dangke.DuplicateDays), l.Date.AddDate(0, 0, dangke.DuplicateDays)
	total, near, err := tx.SpeakerLectures(ctx, l.UnitID, l.Speaker, from, to)
	if err != nil {
		return nil, nil, err
	}
	if total == 0 {
		// A name new here may be another spelling of a lecturer of the
		// unit: asked, and answered 是 it is logged under the known one.
		known, err := checkVariants(ctx, c, tx, unit, l)
		if err != nil {
			return nil, nil, err
		}
		if known != "" {
			l.Speaker = known
			if total, near, err = tx.SpeakerLectures(ctx, l.UnitID, l.Speaker, from, to); err != nil {
				return nil, nil, err
			}
		}
	}
	if near > 0 {
		if err := checkDuplicate(ctx, c, tx, l, from, to); err != nil {
			return nil, nil, err
		}
	}
	if err := checkPlausible(ctx, c, tx, unit, l); err != nil {
		return nil, nil, err
	}
	var answers []namesake
	if total == 0 {
		// A lecturer already known in this unit was asked about their
		// namesakes at their first lecture here.
		if answers, err = checkNamesakes(ctx, c, tx, unit, l); err != nil {
			return nil, nil, err
		}
	}
	// The same person's lectures in other units (linked names, or the names
	// just answered to be the same person): the same lecture may have been
	// logged from the county's chat and the branch's.
	linked, err := tx.LinkedSpeakers(ctx, unit.ID, l.Speaker)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range answers {
		if a.Same {
			linked = append(linked, a.Other)
		}
	}
	if err := checkLinkedDuplicate(ctx, c, tx, l, linked, from, to); err != nil {
		return nil, nil, err
	}
	return answers, linked, nil
}

// checkLinkedDuplicate asks whether a lecture that matches one of the same
// person's in another unit is a second lecture: the duplicate rule across
// the units a person's names are linked in.
func checkLinkedDuplicate(ctx context.Context, c *Call, tx dangke.Reader, l *dangke.Lecture, linked []dangke.SpeakerRef, from, to time.Time) error {
	if len(linked) == 0 {
		return nil
	}
	if yes, _ := c.Answer("重复"); yes {
		return nil
	}
	var dups []string
	seen := map[dangke.SpeakerRef]bool{}
	for _, o := range linked {
		k := dangke.SpeakerRef{UnitID: o.UnitID, Name: o.Name}
		if seen[k] {
			continue
		}
		seen[k] = true
		similar, err := tx.SimilarLectures(ctx, o.UnitID, o.Name, from, to)
		if err != nil {
			return err
		}
		for i := range similar {
			if l.Repeats(&similar[i]) {
				dups = append(dups, "「"+o.UnitPath+"」"+entryLine(c, &similar[i]))
			}
		}
	}
	if len(dups) == 0 {
		return nil
	}
	return Ask("重复", fmt.Sprintf("这条与已登记的%s 可能重复（讲课人记为同一人）。这是另一次讲课吗？", strings.Join(dups, "；")))
}

// checkDuplicate asks whether a lecture that matches an earlier one of the
// same unit is a second lecture.
func checkDuplicate(ctx context.Context, c *Call, tx dangke.Reader, l *dangke.Lecture, from, to time.Time) error {
	if yes, _ := c.Answer("重复"); yes {
		return nil
	}
	similar, err := tx.SimilarLectures(ctx, l.UnitID, l.Speaker, from, to)
	if err != nil {
		return err
	}
	var dups []string
	for i := range similar {
		if l.IsDuplicateOf(&similar[i]) {
			dups = append(dups, entryLine(c, &similar[i]))
		}
	}
	if len(dups) == 0 {
		return nil
	}
	return Ask("重复", fmt.Sprintf("这条与已登记的 %s 可能重复。这是另一次讲课吗？", strings.Join(dups, "；")))
}

// checkSameDay asks, inside the writing transaction, about an active
// lecture of the same unit by the same speaker on the same day: the
// duplicate a second copy sent at the same moment would be. It reads only
// the lectures_speaker index, for the unit and the units the same person's
// linked names are in.
func checkSameDay(ctx context.Context, c *Call, tx dangke.Tx, l *dangke.Lecture, linked []dangke.SpeakerRef) error {
	if yes, _ := c.Answer("重复"); yes {
		return nil
	}
	id, err := tx.SameDayLecture(ctx, l.UnitID, l.Speaker, l.Date)
	for _, o := range linked {
		if err != nil || id != 0 {
			break
		}
		id, err = tx.SameDayLecture(ctx, o.UnitID, o.Name, l.Date)
	}
	if err != nil || id == 0 {
		return err
	}
	e, err := tx.Lecture(ctx, id)
	if err != nil {
		return err
	}
	return Ask("重复", fmt.Sprintf("这条与已登记的 %s 可能重复。这是另一次讲课吗？", entryLine(c, e)))
}

// entryLine names an earlier lecture: #12，7月19日 周杰《青春向党》.
func entryLine(c *Call, e *dangke.Lecture) string {
	return fmt.Sprintf("#%d，%s %s《%s》", e.ID, dayLabel(c, e.Date), e.Speaker, e.Title)
}

// dayLabel writes a day as 7月19日, with the year when it is not this year.
func dayLabel(c *Call, d interface {
	Year() int
	Format(string) string
}) string {
	if d.Year() != c.Now.Year() {
		return d.Format("2006年1月2日")
	}
	return d.Format("1月2日")
}

// checkPlausible asks about more listeners than the unit could gather and
// about a lecture longer than a lecture runs.
func checkPlausible(ctx context.Context, c *Call, tx dangke.Reader, unit *dangke.Unit, l *dangke.Lecture) error {
	if yes, _ := c.Answer("人数"); !yes {
		limit, why := dangke.PlausibleAttendees, fmt.Sprintf("超过 %d 人", dangke.PlausibleAttendees)
		if l.Attendees > dangke.PlausibleAttendeesPerMember*max(unit.Members, 1) && l.Attendees <= limit {
			// Only now is the subtree's member count worth reading.
			f, err := tx.Figures(ctx, unit.ID, dangke.Period{})
			if err != nil {
				return err
			}
			if f.Members > 0 && l.Attendees > dangke.PlausibleAttendeesPerMember*f.Members {
				limit = dangke.PlausibleAttendeesPerMember * f.Members
				why = fmt.Sprintf("是%s党员数（%d 人）的 %d 倍以上", unit.Name, f.Members, dangke.PlausibleAttendeesPerMember)
			}
		}
		if l.Attendees > limit {
			return Ask("人数", fmt.Sprintf("听课人数 %d 人%s，请核对。确认是 %d 人吗？", l.Attendees, why, l.Attendees))
		}
	}
	if yes, _ := c.Answer("时长"); !yes && l.Minutes > dangke.PlausibleMinutes {
		return Ask("时长", fmt.Sprintf("时长 %d 分钟，超过 %d 分钟（微党课一般 5–10 分钟），请核对。确认是 %d 分钟吗？",
			l.Minutes, dangke.PlausibleMinutes, l.Minutes))
	}
	return nil
}

// namesake is an answered "the same person?" question.
type namesake struct {
	Other dangke.SpeakerRef
	Same  bool
}

// namesakeKey names the question about one namesake.
func namesakeKey(other dangke.SpeakerRef) string { return fmt.Sprintf("同一人#%d", other.UnitID) }

// checkNamesakes asks, once per pair, whether a lecturer who has lectured
// in another unit of the same reporting unit is the same person.
func checkNamesakes(ctx context.Context, c *Call, tx dangke.Reader, unit *dangke.Unit, l *dangke.Lecture) ([]namesake, error) {
	others, err := tx.Namesakes(ctx, unit.ID, l.Speaker)
	if err != nil || len(others) == 0 {
		return nil, err
	}
	// Names already linked to one person are one question.
	var groups [][]dangke.SpeakerRef
	at := map[int64]int{}
	for _, o := range others {
		if i, ok := at[o.Person]; ok && o.Person != 0 {
			groups[i] = append(groups[i], o)
			continue
		}
		if o.Person != 0 {
			at[o.Person] = len(groups)
		}
		groups = append(groups, []dangke.SpeakerRef{o})
	}
	var out []namesake
	for _, g := range groups {
		same, answered := c.Answer(namesakeKey(g[0]))
		if !answered {
			paths := make([]string, len(g))
			for i, o := range g {
				paths[i] = o.UnitPath
			}
			return nil, AskChoice(namesakeKey(g[0]), fmt.Sprintf("「%s」也有讲课人%s%s。这次登记的%s（%s）与其是同一个人吗？同一个人在上级统计中只算一次。",
				strings.Join(paths, "」「"), l.Speaker, map[bool]string{true: "（已记为同一人）", false: ""}[len(g) > 1], l.Speaker, unit.Path))
		}
		for _, o := range g {
			out = append(out, namesake{Other: o, Same: same})
		}
	}
	return out, nil
}

// recordNamesakes saves the answers with the lecture and says what they mean.
func recordNamesakes(ctx context.Context, c *Call, tx dangke.Tx, unit *dangke.Unit, l *dangke.Lecture, answers []namesake) (string, error) {
	var same []string
	for _, a := range answers {
		me := dangke.SpeakerRef{UnitID: unit.ID, Name: l.Speaker, UnitPath: unit.Path}
		if err := tx.LinkSpeakers(ctx, me, a.Other, a.Same, c.Now); err != nil {
			return "", err
		}
		action, detail := "speaker.distinct", fmt.Sprintf("%s 的%s 与 %s 的%s 不是同一人", unit.Path, l.Speaker, a.Other.UnitPath, a.Other.Name)
		if a.Same {
			action, detail = "speaker.same", fmt.Sprintf("%s 的%s 与 %s 的%s 是同一人", unit.Path, l.Speaker, a.Other.UnitPath, a.Other.Name)
			same = append(same, a.Other.UnitPath)
		}
		if err := tx.Audit(ctx, c.Audit(action, "speaker", unit.ID, detail)); err != nil {
			return "", err
		}
	}
	if len(same) == 0 {
		return "", nil
	}
	return fmt.Sprintf("%s与「%s」的%s记为同一人，上级统计只算一次。\n", l.Speaker, strings.Join(same, "」「"), l.Speaker), nil
}

// variantKey names the question about another spelling of a name.
const variantKey = "同一人写法"

// checkVariants asks whether a name new in the unit is another spelling of
// one that has lectured there (买买提艾力 and 买买提·艾力, 張三 and 张三) and
// returns that spelling when the sender says 是; 否 logs the name as
// written, as another person.
func checkVariants(ctx context.Context, c *Call, tx dangke.Reader, unit *dangke.Unit, l *dangke.Lecture) (string, error) {
	if same, answered := c.Answer(variantKey); answered && !same {
		return "", nil
	}
	names, err := tx.SpeakerNames(ctx, unit.ID)
	if err != nil {
		return "", err
	}
	key := c.r.names.fold(l.Speaker)
	for _, n := range names {
		if n == l.Speaker || c.r.names.fold(n) != key {
			continue
		}
		if same, _ := c.Answer(variantKey); same {
			return n, nil
		}
		return "", AskChoice(variantKey, fmt.Sprintf("%s已有讲课人「%s」。这次的「%s」与其是同一个人吗？回复「是」按「%s」登记（同一人只算一次），「否」按「%s」另算一人。",
			unit.Name, n, l.Speaker, n, l.Speaker))
	}
	return "", nil
}
