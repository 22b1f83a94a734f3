package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
)

// /ask: the conversation that writes a request for information. Steps, each saved in the
// conversations table so a restart loses nothing:
//
//	target   → countries (toggled) and/or CARICC, or "a named member" → member
//	missing  → a chosen country has no active focal point: send to CARICC instead, or go back
//	body     → text, photos and documents, then Done (an empty request is refused)
//	urgency  → routine | urgent
//	reply_by → 2 h | 24 h | 3 days, or typed (in the past is refused)
//	alert    → an alert reference ALR-YYYY-NNNNNN, or Skip
//	review   → Send | Cancel
//
// Buttons carry "rfiask:<action>[:arg]"; each press is checked against the step the
// conversation is in, so a press on an old message does nothing but say so.

const rfiAskFlow = "rfi_ask"

// rfiFile is a photo or document sent in a conversation, kept by Telegram's file_id.
type rfiFile struct {
	Kind   string `json:"kind"` // photo | document
	FileID string `json:"file_id"`
	Name   string `json:"name,omitempty"`
}

// rfiDraft is the request being written.
type rfiDraft struct {
	Countries []string  `json:"countries,omitempty"`
	MemberID  int64     `json:"member_id,omitempty"`
	CARICC    bool      `json:"caricc,omitempty"`
	Missing   []string  `json:"missing,omitempty"` // chosen countries without an active focal point
	Body      string    `json:"body,omitempty"`
	Files     []rfiFile `json:"files,omitempty"`
	Urgency   string    `json:"urgency,omitempty"`
	ReplyBy   time.Time `json:"reply_by,omitzero"`
	AlertRef  string    `json:"alert_ref,omitempty"`
	Album     string    `json:"album,omitempty"` // media_group_id of the album whose first photo was answered
}

// rfiAsk starts a request. Observers submit nothing, so they cannot ask.
func rfiAsk(ctx context.Context, r *bot.Request) error {
	if r.Member.Role == store.RoleObserver {
		return bot.Tell("error_not_allowed", nil)
	}
	d := rfiDraft{}
	if err := r.SaveConv(ctx, rfiAskFlow, "target", d); err != nil {
		return err
	}
	return r.Reply(ctx, "rfi_ask_target", nil, rfiTargetKeyboard(r, &d))
}

// rfiTargetKeyboard shows the network's countries (a tick on those chosen), CARICC, the
// choice of one named member, Next and Cancel.
func rfiTargetKeyboard(r *bot.Request, d *rfiDraft) *bot.Keyboard {
	kb := &bot.Keyboard{}
	var row []bot.Button
	for _, c := range store.NetworkCountries {
		label := i18n.CountryName(r.Lang, c)
		if slices.Contains(d.Countries, c) {
			label = "✓ " + label
		}
		row = append(row, bot.Button{Text: label, CallbackData: "rfiask:c:" + c})
		if len(row) == 2 {
			kb.Row(row...)
			row = nil
		}
	}
	if len(row) > 0 {
		kb.Row(row...)
	}
	caricc := r.T("rfi_caricc", nil)
	if d.CARICC {
		caricc = "✓ " + caricc
	}
	kb.Row(bot.Button{Text: caricc, CallbackData: "rfiask:caricc"},
		bot.Button{Text: r.T("rfi_btn_member", nil), CallbackData: "rfiask:m"})
	kb.Row(bot.Button{Text: r.T("rfi_btn_next", nil), CallbackData: "rfiask:next"},
		bot.Button{Text: r.T("rfi_btn_cancel", nil), CallbackData: "rfiask:cancel"})
	return kb
}

// rfiAskButton handles every button of the conversation.
func rfiAskButton(ctx context.Context, r *bot.Request) error {
	if err := r.Require(ctx, bot.Contributors); err != nil { // the current role, not the one at /ask
		return err
	}
	parts := strings.SplitN(r.CallbackData(), ":", 3)
	action, arg := "", ""
	if len(parts) > 1 {
		action = parts[1]
	}
	if len(parts) > 2 {
		arg = parts[2]
	}
	if r.Conv == nil || r.Conv.Flow != rfiAskFlow {
		return bot.Tell("rfi_stale_button", nil)
	}
	var d rfiDraft
	if err := r.ConvData(&d); err != nil {
		return err
	}
	step := r.Conv.Step
	if action == "cancel" {
		if err := r.EndConv(ctx); err != nil {
			return err
		}
		return r.Reply(ctx, "cancelled", nil, nil)
	}
	// Which step each button belongs to: a press from another step is stale.
	wantStep := map[string]string{"c": "target", "caricc": "target", "m": "target", "next": "target",
		"mm": "member", "instead": "missing", "back": step, "done": "body", "u": "urgency",
		"by": "reply_by", "skip": "alert", "send": "review"}
	if want, ok := wantStep[action]; !ok || want != step || (action == "back" && step != "missing" && step != "member") {
		return bot.Tell("rfi_stale_button", nil)
	}
	switch action {
	case "c":
		if !slices.Contains(store.NetworkCountries, arg) {
			return bot.Tell("rfi_stale_button", nil)
		}
		if i := slices.Index(d.Countries, arg); i >= 0 {
			d.Countries = slices.Delete(d.Countries, i, i+1)
		} else {
			d.Countries = append(d.Countries, arg)
		}
		return rfiSaveAndEditTargets(ctx, r, &d)
	case "caricc":
		d.CARICC = !d.CARICC
		return rfiSaveAndEditTargets(ctx, r, &d)
	case "m":
		return rfiShowMembers(ctx, r, &d)
	case "mm":
		id, err := strconv.ParseInt(arg, 10, 64)
		if err != nil {
			return bot.Tell("rfi_stale_button", nil)
		}
		m, err := r.App.Store.MemberByID(ctx, id)
		if err != nil || !m.Active() || m.ID == r.Member.ID {
			return bot.Tell("rfi_member_gone", nil)
		}
		d.MemberID, d.Countries, d.CARICC = id, nil, false
		return rfiToBody(ctx, r, &d)
	case "back":
		d.Missing, d.MemberID = nil, 0
		if err := r.SaveConv(ctx, rfiAskFlow, "target", d); err != nil {
			return err
		}
		return r.Reply(ctx, "rfi_ask_target", nil, rfiTargetKeyboard(r, &d))
	case "next":
		if len(d.Countries) == 0 && !d.CARICC {
			return bot.Tell("rfi_no_target", nil)
		}
		missing, err := rfiMissingCountries(ctx, r.App.Store.DB, r.Member.ID, d.Countries)
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			return rfiOfferCARICC(ctx, r, &d, missing)
		}
		return rfiToBody(ctx, r, &d)
	case "instead":
		d.Countries = slices.DeleteFunc(d.Countries, func(c string) bool { return slices.Contains(d.Missing, c) })
		d.Missing, d.CARICC = nil, true
		return rfiToBody(ctx, r, &d)
	case "done":
		if strings.TrimSpace(d.Body) == "" {
			return bot.Tell("rfi_empty", nil)
		}
		if err := r.SaveConv(ctx, rfiAskFlow, "urgency", d); err != nil {
			return err
		}
		kb := (&bot.Keyboard{}).Row(
			bot.Button{Text: r.T("rfi_urgency_routine", nil), CallbackData: "rfiask:u:routine"},
			bot.Button{Text: r.T("rfi_urgency_urgent", nil), CallbackData: "rfiask:u:urgent"})
		return r.Reply(ctx, "rfi_ask_urgency", nil, kb)
	case "u":
		if arg != store.RFIRoutine && arg != store.RFIUrgent {
			return bot.Tell("rfi_stale_button", nil)
		}
		d.Urgency = arg
		if err := r.SaveConv(ctx, rfiAskFlow, "reply_by", d); err != nil {
			return err
		}
		kb := (&bot.Keyboard{}).Row(
			bot.Button{Text: r.T("rfi_btn_2h", nil), CallbackData: "rfiask:by:2h"},
			bot.Button{Text: r.T("rfi_btn_24h", nil), CallbackData: "rfiask:by:24h"},
			bot.Button{Text: r.T("rfi_btn_3d", nil), CallbackData: "rfiask:by:72h"})
		return r.Reply(ctx, "rfi_ask_reply_by", nil, kb)
	case "by":
		dur, err := time.ParseDuration(arg)
		if err != nil || (dur != 2*time.Hour && dur != 24*time.Hour && dur != 72*time.Hour) {
			return bot.Tell("rfi_stale_button", nil)
		}
		return rfiSetReplyBy(ctx, r, &d, r.App.Clock.Now().Add(dur))
	case "skip":
		d.AlertRef = ""
		return rfiToReview(ctx, r, &d)
	case "send":
		return rfiSend(ctx, r, &d)
	}
	return bot.Tell("rfi_stale_button", nil)
}

// rfiSaveAndEditTargets saves a changed choice of targets and shows it on the same message.
func rfiSaveAndEditTargets(ctx context.Context, r *bot.Request, d *rfiDraft) error {
	if err := r.SaveConv(ctx, rfiAskFlow, "target", d); err != nil {
		return err
	}
	q := r.Update.CallbackQuery
	if q == nil || q.Message.Message == nil {
		return r.Reply(ctx, "rfi_ask_target", nil, rfiTargetKeyboard(r, d))
	}
	_, err := r.App.TG.EditMessageReplyMarkup(ctx, &tg.EditMessageReplyMarkupParams{
		ChatID: r.ChatID, MessageID: q.Message.Message.ID, ReplyMarkup: rfiTargetKeyboard(r, d)})
	if err != nil {
		// An old message may no longer be editable: show the choice anew instead.
		return r.Reply(ctx, "rfi_ask_target", nil, rfiTargetKeyboard(r, d))
	}
	return nil
}

// rfiShowMembers offers the active members (not the asker) as buttons.
func rfiShowMembers(ctx context.Context, r *bot.Request, d *rfiDraft) error {
	members, err := store.ActiveMembers(ctx, r.App.Store.DB)
	if err != nil {
		return err
	}
	kb := &bot.Keyboard{}
	for _, m := range members {
		if m.ID == r.Member.ID || m.Role == store.RoleObserver {
			continue
		}
		if len(kb.InlineKeyboard) >= 90 { // Telegram allows 100 buttons; keep room for Back
			break
		}
		kb.Row(bot.Button{Text: rfiWho(r.App, r.Lang, &m), CallbackData: "rfiask:mm:" + strconv.FormatInt(m.ID, 10)})
	}
	if len(kb.InlineKeyboard) == 0 {
		return bot.Tell("rfi_no_members", nil)
	}
	kb.Row(bot.Button{Text: r.T("rfi_btn_back", nil), CallbackData: "rfiask:back"},
		bot.Button{Text: r.T("rfi_btn_cancel", nil), CallbackData: "rfiask:cancel"})
	if err := r.SaveConv(ctx, rfiAskFlow, "member", d); err != nil {
		return err
	}
	return r.Reply(ctx, "rfi_ask_member", nil, kb)
}

// rfiMissingCountries returns the chosen countries where no active focal point (other than
// the asker) would receive the request.
func rfiMissingCountries(ctx context.Context, q store.Querier, askerID int64, countries []string) ([]string, error) {
	if len(countries) == 0 {
		return nil, nil
	}
	var have []string
	err := q.SelectContext(ctx, &have, `
		SELECT DISTINCT country FROM members
		WHERE state = 'active' AND role = 'focal_point' AND id <> $1 AND country = ANY($2)`,
		askerID, pq.Array(countries))
	if err != nil {
		return nil, fmt.Errorf("countries with focal points: %w", err)
	}
	var missing []string
	for _, c := range countries {
		if !slices.Contains(have, c) {
			missing = append(missing, c)
		}
	}
	return missing, nil
}

// rfiOfferCARICC tells, before anything is sent, that some countries have nobody to
// receive the request, and offers CARICC instead.
func rfiOfferCARICC(ctx context.Context, r *bot.Request, d *rfiDraft, missing []string) error {
	d.Missing = missing
	if err := r.SaveConv(ctx, rfiAskFlow, "missing", d); err != nil {
		return err
	}
	var names []string
	for _, c := range missing {
		names = append(names, i18n.CountryName(r.Lang, c))
	}
	kb := (&bot.Keyboard{}).
		Row(bot.Button{Text: r.T("rfi_btn_instead", nil), CallbackData: "rfiask:instead"}).
		Row(bot.Button{Text: r.T("rfi_btn_back", nil), CallbackData: "rfiask:back"},
			bot.Button{Text: r.T("rfi_btn_cancel", nil), CallbackData: "rfiask:cancel"})
	return r.Reply(ctx, "rfi_no_focal_point", map[string]any{"Countries": i18n.JoinList(r.Lang, names)}, kb)
}

func rfiToBody(ctx context.Context, r *bot.Request, d *rfiDraft) error {
	if err := r.SaveConv(ctx, rfiAskFlow, "body", d); err != nil {
		return err
	}
	return r.Reply(ctx, "rfi_ask_body", map[string]any{"Max": rfiMaxBody}, rfiDoneKeyboard(r))
}

func rfiDoneKeyboard(r *bot.Request) *bot.Keyboard {
	return (&bot.Keyboard{}).Row(bot.Button{Text: r.T("rfi_btn_done", nil), CallbackData: "rfiask:done"},
		bot.Button{Text: r.T("rfi_btn_cancel", nil), CallbackData: "rfiask:cancel"})
}

func rfiSetReplyBy(ctx context.Context, r *bot.Request, d *rfiDraft, t time.Time) error {
	d.ReplyBy = t.UTC().Truncate(time.Minute)
	if err := r.SaveConv(ctx, rfiAskFlow, "alert", d); err != nil {
		return err
	}
	kb := (&bot.Keyboard{}).Row(bot.Button{Text: r.T("rfi_btn_skip", nil), CallbackData: "rfiask:skip"},
		bot.Button{Text: r.T("rfi_btn_cancel", nil), CallbackData: "rfiask:cancel"})
	return r.Reply(ctx, "rfi_ask_alert", nil, kb)
}

func rfiToReview(ctx context.Context, r *bot.Request, d *rfiDraft) error {
	if err := r.SaveConv(ctx, rfiAskFlow, "review", d); err != nil {
		return err
	}
	var member *store.Member
	if d.MemberID != 0 {
		m, err := r.App.Store.MemberByID(ctx, d.MemberID)
		if err != nil {
			return err
		}
		member = m
	}
	var alert *string
	if d.AlertRef != "" {
		alert = &d.AlertRef
	}
	sum := rfiSummaryText(r.App, r.Lang, rfiSummaryData{Urgency: d.Urgency, Countries: d.Countries, Member: member,
		CARICC: d.CARICC, ReplyBy: d.ReplyBy, AlertRef: alert, Files: len(d.Files)})
	kb := (&bot.Keyboard{}).Row(bot.Button{Text: r.T("rfi_btn_send", nil), CallbackData: "rfiask:send"},
		bot.Button{Text: r.T("rfi_btn_cancel", nil), CallbackData: "rfiask:cancel"})
	text := r.T("rfi_ask_review", nil) + "\n\n" + sum + "\n\n" + r.T("rfi_body", map[string]any{"Body": rfiBody(r.App, r.Lang, r.Lang, d.Body)})
	_, err := r.App.Send(ctx, r.ChatID, "reply", text, kb)
	return err
}

// rfiAskInput takes what the person types or sends during /ask.
func rfiAskInput(ctx context.Context, r *bot.Request) error {
	var d rfiDraft
	if err := r.ConvData(&d); err != nil {
		return err
	}
	switch r.Conv.Step {
	case "body":
		if err := rfiCollect(r, &d.Body, &d.Files); err != nil {
			return err
		}
		// One answer per album (photos picked together), not one per photo.
		album := r.Update.Message.MediaGroupID
		sameAlbum := album != "" && album == d.Album
		d.Album = album
		if err := r.SaveConv(ctx, rfiAskFlow, "body", d); err != nil {
			return err
		}
		if sameAlbum {
			return nil
		}
		return r.Reply(ctx, "rfi_added", nil, rfiDoneKeyboard(r))
	case "reply_by":
		t, errID := rfiParseReplyBy(r.Text(), r.App.Clock.Now())
		if errID != "" {
			return bot.Tell(errID, nil)
		}
		return rfiSetReplyBy(ctx, r, &d, t)
	case "alert":
		ref, ok := normaliseRef("ALR", r.Text())
		if !ok {
			return bot.Tell("rfi_alert_bad", nil)
		}
		if err := rfiCheckAlert(ctx, r, ref); err != nil {
			return err
		}
		d.AlertRef = ref
		return rfiToReview(ctx, r, &d)
	}
	return bot.Tell("rfi_use_buttons", nil)
}

// rfiCheckAlert lets a request name only an alert that exists and that the asker may see,
// by the register's rule (store.CanSee): the reference goes to every recipient, so a typo
// or a guess must not put an unknown or unshared alert in front of them. Either way the
// answer is the register's alert_not_found, which does not tell the two apart; the person
// stays on the step to type another reference or press Skip.
func rfiCheckAlert(ctx context.Context, r *bot.Request, ref string) error {
	al, err := store.AlertByRef(ctx, r.App.Store.DB, ref)
	if errors.Is(err, store.ErrNotFound) {
		return bot.Tell("alert_not_found", nil)
	}
	if err != nil {
		return err
	}
	ok, err := store.CanSee(ctx, r.App.Store.DB, al.ID, r.Member.ID, rfiIsAnalyst(r.Member))
	if err != nil {
		return err
	}
	if !ok {
		return bot.Tell("alert_not_found", nil)
	}
	return nil
}

// rfiCollect adds a text, photo or document to what is being written. It refuses, without
// adding anything, what would make the text too long or the files too many, and what is
// neither text, photo nor document.
func rfiCollect(r *bot.Request, body *string, files *[]rfiFile) error {
	m := r.Update.Message
	var f *rfiFile
	switch {
	case len(m.Photo) > 0:
		f = &rfiFile{Kind: "photo", FileID: m.Photo[len(m.Photo)-1].FileID}
	case m.Document != nil:
		f = &rfiFile{Kind: "document", FileID: m.Document.FileID, Name: m.Document.FileName}
	case m.Text == "":
		return bot.Tell("rfi_unsupported", nil)
	}
	if f != nil && len(*files) >= rfiMaxFiles {
		return bot.Tell("rfi_too_many_files", map[string]any{"Max": rfiMaxFiles})
	}
	text := strings.TrimSpace(r.Text())
	next := *body
	if text != "" {
		if next != "" {
			next += "\n"
		}
		next += text
	}
	if n := alert.UTF16Len(next); n > rfiMaxBody {
		return bot.Tell("rfi_too_long", map[string]any{"Max": rfiMaxBody, "Len": n})
	}
	*body = next
	if f != nil {
		*files = append(*files, *f)
	}
	return nil
}

// rfiParseReplyBy reads a typed reply-by time: a delay (36h, 5d; in Russian 36ч, 5д) or a
// UTC date and time (2026-03-05 14:00; a date alone means its end). It returns a message ID
// when the time cannot be used: unreadable, not in the future, or more than 30 days ahead.
func rfiParseReplyBy(s string, now time.Time) (time.Time, string) {
	t, ok := parseWhen(s, now)
	if !ok {
		return time.Time{}, "rfi_reply_by_bad"
	}
	switch {
	case !t.After(now):
		return time.Time{}, "rfi_reply_by_past"
	case t.After(now.Add(30 * 24 * time.Hour)):
		return time.Time{}, "rfi_reply_by_far"
	}
	return t, ""
}

// rfiSend stores the request, its recipients and its outbox rows in one transaction.
func rfiSend(ctx context.Context, r *bot.Request, d *rfiDraft) error {
	a, me := r.App, r.Member
	// Someone may have been suspended since the choice: check again, before anything is sent.
	missing, err := rfiMissingCountries(ctx, a.Store.DB, me.ID, d.Countries)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return rfiOfferCARICC(ctx, r, d, missing)
	}
	now := a.Clock.Now()
	if !d.ReplyBy.After(now) {
		// The draft waited past its own reply-by time: ask for a new one.
		if err := r.SaveConv(ctx, rfiAskFlow, "reply_by", d); err != nil {
			return err
		}
		return bot.Tell("rfi_reply_by_past", nil)
	}
	var ref string
	err = a.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		members, err := store.ActiveMembers(ctx, tx)
		if err != nil {
			return err
		}
		targets, copies, err := rfiChooseRecipients(members, me.ID, d)
		if err != nil {
			return err
		}
		ref, err = store.NextRFIRef(ctx, tx, now.UTC().Year())
		if err != nil {
			return err
		}
		x := store.RFI{Ref: ref, RequesterID: me.ID, TargetCountries: d.Countries, ToCARICC: d.CARICC,
			Urgency: d.Urgency, ReplyBy: d.ReplyBy, EscalateAt: d.ReplyBy.Add(rfiEscalateAfter(now, d.ReplyBy)), CreatedAt: now}
		if x.TargetCountries == nil {
			x.TargetCountries = pq.StringArray{}
		}
		if d.MemberID != 0 {
			x.TargetMemberID = &d.MemberID
		}
		if d.AlertRef != "" {
			x.AlertRef = &d.AlertRef
		}
		if x.ID, err = store.InsertRFI(ctx, tx, x); err != nil {
			return err
		}
		var all []store.RFIRecipient
		var to []int64
		for _, rc := range append(targets, copies...) {
			rc.RFIID, rc.UpdatedAt = x.ID, now
			all = append(all, rc)
			to = append(to, rc.MemberID)
		}
		if err := store.InsertRFIRecipients(ctx, tx, all); err != nil {
			return err
		}
		msgID, err := store.InsertRFIMessage(ctx, tx, store.RFIMessage{RFIID: x.ID, AuthorID: &me.ID, Kind: store.RFIMsgRequest, Body: d.Body, Lang: r.Lang, CreatedAt: now})
		if err != nil {
			return err
		}
		var fileIDs []int64
		for _, f := range d.Files {
			id, err := store.InsertRFIAttachment(ctx, tx, store.RFIAttachment{MessageID: msgID, Kind: f.Kind, FileID: f.FileID, FileName: f.Name})
			if err != nil {
				return err
			}
			fileIDs = append(fileIDs, id)
		}
		if err := rfiEnqueue(ctx, tx, &x, to, rfiKindRequest, x.ID, fileIDs); err != nil {
			return err
		}
		subject := x.ID
		return store.Audit(ctx, tx, store.AuditEntry{ActorID: &me.ID, Action: "rfi_sent", SubjectID: &subject,
			After: map[string]any{"ref": ref, "countries": d.Countries, "member_id": d.MemberID, "caricc": d.CARICC,
				"urgency": d.Urgency, "reply_by": d.ReplyBy, "alert_ref": d.AlertRef, "files": len(d.Files), "recipients": to}})
	})
	if err != nil {
		return err
	}
	if err := r.EndConv(ctx); err != nil {
		return err
	}
	return r.Reply(ctx, "rfi_sent", map[string]any{"Ref": ref}, nil)
}

// rfiChooseRecipients picks the targets (the chosen countries' active focal points, the named
// member, or CARICC) and the copies (CARICC, unless they are targets already); never the
// asker.
func rfiChooseRecipients(members []store.Member, askerID int64, d *rfiDraft) (targets, copies []store.RFIRecipient, err error) {
	seen := map[int64]bool{askerID: true}
	add := func(list *[]store.RFIRecipient, m store.Member, role, pool string) {
		if seen[m.ID] {
			return
		}
		seen[m.ID] = true
		*list = append(*list, store.RFIRecipient{MemberID: m.ID, Role: role, Pool: pool})
	}
	for _, c := range d.Countries {
		for _, m := range members {
			if m.Active() && m.Role == store.RoleFocalPoint && m.Country != nil && *m.Country == c {
				add(&targets, m, store.RFITarget, c)
			}
		}
	}
	if d.MemberID != 0 {
		i := slices.IndexFunc(members, func(m store.Member) bool { return m.ID == d.MemberID })
		if i < 0 || d.MemberID == askerID {
			return nil, nil, bot.Tell("rfi_member_gone", nil)
		}
		pool := store.RFIPoolCARICC
		if c := members[i].Country; c != nil && *c != "" {
			pool = *c
		}
		add(&targets, members[i], store.RFITarget, pool)
	}
	caricc := rfiCARICC(members)
	if d.CARICC {
		for _, m := range caricc {
			add(&targets, m, store.RFITarget, store.RFIPoolCARICC)
		}
	}
	if len(targets) == 0 {
		return nil, nil, bot.Tell("rfi_no_recipients", nil)
	}
	for _, m := range caricc {
		add(&copies, m, store.RFICopy, "")
	}
	return targets, copies, nil
}
