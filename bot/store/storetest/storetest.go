// Package storetest gives each test a database of its own, created from a migrated template,
// so tests run in parallel against a real PostgreSQL.
//
// Where the server comes from:
//   - DATABASE_URL when set (the role needs CREATEDB);
//   - otherwise a throwaway cluster started for the test binary with initdb and pg_ctl from
//     PATH or /usr/lib/postgresql/*/bin, in a temporary folder, on a free port, removed when
//     the tests end;
//   - with neither, the test fails with one line saying how to fix it. It never skips.
//
// A package using it calls Run from its TestMain so the cluster is stopped afterwards.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"focalbot/bot/store"
	"focalbot/bot/store/localpg"
)

var (
	setupOnce sync.Once
	setupErr  error
	serverURL string           // the maintenance connection: DATABASE_URL or the throwaway cluster
	template  string           // the migrated template database of this test binary
	cluster   *localpg.Cluster // nil when DATABASE_URL is used
	createMu  sync.Mutex
)

// Run runs the tests of a package and then removes what the harness created. Use it as
//
//	func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }
func Run(m *testing.M) int {
	code := m.Run()
	teardown()
	return code
}

// New returns a fresh, migrated database for this test, dropped when the test ends, and its URL
// (for code under test that opens its own connections).
func New(t testing.TB) (*store.Store, string) {
	t.Helper()
	setupOnce.Do(func() { setupErr = setup() })
	if setupErr != nil {
		t.Fatal(setupErr)
	}
	name := "focalbot_t_" + randomSuffix()
	createMu.Lock() // CREATE DATABASE … TEMPLATE refuses while another copy is being made
	err := exec(serverURL, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, pq.QuoteIdentifier(name), pq.QuoteIdentifier(template)))
	createMu.Unlock()
	if err != nil {
		t.Fatalf("storetest: create database: %v", err)
	}
	dbURL := withDatabase(serverURL, name)
	st, err := store.Open(context.Background(), dbURL, 10*time.Second)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() {
		st.Close()
		_ = exec(serverURL, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, pq.QuoteIdentifier(name)))
	})
	return st, dbURL
}

// Cluster is the throwaway cluster, nil when the tests run against DATABASE_URL.
func Cluster() *localpg.Cluster { return cluster }

// ServerURL is the maintenance connection URL of the server the tests use; tests that restart
// or terminate connections need it.
func ServerURL(t testing.TB) string {
	t.Helper()
	setupOnce.Do(func() { setupErr = setup() })
	if setupErr != nil {
		t.Fatal(setupErr)
	}
	return serverURL
}

func setup() error {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		serverURL = u
	} else {
		// Durable: TestDatabaseServerRestart crashes this server (Cluster().Restart), and with
		// synchronous_commit off a commit the bot was told of (an update marked handled) could
		// be lost in the crash, so the update was handled, and answered, twice. fsync stays off.
		c, err := localpg.StartTempDurable()
		if err != nil {
			return fmt.Errorf("storetest: DATABASE_URL is not set and no throwaway cluster could be started: %w", err)
		}
		cluster = c
		serverURL = c.URL("postgres")
	}
	template = "focalbot_tmpl_" + randomSuffix()
	if err := exec(serverURL, `CREATE DATABASE `+pq.QuoteIdentifier(template)); err != nil {
		return fmt.Errorf("storetest: create template database on %s: %w", redact(serverURL), err)
	}
	st, err := store.Open(context.Background(), withDatabase(serverURL, template), 10*time.Second)
	if err != nil {
		return fmt.Errorf("storetest: %w", err)
	}
	defer st.Close()
	if err := st.Migrate(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		return fmt.Errorf("storetest: %w", err)
	}
	return nil
}

func teardown() {
	if serverURL != "" && template != "" && cluster == nil {
		_ = exec(serverURL, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, pq.QuoteIdentifier(template)))
	}
	if cluster != nil {
		cluster.Stop()
	}
}

func exec(serverURL, stmt string) error {
	db, err := sqlx.Open("postgres", serverURL)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = db.ExecContext(ctx, stmt)
	return err
}

// withDatabase returns the URL with its database name replaced. It accepts both URL and
// key=value connection strings.
func withDatabase(connURL, name string) string {
	u, err := url.Parse(connURL)
	if err != nil || u.Scheme == "" {
		return connURL + " dbname=" + name
	}
	u.Path = "/" + name
	return u.String()
}

func redact(connURL string) string {
	if u, err := url.Parse(connURL); err == nil {
		return u.Redacted()
	}
	return "the configured server"
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
