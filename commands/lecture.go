package commands

import (
	"context"
	"fmt"
	"strings"

	"dangke"
)

// lectureFields are the columns of 附件1 in order, then the optional details.
func lectureFields() []Field {
	return []Field{
		{Name: "讲课人", Label: "讲课人姓名", Aliases: []string{"讲课人姓名", "主讲人", "主讲", "姓名", "speaker", "name"}, Kind: KName, Required: true, Positional: true, Example: "张三"},
		{Name: "职务", Aliases: []string{"职位", "身份", "position", "role"}, Kind: KPost, Required: true, Positional: true, Example: "支部书记"},
		{Name: "题目", Label: "微党课题目", Aliases: []string{"微党课题目", "课题", "主题", "title", "topic"}, Kind: KTitle, Required: true, Positional: true, Example: "《我和我的祖国》"},
		{Name: "日期", Label: "讲课日期", Aliases: []string{"讲课日期", "时间", "讲课时间", "date"}, Kind: KDate, Required: true, Positional: true, Example: "7月1日、2019-07-01 或 昨天"},
		{Name: "听课人数", Aliases: []string{"人数", "听课", "参加人数", "参会人数", "到会人数", "实到人数", "attendees", "count"}, Kind: KCount, Required: true, Positional: true, Example: "45人"},
		{Name: "单位", Aliases: []string{"unit"}, Kind: KUnit, Example: "城关镇/第一党支部", Hint: "默认为本群绑定的单位"},
		{Name: "场所", Aliases: []string{"地点", "venue"}, Kind: KChoice, Choices: dangke.Venues, Example: "社区", Hint: "机关/社区/企业/农村/学校"},
		{Name: "形式", Aliases: []string{"form", "format"}, Kind: KChoice, Choices: dangke.Forms, Example: "情景", Hint: "普通/情景/文艺"},
		{Name: "时长", Aliases: []string{"分钟", "minutes"}, Kind: KCount, Example: "6分钟"},
		{Name: "满意", Aliases: []string{"满意度", "satisfaction"}, Kind: KRatio, Example: "40/42", Hint: "满意人数/参评人数"},
		{Name: "链接", Aliases: []string{"视频", "link"}, Kind: KText, Example: "https://example.org/v/1", Hint: "网上微课堂视频"},
		{Name: "领导", Aliases: []string{"领导干部", "leader"}, Kind: KBool, Example: "是", Hint: "是否领导干部，默认按职务判断"},
		{Name: "示范", Aliases: []string{"示范宣讲", "demo"}, Kind: KBool, Example: "是", Hint: "是否示范宣讲，默认按师资库和场所判断"},
		{Name: "重复", Aliases: []string{"再次", "again"}, Kind: KBool, Example: "是", Hint: "与已登记的一条相似但确是另一次讲课时写 重复=是"},
	}
}

func lectureCommand() *Command {
	return &Command{
		Names:   []string{"党课", "登记党课", "微党课"},
		English: []string{"lecture"},
		Summary: "登记一次微党课（附件1）",
		Fields:  lectureFields(),
		Example: "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人",
		Perm:    Member,
		Run:     runLecture,
	}
}

func runLecture(ctx context.Context, c *Call) (*dangke.Reply, error) {
	unit, err := c.TargetUnit(ctx, "单位")
	if err != nil {
		return nil, err
	}
	if !c.Args.Has("单位") {
		if err := lectureUnitHere(ctx, c, unit); err != nil {
			return nil, err
		}
	}
	l := &dangke.Lecture{
		UnitID: unit.ID, Speaker: c.Text("讲课人"), Position: c.Text("职务"), Title: c.Text("题目"),
		Venue: c.Text("场所"), Form: c.Text("形式"), Link: c.Text("链接"),
		Author: c.Req.From.Key(), Chat: c.Req.Chat.Key(), CreatedAt: c.Now,
	}
	if l.Date, err = c.Date("日期"); err != nil {
		return nil, err
	}
	if l.Attendees, err = c.Int("听课人数", 0); err != nil {
		return nil, err
	}
	if l.Minutes, err = c.Int("时长", 0); err != nil {
		return nil, err
	}
	if v, ok := c.Args["满意"]; ok {
		if l.Satisfied, l.Surveyed, err = parseRatio("满意", v); err != nil {
			return nil, err
		}
	}
	leader, given, err := c.Bool("领导")
	if err != nil {
		return nil, err
	}
	if !given {
		leader = dangke.IsLeaderPosition(l.Position)
	}
	l.Leader = leader
	if err := l.Validate(c.Now); err != nil {
		return nil, err
	}
	// The questions are asked from a read beside the single writer, so that
	// they cost the write path nothing; inside the writing transaction only
	// the same-day duplicate is looked up again, which two copies sent at
	// once would be.
	namesakes, err := checkLecture(ctx, c, c.Store(), unit, l)
	if err != nil {
		return nil, err
	}
	demo, err := demoLecture(ctx, c, unit, l)
	if err != nil {
		return nil, err
	}
	return c.Update(ctx, func(tx dangke.Tx) (string, error) {
		if err := checkSameDay(ctx, c, tx, l); err != nil {
			return "", err
		}
		if err := tx.AddLecture(ctx, l); err != nil {
			return "", err
		}
		c.undo = &dangke.Entry{Kind: dangke.EntryLecture, ID: l.ID, At: c.Now}
		if demo {
			if err := tx.SetDemo(ctx, l.ID, true); err != nil {
				return "", err
			}
		}
		people, err := recordNamesakes(ctx, c, tx, unit, l, namesakes)
		if err != nil {
			return "", err
		}
		detail := fmt.Sprintf("%s %s《%s》%s %d人", unit.Path, l.Speaker, l.Title, l.Date.Format(dangke.DateLayout), l.Attendees)
		if err := tx.Audit(ctx, c.Audit("lecture.add", dangke.EntryLecture, l.ID, detail)); err != nil {
			return "", err
		}
		f, err := tx.Figures(ctx, unit.ID, dangke.Period{})
		if err != nil {
			return "", err
		}
		return lectureConfirmation(c, unit, l, f, people, demo), nil
	})
}

// lectureUnitHere asks which unit a lecture belongs to when the chat is
// bound to a unit with units below it (a county's or a town's chat): a
// lecture is given in a Party branch, whose members it counts among, and
// filed at the county by default it would credit no branch and count a
// lecturer against no members. Naming the county itself (单位=温县) still
// files it there.
func lectureUnitHere(ctx context.Context, c *Call, unit *dangke.Unit) error {
	if unit.Kind == dangke.KindBranch {
		return nil
	}
	below, err := c.Store().Units(ctx, unit.ID)
	if err != nil {
		return err
	}
	if len(below) < 2 {
		return nil // a unit with nothing below it logs its own lectures
	}
	example := below[1]
	for _, u := range below[1:] {
		if u.Kind == dangke.KindBranch {
			example = u
			break
		}
	}
	rel := strings.TrimPrefix(example.Path, unit.Path+"/")
	return askFor("单位", "要写明讲课人所在的党支部：本群绑定的是%s（%s，下有 %d 个单位）。例如 %s；写 %s 则记在%s本级。",
		unit.Name, unit.Kind.Label(), len(below)-1, rel, unit.Name, unit.Name)
}

func lectureConfirmation(c *Call, unit *dangke.Unit, l *dangke.Lecture, f dangke.Figures, people string, demo bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "已登记第 %d 次微党课 ✅（编号 #%d）\n", f.Lectures, l.ID)
	fmt.Fprintf(&b, "讲课人：%s（%s）", l.Speaker, l.Position)
	if l.Leader {
		b.WriteString("·领导干部")
		if !c.Args.Has("领导") {
			b.WriteString("（按职务判断；不是的话 /撤销 后加 领导=否 重发）")
		}
	}
	fmt.Fprintf(&b, "\n题目：《%s》  日期：%s  听课：%d 人\n", l.Title, l.Date.Format(dangke.DateLayout), l.Attendees)
	var extra []string
	if demo {
		extra = append(extra, "示范宣讲")
	}
	if l.Venue != "" {
		extra = append(extra, "场所："+l.Venue)
	}
	if l.Form != dangke.Forms[0] {
		extra = append(extra, "形式："+l.Form+"党课")
	}
	if l.Minutes > 0 {
		extra = append(extra, fmt.Sprintf("时长：%d 分钟", l.Minutes))
	}
	if l.Surveyed > 0 {
		extra = append(extra, fmt.Sprintf("满意：%d/%d", l.Satisfied, l.Surveyed))
	}
	if l.Link != "" {
		extra = append(extra, "有视频链接")
	}
	if len(extra) > 0 {
		b.WriteString(strings.Join(extra, "  ") + "\n")
	}
	if c.Unit == nil || c.Unit.ID != unit.ID {
		fmt.Fprintf(&b, "单位：%s\n", unit.Path)
	}
	b.WriteString(people)
	switch pct, ok := f.Coverage(); {
	case ok && !f.Partial():
		fmt.Fprintf(&b, "%s已有 %d/%d 名党员上讲台（%s%%）。", unit.Name, f.CoveredSpeakers, f.CoveredMembers, pct)
	case ok:
		fmt.Fprintf(&b, "%s已有 %d 名党员上讲台，上台率 %s%%（%d/%d，%d 个单位未计入）。", unit.Name, f.Speakers, pct,
			f.CoveredSpeakers, f.CoveredMembers, f.Unset.N+f.Over.N)
	case f.Over.N > 0:
		fmt.Fprintf(&b, "%s已有 %d 名党员上讲台，%s（党员 %d 人，管理员可用 /单位 党员数 修改）。", unit.Name, f.Speakers, dangke.OverText, f.Members)
	default:
		fmt.Fprintf(&b, "%s已有 %d 名党员上讲台（党员数未设置，管理员可用 /单位 党员数 设置）。", unit.Name, f.Speakers)
	}
	b.WriteString(undoHint)
	return b.String()
}
