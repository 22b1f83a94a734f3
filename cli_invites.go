package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"focalbot/bot/store"
)

const invitesUsage = `usage: focalbot invites list
       focalbot invites revoke <invite-id>`

// runInvites is `focalbot invites list|revoke`, the CLI twin of /invites: the open invitations
// (not used, expired or revoked), and revoking one (audited with no actor: the CLI).
func runInvites(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || (args[0] == "list" && len(args) != 1) || (args[0] == "revoke" && len(args) != 2) ||
		(args[0] != "list" && args[0] != "revoke") {
		return usageError{errors.New(invitesUsage)}
	}
	st, _, err := openDatabase(ctx, getenv)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	if args[0] == "revoke" {
		id, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil {
			return usageError{fmt.Errorf("invites revoke: %q is not an invitation ID\n%s", args[1], invitesUsage)}
		}
		if _, err := store.RevokeInvite(ctx, st.DB, id, nil, now); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("invites revoke: no open invitation #%d (used, expired or revoked already?)", id)
			}
			return err
		}
		fmt.Fprintf(stdout, "invitation #%d revoked\n", id)
		return nil
	}
	open, err := store.OpenInvites(ctx, st.DB, now)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tCOUNTRY\tROLE\tAGENCY\tCREATED_BY\tEXPIRES")
	for _, inv := range open {
		country, by := "-", "(command line)"
		if inv.Country != nil {
			country = *inv.Country
		}
		if inv.CreatedBy != nil {
			by = inv.CreatorName
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", inv.ID, country, inv.Role, inv.Agency, by, inv.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d open invitations\n", len(open))
	return nil
}
