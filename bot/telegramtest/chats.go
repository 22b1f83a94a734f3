package telegramtest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Message is a message in an emulated chat, in its current state.
type Message struct {
	ID        int
	ChatID    int64
	FromBot   bool
	FromUser  int64  // sender for user messages; 0 for the bot's
	Text      string // as sent, markup included; see Plain
	Caption   string // as sent, markup included; see Plain
	ParseMode string
	Kind      string // "text", "photo", "document", "copy", "forward"
	FileID    string
	FileName  string
	Keyboard  [][]Button
	Album     string // media_group_id of a photo sent as part of an album
	Edited    int    // number of successful edits
	// TextEdits counts the edits of the text or caption: Telegram's apps mark a message
	// "edited" after those, not after a change of its inline keyboard alone.
	TextEdits int
	Deleted   bool
	Date      time.Time

	// Copies and forwards remember their source.
	FromChatID    int64
	FromMessageID int

	plain    string // Text or Caption after entity parsing
	entities []entity
}

// Plain is the text (or caption) the user sees: HTML tags removed and
// entities decoded. It is what WaitForText matches against.
func (m Message) Plain() string { return m.plain }

// Buttons flattens the inline keyboard, row by row.
func (m Message) Buttons() []Button {
	var out []Button
	for _, row := range m.Keyboard {
		out = append(out, row...)
	}
	return out
}

// Button returns the button with that text.
func (m Message) Button(text string) (Button, bool) {
	for _, row := range m.Keyboard {
		for _, b := range row {
			if b.Text == text {
				return b, true
			}
		}
	}
	return Button{}, false
}

// Event is one entry of a chat's transcript.
type Event struct {
	Seq       int64
	Time      time.Time
	ChatID    int64
	Kind      string // see the Event* constants
	MessageID int
	UserID    int64  // the acting user for user events
	Text      string // as sent (markup included) for bot events
	Plain     string
	Keyboard  [][]Button
	Data      string // callback data, or file name for documents
	ShowAlert bool
	UpdateID  int64 // for user events
}

// Event kinds.
const (
	EventSent           = "sent"            // sendMessage, sendPhoto, sendDocument
	EventCopied         = "copied"          // copyMessage into this chat
	EventForwarded      = "forwarded"       // forwardMessage into this chat
	EventEdited         = "edited"          // editMessageText / editMessageCaption
	EventMarkupEdited   = "markup_edited"   // editMessageReplyMarkup
	EventDeleted        = "deleted"         // deleteMessage
	EventCallbackAnswer = "callback_answer" // answerCallbackQuery (Text is the notification)
	EventUserText       = "user_text"
	EventUserPhoto      = "user_photo"
	EventUserDocument   = "user_document"
	EventUserPress      = "user_press"
	EventBotAdded       = "bot_added"
	EventBotRemoved     = "bot_removed"
	EventBotLeft        = "bot_left"
)

func (e Event) String() string {
	s := fmt.Sprintf("#%d %s chat=%d msg=%d", e.Seq, e.Kind, e.ChatID, e.MessageID)
	if e.Plain != "" {
		s += fmt.Sprintf(" %q", e.Plain)
	} else if e.Text != "" {
		s += fmt.Sprintf(" %q", e.Text)
	}
	if e.Data != "" {
		s += " data=" + e.Data
	}
	if len(e.Keyboard) > 0 {
		var rows []string
		for _, r := range e.Keyboard {
			var bs []string
			for _, b := range r {
				bs = append(bs, "["+b.Text+"]")
			}
			rows = append(rows, strings.Join(bs, ""))
		}
		s += " kb=" + strings.Join(rows, "/")
	}
	return s
}

// chatState holds one chat. Messages are indexed by id so sends, edits and
// presses never scan the history.
type chatState struct {
	id       int64
	kind     string // "private", "group", "supergroup"
	title    string
	user     *User
	member   bool // groups only: whether the bot is in it
	kicked   bool
	nextMsg  int
	msgs     map[int]*Message
	botMsgs  []*Message
	events   []Event
	instance string
	secWin   window
	minWin   window
}

func (s *Server) newChatLocked(id int64, kind string) *chatState {
	c := &chatState{
		id: id, kind: kind, nextMsg: 1, msgs: map[int]*Message{},
		instance: strconv.FormatInt(id*7919+13, 10),
		secWin:   window{d: time.Second}, minWin: window{d: time.Minute},
	}
	s.chats[id] = c
	return c
}

func (c *chatState) wire() wireChat {
	w := wireChat{ID: c.id, Type: c.kind, Title: c.title}
	if c.user != nil {
		w.FirstName = c.user.firstName
		w.Username = c.user.username
	}
	return w
}

func (s *Server) eventLocked(c *chatState, e Event) {
	s.seq++
	e.Seq = s.seq
	e.Time = time.Now()
	e.ChatID = c.id
	c.events = append(c.events, e)
	s.notifyLocked()
}

func (s *Server) botUser() wireUser {
	return wireUser{ID: s.botID, IsBot: true, FirstName: s.cfg.firstName, Username: s.cfg.username}
}

// wireMessageLocked renders m as Telegram would return it. Caller holds s.mu.
func (s *Server) wireMessageLocked(c *chatState, m *Message) wireMessage {
	w := wireMessage{MessageID: m.ID, Chat: c.wire(), Date: m.Date.Unix(), ReplyMarkup: wireKeyboard(m.Keyboard)}
	if m.FromBot {
		b := s.botUser()
		w.From = &b
	} else if u := s.users[m.FromUser]; u != nil {
		wu := u.wire()
		w.From = &wu
	}
	if m.Edited > 0 {
		w.EditDate = time.Now().Unix()
	}
	if m.Kind == "forward" {
		w.ForwardOrigin = s.originLocked(m)
	}
	switch {
	case m.FileID != "" && s.files[m.FileID].kind == "photo":
		w.Photo = photoSizes(m.FileID, s.files[m.FileID])
		w.Caption, w.CaptionEntities = m.plain, m.entities
	case m.FileID != "":
		f := s.files[m.FileID]
		w.Document = &wireDocument{FileID: m.FileID, FileUniqueID: f.unique, FileName: f.name, MimeType: mimeFor(f.name), FileSize: f.size}
		w.Caption, w.CaptionEntities = m.plain, m.entities
	default:
		w.Text, w.Entities = m.plain, m.entities
	}
	w.MediaGroupID = m.Album
	return w
}

func (s *Server) originLocked(m *Message) *wireOrigin {
	o := &wireOrigin{Type: "user", Date: m.Date.Unix()}
	src := s.chats[m.FromChatID]
	if src == nil {
		o.Type = "hidden_user"
		return o
	}
	orig := src.msgs[m.FromMessageID]
	switch {
	case orig != nil && orig.FromBot:
		b := s.botUser()
		o.SenderUser = &b
	case orig != nil && s.users[orig.FromUser] != nil:
		u := s.users[orig.FromUser].wire()
		o.SenderUser = &u
	default:
		o.Type = "chat"
		ch := src.wire()
		o.SenderChat = &ch
	}
	if orig != nil {
		o.Date = orig.Date.Unix()
	}
	return o
}

func photoSizes(fileID string, f fileInfo) []wirePhotoSize {
	return []wirePhotoSize{
		{FileID: fileID + "-s", FileUniqueID: f.unique + "s", Width: 90, Height: 67, FileSize: 1200},
		{FileID: fileID + "-m", FileUniqueID: f.unique + "m", Width: 320, Height: 240, FileSize: 14000},
		{FileID: fileID, FileUniqueID: f.unique, Width: 1280, Height: 960, FileSize: max(f.size, 90000)},
	}
}

func mimeFor(name string) string {
	switch strings.ToLower(name[strings.LastIndexByte(name, '.')+1:]) {
	case "pdf":
		return "application/pdf"
	case "txt":
		return "text/plain"
	case "csv":
		return "text/csv"
	case "jpg", "jpeg":
		return "image/jpeg"
	case "png":
		return "image/png"
	case "xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case "docx":
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	}
	return "application/octet-stream"
}

func (s *Server) newFileLocked(kind, name string, size int64) string {
	s.nextFile++
	prefix := "BQACAgIAAxkBAAI"
	if kind == "photo" {
		prefix = "AgACAgIAAxkBAAI"
	}
	id := fmt.Sprintf("%s%06d_emu", prefix, s.nextFile)
	s.files[id] = fileInfo{kind: kind, name: name, size: size, unique: fmt.Sprintf("AQAD%06d", s.nextFile)}
	return id
}

// chatView carries what users and groups have in common: reading the bot's
// side of the chat.
type chatView struct {
	srv *Server
	id  int64
}

// ChatID is the chat's id: the user id for private chats, negative for groups.
func (v chatView) ChatID() int64 { return v.id }

// Messages returns the bot's messages in this chat, oldest first, in their
// current state (deleted ones are kept with Deleted set).
func (v chatView) Messages() []Message {
	v.srv.mu.Lock()
	defer v.srv.mu.Unlock()
	return v.messagesLocked()
}

func (v chatView) messagesLocked() []Message {
	c := v.srv.chats[v.id]
	out := make([]Message, 0, len(c.botMsgs))
	for _, m := range c.botMsgs {
		out = append(out, *m)
	}
	return out
}

// LastMessage is the newest bot message that is not deleted.
func (v chatView) LastMessage() (Message, bool) {
	v.srv.mu.Lock()
	defer v.srv.mu.Unlock()
	c := v.srv.chats[v.id]
	for i := len(c.botMsgs) - 1; i >= 0; i-- {
		if !c.botMsgs[i].Deleted {
			return *c.botMsgs[i], true
		}
	}
	return Message{}, false
}

// Message returns one message of the chat by id, the bot's or a user's.
func (v chatView) Message(id int) (Message, bool) {
	v.srv.mu.Lock()
	defer v.srv.mu.Unlock()
	m, ok := v.srv.chats[v.id].msgs[id]
	if !ok {
		return Message{}, false
	}
	return *m, true
}

// Transcript is this chat's event log.
func (v chatView) Transcript() []Event { return v.srv.Transcript(v.id) }

// ErrTimeout is returned by the WaitFor helpers.
var ErrTimeout = errors.New("telegramtest: timed out waiting")

// WaitFor re-evaluates cond on the bot's messages after every change in
// the server until it holds or timeout passes. It returns the messages
// cond last saw.
func (v chatView) WaitFor(timeout time.Duration, cond func([]Message) bool) ([]Message, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		v.srv.mu.Lock()
		msgs := v.messagesLocked()
		ch := v.srv.changed
		v.srv.mu.Unlock()
		if cond(msgs) {
			return msgs, nil
		}
		select {
		case <-ch:
		case <-t.C:
			return msgs, fmt.Errorf("%w after %v in chat %d (%d bot messages)", ErrTimeout, timeout, v.id, len(msgs))
		case <-v.srv.closed:
			return msgs, errors.New("telegramtest: server closed")
		}
	}
}

// WaitForText waits for a bot message (not deleted) whose visible text or
// caption contains substr, and returns the newest such message. Invisible direction marks
// and isolates (which right-to-left messages put around left-to-right runs) are not part of
// what a reader sees, so they do not stop a match.
func (v chatView) WaitForText(substr string, timeout time.Duration) (Message, error) {
	var found Message
	msgs, err := v.WaitFor(timeout, func(ms []Message) bool {
		for i := len(ms) - 1; i >= 0; i-- {
			if !ms[i].Deleted && strings.Contains(bidiMarks.Replace(ms[i].plain), substr) {
				found = ms[i]
				return true
			}
		}
		return false
	})
	if err != nil {
		var last string
		if n := len(msgs); n > 0 {
			last = msgs[n-1].plain
		}
		return Message{}, fmt.Errorf("waiting for %q: %w; last bot message: %q", substr, err, last)
	}
	return found, nil
}

// bidiMarks removes the invisible direction marks and isolates from a text.
var bidiMarks = strings.NewReplacer("\u200e", "", "\u200f", "", "\u2066", "", "\u2067", "", "\u2068", "", "\u2069", "")

// WaitForCount waits until the bot has sent at least n messages here.
func (v chatView) WaitForCount(n int, timeout time.Duration) ([]Message, error) {
	return v.WaitFor(timeout, func(ms []Message) bool { return len(ms) >= n })
}

// Transcript returns the ordered event log of a chat.
func (s *Server) Transcript(chatID int64) []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	if c == nil {
		return nil
	}
	return append([]Event(nil), c.events...)
}

// User is a scripted Telegram user with a private chat with the bot.
type User struct {
	chatView
	firstName string
	lang      string
	username  string
}

// User returns the user with that id, creating it and its private chat
// (chat id == user id) on first use; later calls ignore the other arguments.
func (s *Server) User(id int64, firstName, languageCode string) *User {
	if id <= 0 {
		panic("telegramtest: user ids must be positive")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.users[id]; ok {
		return u
	}
	u := &User{chatView: chatView{srv: s, id: id}, firstName: firstName, lang: languageCode, username: fmt.Sprintf("user%d", id)}
	s.users[id] = u
	c := s.newChatLocked(id, "private")
	c.user = u
	return u
}

// ID is the user id.
func (u *User) ID() int64 { return u.id }

// FirstName is the user's first name.
func (u *User) FirstName() string { return u.firstName }

// Username is the user's username (generated as "user<ID>").
func (u *User) Username() string { return u.username }

// LanguageCode is what Telegram reports as the user's client language.
func (u *User) LanguageCode() string { return u.lang }

func (u *User) wire() wireUser {
	return wireUser{ID: u.id, FirstName: u.firstName, Username: u.username, LanguageCode: u.lang}
}

// SendText sends a text message from the user to the bot and returns the
// update_id. A leading /command gets its bot_command entity.
func (u *User) SendText(text string) int64 { return u.srv.userText(u, u.id, text) }

// SendPhoto sends a photo (with a generated file_id) from the user.
func (u *User) SendPhoto(caption string) int64 {
	return u.srv.userFile(u, u.id, "photo", "photo.jpg", caption)
}

// SendAlbum sends n photos as one album, as a phone does when several are picked at once:
// n messages with one media_group_id, the first carrying the caption. It returns their
// update_ids.
func (u *User) SendAlbum(n int, caption string) []int64 {
	u.srv.mu.Lock()
	u.srv.nextAlbum++
	album := fmt.Sprintf("album%d", u.srv.nextAlbum)
	u.srv.mu.Unlock()
	ids := make([]int64, n)
	for i := range ids {
		c := ""
		if i == 0 {
			c = caption
		}
		ids[i] = u.srv.userFileIn(u, u.id, "photo", "photo.jpg", c, album)
	}
	return ids
}

// SendDocument sends a document from the user.
func (u *User) SendDocument(fileName, caption string) int64 {
	return u.srv.userFile(u, u.id, "document", fileName, caption)
}

// Press presses the inline button with callbackData on the bot's message
// messageID. It fails, as a real client could not press it, if the message
// is gone or has no such button.
func (u *User) Press(messageID int, callbackData string) (int64, error) {
	return u.srv.press(u, u.id, messageID, callbackData, true)
}

// PressForged sends a callback query with arbitrary data for messageID,
// as a modified client could; the message need not exist.
func (u *User) PressForged(messageID int, data string) int64 {
	id, _ := u.srv.press(u, u.id, messageID, data, false)
	return id
}

// PressButton presses the button labelled buttonText on the newest bot
// message that shows it.
func (u *User) PressButton(buttonText string) (int64, error) {
	return u.srv.pressText(u, u.id, buttonText)
}

// Blocked reports whether the user currently blocks the bot.
func (u *User) Blocked() bool {
	u.srv.mu.Lock()
	defer u.srv.mu.Unlock()
	return u.srv.blocked[u.id]
}

// Group is a group chat. Its id is negative; ids starting with -100 are
// supergroups, as on Telegram.
type Group struct {
	chatView
	title string
}

// Group returns the group with that id, creating it on first use. The bot
// is not a member until AddBotToGroup: sends before that get 403.
func (s *Server) Group(id int64, title string) *Group {
	if id >= 0 {
		panic("telegramtest: group ids must be negative")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.groups[id]; ok {
		return g
	}
	g := &Group{chatView: chatView{srv: s, id: id}, title: title}
	s.groups[id] = g
	kind := "group"
	if strings.HasPrefix(strconv.FormatInt(id, 10), "-100") {
		kind = "supergroup"
	}
	c := s.newChatLocked(id, kind)
	c.title = title
	return g
}

// Title is the group's title.
func (g *Group) Title() string { return g.title }

// SendText posts a message from a member into the group.
func (g *Group) SendText(from *User, text string) int64 {
	return g.srv.userText(from, g.id, text)
}

// Press presses a button on a bot message in the group.
func (g *Group) Press(from *User, messageID int, callbackData string) (int64, error) {
	return g.srv.press(from, g.id, messageID, callbackData, true)
}

// PressButton presses the button labelled buttonText on the newest bot
// message in the group that shows it.
func (g *Group) PressButton(from *User, buttonText string) (int64, error) {
	return g.srv.pressText(from, g.id, buttonText)
}

// AddBotToGroup makes the bot a member of the group, added by the given
// user, and queues the my_chat_member update Telegram sends for it.
func (s *Server) AddBotToGroup(groupID, byUserID int64) int64 {
	return s.setMembership(groupID, byUserID, "left", "member", EventBotAdded)
}

// PutBotInGroup makes the bot a member of the group without the my_chat_member update, as
// when that update was lost or the bot's leaveChat failed.
func (s *Server) PutBotInGroup(groupID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[groupID]
	if c == nil || groupID >= 0 {
		panic(fmt.Sprintf("telegramtest: unknown group %d", groupID))
	}
	c.member, c.kicked = true, false
}

// RemoveBotFromGroup kicks the bot out of the group and queues the
// my_chat_member update.
func (s *Server) RemoveBotFromGroup(groupID, byUserID int64) int64 {
	return s.setMembership(groupID, byUserID, "member", "kicked", EventBotRemoved)
}

func (s *Server) setMembership(groupID, byUserID int64, from, to, ev string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[groupID]
	if c == nil || groupID >= 0 {
		panic(fmt.Sprintf("telegramtest: unknown group %d", groupID))
	}
	u := s.users[byUserID]
	if u == nil {
		panic(fmt.Sprintf("telegramtest: unknown user %d", byUserID))
	}
	c.member = to == "member"
	c.kicked = to == "kicked"
	id := s.pushLocked("my_chat_member", wireChatMemberUpdated{
		Chat: c.wire(), From: u.wire(), Date: time.Now().Unix(),
		OldChatMember: wireChatMember{Status: from, User: s.botUser()},
		NewChatMember: wireChatMember{Status: to, User: s.botUser()},
	})
	s.eventLocked(c, Event{Kind: ev, UserID: byUserID, UpdateID: id})
	return id
}

// LeftChats lists the groups the bot left with leaveChat, in order.
func (s *Server) LeftChats() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.left...)
}

func commandEntity(text string) []entity {
	if !strings.HasPrefix(text, "/") {
		return nil
	}
	end := strings.IndexAny(text, " \n\t")
	if end < 0 {
		end = len(text)
	}
	if end == 1 {
		return nil
	}
	return []entity{{Type: "bot_command", Offset: 0, Length: UTF16Len(text[:end])}}
}

func (s *Server) userText(u *User, chatID int64, text string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(chatID)
	m := &Message{ID: c.nextMsg, ChatID: chatID, FromUser: u.id, Text: text, Kind: "text", Date: time.Now(), plain: text, entities: commandEntity(text)}
	c.nextMsg++
	c.msgs[m.ID] = m
	id := s.pushLocked("message", s.wireMessageLocked(c, m))
	s.eventLocked(c, Event{Kind: EventUserText, MessageID: m.ID, UserID: u.id, Text: text, Plain: text, UpdateID: id})
	return id
}

func (s *Server) userFile(u *User, chatID int64, kind, name, caption string) int64 {
	return s.userFileIn(u, chatID, kind, name, caption, "")
}

func (s *Server) userFileIn(u *User, chatID int64, kind, name, caption, album string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(chatID)
	fid := s.newFileLocked(kind, name, 48213)
	m := &Message{ID: c.nextMsg, ChatID: chatID, FromUser: u.id, Caption: caption, Kind: kind, FileID: fid, FileName: name, Date: time.Now(), plain: caption, Album: album}
	c.nextMsg++
	c.msgs[m.ID] = m
	id := s.pushLocked("message", s.wireMessageLocked(c, m))
	ev := EventUserPhoto
	if kind == "document" {
		ev = EventUserDocument
	}
	s.eventLocked(c, Event{Kind: ev, MessageID: m.ID, UserID: u.id, Text: caption, Plain: caption, Data: name, UpdateID: id})
	return id
}

func (s *Server) chatLocked(id int64) *chatState {
	c := s.chats[id]
	if c == nil {
		panic(fmt.Sprintf("telegramtest: unknown chat %d", id))
	}
	return c
}

func (s *Server) press(u *User, chatID int64, messageID int, data string, strict bool) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(chatID)
	m := c.msgs[messageID]
	if strict {
		switch {
		case m == nil || !m.FromBot:
			return 0, fmt.Errorf("telegramtest: chat %d has no bot message %d", chatID, messageID)
		case m.Deleted:
			return 0, fmt.Errorf("telegramtest: message %d in chat %d was deleted", messageID, chatID)
		}
		found := false
		for _, b := range m.Buttons() {
			if b.CallbackData == data {
				found = true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("telegramtest: message %d in chat %d has no button with data %q", messageID, chatID, data)
		}
	}
	return s.pressLocked(u, c, m, messageID, data), nil
}

func (s *Server) pressLocked(u *User, c *chatState, m *Message, messageID int, data string) int64 {
	s.nextCallback++
	cbID := strconv.FormatInt(4000000000000000000+s.nextCallback, 10)
	s.callbacks[cbID] = &callbackState{chatID: c.id}
	var msg any
	if m != nil && !m.Deleted {
		msg = s.wireMessageLocked(c, m)
	} else {
		msg = wireInaccessible{MessageID: messageID, Chat: c.wire()}
	}
	id := s.pushLocked("callback_query", wireCallbackQuery{ID: cbID, From: u.wire(), Message: msg, ChatInstance: c.instance, Data: data})
	s.eventLocked(c, Event{Kind: EventUserPress, MessageID: messageID, UserID: u.id, Data: data, UpdateID: id})
	return id
}

func (s *Server) pressText(u *User, chatID int64, text string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(chatID)
	for i := len(c.botMsgs) - 1; i >= 0; i-- {
		m := c.botMsgs[i]
		if m.Deleted {
			continue
		}
		if b, ok := m.Button(text); ok {
			if b.CallbackData == "" {
				return 0, fmt.Errorf("telegramtest: button %q on message %d has no callback_data", text, m.ID)
			}
			return s.pressLocked(u, c, m, m.ID, b.CallbackData), nil
		}
	}
	return 0, fmt.Errorf("telegramtest: no bot message in chat %d has a button %q", chatID, text)
}
