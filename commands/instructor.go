package commands

import (
	"context"
	"fmt"
	"strings"

	"dangke"
)

func instructorCommand() *Command {
	return &Command{
		Names:   []string{"宣讲员", "师资", "登记宣讲员"},
		English: []string{"instructor"},
		Summary: "把宣讲员登记进本县市区师资库（附件2）",
		Fields: []Field{
			{Name: "姓名", Aliases: []string{"name"}, Kind: KName, Required: true, Positional: true, Example: "李四"},
			{Name: "性别", Aliases: []string{"gender"}, Kind: KChoice, Choices: []string{"男", "女"}, Required: true, Positional: true, Example: "女"},
			{Name: "出生年月", Aliases: []string{"出生", "生日", "birth"}, Kind: KYearMonth, Required: true, Positional: true, Example: "1985-03"},
			{Name: "单位", Aliases: []string{"工作单位", "workplace", "unit"}, Kind: KText, Required: true, Positional: true, Example: "市一中", Hint: "宣讲员的工作单位，照实填写"},
			{Name: "职务", Aliases: []string{"position"}, Kind: KText, Required: true, Positional: true, Example: "教师"},
			{Name: "手机号", Aliases: []string{"手机", "电话", "phone"}, Kind: KPhone, Required: true, Positional: true, Example: "13812345678", Hint: "可带空格、横线或 +86"},
			{Name: "县市区", Aliases: []string{"师资库", "county", "pool"}, Kind: KUnit, Example: "温县", Hint: "登记进哪个县市区的师资库，默认为本群所属县市区"},
		},
		Example: "/宣讲员 李四 女 1985-03 市一中 教师 13812345678",
		Perm:    Member,
		Run:     runInstructor,
	}
}

func runInstructor(ctx context.Context, c *Call) (*dangke.Reply, error) {
	pool, err := poolFor(ctx, c)
	if err != nil {
		return nil, err
	}
	in := &dangke.Instructor{
		PoolID: pool.ID, UnitID: pool.ID, Name: c.Text("姓名"), Gender: c.Text("性别"),
		Workplace: c.Text("单位"), Position: c.Text("职务"), Phone: dangke.NormalizePhone(c.Text("手机号")),
		Author: c.Req.From.Key(), Chat: c.Req.Chat.Key(), CreatedAt: c.Now,
	}
	if c.Unit != nil && pool.Contains(c.Unit) {
		in.UnitID = c.Unit.ID // registered from a chat of the county
	}
	if in.BirthY, in.BirthM, err = parseYearMonth("出生年月", c.Text("出生年月")); err != nil {
		return nil, err
	}
	if err := in.Validate(c.Now); err != nil {
		return nil, err
	}
	reply, err := c.Update(ctx, func(tx dangke.Tx) (string, error) {
		if err := tx.AddInstructor(ctx, in); err != nil {
			return "", err
		}
		// Asked once the phone is known to be free (a phone in the pool is
		// refused first); the question rolls the entry back.
		if err := checkSameInstructor(ctx, c, tx, in); err != nil {
			return "", err
		}
		c.undo = &dangke.Entry{Kind: dangke.EntryInstructor, ID: in.ID, At: c.Now}
		// The audit row never holds the full phone number.
		detail := fmt.Sprintf("%s %s %s", pool.Path, in.Name, dangke.MaskPhone(in.Phone))
		if err := tx.Audit(ctx, c.Audit("instructor.add", dangke.EntryInstructor, in.ID, detail)); err != nil {
			return "", err
		}
		n, err := tx.PoolSize(ctx, pool.ID)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("已登记宣讲员 ✅（编号 #%d）\n%s\n%s。"+undoHint,
			in.ID, instructorLine(c, in), poolProgress(pool, n)), nil
	})
	if dangke.ErrorCode(err) == dangke.ECONFLICT && c.IsAdminOf(pool) {
		return nil, duplicatePhone(ctx, c, pool, in.Phone, err)
	}
	return reply, err
}

// duplicatePhone names the lecturer who holds a phone number already in the
// pool, for those who may see the pool; others learn only that it is taken.
func duplicatePhone(ctx context.Context, c *Call, pool *dangke.Unit, phone string, err error) error {
	list, lerr := c.Store().Instructors(ctx, pool.ID)
	if lerr != nil {
		return err
	}
	for _, x := range list {
		if x.Phone == phone {
			return dangke.Errorf(dangke.ECONFLICT, "手机号 %s 已登记在%s师资库（#%d %s），同一手机号不能重复登记。",
				dangke.MaskPhone(phone), pool.Name, x.ID, x.Name)
		}
	}
	return err
}

// poolFor finds the county pool a lecturer joins: the one named with
// 县市区=, or the county of the chat's unit, or — in a chat bound to no unit —
// the one county the sender administers. Registering into a pool needs a
// chat of that county or an admin's rights over it.
func poolFor(ctx context.Context, c *Call) (*dangke.Unit, error) {
	if name := c.Text("县市区"); name != "" {
		u, err := c.ResolveUnit(ctx, name)
		if err != nil {
			return nil, err
		}
		county, err := countyOf(ctx, c, u, "县市区")
		if err != nil {
			return nil, err
		}
		if !c.IsAdminOf(county) && (c.Unit == nil || !county.Contains(c.Unit)) {
			if c.Unit == nil {
				return nil, dangke.Errorf(dangke.EFORBIDDEN, "本群尚未绑定单位，你不能往%s师资库登记；请在%s的工作群里发送，或请管理员授权。", county.Name, county.Name)
			}
			return nil, dangke.Errorf(dangke.EFORBIDDEN, "本群绑定的是「%s」，不能往%s师资库登记；请在%s的工作群里发送。", c.Unit.Path, county.Name, county.Name)
		}
		return county, nil
	}
	if c.Unit != nil {
		return countyOf(ctx, c, c.Unit, "")
	}
	var only *dangke.Unit
	for _, r := range c.Roles {
		top, _, _ := strings.Cut(r.UnitPath, "/")
		u, err := c.Store().UnitByPath(ctx, top)
		if err != nil || u.Kind != dangke.KindCounty || (only != nil && only.ID != u.ID) {
			only = nil
			break
		}
		only = u
	}
	if only != nil {
		return only, nil
	}
	return nil, dangke.Errorf(dangke.EINVALID, "请写明登记进哪个县市区的师资库：在命令后加上 县市区=温县。")
}

// countyOf returns the county (县市区) a unit belongs to; field names the
// argument that named the unit, "" for the chat's unit.
func countyOf(ctx context.Context, c *Call, u *dangke.Unit, field string) (*dangke.Unit, error) {
	county, err := c.Store().UnitByID(ctx, u.TopID)
	if err != nil {
		return nil, err
	}
	if county.Kind != dangke.KindCounty {
		if field == "" {
			return nil, dangke.Errorf(dangke.EINVALID, "本群绑定的「%s」不属于任何县市区；师资库按县市区建立，请写明 县市区=温县。", u.Path)
		}
		return nil, dangke.FieldErrorf(field, "「%s」不属于任何县市区；师资库按县市区建立。", u.Path)
	}
	return county, nil
}

// instructorLine prints a lecturer, masking the phone and birth month in
// group chats.
func instructorLine(c *Call, in *dangke.Instructor) string {
	birth, phone := in.Birth(), in.Phone
	if c.Req.Chat.Group {
		birth, phone = in.MaskedBirth(), dangke.MaskPhone(in.Phone)
	}
	return fmt.Sprintf("%s · %s · %s · %s · %s · %s", in.Name, in.Gender, birth, in.Workplace, in.Position, phone)
}

// poolProgress says how a county's pool stands against the target.
func poolProgress(county *dangke.Unit, n int) string {
	if n >= dangke.PoolTarget {
		return fmt.Sprintf("%s师资库现有 %d 人，已达到 %d 人目标", county.Name, n, dangke.PoolTarget)
	}
	return fmt.Sprintf("%s师资库现有 %d 人，距 %d 人目标还差 %d 人", county.Name, n, dangke.PoolTarget, dangke.PoolTarget-n)
}

// checkSameInstructor asks when the pool already holds a lecturer with the
// same name, birth month and workplace under another phone number: most
// likely the same person (a new number, or a slip), who would count twice
// in 附件2 and the pool's size.
func checkSameInstructor(ctx context.Context, c *Call, tx dangke.Reader, in *dangke.Instructor) error {
	if yes, _ := c.Answer("另一人"); yes {
		return nil
	}
	same, err := tx.InstructorsNamed(ctx, in.PoolID, in.Name)
	if err != nil {
		return err
	}
	for i := range same {
		x := &same[i]
		if x.ID == in.ID || x.Phone == in.Phone || x.BirthY != in.BirthY || x.BirthM != in.BirthM ||
			strings.Join(strings.Fields(x.Workplace), "") != strings.Join(strings.Fields(in.Workplace), "") {
			continue
		}
		return Ask("另一人", fmt.Sprintf("师资库已有 #%d %s（姓名、出生年月、单位相同，手机号不同）。这是另一位宣讲员吗？"+
			"若是同一人换了手机号，请不要重复登记（管理员可 /删除 %d 宣讲员 后重新登记）。", x.ID, instructorLine(c, x), x.ID))
	}
	return nil
}
