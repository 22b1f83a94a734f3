// Package store is the PostgreSQL access of focalbot: one file per aggregate, SQL inline and
// commented. PostgreSQL is the single source of truth; nothing of the bot's state lives only in
// memory.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq" // also the "postgres" driver
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// Store wraps the connection pool. Data access is one style throughout: functions
// Func(ctx, q Querier, …), run on the pool (st.DB) or inside the caller's transaction alike.
// The few methods are operations on the pool itself: migrations, transactions (InTx), the
// inbox of updates, and start-up and sandbox chores.
type Store struct {
	DB *sqlx.DB
}

// Querier is what both *sqlx.DB and *sqlx.Tx offer, so store functions work inside or outside a
// transaction.
type Querier interface {
	sqlx.ExtContext
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

// Open connects to the database and checks that it answers within timeout.
func Open(ctx context.Context, databaseURL string, timeout time.Duration) (*Store, error) {
	db, err := sqlx.Open("postgres", databaseURL)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	// Two cores, a handful of handler goroutines and one dispatcher: a small pool is plenty
	// and leaves connections for other instances.
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)

	pingCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return &Store{DB: db}, nil
}

// Close closes the pool.
func (s *Store) Close() error { return s.DB.Close() }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.DB.PingContext(ctx) }

// Writable reports whether the database takes writes: not a standby in recovery, and not
// read-only by default (default_transaction_read_only, as a failover tool may set).
func (s *Store) Writable(ctx context.Context) (bool, error) {
	var ok bool
	err := s.DB.GetContext(ctx, &ok, `SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off'`)
	if err != nil {
		return false, fmt.Errorf("writable: %w", err)
	}
	return ok, nil
}

// InTx runs fn in one transaction: committed when fn returns nil, rolled back otherwise.
func (s *Store) InTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// notFound turns sql.ErrNoRows into ErrNotFound, so callers never see (nil, nil).
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// Unavailable reports whether err is PostgreSQL saying it cannot serve now (shutting down,
// restarting, the connection terminated, too many connections, the database closed to
// connections) or the driver finding its connection broken, as opposed to an error of the
// statement itself: the same work may succeed once the database is back. A bare network error
// is not enough, for it may come from elsewhere (Telegram): callers ping the database to tell.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code.Class() == "08" || // connection exception
			pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" || // shutdown, crash, cannot connect now
			pe.Code == "53300" || // too many connections
			pe.Code == "55000" && strings.Contains(pe.Message, "not currently accepting connections")
	}
	return errors.Is(err, driver.ErrBadConn)
}
