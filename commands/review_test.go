package commands_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/commands"
	"dangke/store"
)

// TestEntryReview holds the defects an official's trial of /党课 found
// (issue 11 review), each a row that failed before its fix: relative days
// counted from today, not moved into the campaign's year; a weekday and a
// refusal quoting the year a yearless date is placed in; a month without a
// year read in the campaign; a title never put in 职务 by position; a
// trailing 。; a hedge word kept out of the title; /帮助 with a subcommand.
// Today is Sunday 2026-11-29.
func TestEntryReview(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, shanghai)
	y2019 := dangke.DefaultCampaign(shanghai)
	y2026 := y2019
	y2026.Start = time.Date(2026, 9, 1, 0, 0, 0, 0, shanghai)
	y2026.End = time.Date(2026, 12, 31, 0, 0, 0, 0, shanghai)
	y2026.Deadlines = nil
	y2020 := y2026
	y2020.Start = time.Date(2020, 1, 1, 0, 0, 0, 0, shanghai)
	y2020.End = time.Date(2020, 12, 31, 0, 0, 0, 0, shanghai)
	for _, tc := range []struct {
		name     string
		campaign dangke.Campaign
		send     []string // the last reply is checked
		want     []string
		not      []string
	}{
		{"今天 outside the 2019 campaign", y2019, []string{"/党课 乙三 党员 《乙三》 今天 20人"},
			[]string{"「今天」（2026-11-29）不在活动期间（2019-06-01 至 2019-12-31）"}, []string{"已登记"}},
		{"昨天", y2019, []string{"/党课 乙三 党员 《乙三》 昨天 20人"}, []string{"（2026-11-28）不在活动期间"}, []string{"已登记"}},
		{"前天", y2019, []string{"/党课 乙三 党员 《乙三》 前天 20人"}, []string{"（2026-11-27）不在活动期间"}, []string{"已登记"}},
		{"上周五", y2019, []string{"/党课 乙三 党员 《乙三》 上周五 20人"}, []string{"（2026-11-20）不在活动期间"}, []string{"已登记"}},
		{"今天 in a sentence", y2019, []string{"/党课 今天支部书记滕丽讲了一堂微党课题目是党员的样子来了41人"},
			[]string{"「今天」（2026-11-29）不在活动期间", "请发送讲课日期"}, []string{"讲课日期讲课日期", "已登记"}},
		{"今天 in the 2026 campaign", y2026, []string{"/党课 乙三 党员 《乙三》 今天 20人"}, []string{"日期：2026-11-29"}, nil},
		{"上周五 in the 2026 campaign", y2026, []string{"/党课 乙三 党员 《乙三》 上周五 20人"}, []string{"日期：2026-11-20"}, nil},
		{"7月1日 before the 2026 campaign", y2026, []string{"/党课 乙三 党员 《乙三》 7月1日 20人"},
			[]string{"「7月1日」（2026-07-01）不在活动期间（2026-09-01 至 2026-12-31）"}, nil},
		{"weekday on the placed year", y2019, []string{"/党课 王五 党员 《七月》 7月31日（周三） 20人"}, []string{"日期：2019-07-31"}, nil},
		{"wrong weekday on the placed year", y2019, []string{"/党课 王五 党员 《七月》 7月31日（周五） 20人"}, []string{"2019-07-31 是周三"}, nil},
		{"2月29日 in a leap year's campaign", y2020, []string{"/党课 王六 党员 《二月》 2月29日 20人"}, []string{"日期：2020-02-29"}, nil},
		{"refusal quotes the placed year", y2019, []string{"/党课 王六 党员 《五月》 5月20日 20人"}, []string{"「5月20日」（2019-05-20）不在活动期间"}, nil},
		{"/统计 7月 in the campaign", y2019, []string{"/统计 7月"}, []string{"2019年7月"}, nil},
		{"/统计 7.1~7.31 in the campaign", y2019, []string{"/统计 7.1~7.31"}, []string{"2019-07-01至2019-07-31"}, nil},
		{"/导出 附件1 7月", y2019, []string{"/党课 丁一 党员 《七月的课》 2019-07-08 30人", "/导出 附件1 7月 csv"}, []string{"已生成（1 行）"}, nil},
		{"title where the post goes", y2019, []string{"/党课 学习贯彻党的二十大精神 马建 11月17日 30人"},
			[]string{"我读到的：讲课人=马建，题目=学习贯彻党的二十大精神，日期=2019-11-17，听课人数=30。", "请发送职务"}, nil},
		{"then the post", y2019, []string{"/党课 学习贯彻党的二十大精神 马建 11月17日 30人", "组织委员"},
			[]string{"讲课人：马建（组织委员）", "题目：《学习贯彻党的二十大精神》"}, nil},
		{"title-like value with the title given", y2019, []string{"/党课 严冬 《不忘初心》 牢记使命 11月6日 30人"},
			[]string{"「牢记使命」不像职务", "请发送职务"}, []string{"已登记"}},
		{"a trailing full stop", y2019, []string{"/党课　陶丽，组织委员，《党员的样子》，１１月２８日，３０人。"}, []string{"听课：30 人"}, nil},
		{"a trailing ！ in an answer", y2019, []string{"/党课 陶丽 组织委员 《党员的样子》 11月28日", "30人！"}, []string{"听课：30 人"}, nil},
		{"a hedge before the count", y2019, []string{"/党课 前天支部书记滕丽讲了一堂微党课题目是党员的样子大概三十来人参加"},
			[]string{"题目=党员的样子。"}, []string{"大概"}},
		{"a hedge glued to a title and a count", y2019, []string{"/党课 滕丽 支部书记 党员的样子大概30人 11月5日"}, []string{"题目：《党员的样子》"}, nil},
		{"/帮助 with a subcommand", y2019, []string{"/帮助 角色 授予"}, []string{"/角色 授予（/role grant）"}, []string{"多出了", "/角色 撤销"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := store.Open(ctx, template.Fresh(t, "r.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			r := commands.New(st, commands.Config{Admins: []string{"c:admin"}, Location: shanghai, Campaign: tc.campaign,
				PromptTimeout: time.Hour, Now: func() time.Time { return now }})
			chat := dangke.ChatRef{Platform: "c", ID: "g", Group: true}
			send := func(text string) string {
				reply, err := r.Handle(ctx, dangke.Request{Chat: chat, From: dangke.Person{Platform: "c", ID: "admin"}, Text: text, Time: now})
				if err != nil {
					t.Fatal(err)
				}
				return reply.Text
			}
			send("/单位 新增 温县/城关镇/第一党支部 45")
			send("/单位 绑定 温县/城关镇/第一党支部")
			var got string
			for _, m := range tc.send {
				got = send(m)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("want %q in:\n%s", w, got)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(got, w) {
					t.Errorf("do not want %q in:\n%s", w, got)
				}
			}
		})
	}
}
