package dingtalk

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
	"path"
	"strings"
	"sync"
	"time"

	"dangke"
)

// tokenCache holds the app's access token and refreshes it before expiry.
type tokenCache struct {
	fetch func(ctx context.Context) (string, time.Duration, error)

	mu      sync.Mutex
	token   string
	expires time.Time
}

// refreshMargin is how long before expiry a token is replaced.
const refreshMargin = 5 * time.Minute

func (c *tokenCache) get(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && time.Now().Before(c.expires) {
		return c.token, nil
	}
	token, ttl, err := c.fetch(ctx)
	if err != nil {
		return "", err
	}
	c.token, c.expires = token, time.Now().Add(max(ttl-refreshMargin, ttl/2))
	return token, nil
}

// drop forgets a token the server refused.
func (c *tokenCache) drop(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == token {
		c.token = ""
	}
}

// fetchToken obtains an access token for the app (POST /v1.0/oauth2/accessToken).
func (a *Adapter) fetchToken(ctx context.Context) (string, time.Duration, error) {
	var out struct {
		AccessToken string `json:"accessToken"`
		ExpireIn    int64  `json:"expireIn"`
	}
	body := map[string]string{"appKey": a.cfg.ClientID, "appSecret": a.cfg.ClientSecret}
	status, err := a.postJSON(ctx, a.cfg.OpenAPIHost+"/v1.0/oauth2/accessToken", nil, body, &out)
	if err != nil {
		return "", 0, fmt.Errorf("dingtalk: access token: %w", err)
	}
	if status != http.StatusOK || out.AccessToken == "" {
		return "", 0, fmt.Errorf("dingtalk: access token: HTTP %d", status)
	}
	if out.ExpireIn <= 0 {
		out.ExpireIn = 7200
	}
	return out.AccessToken, time.Duration(out.ExpireIn) * time.Second, nil
}

// apiError is an OpenAPI error body: {"code","message","requestid"}.
type apiError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"requestid"`
}

// openAPI posts to a new-style OpenAPI endpoint with the access token,
// fetching a new token and trying once more when the server refuses it.
func (a *Adapter) openAPI(ctx context.Context, path string, body, out any) error {
	for attempt := 0; ; attempt++ {
		if a.quota.call(time.Now()) { // quota.go
			return fmt.Errorf("dingtalk: %s: %w", path, ErrQuota)
		}
		if err := a.pace.Wait(ctx, ""); err != nil {
			return fmt.Errorf("dingtalk: %s: %w", path, err)
		}
		token, err := a.tokens.get(ctx)
		if err != nil {
			return err
		}
		var fail apiError
		raw := &json.RawMessage{}
		status, err := a.postJSON(ctx, a.cfg.OpenAPIHost+path, http.Header{"x-acs-dingtalk-access-token": {token}}, body, raw)
		if err != nil {
			return fmt.Errorf("dingtalk: %s: %w", path, err)
		}
		if status == http.StatusOK {
			if out != nil {
				return json.Unmarshal(*raw, out)
			}
			return nil
		}
		_ = json.Unmarshal(*raw, &fail)
		if isQuota(fail.Code, *raw) {
			if a.quota.exhaust(time.Now()) {
				a.log.Error("DingTalk says the organisation's monthly API quota is used up: digests go through session webhooks while they last, replies through their own webhook; upgrade the edition or wait for next month",
					"path", path, "code", fail.Code, "requestid", fail.RequestID)
			}
			return fmt.Errorf("dingtalk: %s: %w", path, ErrQuota)
		}
		auth := status == http.StatusUnauthorized || strings.Contains(fail.Code, "InvalidAuthentication") || strings.Contains(fail.Code, "Unauthorized")
		if auth && attempt == 0 {
			a.log.Info("access token refused; fetching a new one", "path", path)
			a.tokens.drop(token)
			continue
		}
		return fmt.Errorf("dingtalk: %s: HTTP %d %s %s (requestid %s)", path, status, fail.Code, fail.Message, fail.RequestID)
	}
}

// groupSend sends a template message to a group (POST /v1.0/robot/groupMessages/send).
func (a *Adapter) groupSend(ctx context.Context, conversation, key string, param any) error {
	p, err := json.Marshal(param)
	if err != nil {
		return err
	}
	body := map[string]string{"robotCode": a.cfg.RobotCode, "openConversationId": conversation, "msgKey": key, "msgParam": string(p)}
	var out struct {
		ProcessQueryKey string `json:"processQueryKey"`
	}
	if err := a.openAPI(ctx, "/v1.0/robot/groupMessages/send", body, &out); err != nil {
		return err
	}
	a.log.Debug("group message sent", "conversation", conversation, "processQueryKey", out.ProcessQueryKey)
	return nil
}

// oneToOne sends a template message to one person (POST /v1.0/robot/oToMessages/batchSend).
func (a *Adapter) oneToOne(ctx context.Context, staffID, key string, param any) error {
	p, err := json.Marshal(param)
	if err != nil {
		return err
	}
	body := map[string]any{"robotCode": a.cfg.RobotCode, "userIds": []string{staffID}, "msgKey": key, "msgParam": string(p)}
	return a.openAPI(ctx, "/v1.0/robot/oToMessages/batchSend", body, nil)
}

// webhook posts markdown to a message's sessionWebhook and checks errcode:
// DingTalk answers 200 even when the session has expired (300001).
func (a *Adapter) webhook(ctx context.Context, hook, text string, at ...string) error {
	title, body := markdown(text)
	msg := map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": title, "text": body + atText(at)}}
	if len(at) > 0 {
		msg["at"] = map[string]any{"atUserIds": at}
	}
	var out struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	status, err := a.postJSON(ctx, hook, nil, msg, &out)
	if err != nil {
		return err
	}
	if status != http.StatusOK || out.ErrCode != 0 {
		return fmt.Errorf("sessionWebhook: HTTP %d errcode %d %s", status, out.ErrCode, out.ErrMsg)
	}
	return nil
}

// sendFile uploads a file through the media API and sends it as sampleFile;
// a picture goes as an image message (image.go).
func (a *Adapter) sendFile(ctx context.Context, m *message, f dangke.File) error {
	if isImage(f) {
		return a.sendImage(ctx, m, f)
	}
	mediaID, err := a.upload(ctx, f, "file")
	if err != nil {
		return err
	}
	ext := strings.TrimPrefix(path.Ext(f.Name), ".")
	return a.proactive(ctx, m, "sampleFile", map[string]string{"mediaId": mediaID, "fileName": f.Name, "fileType": ext})
}

// upload posts a file to the legacy media API (oapi /media/upload) as a
// media type: file or image.
func (a *Adapter) upload(ctx context.Context, f dangke.File, kind string) (string, error) {
	for attempt := 0; ; attempt++ {
		token, err := a.tokens.get(ctx)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		_ = w.WriteField("type", kind)
		part, err := w.CreateFormFile("media", f.Name)
		if err != nil {
			return "", err
		}
		_, _ = part.Write(f.Data)
		_ = w.Close()
		u := a.cfg.OAPIHost + "/media/upload?" + url.Values{"access_token": {token}, "type": {kind}}.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, &buf)
		if err != nil {
			return "", err
		}
		req.Header.Set("Content-Type", w.FormDataContentType())
		resp, err := a.http.Do(req)
		if err != nil {
			return "", fmt.Errorf("dingtalk: media upload: %s", redact(err.Error(), token))
		}
		var out struct {
			ErrCode int    `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
			MediaID string `json:"media_id"`
		}
		err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out)
		resp.Body.Close()
		if err != nil {
			return "", fmt.Errorf("dingtalk: media upload: HTTP %d: %w", resp.StatusCode, err)
		}
		if out.ErrCode == 40014 || out.ErrCode == 42001 { // invalid or expired access_token
			if attempt == 0 {
				a.tokens.drop(token)
				continue
			}
		}
		if out.ErrCode != 0 || out.MediaID == "" {
			return "", fmt.Errorf("dingtalk: media upload: errcode %d %s", out.ErrCode, out.ErrMsg)
		}
		return out.MediaID, nil
	}
}

// postJSON posts a JSON body and decodes a JSON answer of any status.
func (a *Adapter) postJSON(ctx context.Context, u string, h http.Header, body, out any) (int, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	for k, v := range h {
		req.Header[http.CanonicalHeaderKey(k)] = v
	}
	resp, err := a.http.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			return 0, fmt.Errorf("%s: %w", uerr.Op, uerr.Err) // the URL may carry a session or token
		}
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("HTTP %d: unreadable answer: %w", resp.StatusCode, err)
		}
	}
	return resp.StatusCode, nil
}
