package store

import (
	"context"
	"database/sql"
	"fmt"
)

// The statements of the hot path — logging a lecture from chat and the
// lookups every message makes — are prepared once per connection through
// database/sql. Bun writes each argument into the SQL text, so every
// statement it sends is new to SQLite and parsed again; with the parse at a
// fifth of the CPU of logging a lecture, the hot path keeps its statements
// prepared instead. Everything else goes through Bun.
type prepared struct {
	savepoint, release, rollbackTo *sql.Stmt

	reply, saveReply, audit     *sql.Stmt
	markSent                    *sql.Stmt
	chatUnit, roles, ipath      *sql.Stmt
	addLecture                  *sql.Stmt
	noteMember, isMember        *sql.Stmt
	subtreeTotals, subtreeLinks *sql.Stmt
	cityLinks                   *sql.Stmt
	similar, namesakes, sameDay *sql.Stmt
	similarCount                *sql.Stmt
	linked, speakerNames        *sql.Stmt // the same person's names, a unit's names (people.go)
	addInstructor               *sql.Stmt // imports add thousands
	stageInstructors            *sql.Stmt // or a million, staged stageRows at a time
	addAction                   *sql.Stmt // the [撤销] under each confirmation
	peekConversation            *sql.Stmt // every message asks whether its sender is in one
	treeUnit                    *sql.Stmt // whether a unit has units below
	leafTotals                  *sql.Stmt // and, in the same read, its own totals and the units and members below it
	// A unit's insert, its placing and a member count fire the subtree
	// triggers, whose programs SQLite compiles with each statement it
	// parses: unprepared, a unit imported cost 4.3 ms of CPU (a province's
	// 100,000 units some seven minutes; -bench ImportUnits ./report).
	addUnit, placeUnit, setMembers *sql.Stmt
	unitByPath, unitByID           *sql.Stmt // an import looks up every row's units
	settle                         *sql.Stmt // every update's last statement on SQLite (store.go run)

	holder string // this handle's name on the outbox's claims (outbox.go)

	// bucketAbove is the unset branches of a reporting unit above which
	// the figures read them from its bucket (tree.go withBuckets); tests
	// set 0 to read every bucket.
	bucketAbove int

	// text is each statement's SQL as prepared (PostgreSQL): the pipeline
	// sends it by that text, which names it on every connection.
	text map[*sql.Stmt]string
}

func prepare(ctx context.Context, db *sql.DB, pg bool) (*prepared, error) {
	p := &prepared{holder: newHolder(), text: map[*sql.Stmt]string{}, bucketAbove: bucketAbove}
	for _, s := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&p.savepoint, "SAVEPOINT u"},
		{&p.release, "RELEASE u"},
		{&p.rollbackTo, "ROLLBACK TO u"},
		{&p.reply, "SELECT reply, state FROM messages WHERE platform = ? AND chat = ? AND msg_id = ?"},
		{&p.addAction, `INSERT INTO button_actions (hash, grp, chat, person, label, answer, ref, expires_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&p.saveReply, `INSERT INTO messages (platform, chat, msg_id, reply, route, state, at, claimed_by, claim_until)
			VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)`},
		{&p.markSent, `UPDATE messages SET state = 'sent', claimed_by = ?, claim_until = 0
			WHERE platform = ? AND chat = ? AND msg_id = ? AND state <> 'sent'`},
		{&p.audit, "INSERT INTO audit (at, actor, chat, action, entity, entity_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?)"},
		{&p.chatUnit, "SELECT " + unitCols + " FROM units WHERE id = (SELECT unit_id FROM chats WHERE platform = ? AND chat_id = ?)"},
		{&p.roles, `SELECT r.person, r.unit_id, u.path, r.granted_by, r.granted_at
			FROM roles r JOIN units u ON u.id = r.unit_id WHERE r.person = ? ORDER BY u.path`},
		{&p.ipath, "SELECT ipath FROM units WHERE id = ?"},
		{&p.addLecture, `INSERT INTO lectures (unit_id, speaker, position, title, day, attendees, venue, form, minutes,
			satisfied, surveyed, link, leader, author, chat, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`},
		{&p.noteMember, `INSERT INTO chat_members (platform, person, chat_id, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`},
		{&p.isMember, isMemberSQL},
		{&p.subtreeTotals, fmt.Sprintf(totalsSelect, "", "u.ipath >= ? AND u.ipath < ?", "")},
		{&p.subtreeLinks, subtreeLinks},
		{&p.cityLinks, cityLinks},
		{&p.similar, "SELECT " + lectureCols + ` FROM lectures l JOIN units u ON u.id = l.unit_id
			WHERE l.unit_id = ? AND l.speaker = ? AND l.day >= ? AND l.day <= ? AND l.withdrawn_at IS NULL ORDER BY l.day, l.id`},
		{&p.similarCount, `SELECT count(*), coalesce(sum(CASE WHEN day >= ?1 AND day <= ?2 THEN 1 ELSE 0 END), 0) FROM lectures INDEXED BY lectures_speaker
			WHERE unit_id = ?3 AND speaker = ?4 AND withdrawn_at IS NULL`},
		{&p.sameDay, `SELECT id FROM lectures INDEXED BY lectures_speaker
			WHERE unit_id = ? AND speaker = ? AND day = ? AND withdrawn_at IS NULL LIMIT 1`},
		{&p.namesakes, `SELECT s.unit_id, u.path,
			coalesce((SELECT p.person_id FROM speaker_people p WHERE p.unit_id = s.unit_id AND p.name = s.name), 0)
			FROM speakers s JOIN units u ON u.id = s.unit_id
			WHERE s.name = ?1 AND u.top_id = (SELECT top_id FROM units WHERE id = ?2) AND s.unit_id <> ?2
			AND NOT EXISTS (SELECT 1 FROM speaker_distinct d WHERE d.unit_id = ?2 AND d.name = ?1 AND d.other_unit_id = s.unit_id)
			AND NOT EXISTS (SELECT 1 FROM speaker_people a JOIN speaker_people b ON b.person_id = a.person_id
				WHERE a.unit_id = ?2 AND a.name = ?1 AND b.unit_id = s.unit_id AND b.name = ?1)
			ORDER BY u.path LIMIT 5`},
		{&p.linked, linkedSQL},
		{&p.speakerNames, "SELECT name FROM speakers WHERE unit_id = ? ORDER BY name"},
		{&p.addInstructor, `INSERT INTO instructors (pool_id, unit_id, name, gender, birth_y, birth_m, workplace, position, phone,
			author, chat, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`},
		{&p.stageInstructors, stageSQL(stageRows)},
		{&p.peekConversation, "SELECT state, expires_at FROM conversations WHERE key = ?"},
		{&p.treeUnit, "SELECT units, members FROM tree_units WHERE unit_id = ?"},
		{&p.settle, "DELETE FROM bucket_queue"},
		{&p.addUnit, `INSERT INTO units (parent_id, top_id, name, path, depth, kind, members, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`},
		{&p.placeUnit, "UPDATE units SET ipath = ?, top_id = ? WHERE id = ?"},
		{&p.setMembers, "UPDATE units SET members = ? WHERE id = ?"},
		{&p.unitByPath, "SELECT " + unitCols + " FROM units WHERE path = ?"},
		{&p.unitByID, "SELECT " + unitCols + " FROM units WHERE id = ?"},
		{&p.leafTotals, fmt.Sprintf(totalsSelect, `coalesce((SELECT units FROM tree_units WHERE unit_id = ?1), 0) AS below,
			coalesce((SELECT members FROM tree_units WHERE unit_id = ?1), 0) AS below_members,`, "u.id = ?1", "")},
	} {
		query := s.query
		if pg && s.dst == &p.savepoint || pg && s.dst == &p.release || pg && s.dst == &p.rollbackTo {
			continue // PostgreSQL's are plain statements (store.savepointer)
		}
		if pg {
			query = rebind(pgSQL(query))
		}
		st, err := db.PrepareContext(ctx, query)
		if err != nil {
			p.close()
			return nil, fmt.Errorf("prepare %q: %w", s.query, err)
		}
		*s.dst = st
		p.text[st] = query
	}
	return p, nil
}

func (p *prepared) close() {
	for _, s := range []*sql.Stmt{p.savepoint, p.release, p.rollbackTo, p.reply, p.saveReply, p.markSent, p.audit,
		p.chatUnit, p.roles, p.ipath, p.addLecture, p.noteMember, p.isMember, p.subtreeTotals, p.subtreeLinks,
		p.cityLinks, p.similar, p.namesakes, p.sameDay, p.similarCount, p.addInstructor, p.stageInstructors, p.addAction,
		p.peekConversation, p.treeUnit, p.leafTotals, p.linked, p.speakerNames, p.addUnit, p.placeUnit, p.setMembers,
		p.unitByPath, p.unitByID, p.settle} {
		if s != nil {
			_ = s.Close()
		}
	}
}

// stmt returns s bound to the transaction when q runs in one; database/sql
// reuses the statement already prepared on the transaction's connection.
func (q queries) stmt(ctx context.Context, s *sql.Stmt) *sql.Stmt {
	if q.pipe != nil {
		_ = q.pipe.send(ctx, nil, nil) // a failure aborts the transaction: the statement fails too
	}
	if q.tx != nil {
		return q.tx.StmtContext(ctx, s)
	}
	return s
}
