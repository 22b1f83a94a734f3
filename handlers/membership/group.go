package membership

import (
	"context"

	"github.com/go-telegram/bot/models"

	"focalbot/bot"
)

// The bot works in private chats only: network content must not reach a group whose members
// nobody vetted. Added to a group, it says so once and leaves; traffic from a group it is
// still in is handled before routing (bot.App.LeaveGroup, bot/group.go).

func addedToGroup(u *models.Update) bool {
	c := u.MyChatMember
	if c == nil || c.Chat.Type == models.ChatTypePrivate {
		return false
	}
	s := c.NewChatMember.Type
	return s == models.ChatMemberTypeMember || s == models.ChatMemberTypeAdministrator
}

func leaveGroup(ctx context.Context, r *bot.Request) error {
	// Errors are logged, not returned: an error would be answered in the group.
	if err := r.App.LeaveGroup(ctx, r.Update.MyChatMember.Chat.ID, r.Lang, true); err != nil {
		r.App.Log.Warn("group not left", "chat_id", r.Update.MyChatMember.Chat.ID, "added_by", r.From.ID, "err", err)
	}
	return nil
}
