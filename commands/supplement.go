package commands

import (
	"context"
	"fmt"
	"strings"

	"dangke"
)

// /补充 fills the empty optional fields of one's own lecture: the video
// link, the venue, the form (while it is the default), the length. A venue
// added may make it a 示范宣讲, decided as when it is logged.

func supplementCommand() *Command {
	fields := []Field{lectureNumberField("#12")}
	for _, f := range lectureFields() {
		switch f.Name {
		case "链接", "场所", "形式", "时长", "示范":
			fields = append(fields, f)
		}
	}
	return &Command{
		Names:   []string{"补充"},
		English: []string{"amend", "supplement"},
		Summary: "为自己登记的微党课补填空着的项（视频链接、场所、形式、时长）",
		Fields:  fields,
		Example: "/补充 #12 链接=https://example.org/v/12",
		Perm:    Member,
		Run:     runSupplement,
	}
}

func runSupplement(ctx context.Context, c *Call) (*dangke.Reply, error) {
	l, u, err := namedLecture(ctx, c)
	if err != nil {
		return nil, err
	}
	if l.Author != c.Req.From.Key() {
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "#%d 不是你登记的，只能由登记人补充。", l.ID)
	}
	fill := dangke.LectureFill{Link: strings.TrimSpace(c.Text("链接")), Venue: c.Text("场所"), Form: c.Text("形式")}
	if fill.Minutes, err = c.Int("时长", 0); err != nil {
		return nil, err
	}
	_, demoGiven, err := c.Bool("示范")
	if err != nil {
		return nil, err
	}
	if fill == (dangke.LectureFill{}) && !demoGiven {
		return nil, dangke.Errorf(dangke.EINVALID, "要写补充的内容：链接、场所、形式、时长或示范。")
	}
	// Only what is empty is filled: a change of what was given is a new entry.
	filled := func(name, was string) error {
		return dangke.FieldErrorf(name, "已填写为「%s」，/补充 只填空着的项；要改请 /撤销 后重新登记。", was)
	}
	next := *l
	switch {
	case fill.Link != "" && l.Link != "":
		return nil, filled("链接", l.Link)
	case fill.Venue != "" && l.Venue != "":
		return nil, filled("场所", l.Venue)
	case fill.Form != "" && l.Form != dangke.Forms[0] && l.Form != "":
		return nil, filled("形式", l.Form)
	case fill.Minutes > 0 && l.Minutes > 0:
		return nil, filled("时长", fmt.Sprintf("%d 分钟", l.Minutes))
	}
	if fill.Link != "" {
		next.Link = fill.Link
	}
	if fill.Venue != "" {
		next.Venue = fill.Venue
	}
	if fill.Form != "" {
		next.Form = fill.Form
	}
	if fill.Minutes > 0 {
		next.Minutes = fill.Minutes
	}
	if err := next.Validate(c.Now); err != nil {
		return nil, err
	}
	wasDemo, err := c.Store().IsDemoLecture(ctx, l.ID)
	if err != nil {
		return nil, err
	}
	demo := wasDemo
	if demoGiven || (!wasDemo && l.Venue == "" && next.Venue != "") {
		if demo, err = demoLecture(ctx, c, u, &next); err != nil {
			return nil, err
		}
	}
	return c.Update(ctx, func(tx dangke.Tx) (string, error) {
		if err := tx.FillLecture(ctx, l.ID, fill); err != nil {
			return "", err
		}
		if demo != wasDemo {
			if err := tx.SetDemo(ctx, l.ID, demo); err != nil {
				return "", err
			}
		}
		var got []string
		if fill.Link != "" {
			got = append(got, "视频链接")
		}
		if fill.Venue != "" {
			got = append(got, "场所："+fill.Venue)
		}
		if fill.Form != "" {
			got = append(got, "形式："+fill.Form)
		}
		if fill.Minutes > 0 {
			got = append(got, fmt.Sprintf("时长：%d 分钟", fill.Minutes))
		}
		switch {
		case demo && !wasDemo:
			got = append(got, "记为示范宣讲")
		case !demo && wasDemo:
			got = append(got, "不再记为示范宣讲")
		}
		if err := tx.Audit(ctx, c.Audit("lecture.amend", dangke.EntryLecture, l.ID, strings.Join(got, " "))); err != nil {
			return "", err
		}
		text := fmt.Sprintf("已补充 #%d %s《%s》：%s。", l.ID, l.Speaker, l.Title, strings.Join(got, "，"))
		if fill.Link != "" {
			text += "\n管理员可用 /优秀 #" + fmt.Sprint(l.ID) + " 把它推荐到网上微课堂。"
		}
		return text, nil
	})
}
