package commands

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"dangke"
)

// The /单位 (/unit) group: add, set members, bind the chat, show the tree.

func pathField(required bool) Field {
	return Field{Name: "路径", Aliases: []string{"单位", "path", "unit"}, Kind: KUnit, Required: required, Positional: true,
		Example: "温县/城关镇/第一党支部", Hint: "从县市区或市直系统写起，用 / 分隔"}
}

func membersField(required bool) Field {
	return Field{Name: "党员数", Aliases: []string{"党员", "members"}, Kind: KCount, Required: required, Positional: true,
		Example: "45", Hint: "本单位直属党员数，不含下级单位"}
}

func unitAddCommand() *Command {
	return &Command{
		Names: []string{"单位"}, English: []string{"unit"}, Sub: []string{"新增", "添加", "add"},
		Summary: "新增单位（缺少的上级一并建立）",
		Fields: []Field{
			{Name: "路径", Aliases: []string{"单位", "path", "unit"}, Kind: KUnit, Required: true, Positional: true,
				Example: "温县/城关镇/第一党支部", Hint: "从县市区或市直系统写起，用 / 分隔；在绑定的群里可只写名称"},
			{Name: "党员数", Aliases: []string{"党员", "members"}, Kind: KText, Positional: true, Example: "45", Hint: "本单位直属党员数，不含下级单位"},
			{Name: "类型", Aliases: []string{"kind"}, Kind: KText, Positional: true, Example: "县市区",
				Hint: "县市区、系统、单位 或 党支部；新建县市区或市直系统时写在路径前，默认按名称判断"},
		},
		Example: "/单位 新增 温县/城关镇/第一党支部 45",
		Perm:    Admin,
		Run:     runUnitAdd,
	}
}

// unitAddArgs sorts /单位 新增's values by their shape — a kind word, a
// count, a path — wherever they stand: /单位 新增 县市区 温县 30.
func unitAddArgs(c *Call) (path string, members int, kind dangke.UnitKind, kindWord bool, err error) {
	var rest []string
	for _, name := range []string{"路径", "党员数", "类型"} {
		v, ok := c.Args[name]
		if !ok {
			continue
		}
		if name == "类型" && !kindWord {
			if k, ok := dangke.ParseUnitKind(v); ok { // 类型=党支部: the new unit's kind
				kind = k
				continue
			}
		}
		if k, ok := dangke.ParseUnitKind(v); ok && kind == "" {
			kind, kindWord = k, true
			continue
		}
		rest = append(rest, v)
	}
	for _, v := range rest {
		if n, err := parseCount("党员数", v); err == nil && !strings.Contains(v, "/") {
			members = n
			if n < 0 || n > 10000000 {
				return "", 0, "", false, dangke.FieldErrorf("党员数", "应为 0 到 10000000 之间的整数，收到 %d。", n)
			}
			continue
		}
		if path != "" {
			if c.Args.Has("类型") && v == c.Args["类型"] {
				return "", 0, "", false, dangke.FieldErrorf("类型", "应为 县市区、系统、单位 或 党支部，收到「%s」。", clip(v))
			}
			return "", 0, "", false, dangke.FieldErrorf("党员数", "应为整数，收到「%s」。", clip(v))
		}
		path = v
	}
	if path == "" {
		return "", 0, "", false, dangke.FieldErrorf("路径", "要写明，例：温县/城关镇/第一党支部。")
	}
	return path, members, kind, kindWord, nil
}

// topKindFromName reads the kind of a new reporting unit from a name that
// says it (…县, …市, …区; …工委, …局), or "".
func topKindFromName(name string) dangke.UnitKind {
	if k := dangke.InferUnitKind(1, name); k == dangke.KindSystem {
		return k
	}
	for _, s := range []string{"县", "市", "区"} {
		if strings.HasSuffix(name, s) {
			return dangke.KindCounty
		}
	}
	return ""
}

// belowChat places a path typed in a bound group that does not start at a
// reporting unit: its first names found as a unit inside the chat's
// reporting unit (城关镇/第七党支部 → 温县/城关镇/第七党支部), or else below
// the chat's unit (第三党支部 → 温县/城关镇/第三党支部).
func belowChat(ctx context.Context, c *Call, names []string) ([]string, error) {
	for k := len(names) - 1; k >= 1; k-- {
		u, err := c.ResolveUnit(ctx, dangke.JoinPath(names[:k]))
		if err == nil {
			return append(strings.Split(u.Path, "/"), names[k:]...), nil
		}
		if code := dangke.ErrorCode(err); code != dangke.ENOTFOUND {
			return nil, err
		}
	}
	out := append(strings.Split(c.Unit.Path, "/"), names...)
	if len(out) > dangke.MaxUnitDepth {
		return nil, dangke.Errorf(dangke.EINVALID, "单位路径最多 %d 级，「%s」有 %d 级。", dangke.MaxUnitDepth, dangke.JoinPath(out), len(out))
	}
	return out, nil
}

func runUnitAdd(ctx context.Context, c *Call) (*dangke.Reply, error) {
	raw, members, kind, kindWord, err := unitAddArgs(c)
	if err != nil {
		return nil, err
	}
	names, err := dangke.ParsePath(raw)
	if err != nil {
		return nil, err
	}
	topKind := dangke.UnitKind("")
	if kindWord && (kind == dangke.KindCounty || kind == dangke.KindSystem) {
		topKind = kind // /单位 新增 县市区 温县: a reporting unit, written from the top
	}
	// In a bound group a path that does not start at an existing reporting
	// unit is below the chat's unit: /单位 新增 第三党支部.
	if c.Unit != nil && topKind == "" {
		if _, err := c.Store().UnitByPath(ctx, names[0]); dangke.ErrorCode(err) == dangke.ENOTFOUND {
			names, err = belowChat(ctx, c, names)
			if err != nil {
				return nil, err
			}
			if len(names) > dangke.MaxUnitDepth {
				return nil, dangke.Errorf(dangke.EINVALID, "单位路径最多 %d 级，「%s」有 %d 级。", dangke.MaxUnitDepth, dangke.JoinPath(names), len(names))
			}
		} else if err != nil && dangke.ErrorCode(err) != dangke.ENOTFOUND {
			return nil, err
		}
	}
	path := dangke.JoinPath(names)
	return c.Update(ctx, func(tx dangke.Tx) (string, error) {
		var parent *dangke.Unit
		var created []string
		for i := range names {
			u, err := tx.UnitByPath(ctx, dangke.JoinPath(names[:i+1]))
			if err == nil {
				if i == len(names)-1 {
					return "", dangke.Errorf(dangke.ECONFLICT, "单位「%s」已存在；改党员数请用 /单位 党员数 %s %d。", path, path, max(members, 1))
				}
				parent = u
				continue
			}
			if dangke.ErrorCode(err) != dangke.ENOTFOUND {
				return "", err
			}
			nu := &dangke.Unit{Name: names[i], Kind: dangke.InferUnitKind(i+1, names[i])}
			if parent != nil && parent.Kind == dangke.KindBranch && nu.Kind == dangke.KindBranch {
				return "", dangke.Errorf(dangke.EINVALID, "「%s」是党支部，其下不能再建党支部「%s」；要建在哪个单位下，请写完整路径，如 /单位 新增 %s/%s。",
					parent.Path, names[i], strings.TrimSuffix(parent.Path, "/"+parent.Name), names[i])
			}
			if err := checkSimilarUnit(ctx, c, tx, parent, names[i]); err != nil {
				return "", err
			}
			if parent == nil {
				if !c.Super {
					return "", dangke.Errorf(dangke.EFORBIDDEN, "新增县市区或市直系统（「%s」）需要系统管理员。", names[0])
				}
				// A new reporting unit is said to be one, or its name says so:
				// a typo at the top would start a county of its own.
				k := topKind
				if k == "" && len(names) == 1 && (kind == dangke.KindCounty || kind == dangke.KindSystem) {
					k = kind
				}
				if k == "" {
					k = topKindFromName(names[0])
				}
				if k == "" {
					return "", dangke.Errorf(dangke.EINVALID, "「%s」不是已有的县市区或市直系统；新建最上级单位要写明类型：/单位 新增 县市区 %s 或 /单位 新增 系统 %s。",
						names[0], path, path)
				}
				nu.Kind = k
			} else if !c.IsAdminOf(parent) {
				return "", dangke.Errorf(dangke.EFORBIDDEN, "你不是「%s」的管理员，不能在其下新增单位。", parent.Path)
			} else {
				nu.ParentID = parent.ID
			}
			if i == len(names)-1 {
				nu.Members = members
				if kind != "" && topKind == "" { // 县市区 before the path names the top's kind only
					nu.Kind = kind
				} else if k, err := leafKind(c, parent, names[i]); err != nil {
					return "", err
				} else if k != "" {
					nu.Kind = k
				}
			}
			if err := tx.AddUnit(ctx, nu); err != nil {
				return "", err
			}
			if err := tx.Audit(ctx, c.Audit("unit.add", "unit", nu.ID, fmt.Sprintf("%s（%s，党员 %d）", nu.Path, nu.Kind.Label(), nu.Members))); err != nil {
				return "", err
			}
			created = append(created, nu.Path)
			parent = nu
		}
		text := fmt.Sprintf("已新增单位：%s（%s，党员 %d 人）。", parent.Path, parent.Kind.Label(), parent.Members)
		if len(created) > 1 {
			text += "\n同时建立了上级：" + strings.Join(created[:len(created)-1], "、") + "。"
		}
		return text, nil
	})
}

// leafKind decides the kind of a new unit below the top whose name does
// not say it (县委办公室, 第一中学): a branch is where lectures are logged and
// what the digests' 尚未开展 and deadline lists name, so a clerk is asked
// rather than guessed for; "" when the name says it, or when the parent is
// a branch (which holds no branches).
func leafKind(c *Call, parent *dangke.Unit, name string) (dangke.UnitKind, error) {
	if parent == nil || parent.Kind == dangke.KindBranch {
		return "", nil
	}
	if _, ok := dangke.KindFromName(name); ok {
		return "", nil
	}
	yes, answered := c.Answer("党支部")
	if !answered {
		return "", AskChoice("党支部", fmt.Sprintf("「%s」是党支部吗？是：记为党支部（在此登记微党课，计入上台率和“尚未开展”名单）；否：记为下设党支部的单位。"+
			"也可直接写 类型=党支部 或 类型=单位；以后可用 /单位 类型 %s/%s 党支部 更改。", name, parent.Path, name))
	}
	if yes {
		return dangke.KindBranch, nil
	}
	return dangke.KindOrg, nil
}

func unitMembersCommand() *Command {
	return &Command{
		Names: []string{"单位"}, English: []string{"unit"}, Sub: []string{"党员数", "members"},
		Summary: "设置单位的党员数",
		Fields:  []Field{pathField(true), membersField(true)},
		Example: "/单位 党员数 温县/城关镇/第一党支部 45",
		Perm:    Admin,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			u, err := c.ResolveUnit(ctx, c.Text("路径"))
			if err != nil {
				return nil, err
			}
			n, err := c.Int("党员数", 0)
			if err != nil {
				return nil, err
			}
			if n < 0 || n > 10000000 {
				return nil, dangke.FieldErrorf("党员数", "应为 0 到 10000000 之间的整数，收到 %d。", n)
			}
			if !c.IsAdminOf(u) {
				return nil, dangke.Errorf(dangke.EFORBIDDEN, "你不是「%s」的管理员，不能修改党员数。", u.Path)
			}
			return c.Update(ctx, func(tx dangke.Tx) (string, error) {
				if err := tx.SetMembers(ctx, u.ID, n); err != nil {
					return "", err
				}
				// A count below the unit's own lecturers cannot be true:
				// asked about, and the coverage leaves the unit out.
				f, err := tx.Figures(ctx, u.ID, dangke.Period{})
				if err != nil {
					return "", err
				}
				var over, unset *dangke.DoubtfulUnit
				for i := range f.Over.Units {
					if f.Over.Units[i].Path == u.Path {
						over = &f.Over.Units[i]
					}
				}
				for i := range f.Unset.Units {
					if f.Unset.Units[i].Path == u.Path && f.Unset.Units[i].Speakers > 0 {
						unset = &f.Unset.Units[i]
					}
				}
				if yes, _ := c.Answer("党员数"); over != nil && !yes {
					return "", Ask("党员数", fmt.Sprintf("「%s」已有 %d 名讲课人，党员数 %d 比讲课人还少，上台率将无法计算。确认党员数是 %d 吗？",
						u.Path, over.Speakers, n, n))
				}
				// 0 is "not set": the unit's lecturers leave the coverage.
				if yes, _ := c.Answer("党员数"); unset != nil && u.Members > 0 && !yes {
					return "", Ask("党员数", fmt.Sprintf("「%s」已有 %d 名讲课人，党员数 0 即未填，该单位将不计入上台率。确认党员数是 0 吗？",
						u.Path, unset.Speakers))
				}
				if err := tx.Audit(ctx, c.Audit("unit.members", "unit", u.ID, fmt.Sprintf("%s 党员数 %d → %d", u.Path, u.Members, n))); err != nil {
					return "", err
				}
				text := fmt.Sprintf("已将「%s」的党员数由 %d 改为 %d。", u.Path, u.Members, n)
				if u.Members == 0 {
					text = fmt.Sprintf("已将「%s」的党员数设为 %d（原未设置）。", u.Path, n)
				}
				if over != nil {
					text += fmt.Sprintf("\n注意：讲课人（%d 人）多于党员数，%s在核对前不计入上台率。", over.Speakers, u.Name)
				}
				return text, nil
			})
		},
	}
}

func unitBindCommand() *Command {
	return &Command{
		Names: []string{"单位"}, English: []string{"unit"}, Sub: []string{"绑定", "bind"},
		Summary: "把本群绑定到一个单位",
		Fields:  []Field{pathField(true)},
		Example: "/单位 绑定 温县/城关镇/第一党支部",
		Perm:    Admin,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			if c.Text("路径") == dangke.CityName {
				return bindCity(ctx, c)
			}
			u, err := c.ResolveUnit(ctx, c.Text("路径"))
			if err != nil {
				return nil, err
			}
			if !c.IsAdminOf(u) {
				return nil, dangke.Errorf(dangke.EFORBIDDEN, "你不是「%s」的管理员，不能把本群绑定到该单位。", u.Path)
			}
			if c.Unit != nil && !c.IsAdminOf(c.Unit) {
				return nil, dangke.Errorf(dangke.EFORBIDDEN, "本群已绑定「%s」，你不是该单位的管理员，不能改绑。", c.Unit.Path)
			}
			if c.CityChat && !c.Super { // rebinding needs rights over the old binding too
				return nil, dangke.Errorf(dangke.EFORBIDDEN, "本群已绑定「%s」，只有系统管理员可以改绑。", dangke.CityName)
			}
			return c.Update(ctx, func(tx dangke.Tx) (string, error) {
				if err := tx.BindChat(ctx, c.Req.Chat, u.ID, c.Req.From.Key(), c.Now); err != nil {
					return "", err
				}
				detail := c.Req.Chat.Key() + " → " + u.Path
				if err := tx.Audit(ctx, c.Audit("chat.bind", "unit", u.ID, detail)); err != nil {
					return "", err
				}
				text := fmt.Sprintf("本群已绑定「%s」。此后在本群登记的党课都记在该单位名下。", u.Path)
				if c.Unit != nil && c.Unit.ID != u.ID {
					text += fmt.Sprintf("（原绑定：%s）", c.Unit.Path)
				}
				return text, nil
			})
		},
	}
}

// bindCity binds the chat to the whole city: it gets the city's digest, and
// /统计 there means 全市.
func bindCity(ctx context.Context, c *Call) (*dangke.Reply, error) {
	if !c.Super {
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "把群绑定到全市需要系统管理员。")
	}
	return c.Update(ctx, func(tx dangke.Tx) (string, error) {
		if err := tx.BindCity(ctx, c.Req.Chat, c.Req.From.Key(), c.Now); err != nil {
			return "", err
		}
		if err := tx.Audit(ctx, c.Audit("chat.bind", "city", 0, c.Req.Chat.Key()+" → "+dangke.CityName)); err != nil {
			return "", err
		}
		return "本群已绑定「全市」：每周收到全市周报，/统计 默认显示全市。", nil
	})
}

// maxTreeLines bounds the /单位 列表 reply.
const maxTreeLines = 60

func unitTreeCommand() *Command {
	return &Command{
		Names: []string{"单位"}, English: []string{"unit"}, Sub: []string{"列表", "tree", "list"},
		Summary: "查看单位树及党员数",
		Fields:  []Field{pathField(false)},
		Example: "/单位 列表 温县",
		Perm:    Reader,
		Run: func(ctx context.Context, c *Call) (*dangke.Reply, error) {
			var root int64
			if p := c.Text("路径"); p != "" {
				u, err := c.ResolveUnit(ctx, p)
				if err != nil {
					return nil, err
				}
				root = u.ID
			}
			us, err := c.Store().Units(ctx, root)
			if err != nil {
				return nil, err
			}
			if len(us) == 0 {
				return &dangke.Reply{Text: "还没有任何单位。系统管理员可发送：/单位 新增 温县"}, nil
			}
			base := us[0].Depth
			var b strings.Builder
			for i, u := range us {
				if i == maxTreeLines {
					fmt.Fprintf(&b, "……另有 %d 个单位，请用 /单位 列表 路径 查看下级。", len(us)-i)
					break
				}
				if i > 0 {
					b.WriteString("\n")
				}
				b.WriteString(strings.Repeat("　", u.Depth-base))
				fmt.Fprintf(&b, "%s（%s", u.Name, u.Kind.Label())
				if u.Members > 0 {
					fmt.Fprintf(&b, "，党员 %d", u.Members)
				}
				b.WriteString("）")
			}
			return &dangke.Reply{Text: b.String()}, nil
		},
	}
}

// mayReshape refuses a change to u's place in the tree (rename, move,
// merge, remove) by someone who does not administer it; the reporting
// units are the city admins', as their creation is.
func (c *Call) mayReshape(u *dangke.Unit, verb string) error {
	if u.IsTop() && !c.Super {
		return dangke.Errorf(dangke.EFORBIDDEN, "%s县市区或市直系统（「%s」）需要系统管理员。", verb, u.Path)
	}
	if !c.IsAdminOf(u) {
		return dangke.Errorf(dangke.EFORBIDDEN, "你不是「%s」的管理员，不能%s它。", u.Path, verb)
	}
	return nil
}

// errDryRun rolls back a change made only to show what it would do.
var errDryRun = errors.New("commands: dry run")

// reshape runs a change of the unit tree. fn makes the change and returns
// what was done and the figures it moved. When more than one entry moves
// (refs), the change is first run in a transaction that is rolled back, so
// that the question shows exactly the figures that will move; after 是, or
// at once for a small change, it runs for real.
func reshape(ctx context.Context, c *Call, key string, refs dangke.UnitRefs, intro string, fn func(tx dangke.Tx) (done, lines string, err error)) (*dangke.Reply, error) {
	if yes, _ := c.Answer(key); !yes && refs.Entries() > 1 {
		var lines string
		err := c.Store().Update(ctx, func(tx dangke.Tx) error {
			var err error
			if _, lines, err = fn(tx); err != nil {
				return err
			}
			return errDryRun
		})
		if !errors.Is(err, errDryRun) {
			return nil, err
		}
		if lines != "" {
			intro += "\n" + lines
		}
		return nil, Ask(key, intro)
	}
	return c.Update(ctx, func(tx dangke.Tx) (string, error) {
		done, lines, err := fn(tx)
		if lines != "" {
			done += "\n" + lines
		}
		return done, err
	})
}

// figuresOf reads the whole-campaign figures of units inside a
// transaction, by id; a unit that no longer exists is left out.
func figuresOf(ctx context.Context, tx dangke.Tx, ids ...int64) (map[int64]dangke.Figures, error) {
	out := map[int64]dangke.Figures{}
	for _, id := range ids {
		if _, ok := out[id]; ok || id == 0 {
			continue
		}
		unit := id
		if id == cityLevel {
			unit = 0 // the city
		}
		f, err := tx.Figures(ctx, unit, dangke.Period{})
		if dangke.ErrorCode(err) == dangke.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[id] = f
	}
	return out, nil
}

// changeLines names, for each unit in order whose figures differ between
// before and after, the figures that change.
func changeLines(names map[int64]string, order []int64, before, after map[int64]dangke.Figures) string {
	var lines []string
	seen := map[int64]bool{}
	for _, id := range order {
		b, okb := before[id]
		a, oka := after[id]
		if seen[id] || !okb || !oka || reflect.DeepEqual(a, b) {
			continue
		}
		seen[id] = true
		lines = append(lines, figureChange(names[id], b, a))
	}
	return strings.Join(lines, "\n")
}
