package dangke

import "testing"

// TestIsLeaderPosition judges real 职务 as a campaign clerk would: the
// secretaries and committee members of Party organisations and the heads
// of government bodies are leading cadres; ranks, assistants, teachers and
// the heads of the Youth League or a village women's federation are not.
func TestIsLeaderPosition(t *testing.T) {
	leaders := []string{
		"书记", "副书记", "支部书记", "党支部书记", "支部副书记", "党支部副书记", "村党支部书记", "社区党委书记", "社区党委副书记",
		"车间党支部书记", "学校党支部副书记", "党委书记", "镇党委书记", "县委书记", "县委副书记", "市委常委", "党总支书记",
		"第一书记", "机关党委书记", "纪委书记", "组织委员", "宣传委员", "纪检委员", "党委委员", "村支书",
		"局长", "副局长", "县长", "副县长", "市长", "副市长", "区长", "镇长", "副镇长", "乡长", "主任", "办公室主任", "副主任",
		"县政协主席", "人大常委会主任", "科长", "副科长", "处长", "厅长", "组织部长", "宣传部长", "人武部长", "校长", "副校长",
		"院长", "所长", "派出所所长", "董事长", "总经理", "厂长", "政委", "馆长", "行长",
	}
	others := []string{
		"团支部书记", "团委书记", "书记助理", "书记员", "主任科员", "副主任科员", "一级主任科员", "科员", "办事员", "调研员",
		"巡视员", "班主任", "年级主任", "村妇联主任", "妇联主任", "妇联主席", "村委委员", "工会委员", "团支部委员", "村主任",
		"党员", "退休党员", "预备党员", "教师", "退休教师", "党员教师", "辅导员", "驻村工作队员", "大学生村官", "医生",
		"护士长", "干事", "秘书", "会计", "职工", "网格员", "司机", "",
	}
	if n := len(leaders) + len(others); n < 60 {
		t.Fatalf("only %d titles", n)
	}
	for _, p := range leaders {
		if !IsLeaderPosition(p) {
			t.Errorf("%q: not judged a leading cadre", p)
		}
	}
	for _, p := range others {
		if IsLeaderPosition(p) {
			t.Errorf("%q: judged a leading cadre", p)
		}
	}
}
