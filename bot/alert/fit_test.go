package alert

import "testing"

func TestTelegramLen(t *testing.T) {
	for _, c := range []struct {
		html string
		want int
	}{
		{"plain", 5},
		{"<b>Ref</b> &lt;x&gt; &amp;", 9},  // "Ref <x> &"
		{"😀", 2},                           // outside the BMP: a surrogate pair
		{"e\u0301", 2},                     // e + combining acute
		{"<i>(written in فارسی)</i>:", 19}, // RTL letters count one each
		{"&#34;q&#39;", 3},
	} {
		if got := TelegramLen(c.html); got != c.want {
			t.Errorf("TelegramLen(%q) = %d, want %d", c.html, got, c.want)
		}
	}
}
