package commands

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var now = time.Date(2019, 7, 10, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)) // a Wednesday

func TestParseDate(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2019-07-01", "2019-07-01"},
		{"2019/7/1", "2019-07-01"},
		{"2019.7.1", "2019-07-01"},
		{"20190701", "2019-07-01"},
		{"7月1日", "2019-07-01"},
		{"7月1号", "2019-07-01"},
		{"2019年7月1日", "2019-07-01"},
		{"７月１日", "2019-07-01"},
		{"7-1", "2019-07-01"},
		{"今天", "2019-07-10"},
		{"昨天", "2019-07-09"},
		{"前天", "2019-07-08"},
		{"上周五", "2019-07-05"},
		{"上周日", "2019-07-07"},
		{"周一", "2019-07-08"},
		{"星期二", "2019-07-09"},
		{"本周三", "2019-07-10"},
		{"七月一日", "2019-07-01"},
		{"二〇一九年八月十日", "2019-08-10"},
		{"7.1", "2019-07-01"},
		{"7/1", "2019-07-01"},
		{"19.7.8", "2019-07-08"},
		{"6月27曰", "2019-06-27"},
		{"七一", "2019-07-01"},
		{"昨晚", "2019-07-09"},
		{"上个礼拜六", "2019-07-06"},
		{"这周三", "2019-07-10"},
		{"7月31日（周三）", "2019-07-31"},
		{"2019年7月19日上午", "2019-07-19"},
	} {
		got, err := parseDate("讲课日期", tc.in, now)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got.Format("2006-01-02") != tc.want {
			t.Errorf("%q = %s, want %s", tc.in, got.Format("2006-01-02"), tc.want)
		}
	}
	for _, bad := range []string{"", "明天", "2019-02-30", "2019-13-01", "周五", "28号", "6月31日", "7月30日（周三）", "去年七一", "2019-07", "1/2/3/4", "abc", "2019-7-1-1"} {
		if _, err := parseDate("讲课日期", bad, now); err == nil {
			t.Errorf("%q: no error", bad)
		} else if !strings.HasPrefix(err.Error(), "讲课日期") {
			t.Errorf("%q: message %q does not name the field", bad, err)
		}
	}
}

func TestParseCount(t *testing.T) {
	for in, want := range map[string]int{"45": 45, "45人": 45, "４５": 45, "45 人": 45, "30分钟": 30, "1,200人次": 1200, "-3": -3} {
		got, err := parseCount("听课人数", in)
		if err != nil || got != want {
			t.Errorf("%q = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "四十五", "45.5", "1e3", "9999999999"} {
		if _, err := parseCount("听课人数", bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseYearMonth(t *testing.T) {
	for in, want := range map[string][2]int{"1985-03": {1985, 3}, "1985.3": {1985, 3}, "1985/03": {1985, 3}, "198503": {1985, 3}, "1985年3月": {1985, 3}, "１９８５－０３": {1985, 3}} {
		y, m, err := parseYearMonth("出生年月", in)
		if err != nil || y != want[0] || m != want[1] {
			t.Errorf("%q = %d-%d, %v", in, y, m, err)
		}
	}
	for _, bad := range []string{"85-03", "1985", "1985-003", "八五年三月"} {
		if _, _, err := parseYearMonth("出生年月", bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// kv is a token's key and value.
type kv struct{ Key, Value string }

func TestTokenize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []kv
	}{
		{"张三 支部书记 《我和我的祖国》 7月1日 45人", []kv{{"", "张三"}, {"", "支部书记"}, {"", "我和我的祖国"}, {"", "7月1日"}, {"", "45人"}}},
		{"张三，支部书记、“我 和 我的祖国”；45", []kv{{"", "张三"}, {"", "支部书记"}, {"", "我 和 我的祖国"}, {"", "45"}}},
		{"讲课人=张三 题目：《新时代，新征程》", []kv{{"讲课人", "张三"}, {"题目", "新时代，新征程"}}},
		{"讲课人＝张三　职务：书记", []kv{{"讲课人", "张三"}, {"职务", "书记"}}},
		{"链接=https://a.b/c?x=1", []kv{{"链接", "https://a.b/c?x=1"}}},
		{"dingtalk:manager123 温县", []kv{{"", "dingtalk:manager123"}, {"", "温县"}}},
		{"speaker=Tom 10:30", []kv{{"speaker", "Tom"}, {"", "10:30"}}},
		{"「题目」 '撇号' O'Brien", []kv{{"", "题目"}, {"", "'撇号'"}, {"", "O'Brien"}}},
		{"毛红亮支部书记《不忘初心》7月8日", []kv{{"", "毛红亮支部书记"}, {"", "不忘初心"}, {"", "7月8日"}}},
		{"", nil},
	} {
		got, err := tokenize(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("%q = %v, want %q", tc.in, got, tc.want)
			continue
		}
		for i := range got {
			if (kv{got[i].Key, got[i].Value}) != tc.want[i] {
				t.Errorf("%q token %d = %v, want %q", tc.in, i, got[i], tc.want[i])
			}
		}
	}
	if _, err := tokenize("《未闭合"); err == nil {
		t.Error("an unclosed quote is accepted")
	}
}

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		d    int
	}{{"stats", "stats", 0}, {"stast", "stats", 1}, {"党客", "党课", 1}, {"", "abc", 3}, {"undo", "list", 4}} {
		if got := distance(tc.a, tc.b); got != tc.d {
			t.Errorf("distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.d)
		}
	}
}

// FuzzArgs checks that no input makes the argument parser panic, and that
// every token it returns is valid UTF-8 text with no separator left inside
// an unquoted value.
func FuzzArgs(f *testing.F) {
	for _, s := range []string{
		"张三 支部书记 《我和我的祖国》 7月1日 45人",
		"讲课人=张三，题目：“初心” 日期=昨天 满意=40/42",
		"《", "=", "：：", "a=b=c", "\x00\xff", "上周五 ４５人 1985-03",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tokens, err := tokenize(s)
		if err != nil {
			return
		}
		for _, tk := range tokens {
			if utf8.ValidString(s) && (!utf8.ValidString(tk.Key) || !utf8.ValidString(tk.Value)) {
				t.Fatalf("%q: invalid UTF-8 in %v", s, tk)
			}
			if strings.ContainsAny(tk.Key, " ,，、;；") {
				t.Fatalf("%q: separator inside key %q", s, tk.Key)
			}
		}
		// The readers of each kind never panic on any token.
		for _, tk := range tokens {
			_, _ = parseDate("日期", tk.Value, now)
			_, _ = parseCount("人数", tk.Value)
			_, _, _ = parseRatio("满意", tk.Value)
			_, _, _ = parseYearMonth("出生年月", tk.Value)
			_, _ = parseBool("领导", tk.Value)
			_ = unquote(tk.Value)
		}
	})
}

// FuzzBind checks that no message makes the binder of /党课 or /宣讲员
// panic, whatever shapes it mixes, and that a date it keeps is one day.
func FuzzBind(f *testing.F) {
	for _, s := range []string{
		"张三 支部书记 《我和我的祖国》 7月1日 45人",
		"毛红亮支部书记《不忘初心牢记使命》7月8日41人",
		"今天支部书记滕丽讲了不忘出心牢记使命 来了41人",
		"姓名 杜永刚 职务 党员 题目 七十年巨变看家乡 日期 8.12 人数 19",
		"雷红/党员/《学习黄文秀》/8月13日/24人 应到42人 实到38人 党员18人",
		"李四 13812345678 女 1985-03 第一党支部 教师", "王书记 28号 45 52 三四十人 周日",
	} {
		f.Add(s)
	}
	r := New(nil, Config{})
	f.Fuzz(func(t *testing.T, s string) {
		for _, name := range []string{"党课", "宣讲员"} {
			tokens, err := tokenize(s)
			if err != nil {
				return
			}
			c := &Call{Cmd: r.lookup(name)[0], Args: Args{}, Now: now, r: r}
			if err := c.bind(tokens); err != nil {
				continue
			}
			if d, ok := c.Args["日期"]; ok && name == "党课" {
				if _, err := time.Parse("2006-01-02", d); err != nil {
					t.Fatalf("%q: date kept as %q", s, d)
				}
			}
		}
	})
}
