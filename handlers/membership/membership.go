// Package membership is who is in the network: /start and registration with an invitation,
// access requests and their decision, /help, /language (and a member's time zone), /cancel, the closed-network answer,
// leaving groups, and the admins' /invite and /members. The changes themselves (invite, set
// role, suspend, reactivate) are in bot/members, which the CLI calls too.
package membership

import "focalbot/bot"

// Register adds the general commands, registration and access requests to the app. It comes
// first, so that /start, /help, /language and /cancel lead the command menu.
func Register(a *bot.App) {
	a.Command("start", bot.Anyone, start)
	a.Command("help", bot.Anyone, help)
	a.Command("language", bot.Anyone, chooseLanguage)
	a.Command("cancel", bot.Anyone, cancel)
	a.Refuse(closedNetwork)
	a.Fallback(fallback)

	a.Flow(flowRegister, bot.Anyone, registrationText)
	a.Callback(verbRegister, bot.Anyone, registrationButton)
	a.Callback(verbJoin, bot.Anyone, requestAccess)
	a.Flow(flowJoin, bot.Anyone, joinText)
	a.Callback(verbLanguage, bot.Anyone, languageButton)
	a.Callback(verbZone, bot.Members, zoneButton)
	a.On(addedToGroup, bot.Anyone, leaveGroup)
	a.Renderer("member_joined", renderMemberJoined(a))
	a.Renderer("access_request", renderAccessRequest(a))
	a.Renderer("access_approved", renderAccessApproved(a))
	a.Renderer("access_restored", renderAccessRestored(a))
}

// RegisterAdmin adds the administration of members: /invite, /invites and /members, and the decision
// on access requests. It comes last, so that the admins' commands end the command menu.
func RegisterAdmin(a *bot.App) {
	a.Command("invite", bot.Admins, invite)
	a.Command("members", bot.Admins, listMembers)
	a.Command("invites", bot.Admins, invitesList)
	a.Callback(verbInviteRevoke, bot.Admins, revokeInvite)
	a.Callback(verbInvite, bot.Admins, inviteButton)
	a.Callback(verbAccess, bot.Admins, decideAccess)
	a.Callback(verbMembers, bot.Admins, membersButton)
}
