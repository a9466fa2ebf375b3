package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"dangke"
	"dangke/store"
)

func TestWebSettings(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "w.db"))
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
		if _, err := tx.ClaimDigest(ctx, chat, "2019-W27", false, at); err != nil {
			return err
		}
		return tx.FinishDigest(ctx, chat, "2019-W27", dangke.DigestSent, "", at.Add(time.Minute))
	})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.LastDigests(ctx); err != nil || r.Week != "2019-W27" || r.Sent != 1 || !r.At.Equal(at.Add(time.Minute)) {
		t.Fatalf("last digests %+v %v", r, err)
	}
}
