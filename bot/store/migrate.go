package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/lib/pq"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"focalbot/migrations"
)

// Migrate applies the pending migrations of migrations/ in order, each in its own transaction,
// recorded in goose_db_version. A PostgreSQL advisory lock held for the whole run keeps two
// instances that start together from racing.
func (s *Store) Migrate(ctx context.Context, log *slog.Logger) error {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, s.DB.DB, migrations.FS,
		goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for attempt := 1; ; attempt++ {
		results, err := provider.Up(ctx)
		var partial *goose.PartialError
		if errors.As(err, &partial) {
			results = partial.Applied
		}
		for _, r := range results {
			log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
		}
		if err == nil {
			return nil
		}
		// In a rolling upgrade the old build keeps writing while the new one migrates: a
		// migration that alters a busy table (0009 alters the outbox) can lose a deadlock to
		// it, or wait too long for its lock. Each migration runs in its own transaction, so
		// the failed one left nothing behind and is simply run again.
		if !lockConflict(err) || attempt == migrateAttempts {
			return fmt.Errorf("migrate: %w", err)
		}
		log.Warn("migration lost a lock conflict with the running instances; trying again", "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("migrate: %w", ctx.Err())
		case <-time.After(time.Duration(attempt) * 500 * time.Millisecond):
		}
	}
}

// migrateAttempts bounds the retries of a migration that lost a lock conflict: ten attempts
// over about 23 seconds.
const migrateAttempts = 10

// lockConflict reports whether err is a deadlock (40P01) or a lock not obtained in time (55P03).
func lockConflict(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "55P03")
}
