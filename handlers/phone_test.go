package handlers_test

import (
	"strings"
	"testing"
)

// A route place is found by its name in any script, and a name several places share is
// answered with a button for each: pressing one adds it to the route.
func TestAlertRoutePlaceInAnyScriptAndAmbiguousAsButtons(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	kl := n.replyLang(kazakhFP)
	T := func(id string) string { return n.plain(kl, id, nil) }
	n.say(kazakhFP, "/alert", T("alert_ask_class"))
	n.press(kazakhFP, T("alert_class_urgent"), T("alert_ask_drill"))
	n.press(kazakhFP, T("alert_btn_real"), T("alert_ask_conveyance"))
	n.press(kazakhFP, T("alert_conv_container"), n.plain(kl, "alert_ask_ident_kind", map[string]any{"So": ""}))
	n.press(kazakhFP, T("alert_label_container"), T("alert_label_container"))
	n.say(kazakhFP, "MSCU1234566", "MSCU1234566")
	n.press(kazakhFP, T("alert_btn_done"), n.plain(kl, "alert_ask_route_role", map[string]any{"So": ""}))
	n.press(kazakhFP, T("alert_label_loading"), T("alert_label_loading"))
	n.say(kazakhFP, "Алматы", "Almaty (KZALA)")

	n.press(kazakhFP, T("alert_label_transit"), T("alert_label_transit"))
	m := n.say(kazakhFP, "Termez", "Termez")
	var labels []string
	for _, b := range m.Buttons() {
		labels = append(labels, b.Text)
	}
	if got := strings.Join(labels, "|"); got != "Termez (TMTMZ)|Termez (UZTER)" && got != "Termez (UZTER)|Termez (TMTMZ)" {
		t.Fatalf("Termez offered %q, want a button for each Termez", labels)
	}
	n.press(kazakhFP, "Termez (UZTER)", "Termez (UZTER)")
	if d := n.draft(kazakhFP); !strings.Contains(d, "UZTER") || strings.Contains(d, "TMTMZ") {
		t.Errorf("draft after choosing Termez (UZTER): %s", d)
	}
	// A late press of the other Termez, the step having moved on, changes nothing.
	if _, err := n.users[kazakhFP].Press(m.ID, "ad:rpl:TMTMZ"); err != nil {
		t.Fatal(err)
	}
	n.waitToast(kazakhFP, T("button_stale"))
	n.press(kazakhFP, T("alert_label_destination"), T("alert_label_destination"))
	n.say(kazakhFP, "Тошкент", "Tashkent (UZTAS)")
}
