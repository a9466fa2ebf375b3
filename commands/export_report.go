package commands

import (
	"context"
	"fmt"
	"time"

	"dangke"
	"dangke/report"
)

// DOCXMIME is the media type of a Word document.
const DOCXMIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

// runExportReport is /导出 报告 [县市区] [期间]: the draft of a county's
// 关于开展微型党课示范宣讲活动的情况报告 as a DOCX, for the county's chats and
// admins and the city's. It holds no personal data beyond names.
func runExportReport(ctx context.Context, c *Call, cfg Config) (*dangke.Reply, error) {
	target, period, format, err := c.scopeArgs(false, "单位", "期间", "格式")
	if err != nil {
		return nil, err
	}
	if format != "" {
		return nil, dangke.FieldErrorf("格式", "情况报告只有 Word（docx）格式，不用写「%s」。", format)
	}
	var unit *dangke.Unit
	switch {
	case target != "" && target != dangke.CityName:
		if unit, err = c.ResolveUnit(ctx, target); err != nil {
			return nil, err
		}
	case target == "" && c.Unit != nil:
		unit = c.Unit
	case target == "" && len(c.Roles) == 1:
		if unit, err = c.Store().UnitByID(ctx, c.Roles[0].UnitID); err != nil {
			return nil, err
		}
	default:
		return nil, dangke.FieldErrorf("单位", "要写明县市区：情况报告由各县市区报送。")
	}
	county, err := c.Store().UnitByID(ctx, unit.TopID)
	if err != nil {
		return nil, err
	}
	if county.Kind != dangke.KindCounty {
		return nil, dangke.FieldErrorf("单位", "「%s」不属于任何县市区；情况报告由各县市区报送。", unit.Path)
	}
	if !c.MayActFor(county) && !c.CityChat {
		return nil, dangke.Errorf(dangke.EFORBIDDEN, "%s的情况报告只能在该县市区的工作群里，或由其管理员、全市的管理员导出。", county.Name)
	}
	p, isPeriod, err := parsePeriod(period, c.Now)
	if err != nil {
		return nil, err
	}
	if !isPeriod {
		return nil, dangke.FieldErrorf("期间", "看不懂「%s」，可写 今年 或 2019-06-01~2019-09-30。", clip(period))
	}
	s, err := report.BuildSituation(ctx, c.Store(), cfg.ReportPhotos, cfg.City, noticeName(cfg.Campaign), county, p, c.Now)
	if err != nil {
		return nil, err
	}
	data, err := s.DOCX(c.Now)
	if err != nil {
		return nil, err
	}
	span := "" // the period in the file's name, so that two periods never share one file
	if !p.IsZero() {
		span = "-" + p.From.Format("20060102") + "至" + p.To.Format("20060102")
	}
	name := fmt.Sprintf("情况报告-%s%s-%s.docx", county.Name, span, c.Now.Format("20060102"))
	text := fmt.Sprintf("%s 已生成：%s示范宣讲活动情况报告（草稿，按 GB/T 9704 排版）。标黄的【请补充：…】处请填写后再报送。", name, county.Name)
	for _, n := range s.Notes {
		text += "\n⚠ " + n
	}
	return &dangke.Reply{Text: text, Files: []dangke.File{{Name: name, MIME: DOCXMIME, Data: data}}}, nil
}

// noticeName is how the report cites the notice it answers.
func noticeName(c dangke.Campaign) string {
	name := c.Name
	if name == "" {
		name = dangke.DefaultCampaign(time.UTC).Name
	}
	return "《关于在全市组织开展" + name + "的通知》"
}
