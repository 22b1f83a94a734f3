package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// AuditEntry is one line of the append-only audit log.
type AuditEntry struct {
	ActorID   *int64 // members.id; nil for the system or the CLI
	Action    string
	SubjectID *int64
	Before    any // marshalled to JSON; nil for none
	After     any
}

// Audit appends an entry, inside the caller's transaction so that the change and its record
// commit together.
func Audit(ctx context.Context, q Querier, e AuditEntry) error {
	before, err := jsonOrNull(e.Before)
	if err != nil {
		return err
	}
	after, err := jsonOrNull(e.After)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `
		INSERT INTO audit_log (actor_id, action, subject_id, before, after)
		VALUES ($1, $2, $3, $4, $5)`, e.ActorID, e.Action, e.SubjectID, before, after)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

func jsonOrNull(v any) (*string, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	s := string(b)
	if s == "null" { // a typed nil pointer
		return nil, nil
	}
	return &s, nil
}
