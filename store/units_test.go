package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"dangke"
	"dangke/store"
)

// recomputed counts the figures of every unit's subtree (and of the city,
// key 0) straight from the active lectures, a name within a unit being one
// lecturer: what the running totals must equal after any change.
// base keeps the counts of figures, without the names of doubtful units
// (which a rename changes) or the covered part (which recomputed leaves out).
func base(f dangke.Figures) dangke.Figures {
	return dangke.Figures{Lectures: f.Lectures, Speakers: f.Speakers, Leaders: f.Leaders, Attendees: f.Attendees,
		Satisfied: f.Satisfied, Surveyed: f.Surveyed, Members: f.Members}
}

func recomputed(t *testing.T, s *store.Store) map[int64]dangke.Figures {
	t.Helper()
	ctx := context.Background()
	us, err := s.Units(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := s.LecturesIn(ctx, 0, dangke.Period{})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]dangke.Unit{}
	for _, u := range us {
		byID[u.ID] = u
	}
	out := map[int64]dangke.Figures{}
	type who struct {
		unit int64
		name string
	}
	speakers := map[int64]map[who]bool{} // subtree → lecturer → leader
	holders := func(unit int64) []int64 {
		ids := []int64{0}
		u := byID[unit]
		for _, v := range us {
			if v.Contains(&u) {
				ids = append(ids, v.ID)
			}
		}
		return ids
	}
	for _, u := range us {
		for _, id := range holders(u.ID) {
			f := out[id]
			f.Members += u.Members
			out[id] = f
		}
	}
	var links []struct {
		UnitID   int64  `bun:"unit_id"`
		Name     string `bun:"name"`
		PersonID int64  `bun:"person_id"`
	}
	if err := s.DB().NewRaw("SELECT unit_id, name, person_id FROM speaker_people").Scan(ctx, &links); err != nil {
		t.Fatal(err)
	}
	people := map[who]int64{}
	for _, l := range links {
		people[who{l.UnitID, l.Name}] = l.PersonID
	}
	for _, l := range ls {
		for _, id := range holders(l.UnitID) {
			f := out[id]
			f.Lectures++
			f.Attendees += l.Attendees
			f.Satisfied += l.Satisfied
			f.Surveyed += l.Surveyed
			out[id] = f
			if speakers[id] == nil {
				speakers[id] = map[who]bool{}
			}
			w := who{l.UnitID, l.Speaker}
			if p, ok := people[w]; ok { // names linked to one person count once
				w = who{-p, ""}
			}
			speakers[id][w] = speakers[id][w] || l.Leader
		}
	}
	for id, m := range speakers {
		f := out[id]
		for _, leader := range m {
			f.Speakers++
			if leader {
				f.Leaders++
			}
		}
		out[id] = f
	}
	return out
}

// agree checks that the store's figures of every unit and of the city equal
// a recomputation from the lectures.
func agree(t *testing.T, s *store.Store) map[int64]dangke.Figures {
	t.Helper()
	ctx := context.Background()
	want := recomputed(t, s)
	us, _ := s.Units(ctx, 0)
	for _, id := range append([]int64{0}, ids(us)...) {
		got, err := s.Figures(ctx, id, dangke.Period{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(base(got), base(want[id])) {
			t.Fatalf("unit %d: figures %+v, recomputed %+v", id, got, want[id])
		}
	}
	return want
}

func ids(us []dangke.Unit) []int64 {
	out := make([]int64, len(us))
	for i, u := range us {
		out[i] = u.ID
	}
	return out
}

func update(t *testing.T, s *store.Store, fn func(tx dangke.Tx) error) error {
	t.Helper()
	return s.Update(context.Background(), fn)
}

func unit(t *testing.T, s *store.Store, path string) *dangke.Unit {
	t.Helper()
	u, err := s.UnitByPath(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// A rename rewrites the paths of the whole subtree; the ids and figures stay.
func TestRenameUnit(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s := open(t)
		b := addPath(t, s, "温县/城关真/第一党支部", 10)
		addLecture(t, s, dangke.Lecture{UnitID: b.ID, Speaker: "张三", Position: "书记", Title: "a", Date: day("2019-07-01"), Attendees: 5, Leader: true})
		town := unit(t, s, "温县/城关真")
		before := agree(t, s)
		if err := update(t, s, func(tx dangke.Tx) error { return tx.RenameUnit(ctx, town.ID, "城关镇") }); err != nil {
			t.Fatal(err)
		}
		got := unit(t, s, "温县/城关镇/第一党支部")
		if got.ID != b.ID || got.Depth != 3 || got.TopID != b.TopID {
			t.Fatalf("after rename %+v, before %+v", got, b)
		}
		if _, err := s.UnitByPath(ctx, "温县/城关真/第一党支部"); dangke.ErrorCode(err) != dangke.ENOTFOUND {
			t.Fatalf("old path still found: %v", err)
		}
		after := agree(t, s)
		if !reflect.DeepEqual(base(after[town.ID]), base(before[town.ID])) {
			t.Fatalf("figures changed by a rename: %+v → %+v", before[town.ID], after[town.ID])
		}
		addPath(t, s, "温县/南张羌镇", 0)
		err := update(t, s, func(tx dangke.Tx) error { return tx.RenameUnit(ctx, town.ID, "南张羌镇") })
		if dangke.ErrorCode(err) != dangke.ECONFLICT {
			t.Fatalf("rename onto an existing unit: %v", err)
		}
	})
}

// A move across reporting units changes the subtree's paths, depths and
// reporting unit in one transaction; the lecturers follow to the new
// county's pool and the contest entries count for the new reporting unit.
func TestMoveUnitAcrossCounties(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s := open(t)
		b := addPath(t, s, "温县/城关镇/第一党支部", 10)
		addPath(t, s, "温县/城关镇/第二党支部", 20)
		meng := addPath(t, s, "孟州市", 5)
		addLecture(t, s, dangke.Lecture{UnitID: b.ID, Speaker: "张三", Position: "书记", Title: "a", Date: day("2019-07-01"), Attendees: 5, Leader: true})
		addLecture(t, s, dangke.Lecture{UnitID: b.ID, Speaker: "李四", Position: "党员", Title: "b", Date: day("2019-07-02"), Attendees: 7})
		in := dangke.Instructor{PoolID: b.TopID, UnitID: b.ID, Name: "王五", Gender: "男", BirthY: 1980, BirthM: 1, Position: "教师", Phone: "13812345678", Author: "x"}
		if err := update(t, s, func(tx dangke.Tx) error { return tx.AddInstructor(ctx, &in) }); err != nil {
			t.Fatal(err)
		}
		k := &dangke.Contest{Name: "决赛", CreatedAt: time.Now()}
		who := &dangke.Contestant{Name: "张三", UnitID: b.ID, TopID: b.TopID, Title: "t", Membership: "正式党员", PPT: true}
		if err := update(t, s, func(tx dangke.Tx) error {
			if err := tx.AddContest(ctx, k); err != nil {
				return err
			}
			who.ContestID = k.ID
			return tx.AddContestant(ctx, who)
		}); err != nil {
			t.Fatal(err)
		}
		agree(t, s)
		town := unit(t, s, "温县/城关镇")
		if err := update(t, s, func(tx dangke.Tx) error { return tx.MoveUnit(ctx, town.ID, meng.ID) }); err != nil {
			t.Fatal(err)
		}
		got := unit(t, s, "孟州市/城关镇/第一党支部")
		if got.ID != b.ID || got.TopID != meng.ID || got.Depth != 3 {
			t.Fatalf("moved branch %+v", got)
		}
		us, _ := s.Units(ctx, meng.ID)
		if len(us) != 4 {
			t.Fatalf("孟州市's subtree after the move: %d units", len(us))
		}
		figs := agree(t, s)
		if f := figs[meng.ID]; f.Lectures != 2 || f.Members != 35 {
			t.Fatalf("孟州市 after the move %+v", f)
		}
		if f := figs[b.TopID]; f.Lectures != 0 || f.Members != 0 {
			t.Fatalf("温县 after the move %+v", f)
		}
		if n, _ := s.PoolSize(ctx, meng.ID); n != 1 {
			t.Fatalf("孟州市 pool %d, want the moved lecturer", n)
		}
		cs, _ := s.Contestants(ctx, k.ID)
		if len(cs) != 1 || cs[0].TopID != meng.ID {
			t.Fatalf("contestant after the move %+v", cs)
		}
		// Into its own subtree: refused, nothing changed.
		b2 := unit(t, s, "孟州市/城关镇/第二党支部")
		err := update(t, s, func(tx dangke.Tx) error { return tx.MoveUnit(ctx, town.ID, b2.ID) })
		if dangke.ErrorCode(err) != dangke.EINVALID {
			t.Fatalf("move below itself: %v", err)
		}
		// To the top: a reporting unit of its own.
		if err := update(t, s, func(tx dangke.Tx) error { return tx.MoveUnit(ctx, b2.ID, 0) }); err != nil {
			t.Fatal(err)
		}
		if top := unit(t, s, "第二党支部"); top.TopID != top.ID || top.Depth != 1 || !top.IsTop() {
			t.Fatalf("moved to the top: %+v", top)
		}
		agree(t, s)
	})
}

// A merge moves lectures, lecturers, chats, roles and contest entries, adds
// the member counts, makes two same-name lecturers one, carries the
// same-person answers over, and removes the merged unit.
func TestMergeUnits(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s := open(t)
		a := addPath(t, s, "温县/城关镇/第一支部", 10) // the typo
		b := addPath(t, s, "温县/城关镇/第一党支部", 30)
		c := addPath(t, s, "温县/南张羌镇/机关党支部", 8)
		addPath(t, s, "温县/城关镇/第一支部/第一小组", 2)
		addLecture(t, s, dangke.Lecture{UnitID: a.ID, Speaker: "张三", Position: "书记", Title: "a", Date: day("2019-07-01"), Attendees: 5, Leader: true, Satisfied: 4, Surveyed: 5})
		addLecture(t, s, dangke.Lecture{UnitID: a.ID, Speaker: "李四", Position: "党员", Title: "b", Date: day("2019-07-02"), Attendees: 6})
		addLecture(t, s, dangke.Lecture{UnitID: b.ID, Speaker: "张三", Position: "党员", Title: "c", Date: day("2019-07-03"), Attendees: 7})
		w := addLecture(t, s, dangke.Lecture{UnitID: a.ID, Speaker: "赵六", Position: "党员", Title: "d", Date: day("2019-07-04"), Attendees: 3})
		addLecture(t, s, dangke.Lecture{UnitID: c.ID, Speaker: "李四", Position: "党员", Title: "e", Date: day("2019-07-05"), Attendees: 9})
		now := time.Now()
		chat := dangke.ChatRef{Platform: "console", ID: "typo", Group: true}
		if err := update(t, s, func(tx dangke.Tx) error {
			if err := tx.WithdrawLecture(ctx, w, "x", now); err != nil {
				return err
			}
			if err := tx.BindChat(ctx, chat, a.ID, "x", now); err != nil {
				return err
			}
			for _, u := range []int64{a.ID, b.ID} {
				if err := tx.Grant(ctx, dangke.Role{Person: "console:sec", UnitID: u, GrantedBy: "x", GrantedAt: now}); err != nil {
					return err
				}
			}
			// 李四 of the typo unit is 李四 of 机关党支部; 张三 of the typo
			// unit is someone else than 张三 of 机关党支部 (who has not lectured).
			if err := tx.LinkSpeakers(ctx, dangke.SpeakerRef{UnitID: a.ID, Name: "李四"}, dangke.SpeakerRef{UnitID: c.ID, Name: "李四"}, true, now); err != nil {
				return err
			}
			// 张三 of 第一党支部 is 张三 of 机关党支部, whom the typo unit's 张三
			// was said not to be: after the merge they are one name, and the
			// same-person answer wins.
			if err := tx.LinkSpeakers(ctx, dangke.SpeakerRef{UnitID: b.ID, Name: "张三"}, dangke.SpeakerRef{UnitID: c.ID, Name: "张三"}, true, now); err != nil {
				return err
			}
			return tx.LinkSpeakers(ctx, dangke.SpeakerRef{UnitID: a.ID, Name: "张三"}, dangke.SpeakerRef{UnitID: c.ID, Name: "张三"}, false, now)
		}); err != nil {
			t.Fatal(err)
		}
		before := agree(t, s)
		town := unit(t, s, "温县/城关镇")
		if f := before[town.ID]; f.Speakers != 3 || f.Lectures != 3 || f.Members != 42 {
			t.Fatalf("城关镇 before %+v", f)
		}
		refs, err := s.UnitRefs(ctx, a.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if want := (dangke.UnitRefs{Units: 1, Lectures: 2, Withdrawn: 1, Chats: 1, Roles: 1}); refs != want {
			t.Fatalf("refs %+v, want %+v", refs, want)
		}
		if err := update(t, s, func(tx dangke.Tx) error { return tx.MergeUnits(ctx, a.ID, b.ID) }); err != nil {
			t.Fatal(err)
		}
		after := agree(t, s)
		// 张三 of both units is one lecturer now; the members add up.
		if f := after[b.ID]; f.Lectures != 3 || f.Speakers != 2 || f.Leaders != 1 || f.Members != 42 || f.Attendees != 18 || f.Surveyed != 5 {
			t.Fatalf("第一党支部 after the merge %+v", f)
		}
		if after[town.ID].Speakers != 2 || after[town.ID].Members != 42 {
			t.Fatalf("城关镇 after the merge %+v", after[town.ID])
		}
		if _, err := s.UnitByID(ctx, a.ID); dangke.ErrorCode(err) != dangke.ENOTFOUND {
			t.Fatalf("merged unit still there: %v", err)
		}
		if u, _ := s.ChatUnit(ctx, chat); u == nil || u.ID != b.ID {
			t.Fatalf("chat after the merge bound to %+v", u)
		}
		roles, _ := s.Roles(ctx, "console:sec")
		if len(roles) != 1 || roles[0].UnitID != b.ID {
			t.Fatalf("roles after the merge %+v", roles)
		}
		unit(t, s, "温县/城关镇/第一党支部/第一小组")
		// The same-person answer now links 李四 of 第一党支部.
		var linked int
		if err := s.DB().NewRaw(`SELECT count(*) FROM speaker_people a JOIN speaker_people b ON a.person_id = b.person_id
			WHERE a.unit_id = ? AND a.name = '李四' AND b.unit_id = ? AND b.name = '李四'`, b.ID, c.ID).Scan(ctx, &linked); err != nil {
			t.Fatal(err)
		}
		if linked != 1 {
			t.Fatal("the same-person answer was lost in the merge")
		}
		var contradicted, rows int
		if err := s.DB().NewRaw("SELECT count(*) FROM speaker_distinct WHERE name = '张三'").Scan(ctx, &contradicted); err != nil || contradicted != 0 {
			t.Fatalf("a 'not the same person' answer survived its contradiction: %d %v", contradicted, err)
		}
		if err := s.DB().NewRaw("SELECT count(*) FROM speaker_people WHERE unit_id = ?", a.ID).Scan(ctx, &rows); err != nil || rows != 0 {
			t.Fatalf("people links left on the merged unit: %d %v", rows, err)
		}
		// Withdrawn lectures moved too: nothing refers to the old id.
		var left int
		if err := s.DB().NewRaw("SELECT count(*) FROM lectures WHERE unit_id = ?", a.ID).Scan(ctx, &left); err != nil || left != 0 {
			t.Fatalf("lectures left on the merged unit: %d %v", left, err)
		}
		// Into a unit's own subtree: refused.
		sub := unit(t, s, "温县/城关镇/第一党支部/第一小组")
		if err := update(t, s, func(tx dangke.Tx) error { return tx.MergeUnits(ctx, b.ID, sub.ID) }); dangke.ErrorCode(err) != dangke.EINVALID {
			t.Fatalf("merge into own subtree: %v", err)
		}
	})
}

// Two units each with a child of the same name cannot merge until the
// children are merged; nothing is written half-way.
func TestMergeUnitsChildClash(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s := open(t)
		x := addPath(t, s, "温县/城关真/一支部", 3)
		addPath(t, s, "温县/城关真/二支部", 3)
		addPath(t, s, "温县/城关镇/一支部", 4)
		addLecture(t, s, dangke.Lecture{UnitID: x.ID, Speaker: "甲", Position: "党员", Title: "a", Date: day("2019-07-01"), Attendees: 5})
		from, into := unit(t, s, "温县/城关真"), unit(t, s, "温县/城关镇")
		err := update(t, s, func(tx dangke.Tx) error { return tx.MergeUnits(ctx, from.ID, into.ID) })
		if dangke.ErrorCode(err) != dangke.ECONFLICT {
			t.Fatalf("merge with a clash: %v", err)
		}
		unit(t, s, "温县/城关真/二支部") // rolled back
		agree(t, s)
		if err := update(t, s, func(tx dangke.Tx) error {
			return tx.MergeUnits(ctx, x.ID, unit(t, s, "温县/城关镇/一支部").ID)
		}); err != nil {
			t.Fatal(err)
		}
		if err := update(t, s, func(tx dangke.Tx) error { return tx.MergeUnits(ctx, from.ID, into.ID) }); err != nil {
			t.Fatal(err)
		}
		if f := agree(t, s)[into.ID]; f.Lectures != 1 || f.Members != 10 {
			t.Fatalf("城关镇 after both merges %+v", f)
		}
	})
}

// A unit is removed only when nothing refers to it.
func TestDeleteUnit(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s := open(t)
		b := addPath(t, s, "温县/城关镇/第一党支部", 10)
		town := unit(t, s, "温县/城关镇")
		err := update(t, s, func(tx dangke.Tx) error { return tx.DeleteUnit(ctx, town.ID) })
		if dangke.ErrorCode(err) != dangke.ECONFLICT {
			t.Fatalf("delete with a child: %v", err)
		}
		id := addLecture(t, s, dangke.Lecture{UnitID: b.ID, Speaker: "甲", Position: "党员", Title: "a", Date: day("2019-07-01"), Attendees: 5})
		_ = update(t, s, func(tx dangke.Tx) error { return tx.WithdrawLecture(ctx, id, "x", time.Now()) })
		err = update(t, s, func(tx dangke.Tx) error { return tx.DeleteUnit(ctx, b.ID) })
		if dangke.ErrorCode(err) != dangke.ECONFLICT {
			t.Fatalf("delete with a withdrawn lecture: %v", err)
		}
		empty := addPath(t, s, "温县/城关镇/第九党支部", 0)
		if err := update(t, s, func(tx dangke.Tx) error { return tx.DeleteUnit(ctx, empty.ID) }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UnitByID(ctx, empty.ID); dangke.ErrorCode(err) != dangke.ENOTFOUND {
			t.Fatalf("deleted unit still there: %v", err)
		}
		agree(t, s)
	})
}

// Unbinding a chat forgets its unit; unbinding it again says it had none.
func TestUnbindChat(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s := open(t)
		b := addPath(t, s, "温县/第一党支部", 10)
		chat := dangke.ChatRef{Platform: "console", ID: "g", Group: true}
		if err := update(t, s, func(tx dangke.Tx) error { return tx.BindChat(ctx, chat, b.ID, "x", time.Now()) }); err != nil {
			t.Fatal(err)
		}
		if err := update(t, s, func(tx dangke.Tx) error { return tx.UnbindChat(ctx, chat) }); err != nil {
			t.Fatal(err)
		}
		if u, _ := s.ChatUnit(ctx, chat); u != nil {
			t.Fatalf("still bound to %s", u.Path)
		}
		if err := update(t, s, func(tx dangke.Tx) error { return tx.UnbindChat(ctx, chat) }); dangke.ErrorCode(err) != dangke.ENOTFOUND {
			t.Fatalf("second unbind: %v", err)
		}
	})
}
