package commands

import (
	"context"
	"fmt"
	"strings"

	"dangke"
)

// scoreCommand is /评分: a judge scores a contestant on each criterion of
// the rubric, in its order.
func scoreCommand(r dangke.Rubric) *Command {
	fields := []Field{drawField()}
	var example []string
	for _, c := range r.Criteria {
		fields = append(fields, Field{Name: c.Name, Kind: KText, Required: true, Positional: true,
			Example: (c.Max * 9 / 10).String(), Hint: "0 到 " + c.Max.String() + " 分"})
		example = append(example, (c.Max * 9 / 10).String())
	}
	fields = append(fields, contestField())
	return &Command{
		Names:   []string{"评分", "打分"},
		English: []string{"score"},
		Summary: "评委为选手打分（按评分标准逐项），结束前可更正",
		Fields:  fields,
		Example: "/评分 3 " + strings.Join(example, " "),
		Perm:    Anyone, // judges are checked against the contest
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			k, err := c.contest(ctx)
			if err != nil {
				return nil, err
			}
			b, err := loadBoard(ctx, c.Store(), k, r)
			if err != nil {
				return nil, err
			}
			me := c.Req.From.Key()
			var judge *dangke.Judge
			for i := range b.judges {
				if b.judges[i].Person == me {
					judge = &b.judges[i]
				}
			}
			if judge == nil {
				return nil, dangke.Errorf(dangke.EFORBIDDEN, "只有「%s」的评委可以评分；你的用户ID是 %s。", k.Name, me)
			}
			n, _ := c.Int("号码", 0)
			e, err := b.byDraw(n)
			if err != nil {
				return nil, err
			}
			if e.Closed {
				return nil, dangke.Errorf(dangke.ECONFLICT, "%d 号已经结束评分，不能再评或更正。", e.Draw)
			}
			raw := make([]string, len(r.Criteria))
			for i, cr := range r.Criteria {
				raw[i] = fold(c.Text(cr.Name))
			}
			points, err := r.CheckScores(raw)
			if err != nil {
				return nil, err
			}
			score := dangke.Score{ContestantID: e.ID, Judge: me, Points: points}
			correcting := contains(e.judges, me)
			return c.Update(ctx, func(tx dangke.Tx) (string, error) {
				if err := tx.SetScore(ctx, score, c.Now); err != nil {
					return "", err
				}
				if err := tx.Audit(ctx, c.Audit("contest.score", "contestant", e.ID, fmt.Sprintf("%d号 %s 合计 %s", e.Draw, me, score.Total()))); err != nil {
					return "", err
				}
				verb := "已记录"
				if correcting {
					verb = "已更正"
				}
				count := len(e.judges)
				if !correcting {
					count++
				}
				progress := fmt.Sprintf("%d 号已有 %d/%d 位评委评分。", e.Draw, count, len(b.judges))
				if c.Req.Chat.Group {
					// Judges see their own scores; a group sees only that one was given.
					return fmt.Sprintf("%s%s对 %d 号的评分（分数只在与我的单聊中显示）。%s", judge.Name, verb, e.Draw, progress), nil
				}
				parts := make([]string, len(points))
				for i, p := range points {
					parts[i] = r.Criteria[i].Name + " " + p.String()
				}
				return fmt.Sprintf("%s %d 号 %s 的评分：%s，合计 %s。%s", verb, e.Draw, e.Name, strings.Join(parts, "、"), score.Total(), progress), nil
			})
		},
	}
}
