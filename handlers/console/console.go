// Package console is the /console command: it gives an analyst or admin a sign-in link to the
// web console (bot/console), good once and for ten minutes.
package console

import (
	"context"
	"time"

	"focalbot/bot"
	webconsole "focalbot/bot/console"
	"focalbot/bot/store"
)

// Register adds /console to the app, and the hourly job that deletes spent links and
// sessions, and the Mini App's drafts (with their files) abandoned for AppDraftTTL.
func Register(a *bot.App) {
	a.Command("console", bot.Analysts, open)
	a.Job("console_purge", time.Hour, func(ctx context.Context, now time.Time) error {
		links, sessions, err := store.PurgeConsoleAuth(ctx, a.Store.DB, now, webconsole.IdleTimeout)
		if links+sessions > 0 {
			a.Log.Info("console links and sessions purged", "links", links, "sessions", sessions)
		}
		if err != nil {
			return err
		}
		drafts, files, err := store.PurgeAppDrafts(ctx, a.Store.DB, now.Add(-webconsole.AppDraftTTL))
		if drafts+files > 0 {
			a.Log.Info("mini app drafts purged", "drafts", drafts, "files", files)
		}
		return err
	})
}

// open makes a link for the member and sends it. The message carries the link; the copy the
// bot records of it (outbound_messages) carries store.SecretMarker instead: the token is a
// credential and is kept nowhere in clear.
func open(ctx context.Context, r *bot.Request) error {
	base := r.App.ConsoleURL()
	if base == "" {
		return r.Reply(ctx, "console_off", nil, nil)
	}
	token, err := webconsole.NewLink(ctx, r.App.Store.DB, r.Member.ID, r.App.Clock.Now())
	if err != nil {
		return err
	}
	minutes := int(webconsole.LinkTTL.Minutes())
	text := r.T("console_link", map[string]any{"Link": base + "/signin/" + token, "Minutes": minutes})
	_, err = r.App.Send(store.WithSecrets(ctx, token), r.ChatID, "reply", text, nil)
	return err
}
