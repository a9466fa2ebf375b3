package web_test

import (
	"context"
	"io"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/commands"
	"dangke/digest"
	"dangke/store"
	"dangke/web"
)

var cst = time.FixedZone("CST", 8*3600)

// now is the test's clock: a Wednesday in the 2019 campaign.
var now = time.Date(2019, 7, 24, 10, 0, 0, 0, cst)

// site is a small city with a dashboard, its links and the bot's router.
type site struct {
	st     *store.Store
	links  *web.Links
	router *commands.Router
	srv    *httptest.Server
	dash   *web.Dashboard
	clock  time.Time
}

func newSite(t testing.TB) *site {
	t.Helper()
	s := &site{st: openStore(t), clock: now}
	campaign := dangke.DefaultCampaign(cst)
	campaign.CoverageTarget = 25
	s.links = &web.Links{Secret: []byte("0123456789abcdef0123456789abcdef"), TTL: 7 * 24 * time.Hour, Store: s.st}
	d, err := web.NewDashboard(web.Dashboard{Store: s.st, Links: s.links, Campaign: campaign, City: "焦作市", Rubric: dangke.DefaultRubric(),
		Now: func() time.Time { return s.clock }})
	if err != nil {
		t.Fatal(err)
	}
	s.dash = d
	s.srv = httptest.NewServer(d.Handler())
	t.Cleanup(s.srv.Close)
	s.links.PublicURL = s.srv.URL
	s.router = commands.New(s.st, commands.Config{Admins: []string{"t:admin"}, Location: cst, City: "焦作市", Campaign: campaign,
		Now: func() time.Time { return s.clock }, Dashboard: s.links})
	return s
}

// say sends text as who in chat and returns the reply's text.
func (s *site) say(t testing.TB, chat, who, text string) string {
	t.Helper()
	rep, err := s.router.Handle(context.Background(), dangke.Request{Chat: dangke.ChatRef{Platform: "t", ID: chat, Group: true},
		From: dangke.Person{Platform: "t", ID: who}, Text: text, Time: s.clock})
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	if rep == nil {
		return ""
	}
	return rep.Text
}

// fill builds the units and lectures the dashboard tests look at.
func (s *site) fill(t testing.TB) {
	for _, u := range []string{"温县/城关镇/第一党支部 10", "温县/城关镇/第二党支部 20", "温县/番田镇/第一党支部", "温县/黄庄镇/第一党支部 8",
		"孟州市/机关党支部 5", "市委市直机关工委/市委办公室党支部"} {
		s.say(t, "admin", "admin", "/单位 新增 "+u)
	}
	s.say(t, "city", "admin", "/单位 绑定 全市")
	s.say(t, "g1", "admin", "/单位 绑定 温县")
	s.say(t, "b1", "admin", "/单位 绑定 温县/城关镇/第一党支部")
	for _, l := range []string{
		"张三 支部书记 《我和我的祖国》 2019-06-03 40 链接=https://v.example.org/1",
		"李四 党员 《初心》 2019-07-09 20",
		"王五 党员 《使命》 2019-07-16 25 单位=温县/番田镇/第一党支部",
		"赵六 党员 《家乡》 2019-07-22 12 单位=孟州市/机关党支部",
		"钱七 党员 《奋斗》 2019-07-23 30 单位=温县/城关镇/第二党支部",
	} {
		s.say(t, "b1", "admin", "/党课 "+l)
	}
}

// link asks the bot for a link in chat and returns its address.
func (s *site) link(t testing.TB, chat string) string {
	t.Helper()
	text := s.say(t, chat, "admin", "/看板")
	u := regexp.MustCompile(`http://\S+`).FindString(text)
	if u == "" {
		t.Fatalf("/看板 gave no link: %s", text)
	}
	return u
}

func fetch(t testing.TB, url string) (int, string) {
	t.Helper()
	resp, err := httpGet(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDashboardPages(t *testing.T) {
	s := newSite(t)
	s.fill(t)
	county := s.link(t, "g1")
	code, body := fetch(t, county)
	if code != 200 {
		t.Fatalf("county page: %d", code)
	}
	// The headline figures are /统计's.
	stats := s.say(t, "g1", "admin", "/统计")
	for k, want := range map[string]string{"lectures": "微党课 (\\d+) 次", "speakers": "讲课人 (\\d+) 人", "attendees": "听课 (\\d+) 人次",
		"coverage": "上台率 ([\\d.]+%)", "leaders": "领导干部上台 (\\d+) 人", "week": "本周 (\\d+) 次", "lastweek": "上周 (\\d+) 次"} {
		m := regexp.MustCompile(want).FindStringSubmatch(stats)
		if m == nil {
			t.Fatalf("/统计 has no %s:\n%s", want, stats)
		}
		if !strings.Contains(body, `data-k="`+k+`">`+m[1]+`<`) {
			t.Errorf("page's %s is not /统计's %s", k, m[1])
		}
	}
	// Coverage by child unit, the marked one, the down-the-tree links; idle units; deadlines; lectures.
	for _, want := range []string{"城关镇", "番田镇", "※ 未填党员数", "黄庄镇", "?u=", "尚无微党课的下级单位", "黄庄镇", "报送活动统计表（附件1）", "《使命》", "https://v.example.org/1", "目标上台率 25%"} {
		if !strings.Contains(body, want) {
			t.Errorf("county page lacks %q", want)
		}
	}
	if strings.Contains(body, "孟州市") {
		t.Error("the county's page shows another county")
	}
	// Never a phone number or a birth month; no script; no outside address.
	if m := regexp.MustCompile(`1[3-9]\d{9}|\d{4}-\d{2}(?:[^-\d]|$)`).FindString(body); m != "" {
		t.Errorf("page shows %q", m)
	}
	for _, bad := range []string{"<script", "//cdn", "fonts.googleapis", "@import"} {
		if strings.Contains(body, bad) {
			t.Errorf("page has %q", bad)
		}
	}
	if len(body) > 500<<10 {
		t.Errorf("page weight %d bytes", len(body))
	}
	// Down the tree: a town of the county.
	town := regexp.MustCompile(`href="([^"/]+\?u=\d+)">城关镇<`).FindStringSubmatch(body)
	if town == nil {
		t.Fatal("no link to 城关镇")
	}
	code, tb := fetch(t, s.srv.URL+"/d/"+strings.ReplaceAll(town[1], "&amp;", "&"))
	if code != 200 || !strings.Contains(tb, "温县/城关镇 微党课看板") || !strings.Contains(tb, "第二党支部") {
		t.Fatalf("town page: %d", code)
	}
	// Outside the link's subtree: refused.
	mz, err := s.st.UnitByPath(context.Background(), "孟州市")
	if err != nil {
		t.Fatal(err)
	}
	if code, page := fetch(t, county+"?u="+itoa(mz.ID)); code != 403 || !strings.Contains(page, "/看板") {
		t.Errorf("another county through a county's link: %d", code)
	}
	// Projector mode refreshes every minute.
	if _, page := fetch(t, county+"?screen=1"); !strings.Contains(page, `http-equiv="refresh" content="60"`) || !strings.Contains(page, `class="screen"`) {
		t.Error("projector mode")
	}
	// The city's link shows every reporting unit.
	if _, page := fetch(t, s.link(t, "city")); !strings.Contains(page, "孟州市") || !strings.Contains(page, "焦作市 微党课看板") {
		t.Error("city page")
	}
}

func itoa(n int64) string { return formatInt(n) }

func TestDashboardRefusals(t *testing.T) {
	s := newSite(t)
	s.fill(t)
	county := s.link(t, "g1")
	base, token, _ := strings.Cut(county, "/d/")
	payload, sig, _ := strings.Cut(token, ".")
	for name, url := range map[string]string{
		"forged signature": base + "/d/" + payload + "." + strings.Repeat("A", len(sig)),
		"other payload":    base + "/d/" + "eyJ1IjowLCJjIjoidDpnMSIsImkiOjAsImUiOjk5OTk5OTk5OTl9" + "." + sig,
		"no signature":     base + "/d/" + payload,
		"garbage":          base + "/d/%3Cscript%3E",
	} {
		if code, page := fetch(t, url); code != 403 || !strings.Contains(page, "发送 <b>/看板</b> 获取新链接") {
			t.Errorf("%s: %d", name, code)
		}
	}
	// Expired after web.link_ttl.
	s.clock = now.Add(7*24*time.Hour + time.Second)
	if code, _ := fetch(t, county); code != 403 {
		t.Errorf("expired link: %d", code)
	}
	s.clock = now.Add(time.Hour)
	if code, _ := fetch(t, county); code != 200 {
		t.Errorf("link within its ttl: %d", code)
	}
	// /看板 作废: only the unit's admins; then the chat's links are void, another chat's are not.
	city := s.link(t, "city")
	if text := s.say(t, "g1", "someone", "/看板 作废"); !strings.Contains(text, "只有本单位的管理员") {
		t.Errorf("a member revoked: %s", text)
	}
	if text := s.say(t, "g1", "admin", "/看板 作废"); !strings.Contains(text, "已全部作废") {
		t.Fatalf("revoke: %s", text)
	}
	if code, _ := fetch(t, county); code != 403 {
		t.Errorf("revoked link: %d", code)
	}
	if code, _ := fetch(t, city); code != 200 {
		t.Errorf("another chat's link after a revocation: %d", code)
	}
	s.clock = s.clock.Add(time.Second)
	if code, _ := fetch(t, s.link(t, "g1")); code != 200 {
		t.Errorf("a new link after the revocation: %d", code)
	}
	// A chat bound to nothing gets no link; an unknown word is refused with an example.
	if text := s.say(t, "loose", "admin", "/看板"); !strings.Contains(text, "尚未绑定单位") {
		t.Errorf("unbound chat: %s", text)
	}
	if text := s.say(t, "g1", "admin", "/看板 删除"); !strings.Contains(text, "只能是 作废") {
		t.Errorf("bad word: %s", text)
	}
	if code, _ := fetch(t, base+"/"); code != 404 {
		t.Errorf("root: %d", code)
	}
}

// Without web.listen, /看板 says how to turn it on.
func TestDashboardOff(t *testing.T) {
	st := openStore(t)
	r := commands.New(st, commands.Config{Admins: []string{"t:admin"}, Location: cst, Now: func() time.Time { return now }})
	rep, err := r.Handle(context.Background(), dangke.Request{Chat: dangke.ChatRef{Platform: "t", ID: "c", Group: true}, From: dangke.Person{Platform: "t", ID: "admin"}, Text: "/看板", Time: now})
	if err != nil || !strings.Contains(rep.Text, "web.listen") {
		t.Fatalf("%v %v", rep, err)
	}
}

// Each deadline shows what the unit's subtree still lacks for it, in the
// digest's own words (digest.Snapshot.Gaps): the contest's missing
// contestants say the same on the page as in the digest's reminder, the
// 附件1 line names the branches without a lecture or a member count, and a
// passed deadline shows nothing missing.
func TestDashboardMissing(t *testing.T) {
	s := newSite(t)
	s.fill(t)
	link := s.link(t, "g1")
	// The first page does not wait for the snapshot: it says it is coming.
	code, body := fetch(t, link)
	if code != 200 || !strings.Contains(body, "各节点尚缺的情况正在统计") || strings.Contains(body, "尚缺：") {
		t.Fatalf("first county page: %d\n%s", code, body)
	}
	for deadline := time.Now().Add(10 * time.Second); strings.Contains(body, "正在统计"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the snapshot was never read")
		}
		_, body = fetch(t, link)
	}
	ctx := context.Background()
	county, err := s.st.UnitByPath(ctx, "温县")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := digest.Collect(ctx, s.st, dangke.DefaultCampaign(cst), "焦作市", dangke.DefaultRubric(), dangke.Week(now), now)
	if err != nil {
		t.Fatal(err)
	}
	gaps := snap.Gaps(county)
	text := snap.Build(county, false).Text
	want := map[string]string{
		"报送师资库统计表（附件2）":   "", // passed on 30 June
		"全市十佳宣讲员比赛（8月上旬）": "参赛选手未报满：温县（0/",
		"报送活动统计表（附件1）":    "党员数未设置的党支部：番田镇/第一党支部",
		"报送示范宣讲活动情况报告":    "请按时报送。",
	}
	for _, g := range gaps {
		w, ok := want[g.Deadline.Name]
		if !ok {
			t.Fatalf("unexpected deadline %q", g.Deadline.Name)
		}
		if w == "" {
			if strings.Contains(body, "尚缺："+g.Missing) && g.Missing != "" {
				t.Errorf("a passed deadline shows what is missing: %s", g.Missing)
			}
			continue
		}
		if !strings.Contains(g.Missing, w) {
			t.Errorf("%s: the digest's gap is %q, want it to name %q", g.Deadline.Name, g.Missing, w)
		}
		if !strings.Contains(body, "尚缺："+g.Missing) {
			t.Errorf("%s: the page lacks the digest's %q", g.Deadline.Name, g.Missing)
		}
	}
	// Within the reminder window the digest says the same words.
	if !strings.Contains(text, "距「全市十佳宣讲员比赛（8月上旬）」还有 12 天："+gaps[1].Missing) {
		t.Errorf("the digest's reminder differs from the page:\n%s", text)
	}
	// The city's page names every county short of contestants.
	if _, page := fetch(t, s.link(t, "city")); !strings.Contains(page, "参赛选手未报满：") || !strings.Contains(page, "孟州市（0/") {
		t.Error("the city's page lacks the contest's missing entries")
	}
}

// A page never waits for the deadlines' snapshot once it has one: over five
// minutes old, the page shows the one in hand and has it read again, and a
// later page shows what changed.
func TestDashboardMissingRefreshed(t *testing.T) {
	s := newSite(t)
	s.fill(t)
	s.dash.Warm(context.Background())
	county := s.link(t, "g1")
	const never = "1 个党支部还没有开展微党课"
	if _, body := fetch(t, county); !strings.Contains(body, never) {
		t.Fatal("黄庄镇's branch is not missing")
	}
	s.say(t, "b1", "admin", "/党课 孙八 党员 《初心》 2019-07-24 15 单位=温县/黄庄镇/第一党支部")
	if _, body := fetch(t, county); !strings.Contains(body, never) {
		t.Fatal("a fresh snapshot was read again")
	}
	s.clock = s.clock.Add(6 * time.Minute)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, body := fetch(t, county)
		if !strings.Contains(body, never) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the snapshot was never read again")
		}
	}
}

// TestDashboardExcellent: the page lists its subtree's excellent lectures
// (the 网上微课堂) with their links and reasons, and no other county's.
func TestDashboardExcellent(t *testing.T) {
	s := newSite(t)
	s.fill(t)
	s.say(t, "b1", "admin", "/党课 孙八 党员 《家风》 2019-07-24 18 单位=孟州市/机关党支部 链接=https://v.example.org/8")
	county := s.link(t, "g1")
	if _, body := fetch(t, county); !strings.Contains(body, "还没有评出优秀微党课") {
		t.Error("no excellent lecture yet: the page should say so")
	}
	if got := s.say(t, "b1", "admin", "/优秀 #1 主题鲜明、联系实际"); !strings.Contains(got, "#1") {
		t.Fatalf("/优秀: %s", got)
	}
	if got := s.say(t, "b1", "admin", "/优秀 #6"); !strings.Contains(got, "#6") {
		t.Fatalf("/优秀: %s", got)
	}
	_, body := fetch(t, county)
	i := strings.Index(body, `id="excellent"`)
	if i < 0 {
		t.Fatal("no 网上微课堂 section")
	}
	section := body[i:]
	for _, want := range []string{"优秀微党课 1 节", "《我和我的祖国》", "https://v.example.org/1", "主题鲜明、联系实际"} {
		if !strings.Contains(section, want) {
			t.Errorf("the county's 网上微课堂 lacks %q", want)
		}
	}
	if strings.Contains(section, "《家风》") {
		t.Error("the county's page lists another county's excellent lecture")
	}
	if _, page := fetch(t, s.link(t, "city")); !strings.Contains(page, "优秀微党课 2 节") || !strings.Contains(page, "《家风》") {
		t.Error("the city's page lacks the excellent lectures")
	}
}
