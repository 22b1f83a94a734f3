package request

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/rfi"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// Requests for information (issue #7), the thread side: how a request and its replies are
// rendered for each recipient, who receives each entry, /requests and /request REF, the
// deadline job (one reminder, then escalation to CARICC) and the release of requests held by
// members who are no longer active. The conversation that writes a request is rfi_ask.go; the
// buttons of recipients and requester are rfi_reply.go.

// maxBody is how long the free text of one request or reply may be (rfi.MaxBody).
const maxBody = rfi.MaxBody

// maxFiles is how many photos and documents one request or reply may carry (rfi.MaxFiles).
const maxFiles = rfi.MaxFiles

// Register wires the feature into the app.
func Register(a *bot.App) {
	a.RequestFits = func(from *store.Member, writtenLang, text string) (int, bool) {
		return renderedLength(a, true, from, writtenLang, text)
	}
	a.Command("directory", bot.Members, directory)
	a.Command("ask", bot.Contributors, ask)
	a.Command("requests", bot.Members, list)
	a.Command("request", bot.Members, show)
	a.Flow(askFlow, bot.Members, askInput)
	a.Flow(writeFlow, bot.Members, writeInput)
	a.Callback(verbAsk, bot.Members, askButton)
	a.Callback(verbReply, bot.Members, replyButton)
	a.Callback(verbTake, bot.Members, takeButton)
	a.Callback(verbDecline, bot.Members, declineButton)
	a.Callback(verbAnswer, bot.Members, answerButton)
	a.Callback(verbClose, bot.Members, closeButton)
	a.Callback(verbSend, bot.Members, writeSendButton)
	a.Callback(verbView, bot.Members, viewButton)
	a.Renderer(rfi.KindRequest, func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		return renderRequest(ctx, a, row, to)
	})
	a.Renderer(rfi.KindMessage, func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		return renderMessage(ctx, a, row, to)
	})
	a.Renderer(rfi.KindFile, func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		return renderFile(ctx, a, row, to)
	})
	a.Renderer(rfi.KindReminder, func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		return renderReminder(ctx, a, row, to)
	})
	a.Renderer(rfi.KindEscalate, func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		return renderEscalation(ctx, a, row, to)
	})
	a.Job("rfi_deadlines", time.Minute, func(ctx context.Context, now time.Time) error {
		return deadlines(ctx, a, now)
	})
	a.Job("rfi_release_sweep", time.Minute, func(ctx context.Context, now time.Time) error {
		return a.Store.InTx(ctx, func(tx *sqlx.Tx) error {
			_, err := rfi.ReleaseHeldBy(ctx, tx, 0, now)
			return err
		})
	})
}

// ---- people and words ----

// who names a member for others by the one rule (ui.MemberName), CARICC itself for nil.
// Plain text; escaped where used.
func who(a *bot.App, lang string, m *store.Member) string {
	if m == nil {
		return a.I18n.T(lang, "rfi_caricc", nil)
	}
	return ui.MemberName(a, lang, m)
}

// targetsText lists whom a request went to, in lang: countries, a member, CARICC.
func targetsText(a *bot.App, lang string, countries []string, member *store.Member, toCARICC bool) string {
	var parts []string
	for _, c := range countries {
		parts = append(parts, i18n.CountryName(lang, c))
	}
	if member != nil {
		parts = append(parts, who(a, lang, member))
	}
	if toCARICC {
		parts = append(parts, a.I18n.T(lang, "rfi_caricc", nil))
	}
	return i18n.JoinList(lang, parts)
}

// cARICC lists who stands for CARICC (rfi.CARICC).
func cARICC(members []store.Member) []store.Member { return rfi.CARICC(members) }

// summary is the head of a request as every view shows it: reference, urgency, from, to,
// reply-by, alert and number of files.
func summary(ctx context.Context, a *bot.App, lang string, reader *store.Member, r *store.RFI, files int) (string, error) {
	ids := []int64{r.RequesterID}
	if r.TargetMemberID != nil {
		ids = append(ids, *r.TargetMemberID)
	}
	ms, err := rfi.Members(ctx, a.Store.DB, ids)
	if err != nil {
		return "", err
	}
	var target *store.Member
	if r.TargetMemberID != nil {
		target = ms[*r.TargetMemberID]
	}
	return summaryText(a, lang, summaryData{Reader: reader, Ref: r.Ref, Urgency: r.Urgency, From: ms[r.RequesterID],
		Countries: r.TargetCountries, Member: target, CARICC: r.ToCARICC, ReplyBy: r.ReplyBy, AlertRef: r.AlertRef, Files: files}), nil
}

type summaryData struct {
	Reader    *store.Member // whose zone the reply-by time is shown in
	Ref       string        // empty in the review of a draft
	Urgency   string
	From      *store.Member
	Countries []string
	Member    *store.Member
	CARICC    bool
	ReplyBy   time.Time
	AlertRef  *string
	Files     int
}

func summaryText(a *bot.App, lang string, d summaryData) string {
	T := func(id string, data map[string]any) string { return a.I18n.T(lang, id, data) }
	var lines []string
	if d.Ref != "" {
		head := T("rfi_request_head", map[string]any{"Ref": d.Ref})
		if d.Urgency == store.RFIUrgent {
			head += " · " + T("rfi_urgent_mark", nil)
		}
		lines = append(lines, head)
	}
	if d.From != nil {
		lines = append(lines, T("rfi_sum_from", map[string]any{"Who": who(a, lang, d.From)}))
	}
	lines = append(lines,
		T("rfi_sum_to", map[string]any{"To": targetsText(a, lang, d.Countries, d.Member, d.CARICC)}),
		T("rfi_sum_urgency", map[string]any{"Urgency": i18n.HTML(T("rfi_urgency_"+d.Urgency, nil))}),
		T("rfi_sum_reply_by", map[string]any{"Time": ui.Time(d.Reader, d.ReplyBy)}))
	if d.AlertRef != nil {
		lines = append(lines, T("rfi_sum_alert", map[string]any{"Ref": *d.AlertRef}))
	}
	if d.Files > 0 {
		lines = append(lines, a.I18n.N(lang, "rfi_sum_files", d.Files, nil))
	}
	return strings.Join(lines, "\n")
}

// targetButtons are the buttons of a target under a request: Reply, I am handling it,
// Decline. The one already handling it (rc, their place in the thread) is not offered to
// take it again.
func targetButtons(a *bot.App, lang string, rfiID int64, rc *store.RFIRecipient) *bot.Keyboard {
	id := strconv.FormatInt(rfiID, 10)
	row := []bot.Button{{Text: a.I18n.T(lang, "rfi_btn_reply", nil), CallbackData: bot.CB(verbReply, id)}}
	if rc == nil || rc.State != store.RFIHandling {
		row = append(row, bot.Button{Text: a.I18n.T(lang, "rfi_btn_take", nil), CallbackData: bot.CB(verbTake, id)})
	}
	kb := &bot.Keyboard{}
	return kb.Row(row...).
		Row(bot.Button{Text: a.I18n.T(lang, "rfi_btn_decline", nil), CallbackData: bot.CB(verbDecline, id)})
}

// requesterButtons are the requester's buttons under a reply: Answer, Close.
func requesterButtons(a *bot.App, lang string, rfiID int64) *bot.Keyboard {
	id := strconv.FormatInt(rfiID, 10)
	kb := &bot.Keyboard{}
	return kb.Row(bot.Button{Text: a.I18n.T(lang, "rfi_btn_answer", nil), CallbackData: bot.CB(verbAnswer, id)},
		bot.Button{Text: a.I18n.T(lang, "rfi_btn_close", nil), CallbackData: bot.CB(verbClose, id)})
}

// ---- renderers: run at send time, in the recipient's language ----

// escalationListMax keeps an escalation within one message however many received the
// request; the rest is counted and the thread view (/request REF) lists everyone.
const escalationListMax = 30

// ---- who receives what ----

// post relays a thread message to a group of the request (rfi.Post).
func post(ctx context.Context, tx *sqlx.Tx, x *store.RFI, who string, msg store.RFIMessage, files []rfi.File, extra ...int64) error {
	return rfi.Post(ctx, tx, x, who, msg, files, extra...)
}

// audit records what a member did to a request (rfi.Audit).
func audit(ctx context.Context, tx *sqlx.Tx, me *store.Member, action string, x *store.RFI, after map[string]any) error {
	return rfi.Audit(ctx, tx, me, action, x, after)
}

// ---- member leaves: release what they held ----

// ---- deadlines ----

// ---- /requests and /request REF ----

// list shows the member's open requests: outgoing, incoming, and for analysts the ones
// CARICC was copied on. Each has a button that opens its thread.
func list(ctx context.Context, r *bot.Request) error {
	a, me := r.App, r.Member
	rs, err := store.OpenRFIsOf(ctx, a.Store.DB, me.ID, me.IsAnalyst())
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		return r.Reply(ctx, "rfi_list_empty", nil, nil)
	}
	var out, in, copies []string
	kb := &bot.Keyboard{}
	for i := range rs {
		x := &rs[i]
		line := r.T("rfi_list_line", map[string]any{"Ref": x.Ref, "Time": ui.Time(r.Member, x.ReplyBy)})
		if x.Urgency == store.RFIUrgent {
			line += " · " + r.T("rfi_urgent_mark", nil)
		}
		switch rc, err := store.RFIRecipientOf(ctx, a.Store.DB, x.ID, me.ID); {
		case x.RequesterID == me.ID:
			out = append(out, line)
		case err == nil && rc.Role == store.RFITarget:
			in = append(in, line)
		default:
			copies = append(copies, line)
		}
		if len(kb.InlineKeyboard) < 20 {
			kb.Row(bot.Button{Text: x.Ref, CallbackData: bot.CB(verbView, x.ID)})
		}
	}
	parts := []string{r.T("rfi_list_head", nil)}
	for _, sec := range []struct {
		id    string
		lines []string
	}{{"rfi_list_out", out}, {"rfi_list_in", in}, {"rfi_list_copy", copies}} {
		if len(sec.lines) > 0 {
			parts = append(parts, r.T(sec.id, nil)+"\n"+strings.Join(sec.lines, "\n"))
		}
	}
	parts = append(parts, r.T("rfi_list_hint", nil))
	return sendParts(ctx, r, parts, kb)
}

// show is /request REF.
func show(ctx context.Context, r *bot.Request) error {
	_, arg := r.Command()
	typed := strings.ToUpper(strings.TrimSpace(arg))
	if typed == "" {
		return bot.Tell("rfi_request_usage", nil)
	}
	ref, ok := ui.NormaliseRef("RFI", typed)
	if !ok {
		return bot.Tell("rfi_not_found", map[string]any{"Ref": typed})
	}
	x, err := store.RFIByRef(ctx, r.App.Store.DB, ref)
	if errors.Is(err, store.ErrNotFound) {
		return bot.Tell("rfi_not_found", map[string]any{"Ref": ref})
	}
	if err != nil {
		return err
	}
	return showThread(ctx, r, x)
}

// viewButton opens a thread from the /requests list.
func viewButton(ctx context.Context, r *bot.Request) error {
	x, err := fromButton(ctx, r)
	if err != nil {
		return err
	}
	if ok, err := canSee(ctx, r.App.Store.DB, r.Member, x); err != nil {
		return err
	} else if !ok {
		return bot.Tell("rfi_no_such", nil)
	}
	return showThread(ctx, r, x)
}

// canSee: a member sees only the threads they are part of; analysts see all (rfi.CanSee).
func canSee(ctx context.Context, q store.Querier, m *store.Member, x *store.RFI) (bool, error) {
	return rfi.CanSee(ctx, q, m, x)
}

// showThread shows a whole thread to someone allowed to see it, split into as many
// messages as Telegram's limit needs, with the buttons that fit their part in it.
func showThread(ctx context.Context, r *bot.Request, x *store.RFI) error {
	a, me := r.App, r.Member
	ok, err := canSee(ctx, a.Store.DB, me, x)
	if err != nil {
		return err
	}
	if !ok {
		// The same answer as for a reference that does not exist: no leak of what exists.
		return bot.Tell("rfi_not_found", map[string]any{"Ref": x.Ref})
	}
	if a.Confidential() {
		// The thread is read in the Mini App; the chat shows its header and Open.
		return sendParts(ctx, r, []string{confidentialHead(a, r.Lang, r.Member, x)}, (&bot.Keyboard{}).Row(a.AppButton(r.Lang, "/app/requests/"+x.Ref)))
	}
	msgs, err := store.RFIMessages(ctx, a.Store.DB, x.ID)
	if err != nil {
		return err
	}
	files, err := store.RFIAttachments(ctx, a.Store.DB, x.ID)
	if err != nil {
		return err
	}
	var ids []int64
	for _, m := range msgs {
		if m.AuthorID != nil {
			ids = append(ids, *m.AuthorID)
		}
	}
	authors, err := rfi.Members(ctx, a.Store.DB, ids)
	if err != nil {
		return err
	}
	sum, err := summary(ctx, a, r.Lang, r.Member, x, 0)
	if err != nil {
		return err
	}
	state := r.T("rfi_state_open", nil)
	if !x.Open() && x.ClosedAt != nil {
		state = r.T("rfi_state_closed", map[string]any{"Time": ui.Time(r.Member, *x.ClosedAt)})
	}
	parts := []string{sum + "\n" + r.T("rfi_sum_state", map[string]any{"State": i18n.HTML(state)})}
	for _, m := range msgs {
		var author *store.Member
		if m.AuthorID != nil {
			author = authors[*m.AuthorID]
		}
		id := "rfi_view_" + m.Kind
		if m.Late {
			id = "rfi_view_reply_late"
		}
		entry := r.T(id, map[string]any{"Time": ui.Time(r.Member, m.CreatedAt), "Who": who(a, r.Lang, author), "Body": body(a, r.Lang, m.Lang, m.Body)})
		for _, f := range files {
			if f.MessageID != m.ID {
				continue
			}
			name := f.FileName
			if f.Kind == "photo" || name == "" {
				name = r.T("rfi_photo", nil)
			}
			entry += "\n" + r.T("rfi_view_file", map[string]any{"Name": name})
		}
		parts = append(parts, entry)
	}
	lines, err := recipientLines(ctx, a, r.Lang, x.ID)
	if err != nil {
		return err
	}
	// The list goes in parts of 30 lines, so that even a long one splits across messages.
	head := r.T("rfi_received_by", nil)
	for len(lines) > 0 {
		k := min(len(lines), 30)
		parts = append(parts, head+"\n"+strings.Join(lines[:k], "\n"))
		head, lines = "", lines[k:]
	}

	var kb *bot.Keyboard
	if x.Open() {
		rc, err := store.RFIRecipientOf(ctx, a.Store.DB, x.ID, me.ID)
		switch {
		case x.RequesterID == me.ID:
			kb = requesterButtons(a, r.Lang, x.ID)
		case err == nil && rc.Role == store.RFITarget:
			kb = targetButtons(a, r.Lang, x.ID, rc)
		}
	}
	return sendParts(ctx, r, parts, kb)
}

// sendParts sends parts joined by blank lines, as few messages as Telegram's 4096 limit
// allows (never cutting a part); the keyboard goes under the last.
func sendParts(ctx context.Context, r *bot.Request, parts []string, kb *bot.Keyboard) error {
	const limit = 4000 // HTML length: never less than what Telegram counts
	var chunks []string
	cur := ""
	for _, p := range parts {
		switch {
		case cur == "":
			cur = p
		case alert.UTF16Len(cur)+2+alert.UTF16Len(p) <= limit:
			cur += "\n\n" + p
		default:
			chunks = append(chunks, cur)
			cur = p
		}
	}
	if cur != "" {
		chunks = append(chunks, cur)
	}
	if kb != nil && len(kb.InlineKeyboard) == 0 {
		kb = nil
	}
	return ui.SendChunks(ctx, r, chunks, kb)
}

// fromButton reads the request ID of a pressed "verb:ID" button and loads the request.
// A forged ID gets the same answer as a request the member may not see (rfi_no_such), which
// names no reference.
func fromButton(ctx context.Context, r *bot.Request) (*store.RFI, error) {
	id := r.Data().ID(0)
	if id == 0 {
		return nil, bot.Tell("rfi_no_such", nil)
	}
	x, err := store.RFIByID(ctx, r.App.Store.DB, id, false)
	if errors.Is(err, store.ErrNotFound) {
		return nil, bot.Tell("rfi_no_such", nil)
	}
	return x, err
}
