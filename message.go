package dangke

import (
	"context"
	"strings"
	"time"
)

// ChatRef names a chat on a platform.
type ChatRef struct {
	Platform string // console, dingtalk, wecom, telegram
	ID       string // the platform's conversation id
	Group    bool   // a group chat rather than a 1:1 chat with the bot
	Title    string // the group's name, when the platform says it
	Webhook  string // a group robot key for proactive messages (WeCom), filled from the store; never shown
}

// Key is the chat's identity across platforms: platform:id.
func (c ChatRef) Key() string { return c.Platform + ":" + c.ID }

// Person is a sender on a platform.
type Person struct {
	Platform string
	ID       string // the platform's stable user id
	Name     string // display name, for replies only
}

// Key is the person's identity across platforms: platform:id, the form used
// in config (admins:) and in role grants.
func (p Person) Key() string { return p.Platform + ":" + p.ID }

// ParsePersonKey splits platform:id. It reports false when either part is empty.
func ParsePersonKey(s string) (Person, bool) {
	platform, id, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || platform == "" || id == "" {
		return Person{}, false
	}
	return Person{Platform: platform, ID: id}, true
}

// Request is one message to the bot, already stripped of the platform's
// framing: the @mention removed and /cmd@BotName normalised to /cmd.
type Request struct {
	Chat  ChatRef
	From  Person
	Text  string
	MsgID string    // the platform's message id; "" when it has none
	Time  time.Time // when the platform received it
	// Route is the adapter's opaque reply route: what it needs to answer the
	// message later (a DingTalk sessionWebhook and its expiry, say). It is
	// saved with the reply and handed back when the reply is sent again.
	Route string
	// Attachments are the pictures, videos and files that came with the
	// message, to be downloaded when the router asks.
	Attachments []Attachment
	// Quote is the text of the message this one quotes or replies to, when
	// the platform says it: a reply to the bot's confirmation names its #id.
	Quote string
	// Mentioned are the people the message @-mentions, besides the bot,
	// where the platform names them (DingTalk atUsers, Telegram
	// text_mention): /单位 负责人 takes them as the unit's responsible people.
	Mentioned []Person
	// Token is set when the request is a button press: the button's
	// token, and Text is empty. The router looks up what it stands for.
	Token string
}

// File is an attachment to a reply, such as an exported spreadsheet.
type File struct {
	Name string
	MIME string
	Data []byte
}

// Reply is what the bot answers. Text is plain text with line breaks; each
// adapter renders it in its platform's markup.
type Reply struct {
	Text  string
	Files []File
	// Saved reports that the reply is kept in the outbox under the request's
	// message key: the adapter reports its delivery through an Outbox.
	Saved bool
	// Buttons are the answers that may be tapped instead of typed; a
	// platform without buttons lists them as numbered choices.
	Buttons []Button
	// Question reports that the reply asks its reader something, so an
	// adapter may ask for a reply (Telegram ForceReply).
	Question bool
	// For reports who the question or the buttons are for (platform:id),
	// so that an adapter may address them in a group.
	For Person
	// Pressed is set on the reply to a button press that was accepted: the
	// button's label, for the adapter to mark on the message it was under.
	Pressed string
	// Mentions are the people a proactive message @-mentions (platform:id
	// keys of the chat's platform), already limited to people seen in the
	// chat and not opted out; adapters mention them in groups only.
	Mentions []string
	// Refused is set on the reply to a button press that was not taken
	// (forged, used, stale, someone else's): Text says why, and an adapter
	// shows it to the presser alone where it can.
	Refused bool
}

// Handler answers requests. The commands router is the Handler of the bot;
// a nil Reply means nothing is to be sent. Handle returns only after every
// entry the request makes is durably stored, so an adapter may acknowledge
// the platform's delivery as soon as Handle returns.
type Handler interface {
	Handle(ctx context.Context, req Request) (*Reply, error)
}

// Notifier sends a message to a chat unprompted, such as a weekly digest.
type Notifier interface {
	Notify(ctx context.Context, chat ChatRef, reply *Reply) error
}

// ChatEvents is told what a platform reports about a chat besides messages.
// The commands router implements it; an adapter calls it when its handler
// does.
type ChatEvents interface {
	// ChatMoved keeps a chat's binding, members and records under its new
	// id (a Telegram group upgraded to a supergroup).
	ChatMoved(ctx context.Context, from, to ChatRef, at time.Time) error
	// ChatLeft records that the bot was removed from a chat (by whom, when
	// known): its binding stays, inactive, and no digest goes there. It
	// returns the message for the admins of the chat's unit and who they are
	// (platform:id), for the adapter to send in 1:1 chats it can reach.
	ChatLeft(ctx context.Context, chat ChatRef, by Person, at time.Time) (notice string, admins []string, err error)
	// ChatJoined records that the bot is in a chat (again): a binding made
	// inactive by ChatLeft is active again.
	ChatJoined(ctx context.Context, chat ChatRef, by Person, at time.Time) error
}
