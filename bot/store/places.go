package store

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/lib/pq"
)

// Place is a border crossing, port, dry port, rail terminal or airport of the status board.
type Place struct {
	ID          int64          `db:"id"`
	Locode      *string        `db:"locode"` // UN/LOCODE, nil when it has none
	Country     string         `db:"country"`
	Name        string         `db:"name"`       // Latin script
	NameLocal   string         `db:"name_local"` // local script, '' when unknown
	Kinds       pq.StringArray `db:"kinds"`
	Subdivision string         `db:"subdivision"`
	IATA        string         `db:"iata"`
	Lat         *float64       `db:"lat"`
	Lon         *float64       `db:"lon"`
	Active      bool           `db:"active"`
}

// PlaceKinds are the kinds of place the board knows, in the order they are shown.
var PlaceKinds = []string{"border_crossing", "seaport", "dry_port", "rail_terminal", "road_terminal", "airport"}

// NetworkCountries are the ISO codes of the network's ten countries: the one list of them,
// in the order of the alert's audience buttons (bit i of an audience mask is
// NetworkCountries[i]), offered for invitations and member cards.
var NetworkCountries = []string{"AF", "AZ", "GE", "KZ", "KG", "PK", "TJ", "TM", "UA", "UZ"}

// PlaceLocodePattern is the shape of a UN/LOCODE: country code and three letters or digits 2–9.
var PlaceLocodePattern = regexp.MustCompile(`^[A-Z]{2}[A-Z2-9]{3}$`)

// LocodeOf is the place's UN/LOCODE or "".
func (p *Place) LocodeOf() string {
	if p.Locode == nil {
		return ""
	}
	return *p.Locode
}

const placeColumns = `id, locode, country, name, name_local, kinds, subdivision, iata, lat, lon, active`

// Places lists the places of a country ("" for all), active ones only unless all is set, by name.
func Places(ctx context.Context, q Querier, country string, all bool) ([]Place, error) {
	var rows []Place
	err := q.SelectContext(ctx, &rows, `
		SELECT `+placeColumns+` FROM places
		WHERE ($1 = '' OR country = $1) AND ($2 OR active)
		ORDER BY country, name, id`, country, all)
	if err != nil {
		return nil, fmt.Errorf("places of %q: %w", country, err)
	}
	return rows, nil
}

// PlaceByID finds a place by ID.
func PlaceByID(ctx context.Context, q Querier, id int64) (*Place, error) {
	var p Place
	if err := q.GetContext(ctx, &p, `SELECT `+placeColumns+` FROM places WHERE id = $1`, id); err != nil {
		return nil, fmt.Errorf("place #%d: %w", id, notFound(err))
	}
	return &p, nil
}

// PlaceByLocode finds a place by its UN/LOCODE (upper case).
func PlaceByLocode(ctx context.Context, q Querier, locode string) (*Place, error) {
	var p Place
	if err := q.GetContext(ctx, &p, `SELECT `+placeColumns+` FROM places WHERE locode = $1`, locode); err != nil {
		return nil, fmt.Errorf("place %s: %w", locode, notFound(err))
	}
	return &p, nil
}

// LockPlace locks a place's row for the transaction, so that statuses of one place are posted
// one after another (the "still valid" check looks at the latest).
func LockPlace(ctx context.Context, q Querier, id int64) (*Place, error) {
	var p Place
	if err := q.GetContext(ctx, &p, `SELECT `+placeColumns+` FROM places WHERE id = $1 FOR UPDATE`, id); err != nil {
		return nil, fmt.Errorf("lock place #%d: %w", id, notFound(err))
	}
	return &p, nil
}

// InsertPlace adds a place and returns its ID.
func InsertPlace(ctx context.Context, q Querier, p Place) (int64, error) {
	var id int64
	err := q.GetContext(ctx, &id, `
		INSERT INTO places (locode, country, name, name_local, kinds, subdivision, iata, lat, lon, active)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		p.Locode, p.Country, p.Name, p.NameLocal, nonNilStrings(p.Kinds), p.Subdivision, p.IATA, p.Lat, p.Lon, p.Active)
	if err != nil {
		return 0, fmt.Errorf("insert place %q: %w", p.Name, err)
	}
	return id, nil
}

// UpdatePlace saves a corrected place.
func UpdatePlace(ctx context.Context, q Querier, p Place) error {
	res, err := q.ExecContext(ctx, `
		UPDATE places SET locode = $2, country = $3, name = $4, name_local = $5, kinds = $6,
		       subdivision = $7, iata = $8, lat = $9, lon = $10, active = $11, updated_at = now()
		WHERE id = $1`,
		p.ID, p.Locode, p.Country, p.Name, p.NameLocal, nonNilStrings(p.Kinds), p.Subdivision, p.IATA, p.Lat, p.Lon, p.Active)
	if err != nil {
		return fmt.Errorf("update place #%d: %w", p.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("place #%d: %w", p.ID, ErrNotFound)
	}
	return nil
}

// Measure is one measure in force at a place, from the controlled list; some carry a number of
// days or the working hours.
type Measure struct {
	Code  string `json:"code"`
	Days  int    `json:"days,omitempty"`
	Hours string `json:"hours,omitempty"`
}

// Measures is stored as a JSON array.
type Measures []Measure

// Value stores measures as JSON.
func (m Measures) Value() (driver.Value, error) {
	if m == nil {
		return []byte("[]"), nil
	}
	b, err := json.Marshal(m)
	return b, err
}

// Scan reads measures from JSON.
func (m *Measures) Scan(src any) error {
	switch v := src.(type) {
	case []byte:
		return json.Unmarshal(v, m)
	case string:
		return json.Unmarshal([]byte(v), m)
	case nil:
		*m = nil
		return nil
	}
	return fmt.Errorf("measures: cannot scan %T", src)
}

// PlaceStatus is one posted operational status of a place.
type PlaceStatus struct {
	ID               int64      `db:"id"`
	PlaceID          int64      `db:"place_id"`
	AuthorID         int64      `db:"author_id"`
	Freight          string     `db:"freight"`    // open, restricted, closed
	Passengers       string     `db:"passengers"` // open, restricted, closed
	Measures         Measures   `db:"measures"`
	Note             string     `db:"note"`
	NoteLang         string     `db:"note_lang"`
	ConfirmsID       *int64     `db:"confirms_id"`
	PostedAt         time.Time  `db:"posted_at"`
	ValidUntil       time.Time  `db:"valid_until"`
	ExpiryPromptedAt *time.Time `db:"expiry_prompted_at"`
}

// Status states of freight and passenger traffic.
var TrafficStates = []string{"open", "restricted", "closed"}

const statusColumns = `s.id, s.place_id, s.author_id, s.freight, s.passengers, s.measures, s.note, s.note_lang,
	s.confirms_id, s.posted_at, s.valid_until, s.expiry_prompted_at`

// InsertPlaceStatus posts a status and returns its ID.
func InsertPlaceStatus(ctx context.Context, q Querier, st PlaceStatus) (int64, error) {
	var id int64
	err := q.GetContext(ctx, &id, `
		INSERT INTO place_statuses (place_id, author_id, freight, passengers, measures, note, note_lang,
		                            confirms_id, posted_at, valid_until)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		st.PlaceID, st.AuthorID, st.Freight, st.Passengers, st.Measures, st.Note, st.NoteLang,
		st.ConfirmsID, st.PostedAt, st.ValidUntil)
	if err != nil {
		return 0, fmt.Errorf("insert status of place #%d: %w", st.PlaceID, err)
	}
	return id, nil
}

// PlaceStatusByID finds a status by ID.
func PlaceStatusByID(ctx context.Context, q Querier, id int64) (*PlaceStatus, error) {
	var st PlaceStatus
	if err := q.GetContext(ctx, &st, `SELECT `+statusColumns+` FROM place_statuses s WHERE s.id = $1`, id); err != nil {
		return nil, fmt.Errorf("status #%d: %w", id, notFound(err))
	}
	return &st, nil
}

// LatestStatusID is the ID of the place's latest status, ErrNotFound for none.
func LatestStatusID(ctx context.Context, q Querier, placeID int64) (int64, error) {
	var id int64
	if err := q.GetContext(ctx, &id, `SELECT max(id) FROM place_statuses WHERE place_id = $1 HAVING count(*) > 0`, placeID); err != nil {
		return 0, fmt.Errorf("latest status of place #%d: %w", placeID, notFound(err))
	}
	return id, nil
}

// Board returns the active places of a country that have a status, by name, and beside each
// its latest status.
func Board(ctx context.Context, q Querier, country string) ([]Place, []PlaceStatus, error) {
	var rows []struct {
		PlaceID int64 `db:"pid"`
		PlaceStatus
	}
	err := q.SelectContext(ctx, &rows, `
		SELECT DISTINCT ON (s.place_id) s.place_id AS pid, `+statusColumns+`
		FROM place_statuses s JOIN places p ON p.id = s.place_id
		WHERE p.country = $1 AND p.active
		ORDER BY s.place_id, s.id DESC`, country)
	if err != nil {
		return nil, nil, fmt.Errorf("board of %s: %w", country, err)
	}
	latest := make(map[int64]PlaceStatus, len(rows))
	for _, r := range rows {
		latest[r.PlaceID] = r.PlaceStatus
	}
	places, err := Places(ctx, q, country, false)
	if err != nil {
		return nil, nil, err
	}
	var ps []Place
	var ss []PlaceStatus
	for _, p := range places {
		if st, ok := latest[p.ID]; ok {
			ps = append(ps, p)
			ss = append(ss, st)
		}
	}
	return ps, ss, nil
}

// StatusHistory lists a place's statuses, newest first.
func StatusHistory(ctx context.Context, q Querier, placeID int64, limit int) ([]PlaceStatus, error) {
	var rows []PlaceStatus
	err := q.SelectContext(ctx, &rows, `
		SELECT `+statusColumns+` FROM place_statuses s WHERE s.place_id = $1 ORDER BY s.id DESC LIMIT $2`, placeID, limit)
	if err != nil {
		return nil, fmt.Errorf("history of place #%d: %w", placeID, err)
	}
	return rows, nil
}

// ClaimExpiredStatuses marks, once, the statuses expired at now that are still their place's
// latest (an expired status already replaced needs nobody's attention), and returns them. The
// conditional UPDATE makes each one claimed by one job run only.
func ClaimExpiredStatuses(ctx context.Context, q Querier, now time.Time) ([]PlaceStatus, error) {
	var rows []PlaceStatus
	err := q.SelectContext(ctx, &rows, `
		UPDATE place_statuses s SET expiry_prompted_at = $1
		WHERE s.valid_until <= $1 AND s.expiry_prompted_at IS NULL
		  AND s.id = (SELECT max(l.id) FROM place_statuses l WHERE l.place_id = s.place_id)
		RETURNING `+statusColumns, now)
	if err != nil {
		return nil, fmt.Errorf("claim expired statuses: %w", err)
	}
	return rows, nil
}

// ExportedStatus is one status with its place and author, for the CSV export.
type ExportedStatus struct {
	PlaceStatus
	Locode       *string `db:"locode"`
	Country      string  `db:"country"`
	PlaceName    string  `db:"place_name"`
	AuthorName   string  `db:"author_name"`
	AuthorAgency string  `db:"author_agency"`
}

// ExportStatuses lists every status (of a country, or all for ""), oldest first.
func ExportStatuses(ctx context.Context, q Querier, country string) ([]ExportedStatus, error) {
	var rows []ExportedStatus
	err := q.SelectContext(ctx, &rows, `
		SELECT `+statusColumns+`, p.locode, p.country, p.name AS place_name,
		       m.display_name AS author_name, m.agency AS author_agency
		FROM place_statuses s JOIN places p ON p.id = s.place_id JOIN members m ON m.id = s.author_id
		WHERE $1 = '' OR p.country = $1
		ORDER BY s.id`, country)
	if err != nil {
		return nil, fmt.Errorf("export statuses: %w", err)
	}
	return rows, nil
}

// FocalPointsOf lists the active focal points of a country.
func FocalPointsOf(ctx context.Context, q Querier, country string) ([]Recipient, error) {
	var rows []Recipient
	err := q.SelectContext(ctx, &rows, `
		SELECT id, chat_id FROM members WHERE country = $1 AND role = 'focal_point' AND state = 'active' ORDER BY id`, country)
	if err != nil {
		return nil, fmt.Errorf("focal points of %s: %w", country, err)
	}
	return rows, nil
}

// Subscription is a member's wish to hear of status changes of a country or of one place.
type Subscription struct {
	ID       int64   `db:"id"`
	MemberID int64   `db:"member_id"`
	Country  *string `db:"country"`
	PlaceID  *int64  `db:"place_id"`
}

// Subscribe subscribes a member to a country (placeID 0) or a place (country ""); subscribing
// twice is one subscription.
func Subscribe(ctx context.Context, q Querier, memberID int64, country string, placeID int64) error {
	var err error
	if placeID != 0 {
		_, err = q.ExecContext(ctx, `INSERT INTO status_subscriptions (member_id, place_id) VALUES ($1, $2)
			ON CONFLICT (member_id, place_id) WHERE place_id IS NOT NULL DO NOTHING`, memberID, placeID)
	} else {
		_, err = q.ExecContext(ctx, `INSERT INTO status_subscriptions (member_id, country) VALUES ($1, $2)
			ON CONFLICT (member_id, country) WHERE country IS NOT NULL DO NOTHING`, memberID, country)
	}
	if err != nil {
		return fmt.Errorf("subscribe #%d: %w", memberID, err)
	}
	return nil
}

// Unsubscribe removes a subscription; it reports whether there was one.
func Unsubscribe(ctx context.Context, q Querier, memberID int64, country string, placeID int64) (bool, error) {
	res, err := q.ExecContext(ctx, `
		DELETE FROM status_subscriptions
		WHERE member_id = $1 AND (($3 <> 0 AND place_id = $3) OR ($3 = 0 AND country = $2))`, memberID, country, placeID)
	if err != nil {
		return false, fmt.Errorf("unsubscribe #%d: %w", memberID, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Subscriptions lists a member's subscriptions: countries first, then places.
func Subscriptions(ctx context.Context, q Querier, memberID int64) ([]Subscription, error) {
	var rows []Subscription
	err := q.SelectContext(ctx, &rows, `
		SELECT id, member_id, country, place_id FROM status_subscriptions
		WHERE member_id = $1 ORDER BY country NULLS LAST, place_id`, memberID)
	if err != nil {
		return nil, fmt.Errorf("subscriptions of #%d: %w", memberID, err)
	}
	return rows, nil
}

// StatusSubscribers lists the active members subscribed to the place or to its country.
func StatusSubscribers(ctx context.Context, q Querier, country string, placeID int64) ([]Recipient, error) {
	var rows []Recipient
	err := q.SelectContext(ctx, &rows, `
		SELECT DISTINCT m.id, m.chat_id FROM status_subscriptions ss JOIN members m ON m.id = ss.member_id
		WHERE m.state = 'active' AND (ss.place_id = $2 OR ss.country = $1)
		ORDER BY m.id`, country, placeID)
	if err != nil {
		return nil, fmt.Errorf("subscribers of place #%d: %w", placeID, err)
	}
	return rows, nil
}
