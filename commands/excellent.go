package commands

import (
	"context"
	"fmt"
	"strings"

	"dangke"
)

// /优秀 marks a lecture with a video link for the online micro-classroom
// (网上微课堂); /优秀 撤销 takes the mark away. Admins of the lecture's unit.

func excellentCommand() *Command {
	return &Command{
		Names:   []string{"优秀"},
		English: []string{"excellent"},
		Summary: "把有视频链接的微党课标为优秀，进入网上微课堂",
		Fields: []Field{
			lectureNumberField("#12"),
			{Name: "理由", Aliases: []string{"原因", "reason"}, Kind: KText, Positional: true, Variadic: true, Example: "情景党课，效果好"},
		},
		Example: "/优秀 #12 情景党课效果好",
		Perm:    Admin,
		Run:     runExcellent,
	}
}

func excellentRevokeCommand() *Command {
	return &Command{
		Names: []string{"优秀"}, English: []string{"excellent"}, Sub: []string{"撤销", "revoke"},
		Summary: "撤销一节微党课的优秀标记",
		Fields:  []Field{lectureNumberField("#12")},
		Example: "/优秀 撤销 #12",
		Perm:    Admin,
		Run:     runExcellentRevoke,
	}
}

func runExcellent(ctx context.Context, c *Call) (*dangke.Reply, error) {
	l, u, err := namedLecture(ctx, c)
	if err != nil {
		return nil, err
	}
	if !c.IsAdminOf(u) {
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "#%d 属于「%s」，你不是该单位的管理员，不能标为优秀。", l.ID, u.Path)
	}
	if l.Link == "" {
		return nil, dangke.Errorf(dangke.EINVALID, "#%d 还没有视频链接，不能标为优秀：请登记人先发送 /补充 #%d 链接=https://…", l.ID, l.ID)
	}
	reason := strings.TrimSpace(c.Text("理由"))
	if err := dangke.CheckText("理由", reason, dangke.MaxReason); reason != "" && err != nil {
		return nil, err
	}
	return c.Update(ctx, func(tx dangke.Tx) (string, error) {
		if err := tx.MarkExcellent(ctx, dangke.Excellent{Lecture: *l, Reason: reason, By: c.Req.From.Key(), At: c.Now}); err != nil {
			return "", err
		}
		if err := tx.Audit(ctx, c.Audit("lecture.excellent", dangke.EntryLecture, l.ID, strings.TrimSpace(l.Title+" "+reason))); err != nil {
			return "", err
		}
		return fmt.Sprintf("已标为优秀 ⭐ #%d %s《%s》，进入网上微课堂（/微课堂）。\n%s", l.ID, l.Speaker, l.Title, l.Link), nil
	})
}

func runExcellentRevoke(ctx context.Context, c *Call) (*dangke.Reply, error) {
	l, u, err := namedLecture(ctx, c)
	if err != nil {
		return nil, err
	}
	if !c.IsAdminOf(u) {
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "#%d 属于「%s」，你不是该单位的管理员，不能撤销优秀标记。", l.ID, u.Path)
	}
	return c.Update(ctx, func(tx dangke.Tx) (string, error) {
		if err := tx.UnmarkExcellent(ctx, l.ID); err != nil {
			return "", err
		}
		if err := tx.Audit(ctx, c.Audit("lecture.excellent.revoke", dangke.EntryLecture, l.ID, l.Title)); err != nil {
			return "", err
		}
		return fmt.Sprintf("已撤销 #%d %s《%s》的优秀标记，不再在网上微课堂展示。", l.ID, l.Speaker, l.Title), nil
	})
}
