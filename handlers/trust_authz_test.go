package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"focalbot/bot/alert"
	"focalbot/bot/bottest"
	"focalbot/bot/members"
	"focalbot/bot/store"
	"focalbot/handlers"
)

const notAllowed = "not available for your role"

// A focal point made an observer in the middle of /alert and of /ask gets the not-allowed
// answer at the final button, and nothing is created: whether the role was changed by an
// admin (which also ends the conversation) or straight in the database, the conversation
// still stored (another instance, a script).
func TestDemotedMidConversation(t *testing.T) {
	t.Parallel()
	const analyst = 9301
	flows := []struct {
		flow  string
		who   netPerson
		setup func(t *testing.T, u *bottest.Person)
		final string
	}{
		{"alert", netPerson{9311, "Nurlan", "en", store.RoleFocalPoint, "TJ", "customs"},
			func(t *testing.T, u *bottest.Person) { u.Say("/alert\n" + roadForm); u.WaitLast("Review your alert") },
			"📨 Submit to CARICC"},
		{"ask", netPerson{9312, "Imran", "en", store.RoleFocalPoint, "PK", "customs"},
			func(t *testing.T, u *bottest.Person) {
				u.Say("/ask")
				u.WaitLast("Whom do you ask?")
				u.Click("Uzbekistan")
				u.Click("Next →")
				u.WaitLast("Write your request")
				u.Say("Was container MSCU1234565 released?")
				u.WaitLast("Added.")
				u.Click("Done")
				u.WaitLast("How urgent")
				u.Click("Urgent")
				u.WaitLast("By when")
				u.Click("24 hours")
				u.WaitLast("Is this about an alert?")
				u.Click("Skip")
				u.WaitLast("Check your request")
			}, "Send"},
	}
	for _, c := range flows {
		for _, how := range []string{"admin", "database"} {
			t.Run(c.flow+"/"+how, func(t *testing.T) {
				t.Parallel()
				h := bottest.Start(t, handlers.Register)
				ids := netSeed(t, h, c.who,
					netPerson{analyst, "Olga", "en", store.RoleAnalyst, "", "caricc"},
					netPerson{9321, "Dilshod", "en", store.RoleFocalPoint, "UZ", "customs"})
				u := h.Person(c.who.tgID, c.who.name, "en")
				c.setup(t, u)
				before := sideEffects(t, h)
				if how == "admin" {
					if _, err := members.SetRole(context.Background(), h.Store, nil, ids[c.who.tgID], store.RoleObserver, h.Clock.Now()); err != nil {
						t.Fatal(err)
					}
				} else if _, err := h.Store.DB.Exec(`UPDATE members SET role = 'observer' WHERE id = $1`, ids[c.who.tgID]); err != nil {
					t.Fatal(err)
				}
				m := next(t, u, func() {
					if _, err := u.PressButton(c.final); err != nil {
						t.Fatal(err)
					}
				})
				if !strings.Contains(m.Plain(), notAllowed) {
					t.Errorf("the final button after the demotion got %q", m.Plain())
				}
				if after := sideEffects(t, h); after != before {
					t.Errorf("outbox,alerts,rfis,broadcasts,statuses: %s before the demotion, %s after", before, after)
				}
				var convs int
				if err := h.Store.DB.Get(&convs, `SELECT count(*) FROM conversations WHERE telegram_user_id = $1`, c.who.tgID); err != nil || convs != 0 {
					t.Errorf("conversation kept after the demotion: %d %v", convs, err)
				}
			})
		}
	}
}

// A forged Acknowledge on an alert outside the presser's audience gets exactly the answer for
// an alert that does not exist, whatever the alert's state; so does opening its status.
func TestForgedAckOutsideAudience(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	ids := netSeed(t, h,
		netPerson{9401, "Aziz", "en", store.RoleFocalPoint, "UZ", "customs"},
		netPerson{9402, "Mallory", "en", store.RoleFocalPoint, "KZ", "customs"},
		netPerson{9403, "Olga", "en", store.RoleAnalyst, "", "caricc"})
	ctx := context.Background()
	now := h.Clock.Now()
	var alerts []int64
	for i, state := range []string{store.AlertRejected, store.AlertPublished} {
		ref := fmt.Sprintf("ALR-2026-%06d", i+1)
		id, err := store.InsertAlert(ctx, h.Store.DB, &store.Alert{Ref: ref, AuthorID: ids[9401], SubmittedAt: now,
			Content: alert.Content{Classification: alert.ClassUrgent, Text: "Container TGHU8765431", Lang: "en"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.DecideAlert(ctx, h.Store.DB, id, 1, state, ids[9403], "", "UZ", now); err != nil {
			t.Fatal(err)
		}
		alerts = append(alerts, id)
	}
	mallory := h.Person(9402, "Mallory", "en")
	answer := func(data string) string {
		m := next(t, mallory, func() { mallory.PressForged(1, data) })
		return m.Plain()
	}
	nothing := answer("aack:999999")
	if !strings.Contains(nothing, "There is no such alert") {
		t.Fatalf("forged aack on no alert: %q", nothing)
	}
	for _, id := range alerts {
		for _, verb := range []string{"aack", "aas", "afu"} {
			if got := answer(fmt.Sprintf("%s:%d", verb, id)); got != nothing {
				t.Errorf("%s on alert %d outside the audience: %q, want %q", verb, id, got, nothing)
			}
		}
	}
}

// A focal point whose role or country changes while they handle a request gives it back to
// their country's pool: it is no longer held, and the release is recorded.
func TestRoleOrCountryChangeReleasesHeldRequests(t *testing.T) {
	t.Parallel()
	for _, change := range []string{"role", "country"} {
		t.Run(change, func(t *testing.T) {
			t.Parallel()
			n := newRFINet(t)
			rfiAskUzbekistan(t, n.pk, "2 hours")
			n.uz2.WaitText("RFI-2026-000001")
			n.uz2.ClickWait("I am handling it", "You are handling RFI-2026-000001")
			held := func() int {
				var c int
				if err := n.h.Store.DB.Get(&c, `SELECT count(*) FROM rfi_recipients WHERE member_id = $1 AND state = 'handling'`, n.uz2ID); err != nil {
					t.Fatal(err)
				}
				return c
			}
			if held() != 1 {
				t.Fatal("the request is not held before the change")
			}
			var err error
			if change == "role" {
				_, err = members.SetRole(context.Background(), n.h.Store, nil, n.uz2ID, store.RoleObserver, n.h.Clock.Now())
			} else {
				_, err = members.SetCountry(context.Background(), n.h.Store, nil, n.uz2ID, "KZ", n.h.Clock.Now())
			}
			if err != nil {
				t.Fatal(err)
			}
			if held() != 0 || auditCount(t, n.h, "rfi_released", nil) != 1 {
				t.Errorf("after a change of %s: %d held, %d releases audited", change, held(), auditCount(t, n.h, "rfi_released", nil))
			}
		})
	}
}
