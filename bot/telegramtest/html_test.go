package telegramtest

import (
	"strings"
	"testing"
)

func TestParseHTML(t *testing.T) {
	tests := []struct {
		in, plain string
		ents      []entity
		err       string
	}{
		{in: "<b>bold</b> x", plain: "bold x", ents: []entity{{Type: "bold", Offset: 0, Length: 4}}},
		{in: "😀<i>a</i>", plain: "😀a", ents: []entity{{Type: "italic", Offset: 2, Length: 1}}},
		{in: `<a href="https://a.b/?x=1&amp;y=2">l</a>`, plain: "l", ents: []entity{{Type: "text_link", Offset: 0, Length: 1, URL: "https://a.b/?x=1&y=2"}}},
		{in: `<pre><code class="language-go">x</code></pre>`, plain: "x", ents: []entity{{Type: "pre", Offset: 0, Length: 1, Language: "go"}}},
		{in: "<B>upper</B>", plain: "upper", ents: []entity{{Type: "bold", Offset: 0, Length: 5}}},
		{in: "<b></b>x", plain: "x"},
		{in: "&#x41;&#66;&quot;", plain: `AB"`},
		{in: "<p>x</p>", err: `Unsupported start tag "p"`},
		{in: "x</b>", err: "Unexpected end tag"},
		{in: "<b>x</i>", err: "Unmatched end tag"},
		{in: "<b>x", err: `Can't find end tag corresponding to start tag "b"`},
		{in: `<a href="x>y`, err: "Unclosed start tag"},
		{in: "1 < 2", err: "Unsupported start tag"},
		{in: "R&D", err: "&"},
		{in: "&#0;", err: "&"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			plain, ents, err := parseHTML(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if plain != tt.plain {
				t.Fatalf("plain %q, want %q", plain, tt.plain)
			}
			if len(ents) != len(tt.ents) {
				t.Fatalf("entities %+v, want %+v", ents, tt.ents)
			}
			for i := range ents {
				if ents[i] != tt.ents[i] {
					t.Fatalf("entity %d: %+v, want %+v", i, ents[i], tt.ents[i])
				}
			}
		})
	}
}

func TestWindowRetryAfter(t *testing.T) {
	w := window{d: 1_000_000_000}
	w.add(0)
	w.add(100_000_000)
	if c := w.count(500_000_000); c != 2 {
		t.Fatalf("count %d", c)
	}
	if ra := w.retryAfter(500_000_000, 2); ra != 1 {
		t.Fatalf("retryAfter %d", ra)
	}
	if c := w.count(1_050_000_000); c != 1 {
		t.Fatalf("count after slide %d", c)
	}
}
