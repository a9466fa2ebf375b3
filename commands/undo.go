package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"dangke"
)

func undoCommand(r *Router) *Command {
	return &Command{
		Names:   []string{"撤销", "撤回"},
		English: []string{"undo"},
		Summary: "撤回自己最近的一次登记（党课、宣讲员或照片等附件），或写编号撤回自己的某一条",
		Fields: []Field{
			{Name: "编号", Aliases: []string{"id"}, Kind: KText, Positional: true, Example: "12", Hint: "不写则撤回最近一条"},
			{Name: "类别", Aliases: []string{"kind"}, Kind: KChoice, Choices: []string{"党课", "宣讲员"}, Positional: true, Example: "宣讲员", Hint: "默认为党课"},
		},
		Example: "/撤销",
		Perm:    Anyone,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			e, err := c.Store().LastEntry(ctx, c.Req.From.Key())
			if c.Args.Has("编号") { // the [撤销] button under a confirmation names its entry
				e, err = ownEntry(ctx, c)
			}
			if err != nil {
				return nil, err
			}
			if e == nil {
				return nil, dangke.Errorf(dangke.ENOTFOUND, "你还没有可以撤销的登记。")
			}
			if c.Now.Sub(e.At) > r.cfg.UndoWindow {
				return nil, dangke.Errorf(dangke.EFORBIDDEN, "你最近一条登记（#%d，%s）已超过 %s，不能自行撤销；请联系管理员用 /删除 %d。",
					e.ID, e.At.In(c.Now.Location()).Format("01-02 15:04"), window(r.cfg.UndoWindow), e.ID)
			}
			return withdraw(ctx, c, e.Kind, e.ID, "已撤销")
		},
	}
}

// withdraw withdraws an entry with its audit row and describes what went
// and which figures change: the unit's and its reporting unit's, or the pool's.
func withdraw(ctx context.Context, c *Call, kind string, id int64, verb string) (*dangke.Reply, error) {
	return c.Update(ctx, func(tx dangke.Tx) (string, error) {
		var what, change string
		switch kind {
		case dangke.EntryLecture:
			l, err := tx.Lecture(ctx, id)
			if err != nil {
				return "", err
			}
			u, err := tx.UnitByID(ctx, l.UnitID)
			if err != nil {
				return "", err
			}
			names := map[int64]string{u.ID: u.Name}
			if !u.IsTop() {
				top, err := tx.UnitByID(ctx, u.TopID)
				if err != nil {
					return "", err
				}
				names[top.ID] = top.Name
			}
			before, err := figuresOf(ctx, tx, u.ID, u.TopID)
			if err != nil {
				return "", err
			}
			// The 示范宣讲 count and the excellent list follow the lecture:
			// said, so that the report's figures are not a surprise.
			demoBefore, err := tx.Shows(ctx, u.TopID, dangke.Period{})
			if err != nil {
				return "", err
			}
			excellent, err := tx.ExcellentOf(ctx, id)
			if err != nil {
				return "", err
			}
			if err := tx.WithdrawLecture(ctx, id, c.Req.From.Key(), c.Now); err != nil {
				return "", err
			}
			unlinked, err := dropIdleLinks(ctx, c, tx, u, l.Speaker)
			if err != nil {
				return "", err
			}
			after, err := figuresOf(ctx, tx, u.ID, u.TopID)
			if err != nil {
				return "", err
			}
			demoAfter, err := tx.Shows(ctx, u.TopID, dangke.Period{})
			if err != nil {
				return "", err
			}
			what = fmt.Sprintf("微党课 #%d：%s《%s》%s", id, l.Speaker, l.Title, l.Date.Format(dangke.DateLayout))
			change = changeLines(names, []int64{u.ID, u.TopID}, before, after) + unlinked
			if demoBefore.Demo != demoAfter.Demo {
				change += fmt.Sprintf("\n%s示范宣讲 %d→%d 次", names[u.TopID], demoBefore.Demo, demoAfter.Demo)
			}
			if excellent != nil {
				change += "\n它曾评为优秀微党课，已不再列入网上微课堂展播"
			}
		case dangke.EntryFile:
			f, err := tx.File(ctx, id)
			if err != nil {
				return "", err
			}
			l, err := tx.Lecture(ctx, f.LectureID)
			if err != nil {
				return "", err
			}
			if err := tx.RemoveFile(ctx, id, c.Req.From.Key(), c.Now); err != nil {
				return "", err
			}
			left, err := tx.Files(ctx, l.ID)
			if err != nil {
				return "", err
			}
			what = fmt.Sprintf("附件 %s（#%d %s《%s》）", f.Name, l.ID, l.Speaker, l.Title)
			change = fmt.Sprintf("#%d 还有 %d 个附件", l.ID, len(left))
		default:
			in, err := tx.Instructor(ctx, id)
			if err != nil {
				return "", err
			}
			n, err := tx.PoolSize(ctx, in.PoolID)
			if err != nil {
				return "", err
			}
			if err := tx.WithdrawInstructor(ctx, id, c.Req.From.Key(), c.Now); err != nil {
				return "", err
			}
			what = fmt.Sprintf("宣讲员 #%d：%s", id, in.Name)
			if pool, err := tx.UnitByID(ctx, in.PoolID); err == nil {
				change = fmt.Sprintf("%s师资库 %d→%d 人", pool.Name, n, n-1)
			}
		}
		if err := tx.Audit(ctx, c.Audit(kind+".withdraw", kind, id, what)); err != nil {
			return "", err
		}
		text := verb + what + "。"
		if change != "" {
			text += "\n" + change
		}
		return text, nil
	})
}

// figureChange names the figures of a unit that a change moves:
// 第一党支部 微党课 12→11 次，讲课人 10→9 人. The counts of lectures and
// lecturers are always named; the others when they change.
func figureChange(name string, b, a dangke.Figures) string {
	var parts []string
	item := func(label string, x, y int, unit string, always bool) {
		switch {
		case x != y:
			parts = append(parts, fmt.Sprintf("%s %d→%d %s", label, x, y, unit))
		case always:
			parts = append(parts, fmt.Sprintf("%s仍为 %d %s", label, x, unit))
		}
	}
	item("微党课", b.Lectures, a.Lectures, "次", true)
	item("讲课人", b.Speakers, a.Speakers, "人", true)
	item("领导干部", b.Leaders, a.Leaders, "人", false)
	item("听课", b.Attendees, a.Attendees, "人次", false)
	item("党员", b.Members, a.Members, "人", false)
	return name + " " + strings.Join(parts, "，")
}

func window(d interface{ Hours() float64 }) string {
	if h := d.Hours(); h >= 1 {
		return fmt.Sprintf("%g 小时", h)
	}
	return fmt.Sprintf("%g 分钟", d.Hours()*60)
}

// ownEntry is the sender's own active entry named by 编号 (and 类别).
func ownEntry(ctx context.Context, c *Call) (*dangke.Entry, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(c.Text("编号"), "#"), 10, 64)
	if err != nil || id <= 0 {
		return nil, dangke.FieldErrorf("编号", "应为 /记录 里 # 后面的数字，收到「%s」。", clip(c.Text("编号")))
	}
	e := &dangke.Entry{Kind: dangke.EntryLecture, ID: id}
	var author string
	if c.Text("类别") == "宣讲员" {
		e.Kind = dangke.EntryInstructor
		in, err := c.Store().Instructor(ctx, id)
		if err != nil {
			return nil, err
		}
		author, e.At = in.Author, in.CreatedAt
	} else {
		l, err := c.Store().Lecture(ctx, id)
		if err != nil {
			return nil, err
		}
		author, e.At = l.Author, l.CreatedAt
	}
	if author != c.Req.From.Key() {
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "#%d 不是你登记的，不能撤销；请联系管理员用 /删除 %d。", id, id)
	}
	return e, nil
}

// dropIdleLinks forgets the answers to "the same person?" about a name
// that has no lecture left in its unit: the link its first lecture made
// rests on nothing once that lecture is withdrawn, and a wrong 是 is put
// right by /撤销 and sending again (asked anew). It says what went.
func dropIdleLinks(ctx context.Context, c *Call, tx dangke.Tx, u *dangke.Unit, name string) (string, error) {
	total, _, err := tx.SpeakerLectures(ctx, u.ID, name, c.Now, c.Now)
	if err != nil || total > 0 {
		return "", err
	}
	others, err := tx.UnlinkSpeaker(ctx, dangke.SpeakerRef{UnitID: u.ID, Name: name}, false)
	if err != nil || len(others) == 0 {
		return "", err
	}
	paths := make([]string, len(others))
	for i, o := range others {
		paths[i] = o.UnitPath
	}
	detail := fmt.Sprintf("%s 的%s 与 %s 的%s 不再记为同一人（撤回了其党课）", u.Path, name, strings.Join(paths, "、"), name)
	if err := tx.Audit(ctx, c.Audit("speaker.unlink", "speaker", u.ID, detail)); err != nil {
		return "", err
	}
	return fmt.Sprintf("\n%s的%s不再与「%s」的%s记为同一人；再登记时会重新询问。", u.Name, name, strings.Join(paths, "」「"), name), nil
}
