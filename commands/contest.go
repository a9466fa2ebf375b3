package commands

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"dangke"
	"dangke/report"
)

// The /比赛 (/contest) group: the city's lecture contest (附件3) run from chat.

func contestField() Field {
	return Field{Name: "比赛", Aliases: []string{"contest"}, Kind: KCount, Example: "2", Hint: "比赛编号，默认为最新的一场"}
}

func drawField() Field {
	return Field{Name: "号码", Aliases: []string{"号", "draw"}, Kind: KCount, Required: true, Positional: true, Example: "3", Hint: "抽签号，见 /比赛 顺序"}
}

// contest returns the contest a call names (比赛=N), or the newest.
func (c *Call) contest(ctx context.Context) (*dangke.Contest, error) {
	id, err := c.Int("比赛", 0)
	if err != nil {
		return nil, err
	}
	return c.Store().Contest(ctx, int64(id))
}

// mayRunContest reports whether the sender runs a contest: a system admin
// for the city final, an admin of the unit for a unit's own round.
func (c *Call) mayRunContest(ctx context.Context, k *dangke.Contest) (bool, error) {
	if c.Super {
		return true, nil
	}
	if k.UnitID == 0 {
		return false, nil
	}
	u, err := c.Store().UnitByID(ctx, k.UnitID)
	if err != nil {
		return false, err
	}
	return c.IsAdminOf(u), nil
}

func (c *Call) requireContestAdmin(ctx context.Context, k *dangke.Contest) error {
	ok, err := c.mayRunContest(ctx, k)
	if err == nil && !ok {
		err = dangke.Errorf(dangke.EFORBIDDEN, "只有「%s」的组织者（系统管理员或该单位管理员）可以使用 %s。", k.Name, c.Cmd.Title())
	}
	return err
}

// board loads the contest a call names with its scores, checking first, when
// admin is set, that the sender runs the contest.
func (c *Call) board(ctx context.Context, r dangke.Rubric, admin bool) (*board, error) {
	k, err := c.contest(ctx)
	if err != nil {
		return nil, err
	}
	if admin {
		if err := c.requireContestAdmin(ctx, k); err != nil {
			return nil, err
		}
	}
	return loadBoard(ctx, c.Store(), k, r)
}

// contestant loads the contest for its organiser and the entry the call's
// 号码 names.
func (c *Call) contestant(ctx context.Context, r dangke.Rubric) (*board, *entry, error) {
	b, err := c.board(ctx, r, true)
	if err != nil {
		return nil, nil, err
	}
	n, _ := c.Int("号码", 0)
	e, err := b.byDraw(n)
	return b, e, err
}

// entry is one contestant with the scores given so far.
type entry struct {
	dangke.Contestant
	judges []string        // who scored, in the order of the contest's judges
	scores []dangke.Score  // the same order
	totals []dangke.Points // the same order
	final  dangke.Points
	ok     bool // enough judges for a final
}

// board gathers a contest's contestants and scores.
type board struct {
	contest *dangke.Contest
	judges  []dangke.Judge // the panel
	former  []dangke.Judge // judges removed from the panel, whose scores of closed contestants stay
	entries []*entry
	ruling  map[int64]int
	rubric  dangke.Rubric
}

func loadBoard(ctx context.Context, st dangke.Reader, k *dangke.Contest, r dangke.Rubric) (*board, error) {
	b := &board{contest: k, rubric: r}
	cs, err := st.Contestants(ctx, k.ID)
	if err != nil {
		return nil, err
	}
	all, err := st.Judges(ctx, k.ID)
	if err != nil {
		return nil, err
	}
	for _, j := range all {
		if j.Removed {
			b.former = append(b.former, j)
		} else {
			b.judges = append(b.judges, j)
		}
	}
	scores, err := st.Scores(ctx, k.ID)
	if err != nil {
		return nil, err
	}
	if b.ruling, err = st.Ruling(ctx, k.ID); err != nil {
		return nil, err
	}
	byID := map[int64]*entry{}
	for _, c := range cs {
		e := &entry{Contestant: c}
		b.entries = append(b.entries, e)
		byID[c.ID] = e
	}
	for _, j := range b.scorers() {
		for _, s := range scores {
			if e := byID[s.ContestantID]; e != nil && s.Judge == j.Person {
				e.judges, e.scores, e.totals = append(e.judges, j.Person), append(e.scores, s), append(e.totals, s.Total())
			}
		}
	}
	for _, e := range b.entries {
		e.final, e.ok = dangke.Final(e.totals, r.MinJudges)
	}
	return b, nil
}

// scorers is everyone whose scores count: the panel, then the judges
// removed from it (their scores of closed contestants stay).
func (b *board) scorers() []dangke.Judge {
	return append(append([]dangke.Judge{}, b.judges...), b.former...)
}

func (b *board) byDraw(n int) (*entry, error) {
	for _, e := range b.entries {
		if e.Draw == n {
			return e, nil
		}
	}
	return nil, dangke.FieldErrorf("号码", " %d 不在「%s」的出场顺序中，可用 /比赛 顺序 查看。", n, b.contest.Name)
}

// standings ranks the closed contestants.
func (b *board) standings() ([]dangke.Standing, map[int64]*entry) {
	finals, byID := map[int64]dangke.Points{}, map[int64]*entry{}
	for _, e := range b.entries {
		byID[e.ID] = e
		if e.Closed && e.ok {
			finals[e.ID] = e.final
		}
	}
	return dangke.Rank(finals, b.ruling, b.rubric.Top), byID
}

func contestCreateCommand() *Command {
	return &Command{
		Names: []string{"比赛"}, English: []string{"contest"}, Sub: []string{"新建", "create"},
		Summary: "新建一场微党课比赛（全市决赛，或某单位的初赛）",
		Fields: []Field{
			{Name: "名称", Aliases: []string{"name"}, Kind: KText, Required: true, Positional: true, Example: "全市微型党课十佳宣讲员决赛"},
			{Name: "单位", Aliases: []string{"unit"}, Kind: KUnit, Positional: true, Example: "温县", Hint: "单位自己的比赛；不写为全市决赛"},
		},
		Example: "/比赛 新建 全市微型党课十佳宣讲员决赛",
		Perm:    Admin,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			k := &dangke.Contest{Name: c.Text("名称"), CreatedAt: c.Now}
			if err := dangke.CheckText("名称", k.Name, 60); err != nil {
				return nil, err
			}
			if p := c.Text("单位"); p != "" {
				u, err := c.ResolveUnit(ctx, p)
				if err != nil {
					return nil, err
				}
				k.UnitID = u.ID
			}
			if err := c.requireContestAdmin(ctx, k); err != nil {
				return nil, err
			}
			return c.Update(ctx, func(tx dangke.Tx) (string, error) {
				if err := tx.AddContest(ctx, k); err != nil {
					return "", err
				}
				if err := tx.Audit(ctx, c.Audit("contest.add", "contest", k.ID, k.Name)); err != nil {
					return "", err
				}
				return fmt.Sprintf("已新建比赛 #%d「%s」。下一步：/比赛 评委 添加 用户ID 姓名，/比赛 报名 姓名 单位 题目 身份 PPT。", k.ID, k.Name), nil
			})
		},
	}
}

func contestEnterCommand(r dangke.Rubric) *Command {
	return &Command{
		Names: []string{"比赛"}, English: []string{"contest"}, Sub: []string{"报名", "enter"},
		Summary: "为比赛报名一名选手（查名额、党员身份、PPT），分配出场号",
		Fields: []Field{
			{Name: "姓名", Aliases: []string{"name"}, Kind: KName, Required: true, Positional: true, Example: "张三"},
			{Name: "单位", Aliases: []string{"unit"}, Kind: KUnit, Required: true, Positional: true, Example: "温县/城关镇/第一党支部"},
			{Name: "题目", Aliases: []string{"title"}, Kind: KText, Required: true, Positional: true, Example: "《我和我的祖国》"},
			{Name: "身份", Aliases: []string{"政治面貌", "membership"}, Kind: KText, Required: true, Positional: true, Example: strings.Join(r.Membership, " 或 ")},
			{Name: "PPT", Aliases: []string{"ppt", "课件"}, Kind: KBool, Required: true, Positional: true, Example: "是", Hint: "是否使用多媒体PPT课件"},
			contestField(),
		},
		Example: "/比赛 报名 张三 温县/城关镇/第一党支部 《我和我的祖国》 正式党员 是",
		Perm:    Admin,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			k, err := c.contest(ctx)
			if err != nil {
				return nil, err
			}
			u, err := c.ResolveUnit(ctx, c.Text("单位"))
			if err != nil {
				return nil, err
			}
			if !c.IsAdminOf(u) {
				return nil, dangke.Errorf(dangke.EFORBIDDEN, "你不是「%s」的管理员，不能为其报名。", u.Path)
			}
			if k.UnitID != 0 {
				scope, err := c.Store().UnitByID(ctx, k.UnitID)
				if err != nil {
					return nil, err
				}
				if !scope.Contains(u) {
					return nil, dangke.FieldErrorf("单位", "「%s」不属于「%s」，不能参加这场比赛。", u.Path, scope.Path)
				}
			}
			who := &dangke.Contestant{ContestID: k.ID, Name: c.Text("姓名"), UnitID: u.ID, TopID: u.TopID, Title: c.Text("题目"), Membership: membership(c.Text("身份"), r.Membership)}
			if err := dangke.CheckName("姓名", who.Name); err != nil {
				return nil, err
			}
			if err := dangke.CheckText("题目", who.Title, dangke.MaxTitle); err != nil {
				return nil, err
			}
			if !containsFold(r.Membership, who.Membership) {
				return nil, dangke.FieldErrorf("身份", "「%s」不能参赛：参赛人员必须为中共党员（%s）。", clip(who.Membership), strings.Join(r.Membership, "、"))
			}
			if who.PPT, _, err = c.Bool("PPT"); err != nil {
				return nil, err
			}
			if !who.PPT {
				return nil, dangke.FieldErrorf("PPT", "必须为「是」：参赛必须使用多媒体PPT课件辅助教学。")
			}
			return c.Update(ctx, func(tx dangke.Tx) (string, error) {
				cs, err := tx.Contestants(ctx, k.ID)
				if err != nil {
					return "", err
				}
				used := 0
				for _, x := range cs {
					if x.Name == who.Name && x.UnitID == who.UnitID {
						return "", dangke.Errorf(dangke.ECONFLICT, "%s（%s）已报名，出场号 %d。", x.Name, x.UnitPath, x.Draw)
					}
					if x.TopID == who.TopID {
						used++
					}
				}
				top, err := tx.UnitByID(ctx, u.TopID)
				if err != nil {
					return "", err
				}
				if k.UnitID == 0 && used >= r.Quota {
					return "", dangke.Errorf(dangke.ECONFLICT, "%s已报名 %d 人，达到每个单位 %d 人的名额。", top.Name, used, r.Quota)
				}
				if err := tx.AddContestant(ctx, who); err != nil {
					return "", err
				}
				if err := tx.Audit(ctx, c.Audit("contest.enter", "contestant", who.ID, fmt.Sprintf("%s %d号 %s %s", k.Name, who.Draw, who.Name, u.Path))); err != nil {
					return "", err
				}
				text := fmt.Sprintf("已报名 ✅ %d 号：%s（%s）《%s》", who.Draw, who.Name, u.Path, who.Title)
				if k.UnitID == 0 {
					text += fmt.Sprintf("\n%s已报名 %d/%d 人。", top.Name, used+1, r.Quota)
				}
				return text, nil
			})
		},
	}
}

// membership reads the 身份 people write for a Party member: 中共党员,
// 党员 and 共产党员 are 正式党员 (a probationary member says 预备党员).
func membership(s string, accepted []string) string {
	v := strings.TrimSpace(s)
	switch strings.TrimPrefix(strings.TrimPrefix(v, "中国共产党"), "中共") {
	case "党员", "共产党员", "正式党员":
		v = "正式党员"
	case "预备党员":
		v = "预备党员"
	}
	if containsFold(accepted, v) {
		return v
	}
	return strings.TrimSpace(s)
}

func contestJudgeCommand() *Command {
	return &Command{
		Names: []string{"比赛"}, English: []string{"contest"}, Sub: []string{"评委", "judge"},
		Summary: "添加、移除或替换评委（按平台用户ID）",
		Fields: []Field{
			{Name: "操作", Aliases: []string{"action"}, Kind: KChoice, Choices: []string{"添加", "移除", "替换", "add", "remove", "replace"}, Required: true, Positional: true, Example: "添加",
				Hint: "移除或替换的评委：对已结束选手的评分保留，对未结束选手的评分作废，由现有评委评分"},
			{Name: "用户", Aliases: []string{"person", "user"}, Kind: KText, Required: true, Positional: true,
				Example: "dingtalk:judge01", Hint: "评委的 平台:用户ID（替换时为原评委）"},
			{Name: "姓名", Aliases: []string{"name", "新评委", "new"}, Kind: KText, Positional: true, Example: "王教授", Hint: "添加时为评委姓名；替换时为新评委的用户ID"},
			{Name: "新姓名", Aliases: []string{"new-name"}, Kind: KText, Positional: true, Example: "李教授", Hint: "替换时为新评委的姓名"},
			contestField(),
		},
		Example: "/比赛 评委 添加 dingtalk:judge01 王教授",
		Perm:    Admin,
		Run:     runContestJudge,
	}
}

func runContestJudge(ctx context.Context, c *Call) (*dangke.Reply, error) {
	b, err := c.board(ctx, dangke.Rubric{}, true)
	if err != nil {
		return nil, err
	}
	k := b.contest
	person, err := c.person()
	if err != nil {
		return nil, err
	}
	op := strings.ToLower(c.Text("操作"))
	var newcomer dangke.Judge
	switch op {
	case "添加", "add":
		newcomer = dangke.Judge{ContestID: k.ID, Person: person, Name: c.Text("姓名")}
	case "替换", "replace":
		if c.Text("姓名") == "" {
			return nil, dangke.FieldErrorf("姓名", "要写新评委的用户ID：/比赛 评委 替换 原评委ID 新评委ID 姓名。")
		}
		c.Args["用户"] = c.Text("姓名")
		to, err := c.person()
		c.Args["用户"] = person
		if err != nil {
			return nil, err
		}
		newcomer = dangke.Judge{ContestID: k.ID, Person: to, Name: c.Text("新姓名")}
	}
	if newcomer.Person != "" && newcomer.Name == "" {
		newcomer.Name = newcomer.Person
	} else if newcomer.Person != "" {
		if err := dangke.CheckName("评委姓名", newcomer.Name); err != nil {
			return nil, err
		}
	}
	var leaving *dangke.Judge
	if op != "添加" && op != "add" {
		for i := range b.judges {
			if b.judges[i].Person == person {
				leaving = &b.judges[i]
			}
		}
		if leaving == nil {
			return nil, dangke.Errorf(dangke.ENOTFOUND, "%s 不是「%s」的评委，可用 /比赛 顺序 查看评委人数。", person, k.Name)
		}
	}
	// Scores of open contestants that the leaving judge gave are dropped.
	var dropped []string
	kept := 0
	if leaving != nil {
		for _, e := range b.entries {
			switch {
			case !contains(e.judges, person):
			case e.Closed:
				kept++
			default:
				dropped = append(dropped, strconv.Itoa(e.Draw)+" 号")
			}
		}
	}
	return c.Update(ctx, func(tx dangke.Tx) (string, error) {
		var text string
		if leaving != nil {
			if err := tx.RemoveJudge(ctx, k.ID, person); err != nil {
				return "", err
			}
			text = fmt.Sprintf("已移除评委 %s（%s）。", leaving.Name, person)
			if len(dropped) > 0 {
				text += fmt.Sprintf("其对未结束选手（%s）的评分已作废，需由现有评委评分。", strings.Join(dropped, "、"))
			}
			if kept > 0 {
				text += fmt.Sprintf("其对 %d 位已结束选手的评分保留。", kept)
			}
		}
		if newcomer.Person != "" {
			if err := tx.AddJudge(ctx, newcomer); err != nil {
				return "", err
			}
			text += fmt.Sprintf("已添加评委：%s（%s）。", newcomer.Name, newcomer.Person)
		}
		detail := c.Text("操作") + " " + person
		if leaving != nil && newcomer.Person != "" {
			detail += " → " + newcomer.Person
		}
		if err := tx.Audit(ctx, c.Audit("contest.judge", "contest", k.ID, detail)); err != nil {
			return "", err
		}
		js, err := tx.Judges(ctx, k.ID)
		if err != nil {
			return "", err
		}
		n := 0
		for _, j := range js {
			if !j.Removed {
				n++
			}
		}
		return text + fmt.Sprintf("「%s」现有评委 %d 位。", k.Name, n), nil
	})
}

func contestOrderCommand(r dangke.Rubric) *Command {
	return &Command{
		Names: []string{"比赛"}, English: []string{"contest"}, Sub: []string{"顺序", "order"},
		Summary: "查看出场顺序和评分进度",
		Fields:  []Field{contestField()},
		Example: "/比赛 顺序",
		Perm:    Reader,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			b, err := c.board(ctx, r, false)
			if err != nil {
				return nil, err
			}
			k := b.contest
			var s strings.Builder
			fmt.Fprintf(&s, "「%s」出场顺序（评委 %d 位）：", k.Name, len(b.judges))
			if len(b.entries) == 0 {
				s.WriteString("\n还没有选手报名。")
			}
			for _, e := range b.entries {
				fmt.Fprintf(&s, "\n%d. %s（%s）《%s》", e.Draw, e.Name, e.UnitPath, e.Title)
				switch {
				case e.Closed:
					s.WriteString(" · 已结束")
				case len(e.totals) > 0:
					fmt.Fprintf(&s, " · 已评 %d/%d", len(e.totals), len(b.judges))
				}
				if e.Length > r.MaxLength {
					fmt.Fprintf(&s, " · ⚠超时 %s", clock(e.Length-r.MaxLength))
				}
			}
			return &dangke.Reply{Text: s.String()}, nil
		},
	}
}

// clock prints a duration as m:ss.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

var lengthRE = regexp.MustCompile(`^(?:(\d+)(?:分钟|分|:))?(?:(\d+)(?:秒)?)?$`)

// parseLength reads a measured lecture length: 5分48秒, 5:48, 348秒, 6分钟.
func parseLength(s string) (time.Duration, error) {
	m := lengthRE.FindStringSubmatch(fold(s))
	if m == nil || (m[1] == "" && m[2] == "") {
		return 0, dangke.FieldErrorf("用时", "应写作 5分48秒 或 5:48，收到「%s」。", clip(s))
	}
	min, errMin := strconv.Atoi(m[1])
	sec, errSec := strconv.Atoi(m[2])
	if (m[1] != "" && errMin != nil) || (m[2] != "" && errSec != nil) || min > 60 || sec > 3600 || (m[1] != "" && sec > 59) {
		return 0, dangke.FieldErrorf("用时", "「%s」不像一次微党课的时长。", clip(s))
	}
	return time.Duration(min)*time.Minute + time.Duration(sec)*time.Second, nil
}

func contestLengthCommand(r dangke.Rubric) *Command {
	return &Command{
		Names: []string{"比赛"}, English: []string{"contest"}, Sub: []string{"用时", "time"},
		Summary: fmt.Sprintf("记录选手实际授课时长（超过 %s 会标出）", clock(r.MaxLength)),
		Fields: []Field{drawField(),
			{Name: "用时", Aliases: []string{"时长", "length"}, Kind: KText, Required: true, Positional: true, Example: "5分48秒"},
			contestField()},
		Example: "/比赛 用时 3 5分48秒",
		Perm:    Admin,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			d, err := parseLength(c.Text("用时"))
			if err != nil {
				return nil, err
			}
			_, e, err := c.contestant(ctx, r)
			if err != nil {
				return nil, err
			}
			return c.Update(ctx, func(tx dangke.Tx) (string, error) {
				if err := tx.SetLength(ctx, e.ID, d); err != nil {
					return "", err
				}
				if err := tx.Audit(ctx, c.Audit("contest.length", "contestant", e.ID, clock(d))); err != nil {
					return "", err
				}
				text := fmt.Sprintf("已记录 %d 号 %s 用时 %s。", e.Draw, e.Name, clock(d))
				if d > r.MaxLength {
					text += fmt.Sprintf("⚠ 超过规定的 %s（超时 %s），请评委在“教学技能”中酌情考虑。", clock(r.MaxLength), clock(d-r.MaxLength))
				}
				return text, nil
			})
		},
	}
}

func contestCloseCommand(r dangke.Rubric) *Command {
	return &Command{
		Names: []string{"比赛"}, English: []string{"contest"}, Sub: []string{"结束", "close"},
		Summary: "结束某位选手的评分并公布最后得分",
		Fields:  []Field{drawField(), contestField()},
		Example: "/比赛 结束 3",
		Perm:    Admin,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			b, e, err := c.contestant(ctx, r)
			if err != nil {
				return nil, err
			}
			if e.Closed {
				return nil, dangke.Errorf(dangke.ECONFLICT, "%d 号已经结束评分，最后得分 %s。", e.Draw, e.final)
			}
			// Every judge of the panel scores every contestant, and at least
			// MinJudges do.
			var who []string
			for _, j := range b.judges {
				if !contains(e.judges, j.Person) {
					who = append(who, j.Name)
				}
			}
			if len(who) > 0 {
				return nil, dangke.Errorf(dangke.EINVALID, "%d 号要本场全部 %d 位评委评分后才能结束（至少 %d 位）：已评 %d 位，还差 %d 位（%s）。",
					e.Draw, len(b.judges), r.MinJudges, len(e.totals), len(who), strings.Join(who, "、"))
			}
			if !e.ok {
				return nil, dangke.Errorf(dangke.EINVALID, "%d 号已有本场全部 %d 位评委评分，但至少要 %d 位评委，不能结束；请先用 /比赛 评委 添加 补足。",
					e.Draw, len(b.judges), r.MinJudges)
			}
			hi, lo := dangke.Dropped(e.totals)
			return c.Update(ctx, func(tx dangke.Tx) (string, error) {
				if err := tx.CloseContestant(ctx, e.ID); err != nil {
					return "", err
				}
				if err := tx.Audit(ctx, c.Audit("contest.close", "contestant", e.ID, fmt.Sprintf("%d号 %s 最后得分 %s", e.Draw, e.Name, e.final))); err != nil {
					return "", err
				}
				return fmt.Sprintf("%d 号 %s 评分结束（%d 位评委均已评分）：去掉最高分 %s、最低分 %s，最后得分 %s。",
					e.Draw, e.Name, len(b.judges), e.totals[hi], e.totals[lo], e.final), nil
			})
		},
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func contestRankCommand(r dangke.Rubric) *Command {
	return &Command{
		Names: []string{"比赛"}, English: []string{"contest"}, Sub: []string{"排名", "rank"},
		Summary: fmt.Sprintf("查看排名，前 %d 名为十佳；同分待评委会裁定", r.Top),
		Fields:  []Field{contestField(), {Name: "页", Aliases: []string{"第几页", "page"}, Kind: KCount, Example: "2", Hint: "默认第 1 页，每页 10 名"}},
		Example: "/比赛 排名",
		Perm:    Reader,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			b, err := c.board(ctx, r, false)
			if err != nil {
				return nil, err
			}
			k := b.contest
			st, byID := b.standings()
			page, err := c.Int("页", 1)
			if err != nil {
				return nil, err
			}
			pages := max((len(st)+rankPage-1)/rankPage, 1)
			if page < 1 || page > pages {
				return nil, dangke.FieldErrorf("页", "应为 1 到 %d，收到 %d。", pages, page)
			}
			var s strings.Builder
			fmt.Fprintf(&s, "🏆「%s」排名", k.Name)
			if pages > 1 {
				fmt.Fprintf(&s, "（第 %d/%d 页）", page, pages)
			}
			if len(st) == 0 {
				s.WriteString("\n还没有选手结束评分。")
			}
			tied := false
			for _, x := range st {
				if x.Tied {
					tied = true
				}
			}
			for _, x := range st[(page-1)*rankPage : min(page*rankPage, len(st))] {
				e := byID[x.ID]
				fmt.Fprintf(&s, "\n%d. %d号 %s（%s）%s", x.Rank, e.Draw, e.Name, topName(e.UnitPath), x.Final)
				switch {
				case x.Tied:
					s.WriteString(" · 同分，待评委会裁定")
				case x.Ruled:
					s.WriteString(" · 评委会裁定")
				}
				if x.TopList {
					s.WriteString(" · 十佳")
				}
			}
			var open []string
			for _, e := range b.entries {
				if !e.Closed {
					open = append(open, strconv.Itoa(e.Draw))
				}
			}
			if len(open) > 0 {
				fmt.Fprintf(&s, "\n评分中：%s 号。", strings.Join(open, "、"))
			}
			if tied {
				s.WriteString("\n同分名次由评委会现场集体评议决定，管理员用 /比赛 裁定 号码… 记录。")
			}
			reply := &dangke.Reply{Text: s.String()}
			var turn []choice // [上一页] [下一页]: the same ranking a page back or on
			at := fmt.Sprintf("/比赛 排名 比赛=%d 页=", k.ID)
			if page > 1 {
				turn = append(turn, choice{"上一页", at + fmt.Sprint(page-1)})
			}
			if page < pages {
				turn = append(turn, choice{"下一页", at + fmt.Sprint(page+1)})
			}
			reply.Buttons = c.r.offer(ctx, c, "", c.Now.Add(time.Hour), turn)
			return reply, nil
		},
	}
}

// rankPage is how many contestants one page of /比赛 排名 lists: the 十佳 fill
// the first.
const rankPage = 10

func topName(path string) string {
	top, _, _ := strings.Cut(path, "/")
	return top
}

func contestRuleCommand(r dangke.Rubric) *Command {
	return &Command{
		Names: []string{"比赛"}, English: []string{"contest"}, Sub: []string{"裁定", "rule"},
		Summary: "记录评委会对同分选手的名次裁定",
		Fields: []Field{{Name: "顺序", Aliases: []string{"order"}, Kind: KText, Required: true, Positional: true, Variadic: true,
			Example: "7 3 12", Hint: "同分选手的号码，按评委会决定的先后"}, contestField()},
		Example: "/比赛 裁定 7 3 12",
		Perm:    Admin,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			b, err := c.board(ctx, r, true)
			if err != nil {
				return nil, err
			}
			k := b.contest
			var order []*entry
			for _, f := range strings.FieldsFunc(c.Text("顺序"), isSep) {
				n, err := strconv.Atoi(strings.TrimSuffix(fold(f), "号"))
				if err != nil {
					return nil, dangke.FieldErrorf("顺序", "应为选手号码，收到「%s」。", clip(f))
				}
				e, err := b.byDraw(n)
				if err != nil {
					return nil, err
				}
				for _, o := range order {
					if o == e {
						return nil, dangke.FieldErrorf("顺序", "中 %d 号写了两次。", n)
					}
				}
				if !e.Closed {
					return nil, dangke.FieldErrorf("顺序", "中 %d 号还没有结束评分。", n)
				}
				order = append(order, e)
			}
			if len(order) < 2 {
				return nil, dangke.FieldErrorf("顺序", "至少要写两位同分选手的号码。")
			}
			var tie []string
			for _, e := range b.entries {
				if e.Closed && e.final == order[0].final {
					tie = append(tie, strconv.Itoa(e.Draw))
				}
			}
			for _, e := range order {
				if e.final != order[0].final {
					return nil, dangke.FieldErrorf("顺序", "中的选手得分不同（%d 号 %s，%d 号 %s）；只有同分才由评委会裁定。", order[0].Draw, order[0].final, e.Draw, e.final)
				}
			}
			if len(tie) != len(order) {
				return nil, dangke.FieldErrorf("顺序", "要包含全部 %s 分的同分选手：%s 号。", order[0].final, strings.Join(tie, "、"))
			}
			ids, draws := make([]int64, len(order)), make([]string, len(order))
			for i, e := range order {
				ids[i], draws[i] = e.ID, strconv.Itoa(e.Draw)
			}
			return c.Update(ctx, func(tx dangke.Tx) (string, error) {
				if err := tx.SetRuling(ctx, k.ID, ids); err != nil {
					return "", err
				}
				if err := tx.Audit(ctx, c.Audit("contest.rule", "contest", k.ID, strings.Join(draws, ">"))); err != nil {
					return "", err
				}
				return fmt.Sprintf("已记录评委会裁定：%s 分的选手依次为 %s 号。发送 /比赛 排名 查看。", order[0].final, strings.Join(draws, "、")), nil
			})
		},
	}
}

func contestExportCommand(r dangke.Rubric) *Command {
	return &Command{
		Names: []string{"比赛"}, English: []string{"contest"}, Sub: []string{"导出", "export"},
		Summary: "导出记分表（每位评委的评分、去掉的最高最低分、最后得分、名次）",
		Fields: []Field{contestField(), {Name: "格式", Aliases: []string{"format"}, Kind: KChoice, Choices: []string{"xlsx", "csv"},
			Positional: true, Example: "csv", Hint: "默认 xlsx"}},
		Example: "/比赛 导出",
		Perm:    Admin,
		Costly:  true,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			b, err := c.board(ctx, r, true)
			if err != nil {
				return nil, err
			}
			k := b.contest
			file, err := formFile(scoreSheet(b, c.Now), "记分表-"+k.Name, c.Text("格式"))
			if err != nil {
				return nil, err
			}
			return &dangke.Reply{Text: fmt.Sprintf("「%s」记分表（%d 位选手）：%s", k.Name, len(b.entries), file.Name), Files: []dangke.File{file}}, nil
		},
	}
}

// scoreSheet lays out the contest's score sheet: a row per contestant with
// every judge's total (the dropped highest and lowest marked), the final,
// the rank and notes; below it every judge's scores by criterion.
func scoreSheet(b *board, day time.Time) *report.Form {
	st, _ := b.standings()
	place := map[int64]dangke.Standing{}
	for _, x := range st {
		place[x.ID] = x
	}
	f := &report.Form{Sheet: "记分表", Title: b.contest.Name + " 记分表",
		Left:   fmt.Sprintf("评委 %d 位，选手 %d 名", len(b.judges), len(b.entries)),
		Right:  "导出日期：" + day.Format("2006年1月2日"),
		Footer: fmt.Sprintf("最后得分为去掉一个最高分和一个最低分后的平均分，精确到小数点后两位；同分由评委会现场集体评议决定。前 %d 名为十佳。", b.rubric.Top)}
	for _, name := range []string{"号码", "姓名", "单位", "题目", "用时"} {
		col := report.Column{Name: name, Width: map[string]float64{"号码": 6, "姓名": 8, "单位": 18, "题目": 22, "用时": 7}[name]}
		if name == "号码" {
			col.Format = report.FormatCount
		}
		f.Columns = append(f.Columns, col)
	}
	sheetJudges := append([]dangke.Judge{}, b.judges...)
	for _, j := range b.former {
		for _, e := range b.entries {
			if contains(e.judges, j.Person) {
				j.Name += "（已退出）"
				sheetJudges = append(sheetJudges, j)
				break
			}
		}
	}
	for _, j := range sheetJudges {
		f.Columns = append(f.Columns, report.Column{Name: j.Name, Width: 10})
	}
	f.Columns = append(f.Columns, report.Column{Name: "最后得分", Width: 9, Format: report.FormatScore},
		report.Column{Name: "名次", Width: 6, Format: report.FormatCount}, report.Column{Name: "备注", Width: 14})
	for _, e := range b.entries {
		row := []string{strconv.Itoa(e.Draw), e.Name, e.UnitPath, e.Title, ""}
		if e.Length > 0 {
			row[4] = clock(e.Length)
		}
		hi, lo := -1, -1
		if e.ok {
			hi, lo = dangke.Dropped(e.totals)
		}
		for _, j := range sheetJudges {
			cell := ""
			for i, p := range e.judges {
				if p == j.Person {
					cell = e.totals[i].String()
					if i == hi {
						cell += "（最高，去掉）"
					} else if i == lo {
						cell += "（最低，去掉）"
					}
				}
			}
			row = append(row, cell)
		}
		final, rank, note := "", "", "评分中"
		if x, ok := place[e.ID]; ok {
			final, rank, note = x.Final.String(), strconv.Itoa(x.Rank), ""
			switch {
			case x.Tied:
				note = "同分，待评委会裁定"
			case x.Ruled:
				note = "评委会裁定"
			}
			if x.TopList {
				note = strings.TrimPrefix(note+"；十佳", "；")
			}
		}
		if e.Length > b.rubric.MaxLength {
			note = strings.TrimPrefix(note+"；超时", "；")
		}
		f.Rows = append(f.Rows, append(row, final, rank, note))
	}
	detail := []string{"号码", "评委"}
	for _, cr := range b.rubric.Criteria {
		detail = append(detail, fmt.Sprintf("%s（%s）", cr.Name, cr.Max))
	}
	f.Extra = append(f.Extra, append(detail, "合计", "去掉"))
	names := map[string]string{}
	for _, j := range sheetJudges {
		names[j.Person] = j.Name
	}
	for _, e := range b.entries {
		hi, lo := -1, -1
		if e.ok {
			hi, lo = dangke.Dropped(e.totals)
		}
		for i, s := range e.scores {
			row := []string{strconv.Itoa(e.Draw), names[s.Judge]}
			for _, p := range s.Points {
				row = append(row, p.String())
			}
			mark := ""
			if i == hi {
				mark = "最高分"
			} else if i == lo {
				mark = "最低分"
			}
			f.Extra = append(f.Extra, append(row, s.Total().String(), mark))
		}
	}
	return f
}
