package dingtalk_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"dangke"
	"dangke/bot"
	"dangke/bot/dingtalk"
	"dangke/commands"
	"dangke/digest"
	"dangke/internal/pgtest"
	"dangke/internal/testbot"
	"dangke/store"
)

var replicaN = flag.Int("replica-lectures", 2000, "lectures in TestReplicas (200 in a race build unless set)")

// digestDue is the replicas' clock for the digests: just after the weekly
// run of Monday 8 July 2019, 09:00, so the leader sends the week of 1 July.
var digestDue = time.Date(2019, 7, 8, 9, 0, 30, 0, time.FixedZone("CST", 8*3600))

// TestReplicaChild is one replica of TestReplicas: the DingTalk adapter
// (every replica connects), and the digest scheduler under the lease. It
// runs in a child process; it skips in an ordinary run.
func TestReplicaChild(t *testing.T) {
	if !testbot.IsChild() || os.Getenv("DANGKE_REPLICA") == "" {
		t.Skip("a replica of TestReplicas; runs in a child process")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, os.Getenv("DANGKE_DB"))
	if err != nil {
		t.Fatal(err)
	}
	loc := testbot.Now.Location()
	r := commands.New(st, commands.Config{Admins: []string{"dingtalk:manager123"}, Location: loc, Now: func() time.Time { return testbot.Now }})
	fake := os.Getenv("DANGKE_FAKE")
	a, err := dingtalk.New(dingtalk.Config{ClientID: "dingtestclient", ClientSecret: "s3cret-app-key", OpenAPIHost: fake, OAPIHost: fake,
		Outbox: bot.OutboxConfig{Store: st, Shared: true}})
	if err != nil {
		t.Fatal(err)
	}
	sched := &digest.Scheduler{Store: st, Notifiers: map[string]dangke.Notifier{"dingtalk": a}, Campaign: dangke.DefaultCampaign(loc),
		City: "全市", Now: func() time.Time { return digestDue }, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	lease := st.Lease(store.Leader, os.Getenv("DANGKE_REPLICA"))
	lease.Retry, lease.Check = time.Second, time.Second
	go func() { _ = lease.Run(ctx, sched.Run) }()
	fmt.Println("READY")
	_ = a.Run(ctx, r)
}

// replicaConns are the replicas' Stream connections, to spread frames over.
type replicaConns struct {
	f     *fakeDingTalk
	mu    sync.Mutex
	conns []*websocket.Conn
}

func (c *replicaConns) add() {
	c.f.mu.Lock()
	conn := c.f.conn
	c.f.mu.Unlock()
	c.mu.Lock()
	c.conns = append(c.conns, conn)
	c.mu.Unlock()
}

// push sends a robot message on a random live connection other than
// avoid (when there is one) and returns the frame's id and the connection.
func (c *replicaConns) push(data map[string]any, avoid *websocket.Conn) (string, *websocket.Conn, error) {
	raw, _ := json.Marshal(data)
	for range 50 {
		c.mu.Lock()
		var pick []*websocket.Conn
		for _, x := range c.conns {
			if x != avoid || len(c.conns) == 1 {
				pick = append(pick, x)
			}
		}
		c.mu.Unlock()
		if len(pick) == 0 {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		conn := pick[rand.IntN(len(pick))]
		c.f.mu.Lock()
		c.f.seq++
		id := fmt.Sprintf("replica_frame_%x", c.f.seq)
		c.f.mu.Unlock()
		frame := map[string]any{"specVersion": "1.0", "type": "CALLBACK", "data": string(raw),
			"headers": map[string]string{"topic": "/v1.0/im/bot/messages/get", "messageId": id, "contentType": "application/json",
				"time": fmt.Sprint(time.Now().UnixMilli()), "appId": "app-1", "connectionId": "conn-1"}}
		c.f.connWrite.Lock()
		err := conn.WriteJSON(frame)
		c.f.connWrite.Unlock()
		if err == nil {
			return id, conn, nil
		}
		c.drop(conn)
	}
	return "", nil, fmt.Errorf("no live connection")
}

func (c *replicaConns) drop(conn *websocket.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.conns {
		if x == conn {
			c.conns = append(c.conns[:i], c.conns[i+1:]...)
			return
		}
	}
}

// deliver pushes a message until a replica acknowledges it: a frame not
// acknowledged within 3 s (its replica was killed) goes to another one,
// as DingTalk does. It returns the connection that acknowledged it.
func (c *replicaConns) deliver(data map[string]any, avoid *websocket.Conn) (*websocket.Conn, error) {
	for range 20 {
		id, conn, err := c.push(data, avoid)
		if err != nil {
			return nil, err
		}
		deadline := time.Now().Add(3 * time.Second)
		for time.Now().Before(deadline) {
			c.f.mu.Lock()
			acked := len(c.f.acks[id]) > 0
			c.f.mu.Unlock()
			if acked {
				return conn, nil
			}
			time.Sleep(5 * time.Millisecond)
		}
		c.drop(conn)
		avoid = conn
	}
	return nil, fmt.Errorf("message %v never acknowledged", data["msgId"])
}

// TestReplicas runs three replicas (child processes) on one PostgreSQL
// database behind the fake DingTalk gateway, which spreads the frames at
// random over their connections. Lectures are logged, half of them by
// answering a prompt that goes to another replica than the question. The
// leader is killed with SIGKILL while it sends the weekly digests and once
// more during the load, and a replacement started each time. Every lecture
// must be stored once, every prompt completed, every chat's digest sent
// at most once (and all of them, apart from the one the killed leader held
// mid-send), and a new leader must take over within 15 s.
func TestReplicas(t *testing.T) {
	pgtest.Need(t)
	if testing.Short() {
		t.Skip("the replica test takes a while")
	}
	n := *replicaN
	if raceBuild && n == 2000 {
		n = 200
	}
	ctx := context.Background()
	db := pgtest.URL(t)
	testbot.Setup(t, db, "dingtalk", "cidGroup1==", "manager123")
	// Chats for the digest, each bound to a branch of its own.
	const chats = 30
	{
		st, err := store.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		r := commands.New(st, commands.Config{Admins: []string{"dingtalk:manager123"}, Location: testbot.Now.Location(), Now: func() time.Time { return testbot.Now }})
		for k := range chats {
			chat := dangke.ChatRef{Platform: "dingtalk", ID: fmt.Sprintf("cidDigest%d==", k), Group: true}
			for _, text := range []string{fmt.Sprintf("/单位 新增 温县/祥云镇/第%d党支部 10", k+1), fmt.Sprintf("/单位 绑定 温县/祥云镇/第%d党支部", k+1)} {
				if _, err := r.Handle(ctx, dangke.Request{Chat: chat, From: dangke.Person{Platform: "dingtalk", ID: "manager123"}, Text: text}); err != nil {
					t.Fatal(err)
				}
			}
		}
		_ = st.Close()
	}

	f := newFake(t)
	conns := &replicaConns{f: f}
	f.onConnect = conns.add
	// The replicas reach the fake through a server that slows the group
	// sends down, so that a digest run takes seconds.
	inner := f.srv.Config.Handler
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1.0/robot/groupMessages/send" {
			time.Sleep(150 * time.Millisecond)
		}
		inner.ServeHTTP(w, r)
	}))
	defer slow.Close()
	children := map[string]*testbot.Child{}
	var started int
	start := func() {
		started++
		name := fmt.Sprintf("replica-%d", started)
		children[name] = testbot.Start(t, "TestReplicaChild", "DANGKE_DB="+db, "DANGKE_FAKE="+slow.URL, "DANGKE_REPLICA="+name)
	}
	for range 3 {
		start()
	}
	f.waitFor("three connections", 60*time.Second, func() bool { return f.connects >= 3 })

	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	leader := func() string {
		h, err := st.Holders(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return h[store.Leader]
	}
	digestSends := func() map[string]int {
		f.mu.Lock()
		defer f.mu.Unlock()
		out := map[string]int{}
		for _, s := range f.sends {
			if strings.HasPrefix(s.Conversation, "cidDigest") {
				out[s.Conversation]++
			}
		}
		return out
	}
	// failover kills the leader and times the next one.
	var failovers []time.Duration
	failover := func() {
		old := leader()
		if old == "" || children[old] == nil {
			t.Fatalf("no leader to kill (%q)", old)
		}
		children[old].Kill()
		killed := time.Now()
		delete(children, old)
		start()
		deadline := killed.Add(15 * time.Second)
		for {
			if l := leader(); l != "" && l != old {
				failovers = append(failovers, time.Since(killed).Round(time.Millisecond))
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no new leader within 15 s of killing %s", old)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	// The load: workers log lectures from distinct senders.
	var done, prompted atomic.Int64
	var latMu sync.Mutex
	var lat []time.Duration // per lecture, from its first frame to its last ack
	var loadErr error
	var errOnce sync.Once
	loadStart := time.Now()
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				msg := func(id, text string) map[string]any {
					m := f.nowMessage(id, text)
					m["senderStaffId"], m["senderNick"] = fmt.Sprint("user", i), fmt.Sprint("党员", i)
					return m
				}
				title := fmt.Sprintf("《题目%d》", i)
				began := time.Now()
				var err error
				if i%2 == 0 {
					_, err = conns.deliver(msg(fmt.Sprint("lec-", i), fmt.Sprintf("/党课 讲课人%c%c 党员 %s 7月1日 %d人", rune(0x5000+i%40), rune(0x5000+i/40), title, 10+i%50)), nil)
				} else {
					var asked *websocket.Conn
					asked, err = conns.deliver(msg(fmt.Sprint("lec-", i), fmt.Sprintf("/党课 讲课人%c%c 党员 %s %d人", rune(0x5000+i%40), rune(0x5000+i/40), title, 10+i%50)), nil)
					if err == nil {
						_, err = conns.deliver(msg(fmt.Sprint("ans-", i), "7月1日"), asked)
						prompted.Add(1)
					}
				}
				if err != nil {
					errOnce.Do(func() { loadErr = err })
					return
				}
				latMu.Lock()
				lat = append(lat, time.Since(began))
				latMu.Unlock()
				done.Add(1)
			}
		}()
	}
	loaded := make(chan struct{})
	go func() { wg.Wait(); close(loaded) }()

	// Kill the leader in the middle of the digest run, then once more in the load.
	f.waitFor("the digest run under way", 60*time.Second, func() bool {
		k := 0
		for _, s := range f.sends {
			if strings.HasPrefix(s.Conversation, "cidDigest") {
				k++
			}
		}
		return k >= 5
	})
	failover()
	for done.Load() < int64(n)*6/10 {
		select {
		case <-loaded:
		case <-time.After(50 * time.Millisecond):
			continue
		}
		break
	}
	failover()
	<-loaded
	elapsed := time.Since(loadStart)
	if loadErr != nil {
		t.Fatal(loadErr)
	}

	// Every lecture once, every prompt completed.
	var total, distinct int
	if err := st.DB().NewRaw("SELECT count(*), count(DISTINCT title) FROM lectures WHERE withdrawn_at IS NULL").Scan(ctx, &total, &distinct); err != nil {
		t.Fatal(err)
	}
	if total != n || distinct != n {
		have := map[string]bool{}
		if rows, err := st.DB().QueryContext(ctx, "SELECT title FROM lectures"); err == nil {
			for rows.Next() {
				var x string
				_ = rows.Scan(&x)
				have["《"+strings.Trim(x, "《》")+"》"] = true
			}
			rows.Close()
		}
		for i := range n {
			if title := fmt.Sprintf("《题目%d》", i); !have[title] {
				f.mu.Lock()
				for _, h := range f.hooks {
					if h.Session == fmt.Sprint("lec-", i) || h.Session == fmt.Sprint("ans-", i) {
						t.Logf("%s: reply to %s: %s", title, h.Session, h.Text)
					}
				}
				f.mu.Unlock()
			}
		}
		t.Fatalf("%d lectures stored (%d distinct), want %d once each", total, distinct, n)
	}
	if c, err := st.CheckTotals(ctx, false); err != nil || !c.OK() {
		t.Fatalf("kept totals: %v %v", c, err)
	}
	// Every chat's digest once (its outbox row, keyed digest:WEEK, decides
	// which replica sends it); all sent but what a killed leader had in
	// flight, which stays pending for the outbox's sweep after its grace.
	var status []struct {
		Chat  string `bun:"chat"`
		State string `bun:"state"`
	}
	sendsTotal := func() (n int) {
		for _, k := range digestSends() {
			n += k
		}
		return n
	}
	waitDigests := time.Now().Add(60 * time.Second)
	for {
		status = status[:0]
		if err := st.DB().NewRaw("SELECT chat, state FROM messages WHERE kind = 'digest' AND chat LIKE 'cidDigest%'").Scan(ctx, &status); err != nil {
			t.Fatal(err)
		}
		// Settled, and no send under way.
		before := sendsTotal()
		time.Sleep(time.Second)
		if len(status) >= chats && sendsTotal() == before || time.Now().After(waitDigests) {
			break
		}
	}
	sends := digestSends()
	parts := 0
	for _, k := range sends {
		parts = max(parts, k)
	}
	sent, held := 0, 0
	for _, s := range status {
		switch s.State {
		case "sent":
			sent++
			if sends[s.Chat] != parts {
				t.Errorf("%s: %d sends, want %d (one digest)", s.Chat, sends[s.Chat], parts)
			}
		case "pending":
			held++ // in flight when its leader was killed: the sweep sends it after the grace, not before
			if sends[s.Chat] > parts {
				t.Errorf("%s: %d sends", s.Chat, sends[s.Chat])
			}
		default:
			t.Errorf("%s: digest %s", s.Chat, s.State)
		}
	}
	if sent+held != chats || held > 2 {
		t.Fatalf("digests: %d sent, %d held by killed leaders, of %d chats", sent, held, chats)
	}
	slices.Sort(lat)
	t.Logf("replicas: %d lectures (%d through a prompt answered on another replica) in %v (%.0f/s, p50 %v, p99 %v a lecture) "+
		"with 3 replicas and 2 leader kills; lease taken over after %v; digests %d sent once, %d held by a killed leader",
		n, prompted.Load(), elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), lat[len(lat)/2].Round(time.Millisecond),
		lat[len(lat)*99/100].Round(time.Millisecond), failovers, sent, held)
}
