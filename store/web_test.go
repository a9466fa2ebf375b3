package store_test

import (
	"context"
	"testing"
	"time"

	"dangke"
	"dangke/store"
)

func TestWebSettings(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s, err := store.Open(ctx, dbPath(t, "w.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		at := time.Date(2019, 7, 1, 9, 0, 0, 0, time.UTC)
		calls := 0
		gen := func() (string, error) { calls++; return "secret-" + string(rune('0'+calls)), nil }
		a, err := s.Secret(ctx, "web.secret", gen, at)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Secret(ctx, "web.secret", gen, at)
		if err != nil || a != b || calls != 1 {
			t.Fatalf("secret made again: %q %q %d %v", a, b, calls, err)
		}
		chat := dangke.ChatRef{Platform: "t", ID: "g1"}
		if r, err := s.LinksRevoked(ctx, chat); err != nil || !r.IsZero() {
			t.Fatalf("revoked before any: %v %v", r, err)
		}
		if err := s.RevokeLinks(ctx, chat, "t:admin", at); err != nil {
			t.Fatal(err)
		}
		if r, err := s.LinksRevoked(ctx, chat); err != nil || !r.Equal(at) {
			t.Fatalf("revoked = %v %v", r, err)
		}
		if r, _ := s.LinksRevoked(ctx, dangke.ChatRef{Platform: "t", ID: "other"}); !r.IsZero() {
			t.Fatal("another chat's links revoked")
		}
		if err := s.CheckWrite(ctx, at); err != nil {
			t.Fatal(err)
		}
		if n, err := s.Size(ctx); err != nil || n <= 0 {
			t.Fatalf("size %d %v", n, err)
		}
		if r, err := s.LastDigests(ctx); err != nil || r.Week != "" {
			t.Fatalf("no digest yet: %+v %v", r, err)
		}
		err = s.Update(ctx, func(tx dangke.Tx) error {
			for _, o := range []dangke.Outgoing{
				{Key: dangke.DigestKey(chat, "2019-W26"), Kind: dangke.SendDigest, Text: "周报", At: at.Add(-7 * 24 * time.Hour)},
				{Key: dangke.DigestKey(chat, "2019-W27"), Kind: dangke.SendDigest, Text: "周报", At: at},
				{Key: dangke.DigestKey(dangke.ChatRef{Platform: "t", ID: "other"}, "2019-W27"), Kind: dangke.SendDigest, Text: "周报", At: at.Add(time.Minute)},
			} {
				if _, err := tx.SaveOutgoing(ctx, o); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.MarkSent(ctx, dangke.DigestKey(chat, "2019-W27"), at); err != nil {
			t.Fatal(err)
		}
		if r, err := s.LastDigests(ctx); err != nil || r.Week != "2019-W27" || r.Sent != 1 || r.Sending != 1 || !r.At.Equal(at.Add(time.Minute)) {
			t.Fatalf("last digests %+v %v", r, err)
		}
	})
}

// DayCounts adds up to LectureCount over any week, for a subtree and the city.
func TestDayCounts(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s, err := store.Open(ctx, dbPath(t, "d.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		loc := time.FixedZone("CST", 8*3600)
		var units []*dangke.Unit
		err = s.Update(ctx, func(tx dangke.Tx) error {
			county := &dangke.Unit{Name: "温县", Kind: dangke.KindCounty}
			if err := tx.AddUnit(ctx, county); err != nil {
				return err
			}
			other := &dangke.Unit{Name: "孟州市", Kind: dangke.KindCounty}
			if err := tx.AddUnit(ctx, other); err != nil {
				return err
			}
			units = []*dangke.Unit{county, other}
			for i := range 30 {
				u := units[i%2]
				l := &dangke.Lecture{UnitID: u.ID, Speaker: "讲课人" + string(rune('甲'+i)), Position: "党员", Title: "题目", Form: "普通",
					Date: time.Date(2019, 7, 1+i, 0, 0, 0, 0, loc), Attendees: 10, Author: "t:a", Chat: "t:c"}
				if err := tx.AddLecture(ctx, l); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var weeks []dangke.Period
		for w := dangke.Week(time.Date(2019, 6, 24, 0, 0, 0, 0, loc)); w.From.Before(time.Date(2019, 8, 12, 0, 0, 0, 0, loc)); w = dangke.Week(w.From.AddDate(0, 0, 7)) {
			weeks = append(weeks, w)
		}
		for _, unit := range []int64{0, units[0].ID, units[1].ID} {
			got, err := dangke.WeeklyLectures(ctx, s, unit, weeks)
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for i, w := range weeks {
				n, err := s.LectureCount(ctx, unit, w)
				if err != nil {
					t.Fatal(err)
				}
				if got[i] != n {
					t.Errorf("unit %d week %s: %d, LectureCount %d", unit, w.From.Format("01-02"), got[i], n)
				}
				total += n
			}
			if unit == 0 && total != 30 {
				t.Errorf("city total %d", total)
			}
		}
	})
}
