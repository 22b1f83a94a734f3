package telegramtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"focalbot/bot/telegramtest"
)

// cleanButton is the spec-clean keyboard shape the project sends instead
// of models.InlineKeyboardButton: exactly one action field per button.
type cleanButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

type cleanMarkup struct {
	InlineKeyboard [][]cleanButton `json:"inline_keyboard"`
}

func markup(t *testing.T, rows ...[]cleanButton) string {
	t.Helper()
	b, err := json.Marshal(cleanMarkup{InlineKeyboard: rows})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func newServer(t *testing.T, opts ...telegramtest.Option) *telegramtest.Server {
	t.Helper()
	srv := telegramtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

func newBot(t *testing.T, srv *telegramtest.Server, opts ...bot.Option) *bot.Bot {
	t.Helper()
	all := append([]bot.Option{
		bot.WithServerURL(srv.URL()),
		bot.WithSkipGetMe(),
		bot.WithHTTPClient(3*time.Second, srv.HTTPClient()),
		bot.WithErrorsHandler(func(error) {}),
	}, opts...)
	b, err := bot.New(srv.Token(), all...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rawCall posts to the emulator without go-telegram/bot, for checks of the
// wire format itself.
func rawCall(t *testing.T, srv *telegramtest.Server, token, method, contentType string, body io.Reader) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL()+"/bot"+token+"/"+method, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

func getUpdates(t *testing.T, srv *telegramtest.Server, vals url.Values) []map[string]any {
	t.Helper()
	code, out := rawCall(t, srv, srv.Token(), "getUpdates", "application/x-www-form-urlencoded", strings.NewReader(vals.Encode()))
	if code != http.StatusOK {
		t.Fatalf("getUpdates: %d %v", code, out)
	}
	var ups []map[string]any
	for _, u := range out["result"].([]any) {
		ups = append(ups, u.(map[string]any))
	}
	return ups
}

func updateID(u map[string]any) int64 { return int64(u["update_id"].(float64)) }

func TestGetMe(t *testing.T) {
	srv := newServer(t, telegramtest.WithBotUsername("focal_test_bot"))
	// Without WithSkipGetMe: bot.New itself calls getMe with an empty
	// multipart body.
	b, err := bot.New(srv.Token(), bot.WithServerURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	me, err := b.GetMe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !me.IsBot || me.Username != "focal_test_bot" || me.ID != srv.BotID() {
		t.Fatalf("getMe = %+v", me)
	}
	if n := srv.CallCount("getMe"); n != 2 {
		t.Fatalf("getMe calls = %d, want 2", n)
	}
}

func TestWireErrors(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		name, token, method, ctype, body string
		code                             int
		desc                             string
	}{
		{"wrong token", "1:nope", "getMe", "", "", 401, "Unauthorized"},
		{"unknown method", srv.Token(), "sendTelepathy", "", "", 404, "Not Found"},
		{"json body unknown chat", srv.Token(), "sendMessage", "application/json", `{"chat_id":5,"text":"hi"}`, 400, "Bad Request: chat not found"},
		{"urlencoded empty text", srv.Token(), "sendMessage", "application/x-www-form-urlencoded", "chat_id=5&text=", 400, "Bad Request: message text is empty"},
		{"case-insensitive method", srv.Token(), "GETME", "", "", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := rawCall(t, srv, tt.token, tt.method, tt.ctype, strings.NewReader(tt.body))
			if code != tt.code {
				t.Fatalf("status %d, want %d (%v)", code, tt.code, out)
			}
			if tt.desc != "" && (out["description"] != tt.desc || out["ok"] != false || out["error_code"] != float64(tt.code)) {
				t.Fatalf("body %v", out)
			}
		})
	}
}

func TestJSONBodySend(t *testing.T) {
	srv := newServer(t)
	u := srv.User(7, "Jo", "en")
	body := `{"chat_id":7,"text":"<b>hi</b>","parse_mode":"HTML","reply_markup":{"inline_keyboard":[[{"text":"Ack","callback_data":"ack"}]]}}`
	code, out := rawCall(t, srv, srv.Token(), "sendMessage", "application/json", strings.NewReader(body))
	if code != 200 {
		t.Fatalf("%d %v", code, out)
	}
	m, ok := u.LastMessage()
	if !ok || m.Plain() != "hi" || m.Keyboard[0][0].CallbackData != "ack" {
		t.Fatalf("message %+v", m)
	}
}

func TestLongPollWaitsForUpdate(t *testing.T) {
	srv := newServer(t)
	u := srv.User(42, "Ann", "en")
	got := make(chan []map[string]any, 1)
	start := time.Now()
	go func() {
		got <- getUpdates(t, srv, url.Values{"timeout": {"5"}})
	}()
	time.Sleep(150 * time.Millisecond)
	id := u.SendText("/start abc")
	ups := <-got
	if el := time.Since(start); el < 150*time.Millisecond || el > 3*time.Second {
		t.Fatalf("poll returned after %v", el)
	}
	if len(ups) != 1 || updateID(ups[0]) != id {
		t.Fatalf("updates %v", ups)
	}
	msg := ups[0]["message"].(map[string]any)
	ent := msg["entities"].([]any)[0].(map[string]any)
	if ent["type"] != "bot_command" || ent["offset"] != 0.0 || ent["length"] != 6.0 {
		t.Fatalf("entity %v", ent)
	}

	// An empty queue with a timeout waits the timeout and answers [].
	start = time.Now()
	ups = getUpdates(t, srv, url.Values{"timeout": {"1"}, "offset": {strconv.FormatInt(id+1, 10)}})
	if len(ups) != 0 || time.Since(start) < 900*time.Millisecond {
		t.Fatalf("empty poll: %v after %v", ups, time.Since(start))
	}
}

func TestLongPollHonoursCancellation(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/bot"+srv.Token()+"/getUpdates?timeout=30", nil)
	start := time.Now()
	_, err := http.DefaultClient.Do(req)
	if err == nil {
		t.Fatal("expected cancellation error")
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("poll did not end with its context")
	}
	// The handler notices the cancellation and records the call.
	deadline := time.Now().Add(2 * time.Second)
	for srv.CallCount("getUpdates") == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if srv.CallCount("getUpdates") != 1 {
		t.Fatal("cancelled poll was not recorded")
	}
}

func TestOffsetConfirmationAndRedeliver(t *testing.T) {
	srv := newServer(t, telegramtest.WithFirstUpdateID(500))
	u := srv.User(1, "A", "en")
	id1, id2, id3 := u.SendText("one"), u.SendText("two"), u.SendText("three")
	if id1 != 500 || id2 != 501 || id3 != 502 {
		t.Fatalf("ids %d %d %d", id1, id2, id3)
	}
	if ups := getUpdates(t, srv, nil); len(ups) != 3 {
		t.Fatalf("unconfirmed updates must be re-sent: %d", len(ups))
	}
	if ups := getUpdates(t, srv, url.Values{"limit": {"1"}}); len(ups) != 1 || updateID(ups[0]) != id1 {
		t.Fatalf("limit: %v", ups)
	}
	ups := getUpdates(t, srv, url.Values{"offset": {"502"}})
	if len(ups) != 1 || updateID(ups[0]) != id3 {
		t.Fatalf("offset 502: %v", ups)
	}
	if ups := getUpdates(t, srv, url.Values{"offset": {"503"}}); len(ups) != 0 {
		t.Fatalf("after confirming all: %v", ups)
	}
	srv.Redeliver(id2)
	ups = getUpdates(t, srv, url.Values{"offset": {"503"}})
	if len(ups) != 1 || updateID(ups[0]) != id2 {
		t.Fatalf("redelivered: %v", ups)
	}
	// Confirming past it drops the redelivered copy.
	if ups := getUpdates(t, srv, url.Values{"offset": {"503"}}); len(ups) != 0 {
		t.Fatalf("after confirming redelivery: %v", ups)
	}
}

func TestBotReceivesUpdatesViaStart(t *testing.T) {
	srv := newServer(t)
	u := srv.User(10, "Bea", "fr")
	var mu sync.Mutex
	var seen []string
	done := make(chan struct{}, 4)
	b := newBot(t, srv, bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, up *models.Update) {
		mu.Lock()
		seen = append(seen, up.Message.Text)
		mu.Unlock()
		done <- struct{}{}
	}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.Start(ctx)
	time.Sleep(100 * time.Millisecond) // let the first long poll start waiting
	u.SendText("hello")
	u.SendText("again")
	for range 2 {
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			t.Fatal("handler not called")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 {
		t.Fatalf("seen %v", seen)
	}
}

func send(ctx context.Context, b *bot.Bot, chatID int64, text string, markup any) (*models.Message, error) {
	return b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chatID, Text: text, ParseMode: models.ParseModeHTML, ReplyMarkup: markup})
}

func TestSendMessageHTML(t *testing.T) {
	srv := newServer(t)
	u := srv.User(5, "Ann", "en")
	b := newBot(t, srv)
	ctx := context.Background()
	tests := []struct {
		name, text, wantPlain, wantErr string
	}{
		{"plain", "hello", "hello", ""},
		{"tags and entities", `<b>Alert</b> &lt;3 &amp; <a href="https://x.org/?a=1&b=2">link</a> <tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">t</span> <pre><code class="language-go">x</code></pre> <blockquote expandable>q</blockquote> &#128512;`,
			"Alert <3 & link s t x q 😀", ""},
		{"bare gt allowed", "a > b", "a > b", ""},
		{"unknown tag", "<br>hi", "", "can't parse entities"},
		{"unclosed tag", "<b>hi", "", "can't parse entities"},
		{"mismatched tag", "<b><i>hi</b></i>", "", "can't parse entities"},
		{"bare lt", "a < b", "", "can't parse entities"},
		{"bare amp", "Tom & Jerry", "", "can't parse entities"},
		{"unknown named entity", "&nbsp;", "", "can't parse entities"},
		{"span without spoiler class", `<span>x</span>`, "", "can't parse entities"},
		{"empty", "", "", "message text is empty"},
		{"only tags and spaces", "<b> </b>", "", "message text is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := send(ctx, b, u.ID(), tt.text, nil)
			if tt.wantErr != "" {
				if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want bad request %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Text != tt.wantPlain {
				t.Fatalf("result text %q, want %q", m.Text, tt.wantPlain)
			}
			last, _ := u.LastMessage()
			if last.Text != tt.text || last.Plain() != tt.wantPlain || last.ID != m.ID {
				t.Fatalf("stored %+v", last)
			}
		})
	}
}

func TestTextLengthCountedAfterParsing(t *testing.T) {
	srv := newServer(t)
	u := srv.User(5, "Ann", "en")
	b := newBot(t, srv)
	ctx := context.Background()
	x := strings.Repeat("x", 4094)
	tests := []struct {
		name, text string
		ok         bool
	}{
		{"4096 with tags and entities", "<b>" + x + "</b>&amp;&lt;", true},
		{"4097 after parsing", "<i>" + x + "</i>&amp;&lt;y", false},
		{"4096 astral counts double", strings.Repeat("😀", 2048), true},
		{"4098 utf16 units", strings.Repeat("😀", 2049), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := send(ctx, b, u.ID(), tt.text, nil)
			if tt.ok && err != nil {
				t.Fatal(err)
			}
			if !tt.ok && (!errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "message is too long")) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestKeyboardValidation(t *testing.T) {
	srv := newServer(t)
	u := srv.User(5, "Ann", "en")
	b := newBot(t, srv)
	ctx := context.Background()
	tests := []struct {
		name    string
		markup  any
		wantErr string
	}{
		{"callback_data 64 bytes", markup(t, []cleanButton{{Text: "ok", CallbackData: strings.Repeat("a", 64)}}), ""},
		{"callback_data 65 bytes", markup(t, []cleanButton{{Text: "ok", CallbackData: strings.Repeat("a", 65)}}), "BUTTON_DATA_INVALID"},
		{"clean keyboard as struct", cleanMarkup{InlineKeyboard: [][]cleanButton{{{Text: "Go", URL: "https://example.org"}}}}, ""},
		{"library keyboard has empty copy_text", &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Ack", CallbackData: "ack"}}}}, "exactly one"},
		{"no action", `{"inline_keyboard":[[{"text":"Nothing"}]]}`, "can't parse inline keyboard button"},
		{"two actions", `{"inline_keyboard":[[{"text":"X","url":"https://a.b","callback_data":"x"}]]}`, "exactly one"},
		{"bad url", markup(t, []cleanButton{{Text: "x", URL: "javascript:alert(1)"}}), "BUTTON_URL_INVALID"},
		{"not json", "{", "can't parse reply keyboard markup"},
		{"reply keyboard accepted", `{"keyboard":[[{"text":"Yes"}]],"one_time_keyboard":true}`, ""},
		{"remove keyboard accepted", &models.ReplyKeyboardRemove{RemoveKeyboard: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := send(ctx, b, u.ID(), "pick", tt.markup)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestUnknownChat(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	_, err := send(context.Background(), b, 999, "hi", nil)
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "chat not found") {
		t.Fatalf("err = %v", err)
	}
}

func TestPerChatFloodLimit(t *testing.T) {
	srv := newServer(t)
	a, c := srv.User(1, "A", "en"), srv.User(2, "C", "en")
	b := newBot(t, srv)
	ctx := context.Background()
	srv.SetLimits(telegramtest.Limits{PerChatPerSecond: 1})
	if _, err := send(ctx, b, a.ID(), "first", nil); err != nil {
		t.Fatal(err)
	}
	_, err := send(ctx, b, a.ID(), "second", nil)
	var tm *bot.TooManyRequestsError
	if !errors.As(err, &tm) || tm.RetryAfter < 1 {
		t.Fatalf("err = %v, want TooManyRequestsError", err)
	}
	// Another chat is not affected by a's window.
	if _, err := send(ctx, b, c.ID(), "other chat", nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Duration(tm.RetryAfter) * time.Second)
	if _, err := send(ctx, b, a.ID(), "after retry_after", nil); err != nil {
		t.Fatalf("after waiting retry_after: %v", err)
	}
	st := srv.Stats()
	if st.TooManyRequests != 1 || st.Sent != 3 || st.MaxPerChatPerSecondObserved != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestGlobalAndGroupLimits(t *testing.T) {
	srv := newServer(t, telegramtest.WithLimits(telegramtest.Limits{GlobalPerSecond: 3, PerGroupPerMinute: 2}))
	b := newBot(t, srv)
	ctx := context.Background()
	owner := srv.User(1, "Owner", "en")
	g := srv.Group(-1001, "Focal points")
	if _, err := send(ctx, b, g.ChatID(), "before joining", nil); !errors.Is(err, bot.ErrorForbidden) {
		t.Fatalf("send to group without membership: %v", err)
	}
	srv.AddBotToGroup(g.ChatID(), owner.ID())
	for i := range 2 {
		if _, err := send(ctx, b, g.ChatID(), "group msg", nil); err != nil {
			t.Fatalf("group send %d: %v", i, err)
		}
	}
	var tm *bot.TooManyRequestsError
	if _, err := send(ctx, b, g.ChatID(), "third in a minute", nil); !errors.As(err, &tm) || tm.RetryAfter < 50 {
		t.Fatalf("group limit: %v", err)
	}
	if _, err := send(ctx, b, owner.ID(), "third globally", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := send(ctx, b, owner.ID(), "fourth globally", nil); !errors.As(err, &tm) {
		t.Fatalf("global limit: %v", err)
	}
	if ok, err := b.LeaveChat(ctx, &bot.LeaveChatParams{ChatID: g.ChatID()}); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if left := srv.LeftChats(); len(left) != 1 || left[0] != g.ChatID() {
		t.Fatalf("left %v", left)
	}
}

func TestBlockedUser(t *testing.T) {
	srv := newServer(t)
	u := srv.User(3, "Bo", "en")
	b := newBot(t, srv)
	srv.Block(u.ID())
	_, err := send(context.Background(), b, u.ID(), "hi", nil)
	if !errors.Is(err, bot.ErrorForbidden) || !strings.Contains(err.Error(), "bot was blocked by the user") {
		t.Fatalf("err = %v", err)
	}
	srv.Unblock(u.ID())
	if _, err := send(context.Background(), b, u.ID(), "hi", nil); err != nil {
		t.Fatal(err)
	}
	if st := srv.Stats(); st.Forbidden != 1 || st.Sent != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestFailNext(t *testing.T) {
	srv := newServer(t)
	u := srv.User(3, "Bo", "en")
	b := newBot(t, srv)
	ctx := context.Background()
	srv.FailNext(2, http.StatusBadGateway)
	for i := range 2 {
		_, err := send(ctx, b, u.ID(), "hi", nil)
		if err == nil || !strings.Contains(err.Error(), "502 Bad Gateway") {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	// Non-send methods are not consumed by FailNext.
	srv.FailNext(1, http.StatusServiceUnavailable)
	if _, err := b.GetMe(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := send(ctx, b, u.ID(), "hi", nil); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("503: %v", err)
	}
	if _, err := send(ctx, b, u.ID(), "hi", nil); err != nil {
		t.Fatal(err)
	}
	if st := srv.Stats(); st.ServerErrors != 3 || st.Sent != 1 {
		t.Fatalf("stats %+v", st)
	}
	if n := len(u.Messages()); n != 1 {
		t.Fatalf("failed sends must not create messages, have %d", n)
	}
}

func TestLatency(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	srv.SetLatency(150 * time.Millisecond)
	start := time.Now()
	if _, err := b.GetMe(context.Background()); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 150*time.Millisecond {
		t.Fatalf("answered after %v", el)
	}
}

// TestPressAndEditFlow runs a whole button round trip through a real bot:
// send a keyboard, the user presses, the handler answers and edits.
func TestPressAndEditFlow(t *testing.T) {
	srv := newServer(t)
	u := srv.User(77, "Cy", "en")
	b := newBot(t, srv, bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, up *models.Update) {
		if up.CallbackQuery == nil {
			return
		}
		cq := up.CallbackQuery
		_, _ = b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID, Text: "Thanks"})
		_, _ = b.EditMessageText(ctx, &bot.EditMessageTextParams{
			ChatID: cq.Message.Message.Chat.ID, MessageID: cq.Message.Message.ID,
			Text: "<b>Acknowledged</b> (" + cq.Data + ")", ParseMode: models.ParseModeHTML,
		})
	}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.Start(ctx)

	m, err := send(ctx, b, u.ID(), "Alert #1", markup(t, []cleanButton{{Text: "Acknowledge", CallbackData: "ack:1"}}, []cleanButton{{Text: "Docs", URL: "https://example.org/doc"}}))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.ReplyMarkup.InlineKeyboard) != 2 {
		t.Fatalf("result markup %+v", m.ReplyMarkup)
	}
	if _, err := u.Press(m.ID, "forged"); err == nil {
		t.Fatal("Press with data not on the keyboard must fail")
	}
	if _, err := u.PressButton("Docs"); err == nil {
		t.Fatal("a URL button cannot be pressed as a callback")
	}
	if _, err := u.PressButton("Acknowledge"); err != nil {
		t.Fatal(err)
	}
	got, err := u.WaitForText("Acknowledged (ack:1)", 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != m.ID || got.Edited != 1 || got.TextEdits != 1 || len(got.Keyboard) != 0 {
		t.Fatalf("edited message %+v", got)
	}
	if _, err := u.WaitFor(3*time.Second, func([]telegramtest.Message) bool {
		return srv.UnansweredCallbacks() == 0
	}); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range u.Transcript() {
		kinds = append(kinds, e.Kind)
	}
	want := "sent user_press callback_answer edited"
	if strings.Join(kinds, " ") != want && strings.Join(kinds, " ") != "sent user_press edited callback_answer" {
		t.Fatalf("transcript %v, want %s", kinds, want)
	}

	// Editing to identical content is refused, as on Telegram.
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: u.ID(), MessageID: m.ID, Text: "<b>Acknowledged</b> (ack:1)", ParseMode: models.ParseModeHTML})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "message is not modified") {
		t.Fatalf("not modified: %v", err)
	}
	if ok, err := b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: u.ID(), MessageID: m.ID}); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if msgs := u.Messages(); !msgs[0].Deleted {
		t.Fatal("message not marked deleted")
	}
	if _, err := u.Press(m.ID, "ack:1"); err == nil {
		t.Fatal("pressing a deleted message must fail")
	}
	if _, ok := u.LastMessage(); ok {
		t.Fatal("LastMessage must skip deleted messages")
	}
}

func TestForgedPressOnMissingMessage(t *testing.T) {
	srv := newServer(t)
	u := srv.User(8, "Di", "en")
	got := make(chan *models.CallbackQuery, 1)
	b := newBot(t, srv, bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, up *models.Update) {
		got <- up.CallbackQuery
	}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.Start(ctx)
	u.PressForged(12345, "admin:delete-all")
	select {
	case cq := <-got:
		if cq.Data != "admin:delete-all" || cq.Message.InaccessibleMessage == nil || cq.From.ID != u.ID() {
			t.Fatalf("callback %+v", cq)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no callback")
	}
}

func TestFilesCopyForward(t *testing.T) {
	srv := newServer(t)
	u := srv.User(11, "Ed", "en")
	admin := srv.User(12, "Ad", "en")
	b := newBot(t, srv)
	ctx := context.Background()

	doc, err := b.SendDocument(ctx, &bot.SendDocumentParams{
		ChatID:   u.ID(),
		Document: &models.InputFileUpload{Filename: "report.pdf", Data: bytes.NewReader([]byte("%PDF-1.4"))},
		Caption:  "<i>Weekly</i> report", ParseMode: models.ParseModeHTML,
	})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Document == nil || doc.Document.FileName != "report.pdf" || doc.Caption != "Weekly report" {
		t.Fatalf("document %+v", doc)
	}
	again, err := b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: admin.ID(), Document: &models.InputFileString{Data: doc.Document.FileID}})
	if err != nil || again.Document.FileID != doc.Document.FileID {
		t.Fatalf("resend by file_id: %v %+v", err, again)
	}
	if _, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: u.ID(), Photo: &models.InputFileString{Data: doc.Document.FileID}}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Fatalf("document id as photo: %v", err)
	}
	if _, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: u.ID(), Photo: &models.InputFileString{Data: "nonsense"}}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Fatalf("bad file id: %v", err)
	}
	if _, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: u.ID(), Photo: &models.InputFileString{Data: "x"}, Caption: strings.Repeat("c", 1025)}); err == nil || !strings.Contains(err.Error(), "caption is too long") {
		t.Fatalf("long caption: %v", err)
	}

	// A user's photo forwarded and copied to an admin.
	got := make(chan *models.Message, 1)
	b2 := newBot(t, srv, bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, up *models.Update) {
		if up.Message != nil {
			got <- up.Message
		}
	}))
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go b2.Start(pctx)
	u.SendPhoto("seized goods")
	var in *models.Message
	select {
	case in = <-got:
	case <-time.After(3 * time.Second):
		t.Fatal("no photo update")
	}
	if len(in.Photo) == 0 || in.Caption != "seized goods" {
		t.Fatalf("photo update %+v", in)
	}
	fwd, err := b.ForwardMessage(ctx, &bot.ForwardMessageParams{ChatID: admin.ID(), FromChatID: u.ID(), MessageID: in.ID})
	if err != nil || fwd.ForwardOrigin == nil || len(fwd.Photo) == 0 {
		t.Fatalf("forward: %v %+v", err, fwd)
	}
	cp, err := b.CopyMessage(ctx, &bot.CopyMessageParams{ChatID: admin.ID(), FromChatID: u.ID(), MessageID: in.ID, Caption: "copied"})
	if err != nil {
		t.Fatal(err)
	}
	msgs := admin.Messages()
	last := msgs[len(msgs)-1]
	if last.ID != cp.ID || last.Kind != "copy" || last.Plain() != "copied" || last.FileID == "" {
		t.Fatalf("copy %+v", last)
	}
	if _, err := b.CopyMessage(ctx, &bot.CopyMessageParams{ChatID: admin.ID(), FromChatID: u.ID(), MessageID: 9999}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Fatalf("copy of missing message: %v", err)
	}
}

func TestCommands(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	ctx := context.Background()
	en := []models.BotCommand{{Command: "start", Description: "Start"}, {Command: "help", Description: "Help"}}
	if _, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: en}); err != nil {
		t.Fatal(err)
	}
	ru := []models.BotCommand{{Command: "start", Description: "Начать"}}
	if _, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: ru, Scope: &models.BotCommandScopeAllPrivateChats{}, LanguageCode: "ru"}); err != nil {
		t.Fatal(err)
	}
	got, err := b.GetMyCommands(ctx, &bot.GetMyCommandsParams{Scope: &models.BotCommandScopeAllPrivateChats{}, LanguageCode: "ru"})
	if err != nil || len(got) != 1 || got[0].Description != "Начать" {
		t.Fatalf("get ru: %v %+v", err, got)
	}
	if c := srv.Commands("default", ""); len(c) != 2 {
		t.Fatalf("default %+v", c)
	}
	if _, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "Start", Description: "x"}}}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Fatalf("uppercase command: %v", err)
	}
	if _, err := b.DeleteMyCommands(ctx, &bot.DeleteMyCommandsParams{}); err != nil {
		t.Fatal(err)
	}
	if c := srv.Commands("default", ""); len(c) != 0 {
		t.Fatalf("after delete %+v", c)
	}
}

func TestWebhookConflict(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	ctx := context.Background()
	if _, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: "https://example.org/hook"}); err != nil {
		t.Fatal(err)
	}
	code, _ := rawCall(t, srv, srv.Token(), "getUpdates", "", nil)
	if code != http.StatusConflict {
		t.Fatalf("getUpdates with webhook: %d", code)
	}
	info, err := b.GetWebhookInfo(ctx)
	if err != nil || info.URL != "https://example.org/hook" {
		t.Fatal(err, info)
	}
	if _, err := b.DeleteWebhook(ctx, &bot.DeleteWebhookParams{}); err != nil {
		t.Fatal(err)
	}
	if code, _ := rawCall(t, srv, srv.Token(), "getUpdates", "", nil); code != http.StatusOK {
		t.Fatalf("after deleteWebhook: %d", code)
	}
}

func TestConcurrentSends(t *testing.T) {
	srv := newServer(t, telegramtest.WithoutCallLog())
	b := newBot(t, srv)
	const users, per = 20, 10
	var wg sync.WaitGroup
	for i := range users {
		u := srv.User(int64(1000+i), "U", "en")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				if _, err := send(context.Background(), b, u.ID(), "<b>hi</b>", nil); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if st := srv.Stats(); st.Sent != users*per || srv.CallCount("sendMessage") != users*per {
		t.Fatalf("stats %+v", st)
	}
	if len(srv.Calls("")) != 0 {
		t.Fatal("WithoutCallLog must not keep calls")
	}
}

func BenchmarkSendMessage(b *testing.B) {
	srv := telegramtest.NewServer(telegramtest.WithoutCallLog())
	defer srv.Close()
	tb, err := bot.New(srv.Token(), bot.WithServerURL(srv.URL()), bot.WithSkipGetMe(), bot.WithHTTPClient(time.Minute, srv.HTTPClient()))
	if err != nil {
		b.Fatal(err)
	}
	var ids []int64
	for i := range 1000 {
		ids = append(ids, srv.User(int64(i+1), "U", "en").ID())
	}
	kb := `{"inline_keyboard":[[{"text":"Acknowledge","callback_data":"ack:123456"}]]}`
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if _, err := send(context.Background(), tb, ids[i%len(ids)], "<b>Alert</b> new instruction &amp; more", kb); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func TestGroupAndRawUpdates(t *testing.T) {
	srv := newServer(t)
	owner := srv.User(1, "Owner", "en")
	g := srv.Group(-1002003, "Border post 7")
	got := make(chan *models.Update, 4)
	b := newBot(t, srv, bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, up *models.Update) { got <- up }))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.Start(ctx)

	addID := srv.AddBotToGroup(g.ChatID(), owner.ID())
	g.SendText(owner, "/status@"+srv.BotUsername()+" now")
	rawID := srv.PushRawUpdate([]byte(`{"message":{"message_id":99,"date":1700000000,"chat":{"id":1,"type":"private"},"text":"raw"}}`))
	if rawID != addID+2 {
		t.Fatalf("raw update id %d, add id %d", rawID, addID)
	}
	var ups []*models.Update
	for range 3 {
		select {
		case up := <-got:
			ups = append(ups, up)
		case <-time.After(3 * time.Second):
			t.Fatalf("got %d updates", len(ups))
		}
	}
	byID := map[int64]*models.Update{}
	for _, up := range ups {
		byID[up.ID] = up
	}
	if mcm := byID[addID].MyChatMember; mcm == nil || mcm.NewChatMember.Type != models.ChatMemberTypeMember || mcm.Chat.Type != "supergroup" {
		t.Fatalf("my_chat_member %+v", byID[addID])
	}
	cmd := byID[addID+1].Message
	if cmd == nil || cmd.Chat.ID != g.ChatID() || cmd.Entities[0].Length != len("/status@"+srv.BotUsername()) {
		t.Fatalf("group command %+v", cmd)
	}
	if byID[rawID].Message == nil || byID[rawID].Message.Text != "raw" {
		t.Fatalf("raw %+v", byID[rawID])
	}
	if _, err := send(ctx, b, g.ChatID(), "Posted", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := g.WaitForText("Posted", time.Second); err != nil {
		t.Fatal(err)
	}
}
