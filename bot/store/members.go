package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"focalbot/bot/alert"
)

// Member is one person of the closed network.
type Member struct {
	ID             int64      `db:"id"`
	TelegramUserID int64      `db:"telegram_user_id"`
	ChatID         int64      `db:"chat_id"`
	DisplayName    string     `db:"display_name"`
	Country        *string    `db:"country"`
	Agency         string     `db:"agency"`
	Unit           string     `db:"unit"`
	UnitLocode     *string    `db:"unit_locode"`
	Role           string     `db:"role"`
	Language       string     `db:"language"`
	State          string     `db:"state"`
	ApprovedBy     *int64     `db:"approved_by"`
	ApprovedAt     *time.Time `db:"approved_at"`
	CreatedAt      time.Time  `db:"created_at"`
	UpdatedAt      time.Time  `db:"updated_at"`
	TimeZone       *string    `db:"time_zone"`   // chosen in /language; nil: the country's (alert.Zone)
	AccessNote     string     `db:"access_note"` // who and which unit, as typed when asking for access
}

// Roles and states, as the members table constrains them.
const (
	RoleAdmin      = "admin"
	RoleAnalyst    = "analyst"
	RoleFocalPoint = "focal_point"
	RoleObserver   = "observer"

	StateActive      = "active"
	StatePending     = "pending"
	StateSuspended   = "suspended"
	StateUnreachable = "unreachable"
)

// The vocabularies of membership, as the members table constrains them (the countries are
// NetworkCountries). The CLI and the bot both check input against these lists; callback data
// is checked too, since it can be forged.
var (
	Roles    = []string{RoleFocalPoint, RoleAnalyst, RoleObserver, RoleAdmin}
	Agencies = []string{"customs", "port_control_unit", "border_guard", "drug_control_agency", "caricc", "unodc", "wco", "other"}
	States   = []string{StateActive, StatePending, StateSuspended, StateUnreachable}
)

// Zone is the time zone the member reads times in: their choice, else their country's.
func (m *Member) Zone() *time.Location { return alert.Zone(m.Country, m.TimeZone) }

// Active reports whether the member may see network content.
func (m *Member) Active() bool { return m.State == StateActive }

// IsAnalyst reports whether the member works as an analyst: an analyst or an admin. It says
// nothing of their state (see Active).
func (m *Member) IsAnalyst() bool { return m != nil && (m.Role == RoleAnalyst || m.Role == RoleAdmin) }

const memberColumns = `id, telegram_user_id, chat_id, display_name, country, agency, unit, unit_locode,
	role, language, state, approved_by, approved_at, created_at, updated_at, time_zone, access_note`

// EnsureAdmins makes each listed Telegram user an active admin. Run at every start-up, so it is
// idempotent: an existing admin is left as is, an existing member of another role or state is
// promoted and reactivated, and every change is written to the audit log.
func (s *Store) EnsureAdmins(ctx context.Context, userIDs []int64) error {
	for _, uid := range userIDs {
		err := s.InTx(ctx, func(tx *sqlx.Tx) error {
			var before *Member
			var m Member
			err := tx.GetContext(ctx, &m, `SELECT `+memberColumns+` FROM members WHERE telegram_user_id = $1 FOR UPDATE`, uid)
			switch {
			case err == nil:
				if m.Role == RoleAdmin && m.State == StateActive {
					return nil
				}
				before = &m
			case notFound(err) != ErrNotFound:
				return err
			}
			var id int64
			err = tx.GetContext(ctx, &id, `
				INSERT INTO members (telegram_user_id, chat_id, role, agency, state, approved_at)
				VALUES ($1, $1, 'admin', 'caricc', 'active', now())
				ON CONFLICT (telegram_user_id) DO UPDATE
				SET role = 'admin', state = 'active', updated_at = now()
				RETURNING id`, uid)
			if err != nil {
				return err
			}
			return Audit(ctx, tx, AuditEntry{Action: "admin_from_config", SubjectID: &id, Before: before,
				After: map[string]string{"role": RoleAdmin, "state": StateActive}})
		})
		if err != nil {
			return fmt.Errorf("ensure admin %d: %w", uid, err)
		}
	}
	return nil
}

// ReadMember reads a member by ID through q without locking the row (MemberByID locks it
// inside a transaction).
func ReadMember(ctx context.Context, q Querier, id int64) (*Member, error) {
	return memberWhere(ctx, q, "id", id, false)
}

// CountriesWithFocalPoints returns those of countries that have an active focal point other
// than the member exclude.
func CountriesWithFocalPoints(ctx context.Context, q Querier, exclude int64, countries []string) ([]string, error) {
	var have []string
	err := q.SelectContext(ctx, &have, `
		SELECT DISTINCT country FROM members
		WHERE state = 'active' AND role = 'focal_point' AND id <> $1 AND country = ANY($2)`,
		exclude, pq.Array(countries))
	if err != nil {
		return nil, fmt.Errorf("countries with focal points: %w", err)
	}
	return have, nil
}

// InsertMember adds a member as given (registration and tests); it returns the new ID.
func InsertMember(ctx context.Context, q Querier, m Member) (int64, error) {
	if m.ChatID == 0 {
		m.ChatID = m.TelegramUserID
	}
	var id int64
	err := q.GetContext(ctx, &id, `
		INSERT INTO members (telegram_user_id, chat_id, display_name, country, agency, unit, unit_locode,
		                     role, language, state, approved_by, approved_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		RETURNING id`,
		m.TelegramUserID, m.ChatID, m.DisplayName, m.Country, m.Agency, m.Unit, m.UnitLocode,
		m.Role, m.Language, m.State, m.ApprovedBy, m.ApprovedAt)
	if err != nil {
		return 0, fmt.Errorf("insert member %d: %w", m.TelegramUserID, err)
	}
	return id, nil
}

// MemberByTelegramID finds a member by Telegram user ID; inside a transaction it locks the
// row (FOR UPDATE) so that a concurrent change waits.
func MemberByTelegramID(ctx context.Context, q Querier, userID int64) (*Member, error) {
	return memberWhere(ctx, q, "telegram_user_id", userID, true)
}

// MemberByID finds a member by ID; inside a transaction it locks the row.
func MemberByID(ctx context.Context, q Querier, id int64) (*Member, error) {
	return memberWhere(ctx, q, "id", id, true)
}

// memberWhere reads the member whose column (id or telegram_user_id) is v; with lock, inside a
// transaction, FOR UPDATE.
func memberWhere(ctx context.Context, q Querier, column string, v int64, lock bool) (*Member, error) {
	query := `SELECT ` + memberColumns + ` FROM members WHERE ` + column + ` = $1`
	if _, tx := q.(*sqlx.Tx); tx && lock {
		query += ` FOR UPDATE`
	}
	var m Member
	if err := q.GetContext(ctx, &m, query, v); err != nil {
		if column == "id" {
			return nil, fmt.Errorf("member #%d: %w", v, notFound(err))
		}
		return nil, fmt.Errorf("member %d: %w", v, notFound(err))
	}
	return &m, nil
}

// RegisterMember makes a person who used an invite an active member: a new row, or their
// pending request turned into membership. An existing active, suspended or unreachable member
// is left alone and ErrNotFound returned: an invite never lifts a suspension.
func RegisterMember(ctx context.Context, q Querier, m Member) (int64, error) {
	var id int64
	err := q.GetContext(ctx, &id, `
		INSERT INTO members (telegram_user_id, chat_id, display_name, country, agency, unit, role, language,
		                     state, approved_by, approved_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $10)
		ON CONFLICT (telegram_user_id) DO UPDATE
		SET chat_id = excluded.chat_id, display_name = excluded.display_name, country = excluded.country,
		    agency = excluded.agency, unit = excluded.unit, role = excluded.role, language = excluded.language,
		    state = 'active', approved_by = excluded.approved_by, approved_at = excluded.approved_at, updated_at = now()
		WHERE members.state = 'pending'
		RETURNING id`,
		m.TelegramUserID, m.ChatID, m.DisplayName, m.Country, m.Agency, m.Unit, m.Role, m.Language,
		m.ApprovedBy, m.ApprovedAt)
	if err != nil {
		return 0, fmt.Errorf("register member %d: %w", m.TelegramUserID, notFound(err))
	}
	return id, nil
}

// RequestAccess adds a pending member for someone who asked to join, with what they wrote
// about themselves (m.AccessNote); ErrNotFound if they are known already (pending, refused, suspended or a member).
func RequestAccess(ctx context.Context, q Querier, m Member) (int64, error) {
	var id int64
	err := q.GetContext(ctx, &id, `
		INSERT INTO members (telegram_user_id, chat_id, display_name, role, language, state, access_note)
		VALUES ($1, $2, $3, 'observer', $4, 'pending', $5)
		ON CONFLICT (telegram_user_id) DO NOTHING
		RETURNING id`, m.TelegramUserID, m.ChatID, m.DisplayName, m.Language, m.AccessNote)
	if err != nil {
		return 0, fmt.Errorf("request access %d: %w", m.TelegramUserID, notFound(err))
	}
	return id, nil
}

// ChangeState moves a member to state `to` if they are in one of the states `from`, and
// returns the member as changed. The condition in the UPDATE makes concurrent decisions safe:
// of two admins approving one request, exactly one gets the row, the other ErrNotFound.
// approvedBy is recorded when a member becomes active.
func ChangeState(ctx context.Context, q Querier, id int64, from []string, to string, approvedBy *int64, at time.Time) (*Member, error) {
	var m Member
	err := q.GetContext(ctx, &m, `
		UPDATE members SET state = $3, updated_at = now(),
		       approved_by = CASE WHEN $3 = 'active' THEN $4 ELSE approved_by END,
		       approved_at = CASE WHEN $3 = 'active' THEN $5 ELSE approved_at END
		WHERE id = $1 AND state = ANY($2)
		RETURNING `+memberColumns, id, pq.Array(from), to, approvedBy, at)
	if err != nil {
		return nil, fmt.Errorf("member #%d to %s: %w", id, to, notFound(err))
	}
	return &m, nil
}

// SetRole changes a member's role; ErrNotFound if there is no such member.
func SetRole(ctx context.Context, q Querier, id int64, role string) error {
	return setField(ctx, q, id, "role", role)
}

// SetCountry changes a member's country; nil for none.
func SetCountry(ctx context.Context, q Querier, id int64, country *string) error {
	return setField(ctx, q, id, "country", country)
}

// SetLanguage changes the language a member is spoken to in.
func SetLanguage(ctx context.Context, q Querier, id int64, lang string) error {
	return setField(ctx, q, id, "language", lang)
}

// SetTimeZone records the member's choice of time zone (an IANA name); nil returns them to
// their country's.
func SetTimeZone(ctx context.Context, q Querier, id int64, zone *string) error {
	return setField(ctx, q, id, "time_zone", zone)
}

// setField updates one column of a member; column is one of ours, never user input.
func setField(ctx context.Context, q Querier, id int64, column string, value any) error {
	res, err := q.ExecContext(ctx, `UPDATE members SET `+column+` = $2, updated_at = now() WHERE id = $1`, id, value)
	if err != nil {
		return fmt.Errorf("set %s of member #%d: %w", column, id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("set %s of member #%d: %w", column, id, ErrNotFound)
	}
	return nil
}

// MemberFilter selects members for /members and `focalbot members list`; empty fields match
// everyone.
type MemberFilter struct {
	State   string
	Role    string
	Country string
}

// ListMembers returns one page of the members the filter selects, by name, and how many it
// selects in all.
func ListMembers(ctx context.Context, q Querier, f MemberFilter, limit, offset int) ([]Member, int, error) {
	const where = `WHERE ($1 = '' OR state = $1) AND ($2 = '' OR role = $2) AND ($3 = '' OR country = $3)`
	var total int
	if err := q.GetContext(ctx, &total, `SELECT count(*) FROM members `+where, f.State, f.Role, f.Country); err != nil {
		return nil, 0, fmt.Errorf("count members: %w", err)
	}
	var ms []Member
	err := q.SelectContext(ctx, &ms, `SELECT `+memberColumns+` FROM members `+where+`
		ORDER BY lower(display_name), id LIMIT $4 OFFSET $5`, f.State, f.Role, f.Country, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list members: %w", err)
	}
	return ms, total, nil
}

// ActiveAdmins lists the active admins: who is told of requests and new members.
func ActiveAdmins(ctx context.Context, q Querier) ([]Member, error) {
	var ms []Member
	err := q.SelectContext(ctx, &ms, `SELECT `+memberColumns+` FROM members
		WHERE role = 'admin' AND state = 'active' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("active admins: %w", err)
	}
	return ms, nil
}

// LastDecider is the member who last approved or refused an access request of member id:
// what an admin who came second is told. ErrNotFound if nobody decided.
func LastDecider(ctx context.Context, q Querier, id int64) (decider *Member, action string, err error) {
	var row struct {
		ActorID int64  `db:"actor_id"`
		Action  string `db:"action"`
	}
	err = q.GetContext(ctx, &row, `
		SELECT actor_id, action FROM audit_log
		WHERE subject_id = $1 AND action IN ('access_approved', 'access_refused') AND actor_id IS NOT NULL
		ORDER BY id DESC LIMIT 1`, id)
	if err != nil {
		return nil, "", fmt.Errorf("decider of #%d: %w", id, notFound(err))
	}
	decider, err = MemberByID(ctx, q, row.ActorID)
	return decider, row.Action, err
}

// FillMemberDefaults sets a member's language and display name where they are still empty.
func FillMemberDefaults(ctx context.Context, q Querier, id int64, lang, name string) error {
	_, err := q.ExecContext(ctx, `
		UPDATE members SET language = CASE WHEN language = '' THEN $2 ELSE language END,
		                   display_name = CASE WHEN display_name = '' THEN $3 ELSE display_name END
		WHERE id = $1 AND (language = '' OR display_name = '')`, id, lang, name)
	if err != nil {
		return fmt.Errorf("fill defaults of member #%d: %w", id, err)
	}
	return nil
}
