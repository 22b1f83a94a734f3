package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"focalbot/bot/i18n"
	"focalbot/bot/members"
	"focalbot/bot/store"
)

const membersUsage = `usage: focalbot members list [--state active] [--role focal_point] [--country KZ]
       focalbot members set-role <telegram-user-id> <role>
       focalbot members suspend <telegram-user-id>
       focalbot members reactivate <telegram-user-id>
       focalbot members forget <telegram-user-id>   (a suspended member: erase their personal data)`

// runMembers is `focalbot members list|set-role|suspend|reactivate`, the CLI twins of the
// /members card. Changes are audited with no actor (the CLI) and take effect at once; the
// member's Telegram command menu follows at their next /start.
func runMembers(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{errors.New(membersUsage)}
	}
	st, _, err := openDatabase(ctx, getenv)
	if err != nil {
		return err
	}
	defer st.Close()

	sub, rest := args[0], args[1:]
	if sub == "list" {
		return listMembers(ctx, st, rest, stdout)
	}
	want := map[string]int{"set-role": 2, "suspend": 1, "reactivate": 1, "forget": 1}
	n, ok := want[sub]
	if !ok || len(rest) != n {
		return usageError{errors.New(membersUsage)}
	}
	uid, err := strconv.ParseInt(rest[0], 10, 64)
	if err != nil {
		return usageError{fmt.Errorf("members %s: %q is not a Telegram user ID", sub, rest[0])}
	}
	m, err := store.MemberByTelegramID(ctx, st.DB, uid)
	if err != nil {
		return fmt.Errorf("members %s: %w", sub, err)
	}
	if sub == "forget" {
		country := ""
		if m.Country != nil {
			country = *m.Country
		}
		if err := st.ForgetMember(ctx, m.ID, i18n.FormerMemberName(country), time.Now()); err != nil {
			return fmt.Errorf("members forget: %w", err)
		}
		fmt.Fprintf(stdout, "%d: personal data erased; their alerts and requests now show a former member (%s)\n", uid, country)
		return nil
	}
	var changed *store.Member
	switch sub {
	case "set-role":
		changed, err = members.SetRole(ctx, st, nil, m.ID, rest[1], time.Now())
	case "suspend":
		changed, err = members.Suspend(ctx, st, nil, m.ID, time.Now())
	case "reactivate":
		changed, err = members.Reactivate(ctx, st, nil, m.ID, time.Now())
	}
	if errors.Is(err, members.ErrNoChange) {
		fmt.Fprintf(stdout, "%d: no change (role %s, state %s)\n", uid, m.Role, m.State)
		return nil
	}
	if err != nil {
		return fmt.Errorf("members %s: %w", sub, err)
	}
	fmt.Fprintf(stdout, "%d: role %s, state %s\n", uid, changed.Role, changed.State)
	return nil
}

func listMembers(ctx context.Context, st *store.Store, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("members list", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f store.MemberFilter
	fs.StringVar(&f.State, "state", "", "active, pending, suspended or unreachable")
	fs.StringVar(&f.Role, "role", "", "admin, analyst, focal_point or observer")
	fs.StringVar(&f.Country, "country", "", "ISO 3166-1 alpha-2, e.g. KZ")
	if err := fs.Parse(args); err != nil {
		return usageError{fmt.Errorf("%w\n%s", err, membersUsage)}
	}
	f.Country = strings.ToUpper(f.Country)
	ms, total, err := store.ListMembers(ctx, st.DB, f, 100000, 0)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "TELEGRAM_ID\tNAME\tCOUNTRY\tAGENCY\tROLE\tSTATE\tLANGUAGE")
	for _, m := range ms {
		country := "-"
		if m.Country != nil {
			country = *m.Country
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", m.TelegramUserID, m.DisplayName, country, m.Agency, m.Role, m.State, m.Language)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d members\n", total)
	return nil
}
