package alert

// The callback verbs of the feature: each is used where its handler is registered and where
// its buttons are built (bot.CB), and read back with bot.Request.Data. They are part of the
// data of buttons already in people's chats: never change one.
const (
	verbList            = "als"
	verbOpen            = "aopen"
	verbFollowup        = "afu"
	verbFollowupDone    = "afd"
	verbFollowupPublish = "afp"
	verbUpdate          = "aup"
	verbCancelAlert     = "acx"
	verbAck             = "aack"
	verbAcks            = "aas"
	verbVerify          = "av"
	verbAudience        = "aaud"
	verbPublish         = "apub"
	verbPromptCancel    = "apx"
	verbDraft           = "ad"
	verbWithdraw        = "awd"
	verbRevise          = "arv"
)
