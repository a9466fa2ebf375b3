package store

import (
	"context"
	"fmt"
	"time"

	"dangke"
)

// The write methods exist on txStore only: writes happen inside Update.

// AddUnit inserts a unit under u.ParentID and fills ID, TopID, Path and Depth.
func (t *txStore) AddUnit(ctx context.Context, u *dangke.Unit) error {
	parentIPath, parentPath, top, depth := "/", "", int64(0), 1
	var parent any
	if u.ParentID != 0 {
		p, err := t.unitBy(ctx, t.p.unitByID, u.ParentID)
		if err != nil {
			return err
		}
		if p == nil {
			return dangke.Errorf(dangke.ENOTFOUND, "上级单位编号 %d 不存在。", u.ParentID)
		}
		parentIPath, parentPath, top, depth, parent = p.IPath, p.Path+"/", p.TopID, p.Depth+1, p.ID
	}
	u.Path, u.Depth = parentPath+u.Name, depth
	var id int64
	err := t.guard(ctx, func() error {
		return t.stmt(ctx, t.p.addUnit).QueryRowContext(ctx, parent, top, u.Name, u.Path, depth, string(u.Kind), u.Members,
			millis(time.Now())).Scan(&id)
	})
	if isUnique(err) {
		return dangke.Errorf(dangke.ECONFLICT, "单位「%s」已存在。", u.Path)
	}
	if err != nil {
		return fmt.Errorf("store: add unit: %w", err)
	}
	if top == 0 {
		top = id
	}
	if _, err := t.stmt(ctx, t.p.placeUnit).ExecContext(ctx, parentIPath+itoa(id)+"/", top, id); err != nil {
		return fmt.Errorf("store: add unit: %w", err)
	}
	u.ID, u.TopID = id, top
	return nil
}

// SetMembers sets a unit's own Party member count.
func (t *txStore) SetMembers(ctx context.Context, unit int64, n int) error {
	res, err := t.stmt(ctx, t.p.setMembers).ExecContext(ctx, n, unit)
	if err != nil {
		return fmt.Errorf("store: set members: %w", err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return dangke.Errorf(dangke.ENOTFOUND, "单位编号 %d 不存在。", unit)
	}
	return nil
}

// BindChat binds a chat to a unit.
func (t *txStore) BindChat(ctx context.Context, chat dangke.ChatRef, unit int64, by string, at time.Time) error {
	if _, err := t.db.ExecContext(ctx, "DELETE FROM city_chats WHERE platform = ? AND chat_id = ?", chat.Platform, chat.ID); err != nil {
		return fmt.Errorf("store: bind chat: %w", err)
	}
	_, err := t.db.ExecContext(ctx, `INSERT INTO chats (platform, chat_id, unit_id, title, is_group, bound_by, bound_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (platform, chat_id) DO UPDATE SET unit_id = excluded.unit_id, title = excluded.title,
		is_group = excluded.is_group, bound_by = excluded.bound_by, bound_at = excluded.bound_at`,
		chat.Platform, chat.ID, unit, chat.Title, chat.Group, by, millis(at))
	if err != nil {
		return fmt.Errorf("store: bind chat: %w", err)
	}
	return nil
}

// Grant gives a role.
func (t *txStore) Grant(ctx context.Context, r dangke.Role) error {
	_, err := t.db.ExecContext(ctx, `INSERT INTO roles (person, unit_id, granted_by, granted_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (person, unit_id) DO NOTHING`, r.Person, r.UnitID, r.GrantedBy, millis(r.GrantedAt))
	if err != nil {
		return fmt.Errorf("store: grant: %w", err)
	}
	return nil
}

// Revoke takes a role away.
func (t *txStore) Revoke(ctx context.Context, person string, unit int64) error {
	res, err := t.db.ExecContext(ctx, "DELETE FROM roles WHERE person = ? AND unit_id = ?", person, unit)
	if err != nil {
		return fmt.Errorf("store: revoke: %w", err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return dangke.Errorf(dangke.ENOTFOUND, "%s 在该单位没有管理员角色。", person)
	}
	return nil
}

// AddLecture stores a lecture. The triggers lectures_added and
// lectures_withdrawn (migration 17) move its unit's running totals, for
// the campaign and for its week, in the same statement.
func (t *txStore) AddLecture(ctx context.Context, l *dangke.Lecture) error {
	var id int64
	args := []any{l.UnitID, l.Speaker, l.Position, l.Title, l.Date.Format(dangke.DateLayout), l.Attendees, l.Venue, l.Form,
		l.Minutes, l.Satisfied, l.Surveyed, l.Link, b2i(l.Leader), l.Author, l.Chat, millis(l.CreatedAt)}
	var err error
	if t.pipe != nil {
		// The unit's figures, which the confirmation reads next, come back
		// in the same round trip (Figures takes them unless another
		// statement was sent in between).
		err = t.pipe.sendWith(ctx, &piped{sql: t.p.text[t.p.addLecture], args: args}, []any{&id},
			&figuresAhead{sql: t.p.text[t.p.leafTotals], unit: l.UnitID})
	} else {
		err = t.row(ctx, t.p.addLecture, args, &id)
	}
	if err != nil {
		return fmt.Errorf("store: add lecture: %w", err)
	}
	l.ID = id
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// WithdrawLecture marks a lecture withdrawn; a trigger takes it out of the totals.
func (t *txStore) WithdrawLecture(ctx context.Context, id int64, by string, at time.Time) error {
	res, err := t.db.ExecContext(ctx, "UPDATE lectures SET withdrawn_at = ?, withdrawn_by = ? WHERE id = ? AND withdrawn_at IS NULL", millis(at), by, id)
	if err != nil {
		return fmt.Errorf("store: withdraw lecture: %w", err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return dangke.Errorf(dangke.ENOTFOUND, "没有编号为 %d 的党课记录（或已撤销）。", id)
	}
	return nil
}

// AddInstructor stores a lecturer in a county's pool. A phone number
// already in the pool is refused without naming its owner: the caller
// decides who may learn it.
func (t *txStore) AddInstructor(ctx context.Context, i *dangke.Instructor) error {
	var id int64
	err := t.guard(ctx, func() error {
		return t.stmt(ctx, t.p.addInstructor).QueryRowContext(ctx,
			i.PoolID, i.UnitID, i.Name, i.Gender, i.BirthY, i.BirthM, i.Workplace, i.Position, i.Phone, i.Author, i.Chat, millis(i.CreatedAt)).Scan(&id)
	})
	if isUnique(err) {
		// The phone may be an import's, still pending: named as such.
		var pending bool
		if qerr := t.db.QueryRowContext(ctx, `SELECT count(*) > 0 FROM instructors WHERE pool_id = ? AND phone = ? AND removed_at IS NULL
			AND import_id IN (SELECT import_id FROM pending_imports)`, i.PoolID, i.Phone).Scan(&pending); qerr == nil && pending {
			return dangke.Errorf(dangke.ECONFLICT, "手机号 %s 正在由一次师资库导入登记，导入完成后即在本县市区师资库中，无需重复登记。", dangke.MaskPhone(i.Phone))
		}
		return dangke.Errorf(dangke.ECONFLICT, "手机号 %s 已在本县市区师资库中，同一手机号不能重复登记。", dangke.MaskPhone(i.Phone))
	}
	if err != nil {
		return fmt.Errorf("store: add instructor: %w", err)
	}
	i.ID = id
	return nil
}

// WithdrawInstructor marks a lecturer removed from the pool.
func (t *txStore) WithdrawInstructor(ctx context.Context, id int64, by string, at time.Time) error {
	res, err := t.db.ExecContext(ctx, "UPDATE instructors SET removed_at = ?, removed_by = ? WHERE id = ? AND "+liveInstructor(""), millis(at), by, id)
	if err != nil {
		return fmt.Errorf("store: remove instructor: %w", err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return dangke.Errorf(dangke.ENOTFOUND, "没有编号为 %d 的宣讲员（或已移除）。", id)
	}
	return nil
}

// Audit records a change.
func (t *txStore) Audit(ctx context.Context, e dangke.AuditEntry) error {
	// The audit row waits on a PostgreSQL batch's pipeline for the next statement.
	return t.later(ctx, t.p.audit, "audit", millis(e.At), e.Actor, e.Chat, e.Action, e.Entity, e.EntityID, e.Detail)
}

// SaveReply records a handled message and its reply, pending in the outbox.
func (t *txStore) SaveReply(ctx context.Context, key dangke.MessageKey, reply, route string, at time.Time) error {
	// No savepoint on PostgreSQL: a message handled before ends the
	// caller's transaction (the unique row decides which replica handles
	// a redelivered message: the other one rolls its change back).
	err := t.exec(ctx, t.p.saveReply, key.Platform, key.Chat, key.ID, reply, route, millis(at),
		t.p.holder, millis(at.Add(dangke.ClaimLease))) // claimed by this replica, which sends it now
	if isUnique(err) {
		return dangke.Errorf(dangke.ECONFLICT, "这条消息已处理过。")
	}
	if err != nil {
		return fmt.Errorf("store: save reply: %w", err)
	}
	return nil
}
