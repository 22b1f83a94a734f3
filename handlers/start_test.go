package handlers_test

import (
	"os"
	"strings"
	"testing"

	"focalbot/bot/bottest"
	"focalbot/bot/store/storetest"
	"focalbot/bot/telegramtest"
	"focalbot/handlers"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

// /start and /help answer in the user's language: members get the member texts, anyone else
// the closed-network texts.
func TestStartAndHelpInEnglishAndRussian(t *testing.T) {
	t.Parallel()
	const adminEN, adminRU = 501, 502
	h := bottest.Start(t, handlers.Register, adminEN, adminRU)
	tests := []struct {
		name    string
		userID  int64
		lang    string
		command string
		want    string
		mustNot string
	}{
		{"outsider en start", 601, "en", "/start", "closed network", "Welcome"},
		{"outsider ru start", 602, "ru-RU", "/start", "закрытую сеть", "Здравствуйте"},
		{"outsider en help", 603, "en-GB", "/help", "Only invited officials", "/alert"},
		{"outsider ru help", 604, "ru", "/help", "только приглашённые", "/alert"},
		{"outsider unknown language", 605, "zz", "/help", "Only invited officials", ""},
		{"admin en start", adminEN, "en", "/start", "Welcome, Ann", ""},
		{"admin ru start", adminRU, "ru", "/start", "Здравствуйте, Ann", ""},
		{"admin en help", adminEN, "en", "/help", "/invite — invite a member", ""},
		{"admin ru help", adminRU, "ru", "/help", "/broadcast — сообщение всей сети", ""},
		{"unknown command en", adminEN, "en", "/frobnicate", "There is no command /frobnicate", ""},
		{"unknown command ru", adminRU, "ru", "/frobnicate", "Команды /frobnicate нет", ""},
		{"free text en", adminEN, "en", "hello?", "I did not understand", ""},
		{"free text ru member", adminRU, "ru", "привет", "Не удалось понять", ""},
		{"free text ru outsider", 606, "ru", "привет", "закрытую сеть", "Не удалось понять"},
		{"unknown command outsider", 607, "en", "/frobnicate", "closed network", "There is no command"},
	}
	for _, tt := range tests {
		u := h.Person(tt.userID, "Ann", tt.lang)
		before := len(u.Messages())
		u.SendText(tt.command)
		msgs, err := u.WaitFor(bottest.Wait, func(m []telegramtest.Message) bool { return len(m) > before })
		if err != nil {
			t.Fatalf("%s: no answer: %v", tt.name, err)
		}
		got := msgs[len(msgs)-1].Plain()
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s: answer %q does not contain %q", tt.name, got, tt.want)
		}
		if tt.mustNot != "" && strings.Contains(got, tt.mustNot) {
			t.Errorf("%s: answer %q contains %q", tt.name, got, tt.mustNot)
		}
	}
}
