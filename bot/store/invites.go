package store

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"
)

// Invite is an invitation: what the person who uses it becomes. The code is not here: only
// its hash is stored.
type Invite struct {
	ID             int64      `db:"id"`
	Country        *string    `db:"country"`
	Role           string     `db:"role"`
	Agency         string     `db:"agency"`
	CreatedBy      *int64     `db:"created_by"`
	CreatedAt      time.Time  `db:"created_at"`
	ExpiresAt      time.Time  `db:"expires_at"`
	UsedAt         *time.Time `db:"used_at"`
	UsedByTelegram *int64     `db:"used_by_telegram"`
	MemberID       *int64     `db:"member_id"`
	RevokedAt      *time.Time `db:"revoked_at"`
}

const inviteColumns = `id, country, role, agency, created_by, created_at, expires_at, used_at, used_by_telegram, member_id, revoked_at`

// HashInviteCode is how a code is stored and looked up.
func HashInviteCode(code string) []byte {
	h := sha256.Sum256([]byte(code))
	return h[:]
}

// InsertInvite stores an invite under the hash of its code and returns its ID.
func InsertInvite(ctx context.Context, q Querier, code string, inv Invite) (int64, error) {
	var id int64
	err := q.GetContext(ctx, &id, `
		INSERT INTO invites (code_hash, country, role, agency, created_by, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		RETURNING id`,
		HashInviteCode(code), inv.Country, inv.Role, inv.Agency, inv.CreatedBy, inv.CreatedAt, inv.ExpiresAt)
	if err != nil {
		return 0, fmt.Errorf("insert invite: %w", err)
	}
	return id, nil
}

// ClaimInvite marks the invite with this code as used by a Telegram user, if it is unexpired
// at now and nobody else claimed it. The same person may claim it again until their
// registration completes (they opened the link twice, or restarted). One conditional UPDATE,
// so two people racing for one code cannot both win. ErrNotFound covers unknown, expired and
// used codes alike: the caller must not tell a guesser which it was.
func ClaimInvite(ctx context.Context, q Querier, code string, userID int64, now time.Time) (*Invite, error) {
	var inv Invite
	err := q.GetContext(ctx, &inv, `
		UPDATE invites SET used_at = coalesce(used_at, $3), used_by_telegram = $2
		WHERE code_hash = $1 AND expires_at > $3 AND revoked_at IS NULL
		  AND (used_at IS NULL OR (used_by_telegram = $2 AND member_id IS NULL))
		RETURNING `+inviteColumns, HashInviteCode(code), userID, now)
	if err != nil {
		return nil, fmt.Errorf("claim invite: %w", notFound(err))
	}
	return &inv, nil
}

// InviteByID returns an invite, ErrNotFound if there is none.
func InviteByID(ctx context.Context, q Querier, id int64) (*Invite, error) {
	var inv Invite
	err := q.GetContext(ctx, &inv, `SELECT `+inviteColumns+` FROM invites WHERE id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("invite #%d: %w", id, notFound(err))
	}
	return &inv, nil
}

// ErrInviteGone is what CompleteInvite and CheckInvite return for an invitation that expired
// or was revoked after it was claimed; it is an ErrNotFound too.
var ErrInviteGone = fmt.Errorf("invitation expired or revoked: %w", ErrNotFound)

// CheckInvite fails with ErrInviteGone when the invite has expired at now or was revoked:
// checked again when the registration it began completes.
func CheckInvite(ctx context.Context, q Querier, inviteID int64, now time.Time) error {
	var open bool
	err := q.GetContext(ctx, &open, `SELECT expires_at > $2 AND revoked_at IS NULL FROM invites WHERE id = $1`, inviteID, now)
	if err != nil {
		return fmt.Errorf("check invite #%d: %w", inviteID, notFound(err))
	}
	if !open {
		return fmt.Errorf("invite #%d: %w", inviteID, ErrInviteGone)
	}
	return nil
}

// CompleteInvite records the member an invite produced. It fails with ErrNotFound if the invite
// is no longer this person's to complete (completed already, or claimed by someone else), and
// with ErrInviteGone if it expired at now or was revoked meanwhile.
func CompleteInvite(ctx context.Context, q Querier, inviteID, userID, memberID int64, now time.Time) error {
	if err := CheckInvite(ctx, q, inviteID, now); err != nil {
		return err
	}
	res, err := q.ExecContext(ctx, `
		UPDATE invites SET member_id = $3
		WHERE id = $1 AND used_by_telegram = $2 AND member_id IS NULL AND revoked_at IS NULL AND expires_at > $4`,
		inviteID, userID, memberID, now)
	if err != nil {
		return fmt.Errorf("complete invite #%d: %w", inviteID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("complete invite #%d: %w", inviteID, ErrNotFound)
	}
	return nil
}

// OpenInvite is an invitation not yet used to register, neither expired nor revoked, with the
// name of who made it ("" for the command line).
type OpenInvite struct {
	Invite
	CreatorName string `db:"creator_name"`
}

// OpenInvites lists the invitations still usable at now, those expiring first first.
func OpenInvites(ctx context.Context, q Querier, now time.Time) ([]OpenInvite, error) {
	var rows []OpenInvite
	err := q.SelectContext(ctx, &rows, `
		SELECT i.id, i.country, i.role, i.agency, i.created_by, i.created_at, i.expires_at, i.used_at,
		       i.used_by_telegram, i.member_id, i.revoked_at, coalesce(m.display_name, '') AS creator_name
		FROM invites i LEFT JOIN members m ON m.id = i.created_by
		WHERE i.member_id IS NULL AND i.revoked_at IS NULL AND i.expires_at > $1
		ORDER BY i.expires_at, i.id`, now)
	if err != nil {
		return nil, fmt.Errorf("open invites: %w", err)
	}
	return rows, nil
}

// RevokeInvite revokes an open invitation at now, by an admin (nil: the command line), and
// writes it to the audit log. ErrNotFound: no such invitation, or it is no longer open (used,
// expired or revoked already).
func RevokeInvite(ctx context.Context, q Querier, id int64, by *int64, now time.Time) (*Invite, error) {
	var inv Invite
	err := q.GetContext(ctx, &inv, `
		UPDATE invites SET revoked_at = $2, revoked_by = $3
		WHERE id = $1 AND member_id IS NULL AND revoked_at IS NULL AND expires_at > $2
		RETURNING `+inviteColumns, id, now, by)
	if err != nil {
		return nil, fmt.Errorf("revoke invite #%d: %w", id, notFound(err))
	}
	if err := Audit(ctx, q, AuditEntry{ActorID: by, Action: "invite_revoked", SubjectID: &id,
		After: map[string]any{"invite_id": id, "country": inv.Country, "role": inv.Role, "expires_at": inv.ExpiresAt}}); err != nil {
		return nil, err
	}
	return &inv, nil
}

// RecordInviteFailure notes a wrong, expired or reused code sent by a user at now.
func RecordInviteFailure(ctx context.Context, q Querier, userID int64, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO invite_failures (telegram_user_id, at) VALUES ($1, $2)`, userID, now)
	if err != nil {
		return fmt.Errorf("record invite failure of %d: %w", userID, err)
	}
	return nil
}

// InviteFailuresSince counts a user's failed codes after since.
func InviteFailuresSince(ctx context.Context, q Querier, userID int64, since time.Time) (int, error) {
	var n int
	err := q.GetContext(ctx, &n, `
		SELECT count(*) FROM invite_failures WHERE telegram_user_id = $1 AND at > $2`, userID, since)
	if err != nil {
		return 0, fmt.Errorf("invite failures of %d: %w", userID, err)
	}
	return n, nil
}

// OutsiderLanguage is the language someone who is not a member chose, ErrNotFound if none.
func OutsiderLanguage(ctx context.Context, q Querier, userID int64) (string, error) {
	var lang string
	err := q.GetContext(ctx, &lang, `SELECT language FROM outsider_languages WHERE telegram_user_id = $1`, userID)
	if err != nil {
		return "", fmt.Errorf("outsider language of %d: %w", userID, notFound(err))
	}
	return lang, nil
}

// SetOutsiderLanguage keeps the language an outsider chose.
func SetOutsiderLanguage(ctx context.Context, q Querier, userID int64, lang string) error {
	_, err := q.ExecContext(ctx, `
		INSERT INTO outsider_languages (telegram_user_id, language) VALUES ($1, $2)
		ON CONFLICT (telegram_user_id) DO UPDATE SET language = excluded.language, updated_at = now()`, userID, lang)
	if err != nil {
		return fmt.Errorf("set outsider language of %d: %w", userID, err)
	}
	return nil
}
