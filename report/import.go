package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
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

// MaxProblems is how many problems a Result keeps, with their rows; the
// rest are only counted, so a file of a million wrong rows needs no more
// memory than one of ten thousand.
const MaxProblems = 10000

// Result says what an import did.
type Result struct {
	Added, Updated, Unchanged int
	Problems                  []Problem  // the first MaxProblems
	Invalid                   int        // all rows with a problem
	rejected                  [][]string // the rows of Problems, for Rejects
	header                    []string
}

// Err returns one error listing every problem by row, or nil.
func (r *Result) Err() error {
	if r.Invalid == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d 行有问题，未导入任何内容：", r.Invalid)
	for i, p := range r.Problems {
		if i == 50 {
			fmt.Fprintf(&b, "\n……另有 %d 行", r.Invalid-i)
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

// Importer loads rosters into the store in two passes over the file. The
// first reads every row without keeping it and checks it, duplicates
// included (a set of keys, not of rows); nothing is written when any row is
// wrong, unless SkipInvalid is set. The second reads the file again and
// writes the valid rows in short transactions with a pause between them, so
// that a bot running on the same database never waits long for its own
// writes. Rows already in the store are counted unchanged, so importing a
// file twice changes nothing.
//
// A lecturer pool is all or nothing even when the import stops half-way
// (a crash, a full disk, a cancel): its batches are written into the pools
// under the import's id, which readers leave out while the import is
// pending, and one last transaction, as short as any other, ends that
// (see store/staging.go). One transaction for the whole import would hold
// the database for the minute a million rows take; copying from a staging
// table in the last one held it 4.6–7.8 s a million rows, near the 10 s
// the bot's writes wait. A phone number registered from a chat since the
// check keeps the chat's lecturer, and the import reports its row. Units
// and member counts are written in batches directly: an import that
// stopped half-way is finished by running it again.
type Importer struct {
	Store       dangke.Store
	Actor       string    // platform:id written into the audit, e.g. cli:operator
	Now         time.Time // for ages and audit times
	SkipInvalid bool      // import the valid rows and report the rest
	// Progress, if set, is called every 1,000 rows of each pass and once
	// at the end of each (for a lecturer pool, before the last transaction
	// that makes the staged rows part of the pools).
	Progress func(Step)
	// Batch bounds how long one write transaction runs (default 400ms);
	// Pause is the break between two (default 120ms: longer than SQLite's
	// longest busy-wait sleep, so a writer of another process waiting for
	// the database gets it in the break).
	Batch, Pause time.Duration
	// Similar, if set, reports whether a new unit's name is so like a
	// sibling's that it is more likely a slip (第一支部 beside 第一党支部,
	// 城关真 beside 城关镇): such a row is a problem unless AcceptSimilar.
	Similar       func(name, other string) bool
	AcceptSimilar bool
}

// Step reports an import's progress.
type Step struct {
	Stage string // 检查 (first pass), 写入 (second) or 发布 (staged rows made visible)
	Done  int    // rows checked, or rows written
	Final bool   // the pass has ended
}

func (im *Importer) progress(stage string, done int, final bool) {
	if im.Progress != nil && (final || done%1000 == 0) {
		im.Progress(Step{Stage: stage, Done: done, Final: final})
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
	byID   map[int64]dangke.Unit
}

func loadUnits(ctx context.Context, st dangke.Reader) (*units, error) {
	all, err := st.Units(ctx, 0)
	if err != nil {
		return nil, err
	}
	u := &units{byPath: map[string]dangke.Unit{}, byName: map[string][]dangke.Unit{}, byID: map[int64]dangke.Unit{}}
	for _, x := range all {
		u.byPath[x.Path] = x
		u.byName[x.Name] = append(u.byName[x.Name], x)
		u.byID[x.ID] = x
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

func (r *Result) reject(row int, raw []string, msg string) {
	r.Invalid++
	if len(r.Problems) < MaxProblems {
		r.Problems = append(r.Problems, Problem{Row: row, Message: msg})
		r.rejected = append(r.rejected, raw)
	}
}

// rowSet is a set of row numbers, a bit each.
type rowSet []uint64

func (s *rowSet) add(n int) {
	for n/64 >= len(*s) {
		*s = append(*s, 0)
	}
	(*s)[n/64] |= 1 << (n % 64)
}

func (s rowSet) has(n int) bool { return n/64 < len(s) && s[n/64]&(1<<(n%64)) != 0 }

// row is a data row with its columns found by the header.
type row struct {
	cells []Cell
	pos   map[string]int
}

// get returns the cell of a column, empty when the row or the file lacks it.
func (r row) get(name string) Cell {
	i, ok := r.pos[name]
	if !ok || i >= len(r.cells) {
		return Cell{fmt: numFmt{decimals: -1}}
	}
	return r.cells[i]
}

func (r row) text(name string) string { return r.get(name).Text }

// texts returns a row's cells as text, a date cell as its day (1983-03-15)
// rather than its serial number, for headers and rejected rows.
func texts(cells []Cell) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = c.Text
		if c.Date() {
			if t, err := c.Time(); err == nil {
				out[i] = t.Format(dangke.DateLayout)
			}
		}
	}
	return out
}

// plan is one kind of import: its columns, how a row is checked in the
// first pass and read again in the second, and how it is written.
type plan[T any] struct {
	columns  map[string][]string
	required []string
	// begin sees the header's columns before the first row.
	begin func(pos map[string]int) error
	// check reads a row in the first pass and returns what is wrong with
	// it, or "". It may remember what later rows are checked against.
	check func(n int, r row) string
	// build reads a row that passed the check again, in the second pass:
	// what to write, or false for nothing (an unchanged row).
	build func(n int, r row) (T, bool)
	// write writes one row inside a transaction; writeMany, if set, is
	// called instead with up to 256 rows at a time.
	write     func(ctx context.Context, tx dangke.Tx, item T) error
	writeMany func(ctx context.Context, tx dangke.Tx, items []T) error
	// publish, if set, makes what write wrote visible in one last
	// transaction (write stages the rows); cleanup then runs whether the
	// import was published or failed on the way.
	publish func(ctx context.Context, tx dangke.Tx) error
	cleanup func()
}

// errStop ends a pass early.
var errStop = errors.New("report: stop")

// run does an import's two passes.
func run[T any](ctx context.Context, im *Importer, src Source, p plan[T], res *Result) (*Result, error) {
	var pos map[string]int
	var firstRows [][]string // the rows before the header
	headerRow := 0
	var problems rowSet
	checked := 0
	var headerErr error
	err := src.Each(func(n int, cells []Cell) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if pos == nil {
			firstRows = append(firstRows, texts(cells))
			_, found, err := header(firstRows, p.columns, p.required)
			if err == nil {
				pos, headerRow, res.header = found, n, texts(cells)
				if p.begin != nil {
					return p.begin(pos)
				}
				return nil
			}
			if len(firstRows) >= 10 {
				headerErr = err
				return errStop
			}
			return nil
		}
		if blankCells(cells) {
			return nil
		}
		checked++
		im.progress("检查", checked, false)
		if msg := p.check(n, row{cells, pos}); msg != "" {
			res.reject(n, texts(cells), msg)
			problems.add(n)
		}
		return nil
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	if pos == nil {
		if headerErr == nil {
			_, _, headerErr = header(firstRows, p.columns, p.required)
		}
		return nil, headerErr
	}
	im.progress("检查", checked, true)
	if res.Invalid > 0 && !im.SkipInvalid {
		return res, res.Err()
	}
	if p.cleanup != nil {
		defer p.cleanup()
	}
	var pending []T
	written := 0
	first := true
	flush := func() error {
		for len(pending) > 0 {
			if !first {
				if err := dangke.Sleep(ctx, im.pause()); err != nil {
					return err
				}
			}
			first = false
			done := 0
			err := im.Store.Update(ctx, func(tx dangke.Tx) error {
				start := time.Now()
				for done = 0; done < len(pending); {
					if p.writeMany != nil {
						k := min(len(pending)-done, 256)
						if err := p.writeMany(ctx, tx, pending[done:done+k]); err != nil {
							return err
						}
						done += k
					} else {
						if err := p.write(ctx, tx, pending[done]); err != nil {
							return err
						}
						done++
					}
					if time.Since(start) >= im.batch() {
						break
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			pending = pending[done:]
			written += done
			im.progress("写入", written, false)
		}
		pending = pending[:0]
		return nil
	}
	err = src.Each(func(n int, cells []Cell) error {
		if n <= headerRow || problems.has(n) || blankCells(cells) {
			return nil
		}
		item, ok := p.build(n, row{cells, pos})
		if !ok {
			return nil
		}
		pending = append(pending, item)
		if len(pending) >= 20000 { // more than one transaction writes
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	im.progress("写入", written, true)
	if err == nil && p.publish != nil {
		if err = dangke.Sleep(ctx, im.pause()); err == nil {
			err = im.Store.Update(ctx, func(tx dangke.Tx) error { return p.publish(ctx, tx) })
		}
		if err == nil {
			im.progress("发布", written, true)
		}
	}
	return res, err
}

func (im *Importer) batch() time.Duration {
	if im.Batch > 0 {
		return im.Batch
	}
	return 400 * time.Millisecond
}

func (im *Importer) pause() time.Duration {
	if im.Pause > 0 {
		return im.Pause
	}
	return 120 * time.Millisecond
}

func blankCells(row []Cell) bool {
	for _, c := range row {
		if c.Text != "" {
			return false
		}
	}
	return true
}

// instructorColumns lists the accepted headers of each lecturer column.
func instructorColumns() map[string][]string {
	return map[string][]string{
		"姓名": {"姓名", "讲课人姓名", "宣讲员"}, "性别": {"性别"}, "出生年月": {"出生年月", "出生日期", "出生"},
		"单位": {"单位", "工作单位"}, "职务": {"职务"}, "手机号": {"手机号", "手机", "手机号码", "联系电话"},
		"县市区": {"县市区", "县区", "所属县市区", "师资库"},
	}
}

// Instructors imports lecturers (附件2's columns, any order) into a
// county's pool: county, or per row the 县市区 column. 单位 is the
// lecturer's workplace, free text, as on the form.
func (im *Importer) Instructors(ctx context.Context, src Source, county *dangke.Unit) (*Result, error) {
	if county != nil && county.Kind != dangke.KindCounty {
		return nil, dangke.Errorf(dangke.EINVALID, "师资库按县市区导入：--unit 应为县市区，如 温县，收到「%s」。", county.Path)
	}
	tree, err := loadUnits(ctx, im.Store)
	if err != nil {
		return nil, err
	}
	pools := map[int64]map[string]string{} // county → phone → name of the lecturers already in its pool
	poolOf := func(id int64) (map[string]string, error) {
		if p, ok := pools[id]; ok {
			return p, nil
		}
		list, err := im.Store.Instructors(ctx, id)
		if err != nil {
			return nil, err
		}
		p := make(map[string]string, len(list))
		for _, x := range list {
			p[x.Phone] = x.Name
		}
		pools[id] = p
		return p, nil
	}
	res := &Result{}
	// county and phone → the row that has them: one number and a row
	// number rather than the row, a million rows in some 20–40 MB.
	seen := map[uint64]int32{}
	poolIndex := map[int64]uint64{} // county → 0, 1, … in the order met
	keyOf := func(in *dangke.Instructor) uint64 {
		i, ok := poolIndex[in.PoolID]
		if !ok {
			i = uint64(len(poolIndex))
			poolIndex[in.PoolID] = i
		}
		phone, _ := strconv.ParseUint(in.Phone, 10, 64) // Validate has made it 11 digits: under 2^37
		return i<<37 | phone
	}
	var failed error // a store error met while checking
	read := func(r row) (*dangke.Instructor, string) {
		in := &dangke.Instructor{Name: r.text("姓名"), Gender: fold(r.text("性别")), Workplace: r.text("单位"),
			Position: r.text("职务"), Phone: dangke.NormalizePhone(r.text("手机号")), Author: im.Actor, Chat: "cli:import", CreatedAt: im.Now}
		pool := county
		if v := r.text("县市区"); v != "" {
			u, problem := tree.resolve(v, nil)
			if problem != "" {
				return nil, strings.Replace(problem, "单位", "县市区", 1)
			}
			top := tree.byID[u.TopID]
			if top.Kind != dangke.KindCounty {
				return nil, fmt.Sprintf("县市区「%s」不是县市区；师资库按县市区建立", v)
			}
			if county != nil && top.ID != county.ID {
				return nil, fmt.Sprintf("县市区「%s」与 --unit %s 不符", v, county.Name)
			}
			pool = &top
		}
		if pool == nil {
			return nil, "县市区为空：请填写，或用 --unit 指定县市区"
		}
		in.PoolID, in.UnitID = pool.ID, pool.ID
		y, m, problem := birthMonth(r.get("出生年月"), im.Now)
		if problem != "" {
			return nil, problem
		}
		in.BirthY, in.BirthM = y, m
		if err := in.Validate(im.Now); err != nil {
			return nil, strings.TrimSuffix(dangke.ErrorMessage(err), "。")
		}
		return in, ""
	}
	// The rows are staged under batch and published in one short
	// transaction at the end: see Importer.
	batch := time.Now().UnixNano()
	type poolStaged struct {
		n           int
		first, last int64 // ids
	}
	perPool := map[int64]*poolStaged{}
	var clashes []*dangke.Instructor
	clashed, pending := 0, false
	p := plan[*dangke.Instructor]{
		columns:  instructorColumns(),
		required: []string{"姓名", "性别", "出生年月", "单位", "职务", "手机号"},
		begin: func(pos map[string]int) error {
			if _, ok := pos["县市区"]; !ok && county == nil {
				return dangke.Errorf(dangke.EINVALID, "导入师资库要指明县市区：用 --unit 温县，或在表中加一列「县市区」。")
			}
			return nil
		},
		check: func(n int, r row) string {
			in, problem := read(r)
			if problem != "" {
				return problem
			}
			pool, err := poolOf(in.PoolID)
			if err != nil {
				failed = err
				return "读取师资库失败"
			}
			name := tree.byID[in.PoolID].Name
			key := keyOf(in)
			if first, dup := seen[key]; dup {
				return fmt.Sprintf("手机号 %s 与第 %d 行重复", dangke.MaskPhone(in.Phone), first)
			}
			seen[key] = int32(n)
			if old, ok := pool[in.Phone]; ok {
				if old != in.Name {
					// The operator may see the pool: the owner is named.
					return fmt.Sprintf("手机号 %s 已登记在%s师资库（%s）", dangke.MaskPhone(in.Phone), name, old)
				}
				res.Unchanged++
			}
			return ""
		},
		build: func(n int, r row) (*dangke.Instructor, bool) {
			in, problem := read(r)
			if problem != "" {
				return nil, false
			}
			_, old := pools[in.PoolID][in.Phone]
			// A duplicate left in the file by SkipInvalid: its first row goes in.
			return in, !old && seen[keyOf(in)] == int32(n)
		},
		writeMany: func(ctx context.Context, tx dangke.Tx, list []*dangke.Instructor) error {
			if err := tx.StageInstructors(ctx, batch, list); err != nil {
				return err
			}
			pending = true
			for _, in := range list {
				if in.ID == 0 { // registered from a chat since the check
					if clashed++; len(clashes) < MaxProblems {
						clashes = append(clashes, in)
					}
					continue
				}
				s := perPool[in.PoolID]
				if s == nil {
					s = &poolStaged{first: in.ID}
					perPool[in.PoolID] = s
				}
				s.n++
				s.first, s.last = min(s.first, in.ID), max(s.last, in.ID)
			}
			return nil
		},
		publish: func(ctx context.Context, tx dangke.Tx) error {
			if !pending { // nothing was new
				return nil
			}
			if err := tx.PublishInstructors(ctx, batch); err != nil {
				return err
			}
			res.Added = 0
			// One audit entry a pool: how many, and the range of their ids.
			for _, id := range slices.Sorted(maps.Keys(perPool)) {
				s := perPool[id]
				res.Added += s.n
				detail := fmt.Sprintf("%s 导入宣讲员 %d 名（编号 %d–%d）", tree.byID[id].Path, s.n, s.first, s.last)
				if err := tx.Audit(ctx, im.audit("instructor.import", "unit", id, detail)); err != nil {
					return err
				}
			}
			for _, in := range clashes {
				// Registered from a chat since the check: the chat's entry stays.
				res.reject(0, []string{in.Name, in.Gender, in.Birth(), in.Workplace, in.Position, dangke.MaskPhone(in.Phone)},
					fmt.Sprintf("手机号 %s 在导入期间已由他人登记，未导入%s", dangke.MaskPhone(in.Phone), in.Name))
			}
			res.Invalid += clashed - len(clashes)
			return nil
		},
		cleanup: func() { im.discard(batch) },
	}
	res, err = run(ctx, im, src, p, res)
	if failed != nil {
		return nil, failed
	}
	return res, err
}

// discard deletes an import's staged rows, and those of imports that
// stopped half-way a day or more before, in short transactions with breaks.
// It runs when the import ends however it ends, so not on its context.
func (im *Importer) discard(batch int64) {
	ctx := context.Background()
	for {
		n := 0
		err := im.Store.Update(ctx, func(tx dangke.Tx) error {
			var err error
			n, err = tx.DiscardStaged(ctx, batch, 50000)
			return err
		})
		if err != nil || n < 50000 {
			return // what is left is read by nothing and goes with the next import
		}
		_ = dangke.Sleep(ctx, im.pause())
	}
}

// unitColumns lists the accepted headers of each unit column.
func unitColumns() map[string][]string {
	return map[string][]string{"单位": {"单位", "单位路径", "路径", "单位名称"}, "党员数": {"党员数", "党员人数", "党员"}, "类型": {"类型"}}
}

// unitRow is one row of a unit tree file.
type unitRow struct {
	names   []string
	members int
	kind    dangke.UnitKind
	set     bool // 党员数 given
}

// readUnitRow reads a row of a unit tree file.
func readUnitRow(r row) (unitRow, string) {
	names, err := dangke.ParsePath(strings.ReplaceAll(r.text("单位"), "／", "/"))
	if err != nil {
		return unitRow{}, strings.TrimSuffix(dangke.ErrorMessage(err), "。")
	}
	u := unitRow{names: names}
	if v := fold(r.text("党员数")); v != "" {
		m, err := strconv.Atoi(strings.TrimSuffix(v, "人"))
		if err != nil || m < 0 || m > 10000000 {
			return u, fmt.Sprintf("党员数应为 0 以上的整数，收到「%s」", v)
		}
		u.members, u.set = m, true
	}
	if v := r.text("类型"); v != "" {
		k, ok := dangke.ParseUnitKind(v)
		if !ok {
			return u, fmt.Sprintf("类型应为 县市区、系统、单位 或 党支部，收到「%s」", v)
		}
		u.kind = k
	}
	return u, ""
}

// Units imports a unit tree with member counts: a path per row (missing
// parents are created), an optional 党员数 and 类型.
func (im *Importer) Units(ctx context.Context, src Source) (*Result, error) {
	res := &Result{}
	seen := map[string]int{}
	slips, err := im.newSlips(ctx)
	if err != nil {
		return nil, err
	}
	p := plan[unitRow]{
		columns:  unitColumns(),
		required: []string{"单位"},
		check: func(n int, r row) string {
			u, problem := readUnitRow(r)
			if problem != "" {
				return problem
			}
			path := dangke.JoinPath(u.names)
			if first, dup := seen[path]; dup {
				return fmt.Sprintf("单位「%s」与第 %d 行重复", path, first)
			}
			seen[path] = n
			if slips != nil {
				return slips(u.names)
			}
			return ""
		},
		build: func(n int, r row) (unitRow, bool) {
			u, problem := readUnitRow(r)
			return u, problem == ""
		},
		write: func(ctx context.Context, tx dangke.Tx, r unitRow) error {
			var parent *dangke.Unit
			for depth := range r.names {
				path := dangke.JoinPath(r.names[:depth+1])
				last := depth == len(r.names)-1
				u, err := tx.UnitByPath(ctx, path)
				switch {
				case dangke.ErrorCode(err) == dangke.ENOTFOUND:
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
				case err != nil:
					return err
				case last && r.set && u.Members != r.members:
					if err := tx.SetMembers(ctx, u.ID, r.members); err != nil {
						return err
					}
					if err := tx.Audit(ctx, im.audit("unit.members", "unit", u.ID, fmt.Sprintf("%s 党员数 %d → %d", u.Path, u.Members, r.members))); err != nil {
						return err
					}
					res.Updated++
				case last:
					res.Unchanged++
				}
				parent = u
			}
			return nil
		},
	}
	return run(ctx, im, src, p, res)
}

// newSlips returns a check of a row's path for new units named almost as a
// unit beside them (existing, or new earlier in the file), or nil when the
// importer does not check. A unit of the file is new once: its later rows
// are not asked about again.
func (im *Importer) newSlips(ctx context.Context) (func(names []string) string, error) {
	if im.Similar == nil || im.AcceptSimilar {
		return nil, nil
	}
	tree, err := loadUnits(ctx, im.Store)
	if err != nil {
		return nil, err
	}
	children := map[string][]string{} // parent path ("" for the top) → names below it
	for path, u := range tree.byPath {
		parent := strings.TrimSuffix(path, u.Name)
		children[strings.TrimSuffix(parent, "/")] = append(children[strings.TrimSuffix(parent, "/")], u.Name)
	}
	return func(names []string) string {
		for depth, name := range names {
			path := dangke.JoinPath(names[:depth+1])
			parent := dangke.JoinPath(names[:depth])
			if _, ok := tree.byPath[path]; ok {
				continue
			}
			for _, other := range children[parent] {
				if im.Similar(name, other) {
					near := other
					if parent != "" {
						near = parent + "/" + other
					}
					return fmt.Sprintf("单位「%s」与已有的「%s」几乎同名，像是笔误：请改用已有的名称；确是另一个单位时加 --accept-similar 再导入", path, near)
				}
			}
			tree.byPath[path] = dangke.Unit{Name: name, Path: path}
			children[parent] = append(children[parent], name)
		}
		return ""
	}, nil
}

// memberChange is one row of a member count file.
type memberChange struct {
	unit    dangke.Unit
	members int
}

// Members imports member counts for existing units.
func (im *Importer) Members(ctx context.Context, src Source, scope *dangke.Unit) (*Result, error) {
	tree, err := loadUnits(ctx, im.Store)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	seen := map[int64]int{}
	read := func(r row) (memberChange, string) {
		u, problem := tree.resolve(r.text("单位"), scope)
		if problem != "" {
			return memberChange{}, problem
		}
		v := fold(r.text("党员数"))
		m, err := strconv.Atoi(strings.TrimSuffix(v, "人"))
		if err != nil || m < 0 || m > 10000000 {
			return memberChange{}, fmt.Sprintf("党员数应为 0 以上的整数，收到「%s」", v)
		}
		return memberChange{u, m}, ""
	}
	p := plan[memberChange]{
		columns:  unitColumns(),
		required: []string{"单位", "党员数"},
		check: func(n int, r row) string {
			c, problem := read(r)
			if problem != "" {
				return problem
			}
			if first, dup := seen[c.unit.ID]; dup {
				return fmt.Sprintf("单位「%s」与第 %d 行重复", c.unit.Path, first)
			}
			seen[c.unit.ID] = n
			if c.unit.Members == c.members {
				res.Unchanged++
			}
			return ""
		},
		build: func(n int, r row) (memberChange, bool) {
			c, problem := read(r)
			return c, problem == "" && c.unit.Members != c.members
		},
		write: func(ctx context.Context, tx dangke.Tx, c memberChange) error {
			if err := tx.SetMembers(ctx, c.unit.ID, c.members); err != nil {
				return err
			}
			res.Updated++
			return tx.Audit(ctx, im.audit("unit.members", "unit", c.unit.ID, fmt.Sprintf("%s 党员数 %d → %d", c.unit.Path, c.unit.Members, c.members)))
		},
	}
	return run(ctx, im, src, p, res)
}

// birthMonth reads 出生年月 from a cell: a date cell by its value and
// number format; a month typed as text (1983-03, 1983/3, 1983.03, 1983年3月,
// 198303, Mar-83) or a whole date; a number such as 1983.03. A number
// 1983.1 is refused: a spreadsheet drops the last zero of 1983.10, so it may
// be January or October, and no guess is made.
func birthMonth(c Cell, now time.Time) (y, m int, problem string) {
	bad := fmt.Sprintf("出生年月应写作 1985-03，收到「%s」", clipText(c.Text))
	if c.Date() {
		t, err := c.Time()
		if err != nil {
			return 0, 0, bad
		}
		return t.Year(), int(t.Month()), ""
	}
	s := fold(c.Text)
	if c.Number && c.Decimals() == 2 { // shown as 1983.10: what the person saw
		if x, err := strconv.ParseFloat(s, 64); err == nil {
			s = strconv.FormatFloat(x, 'f', 2, 64)
		}
	}
	// A number, or CSV text that may have been one before it was saved.
	if (c.Number || !c.Typed) && len(s) == 6 && s[4] == '.' && s[5] == '1' && dangke.Digits(s[:4]) {
		return 0, 0, fmt.Sprintf("出生年月「%s」是数字，可能是 %s-01 也可能是 %s-10（表格会去掉末尾的 0），请写成 %s-01 或 %s-10 这样的文字",
			s, s[:4], s[:4], s[:4], s[:4])
	}
	if y, m, ok := dangke.ParseYearMonth(s); ok {
		return y, m, ""
	}
	if y, m, ok := yearMonthOfDay(s); ok {
		return y, m, ""
	}
	if y, m, ok := englishMonth(s, now); ok {
		return y, m, ""
	}
	return 0, 0, bad
}

// yearMonthOfDay reads the year and month of a whole date: 1983-03-15,
// 1983/3/15, 1983.3.15, 1983年3月15日.
func yearMonthOfDay(s string) (y, m int, ok bool) {
	parts := strings.FieldsFunc(strings.TrimSuffix(s, "日"), func(r rune) bool { return strings.ContainsRune("-/.年月", r) })
	if len(parts) != 3 || len(parts[0]) != 4 {
		return 0, 0, false
	}
	for _, p := range parts {
		if !dangke.Digits(p) || len(p) > 4 {
			return 0, 0, false
		}
	}
	y, _ = strconv.Atoi(parts[0])
	m, _ = strconv.Atoi(parts[1])
	d, _ := strconv.Atoi(parts[2])
	return y, m, d >= 1 && d <= 31
}

var monthNames = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// englishMonth reads a month as an English-language spreadsheet shows it:
// Mar-83, Mar-1983, March 1983, 15-Mar-83. A two-digit year takes the
// century that gives a lecturer's age.
func englishMonth(s string, now time.Time) (y, m int, ok bool) {
	parts := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return strings.ContainsRune("- /.,", r) })
	year := ""
	for _, p := range parts {
		switch {
		case dangke.Digits(p):
			year = p
		case m == 0 && len(p) >= 3:
			for i, name := range monthNames {
				if strings.HasPrefix(p, name) {
					m = i + 1
				}
			}
			if m == 0 {
				return 0, 0, false
			}
		default:
			return 0, 0, false
		}
	}
	if m == 0 || len(parts) > 3 {
		return 0, 0, false
	}
	switch len(year) {
	case 4:
		y, _ = strconv.Atoi(year)
	case 2:
		yy, _ := strconv.Atoi(year)
		y = 2000 + yy
		if now.Year()-y < dangke.MinInstructorAge {
			y -= 100
		}
	default:
		return 0, 0, false
	}
	return y, m, true
}

// clipText shortens a cell quoted back in a message.
func clipText(s string) string {
	if r := []rune(s); len(r) > 20 {
		return string(r[:20]) + "…"
	}
	return s
}
