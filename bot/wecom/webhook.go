package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"dangke"
)

// errRateLimited is WeCom's 45009: too many messages for this robot.
var errRateLimited = errors.New("wecom webhook: api freq out of limit (45009)")

// webhook sends to group robots (群机器人): cgi-bin/webhook/send?key=…, with
// files through webhook/upload_media. Each key may send 20 messages a
// minute; sends wait for their turn instead of being dropped.
type webhook struct {
	host   string
	http   *http.Client
	limit  int           // messages per window per key
	window time.Duration // the rolling window
	sleep  func(ctx context.Context, d time.Duration) error

	mu   sync.Mutex
	sent map[string][]time.Time // per key, the send times inside the window
	keys map[string]*sync.Mutex // one send at a time per key, in order
}

func newWebhook(host string, client *http.Client, limit int, window time.Duration) *webhook {
	return &webhook{host: strings.TrimRight(host, "/"), http: client, limit: limit, window: window, sleep: dangke.Sleep,
		sent: map[string][]time.Time{}, keys: map[string]*sync.Mutex{}}
}

// turn waits until key may send another message and books the slot.
func (w *webhook) turn(ctx context.Context, key string) error {
	for {
		w.mu.Lock()
		now := time.Now()
		times := w.sent[key]
		for len(times) > 0 && now.Sub(times[0]) >= w.window {
			times = times[1:]
		}
		if len(times) < w.limit {
			w.sent[key] = append(times, now)
			w.mu.Unlock()
			return nil
		}
		wait := w.window - now.Sub(times[0])
		w.sent[key] = times
		w.mu.Unlock()
		if err := w.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

func (w *webhook) lock(key string) *sync.Mutex {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.keys[key]
	if m == nil {
		m = &sync.Mutex{}
		w.keys[key] = m
	}
	return m
}

// deliver sends a reply's text as markdown (split below 4,096 bytes) and its
// files, in order, to one group robot.
func (w *webhook) deliver(ctx context.Context, key string, reply *dangke.Reply) error {
	m := w.lock(key)
	m.Lock()
	defer m.Unlock()
	for _, part := range withMentions(splitText(render(reply.Text), 4000), reply.Mentions) { // daily.go
		body := map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": part}}
		if err := w.send(ctx, key, body); err != nil {
			return err
		}
	}
	for _, f := range reply.Files {
		if mediaType(f) == "image" { // a chart: shown in the group, no upload (image.go)
			if err := w.send(ctx, key, hookImage(f)); err != nil {
				return err
			}
			continue
		}
		id, err := w.upload(ctx, key, f)
		if err != nil {
			return err
		}
		if err := w.send(ctx, key, map[string]any{"msgtype": "file", "file": map[string]string{"media_id": id}}); err != nil {
			return err
		}
	}
	return nil
}

// send posts one message, waiting out the rate limit, and retrying once a
// slot is free when WeCom still answers 45009.
func (w *webhook) send(ctx context.Context, key string, body any) error {
	for attempt := 0; ; attempt++ {
		if err := w.turn(ctx, key); err != nil {
			return err
		}
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		err = w.post(ctx, "/cgi-bin/webhook/send?"+url.Values{"key": {key}}.Encode(), "application/json", data, nil)
		if !errors.Is(err, errRateLimited) || attempt == 5 {
			return err
		}
		if err := w.sleep(ctx, w.window/time.Duration(w.limit)); err != nil {
			return err
		}
	}
}

// upload posts a file to webhook/upload_media and returns its media id.
func (w *webhook) upload(ctx context.Context, key string, f dangke.File) (string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, err := mw.CreateFormFile("media", f.Name)
	if err != nil {
		return "", err
	}
	_, _ = part.Write(f.Data)
	_ = mw.Close()
	var out struct {
		MediaID string `json:"media_id"`
	}
	q := url.Values{"key": {key}, "type": {"file"}}.Encode()
	if err := w.post(ctx, "/cgi-bin/webhook/upload_media?"+q, mw.FormDataContentType(), buf.Bytes(), &out); err != nil {
		return "", err
	}
	return out.MediaID, nil
}

// post sends a request and checks the errcode WeCom puts in every 200.
func (w *webhook) post(ctx context.Context, path, contentType string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.host+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := w.http.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL carries the key
		}
		return fmt.Errorf("wecom webhook: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("wecom webhook: %w", err)
	}
	var status struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(raw, &status); err != nil {
		return fmt.Errorf("wecom webhook: HTTP %d, unreadable answer", resp.StatusCode)
	}
	switch status.ErrCode {
	case 0:
	case 45009:
		return errRateLimited
	default:
		return fmt.Errorf("wecom webhook: errcode %d %s", status.ErrCode, status.ErrMsg)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}
