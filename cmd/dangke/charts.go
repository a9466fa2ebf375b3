package main

import "dangke/chart"

// charts returns the renderer of /图表 and the digests' charts, with the
// font file of chart.font as a fallback (checked with the config); nil,
// and the router's own embedded-fonts renderer, if it cannot be made.
func (m *Main) charts() *chart.Renderer {
	r, err := chart.NewRenderer(m.cfg.Chart.Font)
	if err != nil {
		m.logger.Error("charts: font", "err", err)
		return nil
	}
	return r
}
