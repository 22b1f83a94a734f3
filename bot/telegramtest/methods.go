package telegramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

var handlers = map[string]handlerFunc{
	"getMe":                  handleGetMe,
	"getUpdates":             handleGetUpdates,
	"setWebhook":             handleSetWebhook,
	"deleteWebhook":          handleDeleteWebhook,
	"getWebhookInfo":         handleGetWebhookInfo,
	"sendMessage":            handleSendMessage,
	"sendPhoto":              handleSendPhoto,
	"sendDocument":           handleSendDocument,
	"copyMessage":            handleCopyMessage,
	"forwardMessage":         handleForwardMessage,
	"editMessageText":        handleEditMessageText,
	"editMessageCaption":     handleEditMessageCaption,
	"editMessageReplyMarkup": handleEditMessageReplyMarkup,
	"deleteMessage":          handleDeleteMessage,
	"answerCallbackQuery":    handleAnswerCallbackQuery,
	"setMyCommands":          handleSetMyCommands,
	"getMyCommands":          handleGetMyCommands,
	"deleteMyCommands":       handleDeleteMyCommands,
	"leaveChat":              handleLeaveChat,
	"getChat":                handleGetChat,
	"sendChatAction":         handleSendChatAction,
	"getFile":                handleGetFile,
}

const (
	maxTextLen     = 4096
	maxCaptionLen  = 1024
	maxCallbackLen = 200
)

func handleGetMe(s *Server, _ context.Context, _ *request) (any, *apiError) {
	return wireMe{wireUser: s.botUser(), CanJoinGroups: true}, nil
}

// formatted is text after parse-mode processing, as Telegram stores it.
type formatted struct {
	plain    string
	entities []entity
}

// format parses and measures text the way Telegram does: after entity
// parsing, with surrounding whitespace trimmed, in UTF-16 code units.
func format(text, parseMode string, entitiesJSON string, limit int, emptyErr, longErr string) (formatted, *apiError) {
	var f formatted
	switch strings.ToLower(parseMode) {
	case "":
		f.plain = text
		if entitiesJSON != "" {
			if err := json.Unmarshal([]byte(entitiesJSON), &f.entities); err != nil {
				return f, badRequest("can't parse entities JSON object")
			}
		}
	case "html":
		p, ents, err := parseHTML(text)
		if err != nil {
			return f, badRequest("can't parse entities: " + err.Error())
		}
		f.plain, f.entities = p, ents
	case "markdownv2", "markdown":
		f.plain = stripMarkdownV2(text)
	default:
		return f, badRequest("unsupported parse_mode")
	}
	f = trimFormatted(f)
	if f.plain == "" && emptyErr != "" {
		return f, badRequest(emptyErr)
	}
	if UTF16Len(f.plain) > limit {
		return f, badRequest(longErr)
	}
	return f, nil
}

func trimFormatted(f formatted) formatted {
	t := strings.TrimLeftFunc(f.plain, unicode.IsSpace)
	lead := UTF16Len(f.plain[:len(f.plain)-len(t)])
	t = strings.TrimRightFunc(t, unicode.IsSpace)
	if lead == 0 && len(t) == len(f.plain) {
		return f
	}
	n := UTF16Len(t)
	var ents []entity
	for _, e := range f.entities {
		start, end := max(e.Offset-lead, 0), min(e.Offset+e.Length-lead, n)
		if end > start {
			e.Offset, e.Length = start, end-start
			ents = append(ents, e)
		}
	}
	return formatted{plain: t, entities: ents}
}

// resolveChatLocked finds the target of a bot action and applies the
// membership and blocking rules. Caller holds s.mu.
func (s *Server) resolveChatLocked(param string) (*chatState, *apiError) {
	if strings.TrimSpace(param) == "" {
		return nil, badRequest("chat_id is empty")
	}
	id, err := strconv.ParseInt(strings.TrimSpace(param), 10, 64)
	if err != nil {
		return nil, badRequest("chat not found")
	}
	c := s.chats[id]
	if c == nil {
		return nil, badRequest("chat not found")
	}
	return c, nil
}

func (s *Server) writableChatLocked(param string) (*chatState, *apiError) {
	c, e := s.resolveChatLocked(param)
	if e != nil {
		return nil, e
	}
	switch {
	case c.id < 0 && c.kicked:
		return nil, forbidden("bot was kicked from the " + c.kind + " chat")
	case c.id < 0 && !c.member:
		return nil, forbidden("bot is not a member of the " + c.kind + " chat")
	case c.id > 0 && s.blocked[c.id]:
		return nil, forbidden("bot was blocked by the user")
	}
	return c, nil
}

func tooMany(retryAfter int) *apiError {
	return &apiError{code: http.StatusTooManyRequests, desc: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter), retryAfter: retryAfter}
}

// sendLocked runs the common tail of every send: limits, storing the
// message, stats and transcript. Caller holds s.mu.
func (s *Server) sendLocked(c *chatState, m *Message, ev string) *apiError {
	if ra, ok := s.admit(c, false); !ok {
		return tooMany(ra)
	}
	m.ID = c.nextMsg
	c.nextMsg++
	m.ChatID = c.id
	m.FromBot = true
	m.Date = time.Now()
	c.msgs[m.ID] = m
	c.botMsgs = append(c.botMsgs, m)
	s.stats.Sent++
	text := m.Text
	if text == "" {
		text = m.Caption
	}
	s.eventLocked(c, Event{Kind: ev, MessageID: m.ID, Text: text, Plain: m.plain, Keyboard: m.Keyboard, Data: m.FileName})
	return nil
}

func handleSendMessage(s *Server, _ context.Context, q *request) (any, *apiError) {
	text, pm := q.str("text"), q.str("parse_mode")
	f, e := format(text, pm, q.str("entities"), maxTextLen, "message text is empty", "message is too long")
	if e != nil {
		return nil, e
	}
	kb, e := parseReplyMarkup(q.str("reply_markup"))
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.writableChatLocked(q.str("chat_id"))
	if e != nil {
		return nil, e
	}
	m := &Message{Kind: "text", Text: text, ParseMode: pm, Keyboard: kb, plain: f.plain, entities: f.entities}
	if e := s.sendLocked(c, m, EventSent); e != nil {
		return nil, e
	}
	return s.wireMessageLocked(c, m), nil
}

func handleSendPhoto(s *Server, _ context.Context, q *request) (any, *apiError) {
	return sendFile(s, q, "photo")
}

func handleSendDocument(s *Server, _ context.Context, q *request) (any, *apiError) {
	return sendFile(s, q, "document")
}

func sendFile(s *Server, q *request, kind string) (any, *apiError) {
	caption, pm := q.str("caption"), q.str("parse_mode")
	f, e := format(caption, pm, q.str("caption_entities"), maxCaptionLen, "", "message caption is too long")
	if e != nil {
		return nil, e
	}
	kb, e := parseReplyMarkup(q.str("reply_markup"))
	if e != nil {
		return nil, e
	}
	up, uploaded := q.files[kind]
	ref := q.str(kind)
	if !uploaded && ref == "" {
		return nil, badRequest("there is no " + kind + " in the request")
	}
	if name, ok := strings.CutPrefix(ref, "attach://"); ok {
		if up, uploaded = q.files[name]; !uploaded {
			return nil, badRequest("wrong file identifier/HTTP URL specified")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.writableChatLocked(q.str("chat_id"))
	if e != nil {
		return nil, e
	}
	var fileID, name string
	switch {
	case uploaded:
		name = up.name
	case strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://"):
		name = ref[strings.LastIndexByte(ref, '/')+1:]
	default:
		fi, ok := s.files[ref]
		if !ok {
			return nil, badRequest("wrong file identifier/HTTP URL specified")
		}
		if fi.kind != kind {
			return nil, badRequest("type of file mismatch")
		}
		fileID, name = ref, fi.name
	}
	m := &Message{Kind: kind, Caption: caption, ParseMode: pm, Keyboard: kb, FileName: name, plain: f.plain, entities: f.entities}
	if e := s.sendLocked(c, m, EventSent); e != nil {
		return nil, e
	}
	if fileID == "" {
		// Registered only once the send is accepted, so a rejected upload
		// does not leave a usable file_id behind.
		fileID = s.newFileLocked(kind, name, max(up.size, 1))
	}
	m.FileID = fileID
	return s.wireMessageLocked(c, m), nil
}

func (s *Server) sourceMessageLocked(q *request, notFound string) (*chatState, *Message, *apiError) {
	src, e := s.resolveChatLocked(q.str("from_chat_id"))
	if e != nil {
		return nil, nil, e
	}
	id, _ := q.integer("message_id")
	m := src.msgs[int(id)]
	if m == nil || m.Deleted {
		return nil, nil, badRequest(notFound)
	}
	return src, m, nil
}

func handleCopyMessage(s *Server, _ context.Context, q *request) (any, *apiError) {
	kb, e := parseReplyMarkup(q.str("reply_markup"))
	if e != nil {
		return nil, e
	}
	var capF formatted
	if q.has("caption") {
		if capF, e = format(q.str("caption"), q.str("parse_mode"), q.str("caption_entities"), maxCaptionLen, "", "message caption is too long"); e != nil {
			return nil, e
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	src, orig, e := s.sourceMessageLocked(q, "message to copy not found")
	if e != nil {
		return nil, e
	}
	c, e := s.writableChatLocked(q.str("chat_id"))
	if e != nil {
		return nil, e
	}
	m := &Message{Kind: "copy", Text: orig.Text, Caption: orig.Caption, ParseMode: orig.ParseMode, FileID: orig.FileID, FileName: orig.FileName,
		Keyboard: kb, FromChatID: src.id, FromMessageID: orig.ID, plain: orig.plain, entities: orig.entities}
	if q.has("caption") && orig.FileID != "" {
		m.Caption, m.ParseMode, m.plain, m.entities = q.str("caption"), q.str("parse_mode"), capF.plain, capF.entities
	}
	if e := s.sendLocked(c, m, EventCopied); e != nil {
		return nil, e
	}
	return wireMessageID{MessageID: m.ID}, nil
}

func handleForwardMessage(s *Server, _ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	src, orig, e := s.sourceMessageLocked(q, "message to forward not found")
	if e != nil {
		return nil, e
	}
	c, e := s.writableChatLocked(q.str("chat_id"))
	if e != nil {
		return nil, e
	}
	m := &Message{Kind: "forward", Text: orig.Text, Caption: orig.Caption, ParseMode: orig.ParseMode, FileID: orig.FileID, FileName: orig.FileName,
		FromChatID: src.id, FromMessageID: orig.ID, plain: orig.plain, entities: orig.entities}
	if e := s.sendLocked(c, m, EventForwarded); e != nil {
		return nil, e
	}
	return s.wireMessageLocked(c, m), nil
}

// editTargetLocked finds the bot message an edit refers to. Caller holds s.mu.
func (s *Server) editTargetLocked(q *request) (*chatState, *Message, *apiError) {
	if q.has("inline_message_id") {
		return nil, nil, badRequest("MESSAGE_ID_INVALID")
	}
	c, e := s.writableChatLocked(q.str("chat_id"))
	if e != nil {
		return nil, nil, e
	}
	id, _ := q.integer("message_id")
	m := c.msgs[int(id)]
	switch {
	case m == nil || m.Deleted:
		return nil, nil, badRequest("message to edit not found")
	case !m.FromBot:
		return nil, nil, badRequest("message can't be edited")
	}
	return c, m, nil
}

const notModified = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"

func (s *Server) editLocked(c *chatState, m *Message, ev string) *apiError {
	if ra, ok := s.admit(c, true); !ok {
		return tooMany(ra)
	}
	m.Edited++
	if ev == EventEdited {
		m.TextEdits++
	}
	s.stats.Edited++
	text := m.Text
	if text == "" {
		text = m.Caption
	}
	s.eventLocked(c, Event{Kind: ev, MessageID: m.ID, Text: text, Plain: m.plain, Keyboard: m.Keyboard})
	return nil
}

func handleEditMessageText(s *Server, _ context.Context, q *request) (any, *apiError) {
	return s.editFormatted(q, false)
}

func handleEditMessageCaption(s *Server, _ context.Context, q *request) (any, *apiError) {
	return s.editFormatted(q, true)
}

// editFormatted edits a message's text, or a file message's caption, with the checks
// Telegram makes: lengths after entity parsing, the right kind of message, a real change.
func (s *Server) editFormatted(q *request, caption bool) (any, *apiError) {
	field, entities, limit, empty, tooLong := "text", "entities", maxTextLen, "message text is empty", "MESSAGE_TOO_LONG"
	if caption {
		field, entities, limit, empty, tooLong = "caption", "caption_entities", maxCaptionLen, "", "message caption is too long"
	}
	value, pm := q.str(field), q.str("parse_mode")
	f, e := format(value, pm, q.str(entities), limit, empty, tooLong)
	if e != nil {
		return nil, e
	}
	kb, e := parseReplyMarkup(q.str("reply_markup"))
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, m, e := s.editTargetLocked(q)
	if e != nil {
		return nil, e
	}
	switch {
	case !caption && m.FileID != "":
		return nil, badRequest("there is no text in the message to edit")
	case caption && m.FileID == "":
		return nil, badRequest("there is no caption in the message to edit")
	}
	if m.plain == f.plain && slices.Equal(m.entities, f.entities) && keyboardsEqual(m.Keyboard, kb) {
		return nil, badRequest(notModified)
	}
	old := *m
	// Like Telegram, an edit without reply_markup drops the keyboard.
	if caption {
		m.Caption = value
	} else {
		m.Text = value
	}
	m.ParseMode, m.plain, m.entities, m.Keyboard = pm, f.plain, f.entities, kb
	if e := s.editLocked(c, m, EventEdited); e != nil {
		*m = old
		return nil, e
	}
	return s.wireMessageLocked(c, m), nil
}

func handleEditMessageReplyMarkup(s *Server, _ context.Context, q *request) (any, *apiError) {
	kb, e := parseReplyMarkup(q.str("reply_markup"))
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, m, e := s.editTargetLocked(q)
	if e != nil {
		return nil, e
	}
	if keyboardsEqual(m.Keyboard, kb) {
		return nil, badRequest(notModified)
	}
	old := m.Keyboard
	m.Keyboard = kb
	if e := s.editLocked(c, m, EventMarkupEdited); e != nil {
		m.Keyboard = old
		return nil, e
	}
	return s.wireMessageLocked(c, m), nil
}

func handleDeleteMessage(s *Server, _ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.resolveChatLocked(q.str("chat_id"))
	if e != nil {
		return nil, e
	}
	id, _ := q.integer("message_id")
	m := c.msgs[int(id)]
	if m == nil || m.Deleted {
		return nil, badRequest("message to delete not found")
	}
	if !m.FromBot && c.id < 0 {
		return nil, badRequest("message can't be deleted")
	}
	m.Deleted = true
	s.eventLocked(c, Event{Kind: EventDeleted, MessageID: m.ID})
	return true, nil
}

func handleAnswerCallbackQuery(s *Server, _ context.Context, q *request) (any, *apiError) {
	text := q.str("text")
	if UTF16Len(text) > maxCallbackLen {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cb := s.callbacks[q.str("callback_query_id")]
	if cb == nil || cb.answered {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	cb.answered = true
	s.eventLocked(s.chats[cb.chatID], Event{Kind: EventCallbackAnswer, Text: text, Plain: text, ShowAlert: q.boolean("show_alert"), Data: q.str("url")})
	return true, nil
}

// UnansweredCallbacks counts callback queries the bot has not answered;
// Telegram clients show a spinner until it does.
func (s *Server) UnansweredCallbacks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, cb := range s.callbacks {
		if !cb.answered {
			n++
		}
	}
	return n
}

// Command is one entry of the bot's command menu.
type Command struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

var (
	commandRe  = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
	languageRe = regexp.MustCompile(`^[a-z]{2}$`)
)

// commandKey identifies a command list as Telegram does: by scope (with
// its chat and user) and language.
func commandKey(q *request) (string, *apiError) {
	scope := struct {
		Type   string          `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
		UserID int64           `json:"user_id"`
	}{Type: "default"}
	if v := q.str("scope"); v != "" {
		if err := json.Unmarshal([]byte(v), &scope); err != nil || scope.Type == "" {
			return "", badRequest("can't parse BotCommandScope JSON object")
		}
	}
	key := scope.Type
	switch scope.Type {
	case "default", "all_private_chats", "all_group_chats", "all_chat_administrators":
	case "chat", "chat_administrators":
		key += ":" + strings.Trim(string(scope.ChatID), `"`)
	case "chat_member":
		key += ":" + strings.Trim(string(scope.ChatID), `"`) + ":" + strconv.FormatInt(scope.UserID, 10)
	default:
		return "", badRequest("unsupported bot command scope type")
	}
	lang := q.str("language_code")
	if lang != "" && !languageRe.MatchString(lang) {
		return "", badRequest("invalid language code specified")
	}
	return key + "|" + lang, nil
}

func handleSetMyCommands(s *Server, _ context.Context, q *request) (any, *apiError) {
	var cmds []Command
	if err := json.Unmarshal([]byte(q.str("commands")), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON object")
	}
	if len(cmds) > 100 {
		return nil, badRequest("BOT_COMMANDS_TOO_MUCH")
	}
	for _, c := range cmds {
		if !commandRe.MatchString(c.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := len([]rune(c.Description)); n == 0 || n > 256 {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	key, e := commandKey(q)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(cmds) == 0 {
		delete(s.commands, key)
	} else {
		s.commands[key] = cmds
	}
	return true, nil
}

func handleGetMyCommands(s *Server, _ context.Context, q *request) (any, *apiError) {
	key, e := commandKey(q)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cmds := s.commands[key]
	if cmds == nil {
		cmds = []Command{}
	}
	return cmds, nil
}

func handleDeleteMyCommands(s *Server, _ context.Context, q *request) (any, *apiError) {
	key, e := commandKey(q)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.commands, key)
	return true, nil
}

// Commands returns the command menu set for a scope and language. scope is
// the BotCommandScope type ("default", "all_private_chats", ...), or for
// chat-bound scopes "chat:<chat_id>", "chat_administrators:<chat_id>",
// "chat_member:<chat_id>:<user_id>".
func (s *Server) Commands(scope, languageCode string) []Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Command(nil), s.commands[scope+"|"+languageCode]...)
}

// CommandScopes lists the "scope|language" keys that have commands set.
func (s *Server) CommandScopes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.commands))
	for k := range s.commands {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func handleLeaveChat(s *Server, _ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.resolveChatLocked(q.str("chat_id"))
	if e != nil {
		return nil, e
	}
	if c.id > 0 {
		return nil, badRequest("chat member status can't be changed in private chats")
	}
	if !c.member {
		return nil, forbidden("bot is not a member of the " + c.kind + " chat")
	}
	c.member = false
	s.left = append(s.left, c.id)
	s.eventLocked(c, Event{Kind: EventBotLeft})
	return true, nil
}

func handleGetChat(s *Server, _ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.resolveChatLocked(q.str("chat_id"))
	if e != nil {
		return nil, e
	}
	return c.wire(), nil
}

func handleSendChatAction(s *Server, _ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, e := s.writableChatLocked(q.str("chat_id")); e != nil {
		return nil, e
	}
	return true, nil
}

// HTMLTextLen is the length Telegram finds in a text sent with parse_mode HTML, as this
// emulator checks it against the 4096 of a message and the 1024 of a caption: UTF-16 units of
// the text once parsed and trimmed. An error is what it would answer to a text it cannot parse.
func HTMLTextLen(text string) (int, error) {
	f, e := format(text, "HTML", "", math.MaxInt, "", "")
	if e != nil {
		return 0, fmt.Errorf("%s", e.desc)
	}
	return UTF16Len(f.plain), nil
}
