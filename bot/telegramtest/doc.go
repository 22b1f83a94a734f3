// Package telegramtest is an in-process emulator of the Telegram Bot API.
//
// It exists so that focalbot's end-to-end tests, delivery benchmarks and the
// browser sandbox can run the real go-telegram/bot client against something
// that answers like Telegram, including the ways Telegram says no: 400s for
// markup it cannot parse or keyboards it considers malformed, 403 for users
// who blocked the bot, 429 with retry_after when flood limits are exceeded,
// and injected 5xx. A fake that accepts everything would let exactly the
// bugs through that only show up in production.
//
// A test starts a server, points the bot at it and scripts users:
//
//	srv := telegramtest.NewServer()
//	defer srv.Close()
//	b, _ := bot.New(srv.Token(), bot.WithServerURL(srv.URL()))
//	go b.Start(ctx)
//
//	alice := srv.User(1001, "Alice", "en")
//	alice.SendText("/start")
//	msg, err := alice.WaitForText("Welcome", 2*time.Second)
//	_, err = alice.Press(msg.ID, "ack:42")
//
// The server speaks the Bot API as go-telegram/bot calls it (multipart form
// bodies, including empty ones) and also accepts JSON and urlencoded bodies.
// getUpdates is a real long poll with offset confirmation; Redeliver hands
// out an already confirmed update again to exercise deduplication. After
// setWebhook the updates are POSTed to the webhook instead, one at a time in
// order with the secret header, again after any answer but 2xx;
// SetWebhookSecretMode sends a wrong secret or none, WebhookAttempts lists
// every POST.
//
// Everything the bot did is observable: Messages and LastMessage give the
// current state of a chat, Transcript the ordered log of sends, edits,
// deletes and callback answers, Calls and Stats every request and outcome.
// Faults (SetLimits, Block, FailNext, SetLatency) can be switched at any
// time from any goroutine.
//
// Non-test code (the sandbox) imports this package, so it must never import
// "testing".
package telegramtest
