package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/lib/pq"
)

// The sandbox (bot/sandbox) runs the bot on a database of demo people. These queries let it
// check that a database is such a one, and empty it to start over.

// MembersOtherThan counts members whose Telegram user id is not in ids: the sandbox refuses a
// database holding anyone but its demo personas. A database without the members table (not
// migrated yet) counts as none.
func (s *Store) MembersOtherThan(ctx context.Context, ids []int64) (int, error) {
	var exists bool
	if err := s.DB.GetContext(ctx, &exists, `SELECT to_regclass('members') IS NOT NULL`); err != nil {
		return 0, fmt.Errorf("members other than: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var n int
	err := s.DB.GetContext(ctx, &n, `SELECT count(*) FROM members WHERE telegram_user_id <> ALL($1)`, pq.Array(ids))
	if err != nil {
		return 0, fmt.Errorf("members other than: %w", err)
	}
	return n, nil
}

// TruncateAll empties every table of the current schema except goose's record of applied
// migrations, so the schema stays and the data is gone. Only for the sandbox's own database:
// the caller checks first that it holds nothing but demo data.
func (s *Store) TruncateAll(ctx context.Context) error {
	var tables []string
	err := s.DB.SelectContext(ctx, &tables, `
		SELECT quote_ident(tablename) FROM pg_tables
		WHERE schemaname = current_schema() AND tablename <> 'goose_db_version'`)
	if err != nil {
		return fmt.Errorf("truncate all: %w", err)
	}
	if len(tables) == 0 {
		return nil
	}
	if _, err := s.DB.ExecContext(ctx, `TRUNCATE `+strings.Join(tables, ", ")+` RESTART IDENTITY CASCADE`); err != nil {
		return fmt.Errorf("truncate all: %w", err)
	}
	return nil
}
