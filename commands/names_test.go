package commands

import "testing"

// Spellings of one name fold to one key: middle dots of every kind, spaces
// and hyphens go, traditional characters become simplified; other names
// stay apart.
func TestFoldNames(t *testing.T) {
	var n names
	same := [][2]string{
		{"买买提·艾力", "买买提艾力"}, {"买买提•艾力", "买买提・艾力"}, {"买买提 艾力", "买买提．艾力"},
		{"阿依古丽-吐尔逊", "阿依古丽·吐尔逊"}, {"張三", "张三"}, {"歐陽修", "欧阳修"}, {"於三", "于三"},
	}
	for _, p := range same {
		if a, b := n.fold(p[0]), n.fold(p[1]); a != b {
			t.Errorf("%s → %s, %s → %s: want one key", p[0], a, p[1], b)
		}
	}
	for _, p := range [][2]string{{"张三", "张山"}, {"李四", "李泗"}, {"买买提·艾力", "买买提·艾"}} {
		if n.fold(p[0]) == n.fold(p[1]) {
			t.Errorf("%s and %s fold to one key", p[0], p[1])
		}
	}
}
