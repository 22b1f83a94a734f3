package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	tg "github.com/go-telegram/bot"

	"focalbot/bot"
	"focalbot/bot/members"
)

// runInvite is `focalbot invite --country KZ --role focal_point [--agency customs] [--ttl 72h]
// [--bot-username name]`: it creates a single-use invitation and prints its code and deep link.
// It needs DATABASE_URL, and the bot's username for the link: from --bot-username, or else
// asked of Telegram (getMe) with TELEGRAM_BOT_TOKEN. Pending migrations are applied first
// (unless RUN_MIGRATIONS=false), so it works against a fresh database.
func runInvite(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("invite", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	country := fs.String("country", "", "ISO 3166-1 alpha-2 country of the invited person, e.g. KZ; empty for none")
	role := fs.String("role", "", "focal_point, analyst, observer or admin")
	agency := fs.String("agency", "customs", "customs, port_control_unit, border_guard, drug_control_agency, caricc, unodc, wco or other")
	ttl := fs.Duration("ttl", 72*time.Hour, "how long the link stays valid (1h to 720h)")
	username := fs.String("bot-username", "", "the bot's Telegram username (default: asked of Telegram with TELEGRAM_BOT_TOKEN)")
	if err := fs.Parse(args); err != nil {
		return usageError{fmt.Errorf("invite: %w\nusage: focalbot invite --country KZ --role focal_point [--agency customs] [--ttl 72h] [--bot-username name]", err)}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("invite: unexpected argument %q", fs.Arg(0))}
	}
	spec := members.InviteSpec{Country: *country, Role: *role, Agency: *agency, TTL: *ttl}
	if err := spec.Validate(); err != nil {
		return usageError{fmt.Errorf("invite: %w", err)}
	}
	cfg, err := bot.LoadConfig(getenv, "DATABASE_URL")
	if err != nil {
		return err
	}
	if *username == "" {
		if *username, err = botUsername(ctx, cfg); err != nil {
			return err
		}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if cfg.RunMigrations {
		if err := st.Migrate(ctx, newLogger(cfg)); err != nil {
			return err
		}
	}
	code, inv, err := members.CreateInvite(ctx, st, spec, nil, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "code:    %s\nlink:    %s\nexpires: %s\n", code, members.DeepLink(*username, code),
		inv.ExpiresAt.UTC().Format("2006-01-02 15:04 MST"))
	return nil
}

// botUsername asks Telegram who the bot is.
func botUsername(ctx context.Context, cfg *bot.Config) (string, error) {
	if cfg.BotToken == "" {
		return "", usageError{fmt.Errorf("invite: give --bot-username, or set TELEGRAM_BOT_TOKEN so that it can be asked of Telegram")}
	}
	b, err := tg.New(cfg.BotToken, tg.WithServerURL(cfg.APIURL), tg.WithSkipGetMe(),
		tg.WithHTTPClient(0, &http.Client{Timeout: 15 * time.Second}))
	if err != nil {
		return "", err
	}
	me, err := b.GetMe(ctx)
	if err != nil {
		return "", fmt.Errorf("invite: getMe: %w (or give --bot-username)", err)
	}
	return me.Username, nil
}
