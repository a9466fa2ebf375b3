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

// TestCampaignDates checks rule 3 of issue 11 after the 2019 campaign has
// ended: a date without a year is placed in the campaign (12月20日 typed in
// January 2020 is 2019-12-20), a date outside it is refused naming the
// campaign's dates unless accept_outside, and /帮助 says the campaign has
// ended; before it begins /帮助 says so too.
func TestCampaignDates(t *testing.T) {
	ctx := context.Background()
	for _, accept := range []bool{false, true} {
		st, err := store.Open(ctx, template.Fresh(t, "c.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		now := time.Date(2020, 1, 6, 10, 0, 0, 0, shanghai)
		k := dangke.DefaultCampaign(shanghai)
		k.AcceptOutside = accept
		r := commands.New(st, commands.Config{Admins: []string{"c:admin"}, Location: shanghai, Campaign: k, Now: func() time.Time { return now }})
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
		if got := send("/党课 张三 党员 《我和我的祖国》 12月20日 45人"); !strings.Contains(got, "日期：2019-12-20") {
			t.Errorf("12月20日 in January 2020: %s", got)
		}
		got := send("/党课 李四 党员 《我和我的祖国》 1月3日 45人")
		if accept && !strings.Contains(got, "日期：2020-01-03") {
			t.Errorf("accept_outside: %s", got)
		}
		if !accept && !strings.Contains(got, "不在活动期间（2019-06-01 至 2019-12-31）") {
			t.Errorf("outside the campaign: %s", got)
		}
		if help := send("/帮助"); !strings.Contains(help, "已于 2019-12-31 结束") {
			t.Errorf("/帮助 after the campaign: %s", help)
		}
		now = time.Date(2019, 5, 20, 10, 0, 0, 0, shanghai)
		if help := send("/帮助"); !strings.Contains(help, "尚未开始（2019-06-01 至 2019-12-31）") {
			t.Errorf("/帮助 before the campaign: %s", help)
		}
		now = time.Date(2019, 7, 10, 10, 0, 0, 0, shanghai)
		if help := send("/帮助"); strings.Contains(help, "⚠️") {
			t.Errorf("/帮助 during the campaign: %s", help)
		}
	}
}
