package digest_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"dangke"
)

// mentioner records each message's text and mentions.
type mentioner struct {
	mu   sync.Mutex
	sent []string
}

func (m *mentioner) Notify(_ context.Context, chat dangke.ChatRef, reply *dangke.Reply) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, "→ "+chat.ID+" @"+strings.Join(reply.Mentions, ",")+"\n"+reply.Text)
	return nil
}

// Deadline reminders go 3 and 1 working days before the 附件1 deadline
// (30 September 2019; 29 September is a 调休 Sunday) to the chats whose
// scope still has a branch without a lecture, @-mentioning the
// responsible people of those branches seen in the chat, not opted out;
// each goes once.
func TestDeadlineReminders(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.lecture("温县/城关镇/第一党支部", "张三", "支部书记", day(7, 2), 40)
	idle := w.units["温县/北冷乡/机关党支部"]
	second := w.units["温县/城关镇/第二党支部"]
	county := dangke.ChatRef{Platform: "test", ID: "g-county", Group: true}
	err := w.st.Update(ctx, func(tx dangke.Tx) error {
		if err := tx.SetContacts(ctx, idle.ID, []string{"test:wang", "test:zhao", "other:li"}, "test:admin", day(9, 1)); err != nil {
			return err
		}
		if err := tx.SetContacts(ctx, second.ID, []string{"test:qian", "test:sun"}, "test:admin", day(9, 1)); err != nil {
			return err
		}
		for _, p := range []string{"test:wang", "test:qian", "test:sun", "other:li"} { // zhao never spoke there
			if err := tx.NoteMember(ctx, p, county, day(9, 1)); err != nil {
				return err
			}
		}
		return tx.SetOptOut(ctx, "test:sun", true, day(9, 1))
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := &mentioner{}
	now := day(9, 26).Add(9 * time.Hour)
	s := w.scheduler(rec, &now)
	s.Notifiers = map[string]dangke.Notifier{"test": rec}
	s.Campaign.Calendar.Add([]string{"2019-09-29"}, true)
	s.MaxMentions = 5
	for _, d := range []time.Time{day(9, 24), day(9, 25)} {
		if n, err := s.Reminders(ctx, d); err != nil || n != 0 {
			t.Fatalf("%s: %d reminders, %v", d.Format(dangke.DateLayout), n, err)
		}
	}
	n, err := s.Reminders(ctx, day(9, 26))
	if err != nil {
		t.Fatal(err)
	}
	byChat := map[string]string{}
	for _, m := range rec.sent {
		byChat[strings.Fields(m)[1]] = m
	}
	if n != 4 || len(byChat) != 3 { // the city's chat also gets the report's reminder
		t.Fatalf("%d reminders: %v", n, rec.sent)
	}
	c := byChat["g-county"]
	if !strings.Contains(c, "「报送活动统计表（附件1）」9月30日截止，还有 3 个工作日") || !strings.Contains(c, "北冷乡/机关党支部") ||
		!strings.Contains(c, "城关镇/第二党支部") || !strings.Contains(c, "@test:qian,test:wang\n") && !strings.Contains(c, "@test:wang,test:qian\n") {
		t.Fatalf("county reminder:\n%s", c)
	}
	if _, ok := byChat["g-branch"]; ok {
		t.Fatalf("a branch that lectured was reminded: %s", byChat["g-branch"])
	}
	if m := byChat["g-idle"]; !strings.Contains(m, "@\n") { // nobody seen in that chat
		t.Fatalf("idle branch reminder: %s", m)
	}
	if n, _ := s.Reminders(ctx, day(9, 26)); n != 0 {
		t.Fatalf("the same day's reminders went again: %d", n)
	}
	rec.sent = nil
	if n, _ := s.Reminders(ctx, day(9, 29)); n != 4 || !strings.Contains(rec.sent[0], "还有 1 个工作日") {
		t.Fatalf("one working day before: %d %v", n, rec.sent)
	}
}

// The weekly digest @-mentions the responsible people of the idle branches
// it names, in a group; the county's chat has them.
func TestDigestMentions(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.lecture("温县/城关镇/第一党支部", "张三", "支部书记", day(7, 2), 40)
	idle := w.units["温县/北冷乡/机关党支部"]
	county := dangke.ChatRef{Platform: "test", ID: "g-county", Group: true}
	if err := w.st.Update(ctx, func(tx dangke.Tx) error {
		if err := tx.SetContacts(ctx, idle.ID, []string{"test:wang"}, "test:admin", day(7, 1)); err != nil {
			return err
		}
		return tx.NoteMember(ctx, "test:wang", county, day(7, 1))
	}); err != nil {
		t.Fatal(err)
	}
	rec := &mentioner{}
	now := day(7, 8).Add(9 * time.Hour)
	s := w.scheduler(rec, &now)
	if _, err := s.RunWeek(ctx, dangke.Week(day(7, 1)), false, nil); err != nil {
		t.Fatal(err)
	}
	for _, m := range rec.sent {
		if strings.HasPrefix(m, "→ g-county ") && !strings.HasPrefix(m, "→ g-county @test:wang\n") {
			t.Fatalf("county digest without its mention: %s", m)
		}
		if strings.HasPrefix(m, "→ g-branch ") && !strings.HasPrefix(m, "→ g-branch @\n") {
			t.Fatalf("branch digest mentions: %s", m)
		}
	}
}

// Run sends the day's deadline reminders at the digest's hour, not at
// night, and wakes the next day at that hour.
func TestRunSendsReminders(t *testing.T) {
	w := newWorld(t)
	rec := &mentioner{}
	now := day(9, 24).Add(22 * time.Hour) // Tuesday night before the reminder day
	s := w.scheduler(rec, &now)
	s.Notifiers = map[string]dangke.Notifier{"test": rec}
	s.Remind = true
	var slept []time.Duration
	ctx, cancel := context.WithCancel(context.Background())
	s.Sleep = func(_ context.Context, d time.Duration) error {
		slept = append(slept, d)
		if len(slept) == 2 {
			cancel()
			return context.Canceled
		}
		now = now.Add(d)
		return nil
	}
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if slept[0] != 11*time.Hour || slept[1] != 24*time.Hour {
		t.Fatalf("slept %v, want 11h (to 09:00) then 24h", slept)
	}
	reminders := 0
	for _, m := range rec.sent {
		if strings.Contains(m, "还有 3 个工作日") {
			reminders++
		}
	}
	if reminders != 5 { // none at 22:00 the night before; at 09:00 one per chat lacking, and the report's to the city
		t.Fatalf("%d reminders: %v", reminders, rec.sent)
	}
}
