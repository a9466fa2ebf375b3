package telegram_test

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAPI is a Telegram Bot API on loopback: enough of getMe, getUpdates
// (long polling with offsets), sendMessage, sendDocument, setMyCommands,
// deleteWebhook and setWebhook for the real library to talk to, with
// error injection.
type fakeAPI struct {
	t     *testing.T
	token string
	srv   *httptest.Server

	mu        sync.Mutex
	cond      *sync.Cond
	updates   []json.RawMessage // pending, in update_id order
	ids       []int64
	nextID    int64
	nextMsg   int
	sent      []sentMessage
	docs      []sentDocument
	commands  string
	scopes    map[string]string // setMyCommands: scope type ("" for none) → commands
	answers   []answeredQuery   // answerCallbackQuery calls
	edits     []sentMessage     // editMessageText calls (ReplyTo holds the edited message id)
	webhook   string
	fail429   int  // the next sendMessage calls answered 429
	fail502   int  // the next getUpdates calls answered 502 with an HTML body
	garbage   int  // the next getUpdates calls answered with malformed JSON
	redeliver bool // the next getUpdates ignores the offset once
	polls     int
	blobs     map[string][]byte // files by file_id, for getFile and the file link
	fetched   []string          // the file paths downloaded
}

type sentMessage struct {
	ChatID, Text, ParseMode, ReplyTo string
	Markup                           string // reply_markup as sent
	ID                               int    // the message id the fake gave it
}

type answeredQuery struct {
	ID, Text string
	Alert    bool
}

type sentDocument struct {
	Method, ChatID, Name, Data string
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{t: t, token: "123456:TEST-token", nextID: 100, nextMsg: 5000, blobs: map[string][]byte{}}
	f.cond = sync.NewCond(&f.mu)
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.mu.Lock()
		f.cond.Broadcast()
		f.mu.Unlock()
		f.srv.Close()
	})
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	if path, ok := strings.CutPrefix(r.URL.Path, "/file/bot"+f.token+"/"); ok { // the file link
		f.mu.Lock()
		data, found := f.blobs[strings.TrimPrefix(path, "photos/")]
		if found {
			f.fetched = append(f.fetched, path)
		}
		f.mu.Unlock()
		if !found {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
		return
	}
	prefix := "/bot" + f.token + "/"
	if !strings.HasPrefix(r.URL.Path, prefix) {
		writeJSON(w, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	fields, files := parseForm(f.t, r)
	switch method := strings.TrimPrefix(r.URL.Path, prefix); method {
	case "getMe":
		writeJSON(w, map[string]any{"ok": true, "result": map[string]any{"id": 123456, "is_bot": true, "first_name": "党课助手", "username": "DangkeBot"}})
	case "getUpdates":
		f.getUpdates(w, r, fields)
	case "getFile":
		f.mu.Lock()
		data, ok := f.blobs[fields["file_id"]]
		f.mu.Unlock()
		if !ok {
			writeJSON(w, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: invalid file_id"})
			return
		}
		writeJSON(w, map[string]any{"ok": true, "result": map[string]any{"file_id": fields["file_id"], "file_unique_id": "u" + fields["file_id"],
			"file_size": len(data), "file_path": "photos/" + fields["file_id"]}})
	case "sendMessage":
		f.mu.Lock()
		if f.fail429 > 0 {
			f.fail429--
			f.mu.Unlock()
			writeJSON(w, map[string]any{"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1", "parameters": map[string]any{"retry_after": 1}})
			return
		}
		var reply struct {
			MessageID int `json:"message_id"`
		}
		_ = json.Unmarshal([]byte(fields["reply_parameters"]), &reply)
		f.nextMsg++
		id := f.nextMsg
		f.sent = append(f.sent, sentMessage{ChatID: fields["chat_id"], Text: fields["text"], ParseMode: fields["parse_mode"], ReplyTo: fmt.Sprint(reply.MessageID),
			Markup: fields["reply_markup"], ID: id})
		f.cond.Broadcast()
		f.mu.Unlock()
		writeJSON(w, map[string]any{"ok": true, "result": map[string]any{"message_id": id, "date": 1700000000,
			"chat": map[string]any{"id": json.Number(fields["chat_id"]), "type": "supergroup"}, "text": fields["text"]}})
	case "sendDocument", "sendPhoto":
		f.mu.Lock()
		for name, data := range files {
			f.docs = append(f.docs, sentDocument{Method: method, ChatID: fields["chat_id"], Name: name, Data: data})
		}
		f.cond.Broadcast()
		f.mu.Unlock()
		writeJSON(w, map[string]any{"ok": true, "result": map[string]any{"message_id": 1, "date": 1700000000, "chat": map[string]any{"id": 1, "type": "private"}}})
	case "setMyCommands":
		f.mu.Lock()
		f.commands = fields["commands"]
		var scope struct{ Type string }
		_ = json.Unmarshal([]byte(fields["scope"]), &scope)
		if f.scopes == nil {
			f.scopes = map[string]string{}
		}
		f.scopes[scope.Type] = fields["commands"]
		f.mu.Unlock()
		writeJSON(w, map[string]any{"ok": true, "result": true})
	case "answerCallbackQuery":
		f.mu.Lock()
		f.answers = append(f.answers, answeredQuery{ID: fields["callback_query_id"], Text: fields["text"], Alert: fields["show_alert"] == "true"})
		f.cond.Broadcast()
		f.mu.Unlock()
		writeJSON(w, map[string]any{"ok": true, "result": true})
	case "editMessageText":
		f.mu.Lock()
		f.edits = append(f.edits, sentMessage{ChatID: fields["chat_id"], Text: fields["text"], ParseMode: fields["parse_mode"],
			ReplyTo: fields["message_id"], Markup: fields["reply_markup"]})
		f.mu.Unlock()
		writeJSON(w, map[string]any{"ok": true, "result": map[string]any{"message_id": 1, "date": 1700000000,
			"chat": map[string]any{"id": json.Number(fields["chat_id"]), "type": "supergroup"}, "text": fields["text"]}})
	case "deleteWebhook", "setWebhook":
		f.mu.Lock()
		f.webhook = fields["url"]
		f.mu.Unlock()
		writeJSON(w, map[string]any{"ok": true, "result": true})
	default:
		writeJSON(w, map[string]any{"ok": false, "error_code": 404, "description": "Not Found: " + method})
	}
}

// getUpdates drops confirmed updates (id < offset) and returns the rest,
// waiting up to the poll timeout for one to arrive.
func (f *fakeAPI) getUpdates(w http.ResponseWriter, r *http.Request, fields map[string]string) {
	var offset int64
	fmt.Sscan(fields["offset"], &offset)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.polls++
	if f.fail502 > 0 {
		f.fail502--
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html><body>502 Bad Gateway</body></html>")
		return
	}
	if f.garbage > 0 {
		f.garbage--
		io.WriteString(w, `{"ok":true,"result":[{"update_id":`)
		return
	}
	deadline := time.Now().Add(time.Second)
	for {
		if f.redeliver {
			f.redeliver = false
		} else {
			for len(f.ids) > 0 && f.ids[0] < offset {
				f.ids, f.updates = f.ids[1:], f.updates[1:]
			}
		}
		if len(f.updates) > 0 || time.Now().After(deadline) || r.Context().Err() != nil {
			break
		}
		go func() { time.Sleep(50 * time.Millisecond); f.mu.Lock(); f.cond.Broadcast(); f.mu.Unlock() }()
		f.cond.Wait()
	}
	out := make([]json.RawMessage, len(f.updates))
	copy(out, f.updates)
	writeJSON(w, map[string]any{"ok": true, "result": out})
}

// push queues an update whose payload is given without its update_id.
func (f *fakeAPI) push(kind string, payload map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	raw, err := json.Marshal(map[string]any{"update_id": f.nextID, kind: payload})
	if err != nil {
		f.t.Fatal(err)
	}
	f.updates = append(f.updates, raw)
	f.ids = append(f.ids, f.nextID)
	f.cond.Broadcast()
}

// waitSent waits until n messages have been sent and returns them.
func (f *fakeAPI) waitSent(n int) []sentMessage {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mu.Lock()
		if len(f.sent) >= n {
			out := append([]sentMessage(nil), f.sent...)
			f.mu.Unlock()
			return out
		}
		f.mu.Unlock()
		if time.Now().After(deadline) {
			f.t.Fatalf("waited for %d messages, have %d", n, len(f.sent))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitAnswers waits until n callback queries have been answered and returns them.
func (f *fakeAPI) waitAnswers(n int) []answeredQuery {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mu.Lock()
		if len(f.answers) >= n {
			out := append([]answeredQuery(nil), f.answers...)
			f.mu.Unlock()
			return out
		}
		f.mu.Unlock()
		if time.Now().After(deadline) {
			f.t.Fatalf("waited for %d answered presses, have %d", n, len(f.answers))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// press queues a button press by user on the bot's message sent (as the fake
// recorded it), with the callback data data.
func (f *fakeAPI) press(id string, user map[string]any, chat map[string]any, sent sentMessage, data string) {
	f.push("callback_query", map[string]any{"id": id, "from": user, "chat_instance": "1", "data": data,
		"message": map[string]any{"message_id": sent.ID, "date": 1562727600, "chat": chat, "text": sent.Text,
			"from": map[string]any{"id": 123456, "is_bot": true, "first_name": "党课助手", "username": "DangkeBot"}}})
}

// quiet waits a little and returns the messages sent so far, to check that
// nothing more arrives.
func (f *fakeAPI) quiet() []sentMessage {
	time.Sleep(300 * time.Millisecond)
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentMessage(nil), f.sent...)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// parseForm reads the library's multipart body: fields, and uploads by file name.
func parseForm(t *testing.T, r *http.Request) (map[string]string, map[string]string) {
	fields, files := map[string]string{}, map[string]string{}
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return fields, files
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return fields, files // io.EOF, or the empty body of a call without parameters
		}
		data, _ := io.ReadAll(p)
		if p.FileName() != "" {
			files[p.FileName()] = string(data)
		} else {
			fields[p.FormName()] = string(data)
		}
	}
}

// group and private are the chats of the tests.
var (
	group   = map[string]any{"id": -1001234567890, "title": "城关镇一支部", "type": "supergroup"}
	private = map[string]any{"id": 777, "first_name": "Ann", "type": "private"}
	ann     = map[string]any{"id": 777, "is_bot": false, "first_name": "Ann", "username": "ann"}
	bob     = map[string]any{"id": 888, "is_bot": false, "first_name": "Bob", "username": "bob"}
)

// message builds a text message from Ann.
func message(id int, chat map[string]any, text string) map[string]any {
	return map[string]any{"message_id": id, "from": ann, "chat": chat, "date": 1562727600, "text": text}
}
