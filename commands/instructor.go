package commands

import (
	"context"
	"fmt"

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
			{Name: "单位", Aliases: []string{"unit"}, Kind: KUnit, Required: true, Positional: true, Example: "市一中", Hint: "须是已建的单位"},
			{Name: "职务", Aliases: []string{"position"}, Kind: KText, Required: true, Positional: true, Example: "教师"},
			{Name: "手机号", Aliases: []string{"手机", "电话", "phone"}, Kind: KPhone, Required: true, Positional: true, Example: "13812345678"},
		},
		Example: "/宣讲员 李四 女 1985-03 市一中 教师 13812345678",
		Perm:    Member,
		Run:     runInstructor,
	}
}

func runInstructor(ctx context.Context, c *Call) (*dangke.Reply, error) {
	unit, err := c.TargetUnit(ctx, "单位")
	if err != nil {
		return nil, err
	}
	pool, err := c.Store().UnitByID(ctx, unit.TopID)
	if err != nil {
		return nil, err
	}
	if pool.Kind != dangke.KindCounty {
		return nil, dangke.FieldErrorf("单位", "「%s」不属于任何县市区；师资库按县市区建立。", unit.Path)
	}
	in := &dangke.Instructor{
		PoolID: pool.ID, UnitID: unit.ID, UnitName: unit.Name, Name: c.Text("姓名"), Gender: c.Text("性别"),
		Position: c.Text("职务"), Phone: c.Text("手机号"),
		Author: c.Req.From.Key(), Chat: c.Req.Chat.Key(), CreatedAt: c.Now,
	}
	if in.BirthY, in.BirthM, err = parseYearMonth("出生年月", c.Text("出生年月")); err != nil {
		return nil, err
	}
	if err := in.Validate(c.Now); err != nil {
		return nil, err
	}
	return c.Update(ctx, func(tx dangke.Tx) (string, error) {
		if err := tx.AddInstructor(ctx, in); err != nil {
			return "", err
		}
		// The audit row never holds the full phone number.
		detail := fmt.Sprintf("%s %s %s", pool.Path, in.Name, dangke.MaskPhone(in.Phone))
		if err := tx.Audit(ctx, c.Audit("instructor.add", dangke.EntryInstructor, in.ID, detail)); err != nil {
			return "", err
		}
		n, err := tx.PoolSize(ctx, pool.ID)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("已登记宣讲员 ✅（编号 #%d）\n%s\n%s。发送 /撤销 可撤回本条。",
			in.ID, instructorLine(c, in), poolProgress(pool, n)), nil
	})
}

// instructorLine prints a lecturer, masking the phone and birth month in
// group chats.
func instructorLine(c *Call, in *dangke.Instructor) string {
	birth, phone := in.Birth(), in.Phone
	if c.Req.Chat.Group {
		birth, phone = in.MaskedBirth(), dangke.MaskPhone(in.Phone)
	}
	return fmt.Sprintf("%s · %s · %s · %s · %s · %s", in.Name, in.Gender, birth, in.UnitName, in.Position, phone)
}

// poolProgress says how a county's pool stands against the target.
func poolProgress(county *dangke.Unit, n int) string {
	if n >= dangke.PoolTarget {
		return fmt.Sprintf("%s师资库现有 %d 人，已达到 %d 人目标", county.Name, n, dangke.PoolTarget)
	}
	return fmt.Sprintf("%s师资库现有 %d 人，距 %d 人目标还差 %d 人", county.Name, n, dangke.PoolTarget, dangke.PoolTarget-n)
}
