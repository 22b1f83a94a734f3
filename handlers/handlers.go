// Package handlers wires the features of focalbot into the App. Each feature is a package
// of its own below this one (alert, request, broadcast, status, membership) with a Register
// function; ui holds the panel and keyboard helpers they share. See ARCHITECTURE.md.
package handlers

import (
	"focalbot/bot"
	"focalbot/handlers/alert"
	"focalbot/handlers/broadcast"
	"focalbot/handlers/console"
	"focalbot/handlers/membership"
	"focalbot/handlers/request"
	"focalbot/handlers/status"
)

// Register adds every feature to the app. Order matters only for the menu: commands appear in
// Telegram's command menu in the order registered, so the general commands come first and the
// admins' last.
func Register(a *bot.App) {
	membership.Register(a)
	request.Register(a)
	broadcast.Register(a)
	status.Register(a)
	alert.Register(a)
	console.Register(a)
	membership.RegisterAdmin(a)
}
