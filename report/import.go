package report

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"dangke"
)

// Problem is a row the import cannot take, with the reason in Chinese.
type Problem struct {
	Row     int // the row number as the spreadsheet shows it (1-based)
	Message string
}

// Result says what an import did.
type Result struct {
	Added, Updated, Unchanged int
	Problems                  []Problem
	rejected                  [][]string // the rows of Problems, for Rejects
	header                    []string
}

// Err returns one error listing every problem by row, or nil.
func (r *Result) Err() error {
	if len(r.Problems) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d 行有问题，未导入任何内容：", len(r.Problems))
	for i, p := range r.Problems {
		if i == 50 {
			fmt.Fprintf(&b, "\n……另有 %d 行", len(r.Problems)-i)
			break
		}
		fmt.Fprintf(&b, "\n第 %d 行：%s", p.Row, p.Message)
	}
	return dangke.Errorf(dangke.EINVALID, "%s", b.String())
}

// Rejects returns the rejected rows as CSV (UTF-8 with BOM), with the
// reason in a last column, so they can be fixed and imported again.
func (r *Result) Rejects() []byte {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := SafeCSV(&buf)
	_ = w.Write(append(append([]string{"行号"}, r.header...), "问题"))
	for i, row := range r.rejected {
		_ = w.Write(append(append([]string{strconv.Itoa(r.Problems[i].Row)}, row...), r.Problems[i].Message))
	}
	w.Flush()
	return buf.Bytes()
}

// Importer loads rosters into the store. Every row is checked before
// anything is written; then all valid rows go in one transaction, or none
// when any row is wrong unless SkipInvalid is set. Rows already in the
// store are counted unchanged, so importing a file twice changes nothing.
type Importer struct {
	Store       dangke.Store
	Actor       string                // platform:id written into the audit, e.g. cli:operator
	Now         time.Time             // for ages and audit times
	SkipInvalid bool                  // import the valid rows and report the rest
	Progress    func(done, total int) // called every 1,000 rows, may be nil
}

func (im *Importer) progress(done, total int) {
	if im.Progress != nil && (done%1000 == 0 || done == total) {
		im.Progress(done, total)
	}
}

func (im *Importer) audit(action, entity string, id int64, detail string) dangke.AuditEntry {
	return dangke.AuditEntry{Actor: im.Actor, Chat: "cli:import", At: im.Now, Action: action, Entity: entity, EntityID: id, Detail: detail}
}

func fold(s string) string { return strings.TrimSpace(norm.NFKC.String(s)) }

// units indexes the unit tree for resolving the names in a file.
type units struct {
	byPath map[string]dangke.Unit
	byName map[string][]dangke.Unit
}

func loadUnits(ctx context.Context, st dangke.Reader) (*units, error) {
	all, err := st.Units(ctx, 0)
	if err != nil {
		return nil, err
	}
	u := &units{byPath: map[string]dangke.Unit{}, byName: map[string][]dangke.Unit{}}
	for _, x := range all {
		u.byPath[x.Path] = x
		u.byName[x.Name] = append(u.byName[x.Name], x)
	}
	return u, nil
}

// resolve finds a unit by full path, by a path below scope, or by a name
// only one unit (within scope) carries.
func (u *units) resolve(s string, scope *dangke.Unit) (dangke.Unit, string) {
	s = strings.Trim(strings.ReplaceAll(strings.TrimSpace(s), "／", "/"), "/")
	if s == "" {
		return dangke.Unit{}, "单位为空"
	}
	if x, ok := u.byPath[s]; ok && (scope == nil || scope.Contains(&x)) {
		return x, ""
	}
	if scope != nil {
		if x, ok := u.byPath[scope.Path+"/"+s]; ok {
			return x, ""
		}
	}
	// A name, or the end of a path (城关镇/第一党支部), that only one unit has.
	last := s[strings.LastIndex(s, "/")+1:]
	var found []dangke.Unit
	for _, x := range u.byName[last] {
		if (x.Path == s || strings.HasSuffix(x.Path, "/"+s)) && (scope == nil || scope.Contains(&x)) {
			found = append(found, x)
		}
	}
	switch len(found) {
	case 1:
		return found[0], ""
	case 0:
		return dangke.Unit{}, fmt.Sprintf("单位「%s」不存在，请先导入单位或写完整路径", s)
	default:
		return dangke.Unit{}, fmt.Sprintf("有 %d 个单位叫「%s」，请写完整路径", len(found), s)
	}
}

// start finds the header and prepares a result.
func start(rows [][]string, columns map[string][]string, required []string) (int, map[string]int, *Result, error) {
	h, pos, err := header(rows, columns, required)
	if err != nil {
		return 0, nil, nil, err
	}
	return h, pos, &Result{header: rows[h]}, nil
}

func (r *Result) reject(row int, raw []string, msg string) {
	r.Problems = append(r.Problems, Problem{Row: row, Message: msg})
	r.rejected = append(r.rejected, raw)
}

// finish reports problems, or runs the writes.
func (im *Importer) finish(ctx context.Context, r *Result, apply func(tx dangke.Tx) error) (*Result, error) {
	if len(r.Problems) > 0 && !im.SkipInvalid {
		return r, r.Err()
	}
	if err := im.Store.Update(ctx, apply); err != nil {
		return r, err
	}
	return r, nil
}

// instructorColumns lists the accepted headers of each lecturer column.
func instructorColumns() map[string][]string {
	return map[string][]string{
		"姓名": {"姓名", "讲课人姓名", "宣讲员"}, "性别": {"性别"}, "出生年月": {"出生年月", "出生日期", "出生"},
		"单位": {"单位", "工作单位"}, "职务": {"职务"}, "手机号": {"手机号", "手机", "手机号码", "联系电话"},
	}
}

// Instructors imports lecturer pools (附件2's columns, any order). Units
// are resolved within scope when it is given, such as the county a pool
// belongs to.
func (im *Importer) Instructors(ctx context.Context, rows [][]string, scope *dangke.Unit) (*Result, error) {
	h, pos, res, err := start(rows, instructorColumns(), []string{"姓名", "性别", "出生年月", "单位", "职务", "手机号"})
	if err != nil {
		return nil, err
	}
	tree, err := loadUnits(ctx, im.Store)
	if err != nil {
		return nil, err
	}
	existing := map[int64]map[string]dangke.Instructor{} // pool → phone → lecturer
	seen := map[string]int{}                             // pool/phone → row
	var add []*dangke.Instructor
	total := len(rows) - h - 1
	for i := h + 1; i < len(rows); i++ {
		im.progress(i-h, total)
		raw, n := rows[i], i+1
		if blank(raw) {
			continue
		}
		in := &dangke.Instructor{Name: cellAt(raw, pos, "姓名"), Gender: fold(cellAt(raw, pos, "性别")),
			Position: cellAt(raw, pos, "职务"), Phone: fold(cellAt(raw, pos, "手机号")), Author: im.Actor, Chat: "cli:import", CreatedAt: im.Now}
		u, problem := tree.resolve(cellAt(raw, pos, "单位"), scope)
		if problem != "" {
			res.reject(n, raw, problem)
			continue
		}
		county, ok := tree.byPath[strings.SplitN(u.Path, "/", 2)[0]]
		if !ok || county.Kind != dangke.KindCounty {
			res.reject(n, raw, fmt.Sprintf("「%s」不属于任何县市区；师资库按县市区建立", u.Path))
			continue
		}
		in.UnitID, in.UnitName, in.PoolID = u.ID, u.Name, county.ID
		y, m, ok := dangke.ParseYearMonth(fold(cellAt(raw, pos, "出生年月")))
		if !ok {
			res.reject(n, raw, fmt.Sprintf("出生年月应写作 1985-03，收到「%s」", cellAt(raw, pos, "出生年月")))
			continue
		}
		in.BirthY, in.BirthM = y, m
		if err := in.Validate(im.Now); err != nil {
			res.reject(n, raw, strings.TrimSuffix(dangke.ErrorMessage(err), "。"))
			continue
		}
		key := fmt.Sprint(county.ID, "/", in.Phone)
		if first, dup := seen[key]; dup {
			res.reject(n, raw, fmt.Sprintf("手机号 %s 与第 %d 行重复", dangke.MaskPhone(in.Phone), first))
			continue
		}
		seen[key] = n
		pool, ok := existing[county.ID]
		if !ok {
			list, err := im.Store.Instructors(ctx, county.ID)
			if err != nil {
				return nil, err
			}
			pool = map[string]dangke.Instructor{}
			for _, x := range list {
				pool[x.Phone] = x
			}
			existing[county.ID] = pool
		}
		if old, ok := pool[in.Phone]; ok {
			if old.Name == in.Name {
				res.Unchanged++
			} else {
				res.reject(n, raw, fmt.Sprintf("手机号 %s 已登记在%s师资库（%s）", dangke.MaskPhone(in.Phone), county.Name, old.Name))
			}
			continue
		}
		add = append(add, in)
	}
	return im.finish(ctx, res, func(tx dangke.Tx) error {
		for _, in := range add {
			if err := tx.AddInstructor(ctx, in); err != nil {
				return err
			}
			if err := tx.Audit(ctx, im.audit("instructor.import", dangke.EntryInstructor, in.ID, in.Name+" "+dangke.MaskPhone(in.Phone))); err != nil {
				return err
			}
		}
		res.Added = len(add)
		return nil
	})
}

// unitColumns lists the accepted headers of each unit column.
func unitColumns() map[string][]string {
	return map[string][]string{"单位": {"单位", "单位路径", "路径", "单位名称"}, "党员数": {"党员数", "党员人数", "党员"}, "类型": {"类型"}}
}

// Units imports a unit tree with member counts: a path per row (missing
// parents are created), an optional 党员数 and 类型.
func (im *Importer) Units(ctx context.Context, rows [][]string) (*Result, error) {
	h, pos, res, err := start(rows, unitColumns(), []string{"单位"})
	if err != nil {
		return nil, err
	}
	type row struct {
		names   []string
		members int
		kind    dangke.UnitKind
		set     bool // 党员数 given
	}
	var todo []row
	seen := map[string]int{}
	total := len(rows) - h - 1
	for i := h + 1; i < len(rows); i++ {
		im.progress(i-h, total)
		raw, n := rows[i], i+1
		if blank(raw) {
			continue
		}
		names, err := dangke.ParsePath(strings.ReplaceAll(cellAt(raw, pos, "单位"), "／", "/"))
		if err != nil {
			res.reject(n, raw, strings.TrimSuffix(dangke.ErrorMessage(err), "。"))
			continue
		}
		r := row{names: names}
		if v := fold(cellAt(raw, pos, "党员数")); v != "" {
			m, err := strconv.Atoi(strings.TrimSuffix(v, "人"))
			if err != nil || m < 0 || m > 10000000 {
				res.reject(n, raw, fmt.Sprintf("党员数应为 0 以上的整数，收到「%s」", v))
				continue
			}
			r.members, r.set = m, true
		}
		if v := cellAt(raw, pos, "类型"); v != "" {
			k, ok := dangke.ParseUnitKind(v)
			if !ok {
				res.reject(n, raw, fmt.Sprintf("类型应为 县市区、系统、单位 或 党支部，收到「%s」", v))
				continue
			}
			r.kind = k
		}
		path := dangke.JoinPath(names)
		if first, dup := seen[path]; dup {
			res.reject(n, raw, fmt.Sprintf("单位「%s」与第 %d 行重复", path, first))
			continue
		}
		seen[path] = n
		todo = append(todo, r)
	}
	return im.finish(ctx, res, func(tx dangke.Tx) error {
		for _, r := range todo {
			var parent *dangke.Unit
			for depth := range r.names {
				path := dangke.JoinPath(r.names[:depth+1])
				last := depth == len(r.names)-1
				u, err := tx.UnitByPath(ctx, path)
				if dangke.ErrorCode(err) == dangke.ENOTFOUND {
					u = &dangke.Unit{Name: r.names[depth], Kind: dangke.InferUnitKind(depth+1, r.names[depth])}
					if parent != nil {
						u.ParentID = parent.ID
					}
					if last {
						u.Members = r.members
						if r.kind != "" {
							u.Kind = r.kind
						}
					}
					if err := tx.AddUnit(ctx, u); err != nil {
						return err
					}
					if err := tx.Audit(ctx, im.audit("unit.import", "unit", u.ID, fmt.Sprintf("%s（党员 %d）", u.Path, u.Members))); err != nil {
						return err
					}
					if last {
						res.Added++
					}
				} else if err != nil {
					return err
				} else if last {
					if r.set && u.Members != r.members {
						if err := tx.SetMembers(ctx, u.ID, r.members); err != nil {
							return err
						}
						if err := tx.Audit(ctx, im.audit("unit.members", "unit", u.ID, fmt.Sprintf("%s 党员数 %d → %d", u.Path, u.Members, r.members))); err != nil {
							return err
						}
						res.Updated++
					} else {
						res.Unchanged++
					}
				}
				parent = u
			}
		}
		return nil
	})
}

// Members imports member counts for existing units.
func (im *Importer) Members(ctx context.Context, rows [][]string, scope *dangke.Unit) (*Result, error) {
	h, pos, res, err := start(rows, unitColumns(), []string{"单位", "党员数"})
	if err != nil {
		return nil, err
	}
	tree, err := loadUnits(ctx, im.Store)
	if err != nil {
		return nil, err
	}
	type change struct {
		unit    dangke.Unit
		members int
	}
	var todo []change
	seen := map[int64]int{}
	for i := h + 1; i < len(rows); i++ {
		im.progress(i-h, len(rows)-h-1)
		raw, n := rows[i], i+1
		if blank(raw) {
			continue
		}
		u, problem := tree.resolve(cellAt(raw, pos, "单位"), scope)
		if problem != "" {
			res.reject(n, raw, problem)
			continue
		}
		v := fold(cellAt(raw, pos, "党员数"))
		m, err := strconv.Atoi(strings.TrimSuffix(v, "人"))
		if err != nil || m < 0 || m > 10000000 {
			res.reject(n, raw, fmt.Sprintf("党员数应为 0 以上的整数，收到「%s」", v))
			continue
		}
		if first, dup := seen[u.ID]; dup {
			res.reject(n, raw, fmt.Sprintf("单位「%s」与第 %d 行重复", u.Path, first))
			continue
		}
		seen[u.ID] = n
		if u.Members == m {
			res.Unchanged++
			continue
		}
		todo = append(todo, change{u, m})
	}
	return im.finish(ctx, res, func(tx dangke.Tx) error {
		for _, c := range todo {
			if err := tx.SetMembers(ctx, c.unit.ID, c.members); err != nil {
				return err
			}
			if err := tx.Audit(ctx, im.audit("unit.members", "unit", c.unit.ID, fmt.Sprintf("%s 党员数 %d → %d", c.unit.Path, c.unit.Members, c.members))); err != nil {
				return err
			}
		}
		res.Updated = len(todo)
		return nil
	})
}
