package bot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"focalbot/bot/console"
	"focalbot/bot/store"
)

// startConsole serves the analysts' web console on CONSOLE_ADDR, when set. It listens before
// returning, so ConsoleURL is known (a port 0 in tests and the sandbox picks a free one); a
// failure to serve later goes to errs. stop shuts it down.
func (a *App) startConsole(errs chan<- error) (stop func(), err error) {
	if a.Config.ConsoleAddr == "" {
		return func() {}, nil
	}
	base := a.Config.ConsoleURL
	c, err := console.New(console.Options{Store: a.Store, I18n: a.I18n, TG: a.TG, Now: a.Clock.Now, Log: a.Log,
		Secure: strings.HasPrefix(base, "https://"), PublicURL: base,
		BotToken: a.Config.BotToken, AppFrameAncestors: a.Config.AppFrameAncestors,
		RequestFits: func(from *store.Member, writtenLang, text string) (int, bool) {
			if a.RequestFits == nil {
				return 0, true
			}
			return a.RequestFits(from, writtenLang, text)
		},
		BroadcastTextsSaved: func(ctx context.Context, memberID, broadcastID int64) error {
			if a.BroadcastTextsSaved == nil {
				return nil
			}
			return a.BroadcastTextsSaved(ctx, memberID, broadcastID)
		}})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", a.Config.ConsoleAddr)
	if err != nil {
		return nil, fmt.Errorf("console on %s: %w", a.Config.ConsoleAddr, err)
	}
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	a.consoleURL.Store(base)
	srv := &http.Server{Handler: c, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("console on %s: %w", a.Config.ConsoleAddr, err)
		}
	}()
	a.Log.Info("console serving", "addr", ln.Addr().String(), "url", base)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// ConsoleURL is the console's base URL as browsers reach it; "" while it is not serving.
func (a *App) ConsoleURL() string {
	s, _ := a.consoleURL.Load().(string)
	return s
}

// Confidential reports whether content stays off Telegram (CONFIDENTIAL_CONTENT with the
// console serving): messages carry a short header and an Open button (AppButton), and the
// content is read in the Mini App.
func (a *App) Confidential() bool {
	return a.Config.ConfidentialContent && a.ConsoleURL() != ""
}

// AppButton is a web_app button labelled Open that opens path (such as "/app/requests/RFI-…")
// in the Mini App, from the console's server.
func (a *App) AppButton(lang, path string) Button {
	return Button{Text: a.I18n.T(lang, "alert_btn_open", nil), WebApp: &WebApp{URL: a.ConsoleURL() + path}}
}
