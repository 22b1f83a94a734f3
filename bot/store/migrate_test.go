package store_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"focalbot/bot/store"
	"focalbot/bot/store/storetest"
	"focalbot/migrations"
)

// A migration that cannot get its lock in time — as when the old build keeps the tables busy
// during a rolling upgrade (make rollingtest -to-webhook once died with "deadlock detected" in
// migration 0009) — is run again, not left to stop the new instance.
func TestMigrateRetriesALockConflict(t *testing.T) {
	t.Parallel()
	st, dbURL := storetest.New(t)
	ctx := context.Background()
	// Undo the newest migration, so that there is one to apply.
	provider, err := goose.NewProvider(goose.DialectPostgres, st.DB.DB, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.Down(ctx); err != nil {
		t.Fatal(err)
	}
	// The instance about to migrate waits at most 100 ms for a lock; meanwhile another session
	// holds the version table for a second.
	name := dbURL[strings.LastIndex(dbURL, "/")+1:]
	if i := strings.IndexByte(name, '?'); i >= 0 {
		name = name[:i]
	}
	if _, err := st.DB.Exec(`ALTER DATABASE "` + name + `" SET lock_timeout = '100ms'`); err != nil {
		t.Fatal(err)
	}
	tx, err := st.DB.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`LOCK TABLE goose_db_version IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	go func() { time.Sleep(time.Second); _ = tx.Rollback() }()

	fresh, err := store.Open(ctx, dbURL, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	var logged bytes.Buffer
	if err := fresh.Migrate(ctx, slog.New(slog.NewTextHandler(&logged, nil))); err != nil {
		t.Fatalf("migrate: %v\n%s", err, logged.String())
	}
	t.Log(logged.String())
	if !strings.Contains(logged.String(), "trying again") {
		t.Errorf("the lock conflict was not met, so the test proves nothing:\n%s", logged.String())
	}
	if pending, err := provider.HasPending(ctx); err != nil || pending {
		t.Errorf("migrations still pending after the retry (%v)", err)
	}
}
