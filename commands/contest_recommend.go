package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"dangke"
)

// /比赛 推荐 号码… enters contestants of a county's own round into the
// city final (the newest contest of the city), under their reporting
// unit's quota: all of them or none.
func contestRecommendCommand(r dangke.Rubric) *Command {
	return &Command{
		Names: []string{"比赛"}, English: []string{"contest"}, Sub: []string{"推荐", "recommend"},
		Summary: "把本县市区比赛的选手推荐进全市决赛（占本单位名额）",
		Fields: []Field{
			{Name: "号码", Aliases: []string{"号", "draw"}, Kind: KText, Required: true, Positional: true, Variadic: true, Example: "3 5", Hint: "本县市区比赛的出场号，可写多个"},
			contestField(),
		},
		Example: "/比赛 推荐 3 5 比赛=2",
		Perm:    Admin,
		Run:     func(ctx context.Context, c *Call) (*dangke.Reply, error) { return runContestRecommend(ctx, c, r) },
	}
}

func runContestRecommend(ctx context.Context, c *Call, r dangke.Rubric) (*dangke.Reply, error) {
	k, err := c.contest(ctx)
	if err != nil {
		return nil, err
	}
	if k.UnitID == 0 {
		return nil, dangke.FieldErrorf("比赛", "要写明县市区比赛的编号：「%s」是全市决赛。", k.Name)
	}
	if err := c.requireContestAdmin(ctx, k); err != nil {
		return nil, err
	}
	final, err := c.Store().CityContest(ctx)
	if err != nil {
		return nil, err
	}
	var draws []int
	for _, w := range strings.FieldsFunc(fold(c.Text("号码")), isSep) {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(w, "#"), "号"))
		if err != nil || n <= 0 {
			return nil, dangke.FieldErrorf("号码", "应为出场号，收到「%s」。", clip(w))
		}
		draws = append(draws, n)
	}
	own, err := c.Store().Contestants(ctx, k.ID)
	if err != nil {
		return nil, err
	}
	var picked []dangke.Contestant
	for _, d := range draws {
		found := false
		for _, x := range own {
			if x.Draw == d {
				picked, found = append(picked, x), true
			}
		}
		if !found {
			return nil, dangke.FieldErrorf("号码", " %d 不在「%s」的选手中，可用 /比赛 顺序 比赛=%d 查看。", d, k.Name, k.ID)
		}
	}
	scope, err := c.Store().UnitByID(ctx, k.UnitID)
	if err != nil {
		return nil, err
	}
	top, err := c.Store().UnitByID(ctx, scope.TopID)
	if err != nil {
		return nil, err
	}
	return c.Update(ctx, func(tx dangke.Tx) (string, error) {
		in, err := tx.Contestants(ctx, final.ID)
		if err != nil {
			return "", err
		}
		used := 0
		for _, x := range in {
			if x.Closed {
				return "", dangke.Errorf(dangke.ECONFLICT, "「%s」已开始评分，不能再推荐选手。", final.Name)
			}
			if x.TopID == top.ID {
				used++
			}
			for _, p := range picked {
				if x.Name == p.Name && x.UnitID == p.UnitID {
					return "", dangke.Errorf(dangke.ECONFLICT, "%s（%s）已在「%s」中，出场号 %d。", x.Name, x.UnitPath, final.Name, x.Draw)
				}
			}
		}
		if used+len(picked) > r.Quota {
			return "", dangke.Errorf(dangke.ECONFLICT, "%s在「%s」已有 %d 人，名额 %d 人，不能再推荐 %d 人。", top.Name, final.Name, used, r.Quota, len(picked))
		}
		var lines []string
		for _, p := range picked {
			who := &dangke.Contestant{ContestID: final.ID, Name: p.Name, UnitID: p.UnitID, TopID: top.ID, Title: p.Title, Membership: p.Membership, PPT: p.PPT}
			if err := tx.AddContestant(ctx, who); err != nil {
				return "", err
			}
			detail := fmt.Sprintf("%s %d号 → %s %d号 %s", k.Name, p.Draw, final.Name, who.Draw, p.Name)
			if err := tx.Audit(ctx, c.Audit("contest.recommend", "contestant", who.ID, detail)); err != nil {
				return "", err
			}
			lines = append(lines, fmt.Sprintf("%d 号：%s（%s）《%s》", who.Draw, p.Name, p.UnitPath, p.Title))
		}
		return fmt.Sprintf("已推荐进「%s」✅\n%s\n%s已报名 %d/%d 人。", final.Name, strings.Join(lines, "\n"), top.Name, used+len(picked), r.Quota), nil
	})
}
