// Package chart draws the campaign's figures as PNG pictures for the chat
// and the dashboard: coverage by child unit as horizontal bars (sorted, the
// coverage target drawn as a line, units whose coverage cannot be computed
// marked with the reason instead of a bar) and lectures per week as a line.
//
// The package is pure: Bars and Line values are built from figures by plain
// functions (golden-tested as text, see Bars.String), and a Renderer turns
// them into PNG bytes without touching the network or the disk.
//
// Why no chart library: the pictures are two fixed layouts, and what matters
// is that every Chinese name is drawn right on a phone. go-analyze/charts
// draws text through golang/freetype, which reads TrueType outlines only,
// not the CFF outlines of Noto Sans CJK, and gonum/plot brings a plotting
// framework (axes, tick marks, vg backends) for two layouts it would not
// place the way a phone needs (long unit names left of the bars, the reason
// written where a bar would be). So the shapes are drawn with the Go team's
// maintained golang.org/x/image: sfnt/opentype for the font (TrueType and
// CFF alike), vector for anti-aliased lines, draw for fills, then
// image/png. That keeps the binary static and CGO-free, with one
// dependency that excelize already brings.
//
// The font is a subset of Noto Sans CJK SC Regular (SIL Open Font License
// 1.1, font/LICENSE; renamed, as the licence asks of a modified version):
// ASCII, all of GB2312 and the name characters in font/extra.txt, about
// 1.5 MB, rebuilt by scripts/font-subset.sh. A character the subset lacks
// is looked up in the font file of the chart.font setting (say a full
// system CJK font), then in the embedded Go Regular font (Latin, Greek,
// Cyrillic beyond GB2312), and drawn as 〓 (the typesetter's mark for a
// missing character) only when none has it; Missing tells which characters
// of a text would come out so.
package chart
