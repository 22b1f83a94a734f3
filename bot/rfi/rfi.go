package rfi

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot/delivery"
	"focalbot/bot/store"
)

// Outbox kinds of the feature.
const (
	KindRequest  = "rfi_request"  // ref: rfis.id — the request, to targets and copies
	KindMessage  = "rfi_msg"      // ref: rfi_messages.id — a reply, answer, decline or event
	KindFile     = "rfi_file"     // ref: rfi_attachments.id — a photo or document, by file_id
	KindReminder = "rfi_remind"   // ref: rfis.id — the one reminder to targets
	KindEscalate = "rfi_escalate" // ref: rfis.id — to CARICC, listing who received it
)

// Priority: everything about an urgent request overtakes routine traffic.
func Priority(r *store.RFI) delivery.Priority {
	if r.Urgency == store.RFIUrgent {
		return delivery.Urgent
	}
	return delivery.High
}

// Members loads members by ID into a map.
func Members(ctx context.Context, q store.Querier, ids []int64) (map[int64]*store.Member, error) {
	ms, err := store.LoadMembers(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*store.Member, len(ms))
	for i := range ms {
		out[ms[i].ID] = &ms[i]
	}
	return out, nil
}

// Relay stores one entry of a thread with its files and queues it, in the caller's
// transaction, for its audience: everyone in to. Files follow their message.
func Relay(ctx context.Context, tx *sqlx.Tx, r *store.RFI, msg store.RFIMessage, files []File, to []int64) (int64, error) {
	msgID, err := store.InsertRFIMessage(ctx, tx, msg)
	if err != nil {
		return 0, err
	}
	msg.ID = msgID
	fileIDs, err := storeFiles(ctx, tx, &msg, files)
	if err != nil {
		return 0, err
	}
	if err := Enqueue(ctx, tx, r, to, KindMessage, msgID, fileIDs); err != nil {
		return 0, err
	}
	return msgID, nil
}

// Enqueue queues a message (and its files after it) for each member in to.
func Enqueue(ctx context.Context, q store.Querier, r *store.RFI, to []int64, kind string, refID int64, fileIDs []int64) error {
	if len(to) == 0 {
		return nil
	}
	ms, err := Members(ctx, q, to)
	if err != nil {
		return err
	}
	var items []delivery.Item
	for _, id := range to {
		m, ok := ms[id]
		if !ok || !m.Active() {
			continue
		}
		items = append(items, delivery.Item{MemberID: m.ID, ChatID: m.ChatID, Kind: kind, RefID: refID, Priority: Priority(r)})
		for _, f := range fileIDs {
			items = append(items, delivery.Item{MemberID: m.ID, ChatID: m.ChatID, Kind: KindFile, RefID: f, Priority: Priority(r)})
		}
	}
	_, err = delivery.Enqueue(ctx, q, items)
	return err
}

// Audience picks the members an entry of the thread goes to, never the one who wrote it.
//   - "watchers": the requester, the copied analysts and CARICC's targets — for replies and
//     declines;
//   - "targets": every target who has not declined, and the copies — for the requester's
//     answers and the closing;
//   - "pool:XX": the targets of one pool who have not declined — for taken and released.
func Audience(ctx context.Context, q store.Querier, r *store.RFI, who string, exclude int64) ([]int64, error) {
	rs, err := store.RFIRecipients(ctx, q, r.ID)
	if err != nil {
		return nil, err
	}
	var out []int64
	add := func(id int64) {
		if id == exclude {
			return
		}
		for _, o := range out {
			if o == id {
				return
			}
		}
		out = append(out, id)
	}
	switch {
	case who == "watchers":
		add(r.RequesterID)
		for _, rc := range rs {
			if rc.Role == store.RFICopy || rc.Pool == store.RFIPoolCARICC {
				add(rc.MemberID)
			}
		}
	case who == "targets":
		for _, rc := range rs {
			if rc.Role == store.RFICopy || rc.State != store.RFIDeclined {
				add(rc.MemberID)
			}
		}
	case strings.HasPrefix(who, "pool:"):
		pool := strings.TrimPrefix(who, "pool:")
		for _, rc := range rs {
			if rc.Role == store.RFITarget && rc.Pool == pool && rc.State != store.RFIDeclined {
				add(rc.MemberID)
			}
		}
	}
	return out, nil
}

// MaxFiles is how many photos and documents one request or reply may carry, in the chat and
// in the Mini App alike.
const MaxFiles = 10

// File is a photo or document sent in a conversation, kept by Telegram's file_id; or, with
// Upload, a file sent from the Mini App (confidential mode), kept by the server (app_files)
// and never by Telegram.
type File struct {
	Kind   string  `json:"kind"` // photo | document
	FileID string  `json:"file_id"`
	Name   string  `json:"name,omitempty"`
	Upload *Upload `json:"-"`
}

// Upload is the content of a file sent from the Mini App: Read gives its bytes and their
// sniffed type when it is stored, one file at a time (the caller has checked its size).
type Upload struct {
	Read func() (data []byte, contentType string, err error)
}

// storeFiles stores the files of a thread's message msg (its ID set), in the caller's
// transaction: Telegram's as attachments, whose IDs it returns for the outbox; the Mini App's
// in app_files, which nothing sends.
func storeFiles(ctx context.Context, tx *sqlx.Tx, msg *store.RFIMessage, files []File) ([]int64, error) {
	var ids []int64
	for _, f := range files {
		if f.Upload != nil {
			if msg.AuthorID == nil {
				return nil, fmt.Errorf("upload %q on a message of nobody's", f.Name)
			}
			data, ctype, err := f.Upload.Read()
			if err != nil {
				return nil, fmt.Errorf("read the upload %q: %w", f.Name, err)
			}
			af := &store.AppFile{MemberID: *msg.AuthorID, RFIMessageID: &msg.ID, Name: f.Name, ContentType: ctype, CreatedAt: msg.CreatedAt}
			if err := store.InsertAppFile(ctx, tx, af, data); err != nil {
				return nil, err
			}
			continue
		}
		id, err := store.InsertRFIAttachment(ctx, tx, store.RFIAttachment{MessageID: msg.ID, Kind: f.Kind, FileID: f.FileID, FileName: f.Name})
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// ReleaseHeldBy returns to their country's pool the open requests a member was
// handling, and tells the others of that pool that the request is open again. Membership
// calls it, in the transaction that moves a member away from active (suspended,
// unreachable, …): memberID is that member. With memberID 0 it releases every request held
// by a member who is no longer active — the rfi_release_sweep job does that every minute,
// so a state change that forgot the call is caught all the same.
func ReleaseHeldBy(ctx context.Context, tx *sqlx.Tx, memberID int64, now time.Time) (int, error) {
	released, err := store.ReleaseRFIHolds(ctx, tx, memberID, now)
	if err != nil {
		return 0, err
	}
	for _, rel := range released {
		r, err := store.RFIByID(ctx, tx, rel.RFIID, false)
		if err != nil {
			return 0, err
		}
		to, err := Audience(ctx, tx, r, "pool:"+rel.Pool, rel.MemberID)
		if err != nil {
			return 0, err
		}
		author := rel.MemberID
		if _, err := Relay(ctx, tx, r, store.RFIMessage{RFIID: r.ID, AuthorID: &author, Kind: store.RFIMsgReleased, CreatedAt: now}, nil, to); err != nil {
			return 0, err
		}
		subject := r.ID
		if err := store.Audit(ctx, tx, store.AuditEntry{Action: "rfi_released", SubjectID: &subject,
			After: map[string]any{"ref": r.Ref, "member_id": rel.MemberID, "pool": rel.Pool}}); err != nil {
			return 0, err
		}
	}
	return len(released), nil
}
