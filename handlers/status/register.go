// Package status is the status board of border crossings and ports: the board and
// subscriptions (status.go), posting a place's status (post.go) and the admins' places
// (places.go).
package status

import "focalbot/bot"

// Register adds the status board to the app.
func Register(a *bot.App) {
	registerBoard(a)
	registerPosting(a)
	registerPlacesAdmin(a)
}
