package membership

// The callback verbs of the feature: each is used where its handler is registered and where
// its buttons are built (bot.CB), and read back with bot.Request.Data. They are part of the
// data of buttons already in people's chats: never change one.
const (
	verbRegister     = "reg"
	verbJoin         = "join"
	verbLanguage     = "lang"
	verbInvite       = "inv"
	verbAccess       = "acc"
	verbMembers      = "mem"
	verbInviteRevoke = "ivr"
	verbZone         = "tz"
)
