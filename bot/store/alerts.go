package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"

	"focalbot/bot/alert"
)

// Alert states, as the alerts table constrains them.
const (
	AlertSubmitted = "submitted"
	AlertReturned  = "returned"
	AlertRejected  = "rejected"
	AlertWithdrawn = "withdrawn"
	AlertPublished = "published"
	AlertCancelled = "cancelled"
)

// Alert is one submitted alert.
type Alert struct {
	ID             int64         `db:"id"`
	Ref            string        `db:"ref"`
	AuthorID       int64         `db:"author_id"`
	AuthorCountry  *string       `db:"author_country"`
	Classification string        `db:"classification"`
	Drill          bool          `db:"drill"`
	Content        alert.Content `db:"content"`
	State          string        `db:"state"`
	Revision       int           `db:"revision"`
	SubmittedAt    time.Time     `db:"submitted_at"`
	DecidedBy      *int64        `db:"decided_by"`
	DecidedAt      *time.Time    `db:"decided_at"`
	Reason         *string       `db:"reason"`
	PublishedAt    *time.Time    `db:"published_at"`
	Audience       *string       `db:"audience"`
	RemindedAt     *time.Time    `db:"reminded_at"`
	EscalatedAt    *time.Time    `db:"escalated_at"`
	CancelledAt    *time.Time    `db:"cancelled_at"`
}

const alertColumns = `id, ref, author_id, author_country, classification, drill, content, state, revision,
	submitted_at, decided_by, decided_at, reason, published_at, audience, reminded_at, escalated_at, cancelled_at`

// NextAlertRef allocates the next reference number of the year: ALR-2026-000123.
func NextAlertRef(ctx context.Context, q Querier, year int) (string, error) {
	var n int
	err := q.GetContext(ctx, &n, `
		INSERT INTO alert_ref_counters (year, last) VALUES ($1, 1)
		ON CONFLICT (year) DO UPDATE SET last = alert_ref_counters.last + 1
		RETURNING last`, year)
	if err != nil {
		return "", fmt.Errorf("next alert ref: %w", err)
	}
	return fmt.Sprintf("ALR-%04d-%06d", year, n), nil
}

// InsertAlert stores a newly submitted alert and its identifiers; it returns the new ID.
func InsertAlert(ctx context.Context, q Querier, a *Alert) (int64, error) {
	err := q.GetContext(ctx, &a.ID, `
		INSERT INTO alerts (ref, author_id, author_country, classification, drill, content, state, submitted_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'submitted', $7)
		RETURNING id`,
		a.Ref, a.AuthorID, a.AuthorCountry, a.Content.Classification, a.Content.Drill, a.Content, a.SubmittedAt)
	if err != nil {
		return 0, fmt.Errorf("insert alert: %w", err)
	}
	return a.ID, replaceIdentifiers(ctx, q, a.ID, a.Content.Identifiers)
}

// ResubmitAlert replaces the content of a returned alert by its author's revision and submits
// it again under the same reference. It fails with ErrNotFound when the alert is not
// (or no longer) returned to this author.
func ResubmitAlert(ctx context.Context, q Querier, id, authorID int64, c alert.Content, at time.Time) (*Alert, error) {
	var a Alert
	err := q.GetContext(ctx, &a, `
		UPDATE alerts
		SET content = $3, classification = $4, drill = $5, state = 'submitted', revision = revision + 1,
		    submitted_at = $6, decided_by = NULL, decided_at = NULL, reason = NULL
		WHERE id = $1 AND author_id = $2 AND state = 'returned'
		RETURNING `+alertColumns, id, authorID, c, c.Classification, c.Drill, at)
	if err != nil {
		return nil, fmt.Errorf("resubmit alert %d: %w", id, notFound(err))
	}
	return &a, replaceIdentifiers(ctx, q, id, c.Identifiers)
}

func replaceIdentifiers(ctx context.Context, q Querier, alertID int64, ids []alert.Identifier) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM alert_identifiers WHERE alert_id = $1`, alertID); err != nil {
		return fmt.Errorf("alert identifiers: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	kinds, norms := make([]string, len(ids)), make([]string, len(ids))
	for i, id := range ids {
		kinds[i], norms[i] = id.Kind, id.Norm
	}
	_, err := q.ExecContext(ctx, `
		INSERT INTO alert_identifiers (alert_id, kind, norm)
		SELECT $1, k, n FROM unnest($2::text[], $3::text[]) AS t(k, n)
		ON CONFLICT DO NOTHING`, alertID, pq.Array(kinds), pq.Array(norms))
	if err != nil {
		return fmt.Errorf("alert identifiers: %w", err)
	}
	return nil
}

// AlertByID finds an alert.
func AlertByID(ctx context.Context, q Querier, id int64) (*Alert, error) {
	var a Alert
	if err := q.GetContext(ctx, &a, `SELECT `+alertColumns+` FROM alerts WHERE id = $1`, id); err != nil {
		return nil, fmt.Errorf("alert %d: %w", id, notFound(err))
	}
	return &a, nil
}

// AlertByRef finds an alert by its reference number (any case).
func AlertByRef(ctx context.Context, q Querier, ref string) (*Alert, error) {
	var a Alert
	if err := q.GetContext(ctx, &a, `SELECT `+alertColumns+` FROM alerts WHERE ref = upper($1)`, ref); err != nil {
		return nil, fmt.Errorf("alert %s: %w", ref, notFound(err))
	}
	return &a, nil
}

// DecideAlert records an analyst's decision on a submitted revision: returned, rejected or
// published. Only one decision can stand: the UPDATE matches only while the alert is still
// submitted at that revision, so of two analysts deciding at once the second matches nothing
// and gets ErrNotFound (the caller then reads who decided).
func DecideAlert(ctx context.Context, q Querier, id int64, revision int, state string, by int64, reason, audience string, at time.Time) (*Alert, error) {
	var a Alert
	err := q.GetContext(ctx, &a, `
		UPDATE alerts
		SET state = $3, decided_by = $4, decided_at = $7, reason = nullif($5, ''),
		    audience = nullif($6, ''),
		    published_at = CASE WHEN $3 = 'published' THEN $7::timestamptz END
		WHERE id = $1 AND revision = $2 AND state = 'submitted'
		RETURNING `+alertColumns, id, revision, state, by, reason, audience, at)
	if err != nil {
		return nil, fmt.Errorf("decide alert %d: %w", id, notFound(err))
	}
	return &a, nil
}

// WithdrawAlert lets the author take back a submitted alert before any analyst decided.
func WithdrawAlert(ctx context.Context, q Querier, id, authorID int64, revision int) (*Alert, error) {
	var a Alert
	err := q.GetContext(ctx, &a, `
		UPDATE alerts SET state = 'withdrawn'
		WHERE id = $1 AND author_id = $2 AND revision = $3 AND state = 'submitted'
		RETURNING `+alertColumns, id, authorID, revision)
	if err != nil {
		return nil, fmt.Errorf("withdraw alert %d: %w", id, notFound(err))
	}
	return &a, nil
}

// CancelAlert cancels a published alert; ErrNotFound when it is not published (any more).
func CancelAlert(ctx context.Context, q Querier, id int64, reason string, at time.Time) (*Alert, error) {
	var a Alert
	err := q.GetContext(ctx, &a, `
		UPDATE alerts SET state = 'cancelled', cancelled_at = $3, reason = $2
		WHERE id = $1 AND state = 'published'
		RETURNING `+alertColumns, id, reason, at)
	if err != nil {
		return nil, fmt.Errorf("cancel alert %d: %w", id, notFound(err))
	}
	return &a, nil
}

// AudienceMembers lists the active members an alert published to countries (nil: the whole
// network) reaches: members of those countries, and CARICC's analysts. The author is left
// out: they wrote it; so are the analyst who approves it (approverID: they have read it) and
// the admins, who administer the network rather than work its alerts, unless their country
// is in the audience or it is the whole network.
func AudienceMembers(ctx context.Context, q Querier, countries []string, all bool, authorID, approverID int64) ([]Member, error) {
	var ms []Member
	err := q.SelectContext(ctx, &ms, `
		SELECT `+memberColumns+` FROM members
		WHERE state = 'active' AND id <> $3
		  AND ($2 OR country = ANY($1::text[]) OR (role = 'analyst' AND id <> $4))
		ORDER BY id`, pq.Array(countries), all, authorID, approverID)
	if err != nil {
		return nil, fmt.Errorf("audience: %w", err)
	}
	return ms, nil
}

// AddRecipients records the audience of a published alert.
func AddRecipients(ctx context.Context, q Querier, alertID int64, memberIDs []int64) error {
	_, err := q.ExecContext(ctx, `
		INSERT INTO alert_recipients (alert_id, member_id)
		SELECT $1, unnest($2::bigint[])
		ON CONFLICT DO NOTHING`, alertID, pq.Array(memberIDs))
	if err != nil {
		return fmt.Errorf("alert recipients: %w", err)
	}
	return nil
}

// Acknowledge records a recipient's acknowledgement. It reports false when there is nothing
// to record: not a recipient, or acknowledged before (a double tap has one effect).
func Acknowledge(ctx context.Context, q Querier, alertID, memberID int64, at time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `
		UPDATE alert_recipients SET acked_at = $3
		WHERE alert_id = $1 AND member_id = $2 AND acked_at IS NULL`, alertID, memberID, at)
	if err != nil {
		return false, fmt.Errorf("acknowledge alert %d: %w", alertID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// AlertRecipient is a member of an alert's audience and whether they acknowledged.
type AlertRecipient struct {
	Member
	AckedAt *time.Time `db:"acked_at"`
}

// AlertRecipients lists an alert's audience, silent ones first, then by name.
func AlertRecipients(ctx context.Context, q Querier, alertID int64) ([]AlertRecipient, error) {
	var rs []AlertRecipient
	err := q.SelectContext(ctx, &rs, `
		SELECT `+prefixed("m.", memberColumns)+`, r.acked_at
		FROM alert_recipients r JOIN members m ON m.id = r.member_id
		WHERE r.alert_id = $1
		ORDER BY r.acked_at IS NOT NULL, m.display_name, m.id`, alertID)
	if err != nil {
		return nil, fmt.Errorf("recipients of alert %d: %w", alertID, err)
	}
	return rs, nil
}

// Acked reports whether a recipient acknowledged an alert (ErrNotFound when they are not one).
func Acked(ctx context.Context, q Querier, alertID, memberID int64) (bool, error) {
	var acked bool
	err := q.GetContext(ctx, &acked, `
		SELECT acked_at IS NOT NULL FROM alert_recipients WHERE alert_id = $1 AND member_id = $2`, alertID, memberID)
	if err != nil {
		return false, fmt.Errorf("acknowledgement of alert %d: %w", alertID, notFound(err))
	}
	return acked, nil
}

// IsRecipient reports whether a member is in an alert's audience.
func IsRecipient(ctx context.Context, q Querier, alertID, memberID int64) (bool, error) {
	var ok bool
	err := q.GetContext(ctx, &ok, `
		SELECT EXISTS (SELECT 1 FROM alert_recipients WHERE alert_id = $1 AND member_id = $2)`, alertID, memberID)
	if err != nil {
		return false, fmt.Errorf("recipient of alert %d: %w", alertID, err)
	}
	return ok, nil
}

// ClaimAckReminders marks the published urgent alerts whose acknowledgement time ran out at
// now and that had no reminder yet, and returns them. The conditional UPDATE is the claim:
// of several instances running the job, one gets each alert.
func ClaimAckReminders(ctx context.Context, q Querier, deadline, now time.Time) ([]Alert, error) {
	var as []Alert
	err := q.SelectContext(ctx, &as, `
		UPDATE alerts SET reminded_at = $2
		WHERE state = 'published' AND classification = 'urgent'
		  AND reminded_at IS NULL AND published_at <= $1
		RETURNING `+alertColumns, deadline, now)
	if err != nil {
		return nil, fmt.Errorf("claim ack reminders: %w", err)
	}
	return as, nil
}

// ClaimAckEscalations marks the alerts whose reminder went out at or before deadline and that
// were not escalated yet, and returns them.
func ClaimAckEscalations(ctx context.Context, q Querier, deadline, now time.Time) ([]Alert, error) {
	var as []Alert
	err := q.SelectContext(ctx, &as, `
		UPDATE alerts SET escalated_at = $2
		WHERE state = 'published' AND classification = 'urgent'
		  AND escalated_at IS NULL AND reminded_at <= $1
		RETURNING `+alertColumns, deadline, now)
	if err != nil {
		return nil, fmt.Errorf("claim ack escalations: %w", err)
	}
	return as, nil
}

// Analysts lists the active analysts and admins: CARICC, who verify and chase.
func Analysts(ctx context.Context, q Querier) ([]Member, error) {
	var ms []Member
	err := q.SelectContext(ctx, &ms, `
		SELECT `+memberColumns+` FROM members
		WHERE state = 'active' AND role IN ('analyst', 'admin') ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("analysts: %w", err)
	}
	return ms, nil
}

// Linked is an earlier alert sharing an identifier with another.
type Linked struct {
	Ref           string    `db:"ref"`
	AuthorCountry *string   `db:"author_country"`
	SubmittedAt   time.Time `db:"submitted_at"`
	Norms         string    `db:"norms"` // the shared identifiers, comma-separated
}

// LinkedAlerts lists earlier alerts (not drills, not withdrawn) sharing a container, IMO
// number, seal or B/L with alert id, newest first.
func LinkedAlerts(ctx context.Context, q Querier, id int64) ([]Linked, error) {
	var ls []Linked
	err := q.SelectContext(ctx, &ls, `
		SELECT a.ref, a.author_country, a.submitted_at, string_agg(DISTINCT o.norm, ', ') AS norms
		FROM alert_identifiers mine
		JOIN alert_identifiers o ON o.kind = mine.kind AND o.norm = mine.norm AND o.alert_id <> mine.alert_id
		JOIN alerts a ON a.id = o.alert_id
		WHERE mine.alert_id = $1 AND mine.kind IN ('container', 'imo', 'seal', 'bl')
		  AND NOT a.drill AND a.state <> 'withdrawn' AND a.id < $1
		GROUP BY a.id, a.ref, a.author_country, a.submitted_at
		ORDER BY a.submitted_at DESC
		LIMIT 10`, id)
	if err != nil {
		return nil, fmt.Errorf("linked alerts of %d: %w", id, err)
	}
	return ls, nil
}

// visibleTo is the SQL condition of the alerts member $1 may see in the register: analysts and
// admins ($2) every alert past submission, anyone else the alerts whose audience included
// them, and their own.
const visibleTo = `(
		($2 AND a.state <> 'withdrawn')
		OR a.author_id = $1
		OR EXISTS (SELECT 1 FROM alert_recipients r WHERE r.alert_id = a.id AND r.member_id = $1))`

// CanSee reports whether a member may see an alert.
func CanSee(ctx context.Context, q Querier, alertID, memberID int64, analyst bool) (bool, error) {
	var ok bool
	err := q.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM alerts a WHERE a.id = $3 AND `+visibleTo+`)`,
		memberID, analyst, alertID)
	if err != nil {
		return false, fmt.Errorf("can see alert %d: %w", alertID, err)
	}
	return ok, nil
}

// RegisterPage lists the alerts a member may see, newest first, drills left out; limit+1 rows
// are asked for so that the caller knows whether there is a next page.
func RegisterPage(ctx context.Context, q Querier, memberID int64, analyst bool, offset, limit int) ([]Alert, error) {
	var as []Alert
	err := q.SelectContext(ctx, &as, `
		SELECT `+prefixed("a.", alertColumns)+` FROM alerts a
		WHERE NOT a.drill AND `+visibleTo+`
		ORDER BY a.submitted_at DESC, a.id DESC
		OFFSET $3 LIMIT $4`, memberID, analyst, offset, limit+1)
	if err != nil {
		return nil, fmt.Errorf("alert register: %w", err)
	}
	return as, nil
}

// FindAlerts lists the alerts a member may see that carry an identifier (normalized),
// drills left out.
func FindAlerts(ctx context.Context, q Querier, memberID int64, analyst bool, norm string) ([]Alert, error) {
	var as []Alert
	err := q.SelectContext(ctx, &as, `
		SELECT `+prefixed("a.", alertColumns)+` FROM alerts a
		WHERE NOT a.drill AND `+visibleTo+`
		  AND EXISTS (SELECT 1 FROM alert_identifiers i WHERE i.alert_id = a.id AND i.norm = $3)
		ORDER BY a.submitted_at DESC
		LIMIT 20`, memberID, analyst, norm)
	if err != nil {
		return nil, fmt.Errorf("find alerts: %w", err)
	}
	return as, nil
}

// AlertsSince lists non-drill alerts submitted at or after since, oldest first, for export.
func AlertsSince(ctx context.Context, q Querier, since time.Time) ([]Alert, error) {
	var as []Alert
	err := q.SelectContext(ctx, &as, `
		SELECT `+alertColumns+` FROM alerts
		WHERE NOT drill AND submitted_at >= $1
		ORDER BY submitted_at, id`, since)
	if err != nil {
		return nil, fmt.Errorf("alerts since %s: %w", since.Format(time.DateOnly), err)
	}
	return as, nil
}

// AckCounts is how many of an alert's audience acknowledged.
type AckCounts struct {
	Acked int `db:"acked"`
	Total int `db:"total"`
}

// AlertAckCounts counts an alert's acknowledgements.
func AlertAckCounts(ctx context.Context, q Querier, alertID int64) (AckCounts, error) {
	var c AckCounts
	err := q.GetContext(ctx, &c, `
		SELECT count(acked_at) AS acked, count(*) AS total
		FROM alert_recipients WHERE alert_id = $1`, alertID)
	if err != nil {
		return c, fmt.Errorf("ack counts of alert %d: %w", alertID, err)
	}
	return c, nil
}

// Followup is a result or update attached to an alert.
type Followup struct {
	ID          int64      `db:"id"`
	AlertID     int64      `db:"alert_id"`
	AuthorID    int64      `db:"author_id"`
	Kind        string     `db:"kind"` // followup | update | cancel
	Text        string     `db:"text"`
	Lang        string     `db:"lang"`
	FileKind    *string    `db:"file_kind"`
	FileID      *string    `db:"file_id"`
	CreatedAt   time.Time  `db:"created_at"`
	PublishedBy *int64     `db:"published_by"`
	PublishedAt *time.Time `db:"published_at"`
}

const followupColumns = `id, alert_id, author_id, kind, text, lang, file_kind, file_id, created_at, published_by, published_at`

// InsertFollowup stores a follow-up; an update or cancellation notice is published at once.
func InsertFollowup(ctx context.Context, q Querier, f *Followup) (int64, error) {
	err := q.GetContext(ctx, &f.ID, `
		INSERT INTO alert_followups (alert_id, author_id, kind, text, lang, file_kind, file_id, created_at,
		                             published_by, published_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		RETURNING id`,
		f.AlertID, f.AuthorID, f.Kind, f.Text, f.Lang, f.FileKind, f.FileID, f.CreatedAt, f.PublishedBy, f.PublishedAt)
	if err != nil {
		return 0, fmt.Errorf("insert follow-up: %w", err)
	}
	return f.ID, nil
}

// FollowupByID finds a follow-up.
func FollowupByID(ctx context.Context, q Querier, id int64) (*Followup, error) {
	var f Followup
	if err := q.GetContext(ctx, &f, `SELECT `+followupColumns+` FROM alert_followups WHERE id = $1`, id); err != nil {
		return nil, fmt.Errorf("follow-up %d: %w", id, notFound(err))
	}
	return &f, nil
}

// PublishFollowup marks a follow-up published by an analyst; ErrNotFound when it was already.
func PublishFollowup(ctx context.Context, q Querier, id, by int64, at time.Time) (*Followup, error) {
	var f Followup
	err := q.GetContext(ctx, &f, `
		UPDATE alert_followups SET published_by = $2, published_at = $3
		WHERE id = $1 AND published_at IS NULL
		RETURNING `+followupColumns, id, by, at)
	if err != nil {
		return nil, fmt.Errorf("publish follow-up %d: %w", id, notFound(err))
	}
	return &f, nil
}

// Followups lists an alert's follow-ups, oldest first; only the published ones unless all.
func Followups(ctx context.Context, q Querier, alertID int64, all bool) ([]Followup, error) {
	var fs []Followup
	err := q.SelectContext(ctx, &fs, `
		SELECT `+followupColumns+` FROM alert_followups
		WHERE alert_id = $1 AND ($2 OR published_at IS NOT NULL)
		ORDER BY id`, alertID, all)
	if err != nil {
		return nil, fmt.Errorf("follow-ups of alert %d: %w", alertID, err)
	}
	return fs, nil
}

// prefixed qualifies a column list with a table alias.
func prefixed(alias, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = alias + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}
