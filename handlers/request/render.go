package request

// How the messages of a request-for-information thread are rendered for each recipient, in
// their language: the request, replies, files, reminders and escalations.

import (
	"context"
	"fmt"
	"html"
	"strconv"
	"strings"

	"focalbot/bot"
	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/rfi"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

func renderRequest(ctx context.Context, a *bot.App, row delivery.Row, to *store.Member) (delivery.Message, error) {
	r, err := store.RFIByID(ctx, a.Store.DB, row.RefID, false)
	if err != nil {
		return delivery.Message{}, err
	}
	msgs, err := store.RFIMessages(ctx, a.Store.DB, r.ID)
	if err != nil || len(msgs) == 0 || msgs[0].Kind != store.RFIMsgRequest {
		return delivery.Message{}, fmt.Errorf("rfi #%d has no request message: %v", r.ID, err)
	}
	files, err := store.CountRFIAttachments(ctx, a.Store.DB, msgs[0].ID)
	if err != nil {
		return delivery.Message{}, err
	}
	lang := ui.MemberLang(a, to)
	rc, err := store.RFIRecipientOf(ctx, a.Store.DB, r.ID, to.ID)
	if err != nil {
		return delivery.Message{}, err
	}
	if a.Confidential() {
		out := confidentialMessage(a, lang, to, r, a.I18n.T(lang, "rfi_conf_request", nil))
		if rc.Role == store.RFICopy {
			out.Text = a.I18n.T(lang, "rfi_copy_note", nil) + "\n" + out.Text
		}
		return withTake(a, lang, r, rc, out), nil
	}
	sum, err := summary(ctx, a, lang, to, r, files)
	if err != nil {
		return delivery.Message{}, err
	}
	text := sum + "\n\n" + a.I18n.T(lang, "rfi_body", map[string]any{"Body": body(a, lang, msgs[0].Lang, msgs[0].Body)})
	out := delivery.Message{Text: text}
	switch {
	case rc.Role == store.RFICopy:
		out.Text = a.I18n.T(lang, "rfi_copy_note", nil) + "\n" + text
	case r.Open():
		out.ReplyMarkup = targetButtons(a, lang, r.ID, rc)
	}
	return out, nil
}

// threadMessage loads a message of a thread with its request and its author (nil for the
// bot's own), what every renderer of a thread's messages and files starts from.
func threadMessage(ctx context.Context, a *bot.App, messageID int64) (*store.RFIMessage, *store.RFI, *store.Member, error) {
	m, err := store.RFIMessageByID(ctx, a.Store.DB, messageID)
	if err != nil {
		return nil, nil, nil, err
	}
	r, err := store.RFIByID(ctx, a.Store.DB, m.RFIID, false)
	if err != nil {
		return nil, nil, nil, err
	}
	var author *store.Member
	if m.AuthorID != nil {
		if author, err = store.MemberByID(ctx, a.Store.DB, *m.AuthorID); err != nil {
			return nil, nil, nil, err
		}
	}
	return m, r, author, nil
}

func renderMessage(ctx context.Context, a *bot.App, row delivery.Row, to *store.Member) (delivery.Message, error) {
	m, r, author, err := threadMessage(ctx, a, row.RefID)
	if err != nil {
		return delivery.Message{}, err
	}
	lang := ui.MemberLang(a, to)
	if a.Confidential() {
		event := a.I18n.T(lang, "rfi_conf_entry", nil)
		switch m.Kind {
		case store.RFIMsgTaken, store.RFIMsgReleased, store.RFIMsgClosed: // no text of anyone's: who and what only
			event = a.I18n.T(lang, "rfi_msg_"+m.Kind, map[string]any{"Ref": r.Ref, "Who": who(a, lang, author)})
		}
		out := confidentialMessage(a, lang, to, r, event)
		if m.Kind == store.RFIMsgAnswer || m.Kind == store.RFIMsgReleased {
			if rc, err := store.RFIRecipientOf(ctx, a.Store.DB, r.ID, to.ID); err == nil {
				out = withTake(a, lang, r, rc, out)
			}
		}
		return out, nil
	}
	id := "rfi_msg_" + m.Kind
	if m.Late {
		id = "rfi_msg_reply_late"
	}
	text := a.I18n.T(lang, id, map[string]any{"Ref": r.Ref, "Who": who(a, lang, author), "Body": body(a, lang, m.Lang, m.Body)})
	files, err := store.CountRFIAttachments(ctx, a.Store.DB, m.ID)
	if err != nil {
		return delivery.Message{}, err
	}
	if files > 0 {
		text += "\n" + a.I18n.N(lang, "rfi_files_follow", files, nil)
	}
	out := delivery.Message{Text: text}
	if !r.Open() {
		return out, nil
	}
	if to.ID == r.RequesterID && (m.Kind == store.RFIMsgReply || m.Kind == store.RFIMsgDecline) {
		out.ReplyMarkup = requesterButtons(a, lang, r.ID)
		return out, nil
	}
	rc, err := store.RFIRecipientOf(ctx, a.Store.DB, r.ID, to.ID)
	if err == nil && rc.Role == store.RFITarget && rc.State != store.RFIDeclined &&
		(m.Kind == store.RFIMsgAnswer || m.Kind == store.RFIMsgReleased) {
		out.ReplyMarkup = targetButtons(a, lang, r.ID, rc)
	}
	return out, nil
}

func renderFile(ctx context.Context, a *bot.App, row delivery.Row, to *store.Member) (delivery.Message, error) {
	if a.Confidential() {
		// Listed under its message in the Mini App, and downloaded from there.
		return delivery.Message{}, fmt.Errorf("rfi file #%d in confidential mode: %w", row.RefID, delivery.ErrSkip)
	}
	f, err := store.RFIAttachmentByID(ctx, a.Store.DB, row.RefID)
	if err != nil {
		return delivery.Message{}, err
	}
	_, r, author, err := threadMessage(ctx, a, f.MessageID)
	if err != nil {
		return delivery.Message{}, err
	}
	lang := ui.MemberLang(a, to)
	out := delivery.Message{Text: a.I18n.T(lang, "rfi_file_caption", map[string]any{"Ref": r.Ref, "Who": who(a, lang, author)})}
	if f.Kind == "photo" {
		out.PhotoFileID = f.FileID
	} else {
		out.DocumentFileID = f.FileID
	}
	return out, nil
}

func renderReminder(ctx context.Context, a *bot.App, row delivery.Row, to *store.Member) (delivery.Message, error) {
	r, err := store.RFIByID(ctx, a.Store.DB, row.RefID, false)
	if err != nil {
		return delivery.Message{}, err
	}
	rc, err := store.RFIRecipientOf(ctx, a.Store.DB, r.ID, to.ID)
	if err != nil {
		return delivery.Message{}, err
	}
	// Answered or closed between the job and the send: the reminder is no longer needed.
	if !r.Open() || rc.State == store.RFIReplied || rc.State == store.RFIDeclined {
		return delivery.Message{}, delivery.ErrSkip
	}
	msgs, err := store.RFIMessages(ctx, a.Store.DB, r.ID)
	if err != nil || len(msgs) == 0 {
		return delivery.Message{}, fmt.Errorf("rfi #%d has no request message: %v", r.ID, err)
	}
	lang := ui.MemberLang(a, to)
	if a.Confidential() {
		return withTake(a, lang, r, rc, confidentialMessage(a, lang, to, r, a.I18n.T(lang, "rfi_reminder", map[string]any{"Ref": r.Ref, "Time": ui.Time(to, r.ReplyBy)}))), nil
	}
	sum, err := summary(ctx, a, lang, to, r, 0)
	if err != nil {
		return delivery.Message{}, err
	}
	text := a.I18n.T(lang, "rfi_reminder", map[string]any{"Ref": r.Ref, "Time": ui.Time(to, r.ReplyBy)}) +
		"\n\n" + sum + "\n\n" + a.I18n.T(lang, "rfi_body", map[string]any{"Body": body(a, lang, msgs[0].Lang, msgs[0].Body)})
	return delivery.Message{Text: text, ReplyMarkup: targetButtons(a, lang, r.ID, rc)}, nil
}

func renderEscalation(ctx context.Context, a *bot.App, row delivery.Row, to *store.Member) (delivery.Message, error) {
	r, err := store.RFIByID(ctx, a.Store.DB, row.RefID, false)
	if err != nil {
		return delivery.Message{}, err
	}
	lang := ui.MemberLang(a, to)
	sum, err := summary(ctx, a, lang, to, r, 0)
	if err != nil {
		return delivery.Message{}, err
	}
	lines, err := recipientLines(ctx, a, lang, r.ID)
	if err != nil {
		return delivery.Message{}, err
	}
	if len(lines) > escalationListMax {
		more := a.I18n.T(lang, "rfi_recipients_more", map[string]any{"Count": len(lines) - escalationListMax, "Ref": r.Ref})
		lines = append(lines[:escalationListMax], more)
	}
	received := a.I18n.T(lang, "rfi_received_by", nil) + "\n" + strings.Join(lines, "\n")
	if a.Confidential() {
		out := confidentialMessage(a, lang, to, r, a.I18n.T(lang, "rfi_escalation", map[string]any{"Ref": r.Ref, "Time": ui.Time(to, r.ReplyBy)}))
		out.Text += "\n\n" + received
		return out, nil
	}
	text := a.I18n.T(lang, "rfi_escalation", map[string]any{"Ref": r.Ref, "Time": ui.Time(to, r.ReplyBy)}) +
		"\n\n" + sum + "\n\n" + received
	return delivery.Message{Text: text}, nil
}

// recipientLines lists the targets of a request with what each did, for the escalation
// and the thread view.
func recipientLines(ctx context.Context, a *bot.App, lang string, rfiID int64) ([]string, error) {
	rs, err := store.RFIRecipients(ctx, a.Store.DB, rfiID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, rc := range rs {
		ids = append(ids, rc.MemberID)
	}
	ms, err := rfi.Members(ctx, a.Store.DB, ids)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, rc := range rs {
		if rc.Role != store.RFITarget {
			continue
		}
		lines = append(lines, a.I18n.T(lang, "rfi_recipient_line", map[string]any{
			"Who":   who(a, lang, ms[rc.MemberID]),
			"State": i18n.HTML(a.I18n.T(lang, "rfi_state_"+rc.State, nil)),
		}))
	}
	return lines, nil
}

// body is free text as its author wrote it (escaped), labelled with the author's language
// when the reader's is another.
func body(a *bot.App, readerLang, authorLang, body string) i18n.HTML {
	text := i18n.Isolate(readerLang, html.EscapeString(body))
	if i18n.SameLanguage(readerLang, authorLang, body) {
		return i18n.HTML(text)
	}
	return i18n.HTML(a.I18n.T(readerLang, "rfi_written_in", map[string]any{"Language": i18n.TextLanguage(a.I18n.T, readerLang, authorLang, body)}) + "\n" + text)
}

// confidentialMessage is all of a request that goes through Telegram in confidential mode
// (CONFIDENTIAL_CONTENT): what happened (event, without anyone's text), the reference, the
// countries it went to and its deadline, with an Open button; its text, thread and files are
// read, and replies written, in the Mini App (bot/console).
func confidentialMessage(a *bot.App, lang string, to *store.Member, r *store.RFI, event string) delivery.Message {
	return delivery.Message{Text: event + "\n\n" + confidentialHead(a, lang, to, r),
		ReplyMarkup: (&bot.Keyboard{}).Row(a.AppButton(lang, "/app/requests/"+r.Ref))}
}

// withTake adds "I am handling it" under a confidential message for a target who may still
// take the request (a press that carries nothing of its content); replying and declining are in
// the Mini App.
func withTake(a *bot.App, lang string, r *store.RFI, rc *store.RFIRecipient, out delivery.Message) delivery.Message {
	if rc == nil || rc.Role != store.RFITarget || !r.Open() || rc.State == store.RFIHandling || rc.State == store.RFIDeclined || rc.State == store.RFIReplied {
		return out
	}
	kb, _ := out.ReplyMarkup.(*bot.Keyboard)
	if kb == nil {
		kb = &bot.Keyboard{}
	}
	out.ReplyMarkup = kb.Row(bot.Button{Text: a.I18n.T(lang, "rfi_btn_take", nil), CallbackData: bot.CB(verbTake, strconv.FormatInt(r.ID, 10))})
	return out
}

// confidentialHead is a request's reference, the countries it went to (not a named member:
// CARICC or "—") and its deadline, in reader's time zone.
func confidentialHead(a *bot.App, lang string, reader *store.Member, r *store.RFI) string {
	to := targetsText(a, lang, r.TargetCountries, nil, r.ToCARICC)
	if to == "" {
		to = "—"
	}
	return a.I18n.T(lang, "rfi_request_head", map[string]any{"Ref": r.Ref}) + "\n" +
		a.I18n.T(lang, "rfi_sum_to", map[string]any{"To": to}) + "\n" +
		a.I18n.T(lang, "rfi_sum_reply_by", map[string]any{"Time": ui.Time(reader, r.ReplyBy)})
}
