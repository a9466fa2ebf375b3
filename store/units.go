package store

import (
	"context"
	"fmt"
	"strings"

	"dangke"
)

// Putting mistakes in the unit tree right: rename, move, merge, remove, and
// a chat's binding undone. Each runs inside the caller's transaction, so a
// change to a whole subtree is all or nothing.

// UnitRefs counts what refers to a unit or its subtree.
func (q queries) UnitRefs(ctx context.Context, unit int64, whole bool) (dangke.UnitRefs, error) {
	var r dangke.UnitRefs
	ip, err := q.ipath(ctx, unit)
	if err != nil {
		return r, err
	}
	lo, hi := subtree(ip)
	// sel is the set of unit ids counted.
	sel, args := "SELECT id FROM units WHERE ipath >= ? AND ipath < ?", []any{lo, hi}
	if !whole {
		sel, args = "SELECT ?", []any{unit}
	}
	var n struct {
		Units       int `bun:"units"`
		Lectures    int `bun:"lectures"`
		Withdrawn   int `bun:"withdrawn"`
		Instructors int `bun:"instructors"`
		Chats       int `bun:"chats"`
		Roles       int `bun:"roles"`
		Contestants int `bun:"contestants"`
		Contests    int `bun:"contests"`
	}
	units := "SELECT count(*) FROM units WHERE ipath >= ? AND ipath < ?"
	uargs := []any{lo, hi}
	if !whole {
		units, uargs = "SELECT count(*) FROM units WHERE parent_id = ?", []any{unit}
	}
	all := append(append([]any{}, uargs...), repeat(args, 8)...)
	err = q.db.NewRaw(`SELECT (`+units+`) AS units,
		(SELECT count(*) FROM lectures WHERE unit_id IN (`+sel+`) AND withdrawn_at IS NULL) AS lectures,
		(SELECT count(*) FROM lectures WHERE unit_id IN (`+sel+`) AND withdrawn_at IS NOT NULL) AS withdrawn,
		(SELECT count(*) FROM instructors WHERE (unit_id IN (`+sel+`) OR pool_id IN (`+sel+`)) AND `+liveInstructor("")+`) AS instructors,
		(SELECT count(*) FROM chats WHERE unit_id IN (`+sel+`)) AS chats,
		(SELECT count(*) FROM roles WHERE unit_id IN (`+sel+`)) AS roles,
		(SELECT count(*) FROM contestants WHERE unit_id IN (`+sel+`)) AS contestants,
		(SELECT count(*) FROM contests WHERE unit_id IN (`+sel+`)) AS contests`, all...).Scan(ctx, &n)
	if err != nil {
		return r, fmt.Errorf("store: unit refs: %w", err)
	}
	return dangke.UnitRefs(n), nil
}

// SharedNames returns the names that both from's and into's lectures hold
// and what was answered about each pair; see dangke.Reader.
func (q queries) SharedNames(ctx context.Context, from, into int64) ([]dangke.SharedName, error) {
	var rows []struct {
		Name     string `bun:"name"`
		Same     bool   `bun:"same"`
		Distinct bool   `bun:"distinct_"`
	}
	err := q.db.NewRaw(`SELECT f.speaker AS name,
		EXISTS (SELECT 1 FROM speaker_people a JOIN speaker_people b ON b.person_id = a.person_id
			WHERE a.unit_id = ?0 AND a.name = f.speaker AND b.unit_id = ?1 AND b.name = f.speaker) AS same,
		EXISTS (SELECT 1 FROM speaker_distinct d WHERE (d.unit_id = ?0 AND d.other_unit_id = ?1 OR d.unit_id = ?1 AND d.other_unit_id = ?0)
			AND d.name = f.speaker) AS distinct_
		FROM (SELECT DISTINCT speaker FROM lectures WHERE unit_id = ?0) f
		WHERE EXISTS (SELECT 1 FROM lectures i WHERE i.unit_id = ?1 AND i.speaker = f.speaker) ORDER BY f.speaker`, from, into).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: shared names: %w", err)
	}
	out := make([]dangke.SharedName, 0, len(rows))
	for _, r := range rows {
		n := dangke.SharedName{Name: r.Name, Same: r.Same, Distinct: r.Distinct && !r.Same}
		if n.Distinct {
			for k := 2; ; k++ {
				cand := fmt.Sprintf("%s（%d）", r.Name, k)
				var used int
				if err := q.db.NewRaw("SELECT count(*) FROM lectures WHERE unit_id IN (?, ?) AND speaker = ?", from, into, cand).Scan(ctx, &used); err != nil {
					return nil, fmt.Errorf("store: shared names: %w", err)
				}
				if used == 0 {
					n.NewName = cand
					break
				}
			}
		}
		out = append(out, n)
	}
	return out, nil
}

// keepDistinct gives from's lectures of each name answered "not the same
// person" as into's the name SharedNames chose, before they move: the two
// stay two lecturers in the merged unit. The new name is free in both
// units, so from's kept totals (which count names, not hold them, but for
// speakers and week_speakers, which the merge counts again) are unchanged;
// its links and answers follow the name.
func (t *txStore) keepDistinct(ctx context.Context, from, into int64) error {
	names, err := t.SharedNames(ctx, from, into)
	if err != nil {
		return err
	}
	for _, n := range names {
		if !n.Distinct {
			continue
		}
		for _, q := range []string{
			"UPDATE lectures SET speaker = ?0 WHERE unit_id = ?1 AND speaker = ?2",
			"UPDATE speaker_people SET name = ?0 WHERE unit_id = ?1 AND name = ?2",
			"UPDATE speaker_distinct SET name = ?0 WHERE unit_id = ?1 AND name = ?2",
			// Answers of other units about from's name would be carried
			// to into's namesake by the merge: they were not about them.
			"DELETE FROM speaker_distinct WHERE other_unit_id = ?1 AND name = ?2",
		} {
			if _, err := t.db.ExecContext(ctx, q, n.NewName, from, n.Name); err != nil {
				return fmt.Errorf("store: merge units: %w", err)
			}
		}
	}
	return nil
}

func repeat(args []any, n int) []any {
	out := make([]any, 0, len(args)*n)
	for range n {
		out = append(out, args...)
	}
	return out
}

// RenameUnit gives a unit a new name; its subtree's paths follow.
func (t *txStore) RenameUnit(ctx context.Context, unit int64, name string) error {
	u, err := t.mustUnit(ctx, unit)
	if err != nil {
		return err
	}
	var parent *unitRow
	if u.ParentID.Valid {
		if parent, err = t.mustUnit(ctx, u.ParentID.Int64); err != nil {
			return err
		}
	}
	return t.relocate(ctx, u, parent, name)
}

// MoveUnit puts a unit under a new parent (0: the top).
func (t *txStore) MoveUnit(ctx context.Context, unit, parent int64) error {
	u, err := t.mustUnit(ctx, unit)
	if err != nil {
		return err
	}
	var p *unitRow
	if parent != 0 {
		if p, err = t.mustUnit(ctx, parent); err != nil {
			return err
		}
		if strings.HasPrefix(p.IPath, u.IPath) {
			return dangke.Errorf(dangke.EINVALID, "不能把「%s」移到它自己或它的下级「%s」之下。", u.Path, p.Path)
		}
	}
	return t.relocate(ctx, u, p, u.Name)
}

// SetUnitKind changes a unit's kind within its level; see dangke.Tx.
func (t *txStore) SetUnitKind(ctx context.Context, unit int64, kind dangke.UnitKind) error {
	u, err := t.mustUnit(ctx, unit)
	if err != nil {
		return err
	}
	top := !u.ParentID.Valid
	reporting := kind == dangke.KindCounty || kind == dangke.KindSystem
	switch {
	case top && !reporting:
		return dangke.Errorf(dangke.EINVALID, "「%s」是最上级单位，类型只能是县市区或市直系统；要放到别的单位之下，请用 /单位 移动。", u.Path)
	case !top && reporting:
		return dangke.Errorf(dangke.EINVALID, "「%s」不是最上级单位，类型只能是单位或党支部；要成为%s，请用 /单位 移动 %s 全市 类型=%s。",
			u.Path, kind.Label(), u.Path, kind.Label())
	case u.Kind == string(kind):
		return nil
	}
	if kind == dangke.KindBranch {
		var clash []string
		if err := t.db.NewRaw("SELECT path FROM units WHERE (parent_id = ? OR id = ?) AND kind = 'branch' ORDER BY path LIMIT 3",
			u.ID, u.ParentID).Scan(ctx, &clash); err != nil {
			return fmt.Errorf("store: unit kind: %w", err)
		}
		if len(clash) > 0 {
			return dangke.Errorf(dangke.ECONFLICT, "党支部之下不能再有党支部，「%s」不能改为党支部（有关的党支部：%s）。", u.Path, strings.Join(clash, "、"))
		}
	}
	if kind == dangke.KindSystem {
		// A system keeps no pool: its lecturers would be in no county's.
		var n int
		if err := t.db.NewRaw("SELECT count(*) FROM instructors WHERE pool_id = ? AND "+liveInstructor(""), u.ID).Scan(ctx, &n); err != nil {
			return fmt.Errorf("store: unit kind: %w", err)
		}
		if n > 0 {
			return dangke.Errorf(dangke.ECONFLICT, "「%s」的师资库有 %d 名宣讲员，市直系统不设师资库，不能改为市直系统。", u.Path, n)
		}
	}
	if _, err := t.db.ExecContext(ctx, "UPDATE units SET kind = ? WHERE id = ?", string(kind), u.ID); err != nil {
		return fmt.Errorf("store: unit kind: %w", err)
	}
	return nil
}

func (t *txStore) mustUnit(ctx context.Context, id int64) (*unitRow, error) {
	u, err := t.unitWhere(ctx, "id = ?", id)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, dangke.Errorf(dangke.ENOTFOUND, "单位编号 %d 不存在。", id)
	}
	return u, nil
}

// relocate gives u the name name under parent (nil: the top) and rewrites
// path, ipath, depth and top_id of its whole subtree in one statement. When
// the reporting unit changes, the subtree's lecturers join the new
// reporting unit's pool if it is a county (systems keep no pool; a pool
// that would be left without its county follows anyway), and its contest
// entries count for the new reporting unit.
func (t *txStore) relocate(ctx context.Context, u, parent *unitRow, name string) error {
	newPath, newIPath, newDepth, newTop := name, "/"+itoa(u.ID)+"/", 1, u.ID
	var parentID any
	if parent != nil {
		newPath, newIPath, newDepth, newTop = parent.Path+"/"+name, parent.IPath+itoa(u.ID)+"/", parent.Depth+1, parent.TopID
		parentID = parent.ID
	}
	if newPath == u.Path {
		return nil
	}
	if other, err := t.unitWhere(ctx, "path = ?", newPath); err != nil {
		return err
	} else if other != nil {
		return dangke.Errorf(dangke.ECONFLICT, "单位「%s」已存在；要把两个单位并为一个，请用 /单位 合并 %s 到 %s。", newPath, u.Path, newPath)
	}
	lo, hi := subtree(u.IPath)
	// The reporting unit's kind decides whether the pool follows.
	var newKind string
	if err := t.db.NewRaw("SELECT kind FROM units WHERE id = ?", newTop).Scan(ctx, &newKind); err != nil {
		return fmt.Errorf("store: move unit: %w", err)
	}
	if newTop != u.TopID {
		inSub := "SELECT id FROM units WHERE ipath >= ? AND ipath < ?"
		q := "UPDATE instructors SET pool_id = ? WHERE pool_id IN (" + inSub + ")"
		args := []any{newTop, lo, hi}
		if newKind == string(dangke.KindCounty) {
			q += " OR unit_id IN (" + inSub + ")"
			args = append(args, lo, hi)
		}
		if _, err := t.db.ExecContext(ctx, q, args...); err != nil {
			if isUnique(err) {
				return dangke.Errorf(dangke.ECONFLICT, "移动后师资库中会有重复的手机号；请先用 /删除 编号 宣讲员 删掉重复的一条。")
			}
			return fmt.Errorf("store: move unit: %w", err)
		}
		if _, err := t.db.ExecContext(ctx, "UPDATE contestants SET top_id = ? WHERE unit_id IN ("+inSub+")", newTop, lo, hi); err != nil {
			return fmt.Errorf("store: move unit: %w", err)
		}
	}
	_, err := t.db.ExecContext(ctx, `UPDATE units SET path = ? || substr(path, ?), ipath = ? || substr(ipath, ?),
		depth = depth + ?, top_id = ? WHERE ipath >= ? AND ipath < ?`,
		newPath, len([]rune(u.Path))+1, newIPath, len(u.IPath)+1, newDepth-u.Depth, newTop, lo, hi)
	if isUnique(err) {
		return dangke.Errorf(dangke.ECONFLICT, "单位「%s」的下级与已有单位重名，无法移动。", u.Path)
	}
	if err != nil {
		return fmt.Errorf("store: move unit: %w", err)
	}
	kind := u.Kind
	if parent == nil && (kind == string(dangke.KindOrg) || kind == string(dangke.KindBranch)) {
		kind = string(dangke.InferUnitKind(1, name)) // a reporting unit is a county or a system
	}
	if parent != nil && (kind == string(dangke.KindCounty) || kind == string(dangke.KindSystem)) {
		// A reporting unit put below another is a unit; /单位 类型 changes it.
		kind = string(dangke.KindOrg)
	}
	if _, err := t.db.ExecContext(ctx, "UPDATE units SET parent_id = ?, name = ?, kind = ? WHERE id = ?", parentID, name, kind, u.ID); err != nil {
		return fmt.Errorf("store: move unit: %w", err)
	}
	return t.fixPeopleTops(ctx)
}

// fixPeopleTops keeps each person's reporting unit that of the units their
// names belong to, after units moved.
func (t *txStore) fixPeopleTops(ctx context.Context) error {
	_, err := t.db.ExecContext(ctx, `UPDATE people SET top_id = coalesce((SELECT u.top_id FROM speaker_people sp
		JOIN units u ON u.id = sp.unit_id WHERE sp.person_id = people.id ORDER BY sp.unit_id LIMIT 1), top_id)`)
	if err != nil {
		return fmt.Errorf("store: people: %w", err)
	}
	return nil
}

// MergeUnits moves everything of from into into and removes from.
func (t *txStore) MergeUnits(ctx context.Context, from, into int64) error {
	if from == into {
		return dangke.Errorf(dangke.EINVALID, "不能把单位合并到它自己。")
	}
	f, err := t.mustUnit(ctx, from)
	if err != nil {
		return err
	}
	i, err := t.mustUnit(ctx, into)
	if err != nil {
		return err
	}
	if strings.HasPrefix(i.IPath, f.IPath) {
		return dangke.Errorf(dangke.EINVALID, "不能把「%s」合并到它自己的下级「%s」。", f.Path, i.Path)
	}
	// Units below from go below into; two children of the same name would
	// have to be merged first.
	var children []unitRow
	if err := t.db.NewRaw("SELECT "+unitCols+" FROM units WHERE parent_id = ? ORDER BY path", from).Scan(ctx, &children); err != nil {
		return fmt.Errorf("store: merge units: %w", err)
	}
	for k := range children {
		if err := t.relocate(ctx, &children[k], i, children[k].Name); err != nil {
			if dangke.ErrorCode(err) == dangke.ECONFLICT {
				return dangke.Errorf(dangke.ECONFLICT, "「%s」和「%s」下都有「%s」；请先把这两个下级合并：/单位 合并 %s/%s 到 %s/%s。",
					f.Path, i.Path, children[k].Name, f.Path, children[k].Name, i.Path, children[k].Name)
			}
			return err
		}
	}
	if err := t.keepDistinct(ctx, from, into); err != nil {
		return err
	}
	// Lecturers: a pool that was from's goes to into's reporting unit, and
	// from's lecturers follow into's county when the reporting unit changes.
	var poolKind string
	if err := t.db.NewRaw("SELECT kind FROM units WHERE id = ?", i.TopID).Scan(ctx, &poolKind); err != nil {
		return fmt.Errorf("store: merge units: %w", err)
	}
	type step struct {
		q    string
		args []any
	}
	steps := []step{
		{"UPDATE lectures SET unit_id = ? WHERE unit_id = ?", []any{into, from}},
		{"UPDATE instructors SET pool_id = ? WHERE pool_id = ?", []any{i.TopID, from}},
	}
	if f.TopID != i.TopID && poolKind == string(dangke.KindCounty) {
		steps = append(steps, step{"UPDATE instructors SET pool_id = ? WHERE unit_id = ?", []any{i.TopID, from}})
	}
	steps = append(steps,
		step{"UPDATE instructors SET unit_id = ? WHERE unit_id = ?", []any{into, from}},
		step{"UPDATE chats SET unit_id = ? WHERE unit_id = ?", []any{into, from}},
		step{"DELETE FROM roles WHERE unit_id = ? AND person IN (SELECT person FROM roles WHERE unit_id = ?)", []any{from, into}},
		step{"UPDATE roles SET unit_id = ? WHERE unit_id = ?", []any{into, from}},
		step{"UPDATE unit_contacts SET unit_id = ? WHERE unit_id = ? AND person NOT IN (SELECT person FROM unit_contacts WHERE unit_id = ?)", []any{into, from, into}},
		step{"DELETE FROM unit_contacts WHERE unit_id = ?", []any{from}},
		step{"UPDATE contestants SET unit_id = ?, top_id = ? WHERE unit_id = ?", []any{into, i.TopID, from}},
		step{"UPDATE contests SET unit_id = ? WHERE unit_id = ?", []any{into, from}},
		step{"UPDATE people SET top_id = ? WHERE top_id = ?", []any{i.TopID, from}},
		step{"UPDATE units SET members = members + ? WHERE id = ?", []any{f.Members, into}},
	)
	if t.pg {
		// PostgreSQL fires row triggers after the whole statement: the
		// subtree totals' triggers read a lecturer's other lectures, so the
		// lectures move one statement each, as SQLite moves them row by row.
		var ids []int64
		if err := t.db.NewRaw("SELECT id FROM lectures WHERE unit_id = ? ORDER BY id", from).Scan(ctx, &ids); err != nil {
			return fmt.Errorf("store: merge units: %w", err)
		}
		for _, id := range ids {
			if _, err := t.db.ExecContext(ctx, "UPDATE lectures SET unit_id = ? WHERE id = ?", into, id); err != nil {
				return fmt.Errorf("store: merge units: %w", err)
			}
		}
		steps = steps[1:]
	}
	for _, s := range steps {
		if _, err := t.db.ExecContext(ctx, s.q, s.args...); err != nil {
			if isUnique(err) {
				return dangke.Errorf(dangke.ECONFLICT, "合并后师资库中会有重复的手机号；请先用 /删除 编号 宣讲员 删掉重复的一条。")
			}
			return fmt.Errorf("store: merge units: %w", err)
		}
	}
	if err := t.mergePeople(ctx, from, into); err != nil {
		return err
	}
	// A name within a unit is one person: the two units' rows of the same
	// name become one, so the totals are counted again from the lectures.
	if err := t.recount(ctx, from, into); err != nil {
		return err
	}
	if _, err := t.db.ExecContext(ctx, "DELETE FROM units WHERE id = ?", from); err != nil {
		return fmt.Errorf("store: merge units: %w", err)
	}
	return t.fixPeopleTops(ctx)
}

// mergePeople carries the same-person answers of from's lecturers over to
// into. A name in both units is one person now, so two people groups that
// meet in it become one; "not the same person" answers that a link now
// contradicts, or that would compare the unit with itself, are dropped.
func (t *txStore) mergePeople(ctx context.Context, from, into int64) error {
	var pairs []struct {
		Name string `bun:"name"`
		A    int64  `bun:"a"`
		B    int64  `bun:"b"`
	}
	err := t.db.NewRaw(`SELECT f.name, f.person_id AS a, i.person_id AS b FROM speaker_people f
		JOIN speaker_people i ON i.unit_id = ? AND i.name = f.name WHERE f.unit_id = ? AND f.person_id <> i.person_id`, into, from).Scan(ctx, &pairs)
	if err != nil {
		return fmt.Errorf("store: merge people: %w", err)
	}
	for _, p := range pairs {
		if _, err := t.db.ExecContext(ctx, "UPDATE speaker_people SET person_id = ? WHERE person_id = ?", p.B, p.A); err != nil {
			return fmt.Errorf("store: merge people: %w", err)
		}
	}
	for _, q := range []string{
		// Rows that into has already are dropped, the rest move (SQL both
		// SQLite and PostgreSQL accept, unlike UPDATE OR IGNORE).
		"DELETE FROM speaker_people WHERE unit_id = ?1 AND name IN (SELECT name FROM speaker_people WHERE unit_id = ?0)",
		"UPDATE speaker_people SET unit_id = ?0 WHERE unit_id = ?1",
		`DELETE FROM speaker_distinct WHERE unit_id = ?1 AND EXISTS (SELECT 1 FROM speaker_distinct d
			WHERE d.unit_id = ?0 AND d.name = speaker_distinct.name AND d.other_unit_id = speaker_distinct.other_unit_id)`,
		"UPDATE speaker_distinct SET unit_id = ?0 WHERE unit_id = ?1",
		`DELETE FROM speaker_distinct WHERE other_unit_id = ?1 AND EXISTS (SELECT 1 FROM speaker_distinct d
			WHERE d.unit_id = speaker_distinct.unit_id AND d.name = speaker_distinct.name AND d.other_unit_id = ?0)`,
		"UPDATE speaker_distinct SET other_unit_id = ?0 WHERE other_unit_id = ?1",
		"DELETE FROM speaker_distinct WHERE unit_id = other_unit_id",
		`DELETE FROM speaker_distinct WHERE EXISTS (SELECT 1 FROM speaker_people a JOIN speaker_people b ON b.person_id = a.person_id
			WHERE a.unit_id = speaker_distinct.unit_id AND a.name = speaker_distinct.name
			AND b.unit_id = speaker_distinct.other_unit_id AND b.name = speaker_distinct.name)`,
	} {
		if _, err := t.db.ExecContext(ctx, q, into, from); err != nil {
			return fmt.Errorf("store: merge people: %w", err)
		}
	}
	// People left with fewer than two names link nothing.
	if _, err := t.db.ExecContext(ctx, `DELETE FROM speaker_people WHERE person_id IN
		(SELECT person_id FROM speaker_people GROUP BY person_id HAVING count(*) < 2)`); err != nil {
		return fmt.Errorf("store: merge people: %w", err)
	}
	if _, err := t.db.ExecContext(ctx, "DELETE FROM people WHERE id NOT IN (SELECT person_id FROM speaker_people)"); err != nil {
		return fmt.Errorf("store: merge people: %w", err)
	}
	return nil
}

// recount recomputes the speaker rows and running totals of into from its
// lectures, as RebuildTotals does for the whole database, and drops from's.
func (t *txStore) recount(ctx context.Context, from, into int64) error {
	for _, q := range []string{
		"DELETE FROM speakers WHERE unit_id IN (?0, ?1)",
		"DELETE FROM unit_totals WHERE unit_id IN (?0, ?1)",
		"DELETE FROM week_speakers WHERE unit_id IN (?0, ?1)",
		"DELETE FROM unit_weeks WHERE unit_id IN (?0, ?1)",
		weekSpeakersFrom + "WHERE unit_id = ?0 AND withdrawn_at IS NULL GROUP BY 1, 2, 3",
		fmt.Sprintf(unitWeeksFrom, "AND unit_id = ?0", "AND unit_id = ?0"),
		speakersFrom + "WHERE unit_id = ?0 AND withdrawn_at IS NULL GROUP BY unit_id, speaker",
		`INSERT INTO unit_totals (unit_id, lectures, speakers, leaders, attendees, satisfied, surveyed)
			SELECT ?0, count(*), (SELECT count(*) FROM speakers WHERE unit_id = ?0),
				(SELECT count(*) FROM speakers WHERE unit_id = ?0 AND leader_lectures > 0),
				coalesce(sum(attendees), 0), coalesce(sum(satisfied), 0), coalesce(sum(surveyed), 0)
			FROM lectures WHERE unit_id = ?0 AND withdrawn_at IS NULL`,
	} {
		if _, err := t.db.ExecContext(ctx, q, into, from); err != nil {
			return fmt.Errorf("store: recount totals: %w", err)
		}
	}
	return nil
}

// DeleteUnit removes a unit nothing refers to.
func (t *txStore) DeleteUnit(ctx context.Context, unit int64) error {
	u, err := t.mustUnit(ctx, unit)
	if err != nil {
		return err
	}
	refs, err := t.UnitRefs(ctx, unit, false)
	if err != nil {
		return err
	}
	if refs.Referenced() {
		return dangke.Errorf(dangke.ECONFLICT, "「%s」还有%s，不能删除；可用 /单位 合并 %s 到 另一单位。", u.Path, refs.Describe(), u.Path)
	}
	for _, q := range []string{
		"DELETE FROM unit_totals WHERE unit_id = ?0",
		"DELETE FROM speakers WHERE unit_id = ?0",
		"DELETE FROM unit_weeks WHERE unit_id = ?0",
		"DELETE FROM week_speakers WHERE unit_id = ?0",
		"DELETE FROM speaker_people WHERE unit_id = ?0",
		"DELETE FROM unit_contacts WHERE unit_id = ?0",
		"DELETE FROM speaker_distinct WHERE unit_id = ?0 OR other_unit_id = ?0",
		"DELETE FROM people WHERE top_id = ?0 AND id NOT IN (SELECT person_id FROM speaker_people)",
		"DELETE FROM units WHERE id = ?0",
	} {
		if _, err := t.db.ExecContext(ctx, q, unit); err != nil {
			return fmt.Errorf("store: delete unit: %w", err)
		}
	}
	return nil
}

// UnbindChat removes a chat's binding.
func (t *txStore) UnbindChat(ctx context.Context, chat dangke.ChatRef) error {
	n := int64(0)
	for _, q := range []string{"DELETE FROM chats WHERE platform = ? AND chat_id = ?", "DELETE FROM city_chats WHERE platform = ? AND chat_id = ?"} {
		res, err := t.db.ExecContext(ctx, q, chat.Platform, chat.ID)
		if err != nil {
			return fmt.Errorf("store: unbind chat: %w", err)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	if n == 0 {
		return dangke.Errorf(dangke.ENOTFOUND, "本群没有绑定任何单位。")
	}
	return nil
}
