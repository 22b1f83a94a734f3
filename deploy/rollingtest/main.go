// Command rollingtest tries the README's rolling upgrade against the real binaries: two
// instances of the old build on one database and the Bot API emulator, a broadcast under way,
// then the runbook's steps — the standby restarted on the new build, the leader stopped
// (SIGTERM) during the broadcast, then started again on the new build — while members keep
// writing to the bot. It reports the deliveries lost and duplicated, the updates left
// unhandled, and how long no instance held each lease. `make rollingtest` runs it.
package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"focalbot/bot/delivery/broadcastseed"
	"focalbot/bot/lease"
	"focalbot/bot/telegramtest"
)

// The advisory lock keys: the polling lease of versions before the one lease (bot/lease), and
// the one lease, whose key was the sending lease's. A new build takes only the second, so the
// polling column shows the old build alone.
const (
	pollKey    int64 = 0x666f63616c706f6c
	sendingKey       = lease.LockKey
)

func main() {
	oldBin := flag.String("old", "", "the build running before the upgrade")
	newBin := flag.String("new", "bin/focalbot", "the build after it")
	recipients := flag.Int("recipients", 600, "recipients of the broadcast (at 25/s: 24 s of sending)")
	webhook := flag.Bool("webhook", false, "updates by webhook through a round-robin balancer (both builds must have webhook mode)")
	toWebhook := flag.Bool("to-webhook", false, "the old instances poll, the restarted ones use the webhook: the README's move from polling to a webhook")
	flag.Parse()
	if *oldBin == "" {
		*oldBin = *newBin
	}
	if err := run(*oldBin, *newBin, *recipients, *webhook, *toWebhook); err != nil {
		fmt.Fprintln(os.Stderr, "rollingtest:", err)
		os.Exit(1)
	}
}

type instance struct {
	name    string
	bin     string
	http    string
	webhook string // WEBHOOK_ADDR
	cmd     *exec.Cmd
	done    chan struct{}
}

func (in *instance) start(env []string) error {
	in.cmd = exec.Command(in.bin, "run")
	in.cmd.Env = append(env, "HTTP_ADDR="+in.http, "WEBHOOK_ADDR="+in.webhook)
	in.cmd.Stdout, in.cmd.Stderr = os.Stdout, os.Stderr
	if err := in.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", in.bin, err)
	}
	in.done = make(chan struct{})
	go func() { _ = in.cmd.Wait(); close(in.done) }()
	return nil
}

// stop sends SIGTERM, as systemctl stop does, and waits.
func (in *instance) stop() {
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	<-in.done
}

// leader reports whether /healthz says this instance polls (not standby) and has polled. Not
// whether it is healthy: a leader that has just taken over with the updates that waited for it
// may be past HEALTH_MAX_BACKLOG for a moment, and answers 503 meanwhile.
func (in *instance) leader() bool {
	resp, err := http.Get("http://" + in.http + "/healthz")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var h map[string]any
	if json.NewDecoder(resp.Body).Decode(&h) != nil {
		return false
	}
	_, standby := h["polling"]
	_, polled := h["last_poll_age_seconds"]
	return !standby && polled
}

// balancer passes the emulator's webhook requests to the instances in turn, skipping one that
// does not answer, as a load balancer with health checks does.
type balancer struct {
	mu       sync.Mutex
	next     int
	backends []string
	client   http.Client
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	start := b.next
	b.next++
	b.mu.Unlock()
	for i := range b.backends {
		addr := b.backends[(start+i)%len(b.backends)]
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, "http://"+addr+r.URL.Path, bytes.NewReader(body))
		req.Header = r.Header.Clone()
		resp, err := b.client.Do(req)
		if err != nil {
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		return
	}
	w.WriteHeader(http.StatusBadGateway)
}

func run(oldBin, newBin string, recipients int, webhook, toWebhook bool) error {
	server := os.Getenv("DATABASE_URL")
	if server == "" {
		return fmt.Errorf("set DATABASE_URL to a server where a database may be created")
	}
	dbURL, drop, err := database(server)
	if err != nil {
		return err
	}
	defer drop()
	srv := telegramtest.NewServer(telegramtest.WithAddr("127.0.0.1:0"), telegramtest.WithoutCallLog(),
		telegramtest.WithLimits(telegramtest.Limits{GlobalPerSecond: 30, PerChatPerSecond: 1, PerGroupPerMinute: 20}))
	defer srv.Close()
	env := append(os.Environ(),
		"TELEGRAM_BOT_TOKEN="+srv.Token(), "TELEGRAM_API_URL="+srv.URL(), "DATABASE_URL="+dbURL,
		"POLL_TIMEOUT=1s", "LOG_LEVEL=warn", "ADMIN_TELEGRAM_IDS=", "SEND_RATE=25")
	migrate := exec.Command(oldBin, "migrate")
	migrate.Env, migrate.Stderr = env, os.Stderr
	if err := migrate.Run(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		return err
	}
	defer db.Close()

	a := &instance{name: "A", bin: oldBin, http: freeAddr(), webhook: freeAddr()}
	b := &instance{name: "B", bin: oldBin, http: freeAddr(), webhook: freeAddr()}
	envOld := env
	if webhook || toWebhook {
		lb := &balancer{backends: []string{a.webhook, b.webhook}, client: http.Client{Timeout: 10 * time.Second}}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		hs := &http.Server{Handler: lb, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = hs.Serve(ln) }()
		defer hs.Close()
		secret := make([]byte, 24)
		_, _ = crand.Read(secret)
		env = append(env, "WEBHOOK_URL=http://"+ln.Addr().String()+"/telegram", "WEBHOOK_SECRET="+hex.EncodeToString(secret))
		if webhook {
			envOld = env
		}
	}
	if err := a.start(envOld); err != nil {
		return err
	}
	time.Sleep(2 * time.Second) // A takes the leases first
	if err := b.start(envOld); err != nil {
		return err
	}
	defer func() { // on an early return: no process left behind
		for _, in := range []*instance{a, b} {
			select {
			case <-in.done:
			default:
				in.stop()
			}
		}
	}()
	waitFor := func(what string, cond func() bool) error {
		deadline := time.Now().Add(60 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				return fmt.Errorf("timed out: %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
		return nil
	}
	if err := waitFor("A polling", a.leader); err != nil {
		return err
	}

	// Watch the leases and the sends every 10 ms until the end.
	mon := &monitor{db: db, srv: srv}
	ctx, stopMon := context.WithCancel(context.Background())
	defer stopMon()
	var monWG sync.WaitGroup
	monWG.Add(1)
	go func() { defer monWG.Done(); mon.run(ctx) }()

	// Members writing to the bot throughout: one /help a member every 200 ms.
	if err := seed(db, srv, recipients); err != nil {
		return err
	}
	talkers := make([]*telegramtest.User, 20)
	for i := range talkers {
		talkers[i] = srv.User(userID(i), "", "en")
	}
	var sentUpdates int
	talkCtx, stopTalk := context.WithCancel(context.Background())
	defer stopTalk()
	var talkWG sync.WaitGroup
	talkWG.Add(1)
	go func() {
		defer talkWG.Done()
		for i := 0; talkCtx.Err() == nil; i++ {
			talkers[i%len(talkers)].SendText("/help")
			sentUpdates++
			time.Sleep(200 * time.Millisecond)
		}
	}()

	mode := "polling"
	switch {
	case webhook:
		mode = "webhook"
	case toWebhook:
		mode = "polling, then webhook from the restarts on"
	}
	fmt.Printf("rollingtest: old %s, new %s; updates by %s; broadcast to %d at SEND_RATE=25\n", version(oldBin), version(newBin), mode, recipients)
	if err := waitFor("the broadcast under way", func() bool { return srv.Stats().Sent >= recipients/10 }); err != nil {
		return err
	}
	// The runbook: 1. the standby on the new build.
	aOldPid, bOldPid := a.cmd.Process.Pid, b.cmd.Process.Pid
	t0 := time.Now()
	b.stop()
	b.bin = newBin
	if err := b.start(env); err != nil {
		return err
	}
	fmt.Printf("  %5.1fs standby B restarted on the new build; %d of %d delivered\n", time.Since(t0).Seconds(), srv.Stats().Sent, recipients)
	time.Sleep(3 * time.Second)
	// 2. the leader stopped during the broadcast; B takes over.
	tStop := time.Now()
	a.stop()
	fmt.Printf("  %5.1fs leader A stopped (SIGTERM, %.1fs to exit); %d of %d delivered\n", time.Since(t0).Seconds(), time.Since(tStop).Seconds(), srv.Stats().Sent, recipients)
	if err := waitFor("B polling", b.leader); err != nil {
		return err
	}
	fmt.Printf("  %5.1fs B polls\n", time.Since(t0).Seconds())
	// 3. A started again on the new build: it stands by.
	a.bin = newBin
	if err := a.start(env); err != nil {
		return err
	}
	fmt.Printf("  %5.1fs A started on the new build\n", time.Since(t0).Seconds())

	// The broadcast ends and the talk stops; everything must be handled and sent.
	err = waitFor("every delivery sent", func() bool {
		var open int
		_ = db.Get(&open, `SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')`)
		return open == 0 && srv.Stats().Sent >= recipients
	})
	stopTalk()
	talkWG.Wait()
	if err == nil {
		err = waitFor("every update handled", func() bool {
			var n int
			_ = db.Get(&n, `SELECT count(*) FROM inbound_updates WHERE handled_at IS NULL`)
			return n == 0 && srv.PendingUpdates() == 0
		})
	}
	time.Sleep(time.Second)
	stopMon()
	monWG.Wait()
	if err != nil {
		return err
	}

	lost, dups := broadcastseed.Tally(srv, seedBase, recipients, "Rolling Upgrade")
	var stored, handled int
	_ = db.Get(&stored, `SELECT count(*) FROM inbound_updates`)
	_ = db.Get(&handled, `SELECT count(*) FROM inbound_updates WHERE handled_at IS NOT NULL`)
	fmt.Printf("rollingtest: broadcast to %d: %d lost, %d duplicated; %d updates sent by members, %d stored, %d handled\n",
		recipients, lost, dups, sentUpdates, stored, handled)
	// The old build's own polling lease is left for good once no old build runs: its gap then
	// runs to the end and says nothing. The one lease (the sending lease's key) is what counts.
	fmt.Printf("rollingtest: longest time without a holder of the one lease (the sending lease of older builds) %s; longest pause between two sends %s\n",
		mon.gapSend.Round(time.Millisecond), mon.gapSent.Round(time.Millisecond))
	var longest float64
	_ = db.Get(&longest, `SELECT coalesce(max(extract(epoch FROM handled_at - received_at)), 0) FROM inbound_updates`)
	fmt.Printf("rollingtest: longest wait of an update from its store to its handling %.1fs\n", longest)
	fmt.Printf("rollingtest: pids A %d/%d, B %d/%d (old/new build); sending lease holders in turn: %s\n",
		aOldPid, a.cmd.Process.Pid, bOldPid, b.cmd.Process.Pid, strings.Join(mon.senders, " → "))
	if lost > 0 || stored != sentUpdates || handled != stored {
		// What the outbox says of the deliveries that did not arrive: the first clue.
		var rows []struct {
			State string `db:"state"`
			Error string `db:"last_error"`
			N     int    `db:"n"`
		}
		_ = db.Select(&rows, `
			SELECT state, coalesce(last_error, '') AS last_error, count(*) AS n FROM outbox
			WHERE kind = 'member_unreachable' AND state <> 'sent' GROUP BY 1, 2`)
		for _, r := range rows {
			fmt.Printf("rollingtest: outbox %s ×%d: %s\n", r.State, r.N, r.Error)
		}
		return fmt.Errorf("FAILED")
	}
	return nil
}

// monitor samples the leases (pg_locks) and the emulator's count of sends.
type monitor struct {
	db                        *sqlx.DB
	srv                       *telegramtest.Server
	gapPoll, gapSend, gapSent time.Duration
	senders                   []string // the sending lease's holders in turn (delivery_leader.holder)
}

func (m *monitor) run(ctx context.Context) {
	now := time.Now()
	lastPoll, lastSend, lastSent := now, now, now
	sent := m.srv.Stats().Sent
	for ctx.Err() == nil {
		var poll, send bool
		err := m.db.QueryRowContext(ctx, `
			SELECT bool_or(k = $1), bool_or(k = $2) FROM (
				SELECT (classid::bigint << 32) | objid::bigint AS k FROM pg_locks
				WHERE locktype = 'advisory' AND granted AND objsubid = 1
				  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) l`,
			pollKey, sendingKey).Scan(&poll, &send)
		now = time.Now()
		if err == nil {
			if poll {
				lastPoll = now
			}
			if send {
				lastSend = now
			}
			m.gapPoll = max(m.gapPoll, now.Sub(lastPoll))
			m.gapSend = max(m.gapSend, now.Sub(lastSend))
		}
		var holder string
		if m.db.GetContext(ctx, &holder, `SELECT coalesce(holder, '') FROM delivery_leader LIMIT 1`) == nil &&
			(len(m.senders) == 0 || m.senders[len(m.senders)-1] != holder) {
			m.senders = append(m.senders, holder)
		}
		if s := m.srv.Stats().Sent; s != sent {
			sent, lastSent = s, now
		} else if open := m.open(ctx); open > 0 {
			m.gapSent = max(m.gapSent, now.Sub(lastSent))
		} else {
			lastSent = now
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (m *monitor) open(ctx context.Context) int {
	var n int
	_ = m.db.GetContext(ctx, &n, `SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')`)
	return n
}

func userID(i int) int64 { return broadcastseed.UserID(seedBase, i) }

// seedBase is where this tool's recipients' user IDs start (broadcastseed).
const seedBase = 600000

func seed(db *sqlx.DB, srv *telegramtest.Server, recipients int) error {
	return broadcastseed.Seed(db, srv, seedBase, "rollingtest", "Rolling Upgrade", recipients)
}

func version(bin string) string {
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		return bin
	}
	return strings.TrimSpace(strings.TrimPrefix(string(out), "focalbot "))
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// database creates a fresh database on the server of DATABASE_URL.
func database(server string) (string, func(), error) {
	b := make([]byte, 4)
	_, _ = crand.Read(b)
	name := "focalbot_rolling_" + hex.EncodeToString(b)
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
	}, nil
}
