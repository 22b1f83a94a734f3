// Package alert is the alert exchange: a member writes an alert (submit), an analyst verifies
// and publishes it to an audience (verify, publish), recipients acknowledge it (ack), the
// author and analysts follow it up and amend it (followup), and /alerts lists them (register).
// The alert's content, its vocabularies and its rendering are in bot/alert.
package alert

import "focalbot/bot"

// Register adds the alert feature to the app.
func Register(a *bot.App) {
	registerSubmit(a)
	registerVerify(a)
	registerPublish(a)
	registerAck(a)
	registerCards(a)
	registerFollowup(a)
	registerRegister(a)
}
