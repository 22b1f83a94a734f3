package sandbox

import (
	"testing"

	"focalbot/bot/telegramtest"
)

type ent = telegramtest.Entity

func TestRenderHTML(t *testing.T) {
	tests := []struct {
		name  string
		plain string
		ents  []ent
		want  string
	}{
		{"plain text is escaped", `<script>alert("x")</script> & co`, nil,
			`&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co`},
		{"bold and italic", "Urgent alert", []ent{{Type: "bold", Offset: 0, Length: 6}, {Type: "italic", Offset: 7, Length: 5}},
			"<b>Urgent</b> <i>alert</i>"},
		{"nested", "abc", []ent{{Type: "bold", Offset: 0, Length: 3}, {Type: "italic", Offset: 1, Length: 1}},
			"<b>a</b><b><i>b</i></b><b>c</b>"},
		{"overlapping still nests", "abcd", []ent{{Type: "bold", Offset: 0, Length: 3}, {Type: "code", Offset: 2, Length: 2}},
			"<b>ab</b><b><code>c</code></b><code>d</code>"},
		{"UTF-16 offsets past an emoji", "🚢 MSCU1234565", []ent{{Type: "code", Offset: 3, Length: 11}},
			"🚢 <code>MSCU1234565</code>"},
		{"Cyrillic and Arabic script", "Тест اردو", []ent{{Type: "bold", Offset: 5, Length: 4}},
			"Тест <b>اردو</b>"},
		{"a web link", "source", []ent{{Type: "text_link", Offset: 0, Length: 6, URL: "https://example.org/a?b=1&c=2"}},
			`<a href="https://example.org/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">source</a>`},
		{"a javascript link is text", "click", []ent{{Type: "text_link", Offset: 0, Length: 5, URL: "javascript:alert(1)"}},
			"click"},
		{"a data link is text", "x", []ent{{Type: "text_link", Offset: 0, Length: 1, URL: "data:text/html,<script>"}},
			"x"},
		{"a bare URL", "see example.org", []ent{{Type: "url", Offset: 4, Length: 11}},
			`see <a href="https://example.org" target="_blank" rel="noopener noreferrer">example.org</a>`},
		{"a command can be tapped", "/help now", []ent{{Type: "bot_command", Offset: 0, Length: 5}},
			`<a href="#" class="cmd" data-cmd="/help">/help</a> now`},
		{"a command in the bot's text can be tapped", "Send /alert KZ-1 (or /help).", nil,
			`Send <a href="#" class="cmd" data-cmd="/alert">/alert</a> KZ-1 (or <a href="#" class="cmd" data-cmd="/help">/help</a>).`},
		{"a command between left-to-right marks in Urdu", "بھیجیں \u200e/alert\u200e اور", nil,
			"بھیجیں \u200e<a href=\"#\" class=\"cmd\" data-cmd=\"/alert\">/alert</a>\u200e اور"},
		{"no command inside words, paths, codes or tags", "KZ/UZ a/b https://x.org/y <b>/c</b>", []ent{{Type: "code", Offset: 29, Length: 2}},
			"KZ/UZ a/b https://x.org/y &lt;b&gt;<code>/c</code>&lt;/b&gt;"},
		{"spoiler, blockquote, pre", "a b c", []ent{{Type: "spoiler", Offset: 0, Length: 1}, {Type: "blockquote", Offset: 2, Length: 1}, {Type: "pre", Offset: 4, Length: 1}},
			`<span class="spoiler">a</span> <blockquote>b</blockquote> <pre>c</pre>`},
		{"unknown entity types are plain", "@someone #tag", []ent{{Type: "mention", Offset: 0, Length: 8}, {Type: "hashtag", Offset: 9, Length: 4}},
			"@someone #tag"},
		{"escaped inside formatting", "<b>", []ent{{Type: "bold", Offset: 0, Length: 3}},
			"<b>&lt;b&gt;</b>"},
		{"entity past the end is clipped", "ab", []ent{{Type: "bold", Offset: 1, Length: 10}},
			"a<b>b</b>"},
	}
	for _, tt := range tests {
		if got := renderHTML(tt.plain, tt.ents); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestDirection(t *testing.T) {
	for lang, want := range map[string]string{"ps": "rtl", "fa-AF": "rtl", "prs": "rtl", "ur": "rtl", "kk": "ltr", "ka": "ltr", "en": "ltr", "": "ltr"} {
		if got := direction(lang); got != want {
			t.Errorf("direction(%q) = %q, want %q", lang, got, want)
		}
	}
}
