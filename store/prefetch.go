package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"dangke"
)

// The reads every message starts with — whether it was handled before,
// the sender's conversation, the chat's unit, the sender's roles — are one
// round trip on PostgreSQL instead of four: Prefetch sends them together
// (pgx's pipelined batch, each statement the prepared one) and keeps the
// answers in the context, where Reply, PeekConversation, ChatUnit and
// Roles outside a transaction take them, each once. An update through the
// store ends them: what is read after it is read again. On SQLite, where a
// read is a function call, Prefetch does nothing.

// fetch names what Prefetch reads.
type fetch struct {
	Message      dangke.MessageKey // its saved reply, when ID is set
	Conversation string            // a conversation key, when set
	Chat         dangke.ChatRef    // the chat's unit, when ID is set
	Person       string            // the person's roles, when set
}

type prefetchKey struct{}

// prefetched is what Prefetch read; each answer is taken once.
type prefetched struct {
	mu    sync.Mutex
	what  fetch
	stale bool

	reply   *dangke.Outgoing // nil: not handled
	replyOK bool             // reply was read
	conv    *convState
	convOK  bool
	unit    *dangke.Unit
	unitOK  bool
	roles   []dangke.Role
	rolesOK bool

	db        *sql.DB             // for the reads that follow (SpeakerLectures)
	namesakes []dangke.SpeakerRef // read with SpeakerLectures, for Namesakes
	nameUnit  int64
	name      string
	namesOK   bool
}

type convState struct {
	state string
	exp   int64
}

// Prefetch reads in one round trip what the router reads of every message
// first (PostgreSQL; on SQLite it returns ctx as it is): the saved reply of
// msg, the conversation under key conv, the unit of chat and the roles of
// person (each skipped when empty). A failure leaves the reads to be made
// one by one.
func (s *Store) Prefetch(ctx context.Context, msg dangke.MessageKey, conv string, chat dangke.ChatRef, person string) context.Context {
	if !s.pg {
		return ctx
	}
	what := fetch{Message: msg, Conversation: conv, Chat: chat, Person: person}
	p := &prefetched{what: what, db: s.db.DB}
	var b pgx.Batch
	text := s.p.text
	var reply, convQ, unit, roles *pgx.QueuedQuery
	if what.Message.ID != "" {
		reply = b.Queue(text[s.p.reply], what.Message.Platform, what.Message.Chat, what.Message.ID)
	}
	if what.Conversation != "" {
		convQ = b.Queue(text[s.p.peekConversation], what.Conversation)
	}
	if what.Chat.ID != "" {
		unit = b.Queue(text[s.p.chatUnit], what.Chat.Platform, what.Chat.ID)
	}
	if what.Person != "" {
		roles = b.Queue(text[s.p.roles], what.Person)
	}
	if len(b.QueuedQueries) == 0 {
		return ctx
	}
	one := func(err error, ok *bool) error {
		if errors.Is(err, sql.ErrNoRows) {
			err = nil
		}
		*ok = err == nil
		return err
	}
	if reply != nil {
		reply.QueryRow(func(row pgx.Row) error {
			o := dangke.Outgoing{Key: what.Message}
			err := row.Scan(&o.Text, &o.State)
			if err == nil {
				p.reply = &o
			}
			return one(err, &p.replyOK)
		})
	}
	if convQ != nil {
		convQ.QueryRow(func(row pgx.Row) error {
			var c convState
			err := row.Scan(&c.state, &c.exp)
			if err == nil {
				p.conv = &c
			}
			return one(err, &p.convOK)
		})
	}
	if unit != nil {
		unit.QueryRow(func(row pgx.Row) error {
			var r unitRow
			err := row.Scan(&r.ID, &r.ParentID, &r.TopID, &r.Name, &r.Path, &r.IPath, &r.Depth, &r.Kind, &r.Members)
			if err == nil {
				u := r.unit()
				p.unit = &u
			}
			return one(err, &p.unitOK)
		})
	}
	if roles != nil {
		roles.Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var r dangke.Role
				var at int64
				if err := rows.Scan(&r.Person, &r.UnitID, &r.UnitPath, &r.GrantedBy, &at); err != nil {
					return err
				}
				r.GrantedAt = fromMillis(at)
				p.roles = append(p.roles, r)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			p.rolesOK = true
			return nil
		})
	}
	conn, err := s.db.DB.Conn(ctx)
	if err != nil {
		return ctx
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		return dc.(*stdlib.Conn).Conn().SendBatch(ctx, &b).Close()
	})
	if err != nil {
		return ctx // read again one by one, which reports the error
	}
	return context.WithValue(ctx, prefetchKey{}, p)
}

// fetched returns what Prefetch read for this request, outside a
// transaction and before any update of the store.
func (q queries) fetched(ctx context.Context) *prefetched {
	if q.tx != nil {
		return nil
	}
	p, _ := ctx.Value(prefetchKey{}).(*prefetched)
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stale {
		return nil
	}
	return p
}

// endPrefetch makes what Prefetch read stale: an update changes it.
func endPrefetch(ctx context.Context) {
	if p, _ := ctx.Value(prefetchKey{}).(*prefetched); p != nil {
		p.mu.Lock()
		p.stale = true
		p.mu.Unlock()
	}
}

// takeReply returns the prefetched saved reply of key, once.
func (p *prefetched) takeReply(key dangke.MessageKey) (dangke.Outgoing, bool, bool) {
	if p != nil {
		p.mu.Lock()
		defer p.mu.Unlock()
	}
	if p == nil || !p.replyOK || p.what.Message != key {
		return dangke.Outgoing{}, false, false
	}
	p.replyOK = false
	if p.reply == nil {
		return dangke.Outgoing{}, false, true
	}
	return *p.reply, true, true
}

func (p *prefetched) takeConversation(key string) (*convState, bool) {
	if p != nil {
		p.mu.Lock()
		defer p.mu.Unlock()
	}
	if p == nil || !p.convOK || p.what.Conversation != key {
		return nil, false
	}
	p.convOK = false
	return p.conv, true
}

func (p *prefetched) takeUnit(chat dangke.ChatRef) (*dangke.Unit, bool) {
	if p != nil {
		p.mu.Lock()
		defer p.mu.Unlock()
	}
	if p == nil || !p.unitOK || p.what.Chat.Platform != chat.Platform || p.what.Chat.ID != chat.ID {
		return nil, false
	}
	p.unitOK = false
	return p.unit, true
}

func (p *prefetched) takeRoles(person string) ([]dangke.Role, bool) {
	if p != nil {
		p.mu.Lock()
		defer p.mu.Unlock()
	}
	if p == nil || !p.rolesOK || p.what.Person != person {
		return nil, false
	}
	p.rolesOK = false
	return p.roles, true
}

// speakerLectures is SpeakerLectures with the speaker's namesakes read in
// the same round trip, kept for Namesakes: asked of a lecturer's first
// lecture in a unit, which is most of a campaign's. ok is false when it
// could not be done so (then the caller reads alone).
func (p *prefetched) speakerLectures(ctx context.Context, q queries, unit int64, speaker string, from, to time.Time) (total, near int, ok bool) {
	var b pgx.Batch
	b.Queue(q.p.text[q.p.similarCount], from.Format(dangke.DateLayout), to.Format(dangke.DateLayout), unit, speaker).QueryRow(func(row pgx.Row) error {
		return row.Scan(&total, &near)
	})
	var names []dangke.SpeakerRef
	b.Queue(q.p.text[q.p.namesakes], speaker, unit).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			s := dangke.SpeakerRef{Name: speaker}
			if err := rows.Scan(&s.UnitID, &s.UnitPath, &s.Person); err != nil {
				return err
			}
			names = append(names, s)
		}
		return rows.Err()
	})
	conn, err := p.db.Conn(ctx)
	if err != nil {
		return 0, 0, false
	}
	defer conn.Close()
	if err := conn.Raw(func(dc any) error { return dc.(*stdlib.Conn).Conn().SendBatch(ctx, &b).Close() }); err != nil {
		return 0, 0, false
	}
	p.mu.Lock()
	p.namesakes, p.nameUnit, p.name, p.namesOK = names, unit, speaker, true
	p.mu.Unlock()
	return total, near, true
}

func (p *prefetched) takeNamesakes(unit int64, name string) ([]dangke.SpeakerRef, bool) {
	if p == nil {
		return nil, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.namesOK || p.nameUnit != unit || p.name != name {
		return nil, false
	}
	p.namesOK = false
	return p.namesakes, true
}
