package dangke

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// UnitKind says what a unit is in the campaign's tree.
type UnitKind string

// The kinds of unit. A county (县市区) keeps a lecturer pool; a system
// (市委市直机关工委, 市教育局, 市财政局（市国资委）) reports like a county but keeps
// no pool; below them are ordinary units and Party branches.
const (
	KindCounty UnitKind = "county"
	KindSystem UnitKind = "system"
	KindOrg    UnitKind = "org"
	KindBranch UnitKind = "branch"
)

// Label is the kind's Chinese name.
func (k UnitKind) Label() string {
	switch k {
	case KindCounty:
		return "县市区"
	case KindSystem:
		return "市直系统"
	case KindBranch:
		return "党支部"
	default:
		return "单位"
	}
}

// ParseUnitKind reads a kind from its Chinese or English name.
func ParseUnitKind(s string) (UnitKind, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "县市区", "县区", "县", "区", "county":
		return KindCounty, true
	case "系统", "市直系统", "system":
		return KindSystem, true
	case "单位", "org", "unit":
		return KindOrg, true
	case "党支部", "支部", "branch":
		return KindBranch, true
	}
	return "", false
}

// CityName is the name users type for the whole city in place of a unit path.
const CityName = "全市"

// Unit is one node of the campaign's unit tree. Members counts the Party
// members organised directly in this unit, not in the units below it; the
// figures of a unit roll up its whole subtree.
type Unit struct {
	ID       int64
	ParentID int64 // 0 for a reporting unit at the top of the tree
	TopID    int64 // the reporting unit this unit belongs to (itself at the top)
	Name     string
	Path     string // names from the top, joined by "/": 温县/城关镇/第一党支部
	Depth    int    // 1 for a reporting unit
	Kind     UnitKind
	Members  int
}

// IsTop reports whether u is a reporting unit (县市区 or a city system).
func (u *Unit) IsTop() bool { return u.ParentID == 0 }

// FullName is the unit's name with those above it, as it is written on a
// form to stamp and in a file's name: 温县城关镇第一党支部. Branches of two
// towns are often both 第一党支部; their forms must not read the same.
func (u *Unit) FullName() string { return strings.ReplaceAll(u.Path, "/", "") }

// Contains reports whether other is u or lies below u in the tree.
func (u *Unit) Contains(other *Unit) bool {
	return other.Path == u.Path || strings.HasPrefix(other.Path, u.Path+"/")
}

// InferUnitKind guesses a new unit's kind from its place and name: at the
// top, the city systems are named after an organ (工委, 局, 国资委) and every
// other name is a county; below the top, a name ending in 支部 is a branch.
func InferUnitKind(depth int, name string) UnitKind {
	if depth == 1 {
		for _, s := range []string{"工委", "局", "国资委", "系统"} {
			if strings.Contains(name, s) {
				return KindSystem
			}
		}
		return KindCounty
	}
	if k, ok := KindFromName(name); ok {
		return k
	}
	return KindOrg
}

// KindFromName reads the kind of a unit below the top from a name that
// says it, and whether it does. Branches: …支部, …支委, and the grassroots
// organisations that hold lectures themselves and have no branches below
// them in practice — …党总支, …总支, …村, …社区 (东街村 is 东街村党支部 in the
// county's own lists). Units: towns and the committees above branches —
// …镇, …乡, …街道, …办事处, …党委, …工委. Any other name (县委办公室, 第一中学)
// says nothing: /单位 新增 asks.
func KindFromName(name string) (UnitKind, bool) {
	for _, s := range []string{"支部", "支委", "总支", "村", "社区"} {
		if strings.HasSuffix(name, s) {
			return KindBranch, true
		}
	}
	for _, s := range []string{"镇", "乡", "街道", "办事处", "党委", "工委"} {
		if strings.HasSuffix(name, s) {
			return KindOrg, true
		}
	}
	return KindOrg, false
}

// MaxUnitName is the longest unit name accepted, in characters.
const MaxUnitName = 40

// MaxUnitDepth is the deepest a unit may sit below the city.
const MaxUnitDepth = 8

// ParsePath splits a unit path such as 温县/城关镇/第一党支部 into its names,
// trimming spaces around each. It rejects empty names, names that are too long
// or hold control characters, and paths deeper than MaxUnitDepth.
func ParsePath(path string) ([]string, error) {
	path = strings.Trim(strings.TrimSpace(path), "/")
	if path == "" {
		return nil, Errorf(EINVALID, "单位路径不能为空。")
	}
	parts := strings.Split(path, "/")
	if len(parts) > MaxUnitDepth {
		return nil, Errorf(EINVALID, "单位路径最多 %d 级，收到 %d 级。", MaxUnitDepth, len(parts))
	}
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, Errorf(EINVALID, "单位路径「%s」中有空的一级。", path)
		}
		if n := utf8.RuneCountInString(p); n > MaxUnitName {
			return nil, Errorf(EINVALID, "单位名称最多 %d 个字，「%s…」有 %d 个字。", MaxUnitName, firstRunes(p, 8), n)
		}
		if p == CityName {
			return nil, Errorf(EINVALID, "「%s」指整个城市，不能用作单位名称。", CityName)
		}
		for _, r := range p {
			if unicode.IsControl(r) || r == utf8.RuneError {
				return nil, Errorf(EINVALID, "单位名称「%s」含有无法识别的字符。", firstRunes(p, 8))
			}
		}
		parts[i] = p
	}
	return parts, nil
}

// JoinPath joins unit names into a path.
func JoinPath(names []string) string { return strings.Join(names, "/") }

func firstRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// UnitRefs counts what refers to a unit (or its whole subtree): what a
// rename, move or merge carries along, and what must be gone before the
// unit may be removed.
type UnitRefs struct {
	Units       int // the unit itself and the units below it (subtree), or the units directly below it
	Lectures    int // active lectures
	Withdrawn   int // withdrawn lectures, kept for the audit
	Instructors int // active lecturers whose unit or pool it is
	Chats       int // chats bound to it
	Roles       int // admin roles granted on it
	Contestants int // contest entries
	Contests    int // contests of the unit's own round
}

// Entries is how many logged entries (lectures and lecturers) move with the unit.
func (r UnitRefs) Entries() int { return r.Lectures + r.Instructors }

// Referenced reports whether anything but the unit itself refers to it.
func (r UnitRefs) Referenced() bool {
	return r.Units > 0 || r.Lectures > 0 || r.Withdrawn > 0 || r.Instructors > 0 || r.Chats > 0 ||
		r.Roles > 0 || r.Contestants > 0 || r.Contests > 0
}

// Describe names what refers to a unit, in Chinese: 下级单位 2 个、微党课 3 条.
func (r UnitRefs) Describe() string {
	var parts []string
	add := func(n int, format string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf(format, n))
		}
	}
	add(r.Units, "下级单位 %d 个")
	add(r.Lectures, "微党课 %d 条")
	add(r.Withdrawn, "已撤销的微党课 %d 条")
	add(r.Instructors, "宣讲员 %d 人")
	add(r.Chats, "绑定的群 %d 个")
	add(r.Roles, "管理员角色 %d 个")
	add(r.Contestants, "比赛选手 %d 人")
	add(r.Contests, "比赛 %d 场")
	if len(parts) == 0 {
		return "没有任何记录"
	}
	return strings.Join(parts, "、")
}

// SharedName is a lecturer's name that two units both hold, as a merge of
// the one into the other finds it: confirmed to be one person (Same),
// confirmed to be two (Distinct: the merged unit's name becomes NewName, so
// that they stay two), or never answered (they become one lecturer).
type SharedName struct {
	Name     string
	Same     bool
	Distinct bool
	NewName  string // for Distinct: the first free 张三（2）, 张三（3）…
}
