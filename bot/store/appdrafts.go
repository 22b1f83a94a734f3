package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// The Mini App's alert form keeps one draft per member, its fields as typed; the drafts of
// revisions of returned alerts (revision_of) are apprevisions.go's.

// SaveAppDraft stores a member's draft, replacing the one before.
func SaveAppDraft(ctx context.Context, q Querier, memberID int64, fields map[string]string, now time.Time) error {
	b, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("app draft of member %d: %w", memberID, err)
	}
	_, err = q.ExecContext(ctx, `
		INSERT INTO app_drafts (member_id, fields, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (member_id) WHERE revision_of IS NULL DO UPDATE SET fields = excluded.fields, updated_at = excluded.updated_at`,
		memberID, b, now)
	if err != nil {
		return fmt.Errorf("save app draft of member %d: %w", memberID, err)
	}
	return nil
}

// AppDraft is a member's draft; ErrNotFound when they have none.
func AppDraft(ctx context.Context, q Querier, memberID int64) (map[string]string, error) {
	var b []byte
	if err := q.GetContext(ctx, &b, `SELECT fields FROM app_drafts WHERE member_id = $1 AND revision_of IS NULL`, memberID); err != nil {
		return nil, fmt.Errorf("app draft of member %d: %w", memberID, notFound(err))
	}
	fields := map[string]string{}
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, fmt.Errorf("app draft of member %d: %w", memberID, err)
	}
	return fields, nil
}

// DeleteAppDraft removes a member's draft (submitted); none is no error.
func DeleteAppDraft(ctx context.Context, q Querier, memberID int64) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM app_drafts WHERE member_id = $1 AND revision_of IS NULL`, memberID); err != nil {
		return fmt.Errorf("delete app draft of member %d: %w", memberID, err)
	}
	return nil
}

// AppFile is a file uploaded in the Mini App, without its bytes unless read by AppFileData:
// on its member's alert draft, of an alert, of a request's thread message (RFIMessageID), or
// of an alert's follow-up (FollowupID). A file of a message or of a follow-up is never a
// draft's: every query of draft files leaves them out.
type AppFile struct {
	ID           int64     `db:"id"`
	MemberID     int64     `db:"member_id"`
	AlertID      *int64    `db:"alert_id"`
	RFIMessageID *int64    `db:"rfi_message_id"`
	FollowupID   *int64    `db:"followup_id"`
	Name         string    `db:"name"`
	ContentType  string    `db:"content_type"`
	Size         int       `db:"size"`
	CreatedAt    time.Time `db:"created_at"`
}

const appFileColumns = `id, member_id, alert_id, rfi_message_id, followup_id, name, content_type, size, created_at`

// InsertAppFile stores a file on a member's draft, or of a thread's message when
// f.RFIMessageID is set, or of a follow-up when f.FollowupID is.
func InsertAppFile(ctx context.Context, q Querier, f *AppFile, data []byte) error {
	err := q.GetContext(ctx, &f.ID, `
		INSERT INTO app_files (member_id, rfi_message_id, followup_id, name, content_type, size, data, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, f.MemberID, f.RFIMessageID, f.FollowupID, f.Name, f.ContentType, len(data), data, f.CreatedAt)
	if err != nil {
		return fmt.Errorf("store file of member %d: %w", f.MemberID, err)
	}
	f.Size = len(data)
	return nil
}

// DraftAppFiles lists the files on a member's draft, oldest first.
func DraftAppFiles(ctx context.Context, q Querier, memberID int64) ([]AppFile, error) {
	var fs []AppFile
	if err := q.SelectContext(ctx, &fs, `SELECT `+appFileColumns+` FROM app_files
		WHERE member_id = $1 AND alert_id IS NULL AND rfi_message_id IS NULL AND followup_id IS NULL AND revision_of IS NULL ORDER BY id`, memberID); err != nil {
		return nil, fmt.Errorf("draft files of member %d: %w", memberID, err)
	}
	return fs, nil
}

// AlertAppFiles lists the files of an alert, oldest first.
func AlertAppFiles(ctx context.Context, q Querier, alertID int64) ([]AppFile, error) {
	var fs []AppFile
	if err := q.SelectContext(ctx, &fs, `SELECT `+appFileColumns+` FROM app_files
		WHERE alert_id = $1 ORDER BY id`, alertID); err != nil {
		return nil, fmt.Errorf("files of alert %d: %w", alertID, err)
	}
	return fs, nil
}

// AttachDraftFiles gives the files of a member's draft to the alert it became.
func AttachDraftFiles(ctx context.Context, q Querier, memberID, alertID int64) error {
	if _, err := q.ExecContext(ctx, `UPDATE app_files SET alert_id = $2
		WHERE member_id = $1 AND alert_id IS NULL AND rfi_message_id IS NULL AND followup_id IS NULL AND revision_of IS NULL`,
		memberID, alertID); err != nil {
		return fmt.Errorf("attach draft files of member %d: %w", memberID, err)
	}
	return nil
}

// DeleteDraftAppFile deletes a file from a member's draft of a new alert (not one that belongs
// to an alert, a thread, a follow-up or a revision); ErrNotFound when the draft has no such
// file.
func DeleteDraftAppFile(ctx context.Context, q Querier, memberID, fileID int64) error {
	res, err := q.ExecContext(ctx, `DELETE FROM app_files
		WHERE id = $2 AND member_id = $1
		  AND alert_id IS NULL AND rfi_message_id IS NULL AND followup_id IS NULL AND revision_of IS NULL`,
		memberID, fileID)
	if err != nil {
		return fmt.Errorf("delete draft file %d of member %d: %w", fileID, memberID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("draft file %d of member %d: %w", fileID, memberID, ErrNotFound)
	}
	return nil
}

// AlertAppFileData is a file of an alert with its bytes; ErrNotFound when the alert has no
// such file.
func AlertAppFileData(ctx context.Context, q Querier, alertID, fileID int64) (*AppFile, []byte, error) {
	var row struct {
		AppFile
		Data []byte `db:"data"`
	}
	if err := q.GetContext(ctx, &row, `SELECT `+appFileColumns+`, data FROM app_files WHERE id = $1 AND alert_id = $2`,
		fileID, alertID); err != nil {
		return nil, nil, fmt.Errorf("file %d of alert %d: %w", fileID, alertID, notFound(err))
	}
	return &row.AppFile, row.Data, nil
}

// PurgeAppDrafts deletes the Mini App drafts, and files on drafts, left untouched since
// before: abandoned, they are content kept for nothing. Files of alerts, of requests'
// messages and of follow-ups are kept with them. A revision's draft goes too, with its files, once its alert is
// returned no longer (resubmitted, or gone).
func PurgeAppDrafts(ctx context.Context, q Querier, before time.Time) (drafts, files int64, err error) {
	res, err := q.ExecContext(ctx, `DELETE FROM app_drafts d WHERE updated_at < $1
		OR (revision_of IS NOT NULL AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.id = d.revision_of AND a.state = 'returned'))`, before)
	if err != nil {
		return 0, 0, fmt.Errorf("purge app drafts: %w", err)
	}
	drafts, _ = res.RowsAffected()
	res, err = q.ExecContext(ctx, `DELETE FROM app_files f WHERE alert_id IS NULL AND rfi_message_id IS NULL AND followup_id IS NULL
		AND ((created_at < $1 AND NOT EXISTS (SELECT 1 FROM app_drafts d WHERE d.member_id = f.member_id
				AND d.revision_of IS NOT DISTINCT FROM f.revision_of))
			OR (revision_of IS NOT NULL AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.id = f.revision_of AND a.state = 'returned')))`, before)
	if err != nil {
		return drafts, 0, fmt.Errorf("purge app draft files: %w", err)
	}
	files, _ = res.RowsAffected()
	return drafts, files, nil
}

// RFIAppFiles lists the files uploaded in the Mini App with the messages of a request's
// thread, oldest first.
func RFIAppFiles(ctx context.Context, q Querier, rfiID int64) ([]AppFile, error) {
	var fs []AppFile
	if err := q.SelectContext(ctx, &fs, `SELECT `+prefixed("f.", appFileColumns)+`
		FROM app_files f JOIN rfi_messages m ON m.id = f.rfi_message_id
		WHERE m.rfi_id = $1 ORDER BY f.id`, rfiID); err != nil {
		return nil, fmt.Errorf("files of request %d: %w", rfiID, err)
	}
	return fs, nil
}

// RFIAppFileData is a file of a request's thread with its bytes; ErrNotFound when the request
// has no such file.
func RFIAppFileData(ctx context.Context, q Querier, rfiID, fileID int64) (*AppFile, []byte, error) {
	var row struct {
		AppFile
		Data []byte `db:"data"`
	}
	if err := q.GetContext(ctx, &row, `SELECT `+prefixed("f.", appFileColumns)+`, f.data
		FROM app_files f JOIN rfi_messages m ON m.id = f.rfi_message_id
		WHERE f.id = $1 AND m.rfi_id = $2`, fileID, rfiID); err != nil {
		return nil, nil, fmt.Errorf("file %d of request %d: %w", fileID, rfiID, notFound(err))
	}
	return &row.AppFile, row.Data, nil
}

// FollowupAppFiles lists the files uploaded in the Mini App with the follow-ups of an alert,
// oldest first.
func FollowupAppFiles(ctx context.Context, q Querier, alertID int64) ([]AppFile, error) {
	var fs []AppFile
	if err := q.SelectContext(ctx, &fs, `SELECT `+prefixed("f.", appFileColumns)+`
		FROM app_files f JOIN alert_followups fu ON fu.id = f.followup_id
		WHERE fu.alert_id = $1 ORDER BY f.id`, alertID); err != nil {
		return nil, fmt.Errorf("follow-up files of alert %d: %w", alertID, err)
	}
	return fs, nil
}

// FollowupAppFileData is a file of a follow-up of an alert with its bytes (FollowupID says
// which follow-up); ErrNotFound when no follow-up of the alert has such a file.
func FollowupAppFileData(ctx context.Context, q Querier, alertID, fileID int64) (*AppFile, []byte, error) {
	var row struct {
		AppFile
		Data []byte `db:"data"`
	}
	if err := q.GetContext(ctx, &row, `SELECT `+prefixed("f.", appFileColumns)+`, f.data
		FROM app_files f JOIN alert_followups fu ON fu.id = f.followup_id
		WHERE f.id = $1 AND fu.alert_id = $2`, fileID, alertID); err != nil {
		return nil, nil, fmt.Errorf("follow-up file %d of alert %d: %w", fileID, alertID, notFound(err))
	}
	return &row.AppFile, row.Data, nil
}
