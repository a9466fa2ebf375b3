package commands

import (
	"context"
	"fmt"

	"dangke"
	"dangke/report"
)

// exportCityPool is /导出 附件2 全市: the city pool with each lecturer's
// county, for the city's admins in a 1:1 chat (it holds full phone
// numbers), recorded in the audit.
func exportCityPool(ctx context.Context, c *Call, city string) (*dangke.Reply, error) {
	if c.Req.Chat.Group {
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "附件2 含宣讲员完整手机号和出生年月，只能在与我的单聊中导出，不能发到群里。")
	}
	if !c.Super {
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "市级师资库的附件2 只有市级管理员（系统管理员）可以导出。")
	}
	f, err := report.Form2City(ctx, c.Store(), city)
	if err != nil {
		return nil, err
	}
	if err := c.Store().Update(ctx, func(tx dangke.Tx) error {
		return tx.Audit(ctx, c.Audit("export.form2.city", "unit", 0, fmt.Sprintf("%s %d 人", city, len(f.Rows))))
	}); err != nil {
		return nil, err
	}
	file, err := formFile(f, f.Sheet+"-"+city+"市级师资库-"+c.Now.Format("20060102"), c.Text("格式"))
	if err != nil {
		return nil, err
	}
	return &dangke.Reply{Text: fmt.Sprintf("%s 已生成（%d 人）。", file.Name, len(f.Rows)), Files: []dangke.File{file}}, nil
}
