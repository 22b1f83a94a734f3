package store

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// RFI is a request for information: one member asks countries' focal points, one named
// member, or CARICC; the thread of replies hangs off it.
type RFI struct {
	ID              int64          `db:"id"`
	Ref             string         `db:"ref"`
	RequesterID     int64          `db:"requester_id"`
	TargetCountries pq.StringArray `db:"target_countries"`
	TargetMemberID  *int64         `db:"target_member_id"`
	ToCARICC        bool           `db:"to_caricc"`
	Urgency         string         `db:"urgency"`
	AlertRef        *string        `db:"alert_ref"`
	ReplyBy         time.Time      `db:"reply_by"`
	EscalateAt      time.Time      `db:"escalate_at"`
	State           string         `db:"state"`
	CreatedAt       time.Time      `db:"created_at"`
	ClosedAt        *time.Time     `db:"closed_at"`
	ClosedBy        *int64         `db:"closed_by"`
	RemindedAt      *time.Time     `db:"reminded_at"`
	EscalatedAt     *time.Time     `db:"escalated_at"`
}

// RFI states, urgencies, recipient roles and states, and thread message kinds, as the tables
// constrain them.
const (
	RFIOpen   = "open"
	RFIClosed = "closed"

	RFIRoutine = "routine"
	RFIUrgent  = "urgent"

	RFITarget = "target"
	RFICopy   = "copy"

	RFIReceived = "received"
	RFIHandling = "handling"
	RFIReplied  = "replied"
	RFIDeclined = "declined"

	RFIPoolCARICC = "CARICC"

	RFIMsgRequest  = "request"
	RFIMsgReply    = "reply"
	RFIMsgAnswer   = "answer"
	RFIMsgDecline  = "decline"
	RFIMsgTaken    = "taken"
	RFIMsgReleased = "released"
	RFIMsgClosed   = "closed"
)

// Open reports whether the request still takes replies in the normal way.
func (r *RFI) Open() bool { return r.State == RFIOpen }

// RFIRecipient is one member who received a request, with what they did about it.
type RFIRecipient struct {
	RFIID     int64     `db:"rfi_id"`
	MemberID  int64     `db:"member_id"`
	Role      string    `db:"role"`
	Pool      string    `db:"pool"`
	State     string    `db:"state"`
	UpdatedAt time.Time `db:"updated_at"`
}

// RFIMessage is one entry of a request's thread.
type RFIMessage struct {
	ID        int64     `db:"id"`
	RFIID     int64     `db:"rfi_id"`
	AuthorID  *int64    `db:"author_id"`
	Kind      string    `db:"kind"`
	Body      string    `db:"body"`
	Lang      string    `db:"lang"` // the author's language when writing
	Late      bool      `db:"late"`
	CreatedAt time.Time `db:"created_at"`
}

// RFIAttachment is a photo or document of a thread message, kept as Telegram's file_id.
type RFIAttachment struct {
	ID        int64  `db:"id"`
	MessageID int64  `db:"message_id"`
	Kind      string `db:"kind"` // photo | document
	FileID    string `db:"file_id"`
	FileName  string `db:"file_name"`
}

const rfiColumns = `id, ref, requester_id, target_countries, target_member_id, to_caricc, urgency, alert_ref,
	reply_by, escalate_at, state, created_at, closed_at, closed_by, reminded_at, escalated_at`

// NextRFIRef hands out the next reference of the year, RFI-2026-000045. The row lock of the
// upsert serialises concurrent requests, so numbers are never given twice.
func NextRFIRef(ctx context.Context, q Querier, year int) (string, error) {
	var n int
	err := q.GetContext(ctx, &n, `
		INSERT INTO rfi_counters (year, last) VALUES ($1, 1)
		ON CONFLICT (year) DO UPDATE SET last = rfi_counters.last + 1
		RETURNING last`, year)
	if err != nil {
		return "", fmt.Errorf("next rfi reference: %w", err)
	}
	return fmt.Sprintf("RFI-%04d-%06d", year, n), nil
}

// InsertRFI stores a new request (Ref must be set) and returns its ID.
func InsertRFI(ctx context.Context, q Querier, r RFI) (int64, error) {
	var id int64
	err := q.GetContext(ctx, &id, `
		INSERT INTO rfis (ref, requester_id, target_countries, target_member_id, to_caricc, urgency, alert_ref,
		                  reply_by, escalate_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		RETURNING id`,
		r.Ref, r.RequesterID, r.TargetCountries, r.TargetMemberID, r.ToCARICC, r.Urgency, r.AlertRef,
		r.ReplyBy, r.EscalateAt, r.CreatedAt)
	if err != nil {
		return 0, fmt.Errorf("insert rfi: %w", err)
	}
	return id, nil
}

// RFIByID finds a request; forUpdate locks its row until the transaction ends, which
// serialises the changes of one request (take, reply, close).
func RFIByID(ctx context.Context, q Querier, id int64, forUpdate bool) (*RFI, error) {
	query := `SELECT ` + rfiColumns + ` FROM rfis WHERE id = $1`
	if forUpdate {
		query += ` FOR UPDATE`
	}
	var r RFI
	if err := q.GetContext(ctx, &r, query, id); err != nil {
		return nil, fmt.Errorf("rfi #%d: %w", id, notFound(err))
	}
	return &r, nil
}

// RFIByRef finds a request by its reference (exact, upper case).
func RFIByRef(ctx context.Context, q Querier, ref string) (*RFI, error) {
	var r RFI
	if err := q.GetContext(ctx, &r, `SELECT `+rfiColumns+` FROM rfis WHERE ref = $1`, ref); err != nil {
		return nil, fmt.Errorf("rfi %s: %w", ref, notFound(err))
	}
	return &r, nil
}

// CloseRFI closes an open request; it reports false when it was closed already.
func CloseRFI(ctx context.Context, q Querier, id, by int64, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `
		UPDATE rfis SET state = 'closed', closed_at = $3, closed_by = $2
		WHERE id = $1 AND state = 'open'`, id, by, now)
	if err != nil {
		return false, fmt.Errorf("close rfi #%d: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// InsertRFIRecipients adds the members who receive a request.
func InsertRFIRecipients(ctx context.Context, q Querier, rs []RFIRecipient) error {
	for _, r := range rs {
		_, err := q.ExecContext(ctx, `
			INSERT INTO rfi_recipients (rfi_id, member_id, role, pool, state, updated_at)
			VALUES ($1, $2, $3, $4, 'received', $5)`, r.RFIID, r.MemberID, r.Role, r.Pool, r.UpdatedAt)
		if err != nil {
			return fmt.Errorf("insert rfi recipient %d: %w", r.MemberID, err)
		}
	}
	return nil
}

// RFIRecipients lists who received a request, targets first, in the order they were added.
func RFIRecipients(ctx context.Context, q Querier, rfiID int64) ([]RFIRecipient, error) {
	var rs []RFIRecipient
	err := q.SelectContext(ctx, &rs, `
		SELECT rfi_id, member_id, role, pool, state, updated_at
		FROM rfi_recipients WHERE rfi_id = $1
		ORDER BY role DESC, pool, member_id`, rfiID)
	if err != nil {
		return nil, fmt.Errorf("rfi #%d recipients: %w", rfiID, err)
	}
	return rs, nil
}

// RFIRecipientOf returns a member's place among a request's recipients, ErrNotFound if none.
func RFIRecipientOf(ctx context.Context, q Querier, rfiID, memberID int64) (*RFIRecipient, error) {
	var r RFIRecipient
	err := q.GetContext(ctx, &r, `
		SELECT rfi_id, member_id, role, pool, state, updated_at
		FROM rfi_recipients WHERE rfi_id = $1 AND member_id = $2`, rfiID, memberID)
	if err != nil {
		return nil, fmt.Errorf("rfi #%d recipient %d: %w", rfiID, memberID, notFound(err))
	}
	return &r, nil
}

// SetRFIRecipientState records what a recipient did.
func SetRFIRecipientState(ctx context.Context, q Querier, rfiID, memberID int64, state string, now time.Time) error {
	_, err := q.ExecContext(ctx, `
		UPDATE rfi_recipients SET state = $3, updated_at = $4
		WHERE rfi_id = $1 AND member_id = $2`, rfiID, memberID, state, now)
	if err != nil {
		return fmt.Errorf("rfi #%d recipient %d: %w", rfiID, memberID, err)
	}
	return nil
}

// RFIHolder returns who is handling a request for a pool, ErrNotFound if nobody is.
func RFIHolder(ctx context.Context, q Querier, rfiID int64, pool string) (int64, error) {
	var id int64
	err := q.GetContext(ctx, &id, `
		SELECT member_id FROM rfi_recipients
		WHERE rfi_id = $1 AND pool = $2 AND state = 'handling'`, rfiID, pool)
	if err != nil {
		return 0, fmt.Errorf("rfi #%d holder in %s: %w", rfiID, pool, notFound(err))
	}
	return id, nil
}

// RFIRelease is a hold given up: the request returns to the pool.
type RFIRelease struct {
	RFIID    int64  `db:"rfi_id"`
	MemberID int64  `db:"member_id"`
	Pool     string `db:"pool"`
}

// ReleaseRFIHolds returns to their pools the open requests held by one member (memberID > 0)
// or by any member who is no longer active (memberID == 0, the sweep). The row locks of the
// UPDATE make a release happen once even when two instances sweep together.
func ReleaseRFIHolds(ctx context.Context, q Querier, memberID int64, now time.Time) ([]RFIRelease, error) {
	var out []RFIRelease
	err := q.SelectContext(ctx, &out, `
		UPDATE rfi_recipients rr SET state = 'received', updated_at = $2
		FROM rfis r, members m
		WHERE rr.rfi_id = r.id AND m.id = rr.member_id
		  AND rr.state = 'handling' AND r.state = 'open'
		  AND (rr.member_id = $1 OR ($1 = 0 AND m.state <> 'active'))
		RETURNING rr.rfi_id, rr.member_id, rr.pool`, memberID, now)
	if err != nil {
		return nil, fmt.Errorf("release rfi holds: %w", err)
	}
	return out, nil
}

// InsertRFIMessage appends to a thread and returns the new message's ID.
func InsertRFIMessage(ctx context.Context, q Querier, m RFIMessage) (int64, error) {
	var id int64
	err := q.GetContext(ctx, &id, `
		INSERT INTO rfi_messages (rfi_id, author_id, kind, body, lang, late, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		m.RFIID, m.AuthorID, m.Kind, m.Body, m.Lang, m.Late, m.CreatedAt)
	if err != nil {
		return 0, fmt.Errorf("insert rfi message: %w", err)
	}
	return id, nil
}

// RFIMessageByID finds a thread message.
func RFIMessageByID(ctx context.Context, q Querier, id int64) (*RFIMessage, error) {
	var m RFIMessage
	err := q.GetContext(ctx, &m, `
		SELECT id, rfi_id, author_id, kind, body, lang, late, created_at FROM rfi_messages WHERE id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("rfi message #%d: %w", id, notFound(err))
	}
	return &m, nil
}

// RFIMessages lists a thread, oldest first.
func RFIMessages(ctx context.Context, q Querier, rfiID int64) ([]RFIMessage, error) {
	var ms []RFIMessage
	err := q.SelectContext(ctx, &ms, `
		SELECT id, rfi_id, author_id, kind, body, lang, late, created_at
		FROM rfi_messages WHERE rfi_id = $1 ORDER BY id`, rfiID)
	if err != nil {
		return nil, fmt.Errorf("rfi #%d messages: %w", rfiID, err)
	}
	return ms, nil
}

// InsertRFIAttachment stores a file of a thread message and returns its ID.
func InsertRFIAttachment(ctx context.Context, q Querier, a RFIAttachment) (int64, error) {
	var id int64
	err := q.GetContext(ctx, &id, `
		INSERT INTO rfi_attachments (message_id, kind, file_id, file_name)
		VALUES ($1, $2, $3, $4) RETURNING id`, a.MessageID, a.Kind, a.FileID, a.FileName)
	if err != nil {
		return 0, fmt.Errorf("insert rfi attachment: %w", err)
	}
	return id, nil
}

// CountRFIAttachments counts the files of one thread message.
func CountRFIAttachments(ctx context.Context, q Querier, messageID int64) (int, error) {
	var n int
	if err := q.GetContext(ctx, &n, `SELECT count(*) FROM rfi_attachments WHERE message_id = $1`, messageID); err != nil {
		return 0, fmt.Errorf("count rfi files: %w", err)
	}
	return n, nil
}

// RFIAttachmentByID finds one attachment.
func RFIAttachmentByID(ctx context.Context, q Querier, id int64) (*RFIAttachment, error) {
	var a RFIAttachment
	err := q.GetContext(ctx, &a, `
		SELECT id, message_id, kind, file_id, file_name FROM rfi_attachments WHERE id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("rfi attachment #%d: %w", id, notFound(err))
	}
	return &a, nil
}

// RFIAttachments lists the files of a thread, by message, oldest first.
func RFIAttachments(ctx context.Context, q Querier, rfiID int64) ([]RFIAttachment, error) {
	var as []RFIAttachment
	err := q.SelectContext(ctx, &as, `
		SELECT a.id, a.message_id, a.kind, a.file_id, a.file_name
		FROM rfi_attachments a JOIN rfi_messages m ON m.id = a.message_id
		WHERE m.rfi_id = $1 ORDER BY a.message_id, a.id`, rfiID)
	if err != nil {
		return nil, fmt.Errorf("rfi #%d attachments: %w", rfiID, err)
	}
	return as, nil
}

// OpenRFIsOf lists the open requests a member asked (outgoing) or must answer (incoming:
// a target who has not declined), newest first. withCopies adds those they were copied on.
func OpenRFIsOf(ctx context.Context, q Querier, memberID int64, withCopies bool) ([]RFI, error) {
	var rs []RFI
	err := q.SelectContext(ctx, &rs, `
		SELECT `+rfiColumns+` FROM rfis r
		WHERE r.state = 'open' AND (r.requester_id = $1 OR EXISTS (
			SELECT 1 FROM rfi_recipients rr
			WHERE rr.rfi_id = r.id AND rr.member_id = $1
			  AND ((rr.role = 'target' AND rr.state <> 'declined') OR (rr.role = 'copy' AND $2))))
		ORDER BY r.id DESC
		LIMIT 100`, memberID, withCopies)
	if err != nil {
		return nil, fmt.Errorf("open rfis of %d: %w", memberID, err)
	}
	return rs, nil
}

// ClaimDueRFIs locks open requests whose next deadline step has come: step "remind" (the
// reply-by time passed, no reminder yet) or "escalate" (reminded, escalate_at passed, not
// escalated). SKIP LOCKED lets another instance take the rest; the caller marks each done in
// the same transaction.
func ClaimDueRFIs(ctx context.Context, q Querier, step string, now time.Time, limit int) ([]RFI, error) {
	cond := `reply_by <= $1 AND reminded_at IS NULL`
	if step == "escalate" {
		cond = `escalate_at <= $1 AND reminded_at IS NOT NULL AND escalated_at IS NULL`
	}
	var rs []RFI
	err := q.SelectContext(ctx, &rs, `
		SELECT `+rfiColumns+` FROM rfis
		WHERE state = 'open' AND `+cond+`
		ORDER BY reply_by, id
		LIMIT $2
		FOR UPDATE SKIP LOCKED`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("claim due rfis (%s): %w", step, err)
	}
	return rs, nil
}

// MarkRFIStep records that the reminder or the escalation of a request was done.
func MarkRFIStep(ctx context.Context, q Querier, id int64, step string, now time.Time) error {
	col := "reminded_at"
	if step == "escalate" {
		col = "escalated_at"
	}
	if _, err := q.ExecContext(ctx, `UPDATE rfis SET `+col+` = $2 WHERE id = $1`, id, now); err != nil {
		return fmt.Errorf("mark rfi #%d %s: %w", id, step, err)
	}
	return nil
}

// ActiveMembers lists the active members, for the directory and for choosing recipients:
// by country (members without one last), then name.
func ActiveMembers(ctx context.Context, q Querier) ([]Member, error) {
	var ms []Member
	err := q.SelectContext(ctx, &ms, `
		SELECT `+memberColumns+` FROM members
		WHERE state = 'active'
		ORDER BY country NULLS LAST, display_name, id`)
	if err != nil {
		return nil, fmt.Errorf("active members: %w", err)
	}
	return ms, nil
}

// LoadMembers loads members by ID (any state), in no particular order.
func LoadMembers(ctx context.Context, q Querier, ids []int64) ([]Member, error) {
	var ms []Member
	err := q.SelectContext(ctx, &ms, `SELECT `+memberColumns+` FROM members WHERE id = ANY($1)`, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("members by id: %w", err)
	}
	return ms, nil
}
