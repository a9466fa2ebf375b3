package report

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dangke"
)

// The 情况报告 (关于开展微型党课示范宣讲活动的情况报告) that each county's
// propaganda department sends the city by 30 September: the county's
// figures in sentences and a table, the photos, and marked places
// (【请补充：…】) for what only the officer can write. Situation builds its
// content; DOCX (docx.go) lays it out as an official document.

// MaxReportPhotos is how many photos the report carries.
const MaxReportPhotos = 6

// Photo is a picture for the report: an image file on disk and its caption.
type Photo struct {
	Path    string
	Caption string
}

// PhotoSource gives up to max photos of a unit's lectures in a period (the
// zero Period: the whole campaign), best first. It is the hook for the
// attachments kept with lectures (issue 14, items 1–3): until that is
// wired in, the report is made without a PhotoSource and leaves a marked
// place for the photos.
type PhotoSource interface {
	ReportPhotos(ctx context.Context, unit int64, p dangke.Period, max int) ([]Photo, error)
}

// PhotoFunc adapts a function to PhotoSource.
type PhotoFunc func(ctx context.Context, unit int64, p dangke.Period, max int) ([]Photo, error)

// ReportPhotos calls f.
func (f PhotoFunc) ReportPhotos(ctx context.Context, unit int64, p dangke.Period, max int) ([]Photo, error) {
	return f(ctx, unit, p, max)
}

// Block kinds of the report, top to bottom.
const (
	BlockTitle     = "title"
	BlockAddressee = "addressee"
	BlockPara      = "para"
	BlockHeading1  = "h1"
	BlockHeading2  = "h2"
	BlockTable     = "table"
	BlockPhoto     = "photo"
	BlockCaption   = "caption"
	BlockSign      = "sign"
	BlockBlank     = "blank"
)

// Block is one paragraph, table or photo of the report.
type Block struct {
	Kind  string
	Text  string
	Rows  [][]string // a table's rows, the first its header
	Photo int        // a photo's index in Situation.Photos
}

// Situation is the report's content.
type Situation struct {
	Title  string
	Unit   string
	Blocks []Block
	Photos []Photo
	Notes  []string // what the officer should know: photos left out and why
}

// Fill is the marker of a place the officer must write.
func Fill(what string) string { return "【请补充：" + what + "】" }

// SituationTitle is the report's title, as the notice names the report.
const SituationTitle = "关于开展微型党课示范宣讲活动的情况报告"

// topSpeakers is how many of the busiest lecturers the report names.
const topSpeakers = 5

// BuildSituation gathers a county's figures over a period (zero: the whole
// campaign) and writes the report's content; photos may be nil.
func BuildSituation(ctx context.Context, st dangke.Reader, photos PhotoSource, city, notice string, county *dangke.Unit, p dangke.Period, now time.Time) (*Situation, error) {
	f, err := st.Figures(ctx, county.ID, p)
	if err != nil {
		return nil, err
	}
	shows, err := st.Shows(ctx, county.ID, p)
	if err != nil {
		return nil, err
	}
	pool, err := st.PoolSize(ctx, county.ID)
	if err != nil {
		return nil, err
	}
	picks, err := st.CityPool(ctx, county.ID)
	if err != nil {
		return nil, err
	}
	top, err := st.TopSpeakers(ctx, county.ID, p, topSpeakers)
	if err != nil {
		return nil, err
	}
	all, err := st.Excellents(ctx, county.ID, dangke.Period{})
	if err != nil {
		return nil, err
	}
	var excellent []dangke.Excellent
	for _, e := range all {
		if p.IsZero() || (!e.Lecture.Date.Before(p.From) && !e.Lecture.Date.After(p.To)) {
			excellent = append(excellent, e)
		}
	}
	s := &Situation{Title: SituationTitle, Unit: county.Name}
	if photos != nil {
		if s.Photos, err = photos.ReportPhotos(ctx, county.ID, p, MaxReportPhotos); err != nil {
			return nil, err
		}
		if len(s.Photos) > MaxReportPhotos {
			s.Photos = s.Photos[:MaxReportPhotos]
		}
	}
	add := func(kind, text string) { s.Blocks = append(s.Blocks, Block{Kind: kind, Text: text}) }

	when := "活动开展以来"
	if !p.IsZero() {
		when = fmt.Sprintf("%s至%s", cnDate(p.From), cnDate(p.To))
	}
	add(BlockTitle, SituationTitle)
	add(BlockBlank, "")
	add(BlockAddressee, city+"委宣传部：")
	add(BlockPara, fmt.Sprintf("根据%s要求，%s积极组织微型党课优秀宣讲员进机关、进社区、进企业、进农村、进学校，开展示范宣讲活动。现将%s有关情况报告如下。",
		notice, county.Name, when))

	add(BlockHeading1, "一、基本情况")
	add(BlockPara, fmt.Sprintf("%s，全%s共开展微型党课%d次，听课%d人次；%d名党员走上讲台，其中领导干部%d人%s。",
		when, kindWord(county.Name), f.Lectures, f.Attendees, f.Speakers, f.Leaders, coverageClause(f)))
	add(BlockPara, demoSentence(shows)+formSentence(shows))
	add(BlockPara, poolSentence(county.Name, pool, picks))
	s.Blocks = append(s.Blocks, Block{Kind: BlockTable, Rows: figureTable(f, shows, pool)})

	add(BlockHeading1, "二、主要做法")
	add(BlockPara, Fill("组织领导、宣讲内容、情景党课和文艺党课等形式创新、传帮带等主要做法和成效"))

	add(BlockHeading1, "三、示范宣讲骨干和优秀微党课")
	add(BlockHeading2, "（一）讲课较多的宣讲员")
	var names []string
	for _, t := range top {
		if t.Lectures < 2 {
			continue // one lecture each is not "more"
		}
		names = append(names, fmt.Sprintf("%s（%s，%d次）", t.Name, dangke.RelPath(t.UnitPath, county.Path), t.Lectures))
	}
	switch {
	case len(top) == 0:
		add(BlockPara, "暂无讲课记录。")
	case len(names) == 0:
		add(BlockPara, "暂无讲课两次以上的宣讲员。")
	default:
		add(BlockPara, "讲课次数较多的宣讲员有："+strings.Join(names, "、")+"。")
	}
	add(BlockHeading2, "（二）网上微课堂优秀微党课")
	if len(excellent) == 0 {
		add(BlockPara, "暂无评为优秀的微党课。"+Fill("拟推荐到网上微课堂展播的微党课"))
	} else {
		add(BlockPara, fmt.Sprintf("共有%d节微党课评为优秀，在网上微课堂展播：", len(excellent)))
		for i, e := range excellent {
			add(BlockPara, fmt.Sprintf("%d.%s《%s》（%s，%s），%s", i+1, e.Lecture.Speaker, e.Lecture.Title,
				dangke.RelPath(e.Lecture.UnitPath, county.Path), cnDate(e.Lecture.Date), e.Lecture.Link))
		}
	}

	add(BlockHeading1, "四、存在问题和下一步打算")
	add(BlockPara, Fill("存在的问题和不足"))
	add(BlockPara, Fill("下一步工作打算"))

	add(BlockHeading1, "五、活动照片")
	if len(s.Photos) == 0 {
		add(BlockPara, Fill(fmt.Sprintf("示范宣讲活动照片（不超过%d张）及说明", MaxReportPhotos)))
	}
	for i, ph := range s.Photos {
		s.Blocks = append(s.Blocks, Block{Kind: BlockPhoto, Photo: i})
		add(BlockCaption, fmt.Sprintf("图%d  %s", i+1, ph.Caption))
	}

	add(BlockBlank, "")
	add(BlockSign, propagandaDept(county.Name))
	add(BlockSign, cnDate(now))
	return s, nil
}

// cnDate writes a day as official documents do: 2019年9月30日.
func cnDate(t time.Time) string { return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day()) }

// kindWord is how a county names itself: 全县, 全市, 全区.
func kindWord(name string) string {
	for _, k := range []string{"县", "市", "区"} {
		if strings.HasSuffix(name, k) {
			return k
		}
	}
	return "县（市、区）"
}

// propagandaDept is the report's signer: 中共温县县委宣传部, 中共孟州市委宣传部.
func propagandaDept(name string) string {
	if strings.HasSuffix(name, "县") {
		return "中共" + name + "县委宣传部"
	}
	return "中共" + name + "委宣传部"
}

func coverageClause(f dangke.Figures) string {
	pct, ok := f.Coverage()
	if !ok {
		return "（党员数未填齐，上台率" + Fill("上台率") + "）"
	}
	if n := f.Unset.N + f.Over.N; n > 0 {
		// As /统计 and 附件1 say it: the units left out are not in the rate.
		return fmt.Sprintf("，党员上台率%s%%（%d个单位党员数未填或少于讲课人数，未计入）", pct, n)
	}
	return fmt.Sprintf("，党员上台率%s%%", pct)
}

func demoSentence(s dangke.Shows) string {
	if s.Demo == 0 {
		return "示范宣讲方面，" + Fill("示范宣讲开展情况") + "。"
	}
	var parts []string
	for _, v := range dangke.Venues {
		if n := s.ByVenue[v]; n > 0 {
			parts = append(parts, fmt.Sprintf("进%s%d次", v, n))
		}
	}
	if n := s.ByVenue[""]; n > 0 {
		parts = append(parts, fmt.Sprintf("其他%d次", n))
	}
	return fmt.Sprintf("示范宣讲方面，优秀宣讲员开展示范宣讲%d次，其中%s。", s.Demo, strings.Join(parts, "、"))
}

func formSentence(s dangke.Shows) string {
	return fmt.Sprintf("从形式看，普通党课%d次、情景党课%d次、文艺党课%d次。", s.ByForm["普通"], s.ByForm["情景"], s.ByForm["文艺"])
}

func poolSentence(county string, pool int, picks []dangke.CityPick) string {
	var b strings.Builder
	fmt.Fprintf(&b, "师资库建设方面，%s微型党课宣讲师资库现有宣讲员%d人", county, pool)
	if pool >= dangke.PoolTarget {
		fmt.Fprintf(&b, "，达到%d人以上的要求", dangke.PoolTarget)
	} else {
		fmt.Fprintf(&b, "，距%d人的要求还差%d人", dangke.PoolTarget, dangke.PoolTarget-pool)
	}
	selected := 0
	for _, p := range picks {
		if p.Status == dangke.PickSelected {
			selected++
		}
	}
	if len(picks) > 0 {
		fmt.Fprintf(&b, "；向市级师资库推荐%d人，入选%d人", len(picks), selected)
	}
	b.WriteString("。")
	return b.String()
}

// figureTable is the report's table: item, figure.
func figureTable(f dangke.Figures, s dangke.Shows, pool int) [][]string {
	rows := [][]string{{"项目", "数量"}}
	row := func(name string, n int, unit string) {
		rows = append(rows, []string{name, fmt.Sprintf("%d%s", n, unit)})
	}
	row("微型党课", f.Lectures, "次")
	row("其中：示范宣讲", s.Demo, "次")
	for _, v := range dangke.Venues {
		row("　　进"+v, s.ByVenue[v], "次")
	}
	for _, form := range dangke.Forms {
		row(form+"党课", s.ByForm[form], "次")
	}
	row("听课", f.Attendees, "人次")
	row("上台党员", f.Speakers, "人")
	row("其中：领导干部", f.Leaders, "人")
	rows = append(rows, []string{"师资库宣讲员", fmt.Sprintf("%d人（目标%d人）", pool, dangke.PoolTarget)})
	return rows
}

// Text is the report as plain text, one block a line: for the golden test
// and for a chat preview.
func (s *Situation) Text() string {
	var b strings.Builder
	for _, bl := range s.Blocks {
		switch bl.Kind {
		case BlockTable:
			for _, r := range bl.Rows {
				b.WriteString("| " + strings.Join(r, " | ") + " |\n")
			}
		case BlockPhoto:
			fmt.Fprintf(&b, "[照片：%s]\n", s.Photos[bl.Photo].Path)
		case BlockPara:
			b.WriteString("　　" + bl.Text + "\n")
		default:
			b.WriteString(bl.Text + "\n")
		}
	}
	return b.String()
}
