// Package submission submits an alert below Telegram: the new alert with its reference, queued
// to every analyst for verification, and audited, in the caller's transaction. The chat's
// conversation (handlers/alert) and the Mini App's form (bot/console) both submit through it.
package submission

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot/alert"
	"focalbot/bot/delivery"
	"focalbot/bot/store"
)

// The outbox kinds of a submitted alert; their renderers are handlers/alert's.
const (
	KindVerify = "alert_verify" // a submitted revision, to each analyst
	KindFile   = "alert_file"   // one attachment of an alert
)

// New stores a newly submitted alert of author, with the next reference of now's year,
// queues it for the analysts and audits it.
func New(ctx context.Context, tx *sqlx.Tx, author *store.Member, c alert.Content, now time.Time) (*store.Alert, error) {
	ref, err := store.NextAlertRef(ctx, tx, now.Year())
	if err != nil {
		return nil, err
	}
	al := &store.Alert{Ref: ref, AuthorID: author.ID, AuthorCountry: author.Country, Content: c,
		Revision: 1, SubmittedAt: now, State: store.AlertSubmitted}
	if _, err := store.InsertAlert(ctx, tx, al); err != nil {
		return nil, err
	}
	if err := Queue(ctx, tx, al); err != nil {
		return nil, err
	}
	return al, nil
}

// Files is what a revision does to the alert's files kept by the server (app_files, uploaded
// in the Mini App): Remove deletes those files, and Attach gives the alert the files uploaded
// on its author's revision draft. The files sent in the chat are the content's Attachments.
// The chat's Revise changes none of them (the zero Files).
type Files struct {
	Remove []int64
	Attach bool
}

// Resubmit stores the next revision of a returned alert, by its author, under the same
// reference, with its files (c.Attachments, and files for the server's), and queues it for
// the analysts as Queue does. The Mini App's draft of the revision, and the files left on it,
// go: the revision is done, whichever way. The chat's Revise and the Mini App's revise form
// both resubmit through it; store.ErrNotFound when the alert is not the author's or no longer
// returned.
func Resubmit(ctx context.Context, tx *sqlx.Tx, alertID, authorID int64, c alert.Content, files Files, now time.Time) (*store.Alert, error) {
	al, err := store.ResubmitAlert(ctx, tx, alertID, authorID, c, now)
	if err != nil {
		return nil, err
	}
	if err := store.ReviseAlertAppFiles(ctx, tx, alertID, authorID, files.Remove, files.Attach); err != nil {
		return nil, err
	}
	if err := store.DeleteRevisionDraft(ctx, tx, alertID); err != nil {
		return nil, err
	}
	if err := Queue(ctx, tx, al); err != nil {
		return nil, err
	}
	return al, nil
}

// Queue queues a submitted revision, and its attachments, for every analyst, and audits the
// submission.
func Queue(ctx context.Context, tx *sqlx.Tx, al *store.Alert) error {
	analysts, err := store.Analysts(ctx, tx)
	if err != nil {
		return err
	}
	var items []delivery.Item
	rev := fmt.Sprintf("r%d", al.Revision)
	for _, m := range analysts {
		items = append(items, delivery.Item{MemberID: m.ID, ChatID: m.ChatID, Kind: KindVerify, RefID: al.ID,
			Variant: rev, Priority: delivery.High})
		for i := range al.Content.Attachments {
			items = append(items, delivery.Item{MemberID: m.ID, ChatID: m.ChatID, Kind: KindFile, RefID: al.ID,
				Variant: fmt.Sprintf("%sf%d", rev, i), Priority: delivery.High})
		}
	}
	if _, err := delivery.Enqueue(ctx, tx, items); err != nil {
		return err
	}
	return store.Audit(ctx, tx, store.AuditEntry{ActorID: &al.AuthorID, Action: "alert_submitted",
		SubjectID: &al.ID, After: map[string]any{"ref": al.Ref, "revision": al.Revision}})
}

// KindFollowup is a follow-up's outbox kind; MaxFollowupText the longest follow-up text.
const (
	KindFollowup    = "alert_followup"
	MaxFollowupText = 3500
)

// Upload is a file sent with a follow-up from the Mini App (confidential mode), kept by the
// server (app_files) and never by Telegram: Read gives its bytes and their sniffed type when it
// is stored, one file at a time (the caller has checked its size).
type Upload struct {
	Name string
	Read func() (data []byte, contentType string, err error)
}

// Followup stores a follow-up of a published alert, with the files uploaded with it in the
// Mini App (at most alert.MaxFiles; the chat's follow-up passes none, its file is f.FileID), and
// queues it at once to the analysts and the alert's author, except whoever wrote it. The
// uploads are stored with the follow-up, in its transaction, and never queued: its readers
// find them under it on the alert's page.
func Followup(ctx context.Context, tx *sqlx.Tx, al *store.Alert, f *store.Followup, uploads []Upload) error {
	if len(uploads) > alert.MaxFiles {
		return fmt.Errorf("follow-up of %s: %d files, at most %d", al.Ref, len(uploads), alert.MaxFiles)
	}
	if _, err := store.InsertFollowup(ctx, tx, f); err != nil {
		return err
	}
	for _, u := range uploads {
		data, ctype, err := u.Read()
		if err != nil {
			return fmt.Errorf("read the upload %q: %w", u.Name, err)
		}
		af := &store.AppFile{MemberID: f.AuthorID, FollowupID: &f.ID, Name: u.Name, ContentType: ctype, CreatedAt: f.CreatedAt}
		if err := store.InsertAppFile(ctx, tx, af, data); err != nil {
			return err
		}
	}
	to, err := store.Analysts(ctx, tx)
	if err != nil {
		return err
	}
	author, err := store.ReadMember(ctx, tx, al.AuthorID)
	if err != nil {
		return err
	}
	to = append(to, *author)
	var items []delivery.Item
	for _, m := range to {
		if m.ID == f.AuthorID {
			continue
		}
		items = append(items, delivery.Item{MemberID: m.ID, ChatID: m.ChatID, Kind: KindFollowup, RefID: f.ID,
			Priority: delivery.High})
	}
	_, err = delivery.Enqueue(ctx, tx, items)
	return err
}
