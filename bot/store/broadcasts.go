package store

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// Broadcast is CARICC's message to an audience of the network.
type Broadcast struct {
	ID             int64          `db:"id"`
	AuthorID       int64          `db:"author_id"`
	State          string         `db:"state"` // draft, scheduled, sent, cancelled
	Priority       int16          `db:"priority"`
	AudienceAll    bool           `db:"audience_all"`
	Countries      pq.StringArray `db:"countries"`
	Roles          pq.StringArray `db:"roles"`
	Agencies       pq.StringArray `db:"agencies"`
	AckRequested   bool           `db:"ack_requested"`
	FallbackLang   string         `db:"fallback_lang"`
	PhotoFileID    string         `db:"photo_file_id"`
	DocumentFileID string         `db:"document_file_id"`
	ScheduledFor   *time.Time     `db:"scheduled_for"`
	SentAt         *time.Time     `db:"sent_at"`
	Recipients     int            `db:"recipients"`
	CreatedAt      time.Time      `db:"created_at"`
	Confidential   bool           `db:"confidential"` // read in the Mini App (CONFIDENTIAL_CONTENT)
}

// Broadcast states.
const (
	BroadcastDraft     = "draft"
	BroadcastScheduled = "scheduled"
	BroadcastSent      = "sent"
	BroadcastCancelled = "cancelled"
)

// AudienceChosen reports whether any audience was chosen at all.
func (b *Broadcast) AudienceChosen() bool {
	return b.AudienceAll || len(b.Countries) > 0 || len(b.Roles) > 0 || len(b.Agencies) > 0
}

const broadcastColumns = `id, author_id, state, priority, audience_all, countries, roles, agencies,
	ack_requested, fallback_lang, photo_file_id, document_file_id, scheduled_for, sent_at, recipients, created_at, confidential`

// CreateBroadcastDraft starts a draft with its first language version; that language is the
// fallback until the author picks another. With text "" it has no version yet (a confidential
// broadcast, whose texts are written in the Mini App).
func CreateBroadcastDraft(ctx context.Context, q Querier, authorID int64, lang, text, photoFileID, documentFileID string) (int64, error) {
	var id int64
	err := q.GetContext(ctx, &id, `
		INSERT INTO broadcasts (author_id, fallback_lang, photo_file_id, document_file_id)
		VALUES ($1, $2, $3, $4) RETURNING id`, authorID, lang, photoFileID, documentFileID)
	if err != nil {
		return 0, fmt.Errorf("create broadcast: %w", err)
	}
	if text == "" {
		return id, nil
	}
	if err := SetBroadcastText(ctx, q, id, lang, text); err != nil {
		return 0, err
	}
	return id, nil
}

// SetBroadcastText adds or replaces one language version of a draft.
func SetBroadcastText(ctx context.Context, q Querier, id int64, lang, text string) error {
	_, err := q.ExecContext(ctx, `
		INSERT INTO broadcast_texts (broadcast_id, lang, text) VALUES ($1, $2, $3)
		ON CONFLICT (broadcast_id, lang) DO UPDATE SET text = excluded.text`, id, lang, text)
	if err != nil {
		return fmt.Errorf("broadcast #%d text %s: %w", id, lang, err)
	}
	return nil
}

// DeleteBroadcastText removes one language version of a draft (none: nothing changes).
func DeleteBroadcastText(ctx context.Context, q Querier, id int64, lang string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM broadcast_texts WHERE broadcast_id = $1 AND lang = $2`, id, lang); err != nil {
		return fmt.Errorf("broadcast #%d text %s: %w", id, lang, err)
	}
	return nil
}

// BroadcastByID finds a broadcast by ID.
func BroadcastByID(ctx context.Context, q Querier, id int64) (*Broadcast, error) {
	var b Broadcast
	if err := q.GetContext(ctx, &b, `SELECT `+broadcastColumns+` FROM broadcasts WHERE id = $1`, id); err != nil {
		return nil, fmt.Errorf("broadcast #%d: %w", id, notFound(err))
	}
	return &b, nil
}

// BroadcastTexts returns a broadcast's language versions: language → text.
func BroadcastTexts(ctx context.Context, q Querier, id int64) (map[string]string, error) {
	var rows []struct {
		Lang string `db:"lang"`
		Text string `db:"text"`
	}
	if err := q.SelectContext(ctx, &rows, `SELECT lang, text FROM broadcast_texts WHERE broadcast_id = $1`, id); err != nil {
		return nil, fmt.Errorf("broadcast #%d texts: %w", id, err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Lang] = r.Text
	}
	return out, nil
}

// UpdateBroadcastDraft saves the editable settings of a draft. It changes nothing and returns
// ErrNotFound once the broadcast is no longer a draft of that author (sent, scheduled,
// cancelled): a late press on an old panel must not alter what went out.
func UpdateBroadcastDraft(ctx context.Context, q Querier, b *Broadcast) error {
	res, err := q.ExecContext(ctx, `
		UPDATE broadcasts SET priority = $3, audience_all = $4, countries = $5, roles = $6, agencies = $7,
		       ack_requested = $8, fallback_lang = $9, scheduled_for = $10, confidential = $11
		WHERE id = $1 AND author_id = $2 AND state = 'draft'`,
		b.ID, b.AuthorID, b.Priority, b.AudienceAll, nonNilStrings(b.Countries), nonNilStrings(b.Roles), nonNilStrings(b.Agencies),
		b.AckRequested, b.FallbackLang, b.ScheduledFor, b.Confidential)
	if err != nil {
		return fmt.Errorf("update broadcast #%d: %w", b.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("draft broadcast #%d: %w", b.ID, ErrNotFound)
	}
	return nil
}

// nonNilStrings is for a text[] parameter: pq sends a nil StringArray as NULL, not as an empty array.
func nonNilStrings(a pq.StringArray) pq.StringArray {
	if a == nil {
		return pq.StringArray{}
	}
	return a
}

// Recipient is a member something is delivered to.
type Recipient struct {
	MemberID int64 `db:"id"`
	ChatID   int64 `db:"chat_id"`
}

// audienceWhere selects the active members of a broadcast's audience, the author excepted: the
// whole network, or those matching every non-empty list (country, role, agency). Nothing chosen
// selects nobody. Parameters: $1 author, $2 all, $3 countries, $4 roles, $5 agencies.
const audienceWhere = `
	state = 'active' AND id <> $1
	AND ($2 OR ((cardinality($3::text[]) + cardinality($4::text[]) + cardinality($5::text[])) > 0
	    AND (cardinality($3::text[]) = 0 OR country = ANY($3::text[]))
	    AND (cardinality($4::text[]) = 0 OR role = ANY($4::text[]))
	    AND (cardinality($5::text[]) = 0 OR agency = ANY($5::text[]))))`

// BroadcastAudience lists the members a broadcast would reach now.
func BroadcastAudience(ctx context.Context, q Querier, b *Broadcast) ([]Recipient, error) {
	var rows []Recipient
	err := q.SelectContext(ctx, &rows, `SELECT id, chat_id FROM members WHERE `+audienceWhere+` ORDER BY id`,
		b.AuthorID, b.AudienceAll, nonNilStrings(b.Countries), nonNilStrings(b.Roles), nonNilStrings(b.Agencies))
	if err != nil {
		return nil, fmt.Errorf("broadcast #%d audience: %w", b.ID, err)
	}
	return rows, nil
}

// CountBroadcastAudience is the number of members a broadcast would reach now.
func CountBroadcastAudience(ctx context.Context, q Querier, b *Broadcast) (int, error) {
	var n int
	err := q.GetContext(ctx, &n, `SELECT count(*) FROM members WHERE `+audienceWhere,
		b.AuthorID, b.AudienceAll, nonNilStrings(b.Countries), nonNilStrings(b.Roles), nonNilStrings(b.Agencies))
	if err != nil {
		return 0, fmt.Errorf("broadcast #%d audience count: %w", b.ID, err)
	}
	return n, nil
}

// TransitionBroadcast moves a broadcast from one state to another, only if it is in `from`
// (and, for authorID ≠ 0, is that author's): the conditional UPDATE is what makes a second
// press of Confirm or Cancel do nothing. It returns the broadcast as it now is, or ErrNotFound
// when it was not in `from`.
func TransitionBroadcast(ctx context.Context, q Querier, id, authorID int64, from, to string) (*Broadcast, error) {
	var b Broadcast
	err := q.GetContext(ctx, &b, `
		UPDATE broadcasts SET state = $4
		WHERE id = $1 AND ($2 = 0 OR author_id = $2) AND state = $3
		RETURNING `+broadcastColumns, id, authorID, from, to)
	if err != nil {
		return nil, fmt.Errorf("broadcast #%d %s → %s: %w", id, from, to, notFound(err))
	}
	return &b, nil
}

// RecordBroadcastSent notes when a broadcast went out and the recipients it went to.
func RecordBroadcastSent(ctx context.Context, q Querier, id int64, at time.Time, recipients []Recipient) error {
	ids := make([]int64, len(recipients))
	for i, r := range recipients {
		ids[i] = r.MemberID
	}
	if _, err := q.ExecContext(ctx, `
		INSERT INTO broadcast_recipients (broadcast_id, member_id)
		SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`, id, pq.Array(ids)); err != nil {
		return fmt.Errorf("broadcast #%d recipients: %w", id, err)
	}
	if _, err := q.ExecContext(ctx, `UPDATE broadcasts SET sent_at = $2, recipients = $3 WHERE id = $1`,
		id, at, len(recipients)); err != nil {
		return fmt.Errorf("broadcast #%d sent: %w", id, err)
	}
	return nil
}

// ClaimDueBroadcasts locks the scheduled broadcasts due at now; the caller sends them in the
// same transaction. SKIP LOCKED lets two instances run the job without sending one twice.
func ClaimDueBroadcasts(ctx context.Context, q Querier, now time.Time) ([]Broadcast, error) {
	var rows []Broadcast
	err := q.SelectContext(ctx, &rows, `
		SELECT `+broadcastColumns+` FROM broadcasts
		WHERE state = 'scheduled' AND scheduled_for <= $1
		ORDER BY scheduled_for, id
		FOR UPDATE SKIP LOCKED`, now)
	if err != nil {
		return nil, fmt.Errorf("due broadcasts: %w", err)
	}
	return rows, nil
}

// AckBroadcast records a recipient's acknowledgement. It reports whether this call recorded it
// (false: acknowledged before); ErrNotFound means the member was not a recipient.
func AckBroadcast(ctx context.Context, q Querier, id, memberID int64, at time.Time) (bool, error) {
	var acked *time.Time
	err := q.GetContext(ctx, &acked, `
		WITH upd AS (
			UPDATE broadcast_recipients SET acked_at = $3
			WHERE broadcast_id = $1 AND member_id = $2 AND acked_at IS NULL
			RETURNING acked_at)
		SELECT (SELECT acked_at FROM upd) FROM broadcast_recipients
		WHERE broadcast_id = $1 AND member_id = $2`, id, memberID, at)
	if err != nil {
		return false, fmt.Errorf("acknowledge broadcast #%d: %w", id, notFound(err))
	}
	return acked != nil, nil
}

// BroadcastRecipient reports whether a member is a recipient of a sent broadcast, and whether
// they acknowledged it.
func BroadcastRecipient(ctx context.Context, q Querier, id, memberID int64) (recipient, acked bool, err error) {
	var ackedRows []bool
	if err := q.SelectContext(ctx, &ackedRows, `
		SELECT acked_at IS NOT NULL FROM broadcast_recipients WHERE broadcast_id = $1 AND member_id = $2`, id, memberID); err != nil {
		return false, false, fmt.Errorf("broadcast #%d recipient %d: %w", id, memberID, err)
	}
	return len(ackedRows) > 0, len(ackedRows) > 0 && ackedRows[0], nil
}

// BroadcastsByAuthor lists an author's latest broadcasts, drafts excepted, newest first.
func BroadcastsByAuthor(ctx context.Context, q Querier, authorID int64, limit int) ([]Broadcast, error) {
	var rows []Broadcast
	err := q.SelectContext(ctx, &rows, `
		SELECT `+broadcastColumns+` FROM broadcasts
		WHERE author_id = $1 AND state <> 'draft'
		ORDER BY id DESC LIMIT $2`, authorID, limit)
	if err != nil {
		return nil, fmt.Errorf("broadcasts of #%d: %w", authorID, err)
	}
	return rows, nil
}

// BroadcastAckCount is how many recipients acknowledged a broadcast.
func BroadcastAckCount(ctx context.Context, q Querier, id int64) (int, error) {
	var n int
	err := q.GetContext(ctx, &n, `SELECT count(*) FROM broadcast_recipients WHERE broadcast_id = $1 AND acked_at IS NOT NULL`, id)
	if err != nil {
		return 0, fmt.Errorf("broadcast #%d acks: %w", id, err)
	}
	return n, nil
}

// RecipientState is where one recipient of a broadcast stands.
type RecipientState struct {
	MemberID    int64      `db:"member_id"`
	DisplayName string     `db:"display_name"`
	Country     *string    `db:"country"`
	Unit        string     `db:"unit"`
	Agency      string     `db:"agency"`
	Delivery    string     `db:"delivery"` // the outbox state: pending, sending, sent, failed, cancelled; '' if none
	AckedAt     *time.Time `db:"acked_at"`
}

// BroadcastRecipientStates lists the recipients of a broadcast with their delivery and
// acknowledgement, by country and name.
func BroadcastRecipientStates(ctx context.Context, q Querier, id int64) ([]RecipientState, error) {
	var rows []RecipientState
	err := q.SelectContext(ctx, &rows, `
		SELECT r.member_id, m.display_name, m.country, m.unit, m.agency, coalesce(o.state, '') AS delivery, r.acked_at
		FROM broadcast_recipients r
		JOIN members m ON m.id = r.member_id
		LEFT JOIN outbox o ON o.kind = 'broadcast' AND o.ref_id = r.broadcast_id AND o.member_id = r.member_id AND o.variant = ''
		WHERE r.broadcast_id = $1
		ORDER BY m.country NULLS LAST, m.display_name, m.id`, id)
	if err != nil {
		return nil, fmt.Errorf("broadcast #%d recipient states: %w", id, err)
	}
	return rows, nil
}

// PurgeAbandonedDrafts stamps, at now, the broadcast drafts that no conversation of flow holds
// any more (the conversation's data field key holds the draft's id), and deletes those
// stamped before cutoff with their texts. It returns how many it deleted.
func PurgeAbandonedDrafts(ctx context.Context, q Querier, flow, key string, now, cutoff time.Time) (int, error) {
	if _, err := q.ExecContext(ctx, `
		UPDATE broadcasts b SET abandoned_at = $3
		WHERE b.state = 'draft' AND b.abandoned_at IS NULL
		  AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.flow = $1 AND c.data->>$2 = b.id::text)`,
		flow, key, now); err != nil {
		return 0, fmt.Errorf("stamp abandoned broadcast drafts: %w", err)
	}
	res, err := q.ExecContext(ctx, `
		WITH gone AS (
			SELECT id FROM broadcasts WHERE state = 'draft' AND abandoned_at < $1
			  AND NOT EXISTS (SELECT 1 FROM broadcast_recipients r WHERE r.broadcast_id = broadcasts.id)
		), texts AS (
			DELETE FROM broadcast_texts WHERE broadcast_id IN (SELECT id FROM gone)
		)
		DELETE FROM broadcasts WHERE id IN (SELECT id FROM gone)`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("delete abandoned broadcast drafts: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete abandoned broadcast drafts: %w", err)
	}
	return int(n), nil
}
