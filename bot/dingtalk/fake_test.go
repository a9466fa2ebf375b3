package dingtalk_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// fakeDingTalk speaks DingTalk's side of Stream mode and the OpenAPI on
// loopback: connection registration, the WebSocket gateway (pushing
// CALLBACK frames, recording acks, ping and disconnect), the sessionWebhook
// sink, the token endpoint, group and 1:1 sends, and the media upload.
type fakeDingTalk struct {
	quotaOut bool // sends are refused: the monthly quota is used up
	refused  int  // sends refused for the quota

	t        testing.TB
	srv      *httptest.Server
	id, key  string
	upgrader websocket.Upgrader

	mu          sync.Mutex
	changed     *sync.Cond
	tickets     map[string]bool
	conn        *websocket.Conn
	connWrite   sync.Mutex
	connects    int
	silentPings bool // the gateway stops answering WebSocket pings
	acks        map[string][]int
	hooks       []hookCall
	hookTimes   map[string]time.Time
	expired     map[string]bool // sessions that answer errcode 300001
	tokens      map[string]bool
	issued      int
	sends       []apiSend
	uploads     []string
	seq         int
	onConnect   func()            // called on each new connection (the chaos test redelivers there)
	blobs       map[string][]byte // files the robot may download, by downloadCode
	downloads   []string          // the downloadCodes asked for
}

type hookCall struct {
	Session, Title, Text string
	AtUsers              []string  // at.atUserIds
	Pid                  string    // the X-Child header of the chaos test's bot: which process sent it
	At                   time.Time // when the fake received it
}

type apiSend struct {
	Path, Token, Conversation, Key, Param string
	Users                                 []string
}

func newFake(t testing.TB) *fakeDingTalk {
	f := &fakeDingTalk{t: t, id: "dingtestclient", key: "s3cret-app-key", tickets: map[string]bool{}, acks: map[string][]int{},
		expired: map[string]bool{}, tokens: map[string]bool{}, hookTimes: map[string]time.Time{}, blobs: map[string][]byte{}}
	f.changed = sync.NewCond(&f.mu)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1.0/gateway/connections/open", f.open)
	mux.HandleFunc("GET /connect", f.connect)
	mux.HandleFunc("POST /robot/sendBySession", f.sendBySession)
	mux.HandleFunc("POST /v1.0/oauth2/accessToken", f.accessToken)
	mux.HandleFunc("POST /v1.0/robot/groupMessages/send", f.send)
	mux.HandleFunc("POST /v1.0/robot/oToMessages/batchSend", f.send)
	mux.HandleFunc("POST /media/upload", f.upload)
	mux.HandleFunc("POST /v1.0/robot/messageFiles/download", f.fileURL)
	mux.HandleFunc("GET /files/{code}", f.file)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		f.mu.Lock()
		if f.conn != nil {
			f.conn.Close()
		}
		f.mu.Unlock()
		f.srv.Close()
	})
	return f
}

func (f *fakeDingTalk) open(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ClientID      string `json:"clientId"`
		ClientSecret  string `json:"clientSecret"`
		Subscriptions []struct{ Type, Topic string }
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.ClientID != f.id || req.ClientSecret != f.key {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"requestid":"r1","code":"authFailed","message":"鉴权失败"}`)
		return
	}
	subscribed := false
	for _, s := range req.Subscriptions {
		subscribed = subscribed || (s.Type == "CALLBACK" && s.Topic == "/v1.0/im/bot/messages/get")
	}
	if !subscribed {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"code":"invalidParameter","message":"no robot subscription"}`)
		return
	}
	f.mu.Lock()
	f.seq++
	ticket := fmt.Sprintf("ticket-%d", f.seq)
	f.tickets[ticket] = true
	f.mu.Unlock()
	writeJSON(w, map[string]string{"endpoint": "ws://" + r.Host + "/connect", "ticket": ticket})
}

func (f *fakeDingTalk) connect(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	ok := f.tickets[r.URL.Query().Get("ticket")]
	delete(f.tickets, r.URL.Query().Get("ticket")) // a ticket opens one connection
	f.mu.Unlock()
	if !ok {
		http.Error(w, "bad ticket", http.StatusForbidden)
		return
	}
	conn, err := f.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	f.mu.Lock()
	if f.silentPings {
		conn.SetPingHandler(func(string) error { return nil })
	}
	f.conn = conn
	f.connects++
	f.changed.Broadcast()
	onConnect := f.onConnect
	f.mu.Unlock()
	if onConnect != nil {
		go onConnect()
	}
	for { // the read loop also answers WebSocket pings
		_, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		var ack struct {
			Code    int               `json:"code"`
			Headers map[string]string `json:"headers"`
		}
		if json.Unmarshal(data, &ack) == nil {
			f.mu.Lock()
			id := ack.Headers["messageId"]
			f.acks[id] = append(f.acks[id], ack.Code)
			f.changed.Broadcast()
			f.mu.Unlock()
		}
	}
}

// push sends a frame on the current connection; data is marshalled into
// the frame's data string. It returns the frame's messageId.
func (f *fakeDingTalk) push(typ, topic string, data any) string {
	raw, err := json.Marshal(data)
	if err != nil {
		f.t.Fatal(err)
	}
	return f.pushRaw(typ, topic, string(raw))
}

func (f *fakeDingTalk) pushRaw(typ, topic, data string) string {
	f.mu.Lock()
	f.seq++
	id := fmt.Sprintf("212ca9d7_974_%x", f.seq)
	conn := f.conn
	f.mu.Unlock()
	if conn == nil {
		f.t.Fatal("no connection to push on")
	}
	frame := map[string]any{"specVersion": "1.0", "type": typ, "data": data,
		"headers": map[string]string{"topic": topic, "messageId": id, "contentType": "application/json",
			"time": fmt.Sprint(time.Now().UnixMilli()), "appId": "app-1", "connectionId": "conn-1"}}
	f.connWrite.Lock()
	defer f.connWrite.Unlock()
	if err := conn.WriteJSON(frame); err != nil {
		f.t.Fatalf("push: %v", err)
	}
	return id
}

// robotMessage builds the data of a robot callback with its own webhook session.
func (f *fakeDingTalk) robotMessage(msgID, convType, text string) map[string]any {
	m := map[string]any{
		"conversationId": "cidGroup1==", "conversationType": convType, "conversationTitle": "城关镇一支部",
		"msgId": msgID, "msgtype": "text", "text": map[string]string{"content": text},
		"senderStaffId": "manager123", "senderId": "$:LWCP_v1:$abc", "senderNick": "张三",
		"sessionWebhook":            f.srv.URL + "/robot/sendBySession?session=" + msgID,
		"sessionWebhookExpiredTime": time.Now().Add(90 * time.Minute).UnixMilli(),
		"createAt":                  time.Date(2019, 7, 10, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)).UnixMilli(),
		"robotCode":                 f.id, "isInAtList": true, "chatbotUserId": "$:LWCP_v1:$bot",
	}
	if convType == "1" {
		m["conversationId"] = "cidPrivate1=="
		delete(m, "conversationTitle")
	}
	return m
}

func (f *fakeDingTalk) sendBySession(w http.ResponseWriter, r *http.Request) {
	var body struct {
		MsgType  string `json:"msgtype"`
		Markdown struct{ Title, Text string }
		At       struct {
			AtUserIDs []string `json:"atUserIds"`
		} `json:"at"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	session := r.URL.Query().Get("session")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.expired[session] {
		writeJSON(w, map[string]any{"errcode": 300001, "errmsg": "session 不存在"})
		return
	}
	f.hooks = append(f.hooks, hookCall{Session: session, Title: body.Markdown.Title, Text: body.Markdown.Text,
		AtUsers: body.At.AtUserIDs, Pid: r.Header.Get("X-Child"), At: time.Now()})
	if _, ok := f.hookTimes[session]; !ok {
		f.hookTimes[session] = time.Now()
	}
	f.changed.Broadcast()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}

func (f *fakeDingTalk) accessToken(w http.ResponseWriter, r *http.Request) {
	var req struct{ AppKey, AppSecret string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.AppKey != f.id || req.AppSecret != f.key {
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, map[string]string{"code": "invalidClientIdOrSecret", "message": "无效的clientId或者clientSecret"})
		return
	}
	f.mu.Lock()
	f.issued++
	token := fmt.Sprintf("token-%d", f.issued)
	f.tokens[token] = true
	f.mu.Unlock()
	writeJSON(w, map[string]any{"accessToken": token, "expireIn": 7200})
}

// expireTokens makes every issued token invalid, as if it had run out.
func (f *fakeDingTalk) expireTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens = map[string]bool{}
}

func (f *fakeDingTalk) send(w http.ResponseWriter, r *http.Request) {
	token := r.Header.Get("x-acs-dingtalk-access-token")
	var body struct {
		RobotCode          string   `json:"robotCode"`
		OpenConversationID string   `json:"openConversationId"`
		UserIDs            []string `json:"userIds"`
		MsgKey             string   `json:"msgKey"`
		MsgParam           string   `json:"msgParam"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.tokens[token] {
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, map[string]string{"code": "InvalidAuthentication", "message": "不合法的access_token", "requestid": "r2"})
		return
	}
	if f.quotaOut {
		f.refused++
		w.WriteHeader(http.StatusForbidden)
		writeJSON(w, map[string]string{"code": "Forbidden.AccessDenied.ApiCountLimitForOrg", "message": "您的企业本月api调用量已超过限制", "requestid": "r3"})
		return
	}
	if body.RobotCode != f.id || !json.Valid([]byte(body.MsgParam)) {
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, map[string]string{"code": "invalidParameter.robotCode.notExsit", "message": "bad request"})
		return
	}
	f.sends = append(f.sends, apiSend{Path: r.URL.Path, Token: token, Conversation: body.OpenConversationID, Users: body.UserIDs, Key: body.MsgKey, Param: body.MsgParam})
	f.changed.Broadcast()
	writeJSON(w, map[string]string{"processQueryKey": "pqk-1"})
}

func (f *fakeDingTalk) upload(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	valid := f.tokens[r.URL.Query().Get("access_token")]
	f.mu.Unlock()
	if !valid {
		writeJSON(w, map[string]any{"errcode": 40014, "errmsg": "不合法的access_token"})
		return
	}
	file, hdr, err := r.FormFile("media")
	kind := r.URL.Query().Get("type")
	if err != nil || (kind != "file" && kind != "image") || r.FormValue("type") != kind {
		writeJSON(w, map[string]any{"errcode": 40004, "errmsg": "invalid media type"})
		return
	}
	data, _ := io.ReadAll(file)
	name, id := hdr.Filename, "@lAzMedia1"
	if kind == "image" { // images are recorded as image:NAME
		name, id = "image:"+name, "@lAzImage1"
	}
	f.mu.Lock()
	f.uploads = append(f.uploads, name+":"+string(data))
	f.mu.Unlock()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "media_id": id, "type": kind})
}

// waitFor waits until cond holds (checked under the lock) or fails the test.
func (f *fakeDingTalk) waitFor(what string, within time.Duration, cond func() bool) {
	f.t.Helper()
	if !f.waitUntil(within, cond) {
		f.t.Fatalf("timed out waiting for %s", what)
	}
}

// waitUntil waits for cond (read under f.mu) at most within, and reports
// whether it came true.
func (f *fakeDingTalk) waitUntil(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	go func() { // wake the waiter at the deadline
		time.Sleep(within)
		f.mu.Lock()
		f.changed.Broadcast()
		f.mu.Unlock()
	}()
	f.mu.Lock()
	defer f.mu.Unlock()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		f.changed.Wait()
	}
	return true
}

func (f *fakeDingTalk) hookTexts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, h := range f.hooks {
		out = append(out, h.Text)
	}
	return out
}

// dropConnection closes the gateway's side of the socket abruptly.
func (f *fakeDingTalk) dropConnection() {
	f.mu.Lock()
	conn := f.conn
	f.conn = nil
	f.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func contains(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// fileURL answers the robot file download API: a downloadCode and the
// robot's code give a download URL (here on the fake).
func (f *fakeDingTalk) fileURL(w http.ResponseWriter, r *http.Request) {
	token := r.Header.Get("x-acs-dingtalk-access-token")
	var body struct {
		DownloadCode string `json:"downloadCode"`
		RobotCode    string `json:"robotCode"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.tokens[token] {
		w.WriteHeader(http.StatusUnauthorized)
		writeJSON(w, map[string]string{"code": "InvalidAuthentication", "message": "不合法的access_token"})
		return
	}
	if _, ok := f.blobs[body.DownloadCode]; !ok || body.RobotCode != f.id {
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, map[string]string{"code": "invalidParameter", "message": "downloadCode 无效"})
		return
	}
	f.downloads = append(f.downloads, body.DownloadCode)
	writeJSON(w, map[string]string{"downloadUrl": f.srv.URL + "/files/" + body.DownloadCode + "?sign=abc"})
}

func (f *fakeDingTalk) file(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	data, ok := f.blobs[r.PathValue("code")]
	f.mu.Unlock()
	if !ok || r.URL.Query().Get("sign") != "abc" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(data)
}
