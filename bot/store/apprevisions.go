package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// The Mini App's revision of a returned alert keeps a draft of its own, one per member and
// alert (app_drafts.revision_of), apart from the member's draft of a new alert, and the files
// uploaded on it (app_files.revision_of, alert_id NULL until resubmitted). Both go when the
// alert is resubmitted (DeleteRevisionDraft, in the resubmission's transaction), and with the
// drafts' retention (PurgeAppDrafts) once the alert is returned no longer. A follow-up's
// file is never on a revision's draft (its revision_of is NULL: app_files_one_owner), so these
// queries never take one.

// SaveRevisionDraft stores a member's draft of the revision of alert alertID, replacing the one
// before.
func SaveRevisionDraft(ctx context.Context, q Querier, memberID, alertID int64, fields map[string]string, now time.Time) error {
	b, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("revision draft of alert %d: %w", alertID, err)
	}
	_, err = q.ExecContext(ctx, `
		INSERT INTO app_drafts (member_id, revision_of, fields, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (member_id, revision_of) WHERE revision_of IS NOT NULL
		DO UPDATE SET fields = excluded.fields, updated_at = excluded.updated_at`,
		memberID, alertID, b, now)
	if err != nil {
		return fmt.Errorf("save revision draft of alert %d: %w", alertID, err)
	}
	return nil
}

// RevisionDraft is a member's draft of the revision of alert alertID; ErrNotFound when they
// have none.
func RevisionDraft(ctx context.Context, q Querier, memberID, alertID int64) (map[string]string, error) {
	var b []byte
	if err := q.GetContext(ctx, &b, `SELECT fields FROM app_drafts WHERE member_id = $1 AND revision_of = $2`,
		memberID, alertID); err != nil {
		return nil, fmt.Errorf("revision draft of alert %d: %w", alertID, notFound(err))
	}
	fields := map[string]string{}
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, fmt.Errorf("revision draft of alert %d: %w", alertID, err)
	}
	return fields, nil
}

// InsertRevisionFile stores a file on a member's draft of the revision of alert alertID.
func InsertRevisionFile(ctx context.Context, q Querier, f *AppFile, alertID int64, data []byte) error {
	err := q.GetContext(ctx, &f.ID, `
		INSERT INTO app_files (member_id, revision_of, name, content_type, size, data, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, f.MemberID, alertID, f.Name, f.ContentType, len(data), data, f.CreatedAt)
	if err != nil {
		return fmt.Errorf("store revision file of alert %d: %w", alertID, err)
	}
	f.Size = len(data)
	return nil
}

// RevisionAppFiles lists the files uploaded on a member's draft of the revision of alert
// alertID, oldest first.
func RevisionAppFiles(ctx context.Context, q Querier, memberID, alertID int64) ([]AppFile, error) {
	var fs []AppFile
	if err := q.SelectContext(ctx, &fs, `SELECT `+appFileColumns+` FROM app_files
		WHERE member_id = $1 AND revision_of = $2 AND alert_id IS NULL ORDER BY id`, memberID, alertID); err != nil {
		return nil, fmt.Errorf("revision files of alert %d: %w", alertID, err)
	}
	return fs, nil
}

// ReviseAlertAppFiles applies a revision to the files of alert alertID kept by the server:
// those of remove (the alert's, or uploaded on its author's revision draft) are deleted, and
// with attach the files left on the author's revision draft become the alert's.
func ReviseAlertAppFiles(ctx context.Context, q Querier, alertID, authorID int64, remove []int64, attach bool) error {
	if len(remove) > 0 {
		if _, err := q.ExecContext(ctx, `DELETE FROM app_files WHERE id = ANY($3)
			AND (alert_id = $1 OR (alert_id IS NULL AND revision_of = $1 AND member_id = $2))`,
			alertID, authorID, pq.Array(remove)); err != nil {
			return fmt.Errorf("remove files of alert %d: %w", alertID, err)
		}
	}
	if attach {
		if _, err := q.ExecContext(ctx, `UPDATE app_files SET alert_id = $1, revision_of = NULL
			WHERE alert_id IS NULL AND revision_of = $1 AND member_id = $2`, alertID, authorID); err != nil {
			return fmt.Errorf("attach revision files of alert %d: %w", alertID, err)
		}
	}
	return nil
}

// DeleteRevisionDraft removes the Mini App's drafts of the revision of alert alertID and the
// files still on them; none is no error.
func DeleteRevisionDraft(ctx context.Context, q Querier, alertID int64) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM app_drafts WHERE revision_of = $1`, alertID); err != nil {
		return fmt.Errorf("delete revision draft of alert %d: %w", alertID, err)
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM app_files WHERE revision_of = $1 AND alert_id IS NULL`, alertID); err != nil {
		return fmt.Errorf("delete revision files of alert %d: %w", alertID, err)
	}
	return nil
}
