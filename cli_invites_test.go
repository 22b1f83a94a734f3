package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"focalbot/bot/bottest"
	"focalbot/bot/members"
	"focalbot/bot/store"
	"focalbot/handlers"
)

// `focalbot invites list` shows the open invitations; `revoke` makes one unusable, once.
func TestCLIInvites(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	ctx := context.Background()
	e := env(map[string]string{"DATABASE_URL": h.DBURL})
	code, inv, err := members.CreateInvite(ctx, h.Store, members.InviteSpec{Country: "UZ", Role: store.RoleObserver, Agency: "customs", TTL: 24 * time.Hour}, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runInvites(ctx, []string{"list"}, e, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), fmt.Sprintf("%d ", inv.ID)) || !strings.Contains(out.String(), "UZ") ||
		!strings.Contains(out.String(), "observer") || !strings.Contains(out.String(), "1 open invitations") {
		t.Fatalf("list: %q", out.String())
	}
	out.Reset()
	if err := runInvites(ctx, []string{"revoke", fmt.Sprint(inv.ID)}, e, &out); err != nil {
		t.Fatal(err)
	}
	if err := runInvites(ctx, []string{"revoke", fmt.Sprint(inv.ID)}, e, &out); err == nil {
		t.Error("revoked twice")
	}
	if _, err := store.ClaimInvite(ctx, h.Store.DB, code, 99, time.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a revoked invitation was claimed: %v", err)
	}
	out.Reset()
	if err := runInvites(ctx, []string{"list"}, e, &out); err != nil || !strings.Contains(out.String(), "0 open invitations") {
		t.Errorf("list after revoke: %q %v", out.String(), err)
	}
	var ue usageError
	if err := runInvites(ctx, []string{"revoke"}, e, &out); !errors.As(err, &ue) {
		t.Errorf("revoke without an ID: %v", err)
	}
}

// `focalbot members forget` refuses an active member and erases a suspended one's name.
func TestCLIMembersForget(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	ctx := context.Background()
	e := env(map[string]string{"DATABASE_URL": h.DBURL})
	uz := "UZ"
	if _, err := store.InsertMember(ctx, h.Store.DB, store.Member{TelegramUserID: 4343, DisplayName: "Quintus Forgetme",
		Unit: "Port", Country: &uz, Role: store.RoleFocalPoint, Agency: "customs", State: store.StateActive, Language: "uz"}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runMembers(ctx, []string{"forget", "4343"}, e, &out); !errors.Is(err, store.ErrStillActive) {
		t.Fatalf("forgetting an active member: %v", err)
	}
	if err := runMembers(ctx, []string{"suspend", "4343"}, e, &out); err != nil {
		t.Fatal(err)
	}
	if err := runMembers(ctx, []string{"forget", "4343"}, e, &out); err != nil {
		t.Fatal(err)
	}
	m, err := store.MemberByTelegramID(ctx, h.Store.DB, 4343)
	if err != nil || strings.Contains(m.DisplayName, "Quintus") || m.Unit != "" || m.Language != "" {
		t.Errorf("after forget: %+v %v", m, err)
	}
	if !strings.Contains(out.String(), "a former member (UZ)") {
		t.Errorf("output: %q", out.String())
	}
}
