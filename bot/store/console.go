package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The analysts' web console: its sign-in links and sessions (tokens kept as SHA-256 only), and
// the read-only queries of its register, statistics and map.

// CreateConsoleLink stores the hash of a new sign-in link of a member.
func CreateConsoleLink(ctx context.Context, q Querier, memberID int64, hash []byte, now, expires time.Time) error {
	_, err := q.ExecContext(ctx, `
		INSERT INTO console_links (token_hash, member_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		hash, memberID, now, expires)
	if err != nil {
		return fmt.Errorf("create console link: %w", err)
	}
	return nil
}

// UseConsoleLink marks a link used and returns its member. The conditional UPDATE is the
// check: a link used before, expired or unknown matches nothing (ErrNotFound), and of two
// opening it at once only one gets it.
func UseConsoleLink(ctx context.Context, q Querier, hash []byte, now time.Time) (int64, error) {
	var memberID int64
	err := q.GetContext(ctx, &memberID, `
		UPDATE console_links SET used_at = $2
		WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
		RETURNING member_id`, hash, now)
	if err != nil {
		return 0, fmt.Errorf("use console link: %w", notFound(err))
	}
	return memberID, nil
}

// ConsoleSession is a signed-in browser.
type ConsoleSession struct {
	ID       int64  `db:"id"`
	MemberID int64  `db:"member_id"`
	CSRF     string `db:"csrf"`
}

// CreateConsoleSession starts a session; hash is the SHA-256 of the cookie's token.
func CreateConsoleSession(ctx context.Context, q Querier, memberID int64, hash []byte, csrf string, now time.Time) (int64, error) {
	var id int64
	err := q.GetContext(ctx, &id, `
		INSERT INTO console_sessions (token_hash, csrf, member_id, created_at, last_seen_at)
		VALUES ($1, $2, $3, $4, $4) RETURNING id`, hash, csrf, memberID, now)
	if err != nil {
		return 0, fmt.Errorf("create console session: %w", err)
	}
	return id, nil
}

// TouchConsoleSession finds the live session of a cookie and records the request: a session
// ended, or idle since before now-idle, is ErrNotFound.
func TouchConsoleSession(ctx context.Context, q Querier, hash []byte, now time.Time, idle time.Duration) (*ConsoleSession, error) {
	var s ConsoleSession
	err := q.GetContext(ctx, &s, `
		UPDATE console_sessions SET last_seen_at = greatest(last_seen_at, $2)
		WHERE token_hash = $1 AND ended_at IS NULL AND last_seen_at > $3
		RETURNING id, member_id, csrf`, hash, now, now.Add(-idle))
	if err != nil {
		return nil, fmt.Errorf("console session: %w", notFound(err))
	}
	return &s, nil
}

// EndConsoleSession ends a session (sign-out, or its member lost access).
func EndConsoleSession(ctx context.Context, q Querier, id int64, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE console_sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL`, id, now)
	if err != nil {
		return fmt.Errorf("end console session %d: %w", id, err)
	}
	return nil
}

// AlertFilter is what the console's register filters alerts by; zero values filter nothing.
type AlertFilter struct {
	From, To       *time.Time // submitted at or after From, before To
	Classification string
	State          string
	Country        string // on the route
	Substance      string
	Conveyance     string
	Ident          string // a normalized identifier, or a reference number
	Drills         bool   // drills shown too
	Sort           string // newest (default), oldest, ref, classification, state
}

// alertSorts are the orders the register offers, by AlertFilter.Sort.
var alertSorts = map[string]string{
	"":               "a.submitted_at DESC, a.id DESC",
	"newest":         "a.submitted_at DESC, a.id DESC",
	"oldest":         "a.submitted_at, a.id",
	"ref":            "a.ref",
	"classification": "a.classification, a.submitted_at DESC",
	"state":          "a.state, a.submitted_at DESC",
}

// AlertSortKeys are the valid values of AlertFilter.Sort.
var AlertSortKeys = []string{"newest", "oldest", "ref", "classification", "state"}

// where builds the condition of the filter, its arguments numbered from $1. What every
// analyst sees in the bot's register is the base: every alert past submission but withdrawn
// ones.
func (f AlertFilter) where() (string, []any) {
	conds := []string{"a.state <> 'withdrawn'"}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if !f.Drills {
		conds = append(conds, "NOT a.drill")
	}
	if f.From != nil {
		conds = append(conds, "a.submitted_at >= "+arg(*f.From))
	}
	if f.To != nil {
		conds = append(conds, "a.submitted_at < "+arg(*f.To))
	}
	if f.Classification != "" {
		conds = append(conds, "a.classification = "+arg(f.Classification))
	}
	if f.State != "" {
		conds = append(conds, "a.state = "+arg(f.State))
	}
	if f.Country != "" {
		conds = append(conds, "a.content->'route' @> jsonb_build_array(jsonb_build_object('country', "+arg(f.Country)+"::text))")
	}
	if f.Substance != "" {
		conds = append(conds, "a.content->>'substance' = "+arg(f.Substance))
	}
	if f.Conveyance != "" {
		conds = append(conds, "a.content->>'conveyance' = "+arg(f.Conveyance))
	}
	if f.Ident != "" {
		p := arg(f.Ident)
		conds = append(conds, "(a.ref = upper("+p+") OR EXISTS (SELECT 1 FROM alert_identifiers i WHERE i.alert_id = a.id AND i.norm = "+p+"))")
	}
	return strings.Join(conds, " AND "), args
}

// ConsoleAlert is a row of the console's register: the alert and how many acknowledged.
type ConsoleAlert struct {
	Alert
	Acked int `db:"acked"`
	Total int `db:"total"`
}

// ConsoleAlerts lists the alerts matching f in its order, offset and limit applied (limit 0:
// all, for export), and how many match in all.
func ConsoleAlerts(ctx context.Context, q Querier, f AlertFilter, offset, limit int) ([]ConsoleAlert, int, error) {
	where, args := f.where()
	var total int
	if err := q.GetContext(ctx, &total, `SELECT count(*) FROM alerts a WHERE `+where, args...); err != nil {
		return nil, 0, fmt.Errorf("console alerts count: %w", err)
	}
	order, ok := alertSorts[f.Sort]
	if !ok {
		order = alertSorts[""]
	}
	page := ""
	if limit > 0 {
		page = fmt.Sprintf(" OFFSET %d LIMIT %d", max(offset, 0), limit)
	}
	var rows []ConsoleAlert
	err := q.SelectContext(ctx, &rows, `
		SELECT `+prefixed("a.", alertColumns)+`,
		       (SELECT count(r.acked_at) FROM alert_recipients r WHERE r.alert_id = a.id) AS acked,
		       (SELECT count(*) FROM alert_recipients r WHERE r.alert_id = a.id) AS total
		FROM alerts a WHERE `+where+` ORDER BY `+order+page, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("console alerts: %w", err)
	}
	return rows, total, nil
}

// AckRow is one recipient of an alert in the acknowledgement matrix: who, when the alert
// reached them (the outbox's first send of it), and when they acknowledged.
type AckRow struct {
	Member
	DeliveryState *string    `db:"delivery_state"` // the outbox row's state; nil when none
	DeliveredAt   *time.Time `db:"delivered_at"`
	AckedAt       *time.Time `db:"acked_at"`
}

// AckMatrix lists an alert's recipients by country and name, with delivery and
// acknowledgement.
func AckMatrix(ctx context.Context, q Querier, alertID int64) ([]AckRow, error) {
	var rows []AckRow
	err := q.SelectContext(ctx, &rows, `
		SELECT `+prefixed("m.", memberColumns)+`, o.state AS delivery_state, o.sent_at AS delivered_at, r.acked_at
		FROM alert_recipients r
		JOIN members m ON m.id = r.member_id
		LEFT JOIN outbox o ON o.kind = 'alert' AND o.ref_id = r.alert_id AND o.member_id = r.member_id AND o.variant = ''
		WHERE r.alert_id = $1
		ORDER BY m.country NULLS FIRST, m.display_name, m.id`, alertID)
	if err != nil {
		return nil, fmt.Errorf("ack matrix of alert %d: %w", alertID, err)
	}
	return rows, nil
}

// ConsoleRFI is a row of the console's list of requests.
type ConsoleRFI struct {
	RFI
	Requester string     `db:"requester"`
	Replies   int        `db:"replies"`
	FirstAt   *time.Time `db:"first_reply_at"`
}

// ConsoleRFIs lists requests created in [from, to) (nil: open-ended), newest first; state ""
// for all. limit 0: all.
func ConsoleRFIs(ctx context.Context, q Querier, from, to *time.Time, state string, offset, limit int) ([]ConsoleRFI, int, error) {
	where := `($1::timestamptz IS NULL OR f.created_at >= $1) AND ($2::timestamptz IS NULL OR f.created_at < $2) AND ($3 = '' OR f.state = $3)`
	var total int
	if err := q.GetContext(ctx, &total, `SELECT count(*) FROM rfis f WHERE `+where, from, to, state); err != nil {
		return nil, 0, fmt.Errorf("console requests count: %w", err)
	}
	page := ""
	if limit > 0 {
		page = fmt.Sprintf(" OFFSET %d LIMIT %d", max(offset, 0), limit)
	}
	var rows []ConsoleRFI
	err := q.SelectContext(ctx, &rows, `
		SELECT f.id, f.ref, f.requester_id, f.target_countries, f.target_member_id, f.to_caricc, f.urgency,
		       f.alert_ref, f.reply_by, f.escalate_at, f.state, f.created_at, f.closed_at, f.closed_by,
		       f.reminded_at, f.escalated_at,
		       m.display_name AS requester,
		       (SELECT count(*) FROM rfi_messages x WHERE x.rfi_id = f.id AND x.kind = 'reply') AS replies,
		       (SELECT min(x.created_at) FROM rfi_messages x WHERE x.rfi_id = f.id AND x.kind = 'reply') AS first_reply_at
		FROM rfis f JOIN members m ON m.id = f.requester_id
		WHERE `+where+` ORDER BY f.created_at DESC, f.id DESC`+page, from, to, state)
	if err != nil {
		return nil, 0, fmt.Errorf("console requests: %w", err)
	}
	return rows, total, nil
}

// ConsoleBroadcast is a row of the console's list of broadcasts.
type ConsoleBroadcast struct {
	Broadcast
	Author string `db:"author"`
	Acked  int    `db:"acked"`
}

// ConsoleBroadcasts lists broadcasts sent or scheduled (drafts left out) created in [from, to),
// newest first. limit 0: all.
func ConsoleBroadcasts(ctx context.Context, q Querier, from, to *time.Time, offset, limit int) ([]ConsoleBroadcast, int, error) {
	where := `b.state <> 'draft' AND ($1::timestamptz IS NULL OR b.created_at >= $1) AND ($2::timestamptz IS NULL OR b.created_at < $2)`
	var total int
	if err := q.GetContext(ctx, &total, `SELECT count(*) FROM broadcasts b WHERE `+where, from, to); err != nil {
		return nil, 0, fmt.Errorf("console broadcasts count: %w", err)
	}
	page := ""
	if limit > 0 {
		page = fmt.Sprintf(" OFFSET %d LIMIT %d", max(offset, 0), limit)
	}
	var rows []ConsoleBroadcast
	err := q.SelectContext(ctx, &rows, `
		SELECT b.id, b.author_id, b.state, b.priority, b.audience_all, b.countries, b.roles, b.agencies,
		       b.ack_requested, b.fallback_lang, b.photo_file_id, b.document_file_id, b.scheduled_for,
		       b.sent_at, b.recipients, b.created_at,
		       m.display_name AS author,
		       (SELECT count(r.acked_at) FROM broadcast_recipients r WHERE r.broadcast_id = b.id) AS acked
		FROM broadcasts b JOIN members m ON m.id = b.author_id
		WHERE `+where+` ORDER BY b.created_at DESC, b.id DESC`+page, from, to)
	if err != nil {
		return nil, 0, fmt.Errorf("console broadcasts: %w", err)
	}
	return rows, total, nil
}

// Count is one cell of a statistic: a month (YYYY-MM), a key (a substance, a country…) and
// how many.
type Count struct {
	Month string `db:"month"`
	Key   string `db:"key"`
	N     int    `db:"n"`
}

// statAlerts are the alerts the statistics count: published (cancelled ones were published
// too), no drills, published in [$1, $2).
const statAlerts = `a.published_at IS NOT NULL AND NOT a.drill AND a.published_at >= $1 AND a.published_at < $2`

// AlertsPerMonth counts published alerts per month (UTC) and per key: "substance",
// "conveyance" or "country" (each country on the route once per alert).
func AlertsPerMonth(ctx context.Context, q Querier, by string, from, to time.Time) ([]Count, error) {
	var query string
	switch by {
	case "substance", "conveyance":
		query = `SELECT to_char(a.published_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month,
		                coalesce(nullif(a.content->>'` + by + `', ''), '') AS key, count(*) AS n
		         FROM alerts a WHERE ` + statAlerts + ` GROUP BY 1, 2 ORDER BY 1, 2`
	case "country":
		query = `SELECT to_char(a.published_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, c.key, count(DISTINCT a.id) AS n
		         FROM alerts a
		         CROSS JOIN LATERAL (SELECT DISTINCT p->>'country' AS key
		                             FROM jsonb_array_elements(coalesce(a.content->'route', '[]')) p
		                             WHERE coalesce(p->>'country', '') <> '') c
		         WHERE ` + statAlerts + ` GROUP BY 1, 2 ORDER BY 1, 2`
	default:
		return nil, fmt.Errorf("alerts per month by %q: unknown", by)
	}
	var rows []Count
	if err := q.SelectContext(ctx, &rows, query, from, to); err != nil {
		return nil, fmt.Errorf("alerts per month by %s: %w", by, err)
	}
	return rows, nil
}

// AckTime is how fast one country's recipients acknowledged published alerts.
type AckTime struct {
	Country    string   `db:"country"` // '' for members without one (CARICC)
	Recipients int      `db:"recipients"`
	Acked      int      `db:"acked"`
	Median     *float64 `db:"median_s"` // seconds from publication to acknowledgement
	P90        *float64 `db:"p90_s"`
}

// AckTimes measures, per recipient country, the time from publication to acknowledgement of
// the alerts published in [from, to).
func AckTimes(ctx context.Context, q Querier, from, to time.Time) ([]AckTime, error) {
	var rows []AckTime
	err := q.SelectContext(ctx, &rows, `
		SELECT coalesce(m.country, '') AS country, count(*) AS recipients, count(r.acked_at) AS acked,
		       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.acked_at - a.published_at)) AS median_s,
		       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM r.acked_at - a.published_at)) AS p90_s
		FROM alert_recipients r
		JOIN alerts a ON a.id = r.alert_id
		JOIN members m ON m.id = r.member_id
		WHERE `+statAlerts+`
		GROUP BY 1 ORDER BY 1`, from, to)
	if err != nil {
		return nil, fmt.Errorf("ack times: %w", err)
	}
	return rows, nil
}

// RFIDeadlines is how one month's requests were answered: the first reply by the deadline,
// after it, or none yet.
type RFIDeadlines struct {
	Month   string `db:"month"`
	Total   int    `db:"total"`
	InTime  int    `db:"in_time"`
	Late    int    `db:"late"`
	Nothing int    `db:"nothing"`
}

// RFIDeadlineCounts counts, per month of creation (UTC), the requests created in [from, to)
// by whether their first reply came by the deadline.
func RFIDeadlineCounts(ctx context.Context, q Querier, from, to time.Time) ([]RFIDeadlines, error) {
	var rows []RFIDeadlines
	err := q.SelectContext(ctx, &rows, `
		SELECT to_char(f.created_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, count(*) AS total,
		       count(*) FILTER (WHERE x.first <= f.reply_by) AS in_time,
		       count(*) FILTER (WHERE x.first > f.reply_by) AS late,
		       count(*) FILTER (WHERE x.first IS NULL) AS nothing
		FROM rfis f
		LEFT JOIN LATERAL (SELECT min(created_at) AS first FROM rfi_messages
		                   WHERE rfi_id = f.id AND kind = 'reply') x ON true
		WHERE f.created_at >= $1 AND f.created_at < $2
		GROUP BY 1 ORDER BY 1`, from, to)
	if err != nil {
		return nil, fmt.Errorf("request deadlines: %w", err)
	}
	return rows, nil
}

// MapPlace is a place of the board on the map, with its latest status if it has one.
type MapPlace struct {
	Place
	Freight    *string    `db:"freight"`
	Passengers *string    `db:"passengers"`
	PostedAt   *time.Time `db:"posted_at"`
	ValidUntil *time.Time `db:"valid_until"`
	Note       *string    `db:"note"`
}

// MapPlaces lists the active places of a country ("" for all) with their latest status;
// only those with a status unless all.
func MapPlaces(ctx context.Context, q Querier, country string, all bool) ([]MapPlace, error) {
	var rows []MapPlace
	err := q.SelectContext(ctx, &rows, `
		SELECT `+prefixed("p.", placeColumns)+`, s.freight, s.passengers, s.posted_at, s.valid_until, s.note
		FROM places p
		LEFT JOIN LATERAL (SELECT freight, passengers, posted_at, valid_until, note FROM place_statuses
		                   WHERE place_id = p.id ORDER BY id DESC LIMIT 1) s ON true
		WHERE p.active AND ($1 = '' OR p.country = $1) AND ($2 OR s.freight IS NOT NULL)
		ORDER BY s.freight IS NULL, p.country, p.name, p.id`, country, all)
	if err != nil {
		return nil, fmt.Errorf("map places: %w", err)
	}
	return rows, nil
}

// PurgeConsoleAuth deletes sign-in links expired a day or more before now and sessions ended
// (at sign-out, or by idling past idle) a day or more before now: nothing of them is needed
// after that (the audit log keeps the sign-ins). It reports how many of each went.
func PurgeConsoleAuth(ctx context.Context, q Querier, now time.Time, idle time.Duration) (links, sessions int64, err error) {
	dayAgo := now.Add(-24 * time.Hour)
	res, err := q.ExecContext(ctx, `DELETE FROM console_links WHERE expires_at < $1`, dayAgo)
	if err != nil {
		return 0, 0, fmt.Errorf("purge console links: %w", err)
	}
	links, _ = res.RowsAffected()
	res, err = q.ExecContext(ctx, `
		DELETE FROM console_sessions WHERE ended_at < $1 OR (ended_at IS NULL AND last_seen_at < $2)`,
		dayAgo, dayAgo.Add(-idle))
	if err != nil {
		return links, 0, fmt.Errorf("purge console sessions: %w", err)
	}
	sessions, _ = res.RowsAffected()
	return links, sessions, nil
}
