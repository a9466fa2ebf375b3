package wecom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"dangke/bot"
)

// serveCallback runs the callback URL's HTTP server until ctx ends.
func (a *Adapter) serveCallback(ctx context.Context) error {
	ln := a.cfg.Callback.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", a.cfg.Callback.Listen); err != nil {
			return err
		}
	}
	srv := bot.NewServer(a.CallbackHandler(), a.cfg.Callback.Limits)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	a.log.Info("callback server", "listen", ln.Addr().String())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// callbackWindow is how far a callback's timestamp may be from now: WeCom
// signs the timestamp, so a callback recorded and replayed later is refused.
const callbackWindow = 5 * time.Minute

// fresh checks a callback's timestamp (seconds since 1970) against the window.
func fresh(ts string, now time.Time) error {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("no timestamp")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > callbackWindow || d < -callbackWindow {
		return fmt.Errorf("timestamp %s is %s away from now, outside the %s window", ts, d.Round(time.Second), callbackWindow)
	}
	return nil
}

// CallbackHandler serves WeCom's callback URL: the URL verification (GET)
// and encrypted messages (POST), answered with an encrypted stream reply.
// A timestamp more than five minutes from now, a wrong signature, a
// ciphertext of the wrong length or bad padding gets a 4xx and a log line,
// never a panic. Serve it with bot.NewServer, which limits its body.
func (a *Adapter) CallbackHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		sig, ts, nonce := q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce")
		if r.Method == http.MethodGet || r.Method == http.MethodPost {
			if err := fresh(ts, time.Now()); err != nil {
				a.reject(w, r, http.StatusForbidden, err)
				return
			}
		}
		switch r.Method {
		case http.MethodGet:
			echo := q.Get("echostr")
			if err := a.kit.verify(sig, ts, nonce, echo); err != nil {
				a.reject(w, r, http.StatusForbidden, err)
				return
			}
			plain, err := a.kit.decrypt(echo, "")
			if err != nil {
				a.reject(w, r, http.StatusBadRequest, err)
				return
			}
			_, _ = w.Write(plain)
		case http.MethodPost:
			var env struct {
				Encrypt string `json:"encrypt"`
			}
			// Above bot.NewServer's 1 MiB, so that its limit is the one that answers 413.
			if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20+1)).Decode(&env); err != nil || env.Encrypt == "" {
				if bot.IsTooLarge(err) {
					a.reject(w, r, http.StatusRequestEntityTooLarge, err)
					return
				}
				if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
					a.reject(w, r, http.StatusRequestTimeout, err) // a body slower than the read timeout
					return
				}
				a.reject(w, r, http.StatusBadRequest, errors.New("no encrypt field"))
				return
			}
			if err := a.kit.verify(sig, ts, nonce, env.Encrypt); err != nil {
				a.reject(w, r, http.StatusForbidden, err)
				return
			}
			plain, err := a.kit.decrypt(env.Encrypt, "")
			if err != nil {
				a.reject(w, r, http.StatusBadRequest, err)
				return
			}
			a.onPost(w, r, plain, ts, nonce)
		default:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
}

func (a *Adapter) reject(w http.ResponseWriter, r *http.Request, status int, err error) {
	a.log.Warn("callback refused", "status", status, "remote", r.RemoteAddr, "err", err)
	http.Error(w, http.StatusText(status), status)
}

// onPost handles a decrypted callback and writes the passive reply.
func (a *Adapter) onPost(w http.ResponseWriter, r *http.Request, plain []byte, ts, nonce string) {
	var m message
	if err := json.Unmarshal(plain, &m); err != nil || m.From.UserID == "" {
		a.reject(w, r, http.StatusBadRequest, errors.New("unreadable message"))
		return
	}
	// A stream refresh, an event or a repeat: nothing more to say.
	if m.MsgType == "stream" || m.MsgType == "event" || !a.firstTime(m.MsgID) {
		w.WriteHeader(http.StatusOK)
		return
	}
	req, reply, err := a.handle(r.Context(), &m)
	if reply == nil || !a.claim(req, reply) {
		w.WriteHeader(http.StatusOK)
		return
	}
	if err != nil {
		// Nothing was saved; the apology still goes back.
		a.log.Error("callback message failed", "msgid", m.MsgID, "err", err)
	}
	text := reply.Text
	if len(reply.Files) > 0 {
		text += "\n（文件需要通过群机器人发送，请管理员用 /群机器人 设置本群的 webhook。）"
	}
	inner, _ := json.Marshal(map[string]any{"msgtype": "stream", "stream": map[string]any{"id": "s" + m.MsgID, "finish": true, "content": render(text)}})
	enc, err := a.kit.encrypt(inner, "", randomReader())
	if err != nil {
		a.delivered(r.Context(), req, reply, err)
		a.reject(w, r, http.StatusInternalServerError, err)
		return
	}
	if ts == "" {
		ts = strconv.FormatInt(time.Now().Unix(), 10)
	}
	w.Header().Set("Content-Type", "application/json")
	// The answer is the reply: once it is written, WeCom has it.
	err = json.NewEncoder(w).Encode(map[string]string{"encrypt": enc, "msgsignature": a.kit.signature(ts, nonce, enc), "timestamp": ts, "nonce": nonce})
	a.delivered(r.Context(), req, reply, err)
}
