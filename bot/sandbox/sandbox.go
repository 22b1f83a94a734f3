// Package sandbox runs the whole network offline: the real bot (bot.New with the handlers)
// against the in-repo Bot API emulator, a database of demo people, and a web page on which a
// person chats with the bot as any of them. It exists so that a newcomer, a trainer or an
// evaluator can see the bot work without a Telegram token, without internet, with one command
// (`make run` without TELEGRAM_BOT_TOKEN).
//
// Nothing here runs when the bot runs for real: only the sandbox command imports it.
package sandbox

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/lib/pq"

	"focalbot/bot"
	"focalbot/bot/store"
	"focalbot/bot/store/localpg"
	"focalbot/bot/telegramtest"
)

//go:embed web
var webFS embed.FS

// DefaultAddr is where the page is served unless told otherwise.
const DefaultAddr = "127.0.0.1:8080"

// localDatabase is the database the sandbox uses in its own cluster under ./var.
const localDatabase = "focalbot"

// Options configure a sandbox.
type Options struct {
	Addr        string         // the page's address; DefaultAddr when empty, port 0 for any
	Reset       bool           // drop the demo data and start over
	DatabaseURL string         // use this database; empty: a local cluster in VarDir/pg
	VarDir      string         // where the local cluster lives; "var" when empty
	Register    func(*bot.App) // the bot's handlers: handlers.Register
	Config      *bot.Config    // the environment's configuration (log level, workers)
	BotHTTPAddr string         // the bot's /healthz and /metrics; empty: any free port
	Log         *slog.Logger
}

// Sandbox is a running sandbox.
type Sandbox struct {
	URL     string               // the page, e.g. http://127.0.0.1:8080
	TG      *telegramtest.Server // the emulator the bot talks to
	Store   *store.Store         // the bot's database
	Cluster *localpg.Cluster     // the local cluster, nil with DatabaseURL
	App     *bot.App             // the bot
	Seeded  int                  // demo members added at this start (0 when they existed)
	log     *slog.Logger
	users   map[int64]*telegramtest.User

	page     *http.Server
	closing  chan struct{} // closed on Stop: ends the page's long polls
	stopApp  context.CancelFunc
	appDone  chan error
	stopOnce sync.Once
	cleanups []func()
}

// Start brings everything up: database (migrated, seeded), emulator, bot, page. On error,
// whatever was started is stopped again.
func Start(ctx context.Context, o Options) (_ *Sandbox, err error) {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.VarDir == "" {
		o.VarDir = "var"
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Config == nil {
		if o.Config, err = bot.LoadConfig(func(string) string { return "" }); err != nil {
			return nil, err
		}
	}
	s := &Sandbox{log: o.Log, closing: make(chan struct{}), users: map[int64]*telegramtest.User{}}
	defer func() {
		if err != nil {
			s.cleanup()
		}
	}()

	// Listen first: a busy port is the most likely problem and should be said before anything
	// slow happens.
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox page on %s: %w (pass --addr with another port)", o.Addr, err)
	}
	s.cleanups = append(s.cleanups, func() { ln.Close() })
	s.URL = "http://" + ln.Addr().String()

	if err := s.openDatabase(ctx, o); err != nil {
		return nil, err
	}
	if err := s.Store.Migrate(ctx, o.Log); err != nil {
		return nil, err
	}
	if o.Reset && o.DatabaseURL != "" {
		// Someone else's server: the data goes, the database stays, and only when it holds
		// nothing but demo people.
		if others, err := s.Store.MembersOtherThan(ctx, personaIDs()); err != nil {
			return nil, err
		} else if others > 0 {
			return nil, ErrRealMembers
		}
		if err := s.Store.TruncateAll(ctx); err != nil {
			return nil, err
		}
	}
	if s.Seeded, err = seed(ctx, s.Store); err != nil {
		return nil, err
	}

	// The emulator forgets everything when it stops, the database does not: new update ids
	// must follow the stored ones, or the bot would drop them as already seen.
	last, err := s.Store.LastUpdateID(ctx)
	if err != nil {
		return nil, err
	}
	s.TG = telegramtest.NewServer(telegramtest.WithFirstUpdateID(last+1),
		telegramtest.WithBotUsername("focalbot_sandbox_bot"), telegramtest.WithBotName("FocalBot"))
	s.cleanups = append(s.cleanups, s.TG.Close)
	for _, p := range Personas {
		s.users[p.UserID] = s.TG.User(p.UserID, p.Name, p.Lang)
	}

	if err := s.startBot(o); err != nil {
		return nil, err
	}
	// The emulator starts with no command menus; the bot sets each member's at /start, which
	// demo members never sent to this emulator: give them their role's menu now, or the
	// admin's "/" would show what an outsider's does.
	for _, p := range Personas {
		if m, err := store.MemberByTelegramID(ctx, s.Store.DB, p.UserID); p.Member && err == nil {
			s.App.RefreshMenu(ctx, m)
		}
	}

	s.page = &http.Server{Handler: s.handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.page.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("sandbox page stopped", "err", err)
		}
	}()
	return s, nil
}

// openDatabase connects to DatabaseURL, or starts the local cluster and creates (or, with
// Reset, recreates) its database.
func (s *Sandbox) openDatabase(ctx context.Context, o Options) error {
	dbURL := o.DatabaseURL
	if dbURL == "" {
		c, err := localpg.StartIn(filepath.Join(o.VarDir, "pg"))
		if err != nil {
			return err
		}
		s.Cluster = c
		s.cleanups = append(s.cleanups, c.Stop)
		if err := prepareLocalDatabase(ctx, c, o.Reset); err != nil {
			return err
		}
		dbURL = c.URL(localDatabase)
	}
	st, err := store.Open(ctx, dbURL, 10*time.Second)
	if err != nil {
		return fmt.Errorf("sandbox database: %w", err)
	}
	s.Store = st
	s.cleanups = append(s.cleanups, func() { st.Close() })
	return nil
}

// prepareLocalDatabase creates the sandbox's database in its own cluster, dropping it first
// when starting over.
func prepareLocalDatabase(ctx context.Context, c *localpg.Cluster, reset bool) error {
	admin, err := store.Open(ctx, c.URL("postgres"), 10*time.Second)
	if err != nil {
		return fmt.Errorf("local database: %w", err)
	}
	defer admin.Close()
	name := pq.QuoteIdentifier(localDatabase)
	if reset {
		if _, err := admin.DB.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			return fmt.Errorf("local database: drop: %w", err)
		}
	}
	var exists bool
	if err := admin.DB.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, localDatabase); err != nil {
		return fmt.Errorf("local database: %w", err)
	}
	if !exists {
		if _, err := admin.DB.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
			return fmt.Errorf("local database: create: %w", err)
		}
	}
	return nil
}

// startBot runs the real bot against the emulator.
func (s *Sandbox) startBot(o Options) error {
	cfg := *o.Config
	cfg.BotToken = s.TG.Token()
	cfg.APIURL = s.TG.URL()
	cfg.AdminIDs = nil // the demo network has its own admin; real ids mean nothing here
	cfg.RunMigrations = false
	cfg.PollTimeout = 10 * time.Second
	cfg.ShutdownTimeout = 5 * time.Second
	// The bot's /healthz and /metrics must not take the page's port (HTTP_ADDR's default is
	// the page's default): use the address asked for when it differs, otherwise any free port.
	cfg.HTTPAddr = o.BotHTTPAddr
	if cfg.HTTPAddr == "" || sameAddr(cfg.HTTPAddr, o.Addr) {
		port, err := freePort()
		if err != nil {
			return err
		}
		cfg.HTTPAddr = fmt.Sprintf("127.0.0.1:%d", port)
	}
	if cfg.ConsoleAddr == "" {
		cfg.ConsoleAddr = "127.0.0.1:0" // the analysts' console is on in the sandbox, on any free port
	}
	// The page opens Mini Apps in a frame of its own (its port is any).
	cfg.AppFrameAncestors = "http://127.0.0.1:* http://localhost:*"
	ctx, cancel := context.WithCancel(context.Background())
	app, err := bot.New(ctx, &cfg, s.Store, s.log)
	if err != nil {
		cancel()
		return err
	}
	o.Register(app)
	s.App, s.stopApp, s.appDone = app, cancel, make(chan error, 1)
	go func() { s.appDone <- app.Run(ctx) }()
	return nil
}

// Done delivers the bot's error if it stops on its own (its HTTP port taken, say).
func (s *Sandbox) Done() <-chan error { return s.appDone }

// Stop stops the page, the bot, the emulator and the local cluster, in that order.
func (s *Sandbox) Stop() {
	s.stopOnce.Do(func() {
		close(s.closing)
		if s.page != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = s.page.Shutdown(ctx)
			cancel()
		}
		if s.stopApp != nil {
			s.stopApp()
			select {
			case err := <-s.appDone:
				if err != nil {
					s.log.Warn("bot stopped with error", "err", err)
				}
			case <-time.After(20 * time.Second):
				s.log.Warn("bot did not stop within 20 s")
			}
		}
		s.cleanup()
	})
}

func (s *Sandbox) cleanup() {
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		s.cleanups[i]()
	}
	s.cleanups = nil
}

// Run starts a sandbox, says where the page is, and serves until ctx ends or the bot fails.
func Run(ctx context.Context, o Options) error {
	s, err := Start(ctx, o)
	if err != nil {
		return err
	}
	defer s.Stop()
	where := "DATABASE_URL"
	if s.Cluster != nil {
		where = fmt.Sprintf("local PostgreSQL in %s (port %d)", s.Cluster.Dir, s.Cluster.Port)
	}
	s.log.Info("sandbox ready", "page", s.URL, "database", where, "demo_members_added", s.Seeded,
		"bot_http", s.App.Config.HTTPAddr)
	fmt.Fprintf(os.Stdout, "\nfocalbot sandbox: open %s in a browser to chat with the bot as any member of the demo network. Ctrl-C stops it.\n\n", s.URL)
	select {
	case <-ctx.Done():
		return nil
	case err := <-s.appDone:
		s.appDone <- err // for Stop, which waits on it
		return fmt.Errorf("the bot stopped: %w", err)
	}
}

func sameAddr(a, b string) bool {
	ah, ap, err1 := net.SplitHostPort(a)
	bh, bp, err2 := net.SplitHostPort(b)
	if err1 != nil || err2 != nil || ap != bp {
		return false
	}
	wild := func(h string) bool { return h == "" || h == "0.0.0.0" || h == "::" }
	return ah == bh || wild(ah) || wild(bh)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
