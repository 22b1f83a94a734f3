package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pressly/goose/v3"

	"focalbot/migrations"
)

// What `focalbot doctor` reads from the database.

// MigrationVersions is the version the database is at and the latest migration of this build.
func (s *Store) MigrationVersions(ctx context.Context) (current, latest int64, err error) {
	provider, err := goose.NewProvider(goose.DialectPostgres, s.DB.DB, migrations.FS)
	if err != nil {
		return 0, 0, fmt.Errorf("migrations: %w", err)
	}
	current, latest, err = provider.GetVersions(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("migrations: %w", err)
	}
	return current, latest, nil
}

// AdvisoryLockHeld reports whether some session of this database holds the advisory lock key
// (a lease): whether an instance is serving.
func (s *Store) AdvisoryLockHeld(ctx context.Context, key int64) (bool, error) {
	var held bool
	err := s.DB.GetContext(ctx, &held, `
		SELECT EXISTS (SELECT 1 FROM pg_locks
		               WHERE locktype = 'advisory' AND granted
		                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		                 AND classid = ($1::bigint >> 32)::oid AND objid = ($1::bigint & 4294967295)::oid
		                 AND objsubid = 1)`, key)
	if err != nil {
		return false, fmt.Errorf("advisory lock %x: %w", key, err)
	}
	return held, nil
}

// SenderHeartbeat is who holds the sending lease and how long ago it last said so (by the
// database's clock); ErrNotFound when no instance ever sent.
func (s *Store) SenderHeartbeat(ctx context.Context) (holder string, age time.Duration, err error) {
	var row struct {
		Holder sql.NullString  `db:"holder"`
		Age    sql.NullFloat64 `db:"age"`
	}
	err = s.DB.GetContext(ctx, &row, `
		SELECT holder, extract(epoch FROM clock_timestamp() - heartbeat_at)::float8 AS age
		FROM delivery_leader ORDER BY heartbeat_at DESC NULLS LAST LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !row.Age.Valid) {
		return "", 0, ErrNotFound
	}
	if err != nil {
		return "", 0, fmt.Errorf("sender heartbeat: %w", err)
	}
	return row.Holder.String, time.Duration(row.Age.Float64 * float64(time.Second)), nil
}

// Clock is the database server's time, to compare with this machine's.
func (s *Store) Clock(ctx context.Context) (time.Time, error) {
	var t time.Time
	if err := s.DB.GetContext(ctx, &t, `SELECT clock_timestamp()`); err != nil {
		return time.Time{}, fmt.Errorf("database clock: %w", err)
	}
	return t, nil
}
