package bot

import (
	"context"
	"strings"
	"testing"

	tg "github.com/go-telegram/bot"

	"focalbot/bot/delivery"
)

// Callback data built by CB reads back field by field; forged IDs read as 0.
func TestCallbackCodec(t *testing.T) {
	data := CB("ad", "edit", int64(42), 7)
	if data != "ad:edit:42:7" {
		t.Fatalf("CB = %q", data)
	}
	d := ParseData(data)
	if d.Verb != "ad" || d.Arg(0) != "edit" || d.ID(1) != 42 || d.ID(2) != 7 || d.Arg(3) != "" || d.ID(3) != 0 {
		t.Fatalf("ParseData(%q) = %+v", data, d)
	}
	if n, ok := d.Int(2); !ok || n != 7 {
		t.Fatalf("Int(2) = %d, %v", n, ok)
	}
	if d.Rest(1) != "42:7" || strings.Join(d.Parts(), ":") != data {
		t.Fatalf("Rest/Parts of %q: %q %v", data, d.Rest(1), d.Parts())
	}
	for _, forged := range []string{"aack:-1", "aack:x", "aack", "aack:99999999999999999999"} {
		if id := ParseData(forged).ID(0); id != 0 {
			t.Errorf("ID of %q = %d, want 0", forged, id)
		}
	}
}

// Data over Telegram's 64 bytes, or a field that would split in two, is a programming error
// caught where the button is built.
func TestCallbackCodecRefusesBadData(t *testing.T) {
	for name, build := range map[string]func(){
		"too long": func() { CB("verb", strings.Repeat("x", MaxCallbackData)) },
		"colon":    func() { CB("verb", "a:b") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: CB did not panic", name)
				}
			}()
			build()
		}()
	}
	CB("verb", strings.Repeat("x", MaxCallbackData-len("verb:"))) // exactly 64 bytes is fine
}

// A command, callback verb, flow or renderer registered twice stops the start-up.
func TestDuplicateRegistrationPanics(t *testing.T) {
	client, err := tg.New("1:test", tg.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	newApp := func() *App {
		return &App{TG: client, flows: map[string]Handler{}, verbs: map[string]bool{}, access: map[string]Access{},
			renderers: map[string]delivery.Renderer{}}
	}
	h := func(context.Context, *Request) error { return nil }
	for name, register := range map[string]func(a *App){
		"command":  func(a *App) { a.Command("x", Anyone, h) },
		"callback": func(a *App) { a.Callback("x", Anyone, h) },
		"flow":     func(a *App) { a.Flow("x", Anyone, h) },
		"renderer": func(a *App) { a.Renderer("x", nil) },
	} {
		a := newApp()
		register(a) // once is fine
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s registered twice: no panic", name)
				}
			}()
			register(a)
		}()
	}
}
