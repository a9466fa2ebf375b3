package bot_test

import (
	"context"
	"testing"
	"time"

	"dangke/bot"
)

func TestPacer(t *testing.T) {
	ctx := context.Background()
	p := bot.NewPacer(100, 5, 50*time.Millisecond, 2)
	start := time.Now()
	for range 5 { // the app-wide burst, to different chats: no wait
		if err := p.Wait(ctx, ""); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > 30*time.Millisecond {
		t.Fatalf("a burst within the limit waited %s", d)
	}
	start = time.Now()
	for range 4 { // one chat: 2 at once, then one per 50 ms
		if err := p.Wait(ctx, "c1"); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 90*time.Millisecond {
		t.Fatalf("four sends to one chat took %s, want about 100ms", d)
	}
	var nilPacer *bot.Pacer
	if err := nilPacer.Wait(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	slow := bot.NewPacer(0, 0, time.Hour, 1)
	_ = slow.Wait(short, "c")
	if err := slow.Wait(short, "c"); err == nil {
		t.Fatal("a wait past the context's end did not fail")
	}
}
