package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"dangke"
)

// The city pool (市级微型党课宣讲师资库): a county's admin recommends a
// lecturer of the county's pool, a city admin (an admin from config)
// selects or declines, and /师资库 全市 lists it.

func poolWhoField() Field {
	return Field{Name: "姓名", Aliases: []string{"宣讲员", "name"}, Kind: KText, Required: true, Positional: true, Example: "李四 或 #3", Hint: "宣讲员姓名或编号"}
}

func poolCountyField() Field {
	return Field{Name: "县市区", Aliases: []string{"county"}, Kind: KUnit, Example: "温县", Hint: "同名宣讲员在不同县市区时写明"}
}

func poolRecommendCommand() *Command {
	return &Command{
		Names: []string{"师资库"}, English: []string{"pool"}, Sub: []string{"推荐", "recommend"},
		Summary: "把本县市区师资库中的宣讲员推荐到市级师资库",
		Fields:  []Field{poolWhoField(), poolCountyField()},
		Example: "/师资库 推荐 李四",
		Perm:    Admin,
		Run:     runPoolRecommend,
	}
}

func poolSelectCommand() *Command {
	return &Command{
		Names: []string{"师资库"}, English: []string{"pool"}, Sub: []string{"入选", "select"},
		Summary: "市级管理员：推荐的宣讲员入选市级师资库",
		Fields:  []Field{poolWhoField(), poolCountyField()},
		Example: "/师资库 入选 李四",
		Perm:    Super,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			return runPoolDecide(ctx, c, dangke.PickSelected)
		},
	}
}

func poolDeclineCommand() *Command {
	return &Command{
		Names: []string{"师资库"}, English: []string{"pool"}, Sub: []string{"不入选", "decline"},
		Summary: "市级管理员：推荐的宣讲员不入选市级师资库（写明原因）",
		Fields: []Field{poolWhoField(),
			{Name: "原因", Aliases: []string{"理由", "reason"}, Kind: KText, Required: true, Positional: true, Variadic: true, Example: "本年度名额已满"},
			poolCountyField()},
		Example: "/师资库 不入选 李四 本年度名额已满",
		Perm:    Super,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			return runPoolDecide(ctx, c, dangke.PickDeclined)
		},
	}
}

func poolCityCommand() *Command {
	return &Command{
		Names: []string{"师资库"}, English: []string{"pool"}, Sub: []string{"全市", "city"},
		Summary: "查看市级师资库：入选的宣讲员及各县市区推荐情况",
		Example: "/师资库 全市",
		Perm:    Reader,
		Run:     runPoolCity,
	}
}

// poolCounty is the county a /师资库 推荐 acts in: the one named, else the
// chat's, else the one county the sender administers.
func poolCounty(ctx context.Context, c *Call) (*dangke.Unit, error) {
	var u *dangke.Unit
	switch {
	case c.Text("县市区") != "":
		r, err := c.ResolveUnit(ctx, c.Text("县市区"))
		if err != nil {
			return nil, err
		}
		u = r
	case c.Unit != nil:
		u = c.Unit
	case len(c.Roles) == 1:
		r, err := c.Store().UnitByID(ctx, c.Roles[0].UnitID)
		if err != nil {
			return nil, err
		}
		u = r
	default:
		return nil, dangke.FieldErrorf("县市区", "要写明，例：%s 县市区=温县。", c.Cmd.Example)
	}
	county, err := c.Store().UnitByID(ctx, u.TopID)
	if err != nil {
		return nil, err
	}
	if county.Kind != dangke.KindCounty {
		return nil, dangke.FieldErrorf("县市区", "「%s」不属于任何县市区；师资库按县市区建立。", u.Path)
	}
	return county, nil
}

// poolLecturer finds the lecturer named (李四) or numbered (#3) among list.
func poolLecturer(who string, list []dangke.Instructor, where string) (*dangke.Instructor, error) {
	if n, err := strconv.ParseInt(strings.TrimPrefix(who, "#"), 10, 64); err == nil {
		for i := range list {
			if list[i].ID == n {
				return &list[i], nil
			}
		}
		return nil, dangke.FieldErrorf("姓名", " #%d 不在%s。", n, where)
	}
	var found []*dangke.Instructor
	for i := range list {
		if list[i].Name == who {
			found = append(found, &list[i])
		}
	}
	switch len(found) {
	case 0:
		return nil, dangke.FieldErrorf("姓名", "「%s」不在%s，可用 /师资库 查看。", clip(who), where)
	case 1:
		return found[0], nil
	}
	var names []string
	for _, in := range found {
		names = append(names, fmt.Sprintf("#%d %s %s", in.ID, in.Workplace, in.Position))
	}
	return nil, dangke.FieldErrorf("姓名", "「%s」在%s有 %d 位（%s），请写编号，例：#%d。", who, where, len(found), strings.Join(names, "；"), found[0].ID)
}

func runPoolRecommend(ctx context.Context, c *Call) (*dangke.Reply, error) {
	county, err := poolCounty(ctx, c)
	if err != nil {
		return nil, err
	}
	if !c.IsAdminOf(county) {
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "只有%s的管理员可以推荐本县市区的宣讲员。", county.Name)
	}
	list, err := c.Store().Instructors(ctx, county.ID)
	if err != nil {
		return nil, err
	}
	in, err := poolLecturer(c.Text("姓名"), list, county.Name+"师资库")
	if err != nil {
		return nil, err
	}
	picks, err := c.Store().CityPool(ctx, county.ID)
	if err != nil {
		return nil, err
	}
	for _, p := range picks {
		if p.Instructor.ID != in.ID {
			continue
		}
		switch p.Status {
		case dangke.PickSelected:
			return nil, dangke.Errorf(dangke.ECONFLICT, "%s 已入选市级师资库。", in.Name)
		case dangke.PickRecommended:
			return nil, dangke.Errorf(dangke.ECONFLICT, "%s 已推荐，等待市级管理员决定。", in.Name)
		}
	}
	return c.Update(ctx, func(tx dangke.Tx) (string, error) {
		p := dangke.CityPick{Instructor: *in, Status: dangke.PickRecommended, By: c.Req.From.Key(), At: c.Now}
		if err := tx.SetCityPick(ctx, p); err != nil {
			return "", err
		}
		if err := tx.Audit(ctx, c.Audit("pool.recommend", dangke.EntryInstructor, in.ID, county.Name+" "+in.Name)); err != nil {
			return "", err
		}
		return fmt.Sprintf("已推荐 ✅ %s（%s，%s %s）到市级师资库，等待市级管理员 /师资库 入选 或 不入选。", in.Name, county.Name, in.Workplace, in.Position), nil
	})
}

func runPoolDecide(ctx context.Context, c *Call, status string) (*dangke.Reply, error) {
	var county int64
	if c.Text("县市区") != "" {
		u, err := c.ResolveUnit(ctx, c.Text("县市区"))
		if err != nil {
			return nil, err
		}
		county = u.TopID
	}
	picks, err := c.Store().CityPool(ctx, county)
	if err != nil {
		return nil, err
	}
	list := make([]dangke.Instructor, len(picks))
	for i, p := range picks {
		list[i] = p.Instructor
	}
	in, err := poolLecturer(c.Text("姓名"), list, "推荐名单中")
	if err != nil {
		return nil, err
	}
	var pick dangke.CityPick
	for _, p := range picks {
		if p.Instructor.ID == in.ID {
			pick = p
		}
	}
	if pick.Status == status {
		return nil, dangke.Errorf(dangke.ECONFLICT, "%s（%s）已是「%s」。", in.Name, pick.County, status)
	}
	reason := strings.TrimSpace(c.Text("原因"))
	if status == dangke.PickDeclined {
		if err := dangke.CheckText("原因", reason, dangke.MaxReason); err != nil {
			return nil, err
		}
	}
	pick.Status, pick.Reason, pick.DecidedBy, pick.DecidedAt = status, reason, c.Req.From.Key(), c.Now
	return c.Update(ctx, func(tx dangke.Tx) (string, error) {
		if err := tx.SetCityPick(ctx, pick); err != nil {
			return "", err
		}
		action := "pool.select"
		if status == dangke.PickDeclined {
			action = "pool.decline"
		}
		if err := tx.Audit(ctx, c.Audit(action, dangke.EntryInstructor, in.ID, strings.TrimSpace(pick.County+" "+in.Name+" "+reason))); err != nil {
			return "", err
		}
		if status == dangke.PickDeclined {
			return fmt.Sprintf("已记录：%s（%s）不入选市级师资库，原因：%s。", in.Name, pick.County, reason), nil
		}
		return fmt.Sprintf("已入选 ✅ %s（%s，%s %s）进入市级师资库。", in.Name, pick.County, in.Workplace, in.Position), nil
	})
}

func runPoolCity(ctx context.Context, c *Call) (*dangke.Reply, error) {
	picks, err := c.Store().CityPool(ctx, 0)
	if err != nil {
		return nil, err
	}
	by := map[string][]dangke.CityPick{}
	for _, p := range picks {
		by[p.Status] = append(by[p.Status], p)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "市级师资库：入选 %d 人，待定 %d 人，不入选 %d 人。", len(by[dangke.PickSelected]), len(by[dangke.PickRecommended]), len(by[dangke.PickDeclined]))
	for _, p := range by[dangke.PickSelected] {
		fmt.Fprintf(&b, "\n✅ %s（%s）%s %s", p.Instructor.Name, p.County, p.Instructor.Workplace, p.Instructor.Position)
	}
	for _, p := range by[dangke.PickRecommended] {
		fmt.Fprintf(&b, "\n⏳ %s（%s）%s %s · 待定", p.Instructor.Name, p.County, p.Instructor.Workplace, p.Instructor.Position)
	}
	if c.Super { // the reasons are the city's own notes
		for _, p := range by[dangke.PickDeclined] {
			fmt.Fprintf(&b, "\n✖ %s（%s）不入选：%s", p.Instructor.Name, p.County, p.Reason)
		}
	}
	if len(picks) == 0 {
		b.WriteString("\n各县市区管理员可用 " + poolRecommendCommand().Example + " 推荐。")
	}
	return &dangke.Reply{Text: b.String()}, nil
}
