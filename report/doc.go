// Package report makes the notice's official forms — 附件1 微型党课系列活动统计表
// and 附件2 微型党课宣讲员师资库统计表 — as spreadsheets laid out like the
// printed forms (XLSX through github.com/xuri/excelize/v2) or as plain CSV,
// and reads the rosters offices already keep (units, member counts,
// lecturer pools) from XLSX or CSV for import.
package report
