package commands

import (
	"context"
	"fmt"
	"time"

	"dangke"
)

var _ dangke.ChatEvents = (*Router)(nil)

// ChatMoved keeps a chat's binding, members and records under its new id;
// see dangke.ChatEvents. A chat the bot knows nothing of moves nothing.
func (r *Router) ChatMoved(ctx context.Context, from, to dangke.ChatRef, at time.Time) error {
	err := r.store.Update(ctx, func(tx dangke.Tx) error {
		if err := tx.MoveChat(ctx, from, to); err != nil {
			return err
		}
		return tx.Audit(ctx, dangke.AuditEntry{Actor: from.Platform + ":system", Chat: to.Key(), At: at, Action: "chat.move",
			Entity: "chat", Detail: fmt.Sprintf("群升级，编号 %s → %s", from.ID, to.ID)})
	})
	if err != nil {
		return fmt.Errorf("commands: chat moved: %w", err)
	}
	return nil
}

// ChatLeft marks a bound chat inactive and words the notice for the
// admins of its unit; see dangke.ChatEvents. An unbound chat is no news.
func (r *Router) ChatLeft(ctx context.Context, chat dangke.ChatRef, by dangke.Person, at time.Time) (string, []string, error) {
	unit, err := r.store.ChatUnit(ctx, chat)
	if err != nil {
		return "", nil, fmt.Errorf("commands: chat left: %w", err)
	}
	city := false
	if unit == nil {
		if city, err = r.store.IsCityChat(ctx, chat); err != nil {
			return "", nil, fmt.Errorf("commands: chat left: %w", err)
		}
		if !city {
			return "", nil, nil
		}
	}
	err = r.store.Update(ctx, func(tx dangke.Tx) error {
		if err := tx.SetChatLeft(ctx, chat, at); err != nil {
			return err
		}
		return tx.Audit(ctx, dangke.AuditEntry{Actor: by.Key(), Chat: chat.Key(), At: at, Action: "chat.left", Entity: "chat", Detail: "机器人被移出群"})
	})
	if err != nil {
		return "", nil, fmt.Errorf("commands: chat left: %w", err)
	}
	title, what := chat.Title, r.cfg.City
	if title == "" {
		title = chat.ID
	}
	var admins []string
	if unit != nil {
		what = unit.Path
		if admins, err = r.store.UnitAdmins(ctx, unit.ID); err != nil {
			return "", nil, fmt.Errorf("commands: chat left: %w", err)
		}
	}
	admins = append(admins, r.cfg.Admins...)
	who := ""
	if by.Name != "" {
		who = "被 " + by.Name + " "
	}
	notice := fmt.Sprintf("⚠️ 党课助手已%s移出群「%s」（绑定 %s）。该群的绑定已停用，周报不再发往该群；把助手重新拉进群即恢复。", who, title, what)
	return notice, admins, nil
}

// ChatJoined makes an inactive binding active again; see dangke.ChatEvents.
func (r *Router) ChatJoined(ctx context.Context, chat dangke.ChatRef, by dangke.Person, at time.Time) error {
	err := r.store.Update(ctx, func(tx dangke.Tx) error { return tx.SetChatLeft(ctx, chat, time.Time{}) })
	if err != nil && dangke.ErrorCode(err) != dangke.ENOTFOUND {
		return fmt.Errorf("commands: chat joined: %w", err)
	}
	return nil
}
