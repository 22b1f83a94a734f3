// Command focalbot is the Telegram bot of the UNODC–WCO Container Control Programme's
// Inter-regional Network. Usage:
//
//	focalbot [run]     serve the bot (the default)
//	focalbot migrate   apply database migrations and exit
//	focalbot invite    create an invitation link (see cli_invite.go)
//	focalbot members   list members, change roles, suspend, reactivate (see cli_members.go)
//	focalbot sandbox   the whole network offline, in a browser (no token needed)
//	focalbot places    list, add or correct the places of the status board
//	focalbot export statuses|alerts   CSV for analysis
//	focalbot healthcheck   exit 0 when /healthz on HTTP_ADDR answers 200, else 1 (containers)
//	focalbot doctor    check token, database, migrations, webhook, clock, leases (see cli_doctor.go)
//	focalbot version   print the version
//
// Configuration comes from the environment: see bot/config.go or the README.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"focalbot/bot"
	"focalbot/bot/store"
	"focalbot/handlers"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `usage: focalbot [command]   (configuration from the environment; see README.md)
  run        serve the bot (the default)
  migrate    apply database migrations and exit
  invite     create an invitation link
  invites    list the open invitations, revoke one
  members    list members, change roles, suspend, reactivate, forget
  sandbox    the whole network offline, in a browser (no token needed)
  places     list, add or correct the places of the status board
  export     alerts --since DATE | statuses [-country CC]: CSV for analysis
  healthcheck  exit 0 when /healthz on HTTP_ADDR answers 200, else 1 (container health checks)
  doctor     check token, database, migrations, webhook, clock and leases; one line each
  version    print the version`

// runExport writes one of the CSV exports to standard output.
func runExport(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "statuses" {
		return exportStatusesCLI(ctx, args[1:], os.Stdout)
	}
	return export(ctx, args)
}

// exitUsage is the exit code of a configuration or start-up problem the operator must fix.
const exitUsage = 2

func main() {
	cmd := "run"
	if len(os.Args) > 1 {
		cmd = os.Args[1]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	switch cmd {
	case "run":
		err = run(ctx)
	case "migrate":
		err = migrate(ctx)
	case "invite":
		err = runInvite(ctx, os.Args[2:], os.Getenv, os.Stdout)
	case "invites":
		err = runInvites(ctx, os.Args[2:], os.Getenv, os.Stdout)
	case "members":
		err = runMembers(ctx, os.Args[2:], os.Getenv, os.Stdout)
	case "sandbox":
		err = runSandbox(ctx, os.Args[2:])
	case "places":
		err = placesCLI(ctx, os.Args[2:], os.Stdout)
	case "export":
		err = runExport(ctx, os.Args[2:])
	case "healthcheck":
		if err := runHealthcheck(ctx, os.Getenv, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "focalbot:", err)
			os.Exit(1) // never 2: container runtimes reserve it
		}
	case "doctor":
		err = runDoctor(ctx, os.Getenv, os.Stdout)
	case "version", "--version", "-v":
		fmt.Println("focalbot", version)
	case "help", "--help", "-h":
		fmt.Println(usage)
	default:
		err = usageError{fmt.Errorf("unknown command %q\n%s", cmd, usage)}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "focalbot:", err)
		var ue usageError
		var ce *bot.ConfigError
		if errors.As(err, &ue) || errors.As(err, &ce) {
			os.Exit(exitUsage)
		}
		os.Exit(1)
	}
}

// usageError is a problem the operator fixes in the configuration or environment: exit 2.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func run(ctx context.Context) error {
	cfg, err := bot.LoadConfig(os.Getenv, "TELEGRAM_BOT_TOKEN", "DATABASE_URL")
	if err != nil {
		return err
	}
	log := newLogger(cfg)
	log.Info("starting", "version", version, "config", cfg)
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if cfg.RunMigrations {
		if err := st.Migrate(ctx, log); err != nil {
			return err
		}
	}
	app, err := bot.New(ctx, cfg, st, log)
	if errors.Is(err, bot.ErrUnauthorized) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	handlers.Register(app)
	return app.Run(ctx)
}

func migrate(ctx context.Context) error {
	cfg, err := bot.LoadConfig(os.Getenv, "DATABASE_URL")
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	return st.Migrate(ctx, newLogger(cfg))
}

// openDatabase is how the commands that need only the database start: DATABASE_URL from the
// environment, connected, with its pending migrations applied (unless RUN_MIGRATIONS=false), so
// that every command works on a fresh database as `run` does.
func openDatabase(ctx context.Context, getenv func(string) string) (*store.Store, *bot.Config, error) {
	cfg, err := bot.LoadConfig(getenv, "DATABASE_URL")
	if err != nil {
		return nil, nil, err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	if cfg.RunMigrations {
		if err := st.Migrate(ctx, newLogger(cfg)); err != nil {
			st.Close()
			return nil, nil, err
		}
	}
	return st, cfg, nil
}

func openStore(ctx context.Context, cfg *bot.Config) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.DatabaseURL, 10*time.Second)
	if err != nil {
		return nil, usageError{fmt.Errorf("DATABASE_URL: %w (is PostgreSQL running, and is the URL right?)", err)}
	}
	return st, nil
}

func newLogger(cfg *bot.Config) *slog.Logger {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	slog.SetDefault(log)
	return log
}
