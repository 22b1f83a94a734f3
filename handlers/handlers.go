// Package handlers holds the conversations of focalbot, one feature per file. Register wires
// them into the App; each handler changes state through the store and answers the person.
package handlers

import "focalbot/bot"

// Register adds every handler to the app. Order matters only for the menu: commands appear in
// Telegram's command menu in the order registered.
func Register(a *bot.App) {
	a.Command("start", bot.Anyone, start)
	a.Command("help", bot.Anyone, help)
	a.Command("cancel", bot.Anyone, cancel)
	registerAlertSubmit(a)
	registerAlertVerify(a)
	registerAlertPublish(a)
	registerAlertAck(a)
	registerAlertFollowup(a)
	registerAlertRegister(a)
	a.Refuse(closedNetwork)
	a.Fallback(fallback)
}
