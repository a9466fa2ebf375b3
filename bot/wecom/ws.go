package wecom

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"dangke"
)

// errKicked means another process subscribed with the same robot: WeCom
// keeps one long connection per robot and told this one to go.
var errKicked = errors.New("wecom: another instance took over the long connection (disconnected_event)")

// frame is one long-connection message: a command, or the ack of one.
type frame struct {
	Cmd     string            `json:"cmd,omitempty"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body,omitempty"`
	ErrCode *int              `json:"errcode,omitempty"`
	ErrMsg  string            `json:"errmsg,omitempty"`
}

// wsConn is one live long connection.
type wsConn struct {
	a       *Adapter
	ws      *websocket.Conn
	writeMu sync.Mutex
	seq     atomic.Int64

	mu      sync.Mutex
	pending map[string]chan frame // req_id → ack
}

// ackTimeout is how long a request waits for WeCom's ack.
const ackTimeout = 5 * time.Second

func (c *wsConn) reqID(prefix string) string {
	return prefix + "_" + strconv.FormatInt(time.Now().UnixMilli(), 10) + "_" + strconv.FormatInt(c.seq.Add(1), 10)
}

// request writes a command and waits for its ack.
func (c *wsConn) request(ctx context.Context, cmd, reqID string, body any) (frame, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return frame{}, err
	}
	ch := make(chan frame, 1)
	c.mu.Lock()
	c.pending[reqID] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, reqID)
		c.mu.Unlock()
	}()
	if err := c.write(frame{Cmd: cmd, Headers: map[string]string{"req_id": reqID}, Body: raw}); err != nil {
		return frame{}, err
	}
	select {
	case ack := <-ch:
		if ack.ErrCode != nil && *ack.ErrCode != 0 {
			return ack, fmt.Errorf("wecom: %s: errcode %d %s", cmd, *ack.ErrCode, ack.ErrMsg)
		}
		return ack, nil
	case <-time.After(ackTimeout):
		return frame{}, fmt.Errorf("wecom: %s: no ack within %s", cmd, ackTimeout)
	case <-ctx.Done():
		return frame{}, ctx.Err()
	}
}

func (c *wsConn) write(f frame) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(ackTimeout))
	return c.ws.WriteJSON(f)
}

// runLongConnection keeps one long connection up until ctx ends, with
// backoff between attempts (1 s doubling to 30 s). When WeCom says another
// instance took over, it stops and says so instead of fighting back.
func (a *Adapter) runLongConnection(ctx context.Context) error {
	wait := time.Second
	for {
		began := time.Now()
		err := a.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, errKicked) {
			a.log.Error("another process now holds this robot's long connection; this one stops receiving. Run one instance per robot.")
			<-ctx.Done()
			return nil
		}
		if time.Since(began) > time.Minute {
			wait = time.Second // it was up for a while: start the backoff over
		}
		a.log.Warn("long connection lost; reconnecting", "err", redact(err, a.cfg.Secret), "in", wait)
		if dangke.Sleep(ctx, wait) != nil {
			return nil
		}
		wait = min(2*wait, 30*time.Second)
	}
}

func redact(err error, secret string) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	if secret != "" {
		s = strings.ReplaceAll(s, secret, "<secret>")
	}
	return s
}

// session dials, subscribes and serves one connection until it fails.
func (a *Adapter) session(ctx context.Context) error {
	ws, _, err := websocket.DefaultDialer.DialContext(ctx, a.cfg.WSURL, nil)
	if err != nil {
		return err
	}
	c := &wsConn{a: a, ws: ws, pending: map[string]chan frame{}}
	defer ws.Close()
	readErr := make(chan error, 1)
	go func() { readErr <- c.readLoop(ctx) }()
	if _, err := c.request(ctx, "aibot_subscribe", c.reqID("aibot_subscribe"), map[string]string{"bot_id": a.cfg.BotID, "secret": a.cfg.Secret}); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	a.log.Info("long connection up", "bot", a.cfg.BotID)
	a.mu.Lock()
	a.conn = c
	a.mu.Unlock()
	a.upOnce.Do(func() { close(a.up) })
	defer func() {
		a.mu.Lock()
		if a.conn == c {
			a.conn = nil
		}
		a.mu.Unlock()
	}()
	tick := time.NewTicker(a.cfg.Heartbeat)
	defer tick.Stop()
	missed := 0
	for {
		select {
		case err := <-readErr:
			return err
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if _, err := c.request(ctx, "ping", c.reqID("ping"), nil); err != nil {
				if missed++; missed >= 2 {
					return fmt.Errorf("heartbeat: %w", err)
				}
				continue
			}
			missed = 0
		}
	}
}

// maxFrame is the largest frame the bot reads from WeCom; a callback is a
// few kilobytes.
const maxFrame = 4 << 20

// readLoop reads without pause: acks go straight to their waiters, and
// callbacks to handlers through dispatch, which never blocks. Handlers wait
// for acks that only this loop reads, so it must never wait for them.
func (c *wsConn) readLoop(ctx context.Context) error {
	c.ws.SetReadLimit(maxFrame)
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return err
		}
		var f frame
		if err := json.Unmarshal(data, &f); err != nil {
			c.a.log.Warn("unreadable frame ignored", "err", err)
			continue
		}
		id := f.Headers["req_id"]
		switch f.Cmd {
		case "":
			c.mu.Lock()
			ch := c.pending[id]
			c.mu.Unlock()
			if ch != nil {
				select { // never block the reader, even on a repeated ack
				case ch <- f:
				default:
				}
			}
		case "aibot_msg_callback":
			body := f.Body
			c.a.dispatch(ctx, id, func(ctx context.Context) { c.onCallback(ctx, id, body) })
		case "aibot_event_callback":
			var m message
			if json.Unmarshal(f.Body, &m) == nil && m.Event.EventType == "disconnected_event" {
				return errKicked
			}
			if m, ok := cardEvent(f.Body); ok { // cards.go
				c.a.dispatch(ctx, id, func(ctx context.Context) { c.onCardEvent(ctx, id, m) })
			}
		}
	}
}

// onCallback answers one message with a stream reply on its req_id.
func (c *wsConn) onCallback(ctx context.Context, reqID string, body json.RawMessage) {
	var m message
	if err := json.Unmarshal(body, &m); err != nil || m.From.UserID == "" {
		c.a.log.Warn("unreadable robot message ignored", "req_id", reqID, "err", err)
		return
	}
	if !c.a.firstTime(m.MsgID) {
		c.a.log.Debug("duplicate callback ignored", "msgid", m.MsgID)
		return
	}
	req, reply, _ := c.a.handle(ctx, &m)
	if reply == nil || !c.a.claim(req, reply) {
		return
	}
	err := c.respond(ctx, reqID, m.chat().ID, reply)
	if err != nil {
		c.a.log.Error("reply failed", "chat", m.chat().ID, "err", err)
	}
	c.a.delivered(ctx, req, reply, err)
}

// respond sends a reply on a callback's req_id: the text as one finished
// stream message (the rest, if very long, as further messages), then files.
func (c *wsConn) respond(ctx context.Context, reqID, chat string, reply *dangke.Reply) error {
	parts := splitText(render(reply.Text), 20000)
	for i, part := range parts {
		body := map[string]any{"msgtype": "stream", "stream": map[string]any{"id": c.reqID("stream"), "finish": true, "content": part}}
		if tc := card(reply); tc != nil && i == 0 { // cards.go: the buttons under the first part
			body["msgtype"], body["template_card"] = "stream_with_template_card", tc
		}
		cmd, id := "aibot_respond_msg", reqID
		if i > 0 {
			cmd, id = "aibot_send_msg", c.reqID("aibot_send_msg")
			body = map[string]any{"chatid": chat, "msgtype": "markdown", "markdown": map[string]string{"content": part}}
		}
		if _, err := c.request(ctx, cmd, id, body); err != nil {
			return err
		}
	}
	for _, f := range reply.Files {
		mediaID, err := c.upload(ctx, f)
		if err != nil {
			return err
		}
		if _, err := c.request(ctx, "aibot_respond_msg", reqID, mediaMessage(f, mediaID, "")); err != nil { // image.go
			return err
		}
	}
	return nil
}

// sendMsg sends a proactive message to a chat over the connection.
func (c *wsConn) sendMsg(ctx context.Context, chat string, reply *dangke.Reply) error {
	for _, part := range withMentions(splitText(render(reply.Text), 4000), reply.Mentions) { // daily.go
		body := map[string]any{"chatid": chat, "msgtype": "markdown", "markdown": map[string]string{"content": part}}
		if _, err := c.request(ctx, "aibot_send_msg", c.reqID("aibot_send_msg"), body); err != nil {
			return err
		}
	}
	if tc := card(reply); tc != nil { // cards.go: the buttons as a card of their own
		body := map[string]any{"chatid": chat, "msgtype": "template_card", "template_card": tc}
		if _, err := c.request(ctx, "aibot_send_msg", c.reqID("aibot_send_msg"), body); err != nil {
			return err
		}
	}
	for _, f := range reply.Files {
		mediaID, err := c.upload(ctx, f)
		if err != nil {
			return err
		}
		if _, err := c.request(ctx, "aibot_send_msg", c.reqID("aibot_send_msg"), mediaMessage(f, mediaID, chat)); err != nil {
			return err
		}
	}
	return nil
}

// chunkSize is the most bytes of a file in one upload chunk.
const chunkSize = 512 * 1024

// upload sends a file over the connection in chunks and returns its media id.
func (c *wsConn) upload(ctx context.Context, f dangke.File) (string, error) {
	sum := md5.Sum(f.Data)
	chunks := (len(f.Data) + chunkSize - 1) / chunkSize
	ack, err := c.request(ctx, "aibot_upload_media_init", c.reqID("aibot_upload_media_init"), map[string]any{
		"type": mediaType(f), "filename": f.Name, "total_size": len(f.Data), "total_chunks": chunks, "md5": hex.EncodeToString(sum[:])})
	if err != nil {
		return "", err
	}
	var init struct {
		UploadID string `json:"upload_id"`
	}
	if err := json.Unmarshal(ack.Body, &init); err != nil || init.UploadID == "" {
		return "", errors.New("wecom: upload init: no upload_id")
	}
	for i := 0; i < chunks; i++ {
		part := f.Data[i*chunkSize : min(len(f.Data), (i+1)*chunkSize)]
		if _, err := c.request(ctx, "aibot_upload_media_chunk", c.reqID("aibot_upload_media_chunk"), map[string]any{
			"upload_id": init.UploadID, "chunk_index": i, "base64_data": base64.StdEncoding.EncodeToString(part)}); err != nil {
			return "", err
		}
	}
	ack, err = c.request(ctx, "aibot_upload_media_finish", c.reqID("aibot_upload_media_finish"), map[string]string{"upload_id": init.UploadID})
	if err != nil {
		return "", err
	}
	var done struct {
		MediaID string `json:"media_id"`
	}
	if err := json.Unmarshal(ack.Body, &done); err != nil || done.MediaID == "" {
		return "", errors.New("wecom: upload finish: no media_id")
	}
	return done.MediaID, nil
}
