package digest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dangke"
)

// DefaultMaxMentions is how many people one message @-mentions at most
// when Scheduler.MaxMentions is 0.
const DefaultMaxMentions = 10

// Named returns the units a scope's digest names as lacking something —
// branches without a lecture or idle for long, counties short of their
// pool, reporting units short of contestants — at most maxNames of each
// kind, in the digest's order: the units whose responsible people are
// @-mentioned.
func (s *Snapshot) Named(scope *dangke.Unit) []int64 {
	var out []int64
	seen := map[int64]bool{}
	add := func(list []*node) {
		for i, n := range list {
			if i == maxNames {
				return
			}
			if !seen[n.unit.ID] {
				seen[n.unit.ID] = true
				out = append(out, n.unit.ID)
			}
		}
	}
	never, stale := s.idle(scope) // the first maxNames of each are all add takes
	add(never.nodes)
	add(stale.nodes)
	for _, d := range s.Campaign.Deadlines {
		if left := s.daysLeft(d); left < 0 || time.Duration(left)*24*time.Hour > s.Campaign.RemindBefore {
			continue
		}
		add(s.lacking(d, scope))
	}
	return out
}

// lacking returns the units of a scope that still lack what a deadline
// requires: its branches without a lecture (form1), its counties short of
// the pool target (pool), its reporting units short of contestants
// (contest); none for a written report.
// Gaps says in sentences what these units lack; reminders name them.
func (s *Snapshot) lacking(d dangke.Deadline, scope *dangke.Unit) []*node {
	var out []*node
	switch d.Requires {
	case dangke.RequireForm1:
		out = s.never(scope)
		if scope != nil && scope.Kind == dangke.KindBranch {
			if n := s.byID[scope.ID]; n != nil && n.subtree.lectures == 0 {
				out = []*node{n}
			}
		}
	case dangke.RequirePool:
		for _, t := range s.tops() {
			if t.unit.Kind == dangke.KindCounty && (scope == nil || inScope(t.unit, scope)) && s.pools[t.unit.ID] < s.Campaign.PoolTarget {
				out = append(out, t)
			}
		}
	case dangke.RequireContest:
		for _, t := range s.tops() {
			if (scope == nil || inScope(t.unit, scope)) && s.entries[t.unit.ID] < s.quota {
				out = append(out, t)
			}
		}
	}
	return out
}

// inScope reports whether u is scope or within it.
func inScope(u dangke.Unit, scope *dangke.Unit) bool {
	return u.ID == scope.ID || strings.HasPrefix(u.Path, scope.Path+"/")
}

// mentions returns whom a message to a chat naming units @-mentions: the
// responsible people of those units on the chat's platform, seen speaking
// in that chat and not opted out, at most max, never in a 1:1 chat.
func mentions(ctx context.Context, st dangke.Reader, chat dangke.ChatRef, units []int64, max int) ([]string, error) {
	if !chat.Group || len(units) == 0 {
		return nil, nil
	}
	if max <= 0 {
		max = DefaultMaxMentions
	}
	contacts, err := st.AllContacts(ctx)
	if err != nil || len(contacts) == 0 {
		return nil, err
	}
	seen, err := st.SeenIn(ctx, chat)
	if err != nil {
		return nil, err
	}
	out, err := st.OptedOut(ctx)
	if err != nil {
		return nil, err
	}
	off := map[string]bool{}
	for _, p := range out {
		off[p] = true
	}
	var list []string
	taken := map[string]bool{}
	for _, u := range units {
		for _, p := range contacts[u] {
			if len(list) == max {
				return list, nil
			}
			if taken[p] || off[p] || !seen[p] || !strings.HasPrefix(p, chat.Platform+":") {
				continue
			}
			taken[p] = true
			list = append(list, p)
		}
	}
	return list, nil
}

// Ahead are the working days before a deadline that its reminders go.
var Ahead = []int{3, 1}

// Reminders sends the deadline reminders due on today's date: for each
// deadline three and one working days ahead (the campaign's calendar), to
// every bound chat whose scope still lacks what the deadline requires,
// naming the units and @-mentioning their responsible people. Each (chat,
// deadline, days ahead) goes once. It returns how many were sent.
func (s *Scheduler) Reminders(ctx context.Context, today time.Time) (int, error) {
	if err := s.init(); err != nil {
		return 0, err
	}
	today = dangke.Midnight(today.In(s.Campaign.Location))
	var due []struct {
		d     dangke.Deadline
		ahead int
	}
	for _, d := range s.Campaign.Deadlines {
		for _, n := range Ahead {
			if s.Campaign.Calendar.WorkdaysBefore(d.Date, n).Equal(today) {
				due = append(due, struct {
					d     dangke.Deadline
					ahead int
				}{d, n})
			}
		}
	}
	if len(due) == 0 {
		return 0, nil
	}
	chats, err := s.Store.BoundChats(ctx)
	if err != nil {
		return 0, err
	}
	snap, err := Collect(ctx, s.Store, s.Campaign, s.City, s.Rubric, dangke.Week(today), today)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, r := range due {
		for _, bc := range chats {
			notifier := s.Notifiers[bc.Chat.Platform]
			if notifier == nil || (r.d.Requires == dangke.RequireReport && bc.UnitID != 0) {
				continue
			}
			var scope *dangke.Unit
			if bc.UnitID != 0 {
				if scope, err = s.Store.UnitByID(ctx, bc.UnitID); err != nil {
					return sent, err
				}
			}
			lack := snap.lacking(r.d, scope)
			if len(lack) == 0 && r.d.Requires != dangke.RequireReport {
				continue
			}
			ids := make([]int64, 0, len(lack))
			for _, n := range lack {
				ids = append(ids, n.unit.ID)
			}
			who, err := mentions(ctx, s.Store, bc.Chat, ids, s.MaxMentions)
			if err != nil {
				return sent, err
			}
			reply := &dangke.Reply{Text: reminderText(r.d, r.ahead, lack, scope), Mentions: who}
			// An outbox row like a digest's: its key makes the reminder once
			// per (chat, deadline, days ahead), and the adapter's sweep sends
			// it again after a failure or a crash.
			key := dangke.MessageKey{Platform: bc.Chat.Platform, Chat: bc.Chat.ID,
				ID: fmt.Sprintf("reminder:%s:%s:%d", r.d.Date.Format(dangke.DateLayout), r.d.Name, r.ahead)}
			out := dangke.Outgoing{Key: key, Kind: dangke.SendReminder, Group: bc.Chat.Group, Webhook: bc.Chat.Webhook, Text: reply.Text, At: s.Now(),
				Mentions: reply.Mentions} // kept for a 补发
			var saved bool
			if err := s.Store.Update(ctx, func(tx dangke.Tx) error {
				var err error
				saved, err = tx.SaveOutgoing(ctx, out)
				return err
			}); err != nil {
				return sent, err
			}
			if !saved {
				continue
			}
			post, err := s.poster(bc.Chat.Platform, notifier)
			if err != nil {
				return sent, err
			}
			if tried, err := post(ctx, out, reply); err != nil || !tried {
				s.Log.Warn("deadline reminder not sent now; the outbox tries it again", "chat", bc.Chat.Key(), "deadline", r.d.Name, "err", err)
				continue
			}
			sent++
		}
	}
	return sent, nil
}

// reminderText is a deadline reminder: the deadline, the working days
// left, and the units still lacking what it requires.
func reminderText(d dangke.Deadline, ahead int, lack []*node, scope *dangke.Unit) string {
	when := "还有 1 个工作日"
	if ahead != 1 {
		when = fmt.Sprintf("还有 %d 个工作日", ahead)
	}
	text := fmt.Sprintf("⏰ 「%s」%s截止，%s。", d.Name, md(d.Date), when)
	switch d.Requires {
	case dangke.RequireForm1:
		text += "\n尚未开展微党课的党支部：" + names(capList(lack), scope)
	case dangke.RequirePool:
		text += "\n师资库未达标的县市区：" + names(capList(lack), scope)
	case dangke.RequireContest:
		text += "\n参赛选手未报满的单位：" + names(capList(lack), scope)
	case dangke.RequireReport:
		text += "\n请按时报送。"
	}
	return text
}

// never returns every branch of a subtree with no lecture at all (of a
// snapshot that holds the subtree: Collect's, or a reporting unit's; of a
// Source's city, the first maxNames, all that Named takes).
func (s *Snapshot) never(scope *dangke.Unit) []*node {
	if scope == nil && s.city != nil {
		return s.city.never.nodes // a Source's city: its first maxNames
	}
	var out []*node
	for _, n := range s.branches(scope) {
		if n.subtree.lectures == 0 {
			out = append(out, n)
		}
	}
	return out
}

// capList keeps a list's first maxNames for names, with its length.
func capList(list []*node) capped {
	return capped{nodes: list[:min(len(list), maxNames)], n: len(list)}
}
