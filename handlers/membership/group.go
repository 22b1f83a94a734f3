package membership

import (
	"context"

	"github.com/go-telegram/bot/models"

	"focalbot/bot"
)

// The bot works in private chats only: network content must not reach a group whose members
// nobody vetted. Added to a group, it says so once and leaves. All other group traffic is
// dropped before routing (bot.groupTraffic).

func addedToGroup(u *models.Update) bool {
	c := u.MyChatMember
	if c == nil || c.Chat.Type == models.ChatTypePrivate {
		return false
	}
	s := c.NewChatMember.Type
	return s == models.ChatMemberTypeMember || s == models.ChatMemberTypeAdministrator
}

func leaveGroup(ctx context.Context, r *bot.Request) error {
	chat := r.Update.MyChatMember.Chat.ID
	if _, err := r.App.Send(ctx, chat, "group_notice", r.T("group_private_only", nil), nil); err != nil {
		r.App.Log.Warn("group notice not sent", "chat_id", chat, "err", err)
	}
	if err := r.App.LeaveChat(ctx, chat); err != nil {
		// Not returned: an error would be answered in the group.
		r.App.Log.Warn("group not left", "chat_id", chat, "err", err)
		return nil
	}
	r.App.Log.Info("left a group", "chat_id", chat, "added_by", r.From.ID)
	return nil
}
