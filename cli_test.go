package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot/bottest"
	"focalbot/bot/store"
	"focalbot/bot/store/storetest"
	"focalbot/handlers"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

const wait = 10 * time.Second

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

var linkRe = regexp.MustCompile(`https://t\.me/(\w+)\?start=([A-Za-z0-9_-]+)`)

// `focalbot invite` against a real database: the printed link names the bot (from the flag, or
// from getMe with the token), the code is stored only as its hash, and the link registers.
func TestCLIInvite(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	ctx := context.Background()

	var out bytes.Buffer
	err := runInvite(ctx, []string{"--country", "KZ", "--role", "focal_point", "--bot-username", "ccp_alerts_bot"},
		env(map[string]string{"DATABASE_URL": h.DBURL}), &out)
	if err != nil {
		t.Fatal(err)
	}
	m := linkRe.FindStringSubmatch(out.String())
	if m == nil || m[1] != "ccp_alerts_bot" || len(m[2]) < 22 || len(m[2]) > 64 || !strings.Contains(out.String(), "code:    "+m[2]) {
		t.Fatalf("output: %q", out.String())
	}
	var inv store.Invite
	if err := h.Store.DB.Get(&inv, `SELECT id, country, role, agency, created_by, created_at, expires_at, used_at, used_by_telegram, member_id
		FROM invites WHERE code_hash = $1`, store.HashInviteCode(m[2])); err != nil {
		t.Fatal(err)
	}
	if *inv.Country != "KZ" || inv.Role != "focal_point" || inv.Agency != "customs" || inv.CreatedBy != nil ||
		inv.ExpiresAt.Sub(inv.CreatedAt) != 72*time.Hour {
		t.Errorf("invite = %+v", inv)
	}

	// Without --bot-username the bot's name comes from getMe.
	out.Reset()
	err = runInvite(ctx, []string{"--country", "AF", "--role", "observer", "--agency", "unodc", "--ttl", "24h"},
		env(map[string]string{"DATABASE_URL": h.DBURL, "TELEGRAM_BOT_TOKEN": h.TG.Token(), "TELEGRAM_API_URL": h.TG.URL()}), &out)
	if err != nil {
		t.Fatal(err)
	}
	m = linkRe.FindStringSubmatch(out.String())
	if m == nil || m[1] != h.TG.BotUsername() {
		t.Fatalf("output with getMe: %q", out.String())
	}
	u := h.TG.User(901, "Pat", "ps")
	u.SendText("/start " + m[2])
	if _, err := u.WaitForText("ژبه وټاکئ", wait); err != nil {
		t.Fatal(err)
	}

	for _, args := range [][]string{
		{"--country", "KZ", "--role", "boss", "--bot-username", "b"},
		{"--country", "FR", "--role", "focal_point", "--bot-username", "b"},
		{"--role", "focal_point", "--ttl", "10m", "--bot-username", "b"},
		{"--role", "focal_point"}, // no username and no token
		{"--nonsense"},
	} {
		err := runInvite(ctx, args, env(map[string]string{"DATABASE_URL": h.DBURL}), &out)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
}

// `focalbot members list|set-role|suspend|reactivate` change members as the card does, audited.
func TestCLIMembers(t *testing.T) {
	t.Parallel()
	st, dbURL := storetest.New(t)
	ctx := context.Background()
	kz := "KZ"
	id, err := store.InsertMember(ctx, st.DB, store.Member{TelegramUserID: 4242, DisplayName: "Dana", Country: &kz,
		Agency: "customs", Role: store.RoleFocalPoint, State: store.StateActive, Language: "kk"})
	if err != nil {
		t.Fatal(err)
	}
	e := env(map[string]string{"DATABASE_URL": dbURL})
	run := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := runMembers(ctx, args, e, &out); err != nil {
			t.Fatalf("members %v: %v", args, err)
		}
		return out.String()
	}
	if out := run("list", "--country", "kz"); !strings.Contains(out, "4242") || !strings.Contains(out, "Dana") || !strings.Contains(out, "1 members") {
		t.Errorf("list: %q", out)
	}
	if out := run("list", "--state", "suspended"); strings.Contains(out, "Dana") {
		t.Errorf("filter ignored: %q", out)
	}
	if out := run("set-role", "4242", "analyst"); !strings.Contains(out, "role analyst") {
		t.Errorf("set-role: %q", out)
	}
	if out := run("suspend", "4242"); !strings.Contains(out, "state suspended") {
		t.Errorf("suspend: %q", out)
	}
	if out := run("suspend", "4242"); !strings.Contains(out, "no change") {
		t.Errorf("second suspend: %q", out)
	}
	if out := run("reactivate", "4242"); !strings.Contains(out, "state active") {
		t.Errorf("reactivate: %q", out)
	}
	var actions []string
	if err := st.DB.Select(&actions, `SELECT action FROM audit_log WHERE subject_id = $1 AND actor_id IS NULL ORDER BY id`, id); err != nil {
		t.Fatal(err)
	}
	if strings.Join(actions, ",") != "role_changed,member_suspended,member_reactivated" {
		t.Errorf("audit = %v", actions)
	}
	for _, args := range [][]string{{}, {"frobnicate"}, {"suspend"}, {"suspend", "abc"}, {"set-role", "4242"}} {
		var ue usageError
		if err := runMembers(ctx, args, e, &bytes.Buffer{}); !errors.As(err, &ue) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
	if err := runMembers(ctx, []string{"set-role", "4242", "boss"}, e, &bytes.Buffer{}); err == nil {
		t.Error("unknown role accepted")
	}
	if err := runMembers(ctx, []string{"suspend", "999"}, e, &bytes.Buffer{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown member: %v", err)
	}
}

// Every command that needs the schema applies pending migrations first, as `run` does: on a
// database just created, `members list` and `places list` answer instead of failing with
// `relation … does not exist`.
func TestCommandsMigrateAFreshDatabase(t *testing.T) {
	server := storetest.ServerURL(t)
	db, err := sqlx.Open("postgres", server)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	name := fmt.Sprintf("focalbot_fresh_%d", time.Now().UnixNano())
	if _, err := db.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`) })
	fresh := server + " dbname=" + name // a key=value connection string
	if u, err := url.Parse(server); err == nil && u.Scheme != "" {
		u.Path = "/" + name
		fresh = u.String()
	}

	var out bytes.Buffer
	if err := runMembers(context.Background(), []string{"list"}, env(map[string]string{"DATABASE_URL": fresh}), &out); err != nil {
		t.Fatalf("members list on a fresh database: %v", err)
	}
	t.Setenv("DATABASE_URL", fresh)
	out.Reset()
	if err := placesCLI(context.Background(), []string{"list", "-country", "KZ"}, &out); err != nil {
		t.Fatalf("places list on a fresh database: %v", err)
	}
	if !strings.Contains(out.String(), "KZ") {
		t.Errorf("places list printed no Kazakh place: %q", out.String())
	}
}
