package dangke

import "testing"

func TestMaskPhones(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"李四 · 13812345678", "李四 · 138****5678"},
		{"13812345678 和 15600001111。", "138****5678 和 156****1111。"},
		{"编号 138123456789 不是手机号", "编号 138123456789 不是手机号"},
		{"12812345678", "12812345678"},
		{"已登记第 1 次", "已登记第 1 次"},
	} {
		if got := MaskPhones(tc.in); got != tc.want {
			t.Errorf("MaskPhones(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCleanText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"张\u202e三", "张三"},
		{"张\u200b三\u200d", "张三"},
		{"a\x00b\x1bc\x7f", "abc"},
		{"第一行\n第二行\t", "第一行\n第二行\t"},
		{"\ufeff/党课", "/党课"},
	} {
		if got := CleanText(tc.in); got != tc.want {
			t.Errorf("CleanText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTitleKey(t *testing.T) {
	same := []string{"我和我的祖国", "《我和我的祖国》", "“我和我的 祖国！”", "我和我的祖国。", "「我和我的祖国」"}
	for _, s := range same {
		if TitleKey(s) != TitleKey(same[0]) {
			t.Errorf("TitleKey(%q) = %q, want %q", s, TitleKey(s), TitleKey(same[0]))
		}
	}
	if TitleKey("ＡＢＣ１２３") != "abc123" {
		t.Errorf("full width: %q", TitleKey("ＡＢＣ１２３"))
	}
	if TitleKey("我和我的祖国") == TitleKey("我和我的家乡") {
		t.Error("different titles fold together")
	}
}
