package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
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

// Active reports whether the member may see network content.
func (m *Member) Active() bool { return m.State == StateActive }

const memberColumns = `id, telegram_user_id, chat_id, display_name, country, agency, unit, unit_locode,
	role, language, state, approved_by, approved_at, created_at, updated_at`

// MemberByTelegramID finds a member by Telegram user ID.
func (s *Store) MemberByTelegramID(ctx context.Context, userID int64) (*Member, error) {
	var m Member
	err := s.DB.GetContext(ctx, &m, `SELECT `+memberColumns+` FROM members WHERE telegram_user_id = $1`, userID)
	if err != nil {
		return nil, fmt.Errorf("member %d: %w", userID, notFound(err))
	}
	return &m, nil
}

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

// MemberByID finds a member by our ID.
func (s *Store) MemberByID(ctx context.Context, id int64) (*Member, error) {
	var m Member
	err := s.DB.GetContext(ctx, &m, `SELECT `+memberColumns+` FROM members WHERE id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("member #%d: %w", id, notFound(err))
	}
	return &m, nil
}

// InsertMember adds a member as given (registration and tests); it returns the new ID.
func (s *Store) InsertMember(ctx context.Context, q Querier, m Member) (int64, error) {
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
