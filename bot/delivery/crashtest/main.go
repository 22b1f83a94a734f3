// Command crashtest kills the real focalbot binary with SIGKILL at random moments during a
// broadcast, again and again, restarts it each time, and reports the deliveries lost and
// duplicated once it has finished. `make crashtest` runs it.
//
// It runs the Bot API emulator on a local port with Telegram's limits, a fresh database (on
// DATABASE_URL's server, else on a throwaway cluster), and queues one message per recipient of
// a kind the binary renders on its own: the admins' notice that a member cannot be reached
// (member_unreachable), about a member made unreachable for the purpose.
//
// A duplicate happens only when a message was sent and the process died before recording
// it; each kill may cause at most the dispatcher's window of them (2 × half a second's worth
// of messages at SEND_RATE), and the run fails beyond kills × window or on any loss.
package main

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"focalbot/bot/store/localpg"
	"focalbot/bot/telegramtest"
)

func main() {
	bin := flag.String("bin", "bin/focalbot", "the focalbot binary to kill")
	kills := flag.Int("n", 5, "how many times to kill it")
	recipients := flag.Int("recipients", 300, "recipients of the broadcast")
	rate := flag.Int("rate", 30, "SEND_RATE of the binary (the emulator enforces 30/s, 1/s per chat)")
	flag.Parse()
	if err := run(*bin, *kills, *recipients, *rate); err != nil {
		fmt.Fprintln(os.Stderr, "crashtest:", err)
		os.Exit(1)
	}
}

func run(bin string, kills, recipients, rate int) error {
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%w (build it first: make build)", err)
	}
	dbURL, cleanup, err := database()
	if err != nil {
		return err
	}
	defer cleanup()

	srv := telegramtest.NewServer(telegramtest.WithAddr("127.0.0.1:0"), telegramtest.WithoutCallLog(),
		telegramtest.WithLimits(telegramtest.Limits{GlobalPerSecond: 30, PerChatPerSecond: 1, PerGroupPerMinute: 20}))
	defer srv.Close()
	env := append(os.Environ(),
		"TELEGRAM_BOT_TOKEN="+srv.Token(), "TELEGRAM_API_URL="+srv.URL(), "DATABASE_URL="+dbURL,
		"HTTP_ADDR=127.0.0.1:0", "POLL_TIMEOUT=1s", "LOG_LEVEL=warn", "ADMIN_TELEGRAM_IDS=",
		fmt.Sprintf("SEND_RATE=%d", rate))

	migrate := exec.Command(bin, "migrate")
	migrate.Env, migrate.Stderr = env, os.Stderr
	if err := migrate.Run(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := seed(db, srv, recipients); err != nil {
		return err
	}

	window := 2 * min(max(rate/2, 10), 500)
	fmt.Printf("crashtest: %d recipients at SEND_RATE=%d, %d SIGKILLs, duplicate bound %d per kill\n", recipients, rate, kills, window)
	for i := 1; i <= kills; i++ {
		p, err := start(bin, env)
		if err != nil {
			return err
		}
		// Kill it while it sends: after its first delivery of this run, at a random moment.
		before := srv.Stats().Sent
		deadline := time.Now().Add(30 * time.Second)
		for srv.Stats().Sent == before && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(time.Duration(rand.Int64N(int64(1500 * time.Millisecond))))
		_ = p.Process.Signal(syscall.SIGKILL)
		_ = p.Wait()
		fmt.Printf("  kill %d: %d of %d delivered\n", i, srv.Stats().Sent, recipients)
		if srv.Stats().Sent >= recipients {
			fmt.Println("  (the broadcast finished before this kill)")
		}
	}
	p, err := start(bin, env)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var open int
		if err := db.Get(&open, `SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')`); err != nil {
			return err
		}
		if open == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d rows still open after 5 minutes", open)
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = p.Process.Signal(syscall.SIGTERM)
	_ = p.Wait()

	lost, dups := 0, 0
	for i := range recipients {
		n := 0
		for _, m := range srv.User(userID(i), "", "en").Messages() {
			if strings.Contains(m.Plain(), "Crash Test") {
				n++
			}
		}
		if n == 0 {
			lost++
		} else {
			dups += n - 1
		}
	}
	var failed int
	if err := db.Get(&failed, `SELECT count(*) FROM outbox WHERE state <> 'sent'`); err != nil {
		return err
	}
	st := srv.Stats()
	fmt.Printf("crashtest: %d kills, %d recipients: %d lost, %d duplicated (bound %d), %d rows not sent, %d 429s\n",
		kills, recipients, lost, dups, kills*window, failed, st.TooManyRequests)
	if lost > 0 || failed > 0 || dups > kills*window {
		return fmt.Errorf("FAILED")
	}
	return nil
}

func userID(i int) int64 { return 500000 + int64(i) }

// seed adds the recipients and queues the broadcast.
func seed(db *sqlx.DB, srv *telegramtest.Server, recipients int) error {
	var subject int64
	if err := db.Get(&subject, `
		INSERT INTO members (telegram_user_id, chat_id, display_name, role, state)
		VALUES (499999, 499999, 'Crash Test', 'focal_point', 'unreachable') RETURNING id`); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	ids := make([]int64, recipients)
	for i := range ids {
		ids[i] = userID(i)
		srv.User(ids[i], fmt.Sprintf("R%d", i), "en")
	}
	_, err := db.Exec(`
		WITH m AS (
			INSERT INTO members (telegram_user_id, chat_id, display_name, role, state, language)
			SELECT u, u, 'recipient ' || u, 'focal_point', 'active', 'en' FROM unnest($1::bigint[]) AS u
			RETURNING id, chat_id)
		INSERT INTO outbox (member_id, chat_id, kind, ref_id, variant, priority)
		SELECT id, chat_id, 'member_unreachable', $2, 'crashtest', 2 FROM m`, pq.Array(ids), subject)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}

func start(bin string, env []string) (*exec.Cmd, error) {
	p := exec.Command(bin, "run")
	p.Env, p.Stdout, p.Stderr = env, os.Stdout, os.Stderr
	if err := p.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	return p, nil
}

// database creates a fresh database on DATABASE_URL's server, else on a throwaway cluster.
func database() (string, func(), error) {
	server := os.Getenv("DATABASE_URL")
	var stop func()
	if server == "" {
		c, err := localpg.StartTemp()
		if err != nil {
			return "", nil, err
		}
		server, stop = c.URL("postgres"), c.Stop
	}
	b := make([]byte, 4)
	_, _ = crand.Read(b)
	name := "focalbot_crash_" + hex.EncodeToString(b)
	admin, err := sqlx.Open("postgres", server)
	if err != nil {
		return "", nil, err
	}
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(name)); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(server)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		_, _ = admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+pq.QuoteIdentifier(name)+` WITH (FORCE)`)
		admin.Close()
		if stop != nil {
			stop()
		}
	}, nil
}
