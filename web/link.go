package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"dangke"
)

// Token is what a dashboard link carries: the unit whose subtree it shows
// (0: the city), the chat it was given to (its issuer, whose /看板 作废
// voids it), when it was given and when it expires.
type Token struct {
	Unit    int64  `json:"u"`
	Chat    string `json:"c"` // platform:id
	Issued  int64  `json:"i"` // unix ms
	Expires int64  `json:"e"` // unix s
}

// LinkStore keeps the revocations of links.
type LinkStore interface {
	RevokeLinks(ctx context.Context, chat dangke.ChatRef, by string, at time.Time) error
	LinksRevoked(ctx context.Context, chat dangke.ChatRef) (time.Time, error)
}

// Links signs and checks dashboard links with HMAC-SHA256: a token is
// base64url(JSON) "." base64url(MAC of that text). It is the bot's
// dangke.Linker.
type Links struct {
	Secret    []byte        // 32 bytes or more
	PublicURL string        // https://dangke.example.org, without the trailing slash
	TTL       time.Duration // 7 days by default
	Store     LinkStore
}

var _ dangke.Linker = (*Links)(nil)

// ErrLink is the reason of every refused link: one answer for forged,
// expired and revoked links alike.
var ErrLink = errors.New("web: link not valid")

// Sign returns the token of t.
func (l *Links) Sign(t Token) string {
	body, _ := json.Marshal(t) // a struct of numbers and a string: never fails
	payload := base64.RawURLEncoding.EncodeToString(body)
	return payload + "." + base64.RawURLEncoding.EncodeToString(l.mac(payload))
}

func (l *Links) mac(payload string) []byte {
	m := hmac.New(sha256.New, l.Secret)
	m.Write([]byte("dangke-dashboard\x00" + payload))
	return m.Sum(nil)
}

// Verify checks a token's signature, expiry and revocation and returns it.
func (l *Links) Verify(ctx context.Context, token string, now time.Time) (Token, error) {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 1024 {
		return Token{}, ErrLink
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, l.mac(payload)) {
		return Token{}, ErrLink
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return Token{}, ErrLink
	}
	var t Token
	if err := json.Unmarshal(body, &t); err != nil || t.Unit < 0 {
		return Token{}, ErrLink
	}
	if now.Unix() >= t.Expires {
		return Token{}, ErrLink
	}
	chat, ok := dangke.ParsePersonKey(t.Chat) // platform:id, as a person key is
	if !ok {
		return Token{}, ErrLink
	}
	if l.Store != nil {
		before, err := l.Store.LinksRevoked(ctx, dangke.ChatRef{Platform: chat.Platform, ID: chat.ID})
		if err != nil {
			return Token{}, err
		}
		if !before.IsZero() && t.Issued <= before.UnixMilli() {
			return Token{}, ErrLink
		}
	}
	return t, nil
}

func (l *Links) ttl() time.Duration {
	if l.TTL <= 0 {
		return 7 * 24 * time.Hour
	}
	return l.TTL
}

// Link returns the dashboard address of unit (nil: the city) for a chat.
func (l *Links) Link(_ context.Context, unit *dangke.Unit, chat dangke.ChatRef, now time.Time) (string, time.Time, error) {
	t := Token{Chat: chat.Key(), Issued: now.UnixMilli(), Expires: now.Add(l.ttl()).Unix()}
	if unit != nil {
		t.Unit = unit.ID
	}
	return strings.TrimRight(l.PublicURL, "/") + "/d/" + l.Sign(t), time.Unix(t.Expires, 0).In(now.Location()), nil
}

// Revoke voids every link the chat was given up to now.
func (l *Links) Revoke(ctx context.Context, chat dangke.ChatRef, by string, now time.Time) error {
	if l.Store == nil {
		return errors.New("web: no store for revocations")
	}
	return l.Store.RevokeLinks(ctx, chat, by, now)
}
