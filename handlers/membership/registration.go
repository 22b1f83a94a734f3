package membership

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot"
	"focalbot/bot/delivery"
	"focalbot/bot/members"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// Registration with an invitation: /start <code> → language → name → unit → confirm →
// active member; the admins are told through the outbox.

const (
	flowRegister = "register"
	// Five failed codes within lockoutWindow refuse every further code until the window of
	// the oldest of them has passed.
	maxCodeFailures = 5
	lockoutWindow   = time.Hour
)

// regData is the registration conversation's answers so far.
type regData struct {
	InviteID int64  `json:"invite_id"`
	Lang     string `json:"lang"`
	Name     string `json:"name,omitempty"`
	Unit     string `json:"unit,omitempty"`
}

// startWithCode claims the invitation and starts the conversation.
func startWithCode(ctx context.Context, r *bot.Request, code string) error {
	m := r.Member
	switch {
	case m != nil && m.Active():
		return r.Reply(ctx, "reg_already_member", nil, nil)
	case barred(m):
		return closedNetwork(ctx, r) // an invitation never lifts a suspension
	}
	st, uid, now := r.App.Store, r.From.ID, r.App.Clock.Now()
	failures, err := store.InviteFailuresSince(ctx, st.DB, uid, now.Add(-lockoutWindow))
	if err != nil {
		return err
	}
	if failures >= maxCodeFailures {
		return r.Reply(ctx, "invite_locked", nil, nil)
	}
	ctx = bot.Solicited(ctx) // answered each time: the lockout bounds these to five an hour
	var inv *store.Invite
	err = st.InTx(ctx, func(tx *sqlx.Tx) error {
		if members.ValidCodeShape(code) {
			inv, err = store.ClaimInvite(ctx, tx, code, uid, now)
		} else {
			err = store.ErrNotFound
		}
		switch {
		case errors.Is(err, store.ErrNotFound):
			if err := store.RecordInviteFailure(ctx, tx, uid, now); err != nil {
				return err
			}
			return store.Audit(ctx, tx, store.AuditEntry{Action: "invite_failed",
				After: map[string]any{"telegram_user_id": uid, "failures_in_window": failures + 1}})
		case err != nil:
			return err
		}
		return store.Audit(ctx, tx, store.AuditEntry{Action: "invite_claimed", SubjectID: &inv.ID,
			After: map[string]any{"telegram_user_id": uid}})
	})
	if err != nil {
		return err
	}
	if inv == nil {
		if failures+1 >= maxCodeFailures {
			return r.Reply(ctx, "invite_locked", nil, nil)
		}
		return r.Reply(ctx, "invite_invalid", nil, nil)
	}
	d := regData{InviteID: inv.ID, Lang: r.Lang}
	if err := r.SaveConv(ctx, flowRegister, "language", d); err != nil {
		return err
	}
	return r.Reply(ctx, "reg_choose_language", nil, ui.LanguagePicker(r, d.Lang, verbRegister, "lang"))
}

// registrationButton handles the buttons of the registration: reg:lang:<code>, reg:ok,
// reg:redo. Only the person whose registration it is can get here with a conversation in the
// right step; anyone else (a forged or stale press) gets the closed-network answer.
func registrationButton(ctx context.Context, r *bot.Request) error {
	if r.Member != nil && r.Member.Active() {
		r.Answer(ctx, "reg_already_member", nil)
		return nil
	}
	var d regData
	if barred(r.Member) || r.Conv == nil || r.Conv.Flow != flowRegister || r.ConvData(&d) != nil || d.InviteID == 0 {
		return closedNetwork(ctx, r)
	}
	r.Lang = d.Lang
	parts := r.Data().Parts()
	switch {
	case len(parts) == 3 && parts[1] == "lang" && r.Conv.Step == "language":
		if !r.App.I18n.Has(parts[2]) {
			return closedNetwork(ctx, r)
		}
		d.Lang, r.Lang = parts[2], parts[2]
		if err := store.SetOutsiderLanguage(ctx, r.App.Store.DB, r.From.ID, d.Lang); err != nil {
			return err
		}
		if err := r.SaveConv(ctx, flowRegister, "name", d); err != nil {
			return err
		}
		return r.Reply(ctx, "reg_ask_name", nil, nil)
	case len(parts) == 2 && parts[1] == "redo" && r.Conv.Step == "confirm":
		if err := r.SaveConv(ctx, flowRegister, "name", d); err != nil {
			return err
		}
		return r.Reply(ctx, "reg_ask_name", nil, nil)
	case len(parts) == 2 && parts[1] == "ok" && r.Conv.Step == "confirm":
		return completeRegistration(ctx, r, d)
	}
	return r.Stale(ctx)
}

// registrationText takes the typed name and unit.
func registrationText(ctx context.Context, r *bot.Request) error {
	var d regData
	if barred(r.Member) || r.ConvData(&d) != nil || d.InviteID == 0 {
		_ = r.EndConv(ctx)
		return closedNetwork(ctx, r)
	}
	r.Lang = d.Lang
	switch r.Conv.Step {
	case "name", "unit":
		text, ok := ui.CleanLine(r.Text())
		if !ok || r.Update.Message.Text == "" {
			return bot.Tell("reg_text_invalid", map[string]any{"Max": ui.MaxNameLen})
		}
		if r.Conv.Step == "name" {
			d.Name = text
			if err := r.SaveConv(ctx, flowRegister, "unit", d); err != nil {
				return err
			}
			return r.Reply(ctx, "reg_ask_unit", nil, nil)
		}
		d.Unit = text
		if err := r.SaveConv(ctx, flowRegister, "confirm", d); err != nil {
			return err
		}
		return askConfirmation(ctx, r, d)
	case "confirm":
		return askConfirmation(ctx, r, d)
	}
	return r.Reply(ctx, "reg_choose_language", nil, ui.LanguagePicker(r, d.Lang, verbRegister, "lang"))
}

func askConfirmation(ctx context.Context, r *bot.Request, d regData) error {
	inv, err := store.InviteByID(ctx, r.App.Store.DB, d.InviteID)
	if err != nil {
		return err
	}
	kb := (&bot.Keyboard{}).Row(
		bot.Button{Text: r.T("btn_confirm", nil), CallbackData: bot.CB(verbRegister, "ok")},
		bot.Button{Text: r.T("btn_change", nil), CallbackData: bot.CB(verbRegister, "redo")})
	return r.Reply(ctx, "reg_confirm", map[string]any{
		"Name": d.Name, "Unit": d.Unit, "Country": ui.CountryLabel(r, r.Lang, inv.Country),
		"Role": ui.RoleLabel(r.App, r.Lang, inv.Role), "Agency": ui.AgencyLabel(r.App, r.Lang, inv.Agency),
	}, kb)
}

// completeRegistration makes the person an active member as the invitation says, completes
// the invitation and queues the news for the admins, all in one transaction.
func completeRegistration(ctx context.Context, r *bot.Request, d regData) error {
	st, now := r.App.Store, r.App.Clock.Now()
	var m *store.Member
	err := st.InTx(ctx, func(tx *sqlx.Tx) error {
		inv, err := store.InviteByID(ctx, tx, d.InviteID)
		if err != nil {
			return err
		}
		var before *store.Member
		if old, err := store.MemberByTelegramID(ctx, tx, r.From.ID); err == nil {
			before = old
		}
		id, err := store.RegisterMember(ctx, tx, store.Member{
			TelegramUserID: r.From.ID, ChatID: r.ChatID, DisplayName: d.Name, Country: inv.Country, Agency: inv.Agency,
			Unit: d.Unit, Role: inv.Role, Language: d.Lang, ApprovedBy: inv.CreatedBy, ApprovedAt: &now,
		})
		if err != nil {
			return err
		}
		if err := store.CompleteInvite(ctx, tx, inv.ID, r.From.ID, id, now); err != nil {
			return err
		}
		if m, err = store.MemberByID(ctx, tx, id); err != nil {
			return err
		}
		var beforeView any
		if before != nil {
			beforeView = members.AuditView(before)
		}
		after := members.AuditView(m)
		after["invite_id"] = inv.ID
		if err := store.Audit(ctx, tx, store.AuditEntry{ActorID: &id, Action: "member_registered", SubjectID: &id,
			Before: beforeView, After: after}); err != nil {
			return err
		}
		if err := store.EndConversation(ctx, tx, r.From.ID); err != nil {
			return err
		}
		return tellAdmins(ctx, tx, st, "member_joined", id)
	})
	if errors.Is(err, store.ErrInviteGone) { // expired or revoked since it was claimed
		_ = r.EndConv(ctx)
		return r.Reply(ctx, "invite_invalid", nil, nil)
	}
	if errors.Is(err, store.ErrNotFound) {
		// Suspended meanwhile, or the invitation was completed already (a second press).
		_ = r.EndConv(ctx)
		return closedNetwork(ctx, r)
	}
	if err != nil {
		return fmt.Errorf("complete registration: %w", err)
	}
	r.Member, r.Conv = m, nil
	r.App.RefreshMenu(ctx, m)
	return r.Reply(ctx, "reg_done", map[string]any{"Name": m.DisplayName}, nil)
}

// tellAdmins queues a message of kind about member id for every active admin.
func tellAdmins(ctx context.Context, tx *sqlx.Tx, st *store.Store, kind string, id int64) error {
	admins, err := store.ActiveAdmins(ctx, tx)
	if err != nil {
		return err
	}
	var items []delivery.Item
	for _, a := range admins {
		if a.ID == id {
			continue
		}
		items = append(items, delivery.Item{MemberID: a.ID, ChatID: a.ChatID, Kind: kind, RefID: id, Priority: delivery.High})
	}
	_, err = delivery.Enqueue(ctx, tx, items)
	return err
}

// renderMemberJoined tells an admin that someone registered with an invitation.
func renderMemberJoined(a *bot.App) delivery.Renderer {
	return func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		m, err := store.MemberByID(ctx, a.Store.DB, row.RefID)
		if err != nil {
			return delivery.Message{}, err
		}
		lang := ui.MemberLang(a, to)
		text := a.I18n.T(lang, "admin_member_joined", map[string]any{
			"Name": m.DisplayName, "Unit": m.Unit, "Country": ui.CountryName(a, lang, m.Country),
			"Role": ui.RoleLabel(a, lang, m.Role), "Agency": ui.AgencyLabel(a, lang, m.Agency),
		})
		kb := (&bot.Keyboard{}).Row(bot.Button{Text: a.I18n.T(lang, "btn_open_card", nil), CallbackData: bot.CB(verbMembers, "c", m.ID)})
		return delivery.Message{Text: text, ReplyMarkup: kb}, nil
	}
}
