package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"focalbot/bot"
	"focalbot/bot/sandbox"
	"focalbot/bot/store/localpg"
	"focalbot/handlers"
)

// runSandbox is `focalbot sandbox [--reset] [--addr host:port]`: the whole network offline,
// the real bot against the Bot API emulator, with a web page to chat as any demo member. The
// database is DATABASE_URL when set, otherwise a PostgreSQL cluster of its own under ./var.
func runSandbox(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	reset := fs.Bool("reset", false, "drop the demo data and start over")
	addr := fs.String("addr", sandbox.DefaultAddr, "address of the web page")
	fs.SetOutput(os.Stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("sandbox: unexpected argument %q (flags: --reset, --addr host:port)", fs.Arg(0))}
	}
	// No variable is required: the emulator stands in for Telegram. The rest (LOG_LEVEL,
	// HANDLER_WORKERS, DATABASE_URL) applies as usual.
	cfg, err := bot.LoadConfig(os.Getenv)
	if err != nil {
		return err
	}
	err = sandbox.Run(ctx, sandbox.Options{
		Addr:        *addr,
		Reset:       *reset,
		DatabaseURL: cfg.DatabaseURL,
		Register:    handlers.Register,
		Config:      cfg,
		BotHTTPAddr: os.Getenv("HTTP_ADDR"),
		Log:         newLogger(cfg),
	})
	if errors.Is(err, localpg.ErrNotInstalled) || errors.Is(err, sandbox.ErrRealMembers) {
		return usageError{err}
	}
	return err
}
