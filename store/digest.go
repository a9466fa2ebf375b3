package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"dangke"
)

// BoundChats lists every chat bound to a unit or to the city.
func (q queries) BoundChats(ctx context.Context) ([]dangke.BoundChat, error) {
	var rows []struct {
		Platform string `bun:"platform"`
		ChatID   string `bun:"chat_id"`
		Title    string `bun:"title"`
		IsGroup  bool   `bun:"is_group"`
		UnitID   int64  `bun:"unit_id"`
		Webhook  string `bun:"webhook_key"`
	}
	// By the unit's path, so that the digests of one reporting unit come
	// together (digest.Source reads one reporting unit at a time), and the
	// city's last; a chat the bot has left gets none.
	err := q.db.NewRaw(`SELECT platform, chat_id, title, is_group, unit_id, webhook_key FROM (
		SELECT c.platform, c.chat_id, c.title, c.is_group, c.unit_id, c.webhook_key, 0 AS city, u.path
		FROM chats c JOIN units u ON u.id = c.unit_id WHERE c.left_at IS NULL
		UNION ALL SELECT platform, chat_id, title, is_group, 0, webhook_key, 1, '' FROM city_chats WHERE left_at IS NULL) b
		ORDER BY city, path, platform, chat_id`).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: bound chats: %w", err)
	}
	out := make([]dangke.BoundChat, len(rows))
	for i, r := range rows {
		out[i] = dangke.BoundChat{Chat: dangke.ChatRef{Platform: r.Platform, ID: r.ChatID, Title: r.Title, Group: r.IsGroup, Webhook: r.Webhook}, UnitID: r.UnitID}
	}
	return out, nil
}

// IsCityChat reports whether a chat is bound to the whole city.
func (q queries) IsCityChat(ctx context.Context, chat dangke.ChatRef) (bool, error) {
	var n int
	if err := q.db.NewRaw("SELECT count(*) FROM city_chats WHERE platform = ? AND chat_id = ?", chat.Platform, chat.ID).Scan(ctx, &n); err != nil {
		return false, fmt.Errorf("store: city chat: %w", err)
	}
	return n > 0, nil
}

// SpeakerStats calls fn with every lecturer's activity up to the end of
// week (of a subtree's units when under is not 0), with the person each is
// linked to. Rows are not kept: a province's lecturers are millions.
//
// A lecturer's row in speakers holds their whole campaign: for a week
// (Monday to Sunday) after which they have not lectured, it is their
// activity up to the week's end, and the week's and the week before's
// lectures are their week_speakers rows (read only for those active then).
// The few lecturers who have lectured since (a digest sent on Monday for
// the week before) are counted from their lectures. So a province's
// digests read one row a lecturer, not every lecture. A week after which
// a tenth of the subtree's lectures are dated is read from the lectures.
func (q queries) SpeakerStats(ctx context.Context, week dangke.Period, under int64, fn func(dangke.SpeakerStat) error) error {
	if week.From.Weekday() != time.Monday || !week.To.Equal(week.From.AddDate(0, 0, 6)) {
		return q.speakerStatsScan(ctx, week, under, fn)
	}
	mon, sun := week.From.Format(dangke.DateLayout), week.To.Format(dangke.DateLayout)
	// An old week (most lectures dated after it) is read in one pass over
	// the lectures, as any period is: the lecturers who lectured since
	// would each cost a lookup.
	var later, total int
	if err := q.db.NewRaw("SELECT coalesce(sum(CASE WHEN day > ? THEN lectures ELSE 0 END), 0), coalesce(sum(lectures), 0) FROM tree_days WHERE unit_id = ?",
		sun, under).Scan(ctx, &later, &total); err != nil {
		return fmt.Errorf("store: speaker stats: %w", err)
	}
	if later*10 > total {
		return q.speakerStatsScan(ctx, week, under, fn)
	}
	prevMon, prevSun := week.From.AddDate(0, 0, -7).Format(dangke.DateLayout), week.From.AddDate(0, 0, -1).Format(dangke.DateLayout)
	from, scope, scopeArgs := "speakers s", "", []any(nil)
	linkFrom := "speaker_people sp"
	if under != 0 {
		ip, err := q.ipath(ctx, under)
		if err != nil {
			return err
		}
		lo, hi := subtree(ip)
		from = "units u CROSS JOIN speakers s ON s.unit_id = u.id"
		linkFrom = "units u CROSS JOIN speaker_people sp ON sp.unit_id = u.id"
		scope, scopeArgs = " AND u.ipath >= ? AND u.ipath < ?", []any{lo, hi}
	}
	// The links are few: read once, looked up by name for the units that
	// have any.
	links := map[int64]map[string]int64{}
	var lrows []struct {
		UnitID int64  `bun:"unit_id"`
		Name   string `bun:"name"`
		Person int64  `bun:"person_id"`
	}
	if err := q.db.NewRaw("SELECT sp.unit_id, sp.name, sp.person_id FROM "+linkFrom+" WHERE 1 = 1"+scope, scopeArgs...).Scan(ctx, &lrows); err != nil {
		return fmt.Errorf("store: speaker stats: %w", err)
	}
	for _, l := range lrows {
		if links[l.UnitID] == nil {
			links[l.UnitID] = map[string]int64{}
		}
		links[l.UnitID][l.Name] = l.Person
	}
	// The weeks' lectures: a lookup only for a lecturer active then.
	const weeks = `CASE WHEN s.last_day >= ? THEN coalesce((SELECT w.lectures FROM week_speakers w
			WHERE w.unit_id = s.unit_id AND w.week = ? AND w.name = s.name), 0) ELSE 0 END,
		CASE WHEN s.last_day >= ? AND s.first_day <= ? THEN coalesce((SELECT w.lectures FROM week_speakers w
			WHERE w.unit_id = s.unit_id AND w.week = ? AND w.name = s.name), 0) ELSE 0 END`
	weekArgs := []any{mon, mon, prevMon, prevSun, prevMon}
	// The first arm's placeholders, then the second's.
	args := slices.Concat(weekArgs, []any{sun}, scopeArgs, []any{sun}, weekArgs, []any{sun}, scopeArgs, []any{sun})
	// A lecturer who lectured after the week: their row less those later
	// lectures (read by one seek), their latest day up to the week's end
	// by another; one whose lectures are all later is not counted.
	rows, err := q.db.QueryContext(ctx, `SELECT s.unit_id, s.first_day, s.last_day, s.lectures, `+weeks+`,
		s.attendees, s.satisfied, s.surveyed, CASE WHEN s.leader_lectures > 0 THEN 1 ELSE 0 END, s.name
		FROM `+from+` WHERE s.last_day <= ?`+scope+`
		UNION ALL SELECT s.unit_id, s.first_day, (SELECT max(e.day) FROM lectures e INDEXED BY lectures_speaker
			WHERE e.unit_id = s.unit_id AND e.speaker = s.name AND e.withdrawn_at IS NULL AND e.day <= ?),
		s.lectures - count(*), `+weeks+`,
		s.attendees - sum(l.attendees), s.satisfied - sum(l.satisfied), s.surveyed - sum(l.surveyed),
		CASE WHEN s.leader_lectures > sum(CASE WHEN l.leader <> 0 THEN 1 ELSE 0 END) THEN 1 ELSE 0 END, s.name
		FROM `+from+` CROSS JOIN lectures l INDEXED BY lectures_speaker ON l.unit_id = s.unit_id AND l.speaker = s.name
		WHERE s.last_day > ?`+scope+` AND l.withdrawn_at IS NULL AND l.day > ?
		GROUP BY s.unit_id, s.name HAVING s.lectures > count(*)`, args...)
	if err != nil {
		return fmt.Errorf("store: speaker stats: %w", err)
	}
	defer rows.Close()
	var name sql.RawBytes
	for rows.Next() {
		var s dangke.SpeakerStat
		if err := rows.Scan(&s.UnitID, &s.First, &s.Last, &s.Lectures, &s.ThisWeek, &s.LastWeek,
			&s.Attendees, &s.Satisfied, &s.Surveyed, &s.Leader, &name); err != nil {
			return fmt.Errorf("store: speaker stats: %w", err)
		}
		if l := links[s.UnitID]; l != nil {
			s.Person = l[string(name)]
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: speaker stats: %w", err)
	}
	return nil
}

// speakerStatsScan is SpeakerStats for any period: one pass over the
// lectures_speaker index up to its end.
func (q queries) speakerStatsScan(ctx context.Context, week dangke.Period, under int64, fn func(dangke.SpeakerStat) error) error {
	prev := dangke.Period{From: week.From.AddDate(0, 0, -7), To: week.To.AddDate(0, 0, -7)}
	args := append(dayRange(week), dayRange(prev)...)
	from := "lectures l INDEXED BY lectures_speaker"
	where, group := "", "l.unit_id, l.speaker"
	if under != 0 {
		ip, err := q.ipath(ctx, under)
		if err != nil {
			return err
		}
		lo, hi := subtree(ip)
		from = "units u CROSS JOIN lectures l INDEXED BY lectures_speaker ON l.unit_id = u.id"
		where = " AND u.ipath >= ? AND u.ipath < ?"
		args = append(args, lo, hi)
		// The units come in (ipath, id) order and each one's lectures by
		// speaker: grouping in that order needs no sort of the subtree's
		// lecturers.
		group = "u.ipath, u.id, l.unit_id, l.speaker" // l.unit_id for PostgreSQL: the same value
	}
	// The links are looked up per lecturer after grouping: the table is
	// small, and a lecturer without one costs one index probe.
	rows, err := q.db.QueryContext(ctx, `SELECT s.unit_id, s.first, s.last, s.n, s.this_week, s.last_week,
		s.attendees, s.satisfied, s.surveyed, s.leader, coalesce(sp.person_id, 0) FROM (
		SELECT l.unit_id, l.speaker, min(l.day) AS first, max(l.day) AS last, count(*) AS n,
		sum(CASE WHEN l.day >= ? AND l.day <= ? THEN 1 ELSE 0 END) AS this_week,
		sum(CASE WHEN l.day >= ? AND l.day <= ? THEN 1 ELSE 0 END) AS last_week,
		sum(l.attendees) AS attendees, sum(l.satisfied) AS satisfied, sum(l.surveyed) AS surveyed, max(l.leader) AS leader
		FROM `+from+` WHERE l.withdrawn_at IS NULL AND l.day <= ?`+where+`
		GROUP BY `+group+`) s LEFT JOIN speaker_people sp ON sp.unit_id = s.unit_id AND sp.name = s.speaker`,
		append(append(args[:4:4], week.To.Format(dangke.DateLayout)), args[4:]...)...)
	if err != nil {
		return fmt.Errorf("store: speaker stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s dangke.SpeakerStat
		if err := rows.Scan(&s.UnitID, &s.First, &s.Last, &s.Lectures, &s.ThisWeek, &s.LastWeek,
			&s.Attendees, &s.Satisfied, &s.Surveyed, &s.Leader, &s.Person); err != nil {
			return fmt.Errorf("store: speaker stats: %w", err)
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: speaker stats: %w", err)
	}
	return nil
}

// TopUnits returns the reporting units, by path.
func (q queries) TopUnits(ctx context.Context) ([]dangke.Unit, error) {
	var rows []unitRow
	if err := q.db.NewRaw("SELECT "+unitCols+" FROM units WHERE parent_id IS NULL ORDER BY path").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("store: top units: %w", err)
	}
	return units(rows), nil
}

// PoolSizes counts the active lecturers of every county's pool.
func (q queries) PoolSizes(ctx context.Context) (map[int64]int, error) {
	var rows []struct {
		PoolID int64 `bun:"pool_id"`
		N      int   `bun:"n"`
	}
	if err := q.db.NewRaw("SELECT pool_id, count(*) AS n FROM instructors WHERE "+liveInstructor("")+" GROUP BY pool_id").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("store: pool sizes: %w", err)
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.PoolID] = r.N
	}
	return out, nil
}

// DigestStatus returns the outbox state of a chat's digest for a week.
func (q queries) DigestStatus(ctx context.Context, chat dangke.ChatRef, week string) (string, error) {
	o, found, err := q.Reply(ctx, dangke.DigestKey(chat, week))
	if err != nil || !found {
		return "", err
	}
	return o.State, nil
}

// SetChatWebhook stores a bound group's robot webhook key.
func (t *txStore) SetChatWebhook(ctx context.Context, chat dangke.ChatRef, key string) error {
	var n int64
	for _, table := range []string{"chats", "city_chats"} {
		res, err := t.db.ExecContext(ctx, "UPDATE "+table+" SET webhook_key = ? WHERE platform = ? AND chat_id = ?", key, chat.Platform, chat.ID)
		if err != nil {
			return fmt.Errorf("store: set webhook: %w", err)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	if n == 0 {
		return dangke.Errorf(dangke.ENOTFOUND, "本群尚未绑定单位，请先发送 /单位 绑定 路径。")
	}
	return nil
}

// BindCity binds a chat to the whole city.
func (t *txStore) BindCity(ctx context.Context, chat dangke.ChatRef, by string, at time.Time) error {
	if _, err := t.db.ExecContext(ctx, "DELETE FROM chats WHERE platform = ? AND chat_id = ?", chat.Platform, chat.ID); err != nil {
		return fmt.Errorf("store: bind city: %w", err)
	}
	_, err := t.db.ExecContext(ctx, `INSERT INTO city_chats (platform, chat_id, title, is_group, bound_by, bound_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (platform, chat_id) DO UPDATE SET title = excluded.title, bound_by = excluded.bound_by, bound_at = excluded.bound_at`,
		chat.Platform, chat.ID, chat.Title, chat.Group, by, millis(at))
	if err != nil {
		return fmt.Errorf("store: bind city: %w", err)
	}
	return nil
}
