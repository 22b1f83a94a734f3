package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"focalbot/bot/bottest"
	"focalbot/bot/store"
)

// /ask to one named member: the chat offers the members a request may name (rfi.Addressable:
// active, not the asker, not an observer), refuses a forged press naming anyone else with
// rfi_member_gone, and the request goes to the member chosen alone (and CARICC's copy).
func TestRFIAskNamedMember(t *testing.T) {
	t.Parallel()
	n := newRFINet(t)
	h, pk := n.h, n.pk
	observerID, err := store.InsertMember(context.Background(), h.Store.DB, store.Member{TelegramUserID: 7601, DisplayName: "Wanda",
		Agency: "unodc", Role: store.RoleObserver, Language: "en", State: store.StateActive})
	if err != nil {
		t.Fatal(err)
	}

	pk.SayWait("/ask", "Whom do you ask?")
	list := pk.ClickWait("A named member", "Choose the member to ask")
	var labels []string
	for _, b := range list.Buttons() {
		labels = append(labels, b.Text)
	}
	all := strings.Join(labels, " | ")
	if !strings.Contains(all, "Nino, Poti port (Georgia)") || !strings.Contains(all, "Olga, Analysis") {
		t.Errorf("the members offered: %s", all)
	}
	for _, name := range []string{"Imran", "Merdan", "Wanda"} { // the asker, suspended, an observer
		if strings.Contains(all, name) {
			t.Errorf("%s is offered: %s", name, all)
		}
	}
	for _, id := range []int64{observerID, n.ids[7501], n.pkID, 99999999} {
		pk.ClickData(list.ID, fmt.Sprintf("rfiask:mm:%d", id))
		pk.WaitMore("This member can no longer receive requests")
	}
	pk.ClickWait("Nino, Poti port (Georgia)", "Write your request")
	pk.SayWait("Was container MSCU1234565 inspected at Poti?", "Added.")
	pk.ClickWait("Done", "How urgent")
	pk.ClickWait("Routine", "By when")
	pk.SayWait("36h", "Is this about an alert?")
	pk.ClickWait("Skip", "Check your request")
	pk.ClickWait("Send", "Request RFI-2026-000001 sent")
	n.ge.WaitText("RFI-2026-000001")
	n.analyst.WaitText("RFI-2026-000001")
	h.WaitIdle()
	for _, u := range []*bottest.Person{n.uz1, n.uz2, n.uz3, n.kz} {
		if u.Count("RFI-2026-000001") != 0 {
			t.Errorf("%s received a request meant for Nino", u.FirstName())
		}
	}
}
