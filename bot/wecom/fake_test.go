package wecom_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// fakeWeCom plays WeCom on loopback: the robot's long-connection server
// (subscribe, ping, callbacks, responses, proactive sends, chunked upload,
// dropping the socket, disconnected_event) and the group robot webhook
// (send, upload_media, 45009 past its rate).
type fakeWeCom struct {
	t        testing.TB
	ws, hook *httptest.Server
	botID    string
	secret   string
	upgrader websocket.Upgrader

	mu        sync.Mutex
	changed   *sync.Cond
	conn      *websocket.Conn
	writeMu   sync.Mutex
	connects  int
	pings     int
	frames    []wsFrame // every command the client sent
	seq       int
	hookSends []string // key:content
	hookTimes []time.Time
	uploads   []string
	limit     int
	window    time.Duration
	media     map[string]mediaFile // encrypted resources by id, served at /media/{id}
	fetched   []string             // the resources downloaded
}

// mediaFile is a resource as WeCom serves it: encrypted, with a name.
type mediaFile struct {
	Name string
	Data []byte
}

type wsFrame struct {
	Cmd     string            `json:"cmd"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

func newFakeWeCom(t testing.TB) *fakeWeCom {
	f := &fakeWeCom{t: t, botID: "BOTID", secret: "bot-secret-1", limit: 20, window: time.Minute, media: map[string]mediaFile{}}
	f.changed = sync.NewCond(&f.mu)
	f.ws = httptest.NewServer(http.HandlerFunc(f.serveWS))
	mux := http.NewServeMux()
	mux.HandleFunc("POST /cgi-bin/webhook/send", f.hookSend)
	mux.HandleFunc("POST /cgi-bin/webhook/upload_media", f.hookUpload)
	mux.HandleFunc("GET /media/{id}", f.serveMedia)
	f.hook = httptest.NewServer(mux)
	t.Cleanup(func() {
		f.drop()
		f.ws.Close()
		f.hook.Close()
	})
	return f
}

func (f *fakeWeCom) wsURL() string { return "ws" + f.ws.URL[len("http"):] }

func (f *fakeWeCom) serveWS(w http.ResponseWriter, r *http.Request) {
	conn, err := f.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	for {
		var fr wsFrame
		if err := conn.ReadJSON(&fr); err != nil {
			return
		}
		ack := map[string]any{"headers": map[string]string{"req_id": fr.Headers["req_id"]}, "errcode": 0, "errmsg": "ok"}
		switch fr.Cmd {
		case "aibot_subscribe":
			var body struct{ BotID, Secret string }
			var raw map[string]string
			_ = json.Unmarshal(fr.Body, &raw)
			body.BotID, body.Secret = raw["bot_id"], raw["secret"]
			if body.BotID != f.botID || body.Secret != f.secret {
				ack["errcode"], ack["errmsg"] = 40001, "invalid secret"
			} else {
				f.mu.Lock()
				f.conn = conn
				f.connects++
				f.changed.Broadcast()
				f.mu.Unlock()
			}
		case "aibot_upload_media_init":
			ack["body"] = map[string]string{"upload_id": "up-1"}
		case "aibot_upload_media_finish":
			ack["body"] = map[string]string{"media_id": "media-ws-1"}
		}
		f.mu.Lock()
		if fr.Cmd != "ping" {
			f.frames = append(f.frames, fr)
		} else {
			f.pings++
		}
		f.changed.Broadcast()
		f.mu.Unlock()
		f.writeMu.Lock()
		err := conn.WriteJSON(ack)
		f.writeMu.Unlock()
		if err != nil {
			return
		}
	}
}

// push sends a server command (a callback or an event) on the live connection.
func (f *fakeWeCom) push(cmd string, body any) string {
	f.mu.Lock()
	f.seq++
	id := fmt.Sprintf("srv-req-%d", f.seq)
	conn := f.conn
	f.mu.Unlock()
	if conn == nil {
		f.t.Fatal("no live connection")
	}
	f.writeMu.Lock()
	defer f.writeMu.Unlock()
	if err := conn.WriteJSON(map[string]any{"cmd": cmd, "headers": map[string]string{"req_id": id}, "body": body}); err != nil {
		f.t.Fatalf("push: %v", err)
	}
	return id
}

// pushRaw writes a text frame as it is.
func (f *fakeWeCom) pushRaw(text string) {
	f.mu.Lock()
	conn := f.conn
	f.mu.Unlock()
	f.writeMu.Lock()
	defer f.writeMu.Unlock()
	_ = conn.WriteMessage(websocket.TextMessage, []byte(text))
}

func (f *fakeWeCom) drop() {
	f.mu.Lock()
	conn := f.conn
	f.conn = nil
	f.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
}

// groupMessage is a robot callback body from zhangsan in group g1.
func groupMessage(msgid, text string) map[string]any {
	return map[string]any{"msgid": msgid, "aibotid": "BOTID", "chatid": "g1", "chattype": "group",
		"from": map[string]string{"userid": "zhangsan"}, "create_time": time.Date(2019, 7, 10, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)).Unix(),
		"msgtype": "text", "text": map[string]string{"content": text}}
}

// cardEvent is a template_card_event body: user pressed the button key of
// the card task in group g1.
func cardEvent(msgid, user, task, key string) map[string]any {
	return map[string]any{"msgid": msgid, "aibotid": "BOTID", "chatid": "g1", "chattype": "group",
		"from": map[string]string{"userid": user}, "create_time": time.Date(2019, 7, 10, 10, 1, 0, 0, time.FixedZone("CST", 8*3600)).Unix(),
		"msgtype": "event", "event": map[string]string{"eventtype": "template_card_event", "event_key": key, "task_id": task}}
}

// responses returns the client's frames of one command.
func (f *fakeWeCom) responses(cmd string) []wsFrame {
	var out []wsFrame
	for _, fr := range f.frames {
		if fr.Cmd == cmd {
			out = append(out, fr)
		}
	}
	return out
}

func (f *fakeWeCom) waitFor(what string, within time.Duration, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(within)
	go func() { time.Sleep(within); f.mu.Lock(); f.changed.Broadcast(); f.mu.Unlock() }()
	f.mu.Lock()
	defer f.mu.Unlock()
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s", what)
		}
		f.changed.Wait()
	}
}

func (f *fakeWeCom) hookSend(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("key")
	var body struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Content string `json:"content"`
		} `json:"markdown"`
		File struct {
			MediaID string `json:"media_id"`
		} `json:"file"`
		Image struct {
			Base64 string `json:"base64"`
			MD5    string `json:"md5"`
		} `json:"image"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	f.mu.Lock()
	defer f.mu.Unlock()
	if key != "hook-key-1" {
		writeJSON(w, map[string]any{"errcode": 93000, "errmsg": "invalid webhook url"})
		return
	}
	now, recent := time.Now(), 0
	for _, t := range f.hookTimes {
		if now.Sub(t) < f.window {
			recent++
		}
	}
	if recent >= f.limit {
		writeJSON(w, map[string]any{"errcode": 45009, "errmsg": "api freq out of limit"})
		return
	}
	f.hookTimes = append(f.hookTimes, now)
	content := body.Markdown.Content
	if body.MsgType == "file" {
		content = "file:" + body.File.MediaID
	}
	if body.MsgType == "image" { // image:MD5 when the MD5 is the picture's, else image:bad
		data, _ := base64.StdEncoding.DecodeString(body.Image.Base64)
		sum := md5.Sum(data)
		content = "image:bad"
		if len(data) > 0 && hex.EncodeToString(sum[:]) == body.Image.MD5 {
			content = "image:" + body.Image.MD5
		}
	}
	f.hookSends = append(f.hookSends, content)
	f.changed.Broadcast()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}

func (f *fakeWeCom) hookUpload(w http.ResponseWriter, r *http.Request) {
	file, hdr, err := r.FormFile("media")
	if err != nil || r.URL.Query().Get("key") != "hook-key-1" {
		writeJSON(w, map[string]any{"errcode": 40058, "errmsg": "invalid request"})
		return
	}
	data, _ := io.ReadAll(file)
	f.mu.Lock()
	f.uploads = append(f.uploads, hdr.Filename+":"+string(data))
	f.mu.Unlock()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "type": "file", "media_id": "media-hook-1"})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// publish encrypts content as WeCom does for the AI bot's pictures and
// files (AES-256-CBC, a fresh 32-byte key, IV = its first 16 bytes, PKCS#7
// padding to 32) and returns the message's {url, aeskey}.
func (f *fakeWeCom) publish(id, name string, plain []byte) map[string]string {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		f.t.Fatal(err)
	}
	pad := 32 - len(plain)%32
	buf := append(append([]byte{}, plain...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	block, err := aes.NewCipher(key)
	if err != nil {
		f.t.Fatal(err)
	}
	enc := make([]byte, len(buf))
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(enc, buf)
	f.mu.Lock()
	f.media[id] = mediaFile{Name: name, Data: enc}
	f.mu.Unlock()
	return map[string]string{"url": f.hook.URL + "/media/" + id + "?sig=x", "aeskey": base64.StdEncoding.EncodeToString(key)}
}

func (f *fakeWeCom) serveMedia(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	m, ok := f.media[r.PathValue("id")]
	if ok {
		f.fetched = append(f.fetched, r.PathValue("id"))
	}
	f.mu.Unlock()
	if !ok || r.URL.Query().Get("sig") != "x" {
		http.NotFound(w, r)
		return
	}
	if m.Name != "" {
		w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(m.Name))
	}
	w.Write(m.Data)
}
