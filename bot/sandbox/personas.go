package sandbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot/store"
)

// Persona is a person of the demo network the page lets one chat as. All but the visitor are
// members, seeded into the database on first start.
type Persona struct {
	UserID  int64  `json:"id"` // Telegram user id, and the private chat's id
	Name    string `json:"name"`
	Title   string `json:"title"`   // what the persona list shows under the name
	Country string `json:"country"` // ISO 3166-1 alpha-2, "" for CARICC staff and the visitor
	Lang    string `json:"lang"`    // the Telegram client's language_code
	Member  bool   `json:"member"`

	role, agency, unit, locode string
}

// Personas is the demo network: CARICC staff and focal points of six countries, each speaking
// their own language, plus someone who is not a member. The ids are far from each other's
// neighbours so that a log line names the persona unambiguously.
var Personas = []Persona{
	{UserID: 7100001, Name: "Dilnoza Rakhimova", Title: "CARICC analyst, Almaty", Lang: "ru", Member: true,
		role: store.RoleAnalyst, agency: "caricc", unit: "CARICC analytical department"},
	{UserID: 7100002, Name: "Arman Seitkali", Title: "CARICC network admin", Lang: "en", Member: true,
		role: store.RoleAdmin, agency: "caricc", unit: "CARICC"},
	{UserID: 7100003, Name: "Nurlan Abenov", Title: "Focal point, Kazakhstan customs", Country: "KZ", Lang: "kk", Member: true,
		role: store.RoleFocalPoint, agency: "customs", unit: "Almaty customs", locode: "KZALA"},
	{UserID: 7100004, Name: "Jasur Karimov", Title: "Focal point, Uzbekistan customs", Country: "UZ", Lang: "uz", Member: true,
		role: store.RoleFocalPoint, agency: "customs", unit: "Tashkent customs", locode: "UZTAS"},
	{UserID: 7100005, Name: "Ayesha Siddiqui", Title: "Port control unit Karachi, Pakistan", Country: "PK", Lang: "ur", Member: true,
		role: store.RoleFocalPoint, agency: "port_control_unit", unit: "Port Control Unit Karachi", locode: "PKKHI"},
	{UserID: 7100006, Name: "Firuz Nazarov", Title: "Focal point, Tajikistan customs", Country: "TJ", Lang: "tg", Member: true,
		role: store.RoleFocalPoint, agency: "customs", unit: "Dushanbe customs", locode: "TJDYU"},
	{UserID: 7100007, Name: "Nino Beridze", Title: "Focal point, Georgia, port of Poti", Country: "GE", Lang: "ka", Member: true,
		role: store.RoleFocalPoint, agency: "port_control_unit", unit: "Port Control Unit Poti", locode: "GEPTI"},
	{UserID: 7100008, Name: "Oksana Kovalenko", Title: "Focal point, Ukraine customs, Odesa", Country: "UA", Lang: "uk", Member: true,
		role: store.RoleFocalPoint, agency: "customs", unit: "Odesa customs", locode: "UAODS"},
	{UserID: 7100009, Name: "Visitor", Title: "Not a member: sees the closed network", Lang: "en"},
}

func personaByID(id int64) (Persona, bool) {
	for _, p := range Personas {
		if p.UserID == id {
			return p, true
		}
	}
	return Persona{}, false
}

func personaIDs() []int64 {
	ids := make([]int64, len(Personas))
	for i, p := range Personas {
		ids[i] = p.UserID
	}
	return ids
}

// ErrRealMembers stops the sandbox from mixing demo people into a database that holds a real
// network.
var ErrRealMembers = errors.New("the database holds members who are not the sandbox's demo personas: " +
	"the sandbox will not mix demo data into a real network; unset DATABASE_URL (a local database under ./var is used) or point it at an empty database")

// demoStatus is an operational status the demo network starts with, so that /status shows a
// board with something on it before anyone has posted. It is posted by the focal point of the
// place's country, without a note: a note is free text in its author's language, while
// measures are shown in each reader's.
type demoStatus struct {
	locode              string // UN/LOCODE of the place
	freight, passengers string
	measures            store.Measures
}

var demoStatuses = []demoStatus{
	{locode: "PKKHI", freight: "restricted", passengers: "open",
		measures: store.Measures{{Code: "prior_notice"}, {Code: "e_documents"}}},
	{locode: "UZTAS", freight: "open", passengers: "open"},
	{locode: "TJKHU", freight: "restricted", passengers: "restricted",
		measures: store.Measures{{Code: "reduced_hours", Hours: "08:00–20:00"}}},
}

// demoStatusValidity is how long a demo status stays valid: the board's default. After that the
// expiry job asks its author, as it would anyone, whether it still holds.
const demoStatusValidity = 7 * 24 * time.Hour

// seed adds the demo members that are missing, and the demo statuses of places that have none.
// It runs at every start, so it is idempotent: a persona already in the database is left as it
// is (its language, say, as last chosen), and a place that has any status (a demo one, expired
// or not, or one posted on the page) gets no other.
func seed(ctx context.Context, st *store.Store) (added int, err error) {
	others, err := st.MembersOtherThan(ctx, personaIDs())
	if err != nil {
		return 0, err
	}
	if others > 0 {
		return 0, ErrRealMembers
	}
	err = st.InTx(ctx, func(tx *sqlx.Tx) error {
		now := time.Now()
		for _, p := range Personas {
			if !p.Member {
				continue
			}
			_, err := store.MemberByTelegramID(ctx, st.DB, p.UserID)
			if err == nil {
				continue
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			m := store.Member{TelegramUserID: p.UserID, DisplayName: p.Name, Agency: p.agency, Unit: p.unit,
				Role: p.role, Language: p.Lang, State: store.StateActive, ApprovedAt: &now}
			if p.Country != "" {
				m.Country = &p.Country
			}
			if p.locode != "" {
				m.UnitLocode = &p.locode
			}
			id, err := store.InsertMember(ctx, tx, m)
			if err != nil {
				return err
			}
			if err := store.Audit(ctx, tx, store.AuditEntry{Action: "sandbox_demo_member", SubjectID: &id,
				After: map[string]string{"role": p.role, "state": store.StateActive}}); err != nil {
				return err
			}
			added++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("seed demo network: %w", err)
	}
	// Apart, once the members are committed: the statuses' authors are looked up by them.
	if err := st.InTx(ctx, func(tx *sqlx.Tx) error { return seedStatuses(ctx, st, tx, time.Now()) }); err != nil {
		return 0, fmt.Errorf("seed demo statuses: %w", err)
	}
	return added, nil
}

// rtlLanguages are the languages of the network written right to left: Pashto, Dari (and
// Persian generally) and Urdu.
var rtlLanguages = map[string]bool{"ps": true, "fa": true, "prs": true, "ur": true, "ar": true}

// direction is "rtl" for a right-to-left language code (base language only: fa-AF is Dari).
func direction(lang string) string {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	if rtlLanguages[base] {
		return "rtl"
	}
	return "ltr"
}

// seedStatuses posts the demo statuses of places that have none yet.
func seedStatuses(ctx context.Context, st *store.Store, tx *sqlx.Tx, now time.Time) error {
	for _, d := range demoStatuses {
		place, err := store.PlaceByLocode(ctx, tx, d.locode)
		if errors.Is(err, store.ErrNotFound) {
			continue // the place list changed: nothing to show there
		} else if err != nil {
			return err
		}
		if _, err := store.LockPlace(ctx, tx, place.ID); err != nil {
			return err
		}
		if _, err := store.LatestStatusID(ctx, tx, place.ID); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		author, err := demoFocalPoint(ctx, st, place.Country)
		if err != nil {
			return err
		}
		s := store.PlaceStatus{PlaceID: place.ID, AuthorID: author.ID, Freight: d.freight, Passengers: d.passengers,
			Measures: d.measures, NoteLang: author.Language, PostedAt: now, ValidUntil: now.Add(demoStatusValidity)}
		id, err := store.InsertPlaceStatus(ctx, tx, s)
		if err != nil {
			return err
		}
		if err := store.Audit(ctx, tx, store.AuditEntry{ActorID: &author.ID, Action: "sandbox_demo_status", SubjectID: &id, After: s}); err != nil {
			return err
		}
	}
	return nil
}

// demoFocalPoint is the member of the demo focal point of a country.
func demoFocalPoint(ctx context.Context, st *store.Store, country string) (*store.Member, error) {
	for _, p := range Personas {
		if p.Country == country && p.role == store.RoleFocalPoint {
			return store.MemberByTelegramID(ctx, st.DB, p.UserID)
		}
	}
	return nil, fmt.Errorf("no demo focal point of %s", country)
}
