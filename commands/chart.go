package commands

import (
	"context"
	"fmt"
	"sync"

	"dangke"
	"dangke/chart"
)

// charts is the router's chart renderer, made on first use when Config
// gives none.
type charts struct {
	once sync.Once
	r    *chart.Renderer
	err  error
}

func (r *Router) renderer() (*chart.Renderer, error) {
	if r.cfg.Charts != nil {
		return r.cfg.Charts, nil
	}
	r.charts.once.Do(func() { r.charts.r, r.charts.err = chart.NewRenderer("") })
	return r.charts.r, r.charts.err
}

// chartCommand is /图表: the coverage of the units below, the lectures per
// week and, once there are any, the 示范宣讲 by venue, as pictures.
func chartCommand(r *Router) *Command {
	return &Command{
		Names:   []string{"图表"},
		English: []string{"chart"},
		Summary: "以图片查看下级单位上台率、每周微党课次数和示范宣讲场所",
		Fields: []Field{
			{Name: "单位", Aliases: []string{"unit"}, Kind: KText, Positional: true, Example: "温县 或 全市", Hint: "默认为本群绑定的单位"},
			{Name: "期间", Aliases: []string{"时间", "period"}, Kind: KText, Positional: true, Example: "本月", Hint: "上台率图的期间，默认为全部"},
		},
		Example: "/图表 温县 本月",
		Perm:    Reader,
		Costly:  true,
		Run:     func(ctx context.Context, c *Call) (*dangke.Reply, error) { return runChart(ctx, c, r) },
	}
}

func runChart(ctx context.Context, c *Call, r *Router) (*dangke.Reply, error) {
	target, periodText, _, err := c.scopeArgs(false, "单位", "期间")
	if err != nil {
		return nil, err
	}
	p, _, err := parsePeriod(periodText, c.Now)
	if err != nil {
		return nil, err
	}
	scope, whole, err := c.scope(ctx, target)
	if err != nil {
		return nil, err
	}
	if scope == nil && !whole {
		return nil, dangke.FieldErrorf("单位", "要写明（本群尚未绑定单位），或写 全市。")
	}
	bars, line, err := chartData(ctx, c, r, scope, p)
	if err != nil {
		return nil, err
	}
	rd, err := r.renderer()
	if err != nil {
		return nil, err
	}
	var files []dangke.File
	name := r.cfg.City
	if scope != nil {
		name = scope.Name
	}
	text := fmt.Sprintf("📈 %s · %s", name, periodTitle(p, c.Now))
	if len(bars.Items) > 0 {
		png, err := rd.Bars(bars)
		if err != nil {
			return nil, err
		}
		files = append(files, dangke.File{Name: name + "-上台率.png", MIME: "image/png", Data: png})
		marked := 0
		for _, it := range bars.Items {
			if it.Mark != "" {
				marked++
			}
		}
		text += fmt.Sprintf("\n上台率图：下级单位 %d 个", len(bars.Items))
		if marked > 0 {
			text += fmt.Sprintf("，其中 %d 个未计入（图中标注原因）", marked)
		}
	} else {
		text += "\n没有下级单位，不画上台率图。"
	}
	png, err := rd.Line(line)
	if err != nil {
		return nil, err
	}
	files = append(files, dangke.File{Name: name + "-每周微党课.png", MIME: "image/png", Data: png})
	total := 0
	for _, pt := range line.Points {
		total += pt.Value
	}
	text += fmt.Sprintf("\n每周微党课图：%d 周，共 %d 次", len(line.Points), total)
	id := int64(0)
	if scope != nil {
		id = scope.ID
	}
	shows, err := c.Store().Shows(ctx, id, p)
	if err != nil {
		return nil, err
	}
	if shows.Demo > 0 {
		png, err := rd.Bars(chart.VenueBars(name+" 示范宣讲（按场所）", periodTitle(p, c.Now), shows))
		if err != nil {
			return nil, err
		}
		files = append(files, dangke.File{Name: name + "-示范宣讲.png", MIME: "image/png", Data: png})
		text += fmt.Sprintf("\n示范宣讲图：共 %d 次", shows.Demo)
	}
	return &dangke.Reply{Text: text, Files: files}, nil
}

// chartData reads what the two charts draw: the coverage of the units
// below scope (nil: the city) over p, and its lectures in each week of the
// campaign so far (of p, when p is given).
func chartData(ctx context.Context, c *Call, r *Router, scope *dangke.Unit, p dangke.Period) (chart.Bars, chart.Line, error) {
	st := c.Store()
	kids, err := dangke.ChildFigures(ctx, st, scope, p)
	if err != nil {
		return chart.Bars{}, chart.Line{}, err
	}
	name, id := r.cfg.City, int64(0)
	if scope != nil {
		name, id = scope.Path, scope.ID
	}
	title := periodTitle(p, c.Now)
	bars := chart.CoverageBars(name+" 各下级单位上台率", title, kids, r.cfg.Campaign.CoverageTarget)
	var weeks []dangke.Period
	for _, w := range chart.CampaignWeeks(r.cfg.Campaign, c.Now) {
		if p.IsZero() || (!w.To.Before(p.From) && !w.From.After(p.To)) {
			weeks = append(weeks, w)
		}
	}
	counts, err := dangke.WeeklyLectures(ctx, st, id, weeks)
	if err != nil {
		return chart.Bars{}, chart.Line{}, err
	}
	line := chart.Line{Title: name + " 每周微党课次数", Subtitle: r.cfg.Campaign.Name + " · " + title}
	for i, w := range weeks {
		line.Points = append(line.Points, chart.Point{Label: chart.WeekLabel(w), Value: counts[i]})
	}
	return bars, line, nil
}
