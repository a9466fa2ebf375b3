package commands_test

import (
	"strings"
	"testing"
)

// A question and its answer behave like any message under redelivery: the
// question redelivered asks again and saves nothing; the answer redelivered
// gets its confirmation again and saves nothing more.
func TestQuestionRedelivery(t *testing.T) {
	f := newFixture(t)
	f.say("zhang", "g", "m-1", "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人")
	ask := f.say("zhang", "g", "m-2", "/党课 张三 支部书记 “我和我的祖国” 7月2日 45人")
	if !strings.Contains(ask, "可能重复") {
		t.Fatalf("no duplicate question: %q", ask)
	}
	if again := f.say("zhang", "g", "m-2", "/党课 张三 支部书记 “我和我的祖国” 7月2日 45人"); again != ask {
		t.Fatalf("redelivered question: %q, want %q", again, ask)
	}
	if got := f.figures().Lectures; got != 1 {
		t.Fatalf("%d lectures saved before the answer, want 1", got)
	}
	yes := f.say("zhang", "g", "m-3", "是")
	if !strings.Contains(yes, "已登记第 2 次") {
		t.Fatalf("answer: %q", yes)
	}
	if again := f.say("zhang", "g", "m-3", "是"); again != yes {
		t.Fatalf("redelivered answer: %q, want %q", again, yes)
	}
	if got := f.figures().Lectures; got != 2 {
		t.Fatalf("%d lectures saved, want 2", got)
	}
}

// Two copies of one lecture arriving at once in two messages: one is saved,
// the other is asked about — the check runs inside the writing transaction.
func TestConcurrentDuplicatesAsk(t *testing.T) {
	f := newFixture(t)
	replies := make(chan string, 2)
	for _, id := range []string{"a", "b"} {
		go func() {
			replies <- f.say("u"+id, "g", "m-"+id, "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人")
		}()
	}
	r1, r2 := <-replies, <-replies
	saved := strings.Contains(r1, "已登记第") != strings.Contains(r2, "已登记第")
	asked := strings.Contains(r1, "可能重复") != strings.Contains(r2, "可能重复")
	if !saved || !asked {
		t.Fatalf("want one saved and one asked: %q / %q", r1, r2)
	}
	if got := f.figures().Lectures; got != 1 {
		t.Fatalf("%d lectures saved, want 1", got)
	}
}
