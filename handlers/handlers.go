// Package handlers holds the conversations of focalbot, one feature per file. Register wires
// them into the App; each handler changes state through the store and answers the person.
package handlers

import "focalbot/bot"

// Register adds every handler to the app. Order matters only for the menu: commands appear in
// Telegram's command menu in the order registered.
func Register(a *bot.App) {
	a.Command("start", bot.Anyone, start)
	a.Command("help", bot.Anyone, help)
	a.Command("language", bot.Anyone, chooseLanguage)
	a.Command("cancel", bot.Anyone, cancel)
	registerRFI(a)
	registerBroadcasts(a)
	registerStatusBoard(a)
	registerStatusPosting(a)
	registerPlacesAdmin(a)
	registerAlertSubmit(a)
	registerAlertVerify(a)
	registerAlertPublish(a)
	registerAlertAck(a)
	registerAlertFollowup(a)
	registerAlertRegister(a)
	a.Refuse(closedNetwork)
	a.Fallback(fallback)

	// Membership: registration, access requests, administration, groups.
	a.Flow(flowRegister, bot.Anyone, registrationText)
	a.Callback("reg", bot.Anyone, registrationButton)
	a.Callback("join", bot.Anyone, requestAccess)
	a.Callback("lang", bot.Anyone, languageButton)
	a.Command("invite", bot.Admins, invite)
	a.Command("members", bot.Admins, members)
	a.Command("invites", bot.Admins, invitesList)
	a.Callback("ivr", bot.Admins, revokeInvite)
	a.Callback("inv", bot.Admins, inviteButton)
	a.Callback("acc", bot.Admins, decideAccess)
	a.Callback("mem", bot.Admins, membersButton)
	a.On(addedToGroup, bot.Anyone, leaveGroup)
	a.Renderer("member_joined", renderMemberJoined(a))
	a.Renderer("access_request", renderAccessRequest(a))
	a.Renderer("access_approved", renderAccessApproved(a))
	a.Renderer("access_restored", renderAccessRestored(a))
}
