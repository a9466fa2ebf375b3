package store_test

import (
	"context"
	"testing"
	"time"

	"dangke"
)

// A judge taken off the panel keeps their scores of closed contestants and
// loses those of open ones; named again, they are back on the panel.
func TestRemoveJudgeKeepsClosedScores(t *testing.T) {
	eachDB(t, func(t *testing.T) {
		ctx := context.Background()
		s := open(t)
		b := addPath(t, s, "温县/第一党支部", 10)
		k := &dangke.Contest{Name: "决赛", CreatedAt: time.Now()}
		var one, two dangke.Contestant
		pts := []dangke.Points{400, 150, 150, 80}
		if err := update(t, s, func(tx dangke.Tx) error {
			if err := tx.AddContest(ctx, k); err != nil {
				return err
			}
			for _, c := range []*dangke.Contestant{&one, &two} {
				*c = dangke.Contestant{ContestID: k.ID, Name: "甲", UnitID: b.ID, TopID: b.TopID, Title: "t", Membership: "正式党员", PPT: true}
				if c == &two {
					c.Name = "乙"
				}
				if err := tx.AddContestant(ctx, c); err != nil {
					return err
				}
			}
			if err := tx.AddJudge(ctx, dangke.Judge{ContestID: k.ID, Person: "t:j", Name: "评委"}); err != nil {
				return err
			}
			for _, c := range []int64{one.ID, two.ID} {
				if err := tx.SetScore(ctx, dangke.Score{ContestantID: c, Judge: "t:j", Points: pts}, time.Now()); err != nil {
					return err
				}
			}
			if err := tx.CloseContestant(ctx, one.ID); err != nil {
				return err
			}
			return tx.RemoveJudge(ctx, k.ID, "t:j")
		}); err != nil {
			t.Fatal(err)
		}
		scores, _ := s.Scores(ctx, k.ID)
		if len(scores) != 1 || scores[0].ContestantID != one.ID {
			t.Fatalf("scores after the removal %+v", scores)
		}
		js, _ := s.Judges(ctx, k.ID)
		if len(js) != 1 || !js[0].Removed {
			t.Fatalf("judges after the removal %+v", js)
		}
		err := update(t, s, func(tx dangke.Tx) error { return tx.RemoveJudge(ctx, k.ID, "t:j") })
		if dangke.ErrorCode(err) != dangke.ENOTFOUND {
			t.Fatalf("second removal: %v", err)
		}
		if err := update(t, s, func(tx dangke.Tx) error {
			return tx.AddJudge(ctx, dangke.Judge{ContestID: k.ID, Person: "t:j", Name: "评委"})
		}); err != nil {
			t.Fatalf("named again: %v", err)
		}
		if js, _ := s.Judges(ctx, k.ID); len(js) != 1 || js[0].Removed {
			t.Fatalf("judges after naming again %+v", js)
		}
		err = update(t, s, func(tx dangke.Tx) error {
			return tx.AddJudge(ctx, dangke.Judge{ContestID: k.ID, Person: "t:j", Name: "评委"})
		})
		if dangke.ErrorCode(err) != dangke.ECONFLICT {
			t.Fatalf("named twice: %v", err)
		}
	})
}
