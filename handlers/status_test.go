package handlers_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"focalbot/bot/bottest"
	"focalbot/bot/store"
	"focalbot/bot/telegramtest"
	"focalbot/handlers"
)

// stPlaceID is the ID of a seeded place.
func stPlaceID(t *testing.T, h *bottest.Harness, locode string) int64 {
	t.Helper()
	var id int64
	if err := h.Store.DB.Get(&id, `SELECT id FROM places WHERE locode = $1`, locode); err != nil {
		t.Fatalf("place %s: %v", locode, err)
	}
	return id
}

// A Tajik focal point posts the status of Khujand (until a Tajik locale exists the bot answers
// them in the language their Telegram language code falls back to, so the test presses buttons
// by their data); an English and a Georgian reader see it on the board, a Russian subscriber is
// told, and when it expires its author is asked, once, and confirms it with one tap.
func TestStatusPostedSeenPushedExpiredAndConfirmed(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	const tjFP, enReader, kaReader, ruSub, kzFP = 5001, 5002, 5003, 5004, 5005
	netSeed(t, h,
		netPerson{tjFP, "Firuz", "tg", store.RoleFocalPoint, "TJ", "customs"},
		netPerson{enReader, "Emma", "en", store.RoleAnalyst, "", "caricc"},
		netPerson{kaReader, "Nino", "ka", store.RoleFocalPoint, "GE", "customs"},
		netPerson{ruSub, "Руслан", "ru", store.RoleObserver, "", "unodc"},
		netPerson{kzFP, "Asel", "en", store.RoleFocalPoint, "KZ", "customs"},
	)
	tj, en, ka := h.Person(tjFP, "Firuz", "tg"), h.Person(enReader, "Emma", "en"), h.Person(kaReader, "Nino", "ka")
	ru, kz := h.Person(ruSub, "Руслан", "ru"), h.Person(kzFP, "Asel", "en")
	khujand := stPlaceID(t, h, "TJKHU")
	englishForKa := !h.App().I18n.Has("ka") // until a Georgian locale lands, Georgians read English

	// The Russian reader subscribes to Tajikistan from its (empty) board.
	ru.SendText("/status TJ")
	ru.WaitText("По этой стране сведений о режиме работы пока нет")
	ru.Click("Следить: Таджикистан")
	ru.WaitText("Вы будете получать изменения режима работы: Таджикистан")

	// A Kazakh focal point may not post for a Tajik place.
	kz.SendText("/poststatus TJKHU")
	kz.WaitText("This place is in another country")

	// The Tajik focal point posts.
	tj.SendText("/poststatus Хуҷанд")
	form, _ := tj.WaitButton("sp:pub")
	for _, d := range []string{"sp:f:restricted", "sp:p:closed"} {
		tj.ClickOn(form.ID, d)
	}
	tj.WaitOn(form.ID, "Хуҷанд")
	n := len(tj.Messages())
	tj.ClickOn(form.ID, "sp:m:quarantine")
	tj.WaitForCount(n+1, bottest.Wait)
	tj.SendText("14")
	form = tj.WaitAfter(n+1, "TJKHU")
	tj.ClickOn(form.ID, "sp:m:test_required")
	n = len(tj.Messages())
	tj.ClickOn(form.ID, "sp:note")
	tj.WaitForCount(n+1, bottest.Wait)
	tj.SendText("Навбати мошинҳо то 2 км <дар марз>")
	form = tj.WaitAfter(n+1, "Навбати мошинҳо")

	// Validity: in the past, and beyond 90 days, refused; then three days.
	for _, bad := range []string{"2026-03-01", "120"} {
		n = len(tj.Messages())
		tj.ClickOn(form.ID, "sp:valid")
		tj.WaitForCount(n+1, bottest.Wait)
		tj.SendText(bad)
		if _, err := tj.WaitForCount(n+2, bottest.Wait); err != nil {
			t.Fatal(err)
		}
		if m, _ := tj.LastMessage(); len(m.Buttons()) != 0 {
			t.Fatalf("validity %q accepted: %q", bad, m.Plain())
		}
	}
	tj.SendText("3")
	form = tj.WaitAfter(n+2, "2026-03-05 14:00 UTC+5")
	tj.ClickOn(form.ID, "sp:pub")
	tj.WaitOn(form.ID, "✅")
	if m, _ := tj.Message(form.ID); len(m.Buttons()) != 0 {
		t.Fatalf("form still open after publishing: %q", m.Plain())
	}
	statusID := int64(0)
	if err := h.Store.DB.Get(&statusID, `SELECT id FROM place_statuses WHERE place_id = $1`, khujand); err != nil {
		t.Fatal(err)
	}

	// The English board.
	en.SendText("/status TJ")
	board := en.WaitText("Operational status: Tajikistan")
	for _, want := range []string{"Khujand / Хуҷанд (TJKHU)", "Freight: 🟡 restricted · Passengers: 🔴 closed · just now"} {
		if !strings.Contains(board.Plain(), want) {
			t.Errorf("English board lacks %q:\n%s", want, board.Plain())
		}
	}
	// The Georgian board: names and codes are the same in every language; the words are
	// English until the Georgian locale exists.
	ka.SendText("/status TJ")
	m, _ := ka.WaitButton("sbt:c:TJ")
	for _, want := range []string{"Khujand / Хуҷанд (TJKHU)", "🟡", "🔴"} {
		if !strings.Contains(m.Plain(), want) {
			t.Errorf("Georgian board lacks %q:\n%s", want, m.Plain())
		}
	}
	if englishForKa && !strings.Contains(m.Plain(), "Freight: 🟡 restricted") {
		t.Errorf("Georgian reader without a Georgian locale should read English:\n%s", m.Plain())
	}
	if strings.Contains(m.Plain(), "Грузы") {
		t.Errorf("Georgian reader got Russian:\n%s", m.Plain())
	}

	// One place with its details, by a misspelt name: the closest names are offered.
	en.SendText("/status Khujant")
	en.WaitText("I know no place “Khujant”. Did you mean")
	en.Click("Khujand (TJKHU)")
	place := en.WaitText("Quarantine of 14 days")
	for _, want := range []string{"PCR or other test required", "Note (Tajik): Навбати мошинҳо то 2 км <дар марз>",
		"by Firuz", "Valid until 2026-03-05 14:00 UTC+5", "Tajikistan · dry port"} {
		if !strings.Contains(place.Plain(), want) {
			t.Errorf("place view lacks %q:\n%s", want, place.Plain())
		}
	}

	// The subscriber is told, in Russian, once.
	push := ru.WaitText("Изменение режима работы")
	for _, want := range []string{"Хуҷанд", "Таджикистан", "Карантин 14 дней", "Грузы: 🟡 ограничен"} {
		if !strings.Contains(push.Plain(), want) {
			t.Errorf("push lacks %q:\n%s", want, push.Plain())
		}
	}
	if n := tj.Count("Status update"); n != 0 {
		t.Errorf("the author was told of their own post %d times", n)
	}

	// Expiry: the author is asked once, with one-tap "still valid".
	before := len(tj.Messages())
	h.Advance(2 * 24 * time.Hour) // not yet expired
	h.Advance(24*time.Hour + time.Minute)
	prompt, stv := tj.WaitButton("stv:")
	if stv != fmt.Sprintf("stv:%d", statusID) || !strings.Contains(prompt.Plain(), "TJKHU") {
		t.Fatalf("prompt %q with %q", prompt.Plain(), stv)
	}
	h.Advance(time.Hour)
	h.Advance(time.Hour)
	en.SendText("/status TJ")
	en.WaitText("· ⚠️ expired")
	if got := len(tj.Messages()) - before; got != 1 {
		t.Errorf("author got %d messages at expiry, want one prompt", got)
	}
	tj.ClickOn(prompt.ID, stv)
	tj.WaitAfter(before+1, "2026-03-12 16:01 UTC+5")
	tj.PressForged(prompt.ID, stv) // pressed again: a newer status exists now
	if _, err := tj.WaitForCount(before+3, bottest.Wait); err != nil {
		t.Fatal(err)
	}
	if m, _ := tj.LastMessage(); strings.Contains(m.Plain(), "2026-03-12") {
		t.Errorf("second press confirmed again: %q", m.Plain())
	}
	var count int
	if err := h.Store.DB.Get(&count, `SELECT count(*) FROM place_statuses WHERE place_id = $1`, khujand); err != nil || count != 2 {
		t.Errorf("%d statuses (%v), want the original and one confirmation", count, err)
	}
	n = len(en.Messages())
	en.SendText("/status TJKHU")
	confirmed := en.WaitAfter(n, "confirmed still valid")
	if strings.Contains(confirmed.Plain(), "Expired") {
		t.Errorf("confirmed status still shown expired:\n%s", confirmed.Plain())
	}
}

// When the author of an expired status can no longer update it (suspended), the country's
// focal points are asked instead.
func TestExpiredStatusOfGoneAuthorAsksCountryFocalPoints(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	const author, colleague, other = 6001, 6002, 6003
	ids := netSeed(t, h,
		netPerson{author, "Aziz", "ru", store.RoleFocalPoint, "UZ", "customs"},
		netPerson{colleague, "Dilnoza", "ru", store.RoleFocalPoint, "UZ", "border_guard"},
		netPerson{other, "Oleksii", "en", store.RoleFocalPoint, "UA", "customs"},
	)
	a, c, o := h.Person(author, "Aziz", "ru"), h.Person(colleague, "Dilnoza", "ru"), h.Person(other, "Oleksii", "en")
	a.SendText("/poststatus UZTER")
	form, _ := a.WaitButton("sp:pub")
	a.ClickOn(form.ID, "sp:f:open")
	a.ClickOn(form.ID, "sp:p:open")
	a.WaitOn(form.ID, "Пассажиры: 🟢 открыт")
	// Publishing without a validity takes the default: seven days.
	a.ClickOn(form.ID, "sp:pub")
	a.WaitOn(form.ID, "Действует до 2026-03-09 14:00 UTC+5")
	if _, err := h.Store.DB.Exec(`UPDATE members SET state = 'suspended' WHERE id = $1`, ids[author]); err != nil {
		t.Fatal(err)
	}
	h.Advance(7*24*time.Hour + time.Minute)
	m := c.WaitText("а их автор больше не может их обновить")
	if !strings.Contains(m.Plain(), "Termez / Termiz (UZTER)") {
		t.Errorf("prompt: %q", m.Plain())
	}
	c.Click("Сообщить новые сведения")
	c.WaitButton("sp:pub")
	if len(o.Messages()) != 0 || len(a.Messages()) != 1 {
		t.Errorf("others were asked too: %d to Ukraine, %d to the suspended author", len(o.Messages()), len(a.Messages()))
	}
}

// Admins add and correct places in the bot; a focal point cannot.
func TestAdminAddsAndCorrectsPlace(t *testing.T) {
	t.Parallel()
	const admin, fp = 7001, 7002
	h := bottest.Start(t, handlers.Register, admin)
	netSeed(t, h, netPerson{fp, "Asel", "en", store.RoleFocalPoint, "KZ", "customs"})
	a, f := h.Person(admin, "Ann", "en"), h.Person(fp, "Asel", "en")

	f.SendText("/placeadd KZ Nur Zholy")
	f.WaitText("not available for your role")

	a.SendText("/placeadd XX Nowhere")
	a.WaitText("Write /placeadd, the country code")
	a.SendText("/placeadd kz Nur Zholy")
	panel := a.WaitText("Name (Latin): Nur Zholy")
	var id int64
	if _, err := fmt.Sscanf(panel.Buttons()[0].CallbackData, "pe:%d:", &id); err != nil {
		t.Fatal(err)
	}
	pre := fmt.Sprintf("pe:%d:", id)
	a.ClickOn(panel.ID, pre+"local")
	a.WaitText("Send the name in the local script")
	a.SendText("Нұр Жолы")
	a.WaitText("Local name: Нұр Жолы")
	n := len(a.Messages())
	a.Click("UN/LOCODE")
	a.WaitAfter(n, "Send the UN/LOCODE")
	a.SendText("UZABC")
	a.WaitText("the country code KZ and three letters")
	a.SendText("KZHOR")
	a.WaitText("KZHOR already belongs to Horgos")
	a.SendText("kz nzh")
	panel = a.WaitText("UN/LOCODE: KZNZH")
	a.ClickOn(panel.ID, pre+"k:road_terminal")
	a.WaitOn(panel.ID, "Kinds: border crossing, road terminal")

	f.SendText("/status KZNZH")
	f.WaitText("Nur Zholy / Нұр Жолы (KZNZH)")
	var audits int
	if err := h.Store.DB.Get(&audits, `SELECT count(*) FROM audit_log WHERE subject_id = $1 AND action LIKE 'place_%'`, id); err != nil || audits != 4 {
		t.Errorf("%d audit entries (%v), want 4", audits, err)
	}
}

// A misspelt place name is offered the places it may mean, and only those: a name nothing on
// the board resembles gets "no such place", not five unrelated places to pick from.
func TestStatusMisspeltPlaceOffersOnlyNearNames(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	const fp = 5101
	netSeed(t, h, netPerson{fp, "Firuz", "en", store.RoleFocalPoint, "TJ", "customs"})
	u := h.Person(fp, "Firuz", "en")

	u.SendText("/status Khujnd")
	m := u.WaitText("Did you mean one of these?")
	var labels []string
	for _, b := range m.Buttons() {
		labels = append(labels, b.Text)
	}
	if len(labels) == 0 || labels[0] != "Khujand (TJKHU)" {
		t.Errorf("offered %q for Khujnd, want Khujand (TJKHU) first", labels)
	}
	for _, l := range labels {
		if strings.Contains(l, "Kokand") || strings.Contains(l, "Kherson") {
			t.Errorf("offered %q for Khujnd: not a near name", l)
		}
	}

	for _, q := range []string{"xyzzy", "Qwertyuiop"} {
		u.SendText("/status " + q)
		m = u.WaitText("I know no place “" + q + "”.")
		if strings.Contains(m.Text, "Did you mean") || len(m.Buttons()) > 0 {
			t.Errorf("/status %s: %q with %d buttons, want no suggestions", q, m.Text, len(m.Buttons()))
		}
	}
}

// Places are found by the names officers type, in every script the network writes
// (bot/placename): Cyrillic in Russian and national spellings, Latin transliterations, Georgian
// and Arabic script; a name several places share offers them as buttons.
func TestStatusFindsPlacesInAnyScript(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, handlers.Register)
	const fp = 5201
	netSeed(t, h, netPerson{fp, "Asel", "en", store.RoleFocalPoint, "KZ", "customs"})
	u := h.Person(fp, "Asel", "en")

	for _, c := range []struct{ typed, locode string }{
		{"Алматы", "KZALA"},
		{"Алма-Ата", "KZALA"},
		{"Тошкент", "UZTAS"},
		{"Ташкент", "UZTAS"},
		{"Хоргос", "KZHOR"},
		{"Qorghas", "KZHOR"},
		{"Қорғас", "KZHOR"},
		{"ფოთი", "GEPTI"},
		{"کراچی", "PKKHI"},
	} {
		n := len(u.Messages())
		u.SendText("/status " + c.typed)
		m := u.WaitAfter(n, "("+c.locode+")")
		if strings.Contains(m.Text, "I know no place") || strings.Contains(m.Text, "Several places") {
			t.Errorf("/status %s: %q, want the place %s", c.typed, m.Text, c.locode)
		}
	}

	// Posting finds the place the same way.
	n := len(u.Messages())
	u.SendText("/poststatus Хоргос")
	form := u.WaitAfter(n, "KZHOR")
	if !slices.ContainsFunc(form.Buttons(), func(b telegramtest.Button) bool { return b.CallbackData == "sp:pub" }) {
		t.Errorf("/poststatus Хоргос: %q without the form's buttons", form.Text)
	}

	// Termez is a town on each side of the Amu Darya: both are offered, as buttons.
	u.SendText("/status Термез")
	m := u.WaitText("Several places are called “Термез”")
	var labels []string
	for _, b := range m.Buttons() {
		labels = append(labels, b.Text)
	}
	if strings.Join(labels, "|") != "Termez (TMTMZ)|Termez (UZTER)" && strings.Join(labels, "|") != "Termez (UZTER)|Termez (TMTMZ)" {
		t.Fatalf("/status Термез offered %q, want the two Termez", labels)
	}
	n = len(u.Messages())
	u.ClickOn(m.ID, m.Buttons()[slices.IndexFunc(m.Buttons(), func(b telegramtest.Button) bool { return strings.Contains(b.Text, "UZTER") })].CallbackData)
	u.WaitAfter(n, "(UZTER)")
}
