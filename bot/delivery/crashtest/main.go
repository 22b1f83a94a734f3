// Command crashtest breaks a running focalbot binary again and again during a broadcast and
// reports the deliveries lost and duplicated once it has finished. `make crashtest` kills the
// binary with SIGKILL at random moments and restarts it each time (-fault kill); `make
// faulttest` leaves the binary running and restarts its PostgreSQL, a private cluster, at
// random moments (-fault pg-restart: every connection drops, the database refuses connections
// for a while, then comes back).
//
// It runs the Bot API emulator on a local port with Telegram's limits, a fresh database (on
// DATABASE_URL's server, else on a throwaway cluster; always a throwaway cluster for
// pg-restart), and queues one message per recipient of a kind the binary renders on its own,
// reading the database: the admins' notice that a member cannot be reached
// (member_unreachable), about a member made unreachable for the purpose.
//
// A duplicate happens only when a message was sent and the outcome could not be recorded
// before the sender stopped (killed, or its lease lost with the database); each fault may
// cause at most the dispatcher's window of them (2 × half a second's worth of messages at
// SEND_RATE), and the run fails beyond faults × window or on any loss.
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
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"focalbot/bot/delivery/broadcastseed"
	"focalbot/bot/store/localpg"
	"focalbot/bot/telegramtest"
)

func main() {
	bin := flag.String("bin", "bin/focalbot", "the focalbot binary to kill")
	kills := flag.Int("n", 5, "how many faults to inject")
	fault := flag.String("fault", "kill", "kill: SIGKILL the binary and start it again; pg-restart: restart its PostgreSQL")
	recipients := flag.Int("recipients", 300, "recipients of the broadcast")
	rate := flag.Int("rate", 30, "SEND_RATE of the binary (the emulator enforces 30/s, 1/s per chat)")
	flag.Parse()
	if *fault != "kill" && *fault != "pg-restart" {
		fmt.Fprintln(os.Stderr, "crashtest: -fault must be kill or pg-restart")
		os.Exit(2)
	}
	if err := run(*bin, *fault, *kills, *recipients, *rate); err != nil {
		fmt.Fprintln(os.Stderr, "crashtest:", err)
		os.Exit(1)
	}
}

func run(bin, fault string, kills, recipients, rate int) error {
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%w (build it first: make build)", err)
	}
	dbURL, cluster, cleanup, err := database(fault == "pg-restart")
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
	what := "SIGKILLs"
	if fault == "pg-restart" {
		what = "PostgreSQL restarts"
	}
	fmt.Printf("crashtest: %d recipients at SEND_RATE=%d, %d %s, duplicate bound %d per fault\n", recipients, rate, kills, what, window)
	var p *exec.Cmd
	for i := 1; i <= kills; i++ {
		if p == nil {
			if p, err = start(bin, env); err != nil {
				return err
			}
		}
		// Strike while it sends: after its first delivery since the last fault, at a random
		// moment.
		before := srv.Stats().Sent
		deadline := time.Now().Add(60 * time.Second)
		for srv.Stats().Sent == before && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(time.Duration(rand.Int64N(int64(1500 * time.Millisecond))))
		if fault == "kill" {
			_ = p.Process.Signal(syscall.SIGKILL)
			_ = p.Wait()
			p = nil
			fmt.Printf("  kill %d: %d of %d delivered\n", i, srv.Stats().Sent, recipients)
		} else {
			t0 := time.Now()
			if err := cluster.Restart(); err != nil {
				return err
			}
			fmt.Printf("  restart %d: %d of %d delivered (database back after %v)\n", i, srv.Stats().Sent, recipients, time.Since(t0).Round(10*time.Millisecond))
		}
		if srv.Stats().Sent >= recipients {
			fmt.Println("  (the broadcast finished before this fault)")
		}
	}
	if p == nil {
		if p, err = start(bin, env); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var open int
		if err := db.Get(&open, `SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')`); err != nil {
			if time.Now().After(deadline) {
				return err
			}
			open = -1 // the database is still coming back
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

	lost, dups := broadcastseed.Tally(srv, seedBase, recipients, "Crash Test")
	var failed int
	if err := db.Get(&failed, `SELECT count(*) FROM outbox WHERE state <> 'sent'`); err != nil {
		return err
	}
	st := srv.Stats()
	fmt.Printf("crashtest: %d %s, %d recipients: %d lost, %d duplicated (bound %d), %d rows not sent, %d 429s\n",
		kills, what, recipients, lost, dups, kills*window, failed, st.TooManyRequests)
	if lost > 0 || failed > 0 || dups > kills*window {
		return fmt.Errorf("FAILED")
	}
	return nil
}

func userID(i int) int64 { return broadcastseed.UserID(seedBase, i) }

// seedBase is where this tool's recipients' user IDs start (broadcastseed).
const seedBase = 500000

func seed(db *sqlx.DB, srv *telegramtest.Server, recipients int) error {
	return broadcastseed.Seed(db, srv, seedBase, "crashtest", "Crash Test", recipients)
}

func start(bin string, env []string) (*exec.Cmd, error) {
	p := exec.Command(bin, "run")
	p.Env, p.Stdout, p.Stderr = env, os.Stdout, os.Stderr
	if err := p.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	return p, nil
}

// database creates a fresh database on DATABASE_URL's server, else (or when private is set) on
// a throwaway cluster, which it returns.
func database(private bool) (string, *localpg.Cluster, func(), error) {
	server := os.Getenv("DATABASE_URL")
	var cluster *localpg.Cluster
	if server == "" || private {
		// Durable: with synchronous_commit off, a restart (a crash of the server) would forget
		// outcomes it had confirmed, and the test would count the resends as duplicates.
		c, err := localpg.StartTempDurable()
		if err != nil {
			return "", nil, nil, err
		}
		server, cluster = c.URL("postgres"), c
	}
	b := make([]byte, 4)
	_, _ = crand.Read(b)
	name := "focalbot_crash_" + hex.EncodeToString(b)
	admin, err := sqlx.Open("postgres", server)
	if err != nil {
		return "", nil, nil, err
	}
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(name)); err != nil {
		admin.Close()
		return "", nil, nil, fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(server)
	if err != nil {
		return "", nil, nil, err
	}
	u.Path = "/" + name
	return u.String(), cluster, func() {
		_, _ = admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+pq.QuoteIdentifier(name)+` WITH (FORCE)`)
		admin.Close()
		if cluster != nil {
			cluster.Stop()
		}
	}, nil
}
