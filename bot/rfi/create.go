package rfi

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"focalbot/bot/store"
)

// The creation of a request, shared by the chat's /ask (handlers/request) and the Mini App's
// form (bot/console, confidential mode): numbered, its recipients and its text stored, queued
// to them and audited, in one transaction.

// Draft is a request as its writer composed it.
type Draft struct {
	Countries []string  // target countries: their active focal points
	MemberID  int64     // or one named member
	CARICC    bool      // and/or CARICC (its analysts, or admins when there is none)
	Body      string    // the text
	Files     []File    // photos and documents (Telegram's from the chat, uploads from the Mini App)
	Urgency   string    // store.RFIRoutine | store.RFIUrgent
	ReplyBy   time.Time // in the future
	AlertRef  string    // an alert the asker may see, or ""
}

// Errors of Create that the writer is told about.
var (
	ErrMemberGone   = errors.New("rfi: the named member is no longer active")
	ErrNoRecipients = errors.New("rfi: nobody would receive the request")
)

// EscalateAfter is how long after the reply-by time (and its reminder) CARICC is told:
// half the time the requester gave, at least an hour and at most a day.
func EscalateAfter(created, replyBy time.Time) time.Duration {
	d := replyBy.Sub(created) / 2
	return min(max(d, time.Hour), 24*time.Hour)
}

// CARICC lists who stands for CARICC: the active analysts, or the active admins when
// there is no analyst (admins can do what analysts do).
func CARICC(members []store.Member) []store.Member {
	var analysts, admins []store.Member
	for _, m := range members {
		if !m.Active() {
			continue
		}
		switch m.Role {
		case store.RoleAnalyst:
			analysts = append(analysts, m)
		case store.RoleAdmin:
			admins = append(admins, m)
		}
	}
	if len(analysts) > 0 {
		return analysts
	}
	return admins
}

// MissingCountries returns the chosen countries where no active focal point (other than
// the asker) would receive the request.
func MissingCountries(ctx context.Context, q store.Querier, askerID int64, countries []string) ([]string, error) {
	if len(countries) == 0 {
		return nil, nil
	}
	have, err := store.CountriesWithFocalPoints(ctx, q, askerID, countries)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, c := range countries {
		if !slices.Contains(have, c) {
			missing = append(missing, c)
		}
	}
	return missing, nil
}

// Create stores the request d of me (written in lang), its recipients and its outbox rows in
// one transaction, and returns its reference. The caller has checked who me is, that no chosen
// country is missing and that the reply-by time is ahead of now.
func Create(ctx context.Context, st *store.Store, me *store.Member, lang string, d *Draft, now time.Time) (string, error) {
	var ref string
	err := st.InTx(ctx, func(tx *sqlx.Tx) error {
		members, err := store.ActiveMembers(ctx, tx)
		if err != nil {
			return err
		}
		targets, copies, err := ChooseRecipients(members, me.ID, d)
		if err != nil {
			return err
		}
		ref, err = store.NextRFIRef(ctx, tx, now.UTC().Year())
		if err != nil {
			return err
		}
		x := store.RFI{Ref: ref, RequesterID: me.ID, TargetCountries: d.Countries, ToCARICC: d.CARICC,
			Urgency: d.Urgency, ReplyBy: d.ReplyBy, EscalateAt: d.ReplyBy.Add(EscalateAfter(now, d.ReplyBy)), CreatedAt: now}
		if x.TargetCountries == nil {
			x.TargetCountries = pq.StringArray{}
		}
		if d.MemberID != 0 {
			x.TargetMemberID = &d.MemberID
		}
		if d.AlertRef != "" {
			x.AlertRef = &d.AlertRef
		}
		if x.ID, err = store.InsertRFI(ctx, tx, x); err != nil {
			return err
		}
		var all []store.RFIRecipient
		var to []int64
		for _, rc := range append(targets, copies...) {
			rc.RFIID, rc.UpdatedAt = x.ID, now
			all = append(all, rc)
			to = append(to, rc.MemberID)
		}
		if err := store.InsertRFIRecipients(ctx, tx, all); err != nil {
			return err
		}
		msg := store.RFIMessage{RFIID: x.ID, AuthorID: &me.ID, Kind: store.RFIMsgRequest, Body: d.Body, Lang: lang, CreatedAt: now}
		if msg.ID, err = store.InsertRFIMessage(ctx, tx, msg); err != nil {
			return err
		}
		fileIDs, err := storeFiles(ctx, tx, &msg, d.Files)
		if err != nil {
			return err
		}
		if err := Enqueue(ctx, tx, &x, to, KindRequest, x.ID, fileIDs); err != nil {
			return err
		}
		subject := x.ID
		return store.Audit(ctx, tx, store.AuditEntry{ActorID: &me.ID, Action: "rfi_sent", SubjectID: &subject,
			After: map[string]any{"ref": ref, "countries": d.Countries, "member_id": d.MemberID, "caricc": d.CARICC,
				"urgency": d.Urgency, "reply_by": d.ReplyBy, "alert_ref": d.AlertRef, "files": len(d.Files), "recipients": to}})
	})
	return ref, err
}

// ChooseRecipients picks the targets (the chosen countries' active focal points, the named
// member — ErrMemberGone unless Addressable —, or CARICC) and the copies (CARICC, unless they
// are targets already); never the asker.
func ChooseRecipients(members []store.Member, askerID int64, d *Draft) (targets, copies []store.RFIRecipient, err error) {
	seen := map[int64]bool{askerID: true}
	add := func(list *[]store.RFIRecipient, m store.Member, role, pool string) {
		if seen[m.ID] {
			return
		}
		seen[m.ID] = true
		*list = append(*list, store.RFIRecipient{MemberID: m.ID, Role: role, Pool: pool})
	}
	for _, c := range d.Countries {
		for _, m := range members {
			if m.Active() && m.Role == store.RoleFocalPoint && m.Country != nil && *m.Country == c {
				add(&targets, m, store.RFITarget, c)
			}
		}
	}
	if d.MemberID != 0 {
		i := slices.IndexFunc(members, func(m store.Member) bool { return m.ID == d.MemberID })
		if i < 0 || !Addressable(&members[i], askerID) {
			return nil, nil, ErrMemberGone
		}
		pool := store.RFIPoolCARICC
		if c := members[i].Country; c != nil && *c != "" {
			pool = *c
		}
		add(&targets, members[i], store.RFITarget, pool)
	}
	caricc := CARICC(members)
	if d.CARICC {
		for _, m := range caricc {
			add(&targets, m, store.RFITarget, store.RFIPoolCARICC)
		}
	}
	if len(targets) == 0 {
		return nil, nil, ErrNoRecipients
	}
	for _, m := range caricc {
		add(&copies, m, store.RFICopy, "")
	}
	return targets, copies, nil
}
