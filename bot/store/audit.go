package store

import (
	"bytes"
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
	s = shortenAuditText(b)
	return &s, nil
}

// auditTextMax is the longest string the audit log keeps: enough for a name, a reference, a
// code of a vocabulary or a button's data; free text (a note, a message) is cut to its start,
// which is what an auditor needs to tell entries apart, without keeping the content.
const auditTextMax = 80

// shortenAuditText cuts every string of a JSON document to auditTextMax characters.
func shortenAuditText(doc []byte) string {
	var v any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return string(doc)
	}
	var cut func(any) any
	cut = func(v any) any {
		switch v := v.(type) {
		case string:
			if r := []rune(v); len(r) > auditTextMax {
				return string(r[:auditTextMax]) + "…"
			}
		case map[string]any:
			for k, x := range v {
				v[k] = cut(x)
			}
		case []any:
			for i, x := range v {
				v[i] = cut(x)
			}
		}
		return v
	}
	out, err := json.Marshal(cut(v))
	if err != nil {
		return string(doc)
	}
	return string(out)
}
