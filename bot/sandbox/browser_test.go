package sandbox_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/bottest"
	"focalbot/bot/sandbox"
	"focalbot/bot/store"
	"focalbot/bot/store/storetest"
	"focalbot/bot/telegramtest"
	"focalbot/handlers"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

// wait bounds every wait for the page or the bot; it is a failure bound, not a timing
// assertion: everything normally happens within a fraction of a second.
const wait = 20 * time.Second

// Personas the tests act as (see sandbox.Personas).
const (
	analyst  = 7100001
	kazakh   = 7100003
	uzbek    = 7100004
	pakistan = 7100005
	visitor  = 7100009
)

// startSandbox runs a sandbox with the real handlers on a fresh database, the page on a free
// port.
func startSandbox(t *testing.T) *sandbox.Sandbox {
	return startSandboxWith(t, nil)
}

// startConfidentialSandbox is startSandbox with CONFIDENTIAL_CONTENT on.
func startConfidentialSandbox(t *testing.T) *sandbox.Sandbox {
	t.Helper()
	cfg, err := bot.LoadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConfidentialContent = true
	return startSandboxWith(t, cfg)
}

// startSandboxWith runs a sandbox with cfg (nil: the sandbox's default configuration).
func startSandboxWith(t *testing.T, cfg *bot.Config) *sandbox.Sandbox {
	t.Helper()
	_, dbURL := storetest.New(t)
	sb, err := sandbox.Start(context.Background(), sandbox.Options{
		Addr: "127.0.0.1:0", DatabaseURL: dbURL, Register: handlers.Register, Log: bottest.Logger(), Config: cfg,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Stop)
	return sb
}

// persona is the sandbox's member with the given Telegram user id.
func persona(t *testing.T, sb *sandbox.Sandbox, telegramID int64) *store.Member {
	t.Helper()
	m, err := store.MemberByTelegramID(context.Background(), sb.Store.DB, telegramID)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// submittedAlert stores c as an alert submitted by author at now, and returns its id and
// reference.
func submittedAlert(t *testing.T, sb *sandbox.Sandbox, author *store.Member, c alert.Content, now time.Time) (int64, string) {
	t.Helper()
	ctx := context.Background()
	ref, err := store.NextAlertRef(ctx, sb.Store.DB, now.Year())
	if err != nil {
		t.Fatal(err)
	}
	id, err := store.InsertAlert(ctx, sb.Store.DB, &store.Alert{Ref: ref, AuthorID: author.ID, AuthorCountry: author.Country,
		Classification: c.Classification, Content: c, SubmittedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	return id, ref
}

// page is the sandbox page in the browser, with the moves a person makes on it.
type page struct {
	*browser
	t *testing.T
}

func openPage(t *testing.T, sb *sandbox.Sandbox) *page {
	b := startBrowser(t)
	b.open(sb.URL)
	p := &page{browser: b, t: t}
	var n int
	p.waitFor("the persona list", wait, &n, `var n = document.querySelectorAll("#persona-list .persona").length; return n > 0 ? n : null`)
	if n != len(sandbox.Personas) {
		t.Fatalf("the page lists %d personas, want %d", n, len(sandbox.Personas))
	}
	return p
}

// clickWhere clicks the element script returns, again if the page redrew it in between.
func (p *page) clickWhere(what, script string, args ...any) {
	p.t.Helper()
	for attempt := 0; ; attempt++ {
		var el map[string]string
		p.waitFor(what, wait, &el, script, args...)
		err := p.do("POST", p.path("/element/"+el[elementKey]+"/click"), map[string]any{}, nil)
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), "stale element") || attempt == 5 {
			p.must(err)
		}
	}
}

// as switches to a persona by tapping it in the list.
func (p *page) as(id int64) {
	p.t.Helper()
	p.clickWhere("persona "+strconv.FormatInt(id, 10), `return document.querySelector('[data-persona="'+arguments[0]+'"]')`, id)
	name := personaName(p.t, id)
	p.waitFor("the chat of "+name, wait, nil, `return document.getElementById("chat-sub").textContent.indexOf(arguments[0]) >= 0`, name)
}

// send types text and taps send.
func (p *page) send(text string) {
	p.t.Helper()
	p.typeInto(p.find("#text"), text)
	p.click(p.find("#send"))
}

// cutLabels are the labels of the bot's newest message's buttons that do not fit their
// button (the page cuts them with an ellipsis, as Telegram's apps do).
func (p *page) cutLabels() []string {
	p.t.Helper()
	var cut []string
	p.js(&cut, `var m = document.querySelectorAll("#messages .msg.bot"); if (!m.length) return [];
		return Array.from(m[m.length-1].querySelectorAll(".kbtn")).filter(b => b.scrollWidth > b.clientWidth).map(b => b.textContent)`)
	return cut
}

// botCount is the number of the bot's messages in the chat on screen.
func (p *page) botCount() int {
	var n int
	p.js(&n, `return document.querySelectorAll("#messages .msg.bot").length`)
	return n
}

// nextBot waits until the chat shows more than n bot messages and returns the last one's text.
func (p *page) nextBot(n int, what string) string {
	p.t.Helper()
	var text string
	p.waitFor(what, wait, &text, `var m = document.querySelectorAll("#messages .msg.bot");
		return m.length > arguments[0] ? m[m.length-1].querySelector(".text").innerText : null`, n)
	return text
}

// lastBotHasButtons reports whether the bot's last message on screen has inline buttons.
func (p *page) lastBotHasButtons() bool {
	var has bool
	p.js(&has, `var m = document.querySelectorAll("#messages .msg.bot"); return m.length > 0 && !!m[m.length-1].querySelector(".kbtn")`)
	return has
}

// ask sends text and returns the bot's answer.
func (p *page) ask(text string) string {
	p.t.Helper()
	n := p.botCount()
	p.send(text)
	return p.nextBot(n, "the bot's answer to "+text)
}

func personaName(t *testing.T, id int64) string {
	for _, p := range sandbox.Personas {
		if p.UserID == id {
			return p.Name
		}
	}
	t.Fatalf("no persona %d", id)
	return ""
}

// The page works as a phone chat: commands and answers, the command menu, photos and
// documents as tiles, inline buttons that can be pressed, safely rendered HTML, unread markers
// for other personas' chats, right-to-left for Urdu, the closed network for an outsider — and
// no JavaScript error anywhere.
func TestBrowserChat(t *testing.T) {
	sb := startSandbox(t)
	p := openPage(t, sb)

	// A member asks for help and gets it, under the message they sent.
	p.as(kazakh)
	if help := p.ask("/help"); !strings.Contains(help, "/cancel") {
		t.Errorf("/help answered %q, want the list of commands", help)
	}
	var mine string
	p.js(&mine, `var m = document.querySelectorAll("#messages .msg.me"); return m[m.length-1].innerText`)
	if !strings.Contains(mine, "/help") {
		t.Errorf("the sent message shows as %q", mine)
	}

	// The command menu lists the bot's commands (in the persona's language) and sends one.
	n := p.botCount()
	p.click(p.find("#menu-button"))
	p.clickWhere("/cancel in the command menu", `return Array.from(document.querySelectorAll("#menu button")).find(b => b.textContent.indexOf("/cancel") === 0) || null`)
	p.nextBot(n, "the answer to /cancel from the menu")

	// A message arrives in another persona's chat: its entry shows an unread marker, which
	// goes once that chat is opened, showing the message.
	sb.TG.User(uzbek, "", "").SendText("/start")
	var badge string
	p.waitFor("an unread marker on the Uzbek persona", wait, &badge,
		`var b = document.querySelector('[data-persona="'+arguments[0]+'"] .badge'); return b ? b.textContent : null`, uzbek)
	if badge != "1" {
		t.Errorf("unread marker shows %q, want 1", badge)
	}
	var kzBadge bool
	p.js(&kzBadge, `return !!document.querySelector('[data-persona="'+arguments[0]+'"] .badge')`, kazakh)
	if kzBadge {
		t.Error("the persona on screen has an unread marker")
	}
	p.screenshot("unread")
	p.as(uzbek)
	if got := p.nextBot(0, "the Uzbek chat's message"); !strings.Contains(got, "Jasur Karimov") {
		t.Errorf("the Uzbek chat shows %q, want the welcome by name", got)
	}
	p.js(&kzBadge, `return !!document.querySelector('[data-persona="'+arguments[0]+'"] .badge')`, uzbek)
	if kzBadge {
		t.Error("the unread marker stays after opening the chat")
	}

	// A document and a photo go out from the file picker and show as tiles.
	dir := t.TempDir()
	for _, f := range []struct{ name, kind string }{{"manifest.pdf", "document"}, {"container.jpg", "photo"}} {
		path := filepath.Join(dir, f.name)
		if err := os.WriteFile(path, []byte("demo"), 0o644); err != nil {
			t.Fatal(err)
		}
		n := p.botCount()
		p.typeInto(p.find("#file"), path)
		var name string
		p.waitFor("a "+f.kind+" tile", wait, &name,
			`var t = document.querySelectorAll("#messages .msg.me .tile."+arguments[0]); return t.length ? t[t.length-1].innerText : null`, f.kind)
		if f.kind == "document" && !strings.Contains(name, f.name) {
			t.Errorf("document tile shows %q, want %q", name, f.name)
		}
		p.nextBot(n, "the bot's answer to a "+f.kind)
	}

	// Bot HTML is shown with Telegram's formatting and nothing else; its inline buttons press.
	kb := (&bot.Keyboard{}).Row(bot.Button{Text: "Acknowledge", CallbackData: "demo:1"})
	if _, err := sb.App.Send(context.Background(), uzbek, "reply",
		`<b>Urgent</b> &lt;script&gt;window.__pwned=1&lt;/script&gt; <a href="https://example.org/x">source</a>`, kb); err != nil {
		t.Fatal(err)
	}
	var shown struct {
		Bold, Text, Href string
		Scripts          int
	}
	p.waitFor("the formatted message", wait, &shown, `var m = document.querySelectorAll("#messages .msg.bot"); var last = m[m.length-1];
		var b = last.querySelector(".text b"); if (!b) return null;
		return {Bold: b.textContent, Text: last.querySelector(".text").textContent,
		        Href: last.querySelector(".text a").getAttribute("href"), Scripts: document.querySelectorAll("#messages script").length}`)
	if shown.Bold != "Urgent" || !strings.Contains(shown.Text, "<script>window.__pwned=1</script>") ||
		shown.Href != "https://example.org/x" || shown.Scripts != 0 {
		t.Errorf("formatted message shown as %+v", shown)
	}
	p.clickWhere("the Acknowledge button", `return Array.from(document.querySelectorAll("#messages .kbtn")).find(b => b.textContent === "Acknowledge") || null`)
	if _, err := sb.TG.User(uzbek, "", "").WaitFor(wait, func([]telegramtest.Message) bool {
		for _, e := range sb.TG.Transcript(uzbek) {
			if e.Kind == telegramtest.EventUserPress && e.Data == "demo:1" {
				return true
			}
		}
		return false
	}); err != nil {
		t.Errorf("pressing the button reached no bot: %v", err)
	}
	// The bot answers the press (here the fallback, without text): the button stops waiting.
	p.waitFor("the pressed button to stop waiting", wait, nil,
		`var b = Array.from(document.querySelectorAll("#messages .kbtn")).find(b => b.textContent === "Acknowledge"); return !!b && !b.hasAttribute("aria-busy")`)

	// Urdu reads right to left; Kazakh does not.
	p.as(pakistan)
	var dir2 string
	p.js(&dir2, `return document.getElementById("chat").dir`)
	if dir2 != "rtl" {
		t.Errorf("Pakistan (Urdu) persona's chat has dir=%q, want rtl", dir2)
	}
	p.ask("/start")
	p.screenshot("rtl")
	// Commands in Urdu text read as Telegram shows them, "/alert", not "alert/": the link's
	// first character (the slash) stands left of its last.
	p.ask("/help")
	var slashFirst string
	p.js(&slashFirst, `var links = Array.from(document.querySelectorAll("#messages .msg.bot a.cmd")); if (!links.length) return "no command links";
		for (const a of links) { var t = a.firstChild, r = document.createRange(); r.setStart(t, 0); r.setEnd(t, 1); var first = r.getBoundingClientRect();
		  r.setStart(t, t.length - 1); r.setEnd(t, t.length); var last = r.getBoundingClientRect();
		  if (!(first.left < last.left)) return a.textContent + " reads right to left"; }
		return "ok"`)
	if slashFirst != "ok" {
		t.Errorf("Urdu /help: %s", slashFirst)
	}
	// The language picker under a short Urdu question: the message widens for its keyboard,
	// so that every language's own name can be read.
	p.send("/language")
	p.waitLastBot("the /language picker", `d.some(x => x === "lang:en")`)
	if cut := p.cutLabels(); len(cut) > 0 {
		t.Errorf("the Urdu /language picker cuts the labels %q", cut)
	}
	p.screenshot("rtl-picker")
	p.as(kazakh)
	p.js(&dir2, `return document.getElementById("chat").dir`)
	if dir2 != "ltr" {
		t.Errorf("Kazakh persona's chat has dir=%q, want ltr", dir2)
	}

	// A /command in the bot's text can be tapped: it is sent as if typed.
	p.ask("/help")
	n = p.botCount()
	p.clickWhere("/cancel in the help text", `return Array.from(document.querySelectorAll("#messages .msg.bot a.cmd")).reverse().find(a => a.textContent === "/cancel") || null`)
	p.nextBot(n, "the answer to the tapped /cancel")
	p.js(&mine, `var m = document.querySelectorAll("#messages .msg.me .text"); return m[m.length-1].innerText`)
	if strings.TrimSpace(mine) != "/cancel" {
		t.Errorf("tapping /cancel sent %q", mine)
	}

	// The composer takes several lines: Shift+Enter starts a new line, Enter sends, and a form
	// typed (or pasted) over several lines arrives as one message with its lines.
	n = p.botCount()
	const shiftEnter, enter, release = "\uE008\uE007\uE000", "\uE007", "\uE000"
	p.typeInto(p.find("#text"), "/alert"+shiftEnter+"Classification: urgent alert"+shiftEnter+"Conveyance: road vehicle")
	var rows int
	p.js(&rows, `return document.getElementById("text").value.split("\n").length`)
	if rows != 3 {
		t.Errorf("Shift+Enter: the composer holds %d lines, want 3", rows)
	}
	p.typeInto(p.find("#text"), enter+release)
	p.nextBot(n, "the answer to the form of three lines")
	var sent string
	for _, e := range sb.TG.Transcript(kazakh) {
		if e.Kind == telegramtest.EventUserText {
			sent = e.Text
		}
	}
	if sent != "/alert\nClassification: urgent alert\nConveyance: road vehicle" {
		t.Errorf("the form arrived as %q", sent)
	}
	p.screenshot("multiline")

	// Someone who is not a member gets the closed network.
	p.as(visitor)
	if got := p.ask("/start"); !strings.Contains(got, "closed network") {
		t.Errorf("outsider's /start answered %q", got)
	}
	p.screenshot("outsider")

	// On a wide screen the personas are a sidebar beside the chat.
	p.must(p.do("POST", p.path("/window/rect"), map[string]int{"width": 1100, "height": 780}, nil))
	p.as(uzbek)
	var sidebar bool
	p.js(&sidebar, `var r = document.getElementById("personas").getBoundingClientRect(); var c = document.getElementById("chat").getBoundingClientRect(); return r.right <= c.left + 1`)
	if !sidebar {
		t.Error("on a wide screen the persona list is not beside the chat")
	}
	p.screenshot("wide")
	p.noErrors()
}

// As the Kazakh focal point: /help, switch the language to Kazakh and back with /language
// (its picker shows each language in its own name: "English", "Қазақша"), and see the
// answers change.
func TestBrowserLanguageSwitch(t *testing.T) {
	sb := startSandbox(t)
	p := openPage(t, sb)
	p.as(kazakh)

	first := p.ask("/help")

	// choose picks a language in the /language picker by a piece of its own name.
	choose := func(label string) {
		t.Helper()
		n := p.botCount()
		p.send("/language")
		if answer := p.nextBot(n, "an answer to /language"); !p.lastBotHasButtons() {
			t.Fatalf("/language answered %q without a language picker", answer)
		}
		if cut := p.cutLabels(); len(cut) > 0 {
			t.Errorf("the /language picker cuts the labels %q", cut)
		}
		p.clickWhere(`a button containing "`+label+`" on the /language picker`,
			`var m = document.querySelectorAll("#messages .msg.bot"); var last = m[m.length-1];
			 return Array.from(last.querySelectorAll(".kbtn")).find(b => b.textContent.toLowerCase().indexOf(arguments[0]) >= 0) || null`, label)
		// The choice is confirmed, by a new message or by editing the picker, before /help.
		p.waitFor("the bot's confirmation of the language choice", wait, nil,
			`var m = document.querySelectorAll("#messages .msg.bot");
			 return m.length > arguments[0] + 1 || m[m.length-1].querySelector(".meta").textContent.indexOf("edited") === 0`, n)
	}

	choose("english")
	english := p.ask("/help")
	if hasCyrillic(english) {
		t.Errorf("after choosing English, /help answered %q", english)
	}

	choose("қазақ")
	kazakhHelp := p.ask("/help")
	if kazakhHelp == english || !strings.ContainsAny(kazakhHelp, "әғқңөұүһіӘҒҚҢӨҰҮҺІ") {
		t.Errorf("after choosing Kazakh, /help answered %q; want Kazakh (locales/kk.toml)", kazakhHelp)
	}
	if first != kazakhHelp {
		t.Errorf("the Kazakh focal point was first answered %q, not in Kazakh %q", first, kazakhHelp)
	}
	p.screenshot("kazakh")

	choose("english")
	if back := p.ask("/help"); back != english {
		t.Errorf("back in English, /help answered %q, want %q", back, english)
	}
	p.noErrors()
}

func hasCyrillic(s string) bool {
	for _, r := range s {
		if r >= 0x0400 && r <= 0x04FF {
			return true
		}
	}
	return false
}

// pressOnLast clicks, on the bot's newest message, the inline button whose callback data
// matches the regular expression dataRE, once it is there and not waiting for an earlier
// press; it returns the button's label, what the person saw on it. Buttons are found by their
// data, not their label, so that the test does not depend on the persona's language.
func (p *page) pressOnLast(what, dataRE string) string {
	p.t.Helper()
	const find = `var m = document.querySelectorAll("#messages .msg.bot"); if (!m.length) return null;
		var re = new RegExp(arguments[0]);
		var b = Array.from(m[m.length-1].querySelectorAll("button.kbtn")).find(b => re.test(b.dataset.data));
		return b && !b.hasAttribute("aria-busy") ? b : null`
	var label string
	p.waitFor(what, wait, &label, `var b = (function () {`+find+`}).apply(null, arguments); return b ? b.textContent : null`, dataRE)
	p.clickWhere(what, find, dataRE)
	return label
}

// waitLastBot waits until the bot's newest message satisfies cond (a JavaScript expression
// over its text t and its button data d) and returns its text.
func (p *page) waitLastBot(what, cond string, args ...any) string {
	p.t.Helper()
	var text string
	p.waitFor(what, wait, &text, `var m = document.querySelectorAll("#messages .msg.bot"); if (!m.length) return null;
		var last = m[m.length-1], t = last.querySelector(".text").innerText;
		var d = Array.from(last.querySelectorAll("button.kbtn")).map(b => b.dataset.data);
		return (`+cond+`) ? t : null`, args...)
	return text
}

// fitsScreen fails the test unless the page fits the window, however long the chat: only the
// messages scroll, the persona list, the chat's header and the composer stay in view.
func (p *page) fitsScreen() {
	p.t.Helper()
	var fit struct {
		Doc, Win, Composer, Messages, MessagesClient float64
	}
	p.js(&fit, `var m = document.getElementById("messages");
		return {Doc: document.documentElement.scrollHeight, Win: window.innerHeight,
		        Composer: document.getElementById("composer").getBoundingClientRect().bottom,
		        Messages: m.scrollHeight, MessagesClient: m.clientHeight}`)
	if fit.Doc > fit.Win || fit.Composer > fit.Win {
		p.t.Errorf("the page is %v px high in a %v px window, its composer ends at %v px: the chat should scroll, not the page", fit.Doc, fit.Win, fit.Composer)
	}
	if fit.Messages <= fit.MessagesClient {
		p.t.Errorf("fitsScreen needs a chat longer than the screen (%v px in %v px)", fit.Messages, fit.MessagesClient)
	}
}

// As the CARICC analyst (who speaks Russian): compose a broadcast on the page, with an Uzbek
// version, for Uzbekistan, asking for acknowledgement, and confirm it, all by typing and
// pressing the inline buttons. Then, as the Uzbek focal point, see it arrive: first the unread
// marker, then the Uzbek text in the chat, and acknowledge it. Nobody outside the audience
// gets it, and the page shows no JavaScript error.
func TestBrowserBroadcast(t *testing.T) {
	sb := startSandbox(t)
	p := openPage(t, sb)
	const (
		russian = "Контейнер MSKU 1234567 из Карачи: проверьте при прибытии в Ташкент. <b>не разметка</b>"
		uzbekV  = "Karachidan MSKU 1234567 konteyneri: Toshkentga kelganda tekshiring. <b>belgi emas</b>"
	)

	p.as(analyst)
	p.ask("/broadcast")
	p.send(russian)
	p.waitLastBot("the draft panel", `d.some(x => /^bc:\d+:aud$/.test(x))`)

	// An Uzbek version: the language picker, then the text typed.
	p.pressOnLast("Add a language", `^bc:\d+:lang$`)
	if label := p.pressOnLast("Oʻzbekcha on the language picker", `^bc:\d+:l:uz$`); !strings.Contains(label, "Oʻzbekcha") {
		t.Errorf("the Uzbek language button reads %q", label)
	}
	p.waitLastBot("the request for the Uzbek text", `d.length === 0 && t.indexOf("Oʻzbekcha") >= 0`)
	p.send(uzbekV)
	p.waitLastBot("the draft panel with both versions", `d.some(x => /^bc:\d+:aud$/.test(x)) && t.indexOf("Oʻzbekcha") >= 0`)

	// The audience: Uzbekistan, ticked on the chooser.
	p.pressOnLast("Audience", `^bc:\d+:aud$`)
	p.pressOnLast("Uzbekistan on the audience chooser", `^bc:\d+:c:UZ$`)
	p.waitLastBot("Uzbekistan ticked", `Array.from(last.querySelectorAll("button.kbtn")).some(b => /:c:UZ$/.test(b.dataset.data) && b.textContent.indexOf("✓") === 0)`)
	p.pressOnLast("Done on the audience chooser", `^bc:\d+:main$`)

	// Acknowledgement asked for, then the preview with the exact count, then confirm.
	p.pressOnLast("Request acknowledgement", `^bc:\d+:ack$`)
	p.waitLastBot("acknowledgement ticked", `Array.from(last.querySelectorAll("button.kbtn")).some(b => /:ack$/.test(b.dataset.data) && b.textContent.indexOf("✓") === 0)`)
	p.pressOnLast("Preview", `^bc:\d+:prev$`)
	preview := p.waitLastBot("the preview", `d.some(x => /^bc:\d+:send$/.test(x))`)
	if !strings.Contains(preview, russian) || !strings.Contains(preview, "Узбекистан") {
		t.Errorf("the preview shows %q, want the Russian text as typed and the audience", preview)
	}
	p.screenshot("preview")
	p.fitsScreen()
	if label := p.pressOnLast("Confirm", `^bc:\d+:send$`); !strings.Contains(label, "1") {
		t.Errorf("the confirm button reads %q, want the number of recipients (1)", label)
	}
	// The panel shows the outcome, with only the report's button left.
	p.waitLastBot("the confirmation that it is sent", `d.length === 1 && /^bcr:\d+$/.test(d[0]) && t.indexOf("/broadcasts") >= 0`)

	// The Uzbek focal point's entry gets an unread marker; nobody else's does.
	var badge string
	p.waitFor("an unread marker on the Uzbek persona", wait, &badge,
		`var b = document.querySelector('[data-persona="'+arguments[0]+'"] .badge'); return b ? b.textContent : null`, uzbek)
	if badge != "1" {
		t.Errorf("unread marker shows %q, want 1", badge)
	}
	p.screenshot("sent")
	for _, other := range []int64{kazakh, pakistan, visitor} {
		var has bool
		p.js(&has, `return !!document.querySelector('[data-persona="'+arguments[0]+'"] .badge')`, other)
		if has {
			t.Errorf("persona %d, outside the audience, has an unread marker", other)
		}
	}

	// In the Uzbek chat: the Uzbek version, escaped as typed, with the Acknowledge button.
	p.as(uzbek)
	got := p.nextBot(0, "the broadcast in the Uzbek chat")
	if !strings.Contains(got, uzbekV) || strings.Contains(got, "Контейнер") {
		t.Errorf("the Uzbek focal point sees %q, want the Uzbek version as typed", got)
	}
	var bold int
	p.js(&bold, `return document.querySelectorAll("#messages .msg.bot .text b").length`)
	if bold != 1 { // the header only: the typed <b> is text
		t.Errorf("the broadcast shows %d bold parts, want 1 (the header)", bold)
	}
	ack := sb.App.I18n.T("uz", "bc_btn_ack", nil)
	if label := p.pressOnLast("Acknowledge", `^bca:\d+$`); label != ack {
		t.Errorf("the acknowledge button reads %q, want %q", label, ack)
	}
	var toast string
	p.waitFor("the acknowledgement's toast", wait, &toast, `var e = document.getElementById("toast"); return e.hidden ? null : e.textContent`)
	if want := sb.App.I18n.T("uz", "bc_acked", nil); toast != want {
		t.Errorf("pressing Acknowledge showed %q, want %q", toast, want)
	}
	p.waitLastBot("the acknowledge button gone", `d.length === 0`)
	// Only the button went: the broadcast itself is not marked edited.
	var meta string
	p.js(&meta, `var m = document.querySelectorAll("#messages .msg.bot"); return m[m.length-1].querySelector(".meta").textContent`)
	if strings.Contains(meta, "edited") {
		t.Errorf("the acknowledged broadcast is marked %q: removing its button is no edit of its text", meta)
	}
	p.screenshot("arrived")
	p.noErrors()
}

// The Console tab opens the analysts' console in a new tab, signed in as the analyst persona.
func TestBrowserConsoleTab(t *testing.T) {
	sb := startSandbox(t)
	p := openPage(t, sb)
	p.SetWindowSize(1100, 780)
	p.screenshot("console-tab")
	before := len(p.WindowHandles())
	p.click(p.find("#console-tab"))
	var handles []string
	deadline := time.Now().Add(wait)
	for handles = p.WindowHandles(); len(handles) <= before; handles = p.WindowHandles() {
		if time.Now().After(deadline) {
			t.Fatalf("no new tab after pressing Console (page errors: %v)", p.pageErrors())
		}
		time.Sleep(50 * time.Millisecond)
	}
	main := handles[0]
	p.SwitchTo(handles[len(handles)-1])
	var who string
	p.waitFor("the console signed in", wait, &who, `var w = document.querySelector(".who span"); return location.pathname === "/alerts" && w && w.innerText`)
	p.InstallErrorHooks()
	p.Reload()
	p.waitFor("the console again", wait, &who, `var w = document.querySelector(".who span"); return location.pathname === "/alerts" && w && w.innerText`)
	if !strings.Contains(who, "Dilnoza") {
		t.Errorf("the console is signed in as %q, want the analyst persona", who)
	}
	p.screenshot("console")
	p.noErrors()
	p.SwitchTo(main)
	p.noErrors()
}
