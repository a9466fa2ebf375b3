package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"dangke"
	"dangke/atomicfile"
	"dangke/report"
)

// exportReport writes a county's 情况报告 draft (DOCX) to --out, with up to
// six photos of the county's lectures from the media folder.
func (m *Main) exportReport(ctx context.Context, unit *dangke.Unit, now time.Time) error {
	if unit == nil {
		return errors.New("情况报告按县市区导出：--unit 要指定县市区，例如 --unit 温县")
	}
	county, err := m.store.UnitByID(ctx, unit.TopID)
	if err != nil {
		return errors.New(dangke.ErrorMessage(err))
	}
	if county.Kind != dangke.KindCounty {
		return fmt.Errorf("「%s」不属于任何县市区；情况报告由各县市区报送", unit.Path)
	}
	var p dangke.Period
	if m.tool.from != "" || m.tool.to != "" {
		if p.From, err = time.ParseInLocation(dangke.DateLayout, m.tool.from, now.Location()); err != nil {
			return fmt.Errorf("--from「%s」不是日期，例如 --from 2019-06-01 --to 2019-09-30", m.tool.from)
		}
		if p.To, err = time.ParseInLocation(dangke.DateLayout, m.tool.to, now.Location()); err != nil {
			return fmt.Errorf("--to「%s」不是日期，例如 --from 2019-06-01 --to 2019-09-30", m.tool.to)
		}
	}
	campaign, _ := m.cfg.Campaign.campaign(now.Location()) // validated with the config
	media, err := m.openMedia()
	if err != nil {
		return err
	}
	s, err := report.BuildSituation(ctx, m.store, report.MediaPhotos(m.store, media), m.cfg.City, "《关于在全市组织开展"+campaign.Name+"的通知》", county, p, now)
	if err != nil {
		return err
	}
	data, err := s.DOCX(now)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(m.tool.out, data); err != nil {
		return fmt.Errorf("导出失败，%s 没有写入（原有的文件保持不变）：%w", m.tool.out, err)
	}
	fmt.Fprintf(m.Stdout, "已导出 %s：%s示范宣讲活动情况报告（草稿），标黄的【请补充：…】处请填写。\n", m.tool.out, county.Name)
	return nil
}
