package members

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot/delivery"
	"focalbot/bot/rfi"
	"focalbot/bot/store"
)

// ErrNoChange means the member already is what was asked.
var ErrNoChange = errors.New("no change")

// InviteSpec is what an invitation makes of the person who uses it.
type InviteSpec struct {
	Country string // "" for none (CARICC, UNODC, WCO staff)
	Role    string
	Agency  string
	TTL     time.Duration
}

// Validate checks a spec against the vocabularies; its errors are for the operator (CLI).
func (s InviteSpec) Validate() error {
	if s.Country != "" && !slices.Contains(store.NetworkCountries, s.Country) {
		return fmt.Errorf("country %q is not one of the network's: %v", s.Country, store.NetworkCountries)
	}
	if !slices.Contains(store.Roles, s.Role) {
		return fmt.Errorf("role %q: use one of %v", s.Role, store.Roles)
	}
	if !slices.Contains(store.Agencies, s.Agency) {
		return fmt.Errorf("agency %q: use one of %v", s.Agency, store.Agencies)
	}
	if s.TTL < time.Hour || s.TTL > 30*24*time.Hour {
		return fmt.Errorf("lifetime %s: between 1h and 720h", s.TTL)
	}
	return nil
}

// newInviteCode is 144 random bits in URL-safe base64: 24 characters of A-Za-z0-9_-, which is
// what a /start payload may hold (at most 64).
func newInviteCode() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("invite code: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ValidCodeShape reports whether s could be a code at all; anything else is a failed attempt
// without a database lookup.
func ValidCodeShape(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// DeepLink is the link that opens the bot with the code as /start payload.
func DeepLink(botUsername, code string) string {
	return "https://t.me/" + botUsername + "?start=" + code
}

// CreateInvite stores a new invitation and audits it; the code is returned once and never
// stored. createdBy is the admin, nil for the CLI.
func CreateInvite(ctx context.Context, st *store.Store, spec InviteSpec, createdBy *int64, now time.Time) (string, store.Invite, error) {
	if err := spec.Validate(); err != nil {
		return "", store.Invite{}, err
	}
	code, err := newInviteCode()
	if err != nil {
		return "", store.Invite{}, err
	}
	inv := store.Invite{Role: spec.Role, Agency: spec.Agency, CreatedBy: createdBy, CreatedAt: now, ExpiresAt: now.Add(spec.TTL)}
	if spec.Country != "" {
		inv.Country = &spec.Country
	}
	err = st.InTx(ctx, func(tx *sqlx.Tx) error {
		id, err := store.InsertInvite(ctx, tx, code, inv)
		if err != nil {
			return err
		}
		inv.ID = id
		return store.Audit(ctx, tx, store.AuditEntry{ActorID: createdBy, Action: "invite_created", SubjectID: &id,
			After: map[string]any{"invite_id": id, "country": spec.Country, "role": spec.Role, "agency": spec.Agency,
				"expires_at": inv.ExpiresAt}})
	})
	if err != nil {
		return "", store.Invite{}, err
	}
	return code, inv, nil
}

// changeMember runs one membership change in a transaction: it locks the member, lets change
// do its part and writes the audit entry with the member before and after.
func changeMember(ctx context.Context, st *store.Store, actor *int64, id int64, action string,
	change func(tx *sqlx.Tx, m *store.Member) error) (*store.Member, error) {
	var after *store.Member
	err := st.InTx(ctx, func(tx *sqlx.Tx) error {
		before, err := store.MemberByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := change(tx, before); err != nil {
			return err
		}
		if after, err = store.MemberByID(ctx, tx, id); err != nil {
			return err
		}
		// The running bot sets their command menu within seconds (bot.App.renderMenu),
		// whether the change came from the bot or from the command line. The variant tells
		// this change from earlier ones.
		if _, err := delivery.Enqueue(ctx, tx, []delivery.Item{{MemberID: id, ChatID: after.ChatID, Kind: delivery.KindMenu,
			RefID: id, Variant: time.Now().UTC().Format(time.RFC3339Nano), Priority: delivery.High}}); err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditEntry{ActorID: actor, Action: action, SubjectID: &id,
			Before: AuditView(before), After: AuditView(after)})
	})
	return after, err
}

// AuditView is what the audit log keeps of a member.
func AuditView(m *store.Member) map[string]any {
	return map[string]any{"telegram_user_id": m.TelegramUserID, "display_name": m.DisplayName, "country": m.Country,
		"agency": m.Agency, "unit": m.Unit, "role": m.Role, "state": m.State, "language": m.Language}
}

// SetRole changes a member's role. Their conversation ends and the requests they held return
// to their country's pool (see leaveRole).
func SetRole(ctx context.Context, st *store.Store, actor *int64, id int64, role string, now time.Time) (*store.Member, error) {
	if !slices.Contains(store.Roles, role) {
		return nil, fmt.Errorf("role %q: use one of %v", role, store.Roles)
	}
	return changeMember(ctx, st, actor, id, "role_changed", func(tx *sqlx.Tx, m *store.Member) error {
		if m.Role == role {
			return ErrNoChange
		}
		if err := leaveRole(ctx, tx, m, now); err != nil {
			return err
		}
		return store.SetRole(ctx, tx, id, role)
	})
}

// SetCountry changes a member's country ("" for none). Their conversation ends and the
// requests they held return to their (old) country's pool (see leaveRole).
func SetCountry(ctx context.Context, st *store.Store, actor *int64, id int64, country string, now time.Time) (*store.Member, error) {
	if country != "" && !slices.Contains(store.NetworkCountries, country) {
		return nil, fmt.Errorf("country %q is not one of the network's: %v", country, store.NetworkCountries)
	}
	return changeMember(ctx, st, actor, id, "country_changed", func(tx *sqlx.Tx, m *store.Member) error {
		if (m.Country == nil && country == "") || (m.Country != nil && *m.Country == country) {
			return ErrNoChange
		}
		var c *string
		if country != "" {
			c = &country
		}
		if err := leaveRole(ctx, tx, m, now); err != nil {
			return err
		}
		return store.SetCountry(ctx, tx, id, c)
	})
}

// leaveRole is what a change of role or country ends, in its transaction: the member's
// conversation (a draft begun under the old role or country goes), and the requests for
// information they held, which return to their country's pool. Every committing step checks
// the current role again besides (bot.Request.Require).
func leaveRole(ctx context.Context, tx *sqlx.Tx, m *store.Member, now time.Time) error {
	if _, err := rfi.ReleaseHeldBy(ctx, tx, m.ID, now); err != nil {
		return err
	}
	return store.EndConversation(ctx, tx, m.TelegramUserID)
}

// Suspend takes a member out of the network at once: nothing more is delivered to them (what
// is queued is cancelled), requests they were handling return to their country, their
// conversation ends, and since every handler checks the state
// on each update, their commands and old buttons get the closed-network answer from now on.
func Suspend(ctx context.Context, st *store.Store, actor *int64, id int64, now time.Time) (*store.Member, error) {
	return changeMember(ctx, st, actor, id, "member_suspended", func(tx *sqlx.Tx, m *store.Member) error {
		if m.State == store.StateSuspended {
			return ErrNoChange
		}
		if _, err := store.ChangeState(ctx, tx, id, []string{m.State}, store.StateSuspended, nil, now); err != nil {
			return err
		}
		if _, err := delivery.CancelPendingFor(ctx, tx, id, "member suspended"); err != nil {
			return err
		}
		// Requests for information they were handling go back to their country's pool.
		if _, err := rfi.ReleaseHeldBy(ctx, tx, id, now); err != nil {
			return err
		}
		return store.EndConversation(ctx, tx, m.TelegramUserID)
	})
}

// Reactivate lets a suspended or unreachable member back in. The first approval is kept; a
// member who never was approved (a refused request) counts as approved by actor now. The
// member is told, through the outbox in the same transaction, that their access is back —
// whether an admin pressed Reactivate in the bot or ran the CLI.
func Reactivate(ctx context.Context, st *store.Store, actor *int64, id int64, now time.Time) (*store.Member, error) {
	return changeMember(ctx, st, actor, id, "member_reactivated", func(tx *sqlx.Tx, m *store.Member) error {
		if m.State != store.StateSuspended && m.State != store.StateUnreachable {
			return ErrNoChange
		}
		by, at := actor, now
		if m.ApprovedAt != nil {
			by, at = m.ApprovedBy, *m.ApprovedAt
		}
		after, err := store.ChangeState(ctx, tx, id, []string{m.State}, store.StateActive, by, at)
		if err != nil {
			return err
		}
		_, err = delivery.Enqueue(ctx, tx, []delivery.Item{reactivatedNotice(after)})
		return err
	})
}

// reactivatedNotice is the outbox item that tells a reactivated member. The outbox keeps one
// row per member, kind, ref and variant, so the variant carries the time of this
// reactivation (the row's updated_at, set by the database): a member suspended and
// reactivated again is told again.
func reactivatedNotice(m *store.Member) delivery.Item {
	return delivery.Item{MemberID: m.ID, ChatID: m.ChatID, Kind: "access_restored", RefID: m.ID,
		Variant: m.UpdatedAt.UTC().Format(time.RFC3339Nano), Priority: delivery.High}
}
