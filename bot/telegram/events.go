package telegram

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"dangke"
)

// onChatEvent handles what Telegram reports about a chat besides messages,
// when the handler keeps chats (dangke.ChatEvents): a group upgraded to a
// supergroup moves to its new id; the bot removed from a group makes its
// binding inactive and tells the unit's admins; the bot added again makes
// it active. It reports whether u was such an event.
func (a *Adapter) onChatEvent(ctx context.Context, u *models.Update) bool {
	ev, ok := a.handler.(dangke.ChatEvents)
	switch {
	case u.Message != nil && u.Message.MigrateToChatID != 0:
		if ok {
			m := u.Message
			from := dangke.ChatRef{Platform: Platform, ID: strconv.FormatInt(m.Chat.ID, 10), Group: true, Title: m.Chat.Title}
			to := dangke.ChatRef{Platform: Platform, ID: strconv.FormatInt(m.MigrateToChatID, 10), Group: true, Title: m.Chat.Title}
			if err := ev.ChatMoved(ctx, from, to, time.Unix(int64(m.Date), 0)); err != nil {
				a.log.Error("moving an upgraded group failed", "from", from.ID, "to", to.ID, "err", err)
			} else {
				a.log.Info("group upgraded to a supergroup; binding moved", "from", from.ID, "to", to.ID)
			}
		}
		return true
	case u.Message != nil && u.Message.MigrateFromChatID != 0:
		return true // the same upgrade, told in the new chat
	case u.MyChatMember != nil:
		if ok {
			a.onMyMember(ctx, ev, u.MyChatMember)
		}
		return true
	}
	return false
}

// onMyMember follows the bot's own membership of a group.
func (a *Adapter) onMyMember(ctx context.Context, ev dangke.ChatEvents, cm *models.ChatMemberUpdated) {
	if cm.Chat.Type == models.ChatTypePrivate {
		return // a person blocking the bot is not a chat leaving its unit
	}
	chat := dangke.ChatRef{Platform: Platform, ID: strconv.FormatInt(cm.Chat.ID, 10), Group: true, Title: cm.Chat.Title}
	by := dangke.Person{Platform: Platform, ID: strconv.FormatInt(cm.From.ID, 10), Name: displayName(&cm.From)}
	at := time.Unix(int64(cm.Date), 0)
	switch cm.NewChatMember.Type {
	case models.ChatMemberTypeLeft, models.ChatMemberTypeBanned:
		notice, admins, err := ev.ChatLeft(ctx, chat, by, at)
		if err != nil {
			a.log.Error("recording the bot's removal failed", "chat", chat.ID, "err", err)
			return
		}
		if notice == "" {
			return
		}
		a.log.Warn("bot removed from a bound group; binding inactive", "chat", chat.ID, "by", by.ID)
		for _, admin := range admins {
			id, ok := strings.CutPrefix(admin, Platform+":")
			if !ok {
				continue // an admin on another platform is told by the log and `dangke status`
			}
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				continue
			}
			if err := a.send(ctx, n, 0, &dangke.Reply{Text: notice}); err != nil {
				a.log.Warn("telling an admin of the removal failed", "admin", admin, "err", redact(err, a.cfg.Token))
			}
		}
	default:
		if err := ev.ChatJoined(ctx, chat, by, at); err != nil {
			a.log.Error("recording the bot's return failed", "chat", chat.ID, "err", err)
		}
	}
}

// mentionLinks @-mentions people by id in Telegram HTML: a tg://user link
// for each telegram:ID key, which notifies them without a username.
func mentionLinks(keys []string) string {
	var parts []string
	for i, k := range keys {
		id, ok := strings.CutPrefix(k, Platform+":")
		if _, err := strconv.ParseInt(id, 10, 64); !ok || err != nil {
			continue
		}
		parts = append(parts, fmt.Sprintf(`<a href="tg://user?id=%s">负责人%d</a>`, id, i+1))
	}
	if len(parts) == 0 {
		return ""
	}
	return "\n🔔 " + strings.Join(parts, " ")
}
